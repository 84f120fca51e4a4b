"""`ParticleClient`: configuration, the request path, retries, timeouts and error mapping."""

from __future__ import annotations

import ipaddress
import logging
import os
import weakref
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, TypeVar, overload

import anyio
import httpx
from pydantic import BaseModel, ValidationError

from . import _retry
from ._auth import BearerAuth
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    ClientClosedError,
    InvalidArgumentError,
    MissingAccessTokenError,
    make_status_error,
    scrub,
)
from ._files import DownloadSink, UploadPart, file_part, open_parts
from ._parsing import NotOkError, parse_json, parse_model, parse_status
from ._paths import check_text, validate_request_path
from ._streaming import EventStream, StreamBudget
from ._version import __version__

if TYPE_CHECKING:
    from typing_extensions import Self

    from .resources.builds import Builds
    from .resources.customers import Customers
    from .resources.device_os import DeviceOs
    from .resources.devices import Devices
    from .resources.events import Events
    from .resources.libraries import Libraries
    from .resources.products import Products
    from .resources.serial_numbers import SerialNumbers
    from .resources.sims import Sims
    from .types import FileInput, JSONValue, ProgressCallback, QueryValue, StrPath

__all__ = [
    "API_URL",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ParticleClient",
]

logger = logging.getLogger("aioparticle")

API_URL = "https://api.particle.io"
DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=100, keepalive_expiry=5.0
)
USER_AGENT = f"aioparticle/{__version__}"

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# The OAuth client pairs Particle documents publicly; not secrets.
_PUBLIC_SECRETS = frozenset({"particle-api", "particle"})

