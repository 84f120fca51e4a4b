"""Faults: the middleware logging every request and applying the scripted HTTP faults and the
all-routes rate limit, and the connection drop."""

from __future__ import annotations

import asyncio
import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._state import CloudState

__all__ = ["DropConnection", "FaultMiddleware"]


class DropConnection(Exception):  # noqa: N818 - an instruction to the server, not an error
    """Raised inside a response to make the server drop the connection mid-body."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DropConnection)


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class FaultMiddleware:
    """Logs every request, then applies the faults scripted in the state to matching requests
    and, when a test turned it on, the all-routes rate limit (429 with `Retry-After`)."""

    def __init__(self, app: ASGIApp, state: CloudState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = time.monotonic()
        method, path = scope["method"], scope["path"]
        client = scope.get("client")
        source = str(client[0]) if client else "unknown"
        fault = self.state.take_fault(method, path)
        status = None if fault is None else fault.status(fault.hits)
        if fault is not None and fault.latency:
            await asyncio.sleep(fault.latency)
        if fault is not None and status is not None and status >= 300:
            self.state.log_request(arrived, method, path, source, status)
            await _send_fault(send, status, html=fault.html, retry_after=fault.retry_after)
            return
        wait = self.state.over_limit(source)
        self.state.log_request(arrived, method, path, source, None if wait is None else 429)
        if wait is not None:
            await _send_fault(send, 429, html=False, retry_after=f"{wait:g}")
            return
        if fault is None:
            await self.app(scope, receive, send)
            return
        if not (fault.truncated_json or fault.invalid_json or fault.drop_mid_response):
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if fault.drop_mid_response:
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            raise DropConnection("scripted connection drop")
        body = body[: max(1, len(body) // 2)] if fault.truncated_json else b'{"ok": tru'
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


_REASONS = {
    408: "Request Timeout",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    529: "Site is overloaded",
}


async def _send_fault(send: Send, status: int, *, html: bool, retry_after: str | None) -> None:
    reason = _REASONS.get(status, "Error")
    if html:
        body = (
            f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
        ).encode()
        kind = b"text/html"
    else:
        body = json.dumps({"error": reason}).encode()
        kind = b"application/json"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", retry_after.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
