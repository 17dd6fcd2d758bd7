"""The snapshot channel's framing (serve/channel.py), without sockets."""

from __future__ import annotations

import pytest

from frontgate.serve import channel


def test_frames_split_anywhere_come_out_whole_and_in_order() -> None:
    stream = (
        channel.encode(channel.HELLO, b"123")
        + channel.encode_part("tok", 1, 3, b"x" * 5000)
        + channel.encode(channel.ACK, b"42")
    )
    for cut in (1, 4, 5, 7, 100, 4999, len(stream) - 1):
        reader = channel.FrameReader()
        frames = reader.feed(stream[:cut]) + reader.feed(stream[cut:])
        assert [k for k, _ in frames] == [channel.HELLO, channel.PART, channel.ACK]
        assert frames[0][1] == b"123" and frames[2][1] == b"42"
        assert channel.decode_part(frames[1][1]) == ("tok", 1, 3, b"x" * 5000)


def test_a_stream_that_is_not_frames_is_refused() -> None:
    with pytest.raises(channel.ChannelError):
        channel.FrameReader().feed(b"\x00\x00\x00\x00P")
