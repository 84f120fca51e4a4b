"""A dependency-free HTTP/1.1 keep-alive server for the REST benchmarks (run in a child process
by `_server_process.ServerProcess`): each request goes to an `answer(method, target)` function
returning the whole response, optionally sent `delay` seconds later (a slow cloud)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

_MAX_HEAD = 64 * 1024
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}

Answer = Callable[[bytes, bytes], bytes]


def response(status: int, body: bytes, *, close: bool = False) -> bytes:
    """A whole HTTP/1.1 response with a JSON body."""
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
    )
    if close:
        head += "connection: close\r\n"
    return (head + "\r\n").encode("ascii") + body


def json_response(value: object) -> bytes:
    return response(200, json.dumps(value, separators=(",", ":")).encode())


NOT_FOUND = response(404, b'{"ok":false,"error":"Not found"}')
NOT_ALLOWED = response(405, b'{"ok":false,"error":"Method not allowed"}')
_BAD_REQUEST = response(400, b'{"ok":false,"error":"Bad request"}', close=True)


class HTTPProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and Content-Length request bodies; pipelining tolerated."""

    def __init__(self, answer: Answer, open_transports: set[asyncio.Transport], delay: float):
        self._answer = answer
        self._open = open_transports
        self._delay = delay
        self._transport: asyncio.Transport | None = None
        self._buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._open.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._open.discard(self._transport)
        self._transport = None

    def data_received(self, data: bytes) -> None:
        transport = self._transport
        if transport is None:
            return
        buffer = self._buffer + data if self._buffer else data
        replies: list[bytes] = []
        close = False
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > _MAX_HEAD:
                    replies.append(_BAD_REQUEST)
                    close = True
                break
            lines = buffer[:end].split(b"\r\n")
            request_line = lines[0].split(b" ")
            if len(request_line) != 3:
                replies.append(_BAD_REQUEST)
                close = True
                break
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value) if value.strip().isdigit() else -1
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            if length < 0:
                replies.append(_BAD_REQUEST)
                close = True
                break
            total = end + 4 + length
            if len(buffer) < total:  # body still arriving
                close = False
                break
            replies.append(self._answer(request_line[0], request_line[1]))
            buffer = buffer[total:]
            if close or request_line[2] == b"HTTP/1.0":
                close = True
                break
        self._buffer = b"" if close else buffer
        if not replies:
            return
        reply = b"".join(replies) if len(replies) > 1 else replies[0]
        if self._delay:
            asyncio.get_running_loop().call_later(self._delay, self._send, reply, close)
        else:
            self._send(reply, close)

    def _send(self, reply: bytes, close: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(reply)
        if close:
            transport.close()
