"""Speed of the live MNIST page: training throughput in process, and the page end to end.

1. In process, one torch thread (as the server runs it): examples a second of ConvNetJS's
   convnet (24x24 crops of 28x28, conv 5x5x8 + ReLU + pool 2, conv 5x5x16 + ReLU + pool 3,
   softmax; Adadelta, batch 20) and of an MLP 784-100-10 (whole images, ReLU, Adadelta) at
   batch 20, 64 and 256; forward and backward milliseconds per example. Rounds run the variants
   in a fresh random order each time; medians are quoted.
2. End to end: a real ``actlab playground`` process, a WebSocket tab on ``/mnist`` that
   acknowledges every frame at once (a fast page), playing the convnet on MNIST: frames a second
   the page receives and examples a second trained, with one tab and with two tabs at once.

MNIST's files are not on this machine (no network): unless ``--data`` names a folder with them,
the benchmark writes MNIST-shaped IDX files (28x28 uint8, the real format) of random pixels;
speed does not depend on the pixels' values.

ConvNetJS's demo page says its network "runs at about 5ms for both forward and backward pass" per
example in the browser (ConvNetJS does not run here); the ratio printed is 5 ms over actlab's
measured forward plus backward time per example, and 5 ms over its forward time alone.

    PYTHONPATH=src python benchmarks/mnist_live.py [--seconds 6] [--rounds 5] [--data DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gzip
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import websockets

ROOT = Path(__file__).resolve().parent.parent
#: ConvNetJS's time per example on its MNIST demo, forward and backward, in the browser (ms)
CONVNETJS_MS = 5.0


def write_idx(folder: Path, n_train: int = 6000, n_test: int = 1000) -> None:
    """MNIST-shaped IDX files (gzip), random pixels and labels, in the real format."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    for name, array in arrays.items():
        header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
            int(s).to_bytes(4, "big") for s in array.shape
        )
        (folder / f"{name}.gz").write_bytes(gzip.compress(header + array.tobytes()))


def in_process(root: Path, seconds: float, rounds: int) -> list[dict]:
    import torch

    from actlab.web.mnist import images, setup, trainer

    torch.set_num_threads(1)
    im = images.load("mnist", root)
    variants = {
        "convnet (ConvNetJS), batch 20": (im, setup.CONVNETJS, 20),
        "MLP 784-100-10, batch 20": (dataclasses.replace(im, crop=28), "fc units=100 act=relu", 20),
        "MLP 784-100-10, batch 64": (dataclasses.replace(im, crop=28), "fc units=100 act=relu", 64),
        "MLP 784-100-10, batch 256": (
            dataclasses.replace(im, crop=28),
            "fc units=100 act=relu",
            256,
        ),
    }
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in variants}
    order = list(variants)
    for _ in range(rounds):
        random.shuffle(order)  # no variant always runs first (or after the same one)
        for name in order:
            data, network, batch = variants[name]
            run = setup.DEFAULT.replace(dataset="mnist", network=network, batch_size=batch)
            t = trainer.Trainer(data, run)
            t.train_for(0.3)  # warm up
            examples, start = t.examples, time.perf_counter()
            t.train_for(seconds)
            rate = (t.examples - examples) / (time.perf_counter() - start)
            results[name].append((rate, t.forward_ms, t.backward_ms))
    rows = []
    for name, values in results.items():
        rate, forward, backward = (statistics.median(v[i] for v in values) for i in range(3))
        rows.append(
            {
                "variant": name,
                "examples_per_s": rate,
                "forward_ms": forward,
                "backward_ms": backward,
            }
        )
    return rows


