"""The playground server at its edge: hosts, origins, bad messages, many sessions at once."""

from __future__ import annotations

import asyncio
import json
import time
import warnings
from collections.abc import Iterator

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
websockets = pytest.importorskip("websockets")

with warnings.catch_warnings():  # starlette's note about httpx versions is not ours to fix
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from actlab.web import app as web  # noqa: E402
from actlab.web import wire  # noqa: E402
from actlab.web.state import LIMITS  # noqa: E402

ORIGIN = {"origin": "http://127.0.0.1"}
WS = "ws://127.0.0.1/ws"  # the test client would otherwise say Host: testserver


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(web.create_app(), base_url="http://127.0.0.1") as c:
        yield c


def receive(ws, kind: str, limit: int = 20) -> dict:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        event = ws.receive()
        message = wire.decode(event.get("text") or event["bytes"])
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


def test_page_and_assets_served_locally(client: TestClient) -> None:
    page = client.get("/")
    assert (
        page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    )
    for src in ("/static/app.js", "/static/draw.js", "/static/network.js", "/static/style.css"):
        assert src.rsplit("/", 1)[1] in page.text or src.endswith(("draw.js", "network.js"))
        assert client.get(src).status_code == 200
    assert "http" not in page.text.replace("http-equiv", "")  # nothing fetched from elsewhere


def test_foreign_host_refused(client: TestClient) -> None:
    assert client.get("/", headers={"host": "attacker.example"}).status_code == 400


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://attacker.example"},
        {"origin": "http://127.0.0.1:9999"},
        {"origin": "null"},
        {},
        {"origin": "http://attacker.example", "host": "attacker.example"},
    ],
)
def test_foreign_origin_refused(client: TestClient, headers: dict) -> None:
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect(WS, headers=headers):
        pass
    assert info.value.code == 1008


def test_hello_setup_step(client: TestClient) -> None:
    with client.websocket_connect(WS, headers=ORIGIN) as ws:
        hello = receive(ws, "hello")
        ws.send_text(json.dumps({"type": "setup", "setup": hello["defaults"]}))
        state = receive(ws, "state")
        assert state["sizes"] == [2, 4, 2, 1]
        ws.send_text(json.dumps({"type": "step"}))
        assert receive(ws, "frame")["epoch"] == 1


