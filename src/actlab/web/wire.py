"""The server's messages on the wire: JSON text, or JSON plus raw bytes in one binary message.

Heatmaps are bytes (a value in [-1, 1] as 0..255 per cell). Sent as base64 inside JSON they would
cost a third more bytes, an encoding pass and a JSON escaping scan on the server and a decoding
pass on the page, at every frame. So a message holding ``bytes`` goes as one binary WebSocket
message instead:

    uint32 little-endian n | n bytes of UTF-8 JSON | the blobs, back to back

where each ``bytes`` value of the JSON is replaced by ``{"$bytes": [offset, length]}`` into the
blobs. A message without bytes goes as plain JSON text. Strict JSON either way (no NaN).

>>> data = encode({"type": "frame", "heat": {"output": b"\\x00\\xff"}})
>>> decode(data)
{'type': 'frame', 'heat': {'output': b'\\x00\\xff'}}
>>> encode({"type": "playing", "playing": True})
'{"type":"playing","playing":true}'
"""

from __future__ import annotations

import json
import struct
from typing import Any

_HEADER = struct.Struct("<I")


def encode(message: dict[str, Any]) -> str | bytes:
    """The message as a WebSocket payload: text (no bytes in it) or binary (see above).

    Raises ``ValueError`` for a value JSON cannot hold (NaN, infinity, another type).
    """
    blobs: list[bytes] = []
    offset = 0

    def blob(value: Any) -> dict[str, list[int]]:
        nonlocal offset
        if not isinstance(value, bytes | bytearray | memoryview):
            raise ValueError(f"cannot send a {type(value).__name__}")
        data = bytes(value)
        blobs.append(data)
        offset += len(data)
        return {"$bytes": [offset - len(data), len(data)]}

    text = json.dumps(message, allow_nan=False, separators=(",", ":"), default=blob)
    if not blobs:
        return text
    header = text.encode()
    return b"".join([_HEADER.pack(len(header)), header, *blobs])


def decode(payload: str | bytes) -> dict[str, Any]:
    """A message as :func:`encode` sent it (for tests and the load benchmark)."""
    if isinstance(payload, str):
        result: dict[str, Any] = json.loads(payload)
        return result
    (n,) = _HEADER.unpack_from(payload)
    base = _HEADER.size + n

    def revive(obj: dict[str, Any]) -> Any:
        span = obj.get("$bytes")
        if isinstance(span, list) and len(obj) == 1:
            return payload[base + span[0] : base + span[0] + span[1]]
        return obj

    result = json.loads(payload[_HEADER.size : base], object_hook=revive)
    return result


def error(context: str, message: str) -> dict[str, Any]:
    """An error reply: what it concerns (a message type, "train", ...) and one line for the user."""
    return {"type": "error", "context": context, "message": message}


async def send(websocket: Any, message: dict[str, Any]) -> None:
    """Send ``message`` on a Starlette WebSocket; a value that is not a finite number becomes an
    error reply instead (strict JSON has no NaN)."""
    try:
        payload = encode(message)
    except ValueError:
        payload = encode(error(message.get("type", "?"), "a value was not a finite number"))
    if isinstance(payload, bytes):
        await websocket.send_bytes(payload)
    else:
        await websocket.send_text(payload)
