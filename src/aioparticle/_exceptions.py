"""Exceptions raised by aioparticle.

```
ParticleError                          base of everything raised on purpose
├── InvalidArgumentError (ValueError)  bad input, raised before any network I/O
├── ClientClosedError (RuntimeError)   the client was closed
├── EventLoopError (RuntimeError)      the client was used from another event loop
├── MissingAccessTokenError            no token configured for an authenticated call
├── PageLimitError                     a listing went on past `max_pages` pages
├── PollTimeoutError (TimeoutError)    work the cloud finishes later did not finish in time
├── RelayError                         the Redis event relay could not use Redis
├── APIError                           .message .method .path .request
│   ├── APIConnectionError             no response (DNS, refused, reset, protocol error)
│   │   │                              .may_have_reached_server
│   │   ├── APITimeoutError            connect/read timeout or the per-call deadline
│   │   └── TLSError                   the server's certificate or the TLS handshake failed
│   ├── APIStatusError                 .status_code .response .body .error .error_description
│   │   │                              .description .info .errors .violations .retry_after
│   │   ├── RedirectError 3xx          .location (redirects are never followed)
│   │   ├── BadRequestError 400
│   │   ├── AuthenticationError 401
│   │   ├── PermissionDeniedError 403
│   │   │   └── DeviceNotFoundError    403 "I didn't recognize that device name or ID"
│   │   ├── NotFoundError 404
│   │   │   ├── DeviceOfflineError     404 "timed out": device offline or unreachable
│   │   │   ├── UnknownVariableError   404 "Unknown Variable: ..."
│   │   │   └── UnknownFunctionError   404 for a function the device does not expose
│   │   ├── DeviceTimeoutError 408     the cloud timed out talking to the device
│   │   ├── ConflictError 409
│   │   ├── UnprocessableEntityError 422
│   │   ├── RateLimitError 429, 529    .retry_after
│   │   │   └── ClientRateLimitError   the client's own request budget: not sent at all
│   │   ├── InternalServerError 5xx
│   │   └── LoginError                 the token endpoint refused to issue a token
│   │       ├── InvalidCredentialsError    wrong username/password or OAuth client pair
│   │       ├── MfaRequiredError           .mfa_token: finish with auth.login_otp()
│   │       ├── InvalidOtpError            wrong or expired one-time code (or MFA token)
│   │       ├── SsoRequiredError           the account signs in through single sign-on
│   │       └── LoginRateLimitError        429: too many token requests or failed logins
│   │                                      (also a RateLimitError)
│   └── APIResponseValidationError     a 2xx body that is not what the API documents
└── StreamError                        the event stream broke or was not an event stream
```
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ClientRateLimitError",
    "ConflictError",
    "DeviceNotFoundError",
    "DeviceOfflineError",
    "DeviceTimeoutError",
    "EventLoopError",
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidCredentialsError",
    "InvalidOtpError",
    "LoginError",
    "LoginRateLimitError",
    "MfaRequiredError",
    "MissingAccessTokenError",
    "NotFoundError",
    "ParticleError",
    "PermissionDeniedError",
    "RateLimitError",
    "PageLimitError",
    "PollTimeoutError",
    "RedirectError",
    "RelayError",
    "ResponseTooLargeError",
    "SsoRequiredError",
    "StreamError",
    "TLSError",
    "UnknownFunctionError",
    "UnknownVariableError",
    "UnprocessableEntityError",
]

_TOKEN_IN_TEXT = re.compile(r"(access_token=)[A-Za-z0-9._~+/=%-]+", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_MAX_TEXT = 300
#: An `error` that is a code (`bad_request`), not a sentence: a `description` says more.
_ERROR_CODE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")
#: Violations of a 422 answer shown in the message (all are kept in `.violations`).
_SHOWN_VIOLATIONS = 3


class ParticleError(Exception):
    """Base class of every exception aioparticle raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from its args and attributes, not by calling __init__ again (most subclasses
        # take keyword-only arguments that `args` does not hold): pickle, copy and deepcopy
        # give back an equal error
        return (_rebuild, (type(self), self.args), self.__dict__)


def _rebuild(cls: type[ParticleError], args: tuple[Any, ...]) -> ParticleError:
    """An error of `cls` with `args`, made without running its `__init__`."""
    error = cls.__new__(cls, *args)
    error.args = args
    return error


class InvalidArgumentError(ParticleError, ValueError):
    """An argument was rejected before any request was sent."""


class ClientClosedError(ParticleError, RuntimeError):
    """The client (or the `httpx.AsyncClient` it was given) has been closed."""


class EventLoopError(ParticleError, RuntimeError):
    """The client was used from an event loop other than the one it was first used on.

    A client's connections and locks belong to one event loop: create one client per loop
    (for instance in the lifespan of the app or test that runs the loop).
    """


class MissingAccessTokenError(ParticleError):
    """An authenticated call was made on a client that has no access token."""

    def __init__(
        self,
        message: str = (
            "no access token: pass ParticleClient(access_token=...) or a token provider "
            "(ParticleClient(auth=...)), or set PARTICLE_ACCESS_TOKEN"
        ),
    ) -> None:
        super().__init__(message)


class PageLimitError(ParticleError):
    """A listing kept announcing more pages after `max_pages` of them: the walk stopped.

    Raise the limit with `client.with_options(max_pages=...)` if a listing really is that
    long; a server that never stops announcing pages cannot make a walk endless.
    """

    def __init__(self, max_pages: int) -> None:
        super().__init__(
            f"the listing went on past {max_pages} pages (max_pages); raise it with "
            "client.with_options(max_pages=...) if the listing really is that long"
        )
        self.max_pages = max_pages


class PollTimeoutError(ParticleError, TimeoutError):
    """Work the cloud finishes later (a usage report, a vitals refresh, a SIM check) was not
    done when a wait for it ran out of time; `.last` is the last state polled, `.deadline` the
    wait in seconds. The work itself may still complete: poll again to see."""

    def __init__(self, message: str, *, last: object, deadline: float) -> None:
        super().__init__(message)
        self.last = last
        self.deadline = deadline


class APIError(ParticleError):
    """A request was sent (or attempted) and did not give the expected result."""

    message: str
    method: str
    path: str
    request: httpx.Request | None

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        request: httpx.Request | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.request = request

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class APIConnectionError(APIError):
    """No HTTP response was received: DNS failure, refused or reset connection, bad protocol.

    `may_have_reached_server` is `False` only when the request certainly never left (the
    connection could not be made): after any other failure the server may have acted on it,
    so a call that must not run twice (a function call, a publish) should be checked, not
    blindly repeated.
    """

    may_have_reached_server: bool

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        request: httpx.Request | None = None,
        may_have_reached_server: bool = True,
    ) -> None:
        super().__init__(message, method=method, path=path, request=request)
        self.may_have_reached_server = may_have_reached_server


