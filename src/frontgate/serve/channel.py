"""The snapshot channel between a node's control process and its data-plane workers: frames on a
Unix stream socket, sans-IO (``encode`` and ``FrameReader`` know nothing of sockets).

A frame is ``[u32 length][u8 kind][payload]``; ``length`` counts the kind byte and the payload.
Kinds, control process → worker:

- ``PART``: one part of a compiled stage (``snapshot.image``): ``[u16 token length][token]
  [u32 index][u32 count][part bytes]``. A stage's parts all arrive before the ``SNAPSHOT`` that
  names it, and only once per connection: a stage that did not change is not sent again.
- ``SNAPSHOT``: a generation is ready: a pickle of ``(generation, {(apiId, stage): token},
  globals)`` where ``globals`` is ``snapshot.image.dump_globals`` of the snapshot.

Worker → control process:

- ``HELLO``: the worker's pid (ASCII), once, on connecting.
- ``ACK``: the generation (ASCII) the worker now serves, after each swap.

Pickle is safe here only because both ends are this node's own processes: the socket lives in
a directory only this user can enter (``serve/control.py``), and nothing from a client or the
store is ever unpickled.
"""

from __future__ import annotations

import os
import struct
from typing import Final

PART: Final = ord("P")
SNAPSHOT: Final = ord("S")
HELLO: Final = ord("H")
ACK: Final = ord("A")

_HEAD: Final = struct.Struct("!IB")
_PART_HEAD: Final = struct.Struct("!II")
MAX_FRAME: Final = 1 << 31  # a stage part is far smaller; a bigger length means a broken stream


def encode(kind: int, payload: bytes) -> bytes:
    return _HEAD.pack(len(payload) + 1, kind) + payload


def hello() -> bytes:
    """The ``HELLO`` frame of this process (a worker)."""
    return encode(HELLO, str(os.getpid()).encode())


def encode_part(token: str, index: int, count: int, data: bytes) -> bytes:
    raw = token.encode()
    head = struct.pack("!H", len(raw)) + raw + _PART_HEAD.pack(index, count)
    return encode(PART, head + data)


def decode_part(payload: bytes) -> tuple[str, int, int, bytes]:
    """``(token, index, count, part)`` of a ``PART`` payload."""
    (size,) = struct.unpack_from("!H", payload)
    token = payload[2 : 2 + size].decode()
    index, count = _PART_HEAD.unpack_from(payload, 2 + size)
    return token, index, count, payload[2 + size + _PART_HEAD.size :]


class ChannelError(ValueError):
    """The peer sent something that is not a frame (a bug or a foreign process): hang up."""


class FrameReader:
    """Bytes in, ``(kind, payload)`` frames out."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._buf += data
        frames: list[tuple[int, bytes]] = []
        pos = 0
        buf = self._buf
        while len(buf) - pos >= _HEAD.size:
            length, kind = _HEAD.unpack_from(buf, pos)
            if length < 1 or length > MAX_FRAME:
                raise ChannelError(f"bad frame length {length}")
            end = pos + 4 + length
            if len(buf) < end:
                break
            frames.append((kind, bytes(buf[pos + _HEAD.size : end])))
            pos = end
        if pos:
            del buf[:pos]
        return frames
