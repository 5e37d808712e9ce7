"""The MNIST page's server at its edge: page, origins, frames, and training off the event loop."""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import Iterator

import pytest

pytest.importorskip("starlette")
pytest.importorskip("torch")

with warnings.catch_warnings():  # starlette's note about httpx versions is not ours to fix
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from actlab.web import app as web
from actlab.web import wire
from actlab.web.mnist import session

ORIGIN = {"origin": "http://127.0.0.1"}
WS = "ws://127.0.0.1/mnist/ws"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(web.create_app(), base_url="http://127.0.0.1") as c:
        yield c


def receive(ws, kind: str, limit: int = 50) -> dict:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        event = ws.receive()
        message = wire.decode(event.get("text") or event["bytes"])
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


def test_page_and_assets(client: TestClient) -> None:
    page = client.get("/mnist")
    assert (
        page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    )
    for asset in ("mnist.js", "mnist.css"):
        assert f"/mnist/static/{asset}" in page.text
        assert client.get(f"/mnist/static/{asset}").status_code == 200
    assert 'href="/mnist"' in client.get("/").text  # linked from the playground
    assert client.get("/mnist", headers={"host": "attacker.example"}).status_code == 400


@pytest.mark.parametrize("headers", [{}, {"origin": "http://attacker.example"}])
def test_foreign_origin_refused(client: TestClient, headers: dict) -> None:
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(WS, headers=headers) as ws:
        ws.receive()


def test_hello_state_play_frames_and_errors(client: TestClient) -> None:
    with client.websocket_connect(WS, headers=ORIGIN) as ws:
        hello = receive(ws, "hello")
        assert hello["datasets"][0]["name"] == "digits"
        assert "relu" in hello["activations"] and "adadelta" in hello["optimizers"]
        state = receive(ws, "state")
        assert (
            state["setup"]["optimizer"] == "adadelta" and state["frame"]["stats"]["examples"] == 0
        )
        ws.send_text('{"type": "nonsense"}')
        assert "unknown message type" in receive(ws, "error")["message"]
        ws.send_text('{"type": "play"}')
        frames = []
        for _ in range(4):  # the server stays at most two frames ahead of the acknowledgements
            frames.append(receive(ws, "frame"))
            ws.send_text(f'{{"type": "ack", "frame": {frames[-1]["frame"]}}}')
        assert frames[-1]["stats"]["examples"] > frames[0]["stats"]["examples"]
        ws.send_text('{"type": "pause"}')
        receive(ws, "playing")


def test_training_never_runs_on_the_event_loop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One tab's training step is held until another tab has had its reply: were training on the
    event loop, the other tab could not be answered and the held step would time out."""
    answered = threading.Event()
    on_loop: list[bool] = []
    original = session.Session.tick

    def held_tick(self: session.Session) -> dict:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        answered.wait(20)
        return original(self)

    monkeypatch.setattr(session.Session, "tick", held_tick)
    with (
        client.websocket_connect(WS, headers=ORIGIN) as busy,
        client.websocket_connect(WS, headers=ORIGIN) as other,
    ):
        receive(busy, "state")
        receive(other, "state")
        busy.send_text('{"type": "play"}')
        receive(busy, "playing")
        other.send_text('{"type": "save"}')
        assert receive(other, "saved")["data"]["format"] == "actlab-mnist-net"
        assert not answered.is_set()
        answered.set()
        assert receive(busy, "frame")["stats"]["examples"] > 0
        busy.send_text('{"type": "pause"}')
    assert on_loop and not any(on_loop)
