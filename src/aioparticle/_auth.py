"""Authentication: the bearer token, token providers, and the token endpoint's forms.

A client authenticates with a fixed access token (`BearerAuth`) or with a token *provider*
(`ClientCredentials`, `PasswordLogin`, or any async callable returning a token). A provider is
driven by a `TokenSource`: it obtains the first token on first use, renews it shortly before it
expires and when the server says it is no longer valid, and runs one renewal at a time however
many calls are waiting for it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING

import anyio
import httpx

from ._callbacks import checked_callback
from ._exceptions import AuthenticationError, InvalidArgumentError, MfaRequiredError
from ._parsing import parse_model
from .models.auth import AccessToken

if TYPE_CHECKING:
    from ._core import Core

__all__ = [
    "DEFAULT_EXPIRES_IN",
    "MAX_SECRET_LENGTH",
    "TOKEN_PATH",
    "BearerAuth",
    "ClientCredentials",
    "OtpSource",
    "PasswordLogin",
    "TokenProvider",
    "TokenSource",
    "check_token",
    "client_credentials_form",
    "otp_form",
    "password_form",
    "token_rejected",
]

#: The OAuth token endpoint (no `/v1`).
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path, not a secret
#: Lifetime asked for by a password login unless told otherwise: 90 days, as Particle's tools.
DEFAULT_EXPIRES_IN = 7_776_000
#: Longest password, client secret, MFA token or one-time code accepted.
MAX_SECRET_LENGTH = 1024

#: What a token provider may be: an async callable returning a token or an `AccessToken`
#: (whose `expires_in`, when given, lets the client renew it before it expires).
TokenProvider = Callable[[], Awaitable[str | AccessToken]]
#: Where a `PasswordLogin` gets the one-time code of an MFA account: a callable returning it,
#: or an awaitable of it.
OtpSource = Callable[[], str | Awaitable[str]]

_parse_token = parse_model(AccessToken)


def _now() -> float:
    """The clock token lifetimes are measured on (a seam the tests replace)."""
    return anyio.current_time()


def check_token(token: object) -> str:
    """Check that an access token can be sent as a header value; never echo it."""
    if not isinstance(token, str):
        raise InvalidArgumentError(f"access_token must be a str, got {type(token).__name__}")
    if not token or token != token.strip() or any(ord(c) < 0x21 or ord(c) > 0x7E for c in token):
        raise InvalidArgumentError("access_token must be non-empty printable ASCII without spaces")
    return token


def _secret(value: object, what: str) -> str:
    """A credential for a form: a non-empty str without control characters; never echoed."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a str, got {type(value).__name__}")
    if not value:
        raise InvalidArgumentError(f"{what} must not be empty")
    if len(value) > MAX_SECRET_LENGTH:
        raise InvalidArgumentError(f"{what} is longer than {MAX_SECRET_LENGTH} characters")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise InvalidArgumentError(f"{what} must not contain control characters")
    return value


def _username(value: object) -> str:
    name = _secret(value, "username")
    if len(name) > 254 or name != name.strip():
        raise InvalidArgumentError(
            "username must be an e-mail address of at most 254 characters, without surrounding "
            "spaces"
        )
    return name


