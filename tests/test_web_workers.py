"""Session workers: the request/reply protocol, in a process and in the thread variant."""

from __future__ import annotations

import asyncio

import pytest

from actlab.web import wire, workers
from actlab.web.session import Session
from actlab.web.state import parse_message


@pytest.mark.parametrize("isolation", ["process", "thread"])
def test_a_worker_answers_messages_and_ticks(isolation: str) -> None:
    async def main() -> None:
        pool = workers.Pool(isolation)
        try:
            worker = await pool.take()
            replies, status = await worker.call("handle", parse_message({"type": "step"}))
            kinds = [kind for kind, _ in replies]
            assert kinds == ["playing", "frame"] and status["frame"] == 1
            assert wire.decode(replies[1][1])["epoch"] == 1
            replies, status = await worker.call("tick")
            assert replies == [] and not status["playing"]  # paused: a late tick does nothing
            await worker.call("handle", parse_message({"type": "play"}))
            replies, status = await worker.call("tick")
            assert [kind for kind, _ in replies] == ["frame"] and status["frame"] == 2
            await worker.close()
            assert not worker.process.is_alive()
        finally:
            await pool.close()

    asyncio.run(asyncio.wait_for(main(), 60))


def test_a_failing_update_becomes_an_error_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session()
    session.playing = True

    def broken(epochs: int | None = None) -> dict:
        raise ValueError("boom")

    monkeypatch.setattr(session, "tick", broken)
    replies, status = workers.answer(session, "tick", None)
    messages = [wire.decode(payload) for _, payload in replies]
    assert messages[0] == {"type": "playing", "playing": False} and not status["playing"]
    assert messages[1]["context"] == "train" and "boom" in messages[1]["message"]