# Transport failures where the request certainly never reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# Bytes read from a download at a time.
_CHUNK_SIZE = 64 * 1024


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: str, *, allow_insecure_http: bool) -> str:
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidArgumentError(f"base_url is not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidArgumentError("base_url must be an http:// or https:// URL with a host")
    if url.userinfo or url.query or url.fragment:
        raise InvalidArgumentError("base_url must not contain credentials, a query or a fragment")
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise InvalidArgumentError(
            "base_url uses plain http:// for a non-loopback host, which would send the access "
            "token unencrypted; use https:// or pass allow_insecure_http=True"
        )
    return str(url).rstrip("/")


def _check_positive(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InvalidArgumentError(f"{what} must be a positive number of seconds, got {value!r}")
    return float(value)


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


class _Shared:
    """State shared by a client and every view made with `with_options`."""

    __slots__ = ("closed", "http", "limiter", "owns_http", "stream_budget", "streams")

    def __init__(self, http: httpx.AsyncClient, *, owns_http: bool, max_concurrency: int) -> None:
        self.http = http
        self.owns_http = owns_http
        self.closed = False
        self.limiter = anyio.CapacityLimiter(max_concurrency)
        self.stream_budget = StreamBudget()
        self.streams: weakref.WeakSet[EventStream] = weakref.WeakSet()


class ParticleClient:
    """Asynchronous client for the Particle Cloud API.

    One client holds one connection pool; share it across your application and close it with
    `await client.aclose()` or `async with ParticleClient() as client: ...`.

    Args:
        access_token: Particle access token. Defaults to `PARTICLE_ACCESS_TOKEN`. It is sent only
            in the `Authorization: Bearer` header and never appears in a URL, `repr` or error.
        base_url: API origin. Defaults to `PARTICLE_API_URL`, else `https://api.particle.io`.
            Plain `http://` is refused for non-loopback hosts unless `allow_insecure_http=True`.
        timeout: deadline in seconds for one attempt of a call, from the first byte sent to the
            last byte received; a server that trickles bytes cannot hold a call longer.
        connect_timeout: seconds allowed to open a connection.
        max_retries: retries after the first attempt (see the README for what is retried).
        max_retry_after: longest `Retry-After` (seconds) honoured by waiting; a longer one raises
            `RateLimitError` at once with `.retry_after` set.
        http_client: an `httpx.AsyncClient` to use as is. It is never closed by aioparticle.
        limits: connection-pool limits of the `httpx.AsyncClient` aioparticle creates.
        max_concurrency: most requests in flight at once; further calls wait their turn before
            their deadline starts. Defaults to the pool's connection limit (100).
        client_id, client_secret: the OAuth client used by the token endpoints.
        default_headers: extra headers on every request (e.g. `X-Particle-Tool`).
        allow_insecure_http: permit `http://` to a non-loopback host.
    """

    def __init__(
        self,
        access_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_after: float = _retry.DEFAULT_MAX_RETRY_AFTER,
        http_client: httpx.AsyncClient | None = None,
        limits: httpx.Limits | None = None,
        max_concurrency: int | None = None,
        client_id: str = "particle-api",
        client_secret: str = "particle-api",  # noqa: S107 - Particle's public default client
        default_headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        if access_token is None:
            access_token = os.environ.get("PARTICLE_ACCESS_TOKEN") or None
        if base_url is None:
            base_url = os.environ.get("PARTICLE_API_URL") or API_URL
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise InvalidArgumentError("http_client must be an httpx.AsyncClient")
        if limits is not None and http_client is not None:
            raise InvalidArgumentError(
                "limits= configures a pool aioparticle creates; "
                "set them on your http_client instead"
            )
        limits = limits or DEFAULT_LIMITS
        if max_concurrency is None:
            max_concurrency = limits.max_connections or DEFAULT_LIMITS.max_connections or 100
        if (
            isinstance(max_concurrency, bool)
            or not isinstance(max_concurrency, int)
            or (max_concurrency < 1)
        ):
            raise InvalidArgumentError("max_concurrency must be a positive int")
        self._allow_insecure_http = allow_insecure_http
        self._configure(
            access_token=access_token,
            base_url=base_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            max_retry_after=max_retry_after,
            client_id=client_id,
            client_secret=client_secret,
            default_headers=default_headers or {},
        )
        owns_http = http_client is None
        if http_client is None:
            http_client = httpx.AsyncClient(
                limits=limits, timeout=self._httpx_timeout, follow_redirects=False
            )
        self._shared = _Shared(http_client, owns_http=owns_http, max_concurrency=max_concurrency)
        self._is_view = False

    def _configure(
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
    ) -> None:
        self._auth = BearerAuth(access_token) if access_token is not None else None
        self._base_url = _check_base_url(base_url, allow_insecure_http=self._allow_insecure_http)
        self._timeout = _check_positive(timeout, "timeout")
        self._connect_timeout = min(_check_positive(connect_timeout, "connect_timeout"), timeout)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidArgumentError(f"max_retries must be an int >= 0, got {max_retries!r}")
        self._max_retries = max_retries
        self._max_retry_after = _check_positive(max_retry_after, "max_retry_after")
        self._client_id = client_id
        self._client_secret = client_secret
        self._default_headers = dict(default_headers)
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        self._headers.update(self._default_headers)
        self._httpx_timeout = httpx.Timeout(self._timeout, connect=self._connect_timeout)

    # ------------------------------------------------------------------ configuration

    @property
    def base_url(self) -> str:
        """The API origin requests go to."""
        return self._base_url

    @property
    def timeout(self) -> float:
        """Per-attempt deadline in seconds."""
        return self._timeout

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt."""
        return self._max_retries

    @property
    def has_access_token(self) -> bool:
        """Whether an access token is configured (the token itself is never exposed)."""
        return self._auth is not None

    @property
    def is_closed(self) -> bool:
        """Whether the client (or the client this view came from) has been closed."""
        return self._shared.closed or self._shared.http.is_closed

    def with_options(
        self,
        *,
        access_token: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        max_retries: int | None = None,
        max_retry_after: float | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> ParticleClient:
        """Return a view of this client with other options, sharing its connection pool.

        The view lives as long as this client: closing the view does nothing, closing this
        client closes the view too. Options left at `None` keep this client's values.
        """
        view = object.__new__(type(self))
        view._allow_insecure_http = self._allow_insecure_http
        view._configure(
            access_token=access_token if access_token is not None else self._token,
            base_url=base_url if base_url is not None else self._base_url,
            timeout=timeout if timeout is not None else self._timeout,
            connect_timeout=(
                connect_timeout if connect_timeout is not None else self._connect_timeout
            ),
            max_retries=max_retries if max_retries is not None else self._max_retries,
            max_retry_after=(
                max_retry_after if max_retry_after is not None else self._max_retry_after
            ),
            client_id=client_id if client_id is not None else self._client_id,
            client_secret=client_secret if client_secret is not None else self._client_secret,
            default_headers=(
                {**self._default_headers, **default_headers}
                if default_headers is not None
                else self._default_headers
            ),
        )
        view._shared = self._shared
        view._is_view = True
        return view

    @property
    def _token(self) -> str | None:
        return self._auth.token if self._auth is not None else None

    def _secrets(self, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Values scrubbed from every message (long enough not to mangle ordinary text), plus
        a call's own `extra` secrets (a password)."""
        candidates = (self._token, self._client_secret)
        found = tuple(s for s in candidates if s and len(s) >= 8 and s not in _PUBLIC_SECRETS)
        return found + tuple(s for s in extra if s and len(s) >= 4)

    def __repr__(self) -> str:
        token = "'***'" if self._auth is not None else "None"
        return (
            f"{type(self).__name__}(base_url={self._base_url!r}, access_token={token}, "
            f"timeout={self._timeout}, max_retries={self._max_retries}"
            f"{', closed' if self.is_closed else ''})"
        )

    # ------------------------------------------------------------------ resources

    @cached_property
    def devices(self) -> Devices:
        """Devices: list, inspect, rename, signal, variables, functions, product fleet ops."""
        from .resources.devices import Devices

        return Devices(self)

    @cached_property
    def events(self) -> Events:
        """Events: stream them (reconnecting, typed) and publish them."""
        from .resources.events import Events

        return Events(self)

    @cached_property
    def products(self) -> Products:
        """Products, with nested `firmware`, `team`, `config` and `locations` sub-clients."""
        from .resources.products import Products

        return Products(self)

    @cached_property
    def customers(self) -> Customers:
        """Product customers: create."""
        from .resources.customers import Customers

        return Customers(self)

    @cached_property
    def sims(self) -> Sims:
        """SIM cards: list, data usage, check, activate, deactivate, reactivate, remove."""
        from .resources.sims import Sims

        return Sims(self)

    @cached_property
    def builds(self) -> Builds:
        """The cloud compiler: build targets, compile, download binaries, flash."""
        from .resources.builds import Builds

        return Builds(self)

    @cached_property
    def libraries(self) -> Libraries:
        """Firmware libraries: list, get, versions, upload, publish, delete, download."""
        from .resources.libraries import Libraries

        return Libraries(self)

    @cached_property
    def serial_numbers(self) -> SerialNumbers:
        """Serial-number lookups."""
        from .resources.serial_numbers import SerialNumbers

        return SerialNumbers(self)

    @cached_property
    def device_os(self) -> DeviceOs:
        """Device OS versions: list, get."""
        from .resources.device_os import DeviceOs

        return DeviceOs(self)

    # ------------------------------------------------------------------ lifecycle

    async def aclose(self) -> None:
        """Close the client and its connection pool (an injected `http_client` stays open).

        Idempotent. On a view made by `with_options` this does nothing.
        """
        if self._is_view or self._shared.closed:
            return
        self._shared.closed = True
        for stream in list(self._shared.streams):
            await stream._close_from_client()
        if self._shared.owns_http:
            await self._shared.http.aclose()

    async def __aenter__(self) -> Self:
        if self.is_closed:
            raise ClientClosedError("this ParticleClient has been closed")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ requests

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue | None] | None = ...,
        json: JSONValue = ...,
        data: Mapping[str, str] | None = ...,
        files: Mapping[str, FileInput] | None = ...,
        headers: Mapping[str, str] | None = ...,
        model: type[M],
        idempotent: bool | None = ...,
    ) -> M: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue | None] | None = ...,
        json: JSONValue = ...,
        data: Mapping[str, str] | None = ...,
        files: Mapping[str, FileInput] | None = ...,
        headers: Mapping[str, str] | None = ...,
        model: None = ...,
        idempotent: bool | None = ...,
    ) -> Any: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue | None] | None = None,
        json: JSONValue = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, FileInput] | None = None,
        headers: Mapping[str, str] | None = None,
        model: type[M] | None = None,
        idempotent: bool | None = None,
    ) -> M | Any:
        """Call any endpoint of the API, with this client's auth, retries and error mapping.

        The escape hatch for endpoints aioparticle does not wrap yet:
        `await client.request("GET", "/v1/user")`. `path` is relative to `base_url`; query
        values go in `params` (`None` values are dropped, booleans become `true`/`false`,
        sequences are comma-joined). Send a body with `json`, or `data` (a form) and/or
        `files` (multipart: part name to bytes, a path or a binary file object; `data` then
        becomes text parts). Returns the parsed JSON (`None` for HEAD and empty bodies), or an
        instance of `model`. `idempotent` overrides the method's default for retries (GET,
        HEAD, PUT and DELETE are retried on transient failures; POST and PATCH only if nothing
        was sent).
        """
        if not isinstance(method, str) or not method.isalpha():
            raise InvalidArgumentError("method must be an HTTP method name such as 'GET'")
        method = method.upper()
        checked = validate_request_path(path)
        if json is not None and (data is not None or files is not None):
            raise InvalidArgumentError("pass json= or data=/files=, not both")
        parts = None
        if files is not None:
            if not isinstance(files, Mapping):
                raise InvalidArgumentError("files= must map part names to file contents")
            parts = [
                file_part(name, value, default_filename=name, what=f"files[{name!r}]")
                for name, value in files.items()
            ]
        parse: Callable[[bytes], Any] = parse_json if model is None else parse_model(model)
        if method == "HEAD":
            parse = _none
        return await self._request(
            method,
            checked,
            parse=parse,
            params=params,
            json=json,
            data=data,
            parts=parts,
            headers=headers,
            idempotent=idempotent,
        )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        parse: Callable[[bytes], T],
        params: Mapping[str, QueryValue | None] | None = None,
        json: JSONValue = None,
        data: Mapping[str, str] | None = None,
        parts: Sequence[UploadPart] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        authenticated: bool = True,
        secrets: tuple[str, ...] = (),
    ) -> T:
        """The one request path: send with retries, map errors, parse the body with `parse`.

        `secrets` (a password, say) are scrubbed from error messages like the token is.
        """
        shared = self._shared
        if shared.closed or shared.http.is_closed:
            raise ClientClosedError("this ParticleClient has been closed")
        auth = self._auth
        if authenticated and auth is None:
            raise MissingAccessTokenError(
                "no access token: pass ParticleClient(access_token=...) or set "
                "PARTICLE_ACCESS_TOKEN"
            )
        if idempotent is None:
            idempotent = _retry.is_idempotent_method(method)
        opened: list[IO[bytes]] = []
        try:
            upload = None
            if parts is not None:
                upload, replayable = open_parts(parts, opened)
                if not replayable:
                    idempotent = False
            return await self._send_with_retries(
                method,
                path,
                parse=parse,
                params=_encode_params(params),
                json=json,
                data=data,
                files=upload,
                headers={**self._headers, **headers} if headers else self._headers,
                idempotent=idempotent,
                auth=auth if authenticated else None,
                secrets=secrets,
            )
        finally:
            for handle in opened:
                handle.close()

    async def _send_with_retries(
        self,
        method: str,
        path: str,
        *,
        parse: Callable[[bytes], T],
        params: dict[str, str] | None,
        json: JSONValue,
        data: Mapping[str, str] | None,
        files: Any,
        headers: Mapping[str, str],
        idempotent: bool,
        auth: httpx.Auth | None,
        secrets: tuple[str, ...] = (),
    ) -> T:
        http = self._shared.http
        limiter = self._shared.limiter
        url = self._base_url + path
        attempt = 0
        while True:
            request = http.build_request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                files=files,
                headers=headers,
                timeout=self._httpx_timeout,
            )
            failure: APIError
            retryable: bool
            retry_after: float | None = None
            if not _try_acquire(limiter):
                await limiter.acquire()
            try:
                # a plain deadline scope: cheaper per call than anyio.fail_after
                with anyio.CancelScope(deadline=anyio.current_time() + self._timeout) as scope:
                    response = await http.send(request, auth=auth, follow_redirects=False)
                if scope.cancelled_caught:
                    raise TimeoutError
            except TimeoutError:
                failure = self._timed_out(method, path, request)
                retryable = idempotent
            except httpx.TransportError as exc:
                failure = _transport_error(exc, method, path, request, self._secrets(secrets))
                retryable = idempotent or isinstance(exc, _NOT_SENT)
            except RuntimeError as exc:
                if http.is_closed:
                    raise ClientClosedError("the underlying httpx.AsyncClient is closed") from exc
                raise
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return self._parse(response, parse, method, path, secrets)
                failure, retry_after = self._status_failure(response, method, path, secrets)
                retryable = _retry.should_retry_status(status, idempotent=idempotent)
            finally:
                limiter.release()
            await self._before_retry(failure, retryable, retry_after, attempt, method, path)
            attempt += 1

    def _timed_out(self, method: str, path: str, request: httpx.Request) -> APITimeoutError:
        return APITimeoutError(
            f"request timed out after {self._timeout:g}s [{method} {path}]",
            method=method,
            path=path,
            request=request,
        )

    def _status_failure(
        self, response: httpx.Response, method: str, path: str, secrets: tuple[str, ...] = ()
    ) -> tuple[APIError, float | None]:
        """The typed error of a non-2xx response whose body was read, and its Retry-After."""
        retry_after = _retry.parse_retry_after(response.headers.get("retry-after"))
        failure = make_status_error(
            response,
            method=method,
            path=path,
            retry_after=retry_after,
            secrets=self._secrets(secrets),
        )
        return failure, retry_after

    async def _before_retry(
        self,
        failure: APIError,
        retryable: bool,
        retry_after: float | None,
        attempt: int,
        method: str,
        path: str,
    ) -> None:
        """Raise `failure` unless another attempt is due; otherwise wait the backoff delay."""
        if not retryable or attempt >= self._max_retries:
            raise failure
        delay = _retry.retry_delay(attempt, retry_after, max_retry_after=self._max_retry_after)
        if delay is None:  # the server asked for a longer wait than we honour
            raise failure
        logger.debug(
            "retrying %s %s in %.2fs (retry %d of %d) after: %s",
            method,
            path,
            delay,
            attempt + 1,
            self._max_retries,
            failure.message,
        )
        await _retry.sleep(delay)

    async def _download(
        self,
        method: str,
        source: str,
        *,
        to: StrPath | None,
        progress: ProgressCallback | None,
    ) -> bytes | Path:
        """Stream a binary answer into memory, or into a temporary file renamed to `to`.

        `source` is a path on the API origin or an absolute URL; the token is only sent to the
        API origin. The body is never JSON-decoded; a failed or cancelled download leaves no
        file behind.
        """
        shared = self._shared
        if shared.closed or shared.http.is_closed:
            raise ClientClosedError("this ParticleClient has been closed")
        url, shown, on_origin = self._download_url(source)
        auth = self._auth if on_origin else None
        if on_origin and auth is None:
            raise MissingAccessTokenError(
                "no access token: pass ParticleClient(access_token=...) or set "
                "PARTICLE_ACCESS_TOKEN"
            )
        sink = DownloadSink(to, progress)
        try:
            await self._stream_with_retries(
                method, url, shown, sink, auth=auth, follow_redirects=not on_origin
            )
            return sink.finish()
        except BaseException:
            sink.discard()
            raise

    def _download_url(self, source: str) -> tuple[str, str, bool]:
        """(URL, how errors show it, whether it is on the API origin) for a download source."""
        text = check_text(source, "download URL", max_length=4096)
        if text.startswith("/") and not text.startswith("//"):
            path = validate_request_path(text)
            return self._base_url + path, path, True
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
        base = httpx.URL(self._base_url)
        on_origin = (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)
        if (
            url.scheme == "http"
            and not on_origin
            and not self._allow_insecure_http
            and not _is_loopback(url.host)
        ):
            raise InvalidArgumentError(
                "refusing a plain http:// download from another host; pass "
                "allow_insecure_http=True to the client to allow it"
            )
        shown = f"{url.scheme}://{url.netloc.decode('ascii')}{url.path}"
        return str(url), (url.path if on_origin else shown), on_origin

    async def _stream_with_retries(
        self,
        method: str,
        url: str,
        path: str,
        sink: DownloadSink,
        *,
        auth: httpx.Auth | None,
        follow_redirects: bool,
    ) -> None:
        http = self._shared.http
        limiter = self._shared.limiter
        headers = {**self._headers, "Accept": "*/*"}
        attempt = 0
        while True:
            request = http.build_request(method, url, headers=headers, timeout=self._httpx_timeout)
            failure: APIError
            retry_after: float | None = None
            if not _try_acquire(limiter):
                await limiter.acquire()
            try:
                with anyio.CancelScope(deadline=anyio.current_time() + self._timeout) as scope:
                    response = await http.send(
                        request, auth=auth, follow_redirects=follow_redirects, stream=True
                    )
                if scope.cancelled_caught:
                    raise TimeoutError
                try:
                    status = response.status_code
                    if 200 <= status < 300:
                        # each chunk read is bounded by the read timeout, not the whole body
                        # a compressed body's length says nothing of the bytes we hand out
                        length = response.headers.get("content-length", "")
                        encoded = response.headers.get("content-encoding", "identity")
                        known = length.isdigit() and encoded.lower() == "identity"
                        sink.start(int(length) if known else None)
                        async for chunk in response.aiter_bytes(_CHUNK_SIZE):
                            sink.write(chunk)
                        return
                    with anyio.fail_after(self._timeout):
                        await response.aread()
                finally:
                    with anyio.CancelScope(shield=True):
                        await response.aclose()
                failure, retry_after = self._status_failure(response, method, path)
                retryable = _retry.should_retry_status(status, idempotent=True)
            except TimeoutError:
                failure = self._timed_out(method, path, request)
                retryable = True
            except httpx.TransportError as exc:
                failure = _transport_error(exc, method, path, request, self._secrets())
                retryable = True
            except RuntimeError as exc:
                if http.is_closed:
                    raise ClientClosedError("the underlying httpx.AsyncClient is closed") from exc
                raise
            finally:
                limiter.release()
            await self._before_retry(failure, retryable, retry_after, attempt, method, path)
            attempt += 1

    def _parse(
        self,
        response: httpx.Response,
        parse: Callable[[bytes], T],
        method: str,
        path: str,
        secrets: tuple[str, ...] = (),
    ) -> T:
        if parse is parse_status:
            return response.status_code  # type: ignore[return-value]
        content = response.content
        try:
            return parse(content)
        except NotOkError as exc:
            raise APIError(
                scrub(
                    f"the cloud did not confirm the operation: {exc} [{method} {path}]",
                    self._secrets(secrets),
                ),
                method=method,
                path=path,
                request=response.request,
            ) from None
        except (ValidationError, ValueError) as exc:
            body: object = content.decode("utf-8", errors="replace")
            raise APIResponseValidationError(
                scrub(
                    f"unexpected response body for {method} {path}: {_short_reason(exc)}",
                    self._secrets(secrets),
                ),
                response=response,
                body=body,
                method=method,
                path=path,
            ) from exc


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


def _none(content: bytes) -> None:
    return None


def _short_reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False, include_input=False)[:1]
        if first:
            loc = ".".join(str(p) for p in first[0]["loc"]) or "body"
            return f"{loc}: {first[0]['msg']} ({exc.error_count()} error(s))"
    return str(exc)[:200]


def _transport_error(
    exc: httpx.TransportError,
    method: str,
    path: str,
    request: httpx.Request,
    secrets: tuple[str, ...],
) -> APIConnectionError:
    cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    detail = scrub(str(exc) or type(exc).__name__, secrets)
    kind = "timed out" if cls is APITimeoutError else "connection failed"
    error = cls(f"{kind}: {detail} [{method} {path}]", method=method, path=path, request=request)
    error.__cause__ = exc
    return error
