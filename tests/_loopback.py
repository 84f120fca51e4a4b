"""A minimal scriptable HTTP/1.1 server on 127.0.0.1 for transport-level tests.

It runs on anyio, so the same test drives it under asyncio and trio. A handler maps each
request to a `Reply`, which can stall, trickle its body, or drop the connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
import anyio.abc


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})
    #: seconds to wait before answering
    delay: float = 0.0
    #: send the body in pieces this big, sleeping `trickle_delay` between them
    trickle: int = 0
    trickle_delay: float = 0.0
    #: close the connection without answering
    drop: bool = False
    #: send the headers and half the body, then close the connection
    drop_mid_body: bool = False


Handler = Callable[[Seen], "Reply | Awaitable[Reply]"]

_REASONS = {
    200: "OK",
    204: "No Content",
    302: "Found",
    404: "Not Found",
    500: "Internal Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    429: "Too Many Requests",
}


class LoopbackServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.seen: list[Seen] = []
        self.open_connections = 0
        self.total_connections = 0
        self.url = ""

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        self.open_connections += 1
        self.total_connections += 1
        buffer = b""
        try:
            async with stream:
                while True:
                    while b"\r\n\r\n" not in buffer:
                        chunk = await stream.receive()
                        buffer += chunk
                    head, buffer = buffer.split(b"\r\n\r\n", 1)
                    lines = head.decode("latin-1").split("\r\n")
                    method, target, _ = lines[0].split(" ", 2)
                    headers = {}
                    for line in lines[1:]:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                    length = int(headers.get("content-length", "0"))
                    while len(buffer) < length:
                        buffer += await stream.receive()
                    body, buffer = buffer[:length], buffer[length:]
                    seen = Seen(method, target, headers, body)
                    self.seen.append(seen)
                    reply = self.handler(seen)
                    if not isinstance(reply, Reply):
                        reply = await reply
                    if reply.delay:
                        await anyio.sleep(reply.delay)
                    if reply.drop:
                        return
                    await self._send(stream, reply, method)
                    if reply.drop_mid_body:
                        return
        except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass
        finally:
            self.open_connections -= 1

    async def _send(self, stream: anyio.abc.SocketStream, reply: Reply, method: str) -> None:
        reason = _REASONS.get(reply.status, "Status")
        head = [f"HTTP/1.1 {reply.status} {reason}", f"content-length: {len(reply.body)}"]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        await stream.send(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        body = b"" if method == "HEAD" else reply.body
        if reply.drop_mid_body:
            await stream.send(body[: len(body) // 2])
            return
        if reply.trickle:
            for i in range(0, len(body), reply.trickle):
                await stream.send(body[i : i + reply.trickle])
                await anyio.sleep(reply.trickle_delay)
        elif body:
            await stream.send(body)


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[LoopbackServer]:
    """Run a `LoopbackServer` on an ephemeral port of 127.0.0.1 for the block's duration."""
    server = LoopbackServer(handler)
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    server.url = f"http://127.0.0.1:{port}"
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, server._handle)
        try:
            yield server
        finally:
            tg.cancel_scope.cancel()