class APITimeoutError(APIConnectionError):
    """The request did not complete in time (connect, read, or the per-call deadline)."""


class TLSError(APIConnectionError):
    """The TLS handshake failed (an untrusted or expired certificate, a wrong host name):
    permanent until the server or the trust store changes, so never retried."""


class APIResponseValidationError(APIError):
    """The server answered 2xx with a body that does not match the documented shape."""

    response: httpx.Response
    body: object

    def __init__(
        self, message: str, *, response: httpx.Response, body: object, method: str, path: str
    ) -> None:
        super().__init__(message, method=method, path=path, request=response.request)
        self.response = response
        self.body = body
        self.status_code = response.status_code


class ResponseTooLargeError(APIError):
    """A response body was larger than the client's `max_response_bytes`; it was not read
    further (downloads stream to memory or a file and have no such limit)."""

    def __init__(
        self, message: str, *, method: str, path: str, request: httpx.Request, limit: int
    ) -> None:
        super().__init__(message, method=method, path=path, request=request)
        self.limit = limit


class StreamError(ParticleError):
    """The event stream broke, or the server did not answer with an event stream."""


class RelayError(ParticleError):
    """The Redis event relay (`aioparticle.relay`) could not use Redis: Redis refused a
    command (the key holds something else, a missing permission), or stayed unreachable
    longer than the relay's `max_outage`."""


