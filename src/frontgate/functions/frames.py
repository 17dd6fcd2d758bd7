"""The pipe protocol between the gateway and a function worker: each frame is an 8-byte header
(two big-endian u32: JSON metadata length, body length), the metadata JSON, then the raw body.

The body travels unescaped so a 6 MB event is not re-encoded inside another JSON document."""

from __future__ import annotations

import struct
from typing import Any

from frontgate import fastjson

HEADER = struct.Struct(">II")

# Kinds of frames. Parent → worker: "invoke". Worker → parent: "ready" (init finished),
# "log" (a chunk of the handler's output, in order), "result".
INVOKE = "invoke"
READY = "ready"
LOG = "log"
RESULT = "result"


def encode(meta: dict[str, Any], body: bytes = b"") -> bytes:
    raw = fastjson.dumps(meta).encode()
    return HEADER.pack(len(raw), len(body)) + raw + body


class Decoder:
    """Incremental decoder: feed bytes, get complete frames."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[dict[str, Any], bytes]]:
        buf = self._buf
        buf += data
        out: list[tuple[dict[str, Any], bytes]] = []
        pos = 0
        size = HEADER.size
        while len(buf) - pos >= size:
            meta_len, body_len = HEADER.unpack_from(buf, pos)
            end = pos + size + meta_len + body_len
            if len(buf) < end:
                break
            start = pos + size
            meta = fastjson.loads(bytes(buf[start : start + meta_len]))
            out.append((meta, bytes(buf[start + meta_len : end])))
            pos = end
        if pos:
            del buf[:pos]
        return out
