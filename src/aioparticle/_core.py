"""The request path: one `send` for every call (JSON, download, event-stream open).

`Core` holds what one `ParticleClient` (or one of its `with_options` views) is configured
with, and the state every view shares (connection pool, concurrency limiter, stream budget).
`Core.send` is the only place a request leaves aioparticle: it owns the closed-client and
missing-token checks, authentication, the limiter, the per-attempt deadline, the mapping of
every failure to a typed exception, and the retry decision. `Core.request` (JSON calls and the
public `ParticleClient.request`) and `Core.download` (binary bodies) are thin callers of it;
so is `EventStream`, which keeps only what is its own (liveness, reconnect pacing, open budget).
"""

from __future__ import annotations

import inspect
import ipaddress
import logging
import math
import re
import socket
import ssl
import sys
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Generic, Literal, Protocol, TypedDict, TypeVar, overload

import anyio
import anyio.lowlevel
import httpx
from pydantic import ValidationError

from . import _retry
from ._auth import BearerAuth, TokenSource, token_rejected
from ._budget import RequestBudget, StreamBudget, has_own_limit
from ._callbacks import call_maybe_async
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ClientRateLimitError,
    EventLoopError,
    InvalidArgumentError,
    MissingAccessTokenError,
    ResponseTooLargeError,
    TLSError,
    make_status_error,
    scrub,
)
from ._files import DownloadSink, checked_progress, open_parts
from ._pagination import DEFAULT_MAX_PAGES
from ._parsing import NotOkError, parse_status
from ._paths import check_text, validate_request_path
from ._version import __version__

if sys.version_info < (3, 11):  # anyio depends on the backport there
    from exceptiongroup import BaseExceptionGroup

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .types import JSONValue, ProgressCallback, QueryValue, StrPath

__all__ = [
    "USER_AGENT",
    "Auth",
    "Call",
    "Core",
    "RequestOptions",
    "Shared",
    "SubClient",
    "UploadProgress",
    "is_loopback",
    "spell_out_options",
]

logger = logging.getLogger("aioparticle")

#: A token the wire puts in a path (`DELETE /v1/access_tokens/:token`), as it would be logged.
_TOKEN_IN_PATH = re.compile(r"(/v1/access_tokens/)(?!current\b)[^/?#\s\"']+")