def _expires_in(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgumentError(
            f"expires_in must be an int >= 0 (seconds; 0: never expires), got {value!r}"
        )
    return str(value)


def password_form(username: str, password: str, expires_in: int | None) -> dict[str, str]:
    """The form of a password login (the OAuth client pair is added by the core)."""
    form = {
        "username": _username(username),
        "password": _secret(password, "password"),
        "grant_type": "password",
    }
    if expires_in is not None:
        form["expires_in"] = _expires_in(expires_in)
    return form


def otp_form(mfa_token: str, otp: str) -> dict[str, str]:
    """The form of the second step of an MFA login."""
    code = _secret(otp, "otp")
    if not code.isascii() or not code.isalnum():
        raise InvalidArgumentError("otp must be the one-time code: letters and digits only")
    return {
        "grant_type": "urn:custom:mfa-otp",
        "mfa_token": _secret(mfa_token, "mfa_token"),
        "otp": code,
    }


def client_credentials_form(
    client_id: str, client_secret: str, *, scope: str | None = None, expires_in: int | None = None
) -> dict[str, str]:
    """The form of a client-credentials grant with its own OAuth client pair."""
    form = {
        "grant_type": "client_credentials",
        "client_id": _secret(client_id, "client_id"),
        "client_secret": _secret(client_secret, "client_secret"),
    }
    if scope is not None:
        form["scope"] = _secret(scope, "scope")
    if expires_in is not None:
        form["expires_in"] = _expires_in(expires_in)
    return form


def token_rejected(error: BaseException) -> bool:
    """Whether `error` is a 401 saying the token sent is invalid or has expired (worth one
    renewal), as opposed to a missing token or a refusal of another kind."""
    if not isinstance(error, AuthenticationError):
        return False
    if error.error in ("invalid_token", "expired_token"):
        return True
    text = (error.error_description or "").lower()
    return "token" in text and ("expired" in text or "invalid" in text)


class BearerAuth(httpx.Auth):
    """Send the access token in the `Authorization: Bearer` header, and nowhere else."""

    requires_request_body = False
    requires_response_body = False

    __slots__ = ("_header",)

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {check_token(token)}"

    @property
    def token(self) -> str:
        return self._header[7:]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(token='***')"


class _LoginProvider:
    """A provider that logs in through the client's own token endpoint."""

    __slots__ = ()

    async def obtain(self, core: Core) -> AccessToken:
        raise NotImplementedError

    def secrets(self) -> tuple[str, ...]:
        """The values never to show (scrubbed from messages)."""
        return ()


class ClientCredentials(_LoginProvider):
    """Tokens from an OAuth client's credentials (the client-credentials grant): what a product
    backend runs on. The token acts as the client's owner (a product's client: the product).

    ```python
    client = ParticleClient(auth=ClientCredentials(client_id, client_secret))
    ```

    `scope` narrows the tokens (`"customer=jane@example.com"` mints a product customer's token
    from a product client); `expires_in` asks for a lifetime in seconds. The secret travels only
    in the token request's form body; it never appears in a URL, a `repr`, a log or an error.
    """

    __slots__ = ("_client_id", "_client_secret", "_expires_in", "_scope")

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        expires_in: int | None = None,
    ) -> None:
        client_credentials_form(client_id, client_secret, scope=scope, expires_in=expires_in)
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._expires_in = expires_in

    @property
    def client_id(self) -> str:
        return self._client_id

    async def obtain(self, core: Core) -> AccessToken:
        form = client_credentials_form(
            self._client_id, self._client_secret, scope=self._scope, expires_in=self._expires_in
        )
        return await core.request(
            "POST", TOKEN_PATH, _parse_token, data=form, auth="none", secrets=self.secrets()
        )

    def secrets(self) -> tuple[str, ...]:
        return (self._client_secret,)

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self._client_id!r}, client_secret='***')"


class PasswordLogin(_LoginProvider):
    """Tokens from an account's username and password (the password grant), through the
    client's OAuth client pair (`client_id`/`client_secret`).

    On an account with MFA, `otp` supplies the current one-time code (a callable returning it,
    sync or async); without it such a login raises `MfaRequiredError`. `expires_in` is the
    lifetime asked for (90 days by default). The password never appears in a URL, a `repr`, a
    log or an error.
    """

    __slots__ = ("_expires_in", "_otp", "_password", "_username")

    def __init__(
        self,
        username: str,
        password: str,
        *,
        otp: OtpSource | None = None,
        expires_in: int | None = DEFAULT_EXPIRES_IN,
    ) -> None:
        password_form(username, password, expires_in)
        if otp is not None:
            otp = checked_callback(
                otp, "otp", args=0, takes="no argument and returning the one-time code"
            )
        self._username = username
        self._password = password
        self._otp = otp
        self._expires_in = expires_in

    @property
    def username(self) -> str:
        return self._username

    async def obtain(self, core: Core) -> AccessToken:
        form = password_form(self._username, self._password, self._expires_in)
        try:
            return await core.request(
                "POST", TOKEN_PATH, _parse_token, data=form, auth="client", secrets=self.secrets()
            )
        except MfaRequiredError as needed:
            if self._otp is None:
                raise
            mfa_token = needed.mfa_token
        code = self._otp()
        if inspect.isawaitable(code):
            code = await code
        return await core.request(
            "POST",
            TOKEN_PATH,
            _parse_token,
            data=otp_form(mfa_token, code),
            auth="client",
            secrets=(mfa_token, code),
        )

    def secrets(self) -> tuple[str, ...]:
        return (self._password,)

    def __repr__(self) -> str:
        return f"PasswordLogin(username={self._username!r}, password='***')"


