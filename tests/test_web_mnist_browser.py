"""The MNIST page in a real browser: Playwright driving Debian's Chromium against a real server.

Each control is driven as a person would: play and pause, step, reset, the optimiser and its
numbers, the network definition (a bad one and a good one), save and load JSON, the torch
export, drawing a digit, the race, the data set menu (small MNIST IDX files written here), a
setup from the URL. No console error may appear. The screenshot is kept under test-artifacts/
and checked: the panels it should show are drawn (not blank).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")
pytest.importorskip("torch")
Image = pytest.importorskip("PIL.Image")

from actlab.web.mnist.routes import DATA_VARIABLE  # noqa: E402
from tests.chromium import ARGS, CHROMIUM  # noqa: E402
from tests.test_data import write_mnist  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")


@pytest.fixture(scope="module")
def address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.playground_server import running_server

    root = tmp_path_factory.mktemp("data")
    write_mnist(root / "mnist", n_train=60, n_test=12)
    before = os.environ.get(DATA_VARIABLE)
    os.environ[DATA_VARIABLE] = str(root)
    try:
        with running_server() as (addr, _):
            yield addr
    finally:
        if before is None:
            os.environ.pop(DATA_VARIABLE, None)
        else:
            os.environ[DATA_VARIABLE] = before


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, address):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    yield page
    context.close()
    assert not problems, problems


def wait(page, condition: str, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        f"() => {{ const a = window.actlabMnist; return {condition}; }}", timeout=timeout
    )


def value(page, expression: str):  # type: ignore[no-untyped-def]
    return page.evaluate(f"() => {{ const a = window.actlabMnist; return {expression}; }}")


def drawn(png: bytes) -> float:
    """Standard deviation of a screenshot's grey levels: 0 for a blank area."""
    return float(np.asarray(Image.open(io.BytesIO(png)).convert("L"), np.float64).std())


def test_train_watch_pause_and_screenshot(page, address) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"http://{address}/mnist")
    wait(page, "a.state && a.lastFrame")
    assert page.text_content("#examples") == "0"
    page.click("#play")
    wait(page, "a.playing && a.lastFrame.stats && a.lastFrame.stats.examples >= 3000")
    wait(page, "a.lastTest && a.lastTest.examples > 0")
    page.click("#play")
    wait(page, "!a.playing")
    stats = value(page, "a.lastFrame.stats")
    assert stats["val_acc"] > 0.5 and stats["forward_ms"] > 0 and len(stats["curve"]) >= 2
    assert page.text_content("#play") == "Play"
    assert page.locator("#test-grid .cell").count() == 40
    assert page.locator("#confusion td").count() == 100
    assert "weight gradients" in page.text_content("#layers")  # the filters' own gradients
    assert "8x1x3x3+8 = 80 parameters" in page.text_content("#layers")
    names = page.locator("#layers .layer-info b").all_text_contents()
    assert names == ["input", "conv", "relu", "pool", "conv", "relu", "pool", "softmax"]
    assert "%" in page.text_content("#val_acc") and "%" in page.text_content("#test_acc")

    ARTIFACTS.mkdir(exist_ok=True)
    shot = page.screenshot(path=str(ARTIFACTS / "mnist.png"), full_page=True)
    width, height = Image.open(io.BytesIO(shot)).size
    assert width == 1400 and height > 1500
    for panel in ("#loss-curve", "#layers", "#test-grid", "#confusion"):
        assert drawn(page.locator(panel).screenshot()) > 10, f"{panel} looks blank"


def test_optimiser_numbers_network_and_reset(page, address) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"http://{address}/mnist")
    wait(page, "a.state")
    assert page.is_disabled("#learning_rate")  # Adadelta needs none
    page.select_option("#optimizer", "sgd")
    wait(page, "a.state.setup.optimizer === 'sgd'")
    assert page.is_enabled("#learning_rate") and page.is_enabled("#momentum")
    for field, text in (
        ("learning_rate", "0.05"),
        ("momentum", "0.5"),
        ("batch_size", "32"),
        ("l2_decay", "0.0005"),
        ("seed", "3"),
    ):
        page.fill(f"#{field}", text)
        page.dispatch_event(f"#{field}", "change")
        wait(page, f"a.state.setup.{field} === {text}")
    assert "%22batch_size%22%3A32" in page.url  # the URL holds the setup

    page.fill("#network", "conv size=3 filters=4 act=relu\npool size=9")
    page.click("#apply-network")
    page.wait_for_selector("#error:not([hidden])")
    assert "line 2" in page.text_content("#error") and "9x9 window" in page.text_content("#error")
    page.fill("#network", "fc units=20 act=x*sigmoid(x)")
    page.click("#apply-network")
    wait(page, "a.state.layers.length === 1")
    assert "fc units=20" in page.text_content("#layer-plan")
    page.click("#step")
    wait(page, "a.lastFrame.stats && a.lastFrame.stats.examples > 0")
    page.click("#reset")
    wait(page, "a.lastFrame.stats && a.lastFrame.stats.examples === 0")
    page.click("#default-network")
    wait(page, "a.state.layers.length === 4")