class _RedactTokenPaths(logging.Filter):
    """Redact the token of `/v1/access_tokens/:token` from httpx's request log lines: the one
    route whose URL carries a credential."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any("/access_tokens/" in str(a) for a in args):
            record.args = tuple(
                _TOKEN_IN_PATH.sub(r"\1[redacted]", str(a)) if "/access_tokens/" in str(a) else a
                for a in args
            )
        return True


logging.getLogger("httpx").addFilter(_RedactTokenPaths())

USER_AGENT = f"aioparticle/{__version__}"

T = TypeVar("T")

#: How a call authenticates: the bearer token, nothing, or the OAuth client pair in the form
#: body (the token and customer endpoints).
Auth = Literal["token", "none", "client"]

# The OAuth client pairs Particle documents publicly; not secrets.
_PUBLIC_SECRETS = frozenset({"particle-api", "particle"})

# Transport failures where the request certainly never reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# Bytes read from a download at a time.
_CHUNK_SIZE = 64 * 1024

#: Largest JSON (non-download) response body read, once decoded: 8 MiB, far above any answer
#: of the API, far below what would hurt a process.
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024


class RequestOptions(TypedDict, total=False):
    """The keywords every request takes, public (`ParticleClient.request`) or internal.

    `params`: query values (`None` dropped, booleans `true`/`false`, sequences comma-joined);
    `json` or `data` (a form): the body; `headers`: extra headers; `idempotent`: overrides the
    method's default for retries.
    """

    params: Mapping[str, QueryValue | None] | None
    json: JSONValue
    data: Mapping[str, str] | None
    headers: Mapping[str, str] | None
    idempotent: bool | None


F = TypeVar("F", bound=Callable[..., Any])


def spell_out_options(func: F) -> F:
    """Give `func`, which takes `**options: Unpack[RequestOptions]`, the runtime signature
    that names those options (for `help()`, `inspect` and documentation tools); type checkers
    already read them from `Unpack`."""
    signature = inspect.signature(func)
    kept = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    leading = [p for p in kept if p.kind is not p.KEYWORD_ONLY]
    options = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=getattr(kind, "__forward_arg__", kind),  # the text, like the others
        )
        for name, kind in RequestOptions.__annotations__.items()
    ]
    trailing = [p for p in kept if p.kind is p.KEYWORD_ONLY]
    func.__signature__ = signature.replace(parameters=[*leading, *options, *trailing])  # type: ignore[attr-defined]
    return func


@dataclass(slots=True)
class Call:
    """One request as `Core.send` sends it (and re-sends it on a retry); never changed once
    made (not frozen only because a frozen dataclass is slower to build, once per call)."""

    method: str
    url: str
    #: how errors and logs show the target: the path on the API origin, or a URL without query
    shown: str
    headers: Mapping[str, str]
    idempotent: bool
    params: Mapping[str, str] | None = None
    json: JSONValue = None
    data: Mapping[str, str] | None = None
    files: Any = None
    auth: bool = True
    #: hand the 2xx response to the handler unread (downloads, event streams)
    stream: bool = False
    #: leave a streamed response open after the handler returns (event streams)
    keep_open: bool = False
    follow_redirects: bool = False
    #: httpx timeouts of one attempt (connect, read, ...); `None`: the client's
    timeout: httpx.Timeout | None = None
    #: seconds one attempt may take until its response (streamed: its headers) arrives
    deadline: float | None = None
    #: retries after the first attempt; `None`: the client's `max_retries`
    max_retries: int | None = None
    #: values scrubbed from error messages besides the client's own secrets (a password)
    secrets: tuple[str, ...] = ()
    #: `progress(sent, total)` of an upload, called as its body is sent
    progress: ProgressCallback | None = None


class _StreamLike(Protocol):
    async def _close_from_client(self) -> None: ...


class Shared:
    """State shared by a client and every view made with `with_options`."""

    __slots__ = (
        "budget",
        "closed",
        "http",
        "limiter",
        "loop",
        "owns_http",
        "stream_budget",
        "streams",
    )

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        owns_http: bool,
        max_concurrency: int,
        budget: RequestBudget | None = None,
    ) -> None:
        self.http = http
        self.owns_http = owns_http
        self.closed = False
        #: the event loop the client was first used on: its connections and locks belong to it
        self.loop: anyio.lowlevel.EventLoopToken | None = None
        self.limiter = anyio.CapacityLimiter(max_concurrency)
        #: the request budget every attempt to the API origin takes a slot of (None: off)
        self.budget = budget
        self.stream_budget = StreamBudget()
        self.streams: weakref.WeakSet[_StreamLike] = weakref.WeakSet()

    @property
    def is_closed(self) -> bool:
        return self.closed or self.http.is_closed

    def check_loop(self) -> None:
        """Bind the client to the running event loop on first use; refuse any other loop."""
        token = anyio.lowlevel.current_token()
        if self.loop is None:
            self.loop = token
        elif token != self.loop:
            raise EventLoopError(
                "this ParticleClient was first used on another event loop; a client's "
                "connections and locks belong to one loop: create one client per event loop"
            )

    async def aclose(self) -> None:
        """End every open event stream, then close the pool if aioparticle created it."""
        if self.closed:
            return
        self.closed = True
        for stream in list(self.streams):
            await stream._close_from_client()
        if self.owns_http:
            await self.http.aclose()


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (plain http is allowed there)."""
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _query_value(value: QueryValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return ",".join(_query_value(v) for v in value)


def _encode_params(params: Mapping[str, QueryValue | None] | None) -> dict[str, str] | None:
    if not params:
        return None
    return {key: _query_value(value) for key, value in params.items() if value is not None}


class Core:
    """The configuration of one client (or view) and the one request path."""

    __slots__ = (
        "allow_insecure_http",
        "auth",
        "base_url",
        "client_id",
        "client_secret",
        "connect_timeout",
        "default_headers",
        "headers",
        "httpx_timeout",
        "max_pages",
        "max_response_bytes",
        "max_retries",
        "max_retry_after",
        "shared",
        "timeout",
        "tokens",
    )

    shared: Shared

    def __init__(
        self,
        *,
        access_token: str | None,
        base_url: str,
        timeout: float,
        connect_timeout: float,
        max_retries: int,
        max_retry_after: float,
        client_id: str,
        client_secret: str,
        default_headers: Mapping[str, str],
        allow_insecure_http: bool,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        tokens: TokenSource | None = None,
    ) -> None:
        if access_token is not None and tokens is not None:
            raise InvalidArgumentError("pass access_token= or auth= (a token provider), not both")
        #: the token provider's source, when the client has one instead of a fixed token
        self.tokens = tokens
        self.max_pages = _check_count(max_pages, "max_pages")
        self.max_response_bytes = _check_count(max_response_bytes, "max_response_bytes")
        self.allow_insecure_http = allow_insecure_http
        self.auth = BearerAuth(access_token) if access_token is not None else None
        self.base_url = _check_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self.timeout = _check_positive(timeout, "timeout")
        self.connect_timeout = min(_check_positive(connect_timeout, "connect_timeout"), timeout)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidArgumentError(f"max_retries must be an int >= 0, got {max_retries!r}")
        self.max_retries = max_retries
        self.max_retry_after = _check_positive(max_retry_after, "max_retry_after")
        self.client_id = client_id
        self.client_secret = client_secret
        self.default_headers = _check_headers(default_headers)
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        self.headers.update(self.default_headers)
        self.httpx_timeout = httpx.Timeout(self.timeout, connect=self.connect_timeout)

    @property
    def token(self) -> str | None:
        """The fixed access token, or the provider's current one (if it has handed one out)."""
        if self.auth is not None:
            return self.auth.token
        return self.tokens.token if self.tokens is not None else None

    def secrets(self, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Values scrubbed from every message (long enough not to mangle ordinary text), plus
        a call's own `extra` secrets (a password)."""
        candidates: tuple[str | None, ...] = (self.token, self.client_secret)
        if self.tokens is not None:
            candidates += self.tokens.secrets()
        found = tuple(s for s in candidates if s and len(s) >= 8 and s not in _PUBLIC_SECRETS)
        return found + tuple(s for s in extra if s and len(s) >= 4)

    # ------------------------------------------------------------------ the one send path

    async def send(self, call: Call, handle: Callable[[httpx.Response], Awaitable[T]]) -> T:
        """Send `call`, retrying as its method and the failure allow, and return what
        `handle` makes of the 2xx response.

        `handle` runs inside the attempt: while it holds a concurrency slot, and with its
        transport failures (a download cut short) mapped and retried like the send's own.
        Every failure leaves as a typed `APIError`; cancellation propagates untouched.
        """
        shared = self.shared
        if shared.closed or shared.http.is_closed:
            raise ClientClosedError("this ParticleClient has been closed")
        shared.check_loop()
        auth = self.auth if call.auth else None
        tokens = self.tokens if call.auth else None
        if call.auth and auth is None and tokens is None:
            raise MissingAccessTokenError()
        renewed = False
        http = shared.http
        limiter = shared.limiter
        # the rate limit counts requests to the API, not downloads from elsewhere
        budget = shared.budget if call.url.startswith(self.base_url) else None
        deadline = self.timeout if call.deadline is None else call.deadline
        timeout = self.httpx_timeout if call.timeout is None else call.timeout
        max_retries = self.max_retries if call.max_retries is None else call.max_retries
        attempt = 0
        while True:
            if tokens is not None:
                # before taking a slot: the provider's own request needs one
                auth = await tokens.bearer(self)
            request = http.build_request(
                call.method,
                call.url,
                params=call.params,
                json=call.json,
                data=call.data,
                files=call.files,
                headers=call.headers,
                timeout=timeout,
            )
            if call.progress is not None:  # each attempt reports its own body from 0
                request.stream = UploadProgress(request, call.progress)
            failure: APIError
            retryable: bool
            retry_after: float | None = None
            status = 0
            if not _try_acquire(limiter):
                await limiter.acquire()
            try:
                if budget is not None:
                    # waited for before the deadline starts, like the slot; bounded
                    refused = await budget.acquire(self.max_retry_after)
                    if refused > 0:
                        raise self._budget_refusal(call, request, refused)
                # a plain deadline scope: cheaper per call than anyio.fail_after
                sent: httpx.Response | None = None
                with anyio.CancelScope(deadline=anyio.current_time() + deadline) as scope:
                    sent = await http.send(
                        request, auth=auth, follow_redirects=call.follow_redirects, stream=True
                    )
                    if not call.stream or not 200 <= sent.status_code < 300:
                        # an error page is kept, cut at the cap; a success must fit whole
                        await self.read_body(sent, call, cut=not 200 <= sent.status_code < 300)
                if scope.cancelled_caught or sent is None:
                    if sent is not None:
                        await _close(sent)
                    raise TimeoutError
                response = sent
                status = response.status_code
                if logger.isEnabledFor(logging.DEBUG):  # the path shown has no credential
                    logger.debug("%s %s: %d", call.method, call.shown, status)
                if 200 <= status < 300:
                    return await self._handle(call, response, handle)
                failure = self.status_error(response, call.method, call.shown, call.secrets)
                retry_after = failure.retry_after
                retryable = _retry.should_retry_status(
                    status,
                    idempotent=call.idempotent,
                    refusal_retried=not has_own_limit(call.method, call.shown),
                )
            except TimeoutError:
                failure = self._timed_out(call, request, deadline)
                retryable = call.idempotent
            except httpx.TransportError as exc:
                failure = _transport_error(exc, call, request, self.secrets(call.secrets))
                retryable = not isinstance(failure, TLSError) and (
                    call.idempotent or not failure.may_have_reached_server
                )
            except RuntimeError as exc:
                if http.is_closed:
                    raise ClientClosedError("the underlying httpx.AsyncClient is closed") from exc
                raise
            except APIError as exc:  # raised by the handler (a body that is not what it should be)
                _conceal(exc, call)
                raise
            except BaseExceptionGroup as group:
                # trio connects in a nursery: a cancellation arrives wrapped in a group
                cancelled = _only_cancellation(group)
                if cancelled is None:
                    raise
                raise cancelled from None
            except Exception as exc:
                # an aiohttp error that an aiohttp transport of the caller's own (httpx-aiohttp's
                # `HttpxAiohttpClient`) let through unmapped: typed, and scrubbed, like the rest
                if not type(exc).__module__.startswith("aiohttp."):
                    raise
                from ._aiohttp import transport_error

                failure = _transport_error(
                    transport_error(exc), call, request, self.secrets(call.secrets)
                )
                retryable = call.idempotent or not failure.may_have_reached_server
            finally:
                limiter.release()
            if budget is not None and status == 429 and _holds_every_call(call):
                # the IP's budget is spent: every call of the client (and, with a shared
                # budget, of every process) waits, not only this one
                await budget.penalize(retry_after)
            if tokens is not None and not renewed and token_rejected(failure):
                # the provider's token was refused: one renewal, shared with every caller
                # refused the same token, then this call once more (a second 401 is raised)
                renewed = True
                assert auth is not None
                await tokens.renew(self, auth)
                continue
            if not retryable or attempt >= max_retries:
                raise _conceal(failure, call)
            await self._before_retry(failure, retry_after, attempt, max_retries, call)
            attempt += 1

    async def read_body(self, response: httpx.Response, call: Call, *, cut: bool = False) -> None:
        """Read a body, at most `max_response_bytes` of it once decoded: a larger one raises
        `ResponseTooLargeError`, or with `cut` (an error page) is kept cut at the limit."""
        limit = self.max_response_bytes
        chunks = []
        received = 0
        try:
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > limit:
                    if cut:
                        chunks.append(chunk[: limit - received])
                    break
                chunks.append(chunk)
        except BaseException:
            await _close(response)
            raise
        if received > limit:
            await _close(response)
        if received > limit and not cut:
            raise ResponseTooLargeError(
                f"the response body is over {limit:,} bytes (max_response_bytes); it was not "
                f"read further [{call.method} {call.shown}]",
                method=call.method,
                path=call.shown,
                request=response.request,
                limit=limit,
            )
        # what `Response.aread()` does, bounded: `response.content` is the body from here on
        response._content = chunks[0] if len(chunks) == 1 else b"".join(chunks)

    @staticmethod
    async def _handle(
        call: Call, response: httpx.Response, handle: Callable[[httpx.Response], Awaitable[T]]
    ) -> T:
        if not call.stream:
            return await handle(response)
        try:
            result = await handle(response)
        except BaseException:
            await _close(response)
            raise
        if not call.keep_open:
            await _close(response)
        return result

    def _timed_out(self, call: Call, request: httpx.Request, deadline: float) -> APITimeoutError:
        return APITimeoutError(
            f"request timed out after {deadline:g}s [{call.method} {call.shown}]",
            method=call.method,
            path=call.shown,
            request=request,
        )

    def status_error(
        self, response: httpx.Response, method: str, path: str, secrets: tuple[str, ...] = ()
    ) -> APIStatusError:
        """The typed error of a non-2xx response whose body was read (also for a caller that
        judges a 2xx answer unacceptable, such as an event stream answered 204), with its
        `Retry-After`; `secrets` are scrubbed beside the client's own."""
        retry_after = _retry.parse_retry_after(response.headers.get("retry-after"))
        return make_status_error(
            response,
            method=method,
            path=path,
            retry_after=retry_after,
            secrets=self.secrets(secrets),
        )

    def _budget_refusal(
        self, call: Call, request: httpx.Request, wait: float
    ) -> ClientRateLimitError:
        """The error of a call the rate limit would hold back longer than `max_retry_after`;
        its response is a 429 made here (nothing was sent)."""
        description = (
            f"the client's rate limit would hold this call back {wait:.1f}s, more than "
            f"max_retry_after ({self.max_retry_after:g}s); it was not sent"
        )
        response = httpx.Response(
            429,
            headers={"Retry-After": str(math.ceil(wait))},
            json={"error": "client_rate_limited", "error_description": description},
            request=request,
        )
        return ClientRateLimitError(
            f"429 Too Many Requests: {description} [{call.method} {call.shown}]",
            response=response,
            body=response.json(),
            method=call.method,
            path=call.shown,
            error="client_rate_limited",
            error_description=description,
            retry_after=wait,
        )

    async def _before_retry(
        self,
        failure: APIError,
        retry_after: float | None,
        attempt: int,
        max_retries: int,
        call: Call,
    ) -> None:
        """Wait the backoff delay before another attempt, or raise `failure` when the server
        asked for a longer wait than this client honours."""
        delay = _retry.retry_delay(attempt, retry_after, max_retry_after=self.max_retry_after)
        if delay is None:
            raise _conceal(failure, call)
        logger.debug(
            "retrying %s %s in %.2fs (retry %d of %d) after: %s",
            call.method,
            call.shown,
            delay,
            attempt + 1,
            max_retries,
            failure.message,
        )
        await _retry.sleep(delay)

    # ------------------------------------------------------------------ callers of send

    async def request(
        self,
        method: str,
        path: str,
        parse: Callable[[bytes], T],
        *,
        parts: Sequence[tuple[str, str, Any]] | None = None,
        auth: Auth = "token",
        secrets: tuple[str, ...] = (),
        progress: ProgressCallback | None = None,
        **options: Unpack[RequestOptions],
    ) -> T:
        """Send a request to `path` (already validated) and parse its body with `parse`.

        `parts` are multipart file parts (`data` then travels as text parts); `auth="client"`
        adds the OAuth client pair to the form instead of sending the token; `secrets` (a
        password, say) are scrubbed from error messages like the token is; `progress(sent,
        total)` follows the upload of `parts`.
        """
        json = options.get("json")
        data = options.get("data")
        if json is not None and (data is not None or parts is not None):
            raise InvalidArgumentError("pass json= or data=/files=, not both")
        if progress is not None:
            if parts is None:
                raise InvalidArgumentError("progress= follows a file upload: pass files too")
            progress = checked_progress(progress)
        if auth == "client":
            data = {**(data or {}), "client_id": self.client_id}
            data["client_secret"] = self.client_secret
        idempotent = options.get("idempotent")
        if idempotent is None:
            idempotent = _retry.is_idempotent_method(method)
        headers = options.get("headers")
        opened: list[IO[bytes]] = []
        try:
            files = None
            if parts is not None:
                files, replayable = open_parts(parts, opened)
                if not replayable:
                    idempotent = False
            call = Call(
                method,
                self.base_url + path,
                scrub(path, secrets) if secrets else path,
                {**self.headers, **headers} if headers else self.headers,
                idempotent,
                params=_encode_params(options.get("params")),
                json=json,
                data=data,
                files=files,
                auth=auth == "token",
                secrets=secrets,
                progress=progress,
            )
            return await self.send(call, _BodyParser(self, call, parse))
        finally:
            for handle in opened:
                handle.close()

    async def download(
        self,
        method: str,
        source: str,
        *,
        to: StrPath | None,
        progress: ProgressCallback | None,
        params: Mapping[str, QueryValue | None] | None = None,
        accept: str = "*/*",
    ) -> bytes | Path:
        """Stream a binary answer into memory, or into a temporary file renamed to `to`.

        `source` is a path on the API origin or an absolute URL; the token is only sent to the
        API origin. The body is never JSON-decoded; a failed or cancelled download leaves no
        file behind. `params` is the query, `accept` the `Accept` header (a text export).
        """
        url, shown, on_origin = self._download_url(source)
        sink = DownloadSink(to, progress)
        call = Call(
            method,
            url,
            shown,
            {**self.headers, "Accept": accept},
            idempotent=True,
            params=_encode_params(params),
            auth=on_origin,
            stream=True,
            follow_redirects=not on_origin,
        )

        async def receive(response: httpx.Response) -> None:
            # each chunk read is bounded by the read timeout, not the whole body;
            # a compressed body's length says nothing of the bytes handed out
            length = response.headers.get("content-length", "")
            encoded = response.headers.get("content-encoding", "identity")
            known = length.isdigit() and encoded.lower() == "identity"
            await sink.start(int(length) if known else None)
            async for chunk in response.aiter_bytes(_CHUNK_SIZE):
                await sink.write(chunk)

        try:
            await self.send(call, receive)
            return sink.finish()
        except BaseException:
            sink.discard()
            raise

    def _download_url(self, source: str) -> tuple[str, str, bool]:
        """(URL, how errors show it, whether it is on the API origin) for a download source."""
        text = check_text(source, "download URL", max_length=4096)
        if text.startswith("/") and not text.startswith("//"):
            path = validate_request_path(text)
            return self.base_url + path, path, True
        try:
            url = httpx.URL(text)
        except (httpx.InvalidURL, TypeError) as exc:
            raise InvalidArgumentError(f"not a valid download URL: {exc}") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise InvalidArgumentError(
                "a download URL must be an absolute http(s) URL or a path starting with '/'"
            )
        if url.userinfo:
            raise InvalidArgumentError("a download URL must not carry credentials")
        base = httpx.URL(self.base_url)
        on_origin = (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)
        if (
            url.scheme == "http"
            and not on_origin
            and not self.allow_insecure_http
            and not is_loopback(url.host)
        ):
            raise InvalidArgumentError(
                "refusing a plain http:// download from another host; pass "
                "allow_insecure_http=True to the client to allow it"
            )
        shown = f"{url.scheme}://{url.netloc.decode('ascii')}{url.path}"
        return str(url), (url.path if on_origin else shown), on_origin


#: An upload reports its progress at most once per this many bytes sent (and at its end).
PROGRESS_STEP = _CHUNK_SIZE


class UploadProgress(httpx.AsyncByteStream):
    """A request body that reports `progress(sent, total)` as the transport takes it: once
    with 0 when sending starts, then at most once per `PROGRESS_STEP` bytes, and once with
    every byte when the whole body was handed over. `total` is the body's `Content-Length`
    (the multipart framing and text fields included), or `None` when it is not known (a
    stream of unknown size, sent chunked)."""

    __slots__ = ("_progress", "_stream", "total")

    def __init__(self, request: httpx.Request, progress: ProgressCallback) -> None:
        self._stream = request.stream
        self._progress = progress
        length = request.headers.get("content-length", "")
        self.total = int(length) if length.isdigit() else None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        progress, total = self._progress, self.total
        await call_maybe_async(progress, 0, total)
        sent = reported = 0
        stream = self._stream
        if isinstance(stream, httpx.AsyncByteStream):
            chunks: AsyncIterator[bytes] = stream.__aiter__()
        else:  # pragma: no cover - httpx gives an AsyncClient's uploads an async stream
            chunks = _async_chunks(stream)
        async for chunk in chunks:
            yield chunk
            sent += len(chunk)
            if sent - reported >= PROGRESS_STEP:
                reported = sent
                await call_maybe_async(progress, sent, total)
        if sent > reported:
            await call_maybe_async(progress, sent, total)

    async def aclose(self) -> None:
        if isinstance(self._stream, httpx.AsyncByteStream):
            await self._stream.aclose()


async def _async_chunks(stream: httpx.SyncByteStream) -> AsyncIterator[bytes]:  # pragma: no cover
    for chunk in stream:
        yield chunk


class _BodyParser:
    """The handler of a JSON call: parse the (already read) body of a 2xx response."""

    __slots__ = ("_call", "_core", "_parse")

    def __init__(self, core: Core, call: Call, parse: Callable[[bytes], Any]) -> None:
        self._core = core
        self._call = call
        self._parse = parse

    async def __call__(self, response: httpx.Response) -> Any:
        parse = self._parse
        if parse is parse_status:
            return response.status_code
        call = self._call
        content = response.content
        try:
            return parse(content)
        except NotOkError as exc:
            raise APIError(
                scrub(
                    f"the cloud did not confirm the operation: {exc} [{call.method} {call.shown}]",
                    self._core.secrets(call.secrets),
                ),
                method=call.method,
                path=call.shown,
                request=response.request,
            ) from None
        except (ValidationError, ValueError) as exc:
            body: object = content.decode("utf-8", errors="replace")
            raise APIResponseValidationError(
                scrub(
                    f"unexpected response body for {call.method} {call.shown}: "
                    f"{_short_reason(exc)}",
                    self._core.secrets(call.secrets),
                ),
                response=response,
                body=body,
                method=call.method,
                path=call.shown,
            ) from exc


#: Headers whose values are credentials: an exception keeps them as "[redacted]".
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _conceal(error: APIError, call: Call) -> APIError:
    """Give `error` (and its response) a copy of the request without credentials: no
    `Authorization` value, and no body when the body carried a secret (a password, the OAuth
    client secret). Everything else is kept for debugging."""
    request = error.request
    if request is None or request.extensions.get("aioparticle_concealed"):
        return error
    url = request.url
    if call.secrets:  # a credential the wire puts in the path or query (a token to revoke)
        url = httpx.URL(scrub(str(url), call.secrets))
    headers = [
        (name, "[redacted]" if name.lower() in _SECRET_HEADERS else value)
        for name, value in request.headers.multi_items()
        if name.lower() != "content-length"
    ]
    content = b""
    secret_body = bool(call.secrets) or "client_secret" in (call.data or {})
    if not secret_body:
        try:
            content = request.content
        except httpx.RequestNotRead:  # a streamed upload: not kept
            content = b""
    safe = httpx.Request(
        request.method,
        url,
        headers=headers,
        content=content,
        extensions={"aioparticle_concealed": True},
    )
    error.request = safe
    response = getattr(error, "response", None)
    if isinstance(response, httpx.Response):
        response.request = safe
    for cause in _causes(error)[1:]:  # the httpx error a transport failure was raised from
        if isinstance(cause, httpx.RequestError):
            cause.request = safe
    return error


def _only_cancellation(group: BaseExceptionGroup[BaseException]) -> BaseException | None:
    """The cancellation a group holds, when that is all it holds."""
    cancelled = anyio.get_cancelled_exc_class()
    leaves: list[BaseException] = []
    pending: list[BaseException] = [group]
    while pending:
        current = pending.pop()
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        else:
            leaves.append(current)
    if leaves and all(isinstance(leaf, cancelled) for leaf in leaves):
        return leaves[-1]
    return None


def _holds_every_call(call: Call) -> bool:
    """Whether a 429 answering `call` says the IP's request budget is spent: not for an
    event-stream open (its limit is `StreamBudget`'s) nor a route with a limit of its own
    (the token endpoint, serial numbers, ...), whose 429 holds back only that call."""
    return not call.keep_open and not has_own_limit(call.method, call.shown)


async def _close(response: httpx.Response) -> None:
    with anyio.CancelScope(shield=True):
        await response.aclose()


def _try_acquire(limiter: anyio.CapacityLimiter) -> bool:
    """Take a free slot without a task switch; `False` when the caller must wait for one."""
    try:
        limiter.acquire_nowait()
    except anyio.WouldBlock:
        return False
    except Exception as exc:  # older anyio on trio lets trio.WouldBlock through
        if type(exc).__name__ != "WouldBlock":
            raise
        return False
    return True


def _short_reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False, include_input=False)[:1]
        if first:
            loc = ".".join(str(p) for p in first[0]["loc"]) or "body"
            return f"{loc}: {first[0]['msg']} ({exc.error_count()} error(s))"
    return str(exc)[:200]


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc` and the exceptions it was raised from, innermost last (bounded: no cycles)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 16:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _transport_error(
    exc: httpx.TransportError, call: Call, request: httpx.Request, secrets: tuple[str, ...]
) -> APIConnectionError:
    """The typed error of a transport failure: a timeout, a TLS failure (never retried), a
    name that does not resolve (the host named), or a connection that failed."""
    cause = exc.__cause__
    if cause is not None and type(cause).__module__.startswith("aiohttp."):
        # an aiohttp transport of the caller's own (httpx-aiohttp's `HttpxAiohttpClient`)
        # names a dropped connection a connect timeout ("never sent"): judge aiohttp's error
        from ._aiohttp import transport_error

        exc = transport_error(cause)
    causes = _causes(exc)
    detail = scrub(str(exc) or type(exc).__name__, secrets)
    cls: type[APIConnectionError] = APIConnectionError
    if isinstance(exc, httpx.TimeoutException):
        cls, kind = APITimeoutError, "timed out"
    elif any(isinstance(cause, ssl.SSLError) for cause in causes):
        cls, kind = TLSError, f"TLS handshake with {request.url.host} failed"
    elif any(isinstance(cause, socket.gaierror) for cause in causes):
        kind = f"could not resolve host {request.url.host!r}"
    else:
        kind = "connection failed"
    error = cls(
        f"{kind}: {detail} [{call.method} {call.shown}]",
        method=call.method,
        path=call.shown,
        request=request,
        may_have_reached_server=not isinstance(exc, _NOT_SENT),
    )
    error.__cause__ = exc
    return error


def _check_base_url(base_url: str, *, allow_insecure_http: bool) -> str:
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidArgumentError(f"base_url is not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidArgumentError("base_url must be an http:// or https:// URL with a host")
    if url.userinfo or url.query or url.fragment:
        raise InvalidArgumentError("base_url must not contain credentials, a query or a fragment")
    if url.scheme == "http" and not allow_insecure_http and not is_loopback(url.host):
        raise InvalidArgumentError(
            "base_url uses plain http:// for a non-loopback host, which would send the access "
            "token unencrypted; use https:// or pass allow_insecure_http=True"
        )
    return str(url).rstrip("/")


_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BAD_HEADER_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _check_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """`default_headers` as a dict, refused at once when a name is not an HTTP token or a
    value holds CR, LF, NUL or another control character (every call would fail later)."""
    if not isinstance(headers, Mapping):
        raise InvalidArgumentError("default_headers must map header names to values")
    checked = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise InvalidArgumentError(
                f"default_headers: {name!r} is not a valid header name (letters, digits and "
                "!#$%&'*+.^_`|~- only)"
            )
        if not isinstance(value, str) or _BAD_HEADER_VALUE.search(value):
            raise InvalidArgumentError(
                f"default_headers[{name!r}] must be a str without CR, LF, NUL or other control "
                "characters"
            )
        checked[name] = value
    return checked


