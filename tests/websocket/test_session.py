"""The route responses' frames: written by hand when no extension is negotiated, they must be
the bytes wsproto writes."""

from __future__ import annotations

import pytest
from wsproto import ConnectionType
from wsproto.connection import Connection
from wsproto.events import TextMessage

from frontgate.websocket.session import text_frame


@pytest.mark.parametrize(
    "text", ["", "a", "x" * 125, "y" * 126, "é" * 63, "😀" * 40, "z" * 65535, "w" * 65536, "\0"]
)
def test_text_frame_is_what_wsproto_sends(text: str) -> None:
    ws = Connection(ConnectionType.SERVER)
    assert text_frame(text) == ws.send(TextMessage(data=text))
    # The connection's framing state is untouched by a whole message: twice the same bytes.
    assert text_frame(text) == ws.send(TextMessage(data=text))


def test_text_frame_refuses_what_utf_8_cannot_carry() -> None:
    with pytest.raises(UnicodeEncodeError):
        text_frame("\ud800")
