"""The aiohttp transport of `ParticleClient(transport="aiohttp")`: asyncio only.

An `httpx.AsyncBaseTransport` that sends over one `aiohttp.ClientSession`, so everything above
the transport (auth, deadline, retries, error mapping, streams, downloads) stays httpx's and
aioparticle's own. It is the one module that touches asyncio and aiohttp: the session is made
lazily inside the running asyncio loop, and every aiohttp failure is turned here into the
`httpx` error the default transport raises for the same failure, so `Core.send` maps both
alike (a refused connect is not sent and always retried, a dropped connection may have reached
the server, a socket read timeout is a read timeout). aiohttp never decompresses (httpx does,
so `max_response_bytes` counts decoded bytes as before), keeps no cookies of its own (httpx
does), follows no redirect (httpx decides) and reads no proxy or netrc settings.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import aiohttp
import httpx
from yarl import URL

from ._auth import BearerAuth
from ._exceptions import EventLoopError

if TYPE_CHECKING:
    from httpx._client import UseClientDefault
    from httpx._types import AuthTypes

__all__ = ["AiohttpClient", "AiohttpTransport"]

#: httpx's own logger: the short path logs the line httpx logs for every request (and the
#: filter aioparticle puts on that logger redacts it alike).
_httpx_logger = logging.getLogger("httpx")

#: What aiohttp raises for a failed exchange (its own errors, and what a socket raises).
_FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, OSError)

_PROTOCOL_ERRORS = (
    aiohttp.ServerDisconnectedError,
    aiohttp.ClientPayloadError,
    aiohttp.ClientResponseError,
)

#: Headers aiohttp would add that httpx decides (or deliberately leaves out) itself.
_SKIP_AUTO_HEADERS = frozenset({"Content-Type", "User-Agent"})


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests over an `aiohttp.ClientSession` made on first use.

    `limits.max_connections` bounds the connector (`None`: unbounded) and
    `limits.keepalive_expiry` is how long an idle connection is kept; `tls` is the context of
    every https connection. Under trio (no running asyncio loop) the first request raises
    `EventLoopError` before any I/O.
    """

    def __init__(self, *, limits: httpx.Limits, tls: ssl.SSLContext) -> None:
        self._limits = limits
        self._tls = tls
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The aiohttp session, once the first request has made it."""
        return self._session

    def _open(self) -> aiohttp.ClientSession:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise EventLoopError(
                'transport="aiohttp" runs on asyncio only, and this call is not running in an '
                "asyncio event loop (trio?): use the default transport, "
                'ParticleClient(transport="httpx"), with trio'
            ) from None
        if self._closed:
            raise RuntimeError("the aiohttp transport has been closed")
        limits = self._limits
        connector = aiohttp.TCPConnector(
            limit=limits.max_connections or 0,  # 0: unbounded, as httpx's None
            limit_per_host=0,
            ssl=self._tls,
            keepalive_timeout=limits.keepalive_expiry,  # None: kept until the server closes
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
            timeout=aiohttp.ClientTimeout(total=None),
        )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session or self._open()
        timeout = request.extensions.get("timeout", {})
        headers = request.headers.multi_items()
        data: bytes | AsyncIterator[bytes] | None
        try:
            data = request.content or None
        except httpx.RequestNotRead:  # a streamed upload (files); aiohttp frames it
            data = _upload(request.stream)
            headers = [(k, v) for k, v in headers if k.lower() != "transfer-encoding"]
        failure: httpx.TransportError | None = None
        try:
            response = await session.request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=headers,
                data=data,
                allow_redirects=False,
                skip_auto_headers=_SKIP_AUTO_HEADERS,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            )
        except _FAILURES as exc:
            failure = transport_error(exc)
        if failure is not None:  # raised here: no chain back to aiohttp's request and headers
            raise failure
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Body(response),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
            },
        )

    async def aclose(self) -> None:
        """Close the session and its connections (also a session never made: nothing to do)."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()


class AiohttpClient(httpx.AsyncClient):
    """The `httpx.AsyncClient` of `transport="aiohttp"`: httpx's API over `AiohttpTransport`,
    with a short `send` for what aioparticle sends (one exchange, no redirect to follow, the
    bearer token or no auth, no event hooks): httpx's auth and redirect loops cost more per
    call than the aiohttp exchange itself. Anything else goes through httpx's own `send`."""

    def __init__(self, transport: AiohttpTransport, *, timeout: httpx.Timeout) -> None:
        super().__init__(transport=transport, timeout=timeout, follow_redirects=False)
        self._aiohttp = transport

    @property
    def aiohttp_transport(self) -> AiohttpTransport:
        return self._aiohttp

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: AuthTypes | UseClientDefault | None = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        if (
            follow_redirects is not False
            or not (auth is None or type(auth) is BearerAuth)
            or self.is_closed
            or self.event_hooks["request"]
            or self.event_hooks["response"]
        ):
            return await super().send(
                request, stream=stream, auth=auth, follow_redirects=follow_redirects
            )
        if auth is not None:
            request = next(auth.auth_flow(request))  # the Authorization header
        try:
            response = await self._aiohttp.handle_async_request(request)
        except httpx.RequestError as exc:
            exc.request = request
            raise
        response.request = request
        if "set-cookie" in response.headers:  # kept and sent back, as httpx does
            self.cookies.extract_cookies(response)
        _httpx_logger.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )
        if not stream:
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
        return response


class _Body(httpx.AsyncByteStream):
    """A response body, as aiohttp hands it out; closing it before its end drops the
    connection (aiohttp only pools a connection whose response was read whole)."""

    __slots__ = ("_response",)

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response: aiohttp.ClientResponse | None = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._response is None:
            return
        content = self._response.content
        while True:
            failure: httpx.TransportError | None = None
            try:
                chunk = await content.readany()
            except _FAILURES as exc:
                failure = transport_error(exc)
            if failure is not None:
                raise failure
            if not chunk:
                return
            yield chunk

    async def aclose(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            response.release()


async def _upload(stream: httpx.AsyncByteStream | httpx.SyncByteStream) -> AsyncIterator[bytes]:
    if isinstance(stream, httpx.AsyncByteStream):
        async for chunk in stream:
            yield chunk
    else:
        for chunk in stream:
            yield chunk


def transport_error(exc: BaseException) -> httpx.TransportError:
    """The httpx error the default transport raises for the failure aiohttp reported as
    `exc`: what decides whether the request may have reached the server, and its retry."""
    cls: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):  # connecting, or waiting for the pool
        cls = httpx.ConnectTimeout
    elif isinstance(exc, asyncio.TimeoutError):  # SocketTimeoutError: a read went quiet
        cls = httpx.ReadTimeout
    elif isinstance(exc, aiohttp.ClientConnectorError):  # refused, unresolved, TLS: never sent
        cls = httpx.ConnectError
    elif isinstance(exc, _PROTOCOL_ERRORS):  # no (whole) answer after the request was sent
        cls = httpx.RemoteProtocolError
    elif isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        cls = httpx.UnsupportedProtocol
    else:  # a reset or broken connection, mid-request
        cls = httpx.ReadError
    if isinstance(exc, aiohttp.ClientResponseError):
        # its repr and `request_info` carry the request's headers (the token): not kept
        error = cls(f"invalid response: {exc.status}, {exc.message}")
    else:
        error = cls(str(exc) or type(exc).__name__)
        error.__cause__ = exc
    return error
