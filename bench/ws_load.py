"""Load generator of issue 16's WebSocket benchmark (bench/ws_bench.py runs it on its own core).

It must not be the bottleneck, so it frames by hand on raw uvloop protocols: a client frame is
masked once and the same bytes are sent again and again (servers do not check that mask keys
vary), and the server's small unmasked frames are read with a few byte operations.

    python bench/ws_load.py rtt  --port P --host H --path /dev --connections 16 --depth 8
                                 --duration 5 [--message TEXT]
        N connections, each keeping ``depth`` messages in flight: one more is sent for each
        message received. Prints one JSON line: {"messages": n, "seconds": s, "errors": e}.
    python bench/ws_load.py idle --port P --host H --path /dev --count 2500
                                 [--deflate] [--browser] [--chat] [--source 127.0.0.2]
        Opens ``count`` connections, prints {"open": n}, keeps them idle until stdin closes;
        ``--chat``: each sends one message (compressed when deflate is on) and reads the answer
        first.
    python bench/ws_load.py sink --port P --host H --path /dev --count 4 --whoami TEXT
        Opens connections, sends ``whoami`` on each and prints {"ids": [...]} (the answers),
        then reads and counts what arrives until stdin closes; prints {"received": n}.
    python bench/ws_load.py post --port P --requests FILE --connections 32 --duration 5
        HTTP/1.1 keep-alive clients replaying the presigned requests of FILE (a JSON list of
        latin-1 strings), one in flight per connection. Prints {"responses": n, "ok": n2xx, ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import socket
import sys
import time
import zlib
from typing import Any, cast

import uvloop

BROWSER_HEADERS = (
    "Pragma: no-cache\r\n"
    "Cache-Control: no-cache\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36\r\n"
    "Origin: https://chat.example.com\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Accept-Language: en-US,en;q=0.9,fr;q=0.8\r\n"
    "Cookie: session=5f1c0d2a9b7e4c3f8a6d2e1b0c9f8e7d; theme=dark; "
    "_ga=GA1.1.1234567890.1700000000\r\n"
)
DEFLATE = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
MASK = b"\x37\xfa\x21\x3d"


def handshake(host: str, path: str, deflate: bool, browser: bool) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    head = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
    )
    if browser:
        head += BROWSER_HEADERS
    if deflate or browser:
        head += DEFLATE
    return (head + "\r\n").encode("latin-1")


def client_frame(text: str, compressed: bool = False) -> bytes:
    """One masked, final text frame (compressed with permessage-deflate when asked, as a
    browser sends them: RSV1 set, the sync flush's tail cut, RFC 7692 7.2.1)."""
    payload = text.encode()
    first = 0x81
    if compressed:
        deflate = zlib.compressobj(wbits=-15)
        payload = (deflate.compress(payload) + deflate.flush(zlib.Z_SYNC_FLUSH))[:-4]
        first |= 0x40
    n = len(payload)
    if n < 126:
        head = bytes([first, 0x80 | n])
    elif n < 65536:
        head = bytes([first, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([first, 0x80 | 127]) + n.to_bytes(8, "big")
    masked = bytes(b ^ MASK[i % 4] for i, b in enumerate(payload))
    return head + MASK + masked


class Client(asyncio.Protocol):
    """One WebSocket client: handshake, then server frames counted (and kept when asked)."""

    def __init__(self, request: bytes, on_message: Any = None) -> None:
        self.request = request
        self.on_message = on_message  # called with (client, payload bytes) per message
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.buf = b""
        self.upgraded = False
        self.received = 0
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed before 101: {exc}"))

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(ConnectionError(buf[:200].decode("latin-1")))
                self.buf = b""
                return
            self.upgraded = True
            self.opened.set_result(None)
            buf = buf[end + 4 :]
        pos = 0
        size = len(buf)
        on_message = self.on_message
        while size - pos >= 2:
            n = buf[pos + 1] & 0x7F
            head = 2
            if n == 126:
                if size - pos < 4:
                    break
                n = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif n == 127:
                if size - pos < 10:
                    break
                n = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if size - pos < head + n:
                break
            opcode = buf[pos] & 0x0F
            if opcode == 8:
                self.closed = True
            elif opcode < 8 and buf[pos] & 0x80:
                self.received += 1
                if on_message is not None:
                    on_message(self, buf[pos + head : pos + head + n])
            pos += head + n
        self.buf = buf[pos:] if pos < size else b""


async def connect_all(
    args: argparse.Namespace, count: int, on_message: Any = None, source: str = ""
) -> list[Client]:
    loop = asyncio.get_running_loop()
    clients: list[Client] = []
    gate = asyncio.Semaphore(256)

    async def one() -> None:
        async with gate:
            request = handshake(args.host, args.path, args.deflate, args.browser)
            local = (source, 0) if source else None
            _, client = await loop.create_connection(
                lambda: Client(request, on_message), "127.0.0.1", args.port, local_addr=local
            )
            await client.opened
            clients.append(client)

    await asyncio.gather(*(one() for _ in range(count)))
    return clients


async def rtt(args: argparse.Namespace) -> dict[str, Any]:
    frame = client_frame(args.message)
    burst = frame * args.depth

    def answered(client: Client, _payload: bytes) -> None:
        assert client.transport is not None
        client.transport.write(frame)

    clients = await connect_all(args, args.connections, answered)
    for client in clients:
        assert client.transport is not None
        client.transport.write(burst)
    await asyncio.sleep(args.warmup)
    start_counts = sum(c.received for c in clients)
    started = time.perf_counter()
    cpu0 = time.process_time()
    await asyncio.sleep(args.duration)
    seconds = time.perf_counter() - started
    messages = sum(c.received for c in clients) - start_counts
    cpu = time.process_time() - cpu0
    closed = sum(1 for c in clients if c.closed)
    for client in clients:
        assert client.transport is not None
        client.transport.abort()
    total = sum(c.received for c in clients)  # warm-up included (for CPU per message)
    return {"messages": messages, "seconds": seconds, "load_cpu": cpu / seconds, "errors": closed,
            "total": total}  # fmt: skip


async def wait_stdin() -> None:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)


async def idle(args: argparse.Namespace) -> dict[str, Any]:
    answered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    counted = [0]

    def reply(_client: Client, _payload: bytes) -> None:
        counted[0] += 1
        if counted[0] == args.count and not answered.done():
            answered.set_result(None)

    clients = await connect_all(args, args.count, reply, source=args.source)
    if args.chat:  # one message each way before going idle (compressed when negotiated)
        frame = client_frame(args.message, compressed=args.deflate or args.browser)
        for client in clients:
            assert client.transport is not None
            client.transport.write(frame)
        await asyncio.wait_for(answered, 120)
    print(json.dumps({"open": len(clients)}), flush=True)
    await wait_stdin()
    closed = sum(1 for c in clients if c.closed)
    for client in clients:
        assert client.transport is not None
        client.transport.abort()
    return {"closed_meanwhile": closed}


async def sink(args: argparse.Namespace) -> dict[str, Any]:
    ids: list[str] = []
    waiter = asyncio.get_running_loop().create_future()

    def first(client: Client, payload: bytes) -> None:
        if client.received == 1:
            ids.append(json.loads(payload))
            if len(ids) == args.count and not waiter.done():
                waiter.set_result(None)

    clients = await connect_all(args, args.count, first)
    frame = client_frame(args.whoami)
    for client in clients:
        assert client.transport is not None
        client.transport.write(frame)
    await asyncio.wait_for(waiter, 30)
    print(json.dumps({"ids": ids}), flush=True)
    await wait_stdin()
    received = sum(c.received for c in clients) - len(clients)
    return {"received": received, "closed": sum(1 for c in clients if c.closed)}


class HttpClient(asyncio.Protocol):
    """Replays requests one at a time on a keep-alive connection; counts statuses."""

    def __init__(self, requests: list[bytes], stats: dict[str, int], offset: int) -> None:
        self.requests = requests
        self.stats = stats
        self.next = offset
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        requests = self.requests
        self.transport.write(requests[self.next % len(requests)])
        self.next += 1

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buf[:end].lower()
            at = head.find(b"content-length:")
            length = int(head[at + 15 : head.find(b"\r\n", at)]) if at >= 0 else 0
            if len(buf) < end + 4 + length:
                break
            status = buf[9:12]
            key = "ok" if status[:1] == b"2" else status.decode()
            self.stats[key] = self.stats.get(key, 0) + 1
            buf = buf[end + 4 + length :]
            self._send()
        self.buf = buf


async def post(args: argparse.Namespace) -> dict[str, Any]:
    with open(args.requests) as f:
        requests = [r.encode("latin-1") for r in json.load(f)]
    loop = asyncio.get_running_loop()
    stats: dict[str, int] = {}
    transports = []
    for i in range(args.connections):
        transport, _ = await loop.create_connection(
            lambda i=i: HttpClient(requests, stats, i), "127.0.0.1", args.port
        )
        transports.append(transport)
    await asyncio.sleep(args.warmup)
    before = dict(stats)
    started = time.perf_counter()
    cpu0 = time.process_time()
    await asyncio.sleep(args.duration)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    counts = {k: v - before.get(k, 0) for k, v in stats.items()}
    for transport in transports:
        transport.abort()
    return {"responses": sum(counts.values()), "seconds": seconds, "load_cpu": cpu / seconds,
            **counts}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("rtt", "idle", "sink", "post"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--path", default="/dev")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--message", default='{"action":"bench","n":12345}')
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--deflate", action="store_true")
    parser.add_argument("--browser", action="store_true")
    parser.add_argument("--chat", action="store_true")
    parser.add_argument("--source", default="")
    parser.add_argument("--whoami", default='{"action":"whoami"}')
    parser.add_argument("--requests", default="")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    socket.setdefaulttimeout(30)
    runner = {"rtt": rtt, "idle": idle, "sink": sink, "post": post}[args.mode]
    result = uvloop.run(runner(args))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