class _Flight:
    """One renewal in progress: the callers that find it wait for its outcome."""

    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.result: BearerAuth | None = None
        self.error: BaseException | None = None


#: Renew this long before the expiry the token endpoint announced, at most (a tenth of the
#: lifetime for short-lived tokens).
_RENEW_MARGIN = 60.0


class TokenSource:
    """The tokens of one provider, shared by a client and its views.

    `bearer()` gives the current token (obtaining one on first use, or when it is about to
    expire); `renew(stale)` replaces a token the server refused. Both run at most one request
    to the provider at a time: every caller waiting meanwhile gets that request's outcome.
    """

    __slots__ = ("_bearer", "_flight", "_provider", "_renew_at", "obtained")

    def __init__(self, provider: _LoginProvider | TokenProvider) -> None:
        if not isinstance(provider, _LoginProvider) and not callable(provider):
            raise InvalidArgumentError(
                "auth must be ClientCredentials(...), PasswordLogin(...) or an async callable "
                "returning an access token"
            )
        if not isinstance(provider, _LoginProvider):
            checked_callback(
                provider, "auth", args=0, takes="no argument and returning an access token"
            )
        self._provider = provider
        self._bearer: BearerAuth | None = None
        self._renew_at = float("inf")
        self._flight: _Flight | None = None
        #: how many tokens the provider has handed out
        self.obtained = 0

    @property
    def provider(self) -> _LoginProvider | TokenProvider:
        return self._provider

    @property
    def token(self) -> str | None:
        return self._bearer.token if self._bearer is not None else None

    def secrets(self) -> tuple[str, ...]:
        found = self._provider.secrets() if isinstance(self._provider, _LoginProvider) else ()
        return (*found, self.token or "")

    async def bearer(self, core: Core) -> BearerAuth:
        """The token to send now."""
        current = self._bearer
        if current is not None and _now() < self._renew_at:
            return current
        return await self._obtain(core, current)

    async def renew(self, core: Core, stale: BearerAuth) -> BearerAuth:
        """A token to replace `stale`, which the server refused: a new one, unless another
        caller already replaced it."""
        return await self._obtain(core, stale)

    async def _obtain(self, core: Core, stale: BearerAuth | None) -> BearerAuth:
        while True:
            current = self._bearer
            if current is not None and current is not stale:
                return current
            flight = self._flight
            if flight is None:
                return await self._lead(core)
            await flight.done.wait()
            if flight.result is not None:
                return flight.result
            if flight.error is not None:
                raise flight.error
            # the caller that led it was cancelled: the next one in line leads another

    async def _lead(self, core: Core) -> BearerAuth:
        flight = self._flight = _Flight()
        try:
            bearer, lifetime = await self._fetch(core)
        except anyio.get_cancelled_exc_class():
            raise
        except BaseException as exc:
            flight.error = exc
            raise
        else:
            self._bearer = flight.result = bearer
            self.obtained += 1
            self._renew_at = (
                _now() + lifetime - min(_RENEW_MARGIN, lifetime / 10) if lifetime else float("inf")
            )
            return bearer
        finally:
            self._flight = None
            flight.done.set()

    async def _fetch(self, core: Core) -> tuple[BearerAuth, float | None]:
        provider = self._provider
        if isinstance(provider, _LoginProvider):
            token: object = await provider.obtain(core)
        else:
            token = await provider()
        if isinstance(token, AccessToken):
            return BearerAuth(token.access_token), token.expires_in or None
        if isinstance(token, str):
            return BearerAuth(token), None
        raise InvalidArgumentError(
            f"the token provider returned {type(token).__name__}; it must return the access "
            "token (a str) or an AccessToken"
        )

    def __repr__(self) -> str:
        return f"TokenSource({provider_repr(self._provider)})"


def provider_repr(provider: object) -> str:
    """A token provider as a `repr` shows it: a login provider as itself, a function by its
    name (not `<function ... at 0x...>`)."""
    if isinstance(provider, _LoginProvider):
        return repr(provider)
    name = getattr(provider, "__qualname__", None) or type(provider).__qualname__
    return f"<token provider {name}>"