class APIStatusError(APIError):
    """The server answered with an error status (4xx or 5xx, or an unexpected 3xx).

    Attributes:
        status_code: the HTTP status.
        body: the parsed JSON body, or the body text when it was not JSON (`None` if empty).
        error: Particle's `error` field (a code such as `invalid_token`, or a sentence).
        error_description: Particle's `error_description` field.
        description: the `description` field some APIs answer with instead (diagnostics,
            configuration schemas).
        info: Particle's `info` hint (permission errors), with any token scrubbed.
        errors: the `message` of each entry of a JSON:API `errors` array.
        violations: the `violations` of a refused JSON Schema (422), one dict each
            (`keyword`, `dataPath`, `schemaPath`, `params`, `message`); empty otherwise.
        retry_after: seconds the server asked to wait (`Retry-After`), if it said.
    """

    response: httpx.Response
    status_code: int
    body: object
    error: str | None
    error_description: str | None
    description: str | None
    info: str | None
    errors: list[str]
    violations: list[dict[str, Any]]
    retry_after: float | None
    request_id: str | None

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object,
        method: str,
        path: str,
        error: str | None = None,
        error_description: str | None = None,
        info: str | None = None,
        errors: list[str] | None = None,
        retry_after: float | None = None,
        description: str | None = None,
        violations: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message, method=method, path=path, request=response.request)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.error = error
        self.error_description = error_description
        self.description = description
        self.info = info
        self.errors = errors or []
        self.violations = violations or []
        self.retry_after = retry_after
        self.request_id = response.headers.get("x-request-id")


class BadRequestError(APIStatusError):
    """400: the request was not understood, or a parameter is invalid."""


class AuthenticationError(APIStatusError):
    """401: the access token is missing, invalid or expired."""


class RedirectError(APIStatusError):
    """3xx: the server redirected the call (aioparticle never follows a redirect from the API
    origin, so that the token is never sent elsewhere); `.location` is where it pointed."""

    @property
    def location(self) -> str | None:
        """The `Location` header, if any."""
        location: str | None = self.response.headers.get("location")
        return location


class PermissionDeniedError(APIStatusError):
    """403: the token is valid but may not act on this device or resource (see `.info`)."""


class DeviceNotFoundError(PermissionDeniedError):
    """403 "I didn't recognize that device name or ID": no device of that id or name is
    visible to the token (Particle answers 403, not 404, for an unknown device)."""


class NotFoundError(APIStatusError):
    """404: the resource does not exist, or the device is not reachable."""


class DeviceOfflineError(NotFoundError):
    """404 `timed out`: the device is offline or did not answer the cloud."""


class UnknownVariableError(NotFoundError):
    """404: the device does not expose a variable of that name."""


class UnknownFunctionError(NotFoundError):
    """404: the device does not expose a function of that name."""


class DeviceTimeoutError(APIStatusError):
    """408: the cloud timed out waiting for the device."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's current state."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well formed but semantically invalid."""


class RateLimitError(APIStatusError):
    """429 (or the event stream's 529): too many requests; see `.retry_after`."""


class ClientRateLimitError(RateLimitError):
    """The client's own rate limit (`ParticleClient(rate_limit=...)`) would make this call wait
    longer than `max_retry_after`, its spent budget or the hold after a 429 from the cloud:
    the call was not sent. `.retry_after` says in how many seconds it could be.

    No server answered: `.response` is a 429 made by aioparticle (`.status_code` 429, a
    `Retry-After` header, `.error` `"client_rate_limited"`), so that one `except
    RateLimitError` handles the cloud's refusals and the client's alike.
    """


class InternalServerError(APIStatusError):
    """5xx: the Particle Cloud failed."""


class LoginError(APIStatusError):
    """The token endpoint (`POST /oauth/token`) refused to issue a token.

    A login is never retried automatically once it may have reached the server: ten failed
    token requests in a row lock the source IP out for 30 minutes.
    """


