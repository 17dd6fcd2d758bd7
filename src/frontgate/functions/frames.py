"""The pipe protocol between the gateway and a function worker: each frame is an 8-byte header
(two big-endian u32: metadata length, body length), the metadata, then the raw body.

The body travels unescaped so a 6 MB event is not re-encoded inside another document.

* Gateway → worker, one frame per invocation: the metadata is the deadline (u64, epoch ms), the
  body ``marshal`` data of ``(request id, invoked ARN, client context, kind, event)``. The worker
  runs the gateway's own interpreter, and marshal is several times cheaper than JSON on both
  ends. By ``kind``, the event is the caller's JSON text as bytes (the Lambda API's Invoke), an
  object the gateway built (authorizers), or the parts of a v1 proxy event that the worker
  assembles (``proxy_event``: AWS_PROXY).
* Worker → gateway: fixed binary metadata for results (``R``) and log chunks (``L``), JSON for
  the once-per-worker ``ready`` frame. Nothing the worker sends is read with marshal, which is
  not meant for untrusted input: the worker runs user code.
"""

from __future__ import annotations

import marshal
import struct
from typing import Any, Final

from frontgate import fastjson

HEADER: Final = struct.Struct(">II")
DEADLINE: Final = struct.Struct(">Q")
# Tag b"R", then: error (0/1), fatal (0/1), peak RSS in KB, the handler's own duration in µs.
RESULT: Final = struct.Struct(">cBBIQ")
LOG_META: Final = b"L"
_SIZE: Final = 8
_R: Final = 82  # ord("R")
_L: Final = 76  # ord("L")

# Kinds of event in an invoke frame.
EVENT_JSON: Final = 0
EVENT_OBJECT: Final = 1
EVENT_V1_PARTS: Final = 2
EVENT_V2_PARTS: Final = 3  # proxy_event.v2's parts (HTTP API payload 2.0)

# Kinds of the other frames as the gateway sees them (results: ``result_meta``).
READY: Final = "ready"
LOG: Final = "log"


def invoke_body(
    request_id: str, arn: str, client_context: str | None, kind: int, event: Any
) -> bytes:
    """The body of an invoke frame (its size is what the payload quota is checked against)."""
    return marshal.dumps((request_id, arn, client_context, kind, event), 4)


def invoke_frame(deadline_ms: int, body: bytes) -> bytes:
    return HEADER.pack(_SIZE, len(body)) + DEADLINE.pack(deadline_ms) + body


def encode(meta: dict[str, Any], body: bytes = b"") -> bytes:
    """A worker's JSON-metadata frame to the gateway (``ready``)."""
    raw = fastjson.dumps(meta).encode()
    return HEADER.pack(len(raw), len(body)) + raw + body


def result_frame(error: bool, fatal: bool, maxrss_kb: int, handler_us: int, body: bytes) -> bytes:
    meta = RESULT.pack(b"R", error, fatal, maxrss_kb, handler_us)
    return HEADER.pack(len(meta), len(body)) + meta + body


def log_frame(text: bytes) -> bytes:
    return HEADER.pack(1, len(text)) + LOG_META + text


class Decoder:
    """Incremental decoder: feed bytes, get complete frames as (metadata, body) bytes."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[bytes, bytes]]:
        buf = self._buf
        if not buf:
            # The common case: one whole frame per read, split without copying into the buffer.
            size = len(data)
            if size >= _SIZE:
                meta_len, body_len = HEADER.unpack_from(data, 0)
                if _SIZE + meta_len + body_len == size:
                    return [(data[_SIZE : _SIZE + meta_len], data[_SIZE + meta_len :])]
        buf += data
        out: list[tuple[bytes, bytes]] = []
        pos = 0
        while len(buf) - pos >= _SIZE:
            meta_len, body_len = HEADER.unpack_from(buf, pos)
            end = pos + _SIZE + meta_len + body_len
            if len(buf) < end:
                break
            start = pos + _SIZE
            out.append((bytes(buf[start : start + meta_len]), bytes(buf[start + meta_len : end])))
            pos = end
        if pos:
            del buf[:pos]
        return out


def result_meta(meta: bytes) -> tuple[bool, bool, int, int] | None:
    """A result frame's metadata (error, fatal, peak RSS in KB, handler µs), or None when the
    frame is another kind. Read without trusting it (the gateway's side)."""
    if len(meta) != RESULT.size or meta[0] != _R:
        return None
    _tag, error, fatal, maxrss_kb, handler_us = RESULT.unpack(meta)
    return error != 0, fatal != 0, maxrss_kb, handler_us


def worker_meta(meta: bytes) -> dict[str, Any]:
    """Any other worker frame's metadata (``log`` or JSON), read without trusting it."""
    if len(meta) == 1 and meta[0] == _L:
        return {"kind": LOG}
    doc = fastjson.loads(meta)
    if not isinstance(doc, dict):
        raise ValueError("frame metadata is not an object")
    return doc


def invocation(meta: bytes, body: bytes) -> tuple[int, str, str, str | None, int, Any]:
    """An invoke frame (the worker's side): deadline, request id, ARN, client context, kind of
    event, event."""
    (deadline_ms,) = DEADLINE.unpack(meta)
    request_id, arn, client_context, kind, event = marshal.loads(body)
    return deadline_ms, request_id, arn, client_context, kind, event
