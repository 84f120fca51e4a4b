"""`ParticleClient`: configuration, views, sub-clients and lifecycle; requests go to `_core`."""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import httpx
from pydantic import BaseModel

from . import _retry
from ._auth import ClientCredentials, PasswordLogin, TokenProvider, TokenSource, provider_repr
from ._budget import RateLimit, RequestBudget
from ._core import (
    DEFAULT_MAX_RESPONSE_BYTES,
    Core,
    RequestOptions,
    Shared,
    SubClient,
    spell_out_options,
)
from ._exceptions import ClientClosedError, InvalidArgumentError
from ._files import file_part
from ._pagination import DEFAULT_MAX_PAGES
from ._parsing import parse_json, parse_model
from ._paths import validate_request_path
from .resources.auth import Auth
from .resources.builds import Builds
from .resources.customers import Customers
from .resources.device_os import DeviceOs
from .resources.devices import Devices
from .resources.diagnostics import Diagnostics
from .resources.env_vars import EnvVars
from .resources.events import Events
from .resources.fleet import Fleet
from .resources.integrations import Integrations
from .resources.ledgers import Ledgers
from .resources.libraries import Libraries
from .resources.logic import Logic
from .resources.oauth_clients import OAuthClients
from .resources.orgs import Orgs
from .resources.products import Products
from .resources.secrets import Secrets
from .resources.serial_numbers import SerialNumbers
from .resources.service_agreements import ServiceAgreements
from .resources.sims import Sims
from .resources.users import Users
from .resources.webhooks import Webhooks

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from .types import FileInput, ProgressCallback

__all__ = [
    "API_URL",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ParticleClient",
]

API_URL = "https://api.particle.io"
DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=100, keepalive_expiry=5.0
)

#: The values of `ParticleClient(transport=...)`.
TRANSPORTS = ("httpx", "aiohttp")

M = TypeVar("M", bound=BaseModel)

_tls_lock = threading.Lock()
_tls_context: ssl.SSLContext | None = None


def default_tls_context() -> ssl.SSLContext:
    """The TLS context of every connection pool aioparticle creates: certificate verification
    against the store httpx uses by default (certifi, or `SSL_CERT_FILE` / `SSL_CERT_DIR` as
    set when it is first made), built once per process instead of once per client, since
    loading a certificate store takes tens of milliseconds."""
    global _tls_context
    if _tls_context is None:
        with _tls_lock:
            if _tls_context is None:
                _tls_context = httpx.create_ssl_context()
    return _tls_context


def _aiohttp_client(limits: httpx.Limits, timeout: httpx.Timeout) -> httpx.AsyncClient:
    """The pool of `transport="aiohttp"`, or a clear error when aiohttp is missing."""
    try:
        from ._aiohttp import AiohttpClient, AiohttpTransport
    except ImportError as exc:
        raise InvalidArgumentError(
            'transport="aiohttp" needs the aiohttp package: pip install "aioparticle[aiohttp]"'
        ) from exc
    transport = AiohttpTransport(limits=limits, tls=default_tls_context())
    return AiohttpClient(transport, timeout=timeout)