BAD = [
    ("not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ('{"type": "launch"}', "unknown message type"),
    ('{"type": "step", "x": 1}', "unexpected field"),
    ('{"type": "set_weight", "layer": 0}', "missing field"),
    ('{"type": "set_weight", "layer": 0, "source": 0, "target": 99, "value": 1}', "no weight"),
    ('{"type": "setup", "setup": {"layers": [4,4,4,4,4,4,4,4,4]}}', "at most 8 hidden layers"),
    ('{"type": "setup", "setup": {"layers": [1000]}}', "neurons"),
    ('{"type": "setup", "setup": {"batch_size": 100000}}', "batch_size"),
    ('{"type": "setup", "setup": {"points": 10000000}}', "points"),
    ('{"type": "setup", "setup": {"fps": 100000}}', "fps"),
    ('{"type": "setup", "setup": {"activation": "relu("}', "activation|parameter|not"),
    ('{"type": "preview", "spec": "__import__(\'os\')"}', ""),
    ('{"type": "points", "csv": "a,b\\n"}', "CSV"),
    ('{"type": "import", "data": {"format": "actlab-playground", "setup": {}}}', "weights"),
    ("[" * 100000 + "]" * 100000, "JSON"),
]


def test_bad_messages_get_errors_and_the_session_lives(client: TestClient) -> None:
    with client.websocket_connect(WS, headers=ORIGIN) as ws:
        receive(ws, "hello")
        for text, match in BAD:
            ws.send_text(text)
            error = receive(ws, "error")
            assert match.split("|")[0] in error["message"] or any(
                m in error["message"] for m in match.split("|")
            ), (text[:60], error)
        ws.send_bytes(b"\x00\x01")
        assert "binary" in receive(ws, "error")["message"]
        ws.send_text(" " * (LIMITS["max_message"] + 1))
        assert "too large" in receive(ws, "error")["message"]
        ws.send_text(json.dumps({"type": "step"}))
        assert receive(ws, "frame")["epoch"] == 1


def test_flooding_is_rate_limited(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # a frozen clock for the server's token bucket: however slowly this machine sends, the flood
    # arrives "within one second"
    monkeypatch.setattr(
        web, "time", type("FrozenClock", (), {"monotonic": staticmethod(lambda: 0.0)})
    )
    with client.websocket_connect(WS, headers=ORIGIN) as ws:
        receive(ws, "hello")
        for _ in range(LIMITS["max_messages_per_second"] + 50):
            ws.send_text('{"type": "ack", "frame": 0}')
        assert "too many" in receive(ws, "error")["message"]


def test_play_streams_frames_with_flow_control(client: TestClient) -> None:
    with client.websocket_connect(WS, headers=ORIGIN) as ws:
        receive(ws, "hello")
        ws.send_text('{"type": "play"}')
        epochs = []
        for _ in range(4):
            frame = receive(ws, "frame")
            epochs.append(frame["epoch"])
            ws.send_text(json.dumps({"type": "ack", "frame": frame["frame"]}))
        ws.send_text('{"type": "pause"}')
        # (an update may stop mid-epoch on a busy machine: count progress, not whole epochs)
        assert epochs == sorted(epochs) and epochs[-1] > epochs[0] > 0


# ---------------------------------------------------------------- a real server, many tabs


@pytest.fixture
def server() -> Iterator[tuple[str, object]]:
    from tests.playground_server import running_server

    with running_server() as running:
        yield running


async def _tab(address: str, live: list[int], app: object) -> int:
    async with websockets.connect(f"ws://{address}/ws", origin=f"http://{address}") as ws:
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello"
        await ws.send(json.dumps({"type": "play"}))
        epoch = 0
        while epoch < 3:
            message = wire.decode(await ws.recv())
            if message["type"] == "frame":
                epoch = message["epoch"]
                await ws.send(json.dumps({"type": "ack", "frame": message["frame"]}))
        live.append(len(app.state.sessions))  # type: ignore[attr-defined]
        return epoch


def test_many_sessions_at_once_and_freed_on_disconnect(server: tuple[str, object]) -> None:
    address, app = server
    live: list[int] = []

    async def main() -> list[int]:
        return await asyncio.gather(*[_tab(address, live, app) for _ in range(12)])

    epochs = asyncio.run(asyncio.wait_for(main(), 60))
    assert all(e >= 3 for e in epochs) and max(live) > 1
    deadline = time.monotonic() + 5
    while app.state.sessions and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.02)
    assert not app.state.sessions  # type: ignore[attr-defined]


def test_real_server_refuses_foreign_origin(server: tuple[str, object]) -> None:
    address, _ = server

    async def main() -> None:
        async with websockets.connect(f"ws://{address}/ws", origin="http://evil.example"):
            pass

    with pytest.raises(websockets.exceptions.InvalidStatus) as info:
        asyncio.run(main())
    assert info.value.response.status_code == 403


def test_frames_are_binary_and_uncompressed(server: tuple[str, object]) -> None:
    address, _ = server

    async def main() -> tuple[object, bytes | str, dict]:
        # the client offers per-message deflate, as browsers do; the server declines it
        async with websockets.connect(f"ws://{address}/ws", origin=f"http://{address}") as ws:
            extensions = ws.response.headers.get("Sec-WebSocket-Extensions")
            assert isinstance(await ws.recv(), str)  # hello: plain JSON text
            await ws.send(json.dumps({"type": "step"}))
            while True:
                raw = await ws.recv()
                message = wire.decode(raw)
                if message["type"] == "frame":
                    return extensions, raw, message

    extensions, raw, frame = asyncio.run(asyncio.wait_for(main(), 30))
    assert extensions is None
    assert isinstance(raw, bytes) and len(frame["heat"]["output"]) == 100 * 100
    # a byte per heatmap cell (100^2 + 6 units of 50^2) and a small JSON header: no base64
    assert len(raw) < 100 * 100 + 6 * 50 * 50 + 4000


def test_a_heavy_session_does_not_hold_up_another(server: tuple[str, object]) -> None:
    """Each session trains in its own worker: while one runs a long step (a race of six of the
    slowest activations, each an epoch of 4,500 batches of one through 8 layers: seconds on any
    machine), another tab connects once that step is under way, steps and gets its frame first.
    Were the step run on the event loop, the second tab could not even connect until it ended."""
    address, _ = server
    heavy = {
        "layers": [16] * 8,
        "points": 5000,
        "train_ratio": 90,
        "batch_size": 1,
        "race": ["gelu_tanh", "gelu", "serf", "mish", "silu", "tanhexp"],
    }
    order: list[str] = []

    async def main() -> None:
        stepping = asyncio.Event()

        async def tab(name: str, changes: dict, race: bool) -> None:
            if not race:
                await stepping.wait()
            async with websockets.connect(f"ws://{address}/ws", origin=f"http://{address}") as ws:
                hello = json.loads(await ws.recv())
                setup = {**hello["defaults"], **changes}
                await ws.send(json.dumps({"type": "setup", "setup": setup}))
                while wire.decode(await ws.recv())["type"] != "state":
                    pass
                if race:
                    await ws.send(json.dumps({"type": "race", "on": True}))
                    while wire.decode(await ws.recv())["type"] != "state":
                        pass
                await ws.send(json.dumps({"type": "step"}))
                if race:
                    stepping.set()
                want = "race_frame" if race else "frame"
                while wire.decode(await ws.recv())["type"] != want:
                    pass
                order.append(name)

        await asyncio.gather(tab("heavy", heavy, True), tab("light", {}, False))

    asyncio.run(asyncio.wait_for(main(), 120))
    assert order == ["light", "heavy"]


def test_a_worker_that_dies_is_reported(server: tuple[str, object]) -> None:
    address, app = server

    async def main() -> dict:
        async with websockets.connect(f"ws://{address}/ws", origin=f"http://{address}") as ws:
            await ws.recv()
            await ws.send(json.dumps({"type": "step"}))
            while wire.decode(await ws.recv())["type"] != "frame":
                pass
            (connection,) = app.state.sessions  # type: ignore[attr-defined]
            connection.worker.process.kill()
            await ws.send(json.dumps({"type": "step"}))
            while True:
                message = wire.decode(await ws.recv())
                if message["type"] == "error":
                    return message

    error = asyncio.run(asyncio.wait_for(main(), 60))
    assert error["context"] == "session" and "reload" in error["message"]


def test_a_new_tab_starts_at_frame_one(server: tuple[str, object]) -> None:
    """Workers are started ahead and warmed; the page's first state is still frame 1 (flow
    control counts frames from there)."""
    address, _ = server

    async def main() -> int:
        async with websockets.connect(f"ws://{address}/ws", origin=f"http://{address}") as ws:
            hello = json.loads(await ws.recv())
            await ws.send(json.dumps({"type": "link", "hash": "#dataset=xor&bogus=1"}))
            while True:
                message = wire.decode(await ws.recv())
                if message["type"] == "state":
                    assert message["notes"] == ["'bogus': not a playground field (ignored)"]
                    assert message["setup"]["dataset"] == "xor" and hello["lessons"]
                    return int(message["frame"]["frame"])

    assert asyncio.run(asyncio.wait_for(main(), 60)) == 1
