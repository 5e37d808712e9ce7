"""Make docs/mnist.png: the live MNIST page after a race and a short training run, as seen.

Starts ``actlab playground`` as a user does, drives the page in headless Chromium (Playwright):
races sigmoid, tanh and ReLU on the embedded digits, then trains the default convnet, draws a
digit on the pad, and takes a full-page screenshot.

    PYTHONPATH=src python tools/mnist_screenshot.py [--out docs/mnist.png] [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("ACTLAB_CHROMIUM", "/usr/bin/chromium")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "mnist.png")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "actlab", "playground", "--no-browser", "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert server.stdout is not None
        match = re.search(r"http://([\d.]+:\d+)/", server.stdout.readline())
        if not match:
            raise SystemExit("the server did not say where it listens")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://{match.group(1)}/mnist")
            page.wait_for_function("() => window.actlabMnist.state")
            page.click("#race")
            time.sleep(args.seconds)
            page.click("#race")
            page.wait_for_function("() => !window.actlabMnist.racing")
            page.click("#reset")
            page.wait_for_function("() => !window.actlabMnist.playing")
            page.click("#play")
            time.sleep(args.seconds)
            page.click("#play")
            page.wait_for_function("() => !window.actlabMnist.playing")
            box = page.locator("#pad").bounding_box()
            assert box is not None
            page.mouse.move(box["x"] + 70, box["y"] + 40)
            page.mouse.down()
            for x, y in ((130, 40), (130, 60), (95, 160)):  # a 7
                page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
            page.mouse.up()
            page.wait_for_function("() => window.actlabMnist.lastProbe")
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
        print(f"wrote {args.out}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
