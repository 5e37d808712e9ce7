"""The server's wire format: JSON text, or one binary message of JSON plus raw heatmap bytes."""

from __future__ import annotations

import doctest
import json
import struct

import pytest

from actlab.web import wire


def test_text_when_there_are_no_bytes() -> None:
    payload = wire.encode({"type": "hello", "limits": {"max_layers": 8}, "x": [1.5, None]})
    assert isinstance(payload, str) and json.loads(payload)["limits"]["max_layers"] == 8


def test_bytes_go_raw_after_a_json_header() -> None:
    message = {
        "type": "frame",
        "epoch": 3,
        "heat": {"output": bytes(range(256)) * 2, "units": [[b"\x01\x02", b""], [b"\xff"]]},
    }
    payload = wire.encode(message)
    assert isinstance(payload, bytes)
    (n,) = struct.unpack_from("<I", payload)
    header = json.loads(payload[4 : 4 + n])
    assert header["heat"]["output"] == {"$bytes": [0, 512]}
    assert header["heat"]["units"][1][0] == {"$bytes": [514, 1]}
    assert len(payload) == 4 + n + 512 + 2 + 0 + 1  # no base64: a byte a cell
    assert wire.decode(payload) == message


def test_what_json_cannot_hold_is_refused() -> None:
    with pytest.raises(ValueError):
        wire.encode({"type": "frame", "loss": float("nan")})
    with pytest.raises(ValueError, match="cannot send a set"):
        wire.encode({"type": "frame", "odd": {1, 2}})


def test_docstring_examples_run() -> None:
    result = doctest.testmod(wire)
    assert result.failed == 0 and result.attempted > 0
