"""The pipe protocol between the gateway and a function worker: each frame is an 8-byte header
(two big-endian u32: metadata length, body length), the metadata, then the raw body.

The body travels unescaped so a 6 MB event is not re-encoded inside another document.

Metadata the gateway sends is ``marshal`` data: the worker runs the gateway's own interpreter,
and marshal is several times cheaper than JSON on both ends. Metadata coming back from a worker
is JSON, because the worker runs user code and marshal is not meant for untrusted input."""

from __future__ import annotations

import marshal
import struct
from typing import Any, Final

from frontgate import fastjson

HEADER: Final = struct.Struct(">II")
_SIZE: Final = 8

# Kinds of frames. Parent → worker: "invoke". Worker → parent: "ready" (init finished),
# "log" (a chunk of the handler's output, in order), "result".
INVOKE: Final = "invoke"
READY: Final = "ready"
LOG: Final = "log"
RESULT: Final = "result"

# The body of an invoke frame: the event as JSON text (Invoke through the Lambda API) or as
# marshal data (an event the gateway built: AWS_PROXY, authorizers).
BODY_JSON: Final = 0
BODY_MARSHAL: Final = 1


def encode(meta: dict[str, Any], body: bytes = b"") -> bytes:
    """A worker's frame to the gateway (JSON metadata)."""
    raw = fastjson.dumps(meta).encode()
    return HEADER.pack(len(raw), len(body)) + raw + body


def encode_trusted(meta: dict[str, Any], body: bytes = b"") -> bytes:
    """The gateway's frame to a worker (marshal metadata)."""
    raw = marshal.dumps(meta, 4)
    return HEADER.pack(len(raw), len(body)) + raw + body


class Decoder:
    """Incremental decoder: feed bytes, get complete frames. ``trusted`` (the worker's side)
    reads marshal metadata, otherwise JSON."""

    __slots__ = ("_buf", "trusted")

    def __init__(self, trusted: bool = False) -> None:
        self._buf = bytearray()
        self.trusted = trusted

    def feed(self, data: bytes) -> list[tuple[dict[str, Any], bytes]]:
        buf = self._buf
        if not buf:
            # The common case: one whole frame per read, parsed without copying into the buffer.
            size = len(data)
            if size >= _SIZE:
                meta_len, body_len = HEADER.unpack_from(data, 0)
                end = _SIZE + meta_len + body_len
                if end == size:
                    meta = self._meta(data[_SIZE : _SIZE + meta_len])
                    return [(meta, data[_SIZE + meta_len :])]
        buf += data
        out: list[tuple[dict[str, Any], bytes]] = []
        pos = 0
        while len(buf) - pos >= _SIZE:
            meta_len, body_len = HEADER.unpack_from(buf, pos)
            end = pos + _SIZE + meta_len + body_len
            if len(buf) < end:
                break
            start = pos + _SIZE
            meta = self._meta(bytes(buf[start : start + meta_len]))
            out.append((meta, bytes(buf[start + meta_len : end])))
            pos = end
        if pos:
            del buf[:pos]
        return out

    def _meta(self, raw: bytes) -> dict[str, Any]:
        if self.trusted:
            meta: dict[str, Any] = marshal.loads(raw)
            return meta
        doc: dict[str, Any] = fastjson.loads(raw)
        return doc
