"""The baseline of issue 16's round-trip benchmark: a plain WebSocket echo server written with
the library the gateway uses (wsproto) on uvloop, one process, no routing, no integration.

    python bench/ws_echo.py [--port 0]

Prints ``ws_echo: listening on PORT`` once it accepts connections. It answers the handshake
(permessage-deflate when offered), echoes every text message, answers pings and closes."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import cast

import uvloop
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    Request,
    TextMessage,
)
from wsproto.extensions import PerMessageDeflate


class Echo(asyncio.Protocol):
    def __init__(self) -> None:
        self.ws = WSConnection(ConnectionType.SERVER)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses

    def data_received(self, data: bytes) -> None:
        ws = self.ws
        transport = self.transport
        assert transport is not None
        ws.receive_data(data)
        out = []
        for event in ws.events():
            if isinstance(event, TextMessage):
                out.append(ws.send(TextMessage(data=event.data)))
            elif isinstance(event, Request):
                out.append(ws.send(AcceptConnection(extensions=[PerMessageDeflate()])))
            elif isinstance(event, Ping):
                out.append(ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                out.append(ws.send(event.response()))
                transport.write(b"".join(out))
                transport.close()
                return
        if out:
            transport.write(b"".join(out))


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Echo, "127.0.0.1", port, backlog=4096)
    bound = server.sockets[0].getsockname()[1]
    print(f"ws_echo: listening on {bound}", flush=True)
    await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        uvloop.run(serve(args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