def _check_count(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{what} must be an int >= 1, got {value!r}")
    return value


def _check_positive(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InvalidArgumentError(f"{what} must be a positive number of seconds, got {value!r}")
    return float(value)


R = TypeVar("R", bound="_SubClientLike")


class _SubClientLike(Protocol):
    def __init__(self, core: Core, name: str) -> None: ...


class SubClient(Generic[R]):
    """A sub-client attribute (`client.devices`, `client.products.firmware`): made on first
    access from the owner's `Core`, cached on the owner, and named after its attribute path
    (`"products.firmware"`), which labels its operations in error messages.

    The owner is a `ParticleClient` or a resource: anything with `_core` and `__dict__`.
    """

    def __init__(self, cls: type[R]) -> None:
        self.cls = cls
        self.attr = ""
        self.__doc__ = cls.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.attr = name

    def __repr__(self) -> str:
        return f"<SubClient .{self.attr}: {self.cls.__name__}>"

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> SubClient[R]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> R: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> SubClient[R] | R:
        if obj is None:
            return self
        parent = getattr(obj, "_name", "")
        made = self.cls(obj._core, f"{parent}.{self.attr}" if parent else self.attr)  # type: ignore[attr-defined]
        obj.__dict__[self.attr] = made  # later reads find it there: no descriptor call
        return made