def test_save_load_export_and_draw(page, address, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"http://{address}/mnist")
    wait(page, "a.state")
    page.click("#step")
    wait(page, "a.lastFrame.stats && a.lastFrame.stats.examples > 0")
    examples = value(page, "a.lastFrame.stats.examples")
    with page.expect_download() as info:
        page.click("#save")
    saved = tmp_path / "net.json"
    info.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["format"] == "actlab-mnist-net" and data["examples"] == examples
    with page.expect_download() as info:
        page.click("#export-torch")
    assert Path(info.value.path()).stat().st_size > 1000

    page.click("#reset")
    wait(page, "a.lastFrame.stats.examples === 0")
    page.set_input_files("#load-file", str(saved))
    wait(page, f"a.lastFrame.stats.examples === {examples}")

    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "actlab-mnist-net", "network": "fc units=3", "params": {}}')
    page.set_input_files("#load-file", str(bad))
    page.wait_for_selector("#error:not([hidden])")
    assert "load:" in page.text_content("#error")

    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + 98, box["y"] + 30)
    page.mouse.down()
    for y in range(30, 170, 10):
        page.mouse.move(box["x"] + 98, box["y"] + y)
    page.mouse.up()
    wait(page, "a.lastProbe !== null")
    assert page.text_content("#probe-result .prediction").startswith("prediction: ")
    assert page.locator("#probe-result .layer").count() == 8
    assert sum(value(page, "a.lastProbe.probs")) == pytest.approx(1, abs=1e-2)
    picture = tmp_path / "digit.png"
    Image.fromarray(np.pad(np.full((12, 4), 255, np.uint8), 8)).save(picture)  # a "1"
    page.evaluate("() => { window.actlabMnist.lastProbe = null; }")
    page.set_input_files("#image-file", str(picture))
    wait(page, "a.lastProbe !== null")
    assert page.locator("#probe-result .layer").count() == 8
    page.click("#clear-pad")
    page.wait_for_timeout(300)  # a reply still on its way must not draw on the cleared pad
    assert page.locator("#probe-result .layer").count() == 0


def test_race_dataset_menu_and_url(page, address) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"http://{address}/mnist")
    wait(page, "a.state")
    assert page.is_disabled("#dataset option[value=fashion_mnist]")
    page.fill("#race-specs", "sigmoid, relu")
    page.click("#race")
    wait(page, "a.racing && a.playing && a.lastRace && a.lastRace.runs[1].history.length >= 3")
    race = value(page, "a.lastRace")
    assert [run["activation"] for run in race["runs"]] == ["sigmoid", "relu"]
    assert page.locator("#race-table tr").count() == 3
    assert drawn(page.locator("#race-acc-examples").screenshot()) > 5
    page.select_option("#race-layer", "1")
    page.click("#race")
    wait(page, "!a.racing")
    page.click("#play")
    wait(page, "!a.playing")

    page.select_option("#dataset", "mnist")
    wait(page, "a.state.dataset.name === 'mnist'")
    assert value(page, "a.state.dataset.input") == [1, 24, 24]
    assert value(page, "a.state.parameters") == 208 + 3216 + 2570  # ConvNetJS's network

    setup = {"dataset": "digits", "batch_size": 7, "optimizer": "adam", "learning_rate": 0.002}
    page.goto(f"http://{address}/mnist#s={json.dumps(setup)}")
    page.reload()
    wait(page, "a.state && a.state.setup.batch_size === 7")
    assert value(page, "a.state.setup.optimizer") == "adam"