class ParticleClient:
    """Asynchronous client for the Particle Cloud API.

    One client holds one connection pool; share it across your application and close it with
    `await client.aclose()` or `async with ParticleClient() as client: ...`.

    Args:
        access_token: Particle access token. Defaults to `PARTICLE_ACCESS_TOKEN`. It is sent only
            in the `Authorization: Bearer` header and never appears in a URL, `repr` or error.
        auth: a token provider instead of a fixed token: `ClientCredentials(client_id,
            client_secret)`, `PasswordLogin(username, password)`, or an async callable returning
            a token (a `str` or an `AccessToken`). The first call obtains a token; it is renewed
            before it expires and, once, when the server refuses it, one renewal shared by every
            call in flight. Event streams reconnect with it too.
        base_url: API origin. Defaults to `PARTICLE_API_URL`, else `https://api.particle.io`.
            Plain `http://` is refused for non-loopback hosts unless `allow_insecure_http=True`.
        timeout: deadline in seconds for one attempt of a call, from the first byte sent to the
            last byte received; a server that trickles bytes cannot hold a call longer.
        connect_timeout: seconds allowed to open a connection.
        max_retries: retries after the first attempt (see the README for what is retried).
        max_retry_after: longest rate-limit wait (seconds) a call accepts: a longer `Retry-After`
            raises `RateLimitError` at once with `.retry_after` set, and a call the client's own
            rate limit would hold back longer raises `ClientRateLimitError` without being sent.
        rate_limit: the request budget every call of this client and its views shares. `True`
            (the default): a `RateLimit()` of its own, Particle's 10,000 requests per 5
            minutes per IP, smoothed; `RateLimit(requests, per)` for another figure; a shared
            budget such as `aioparticle.ratelimit_redis.RedisRateLimit` for several clients or
            processes behind one IP; `None` or `False`: no client-side limit. Calls over the
            budget wait (before their deadline starts); a 429 from the cloud holds every call.
        http_client: an `httpx.AsyncClient` to use as is. It is never closed by aioparticle.
        transport: what carries the requests of the pool aioparticle creates: `"httpx"` (the
            default: httpx's own connection pool, on asyncio and trio) or `"aiohttp"` (an
            aiohttp connector under httpx, several times faster with many calls in flight;
            `pip install "aioparticle[aiohttp]"`). Retries, deadlines, errors, streams and
            downloads behave the same on both. `"aiohttp"` runs on asyncio only: under trio
            the first call raises `EventLoopError` before sending anything (there is no
            silent fallback). It ignores proxy environment variables. (httpx-aiohttp's
            `HttpxAiohttpClient` also works, as `http_client=`, on asyncio.)
        limits: connection-pool limits of the `httpx.AsyncClient` aioparticle creates (with
            `transport="aiohttp"`: `max_connections` bounds the aiohttp connector and
            `keepalive_expiry` its idle connections).
        max_concurrency: most requests in flight at once; further calls wait their turn before
            their deadline starts. Defaults to the pool's connection limit (100).
        client_id, client_secret: the OAuth client used by the token endpoints.
        default_headers: extra headers on every request (e.g. `X-Particle-Tool`).
        allow_insecure_http: permit `http://` to a non-loopback host.
        max_pages: most pages one walk of a listing fetches (1000); past it, `PageLimitError`.
        max_response_bytes: largest response body read, once decoded (8 MiB); a larger answer
            raises `ResponseTooLargeError`, a larger error page is cut. Downloads stream and
            have no such limit.
    """

    #: Access tokens: log in (password, MFA, client credentials), inspect and revoke tokens.
    auth = SubClient(Auth)
    #: Devices: list, inspect, rename, signal, variables, functions, product fleet operations.
    devices = SubClient(Devices)
    #: Device vitals: refresh (and wait for the report), last report, history, CSV export.
    diagnostics = SubClient(Diagnostics)
    #: Events: stream them (reconnecting, typed) and publish them.
    events = SubClient(Events)
    #: Fleet operations: one operation over many devices (a list or a product), bounded
    #: concurrency, each device's result as it completes.
    fleet = SubClient(Fleet)
    #: Products, with nested `firmware`, `team`, `config` and `locations` sub-clients.
    products = SubClient(Products)
    #: Product customers: create, list, delete, set a password, mint a customer's token.
    customers = SubClient(Customers)
    #: SIM cards: list, data usage, check, activate, deactivate, reactivate, remove.
    sims = SubClient(Sims)
    #: The cloud compiler: build targets, compile, download binaries, flash.
    builds = SubClient(Builds)
    #: Firmware libraries: list, get, versions, upload, publish, delete, download.
    libraries = SubClient(Libraries)
    #: Serial-number lookups.
    serial_numbers = SubClient(SerialNumbers)
    #: Device OS versions: list, get.
    device_os = SubClient(DeviceOs)
    #: OAuth clients of the account or a product: list, create, update, delete.
    oauth_clients = SubClient(OAuthClients)
    #: Organizations: list, get, their products; a nested `team` sub-client.
    orgs = SubClient(Orgs)
    #: The token's account: profile, username, password, MFA, deletion; sign-up and verify.
    users = SubClient(Users)
    #: Logic: execute code once; nested `functions` (saved, with triggers) and `runs`.
    logic = SubClient(Logic)
    #: Environment variables of the sandbox, an organization, a product or a device; rollouts.
    env_vars = SubClient(EnvVars)
    #: Ledgers of the sandbox or an organization, with a nested `instances` sub-client.
    ledgers = SubClient(Ledgers)
    #: Webhooks of the account or a product: list, create, delete.
    webhooks = SubClient(Webhooks)
    #: Integrations of the account, a product or an organization: list, create, update, delete.
    integrations = SubClient(Integrations)
    #: Service agreements of the user or an organization: list, notifications; nested
    #: `usage_reports` (create, get, wait, download).
    service_agreements = SubClient(ServiceAgreements)
    #: Cloud secrets of the sandbox or an organization: list, get, set, delete.
    secrets = SubClient(Secrets)

    def __init__(
        self,
        access_token: str | None = None,
        *,
        auth: ClientCredentials | PasswordLogin | TokenProvider | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_after: float = _retry.DEFAULT_MAX_RETRY_AFTER,
        http_client: httpx.AsyncClient | None = None,
        transport: Literal["httpx", "aiohttp"] = "httpx",
        limits: httpx.Limits | None = None,
        max_concurrency: int | None = None,
        client_id: str = "particle-api",
        client_secret: str = "particle-api",  # noqa: S107 - Particle's public default client
        default_headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        rate_limit: RequestBudget | bool | None = True,
    ) -> None:
        if access_token is None and auth is None:
            access_token = os.environ.get("PARTICLE_ACCESS_TOKEN") or None
        if base_url is None:
            base_url = os.environ.get("PARTICLE_API_URL") or API_URL
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise InvalidArgumentError("http_client must be an httpx.AsyncClient")
        if transport not in TRANSPORTS:
            raise InvalidArgumentError(
                f"transport must be one of {', '.join(map(repr, TRANSPORTS))}, got {transport!r}"
            )
        if transport != "httpx" and http_client is not None:
            raise InvalidArgumentError(
                "transport= chooses the pool aioparticle creates; pass transport= or "
                "http_client=, not both"
            )
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
        budget = _request_budget(rate_limit)
        core = Core(
            access_token=access_token,
            tokens=TokenSource(auth) if auth is not None else None,
            base_url=base_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            max_retry_after=max_retry_after,
            client_id=client_id,
            client_secret=client_secret,
            default_headers=default_headers or {},
            allow_insecure_http=allow_insecure_http,
            max_pages=max_pages,
            max_response_bytes=max_response_bytes,
        )
        # the configuration was checked before a pool exists: a bad option leaks nothing
        owns_http = http_client is None
        if http_client is None and transport == "aiohttp":
            http_client = _aiohttp_client(limits, core.httpx_timeout)
        elif http_client is None:
            http_client = httpx.AsyncClient(
                limits=limits,
                timeout=core.httpx_timeout,
                follow_redirects=False,
                verify=default_tls_context(),
            )
        core.shared = Shared(
            http_client, owns_http=owns_http, max_concurrency=max_concurrency, budget=budget
        )
        self._core = core
        self._is_view = False

    # ------------------------------------------------------------------ configuration

    @property
    def base_url(self) -> str:
        """The API origin requests go to."""
        return self._core.base_url

    @property
    def timeout(self) -> float:
        """Per-attempt deadline in seconds."""
        return self._core.timeout

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt."""
        return self._core.max_retries

    @property
    def rate_limit(self) -> RequestBudget | None:
        """The request budget shared by this client and its views (`None`: no limit)."""
        return self._core.shared.budget

    @property
    def has_access_token(self) -> bool:
        """Whether an access token or a token provider is configured (a token itself is never
        exposed)."""
        return self._core.auth is not None or self._core.tokens is not None

    @property
    def is_closed(self) -> bool:
        """Whether the client (or the client this view came from) has been closed."""
        return self._core.shared.is_closed

    def with_options(
        self,
        *,
        access_token: str | None = None,
        auth: ClientCredentials | PasswordLogin | TokenProvider | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        max_retries: int | None = None,
        max_retry_after: float | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        default_headers: Mapping[str, str] | None = None,
        max_pages: int | None = None,
        max_response_bytes: int | None = None,
    ) -> ParticleClient:
        """Return a view of this client with other options, sharing its connection pool.

        The view lives as long as this client: closing the view does nothing, closing this
        client closes the view too. Options left at `None` keep this client's values; a view
        keeps its client's token provider (and shares its tokens) unless given `access_token`
        or another `auth`.
        """
        core = self._core
        if access_token is not None and auth is not None:
            raise InvalidArgumentError("pass access_token= or auth=, not both")
        tokens = core.tokens
        if access_token is not None:
            tokens = None
        elif auth is not None:
            tokens = TokenSource(auth)
        view_core = Core(
            access_token=(
                access_token
                if access_token is not None
                else (core.auth.token if core.auth is not None and auth is None else None)
            ),
            tokens=tokens,
            base_url=base_url if base_url is not None else core.base_url,
            timeout=timeout if timeout is not None else core.timeout,
            connect_timeout=(
                connect_timeout if connect_timeout is not None else core.connect_timeout
            ),
            max_retries=max_retries if max_retries is not None else core.max_retries,
            max_retry_after=(
                max_retry_after if max_retry_after is not None else core.max_retry_after
            ),
            client_id=client_id if client_id is not None else core.client_id,
            client_secret=client_secret if client_secret is not None else core.client_secret,
            default_headers=(
                {**core.default_headers, **default_headers}
                if default_headers is not None
                else core.default_headers
            ),
            allow_insecure_http=core.allow_insecure_http,
            max_pages=max_pages if max_pages is not None else core.max_pages,
            max_response_bytes=(
                max_response_bytes if max_response_bytes is not None else core.max_response_bytes
            ),
        )
        view_core.shared = core.shared
        view = object.__new__(type(self))
        view._core = view_core
        view._is_view = True
        return view

    def __repr__(self) -> str:
        core = self._core
        token = "'***'" if core.auth is not None else "None"
        provider = (
            f", auth={provider_repr(core.tokens.provider)}" if core.tokens is not None else ""
        )
        return (
            f"{type(self).__name__}(base_url={core.base_url!r}, access_token={token}{provider}, "
            f"timeout={core.timeout}, max_retries={core.max_retries}"
            f"{', closed' if self.is_closed else ''})"
        )

    # ------------------------------------------------------------------ lifecycle

    async def aclose(self) -> None:
        """Close the client and its connection pool (an injected `http_client` stays open).

        Ends every event stream opened through it. Idempotent. On a view made by
        `with_options` this does nothing.
        """
        if not self._is_view:
            await self._core.shared.aclose()

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
        files: Mapping[str, FileInput] | None = ...,
        progress: ProgressCallback | None = ...,
        model: type[M],
        **options: Unpack[RequestOptions],
    ) -> M: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        files: Mapping[str, FileInput] | None = ...,
        progress: ProgressCallback | None = ...,
        model: None = ...,
        **options: Unpack[RequestOptions],
    ) -> Any: ...

    @spell_out_options
    async def request(
        self,
        method: str,
        path: str,
        *,
        files: Mapping[str, FileInput] | None = None,
        progress: ProgressCallback | None = None,
        model: type[M] | None = None,
        **options: Unpack[RequestOptions],
    ) -> M | Any:
        """Call any endpoint of the API, with this client's auth, retries and error mapping.

        The escape hatch for endpoints aioparticle does not wrap yet:
        `await client.request("GET", "/v1/user")`. It is the very path every sub-client uses.
        `path` is relative to `base_url`; query values go in `params` (`None` values are
        dropped, booleans become `true`/`false`, sequences are comma-joined). Send a body with
        `json`, or `data` (a form) and/or `files` (multipart: part name to bytes, a path or a
        binary file object; `data` then becomes text parts; `progress(sent, total)` follows
        their upload); `headers` adds headers. Returns
        the parsed JSON (`None` for HEAD and empty bodies), or an instance of `model`.
        `idempotent` overrides the method's default for retries (GET, HEAD, PUT and DELETE
        are retried on transient failures; POST and PATCH only if nothing was sent).
        """
        if not isinstance(method, str) or not method.isalpha():
            raise InvalidArgumentError("method must be an HTTP method name such as 'GET'")
        method = method.upper()
        checked = validate_request_path(path)
        unknown = set(options) - RequestOptions.__annotations__.keys()
        if unknown:
            raise TypeError(f"request() got unexpected keyword arguments: {sorted(unknown)}")
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
        return await self._core.request(
            method, checked, parse, parts=parts, progress=progress, **options
        )


def _none(content: bytes) -> None:
    return None


def _request_budget(rate_limit: RequestBudget | bool | None) -> RequestBudget | None:
    """The budget `rate_limit=` asks for: Particle's figure, none, or the one given."""
    if rate_limit is True:
        return RateLimit()
    if rate_limit is None or rate_limit is False:
        return None
    if isinstance(rate_limit, type) or not isinstance(rate_limit, RequestBudget):
        raise InvalidArgumentError(
            "rate_limit must be True (Particle's figure), None or False (off), or a request "
            "budget instance such as RateLimit(requests=..., per=...) or RedisRateLimit(...), "
            f"got {rate_limit!r}"
        )
    return rate_limit