def start_server(root: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = ["playground", "--no-browser", "--port", "0", "--data", str(root)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "actlab", *command], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    match = re.search(r"http://([\d.]+:\d+)/", proc.stdout.readline())
    if not match:
        proc.kill()
        raise SystemExit("the server did not say where it listens")
    return proc, match.group(1)


async def tab(address: str, seconds: float) -> dict:
    from actlab.web import wire

    uri = f"ws://{address}/mnist/ws"
    async with websockets.connect(uri, origin=f"http://{address}", max_size=2**24) as ws:

        async def until(kind: str) -> dict:
            while True:
                message = wire.decode(await ws.recv())
                if message["type"] == "state":  # it holds a frame: acknowledge it as the page does
                    await ws.send(json.dumps({"type": "ack", "frame": message["frame"]["frame"]}))
                if message["type"] == kind:
                    return message

        await until("state")
        await ws.send(json.dumps({"type": "setup", "setup": {"dataset": "mnist"}}))
        await until("state")
        await ws.send(json.dumps({"type": "play"}))
        frames, first, last = 0, None, None
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            message = wire.decode(await ws.recv())
            if message["type"] != "frame":
                continue
            await ws.send(json.dumps({"type": "ack", "frame": message["frame"]}))
            frames += 1
            stamp = (time.perf_counter(), message["stats"]["examples"])
            first = first or stamp
            last = stamp
        await ws.send(json.dumps({"type": "pause"}))
    assert first is not None and last is not None
    wall = last[0] - first[0]
    return {"frames_per_s": (frames - 1) / wall, "examples_per_s": (last[1] - first[1]) / wall}


def end_to_end(root: Path, seconds: float) -> list[dict]:
    proc, address = start_server(root)
    try:
        rows = []
        for tabs in (1, 2):

            async def many(n: int = tabs) -> list[dict]:
                return list(await asyncio.gather(*(tab(address, seconds) for _ in range(n))))

            results = asyncio.run(many())
            for i, r in enumerate(results):
                rows.append({"tabs": tabs, "tab": i + 1, **r})
        return rows
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", type=Path, default=None, help="a folder holding mnist/")
    parser.add_argument("--write", type=Path, default=None, help="also write the tables here")
    args = parser.parse_args()
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    with tempfile.TemporaryDirectory() as tmp:
        root = args.data
        if root is None:
            root = Path(tmp)
            write_idx(root / "mnist")
            say("Data: MNIST-shaped IDX files of random pixels (MNIST is not on this machine).")
        say(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start.")
        say()
        say(
            f"Training in process, one torch thread, medians of {args.rounds} rounds of "
            f"{args.seconds / 2:g} s, variants in random order:"
        )
        say()
        say("| variant | examples/s | forward ms/example | backward ms/example |")
        say("|---|---:|---:|---:|")
        rows = in_process(root, args.seconds / 2, args.rounds)
        for r in rows:
            say(
                f"| {r['variant']} | {r['examples_per_s']:,.0f} | {r['forward_ms']:.4f} | "
                f"{r['backward_ms']:.4f} |"
            )
        convnet = rows[0]
        say()
        both = convnet["forward_ms"] + convnet["backward_ms"]
        say(
            f"ConvNetJS's demo: about {CONVNETJS_MS:g} ms per example for forward and backward "
            f"(its page says so; in the browser). actlab: {both:.4f} ms, "
            f"{CONVNETJS_MS / both:.0f}x faster; forward alone {convnet['forward_ms']:.4f} ms, "
            f"{CONVNETJS_MS / convnet['forward_ms']:.0f}x."
        )
        say()
        say(
            "The page end to end (`actlab playground`, `/mnist`, MNIST's convnet, "
            f"{args.seconds:g} s, every frame acknowledged at once):"
        )
        say()
        say("| tabs | tab | frames/s | examples/s |")
        say("|---:|---:|---:|---:|")
        for r in end_to_end(root, args.seconds):
            rate = f"{r['examples_per_s']:,.0f}"
            say(f"| {r['tabs']} | {r['tab']} | {r['frames_per_s']:.1f} | {rate} |")
        say()
        say(f"Load average at the end: {os.getloadavg()[0]:.1f}.")
    if args.write:
        header = "<!-- written by benchmarks/mnist_live.py --write; do not edit -->\n\n"
        args.write.write_text(header + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
