"""The playground in a real browser: Playwright driving Debian's Chromium against a real server.

One page goes through what a person does: load, play, watch the epoch counter and the loss move,
change the activation and the data set, edit a weight, hover a unit, race, export and import, load
a setup from a URL. No console error may appear; a screenshot is kept under test-artifacts/.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")

from tests.chromium import ARGS, CHROMIUM  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    from tests.playground_server import running_server

    with running_server() as (addr, _):
        yield addr


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
    page.problems = problems
    yield page
    context.close()
    assert not problems, problems


def epoch(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.text_content("#epoch").replace(",", ""))


def settled(page, expression: str):  # type: ignore[no-untyped-def]
    """The value of ``expression`` once three reads 200 ms apart agree."""
    reads = [page.evaluate(expression)]
    while len(reads) < 3 or len(set(map(json.dumps, reads[-3:]))) > 1:
        page.wait_for_timeout(200)
        reads.append(page.evaluate(expression))
        assert len(reads) < 100, f"{expression} kept changing: {reads[-5:]}"
    return reads[-1]


def wait_state(page, condition: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(f"() => {{ const a = window.actlabPlayground; return {condition}; }}")


def test_play_change_edit_race_export_import(page, address, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"http://{address}/")
    wait_state(page, "a.state && a.lastFrame")
    assert epoch(page) == 0
    loss_before = page.text_content("#test-loss")

    page.click("#play")
    page.wait_for_function(
        "() => +document.querySelector('#epoch').textContent.replace(/,/g, '') >= 20"
    )
    page.click("#play")
    wait_state(page, "!a.playing")
    assert page.text_content("#test-loss") != loss_before

    page.select_option("#activation", "relu")
    wait_state(page, "a.setup.activation === 'relu' && a.state.hidden[0] === 'relu'")
    assert "activation=relu" in page.url
    page.wait_for_function("() => document.querySelector('#preview-name').textContent === 'relu'")

    page.click(".dataset[data-name='xor']")
    wait_state(page, "a.state.setup.dataset === 'xor'")
    assert "dataset=xor" in page.url

    # add a hidden layer and a neuron with the +/- buttons, switch a feature on
    page.click("#add-layer")
    wait_state(page, "a.state.sizes.length === 5")
    page.click(".layer-head >> nth=0 >> button >> nth=0")
    wait_state(page, "a.state.sizes[1] === 5")
    page.click(".node.feature[data-feature='x1x2']")
    wait_state(page, "a.state.setup.features.includes('x1x2')")

    # edit a weight by clicking its link
    page.locator("#links path.hit").first.click(force=True)
    page.fill("#editor input", "1.5")
    page.press("#editor input", "Enter")
    wait_state(page, "a.lastFrame.weights[0][0][0] === 1.5")

    # hovering a unit enlarges its heatmap
    page.hover(".node.unit >> nth=0")
    assert page.is_visible("#hover-card")

    page.click("#step")
    wait_state(page, "a.lastFrame.epoch === 1")
    with page.expect_download() as download:
        page.click("#export")
    saved = tmp_path / "setup.json"
    download.value.save_as(saved)
    exported = json.loads(saved.read_text())
    assert exported["setup"]["dataset"] == "xor" and exported["epoch"] == 1
    w = exported["weights"][0][0][0]

    page.click("#reset")
    page.click(".dataset[data-name='gauss']")
    wait_state(page, "a.state.setup.dataset === 'gauss'")
    page.set_input_files("#import-file", str(saved))
    wait_state(page, "a.state.setup.dataset === 'xor' && a.lastFrame.epoch === 1")
    assert page.evaluate("window.actlabPlayground.lastFrame.weights[0][0][0]") == round(w, 5)

    # race: three activations on the same data, side by side
    page.click("#race-toggle")
    wait_state(page, "a.state.racing")
    page.click("#play")
    page.wait_for_function("() => document.querySelectorAll('.race-card').length === 3")
    wait_state(page, "a.lastFrame.type === 'race_frame' && a.lastFrame.runs[0].epoch >= 5")
    page.click("#play")
    wait_state(page, "!a.playing")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground-race.png"), full_page=True)
    page.click("#race-toggle")
    wait_state(page, "!a.state.racing")


def test_url_state_reproduces_a_setup(page, address) -> None:  # type: ignore[no-untyped-def]
    hash_ = (
        "#dataset=spiral&noise=10&layers=8,8,5&activation=sigmoid&learning_rate=0.1"
        "&features=x1,x2,sinx1,sinx2&layer_activations=%5B%22%22%2C%22tanh%22%5D"
        "&show_test=true&discretize=true&batch_size=5&train_ratio=70"
    )
    page.goto(f"http://{address}/{hash_}")
    wait_state(page, "a.state && a.state.setup.dataset === 'spiral'")
    state = page.evaluate("window.actlabPlayground.state")
    assert state["sizes"] == [4, 8, 8, 5, 1]
    assert state["hidden"] == ["sigmoid", "tanh", "sigmoid"]
    assert state["setup"]["show_test"] and state["setup"]["discretize"]
    assert len(state["train"]) == 350
    assert page.input_value("#learning-rate") == "0.1"
    assert page.input_value("#batch") == "5"
    assert page.is_checked("#show-test") and page.is_checked("#discretize")
    assert page.locator(".node.unit").count() == 21
    page.click("#play")
    page.wait_for_function(
        "() => +document.querySelector('#epoch').textContent.replace(/,/g, '') >= 10"
    )
    page.click("#play")
    wait_state(page, "!a.playing")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground.png"), full_page=True)

    # a link's bad fields are ignored one by one, and the page says which and why
    page.goto(f"http://{address}/#dataset=xor&layers=4,4,99&activation=nonsense&hideText=true")
    wait_state(page, "a.state.setup.dataset === 'xor'")
    page.wait_for_selector("#link-notes:not([hidden])")
    notes = page.text_content("#link-notes")
    assert "layers" in notes and "99" in notes and "activation" in notes and "nonsense" in notes
    state = page.evaluate("window.actlabPlayground.state")
    assert state["sizes"] == [2, 4, 2, 1] and state["hidden"] == ["tanh", "tanh"]
    assert not page.is_visible("#explain")  # hideText


TF_LINK = (
    "#activation=relu&regularization=L2&batchSize=3&dataset=spiral&regDataset=reg-plane"
    "&learningRate=0.1&regularizationRate=0.001&noise=35&networkShape=8,8,5&seed=0.12345"
    "&showTestData=true&discretize=true&percTrainData=70&x=true&y=false&xTimesY=true"
    "&xSquared=true&ySquared=false&cosX=false&sinX=true&cosY=false&sinY=true"
    "&collectStats=false&problem=classification&initZero=false&hideText=true"
    "&learningRate_hide=true&numHiddenLayers_hide=true&playButton_hide=false"
)


def test_tensorflow_playground_links_open_the_same_setup(page, address) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"http://{address}/{TF_LINK}")
    wait_state(page, "a.state && a.state.setup.dataset === 'spiral'")
    setup = page.evaluate("window.actlabPlayground.state.setup")
    assert setup["activation"] == "relu" and setup["regularization"] == "l2"
    assert setup["batch_size"] == 3 and setup["learning_rate"] == 0.1
    assert setup["reg_rate"] == 0.001 and setup["noise"] == 35 and setup["layers"] == [8, 8, 5]
    assert setup["seed"] == 12345 and setup["show_test"] and setup["discretize"]
    assert setup["train_ratio"] == 70
    assert setup["features"] == ["x1", "x1sq", "x1x2", "sinx1", "sinx2"]
    assert setup["hide"] == ["learning_rate", "layers"] and setup["hide_text"]
    # the hidden controls are gone, the others stay; no field was ignored
    assert not page.is_visible("[data-control='learning_rate']")
    assert not page.is_visible("#add-layer") and not page.is_visible("#explain")
    assert page.is_visible("#play") and page.is_visible("[data-control='activation']")
    assert page.is_hidden("#link-notes")
    # and back: the same setup as a TensorFlow Playground link
    assert page.is_enabled("#copy-tf-link")
    tf = page.evaluate("window.actlabPlayground.state.tf_link")
    assert tf.startswith("https://playground.tensorflow.org/#activation=relu&batchSize=3")
    for part in ("networkShape=8,8,5", "seed=0.12345", "xTimesY=true", "learningRate_hide=true"):
        assert part in tf
    # a setup TF Playground cannot hold says why
    page.select_option("#activation", "gelu")
    wait_state(page, "a.state.setup.activation === 'gelu'")
    assert not page.is_enabled("#copy-tf-link")
    assert "gelu" in page.get_attribute("#copy-tf-link", "title")


def test_race_choices_apply_at_once_and_histories_survive(page, address) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"http://{address}/#dataset=xor")
    wait_state(page, "a.state && a.lastFrame")
    page.click("#play")
    wait_state(page, "a.lastFrame.epoch >= 20")
    page.click("#play")
    wait_state(page, "!a.playing")
    assert page.text_content("#rate") == ""  # the rate readout clears on pause
    # an update computed before the pause reached the server still arrives after it
    main = settled(page, "window.actlabPlayground.history.length")

    page.click("#race-toggle")
    wait_state(page, "a.state.racing")
    page.click("#play")
    wait_state(page, "a.lastFrame.type === 'race_frame' && a.lastFrame.runs[0].epoch >= 10")
    page.click("#play")
    wait_state(page, "!a.playing")
    # ticking an activation while paused adds a racer at once, marked as a late joiner
    page.check("#race-choices input[value='gelu']")
    wait_state(page, "a.lastFrame.runs.length === 4")
    assert "joined late" in page.text_content(".race-card >> nth=3")
    assert page.is_visible("#late-note") and "gelu" in page.text_content("#late-note")
    # unticking one removes it at once; the others keep their progress
    page.uncheck("#race-choices input[value='sigmoid']")
    wait_state(page, "a.lastFrame.runs.length === 3")
    runs = {r["activation"]: r for r in page.evaluate("window.actlabPlayground.lastFrame.runs")}
    assert sorted(runs) == ["gelu", "relu", "tanh"]
    assert runs["relu"]["epoch"] >= 10 and runs["gelu"]["epoch"] == 0
    # the main panels follow the racer picked
    gelu = list(runs).index("gelu")
    page.click(f".race-card >> nth={gelu}")
    wait_state(page, f"a.lastFrame.focus.index === {gelu}")
    page.wait_for_function("() => document.querySelector('#preview-name').textContent === 'gelu'")
    assert "focused" in page.get_attribute(f".race-card >> nth={gelu}", "class")
    # stopping the race brings back the main network with its history
    page.click("#race-toggle")
    wait_state(page, "!a.state.racing")
    assert page.evaluate("window.actlabPlayground.history.length") == main
    page.wait_for_function("() => document.querySelector('#preview-name').textContent === 'tanh'")


def test_classroom_teacher_links_and_lessons(page, address) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"http://{address}/#dataset=gauss")
    wait_state(page, "a.state && a.lastFrame")
    assert page.is_visible("#explain") and "Features." in page.text_content("#explain")
    # the teacher unticks two controls: the link hides them
    page.uncheck("#teacher-controls input[value='learning_rate']")
    page.uncheck("#teacher-controls input[value='race']")
    page.check("#teacher-hide-text")
    link = page.input_value("#teacher-link")
    assert "hide=learning_rate,race" in link and "hide_text=true" in link
    page.goto(link)
    wait_state(page, "a.state && a.state.setup.hide.length === 2")
    assert not page.is_visible("[data-control='learning_rate']")
    assert not page.is_visible("#race-panel") and not page.is_visible("#explain")
    assert page.is_visible("[data-control='activation']")

    # every ready lesson opens its setup without an ignored field
    page.goto(f"http://{address}/")
    wait_state(page, "a.state && a.lastFrame")
    lessons = page.evaluate("window.actlabPlayground.hello.lessons")
    assert len(lessons) >= 5
    for i, lesson in enumerate(lessons):
        page.click(f"#lessons a >> nth={i}")
        wait_state(page, f"a.hash === {json.dumps(lesson['hash'])}")
        assert page.is_hidden("#link-notes")
    wait_state(page, "a.state.hidden[0] === 'x*sigmoid(1.5*x)'")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground-lesson.png"), full_page=True)


def test_smaller_fixes(page, address) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(
        f"http://{address}/#dataset=spiral&classes=4&loss=cross_entropy&layers=8,8,8,8,8,8,8,8"
    )
    wait_state(page, "a.state && a.lastFrame")
    assert page.get_attribute("#batch", "max") == "256"  # the server's limit, as documented
    # several classes: the key shows the classes, not -1..1
    assert page.text_content("#key-low") == "class 1"
    assert page.text_content("#key-high") == "class 4"
    # eight layers at 1280 px: smaller units, and no two columns of units overlap
    assert "compact" in page.get_attribute("#network", "class")
    xs = sorted(
        {
            round(b["x"])
            for b in page.locator(".node.unit").evaluate_all(
                "els => els.map(e => e.getBoundingClientRect())"
            )
        }
    )
    assert len(xs) == 8 and min(b - a for a, b in itertools.pairwise(xs)) > 30 + 12
    # hovering a link shows its weight; its editor counts layers from 1, as the bias editor does
    page.locator("#links path.hit").first.hover(force=True)
    page.wait_for_selector("#weight-tip:not([hidden])")
    tip = page.text_content("#weight-tip")
    w = page.evaluate("window.actlabPlayground.lastFrame.weights[0][0][0]")
    assert tip.startswith("weight x1 → layer 1, unit 1: ") and f"{w:.3f}" in tip
    page.locator("#links path.hit").first.click(force=True)
    assert page.text_content("#editor span") == "weight x1 → layer 1, unit 1"
    page.press("#editor input", "Escape")
    # choosing "custom formula" does not move the page below the top bar
    before = page.locator("#network").bounding_box()["y"]
    page.select_option("#activation", "__custom__")
    assert page.is_visible("#custom-formula")
    assert page.locator("#network").bounding_box()["y"] == before