class InvalidCredentialsError(LoginError):
    """The username and password, or the OAuth client id and secret, were not accepted."""


class MfaRequiredError(LoginError):
    """The account has multi-factor authentication: finish the login with
    `client.auth.login_otp(error.mfa_token, otp)` and the current one-time code.

    `mfa_token` is a short-lived credential: it is never shown in the message, `repr` or
    `body` of the error.
    """

    mfa_token: str


class InvalidOtpError(LoginError):
    """The one-time code was wrong or has expired, or the MFA token of the login has."""


class SsoRequiredError(LoginError):
    """The account signs in through single sign-on only: it has no password to log in with."""


class LoginRateLimitError(LoginError, RateLimitError):
    """429 from the token endpoint: too many token requests, or too many failed logins from
    this IP (which locks it out for 30 minutes); see `.retry_after`."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: DeviceTimeoutError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    529: RateLimitError,
}


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove `access_token=...` values and any known secret from `text`."""
    text = _TOKEN_IN_TEXT.sub(r"\1[redacted]", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def _scrub_value(value: object, secrets: tuple[str, ...]) -> object:
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {k: _scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_value(v, secrets) for v in value]
    return value


def parse_body(content: bytes) -> object:
    """Parse an error body: JSON when it is JSON, else its text (`None` when empty)."""
    if not content.strip():
        return None
    text = content.decode("utf-8", errors="replace")
    if text.lstrip()[:1] in ("{", "["):
        try:
            parsed: object = json.loads(text)
        except ValueError:
            return text
        return parsed
    return text


def _text_summary(text: str) -> str:
    title = _HTML_TITLE.search(text)
    if title:
        text = title.group(1)
    elif "<" in text and ">" in text:
        text = _TAG.sub(" ", text)
    text = " ".join(text.split())
    return text[:_MAX_TEXT] + ("..." if len(text) > _MAX_TEXT else "")


def _str_field(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _jsonapi_messages(body: dict[str, Any]) -> list[str]:
    raw = body.get("errors")
    if not isinstance(raw, list):
        return []
    messages = []
    for item in raw:
        if isinstance(item, dict):
            text = item.get("message") or item.get("detail") or item.get("title")
            if text is not None:
                messages.append(str(text))
        elif item is not None:
            messages.append(str(item))
    return messages


def _violations(body: dict[str, Any]) -> list[dict[str, Any]]:
    raw = body.get("violations")
    if not isinstance(raw, list):
        return []
    return [item if isinstance(item, dict) else {"message": str(item)} for item in raw]


def _violations_summary(violations: list[dict[str, Any]]) -> str:
    """`<where>: <message>` of the first few violations, and how many more there are."""
    shown = []
    for item in violations[:_SHOWN_VIOLATIONS]:
        where = item.get("dataPath") or item.get("instancePath") or item.get("schemaPath")
        text = str(item.get("message") or item.get("keyword") or "invalid")
        shown.append(f"{where}: {text}" if where else text)
    more = len(violations) - _SHOWN_VIOLATIONS
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def _detail(
    body: dict[str, Any],
    error: str | None,
    error_description: str | None,
    errors: list[str],
    description: str | None,
) -> str | None:
    """The text an error body gives, in this order: `error_description`, `error` (but a
    `description` rather than a bare code such as `bad_request`), the JSON:API `errors`,
    `description` (after the `message` it details, when there is one), `message`."""
    message = _str_field(body, "message")
    if error_description:
        return error_description
    if error and not (description and _ERROR_CODE.fullmatch(error)):
        return error
    if errors:
        return "; ".join(errors)
    if description:
        if message and message != description and not error:
            return f"{message}: {description}"
        return description
    return message


#: The path of the token endpoint, whose refusals are `LoginError`s.
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path, not a secret


def _login_class(status: int, error: str | None, description: str | None) -> type[LoginError]:
    """The kind of a refusal of the token endpoint (or of a login over HTTP Basic)."""
    code = (error or "").lower()
    text = f"{code} {(description or '').lower()}"
    if code == "mfa_required":
        return MfaRequiredError
    if status == 429 or status == 529:
        return LoginRateLimitError
    if "single sign-on" in text or re.search(r"(?<![a-z])sso(?![a-z])", text):
        return SsoRequiredError
    if "otp" in text or "one-time" in text or "one time" in text or "mfa" in text:
        return InvalidOtpError
    if code in ("invalid_grant", "invalid_client") or status in (400, 401, 403):
        return InvalidCredentialsError
    return LoginError


#: The Logic routes, whose "function not found" is about a logic function.
_LOGIC_PATH = re.compile(r"/v1(/orgs/[^/]+)?/logic/")


def _status_class(
    status: int, error: str | None, info: str | None, path: str = "", description: str | None = None
) -> type[APIStatusError]:
    if path == TOKEN_PATH and 400 <= status < 500:
        return _login_class(status, error, description)
    if error == "mfa_required":
        return MfaRequiredError
    if status == 403 and info and "recognize that device" in info.lower():
        return DeviceNotFoundError
    if 300 <= status < 400:
        return RedirectError
    if status == 404 and error:
        lowered = error.lower().strip().rstrip(".")
        if lowered == "timed out" or "offline" in lowered or "not connected" in lowered:
            return DeviceOfflineError
        if lowered.startswith("unknown variable") or "variable not found" in lowered:
            return UnknownVariableError
        unknown = "not found" in lowered or "unknown" in lowered
        # a Logic function is not a function a device exposes
        if "function" in lowered and unknown and not _LOGIC_PATH.match(path):
            return UnknownFunctionError
    if status in _STATUS_ERRORS:
        return _STATUS_ERRORS[status]
    if status >= 500:
        return InternalServerError
    return APIStatusError


def make_status_error(
    response: httpx.Response,
    *,
    method: str,
    path: str,
    retry_after: float | None = None,
    secrets: tuple[str, ...] = (),
) -> APIStatusError:
    """Build the typed exception for an error response whose body has been read."""
    raw = parse_body(response.content)
    mfa_token = raw.get("mfa_token") if isinstance(raw, dict) else None
    if isinstance(mfa_token, str) and mfa_token:
        secrets = (*secrets, mfa_token)
        raw = {**raw, "mfa_token": "[redacted]"}  # type: ignore[dict-item]
    body = _scrub_value(raw, secrets)
    error = error_description = description = info = None
    errors: list[str] = []
    violations: list[dict[str, Any]] = []
    if isinstance(body, dict):
        error = _str_field(body, "error")
        error_description = _str_field(body, "error_description")
        description = _str_field(body, "description")
        info = _str_field(body, "info")
        errors = _jsonapi_messages(body)
        violations = _violations(body)
        detail = _detail(body, error, error_description, errors, description)
    elif isinstance(body, str):
        detail = _text_summary(body)
    else:
        detail = None
    reason = response.reason_phrase or "Error"
    message = f"{response.status_code} {reason}"
    if detail:
        message += f": {detail}"
    if info:
        message += f" ({info})"
    if violations and response.status_code == 422:
        message += f" (violations: {_violations_summary(violations)})"
    cls = _status_class(response.status_code, error, info, path, error_description)
    if cls is RedirectError:
        message += f" (redirected to {_origin(response.headers.get('location'))}, not followed)"
    message = scrub(f"{message} [{method} {path}]", secrets)
    made = cls(
        message,
        response=response,
        body=body,
        method=method,
        path=path,
        error=error,
        error_description=error_description,
        info=info,
        errors=errors,
        retry_after=retry_after,
        description=description,
        violations=violations,
    )
    if isinstance(made, MfaRequiredError):
        made.mfa_token = mfa_token if isinstance(mfa_token, str) else ""
    return made


def _origin(location: str | None) -> str:
    """The scheme and host a `Location` header points to (never its path or query)."""
    if not location:
        return "nowhere"
    scheme, sep, rest = location.partition("://")
    if not sep:
        return "the same origin"
    return f"{scheme}://{rest.split('/', 1)[0].rsplit('@', 1)[-1]}"
