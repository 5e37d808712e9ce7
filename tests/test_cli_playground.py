"""``actlab playground`` on the command line: its options and its one-line errors."""

from __future__ import annotations

import socket

import pytest

from actlab.cli import main


def test_listed_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["playground", "--help"])
    out = capsys.readouterr().out
    assert "--host" in out and "--port" in out and "--no-browser" in out


def test_bad_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["playground", "--no-browser", "--port", "70000"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


def test_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = taken.getsockname()[1]
        assert main(["playground", "--no-browser", "--port", str(port)]) == 2
    finally:
        taken.close()
    err = capsys.readouterr().err
    assert "cannot listen on 127.0.0.1" in err and err.count("\n") == 1
