"""`client.auth`: the token endpoint's forms, typed login errors, token info, revocation."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest
import respx

from aioparticle import (
    AccessToken,
    APIConnectionError,
    AuthenticationError,
    InvalidCredentialsError,
    InvalidOtpError,
    LoginError,
    LoginRateLimitError,
    MfaRequiredError,
    NotFoundError,
    ParticleClient,
    RateLimitError,
    RedirectError,
    SsoRequiredError,
    TokenInfo,
)
from tests.conftest import API, TOKEN
from tests.unit._wire import BadInput, bad_input, check_request, only_request, reply

pytestmark = pytest.mark.anyio

USERNAME = "jane@example.com"
PASSWORD = "correct horse battery"
CLIENT_ID = "acme-backend-1234"
CLIENT_SECRET = "9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
NEW_TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
REFRESH = "f0e1d2c3b4a5968778695a4b3c2d1e0f12345678"
MFA_TOKEN = "mfa-5d41402abc4b2a76b9719d911017c592"
GRANTED = {
    "token_type": "bearer",
    "access_token": NEW_TOKEN,
    "expires_in": 7776000,
    "refresh_token": REFRESH,
}
PUBLIC_PAIR = [("client_id", "particle-api"), ("client_secret", "particle-api")]


@pytest.fixture
async def anonymous() -> ParticleClient:
    """A client with no token: the token endpoint needs none."""
    async with ParticleClient(base_url=API) as particle:
        yield particle


# --------------------------------------------------------------------------- the token endpoint


async def test_login_sends_the_password_grant_as_a_form(
    anonymous: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, GRANTED)

    token = await anonymous.auth.login(USERNAME, PASSWORD)

    check_request(
        only_request(api),
        "POST",
        "/oauth/token",
        form=[
            ("username", USERNAME),
            ("password", PASSWORD),
            ("grant_type", "password"),
            ("expires_in", "7776000"),
            *PUBLIC_PAIR,
        ],
        token=None,
    )
    assert isinstance(token, AccessToken)
    assert token.access_token == NEW_TOKEN
    assert token.expires_in == 7776000
    assert NEW_TOKEN not in repr(token) and REFRESH not in repr(token)


@pytest.mark.parametrize(
    ("expires_in", "sent"),
    [(0, [("expires_in", "0")]), (3600, [("expires_in", "3600")]), (None, [])],
)
async def test_login_expires_in(
    anonymous: ParticleClient,
    api: respx.MockRouter,
    expires_in: int | None,
    sent: list[tuple[str, str]],
) -> None:
    reply(api, GRANTED)
    await anonymous.auth.login(USERNAME, PASSWORD, expires_in=expires_in)
    form = [("username", USERNAME), ("password", PASSWORD), ("grant_type", "password")]
    check_request(
        only_request(api), "POST", "/oauth/token", form=form + sent + PUBLIC_PAIR, token=None
    )


async def test_a_client_with_a_token_does_not_send_it_to_the_token_endpoint(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, GRANTED)
    await client.auth.login(USERNAME, PASSWORD)
    request = only_request(api)
    assert "authorization" not in request.headers
    assert TOKEN.encode() not in request.content


async def test_the_oauth_client_pair_comes_from_the_client(api: respx.MockRouter) -> None:
    reply(api, GRANTED)
    async with ParticleClient(
        base_url=API, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    ) as particle:
        await particle.auth.login_client_credentials()
    check_request(
        only_request(api),
        "POST",
        "/oauth/token",
        form=[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
        token=None,
    )


async def test_login_otp_finishes_an_mfa_login(
    anonymous: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, GRANTED)

    token = await anonymous.auth.login_otp(MFA_TOKEN, "123456")

    # the lifetime was asked for by the first step: not sent again
    check_request(
        only_request(api),
        "POST",
        "/oauth/token",
        form=[
            ("grant_type", "urn:custom:mfa-otp"),
            ("mfa_token", MFA_TOKEN),
            ("otp", "123456"),
            *PUBLIC_PAIR,
        ],
        token=None,
    )
    assert token.access_token == NEW_TOKEN


async def test_mfa_required_carries_the_mfa_token_masked(
    anonymous: ParticleClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reply(
        api,
        {
            "error": "mfa_required",
            "error_description": "Multi-factor authentication required",
            "mfa_token": MFA_TOKEN,
        },
        403,
    )

    with pytest.raises(MfaRequiredError) as caught:
        await anonymous.auth.login(USERNAME, PASSWORD)

    error = caught.value
    assert isinstance(error, LoginError)
    assert error.mfa_token == MFA_TOKEN
    assert error.status_code == 403
    assert "Multi-factor authentication required" in str(error)
    for text in (str(error), repr(error), repr(error.body), caplog.text):
        assert MFA_TOKEN not in text
        assert PASSWORD not in text
    assert error.body == {
        "error": "mfa_required",
        "error_description": "Multi-factor authentication required",
        "mfa_token": "[redacted]",
    }


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (400, {"error": "invalid_grant", "error_description": "User credentials are invalid"},
         InvalidCredentialsError),
        (401, {"error": "invalid_client", "error_description": "Client authentication failed"},
         InvalidCredentialsError),
        (400, {"error": "invalid_grant", "error_description": "Invalid or expired OTP"},
         InvalidOtpError),
        (400, {"error": "invalid_grant", "error_description": "Invalid or expired MFA token"},
         InvalidOtpError),
        (400, {"error": "invalid_grant", "error_description": "Signs in with single sign-on"},
         SsoRequiredError),
        (403, {"error": "sso_required", "error_description": "Use your identity provider"},
         SsoRequiredError),
        (429, {"error": "too_many_requests", "error_description": "Too many failed login attempts"},
         LoginRateLimitError),
        (400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant type"},
         InvalidCredentialsError),
    ],
)  # fmt: skip
async def test_login_failures_are_typed(
    anonymous: ParticleClient,
    api: respx.MockRouter,
    status: int,
    body: dict[str, str],
    kind: type[LoginError],
) -> None:
    reply(api, body, status)

    with pytest.raises(LoginError) as caught:
        await anonymous.auth.login(USERNAME, PASSWORD)

    assert type(caught.value) is kind
    assert caught.value.status_code == status
    assert caught.value.error == body["error"]
    assert body["error_description"] in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert len(api.calls) == 1  # a login is never repeated on a status


async def test_the_lockout_is_a_rate_limit_error_with_its_wait(
    anonymous: ParticleClient, api: respx.MockRouter
) -> None:
    api.post("/oauth/token").respond(
        429,
        json={"error": "too_many_requests", "error_description": "Locked out"},
        headers={"Retry-After": "1800"},
    )

    with pytest.raises(RateLimitError) as caught:
        await anonymous.auth.login(USERNAME, PASSWORD)

    assert isinstance(caught.value, LoginRateLimitError)
    assert caught.value.retry_after == 1800
    assert len(api.calls) == 1


async def test_an_ordinary_401_elsewhere_is_not_a_login_error(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(
        api,
        {"error": "invalid_token", "error_description": "The access token provided is invalid"},
        401,
    )
    with pytest.raises(AuthenticationError) as caught:
        await client.auth.get_current_token()
    assert not isinstance(caught.value, LoginError)


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadError("connection reset"), httpx.ReadTimeout("read timed out"),
     httpx.RemoteProtocolError("server disconnected")],
    ids=["reset", "read-timeout", "disconnected"],
)  # fmt: skip
async def test_a_login_that_may_have_reached_the_server_is_not_retried(
    anonymous: ParticleClient, api: respx.MockRouter, failure: Exception
) -> None:
    api.post("/oauth/token").mock(side_effect=failure)

    with pytest.raises(APIConnectionError) as caught:
        await anonymous.auth.login(USERNAME, PASSWORD)

    assert caught.value.may_have_reached_server
    assert len(api.calls) == 1
    assert PASSWORD not in str(caught.value)
    request = caught.value.request
    assert request is not None and request.content == b""
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.RequestError)
    assert PASSWORD.encode() not in cause.request.content


async def test_a_login_that_never_left_is_retried(
    anonymous: ParticleClient, api: respx.MockRouter
) -> None:
    route = api.post("/oauth/token")
    route.side_effect = [httpx.ConnectError("refused"), httpx.Response(200, json=GRANTED)]

    token = await anonymous.auth.login(USERNAME, PASSWORD)

    assert token.access_token == NEW_TOKEN
    assert len(api.calls) == 2


async def test_a_redirect_from_the_token_endpoint_is_not_followed(
    anonymous: ParticleClient, api: respx.MockRouter
) -> None:
    api.post("/oauth/token").respond(307, headers={"Location": "https://evil.example/steal"})

    with pytest.raises(RedirectError) as caught:
        await anonymous.auth.login(USERNAME, PASSWORD)

    assert caught.value.location == "https://evil.example/steal"
    assert len(api.calls) == 1
    assert caught.value.request is not None and caught.value.request.content == b""


async def test_errors_keep_no_password_or_client_secret(api: respx.MockRouter) -> None:
    reply(
        api,
        {"error": "invalid_grant", "error_description": f"bad {PASSWORD} for {CLIENT_SECRET}"},
        400,
    )
    async with ParticleClient(
        base_url=API, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    ) as particle:
        with pytest.raises(InvalidCredentialsError) as caught:
            await particle.auth.login(USERNAME, PASSWORD)

    error = caught.value
    for text in (str(error), repr(error), repr(error.body), str(error.error_description)):
        assert PASSWORD not in text and CLIENT_SECRET not in text
    assert error.request is not None and error.request.content == b""
    assert error.response.request.content == b""


# --------------------------------------------------------------------------- tokens


async def test_get_current_token(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(
        api,
        {"expires_at": "2027-02-27T08:00:00.000Z", "client": "particle-api", "scopes": [], "x": 1},
    )

    info = await client.auth.get_current_token()

    check_request(only_request(api), "GET", "/v1/access_tokens/current")
    assert isinstance(info, TokenInfo)
    assert info.client == "particle-api"
    assert info.expires_at is not None and info.expires_at.tzinfo is not None
    assert info.expires_at.year == 2027
    assert info.model_extra == {"x": 1}


async def test_a_token_that_never_expires(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"expires_at": None, "client": "particle"})
    assert (await client.auth.get_current_token()).expires_at is None


@pytest.mark.parametrize(
    ("call", "path"),
    [
        ("delete_current_token", "/v1/access_tokens/current"),
        ("delete_all_tokens", "/v1/access_tokens"),
    ],
)
async def test_revoking(
    client: ParticleClient, api: respx.MockRouter, call: str, path: str
) -> None:
    reply(api, {"ok": True})
    assert await getattr(client.auth, call)() is None
    check_request(only_request(api), "DELETE", path)


async def test_delete_token(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"ok": True})
    assert await client.auth.delete_token(NEW_TOKEN) is None
    check_request(only_request(api), "DELETE", f"/v1/access_tokens/{NEW_TOKEN}")


async def test_delete_token_keeps_the_token_out_of_errors_and_logs(
    client: ParticleClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reply(api, {"ok": False, "error": f"no such token {NEW_TOKEN}"}, 404)

    with pytest.raises(NotFoundError) as caught:
        await client.auth.delete_token(NEW_TOKEN)

    error = caught.value
    assert error.path == "/v1/access_tokens/[redacted]"
    assert "[DELETE /v1/access_tokens/[redacted]]" in str(error)
    assert error.request is not None
    for text in (str(error), repr(error), repr(error.body), str(error.request.url), caplog.text):
        assert NEW_TOKEN not in text
    assert "/v1/access_tokens/" in caplog.text  # httpx logged the request, redacted
    assert error.request.headers["authorization"] == "[redacted]"


async def test_list_tokens_authenticates_with_http_basic(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(
        api,
        [
            {"token": NEW_TOKEN, "expires_at": "2027-02-27T08:00:00Z", "client": "particle"},
            {"token": REFRESH, "expires_at": None, "client": "acme"},
        ],
    )

    tokens = await client.auth.list_tokens(USERNAME, PASSWORD)

    request = only_request(api)
    basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert request.method == "GET"
    assert request.url.raw_path == b"/v1/access_tokens"
    assert request.headers.get_list("authorization") == [f"Basic {basic}"]
    assert request.content == b""
    assert [t.token for t in tokens] == [NEW_TOKEN, REFRESH]
    assert NEW_TOKEN not in repr(tokens)


async def test_list_tokens_sends_the_otp_of_an_mfa_account(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, [])
    assert await client.auth.list_tokens(USERNAME, PASSWORD, otp="654321") == []
    assert only_request(api).url.raw_path == b"/v1/access_tokens?otp=654321"


async def test_list_tokens_refused_keeps_the_password_out(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"error": "invalid_grant", "error_description": "User credentials are invalid"}, 401)

    with pytest.raises(AuthenticationError) as caught:
        await client.auth.list_tokens(USERNAME, PASSWORD, otp="654321")

    error = caught.value
    basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert error.request is not None
    assert error.request.headers["authorization"] == "[redacted]"
    for text in (str(error), repr(error), str(error.request.url)):
        assert PASSWORD not in text and basic not in text and "654321" not in text


# --------------------------------------------------------------------------- bad input

BAD_INPUT = [
    bad_input("login-username-None", lambda c: c.auth.login(None, PASSWORD)),
    bad_input("login-username-empty", lambda c: c.auth.login("", PASSWORD)),
    bad_input("login-username-control", lambda c: c.auth.login("ja\nne@x.com", PASSWORD)),
    bad_input("login-username-spaces", lambda c: c.auth.login(" jane@x.com", PASSWORD)),
    bad_input("login-username-too-long", lambda c: c.auth.login("a" * 250 + "@x.com", PASSWORD)),
    bad_input("login-username-bytes", lambda c: c.auth.login(b"jane@x.com", PASSWORD)),
    bad_input("login-password-None", lambda c: c.auth.login(USERNAME, None)),
    bad_input("login-password-empty", lambda c: c.auth.login(USERNAME, "")),
    bad_input("login-password-nul", lambda c: c.auth.login(USERNAME, "pass\x00word")),
    bad_input("login-password-too-long", lambda c: c.auth.login(USERNAME, "p" * 1025)),
    bad_input("login-expires-negative", lambda c: c.auth.login(USERNAME, PASSWORD, expires_in=-1)),
    bad_input("login-expires-bool", lambda c: c.auth.login(USERNAME, PASSWORD, expires_in=True)),
    bad_input("login-expires-str", lambda c: c.auth.login(USERNAME, PASSWORD, expires_in="60")),
    bad_input("otp-mfa-token-None", lambda c: c.auth.login_otp(None, "123456")),
    bad_input("otp-mfa-token-empty", lambda c: c.auth.login_otp("", "123456")),
    bad_input("otp-None", lambda c: c.auth.login_otp(MFA_TOKEN, None)),
    bad_input("otp-empty", lambda c: c.auth.login_otp(MFA_TOKEN, "")),
    bad_input("otp-spaces", lambda c: c.auth.login_otp(MFA_TOKEN, "123 456")),
    bad_input("otp-int", lambda c: c.auth.login_otp(MFA_TOKEN, 123456)),
    bad_input("delete-None", lambda c: c.auth.delete_token(None)),
    bad_input("delete-empty", lambda c: c.auth.delete_token("")),
    bad_input("delete-current", lambda c: c.auth.delete_token("current")),
    bad_input("delete-dotdot", lambda c: c.auth.delete_token("..")),
    bad_input("delete-slash", lambda c: c.auth.delete_token("abc/../devices")),
    bad_input("delete-query", lambda c: c.auth.delete_token("abc?x=1")),
    bad_input("delete-fragment", lambda c: c.auth.delete_token("abc#x")),
    bad_input("delete-space", lambda c: c.auth.delete_token("abc def")),
    bad_input("delete-control", lambda c: c.auth.delete_token("abc\x7f")),
    bad_input("list-colon", lambda c: c.auth.list_tokens("ja:ne@x.com", PASSWORD)),
    bad_input("list-password-None", lambda c: c.auth.list_tokens(USERNAME, None)),
    bad_input("list-otp-empty", lambda c: c.auth.list_tokens(USERNAME, PASSWORD, otp="")),
]


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_refused_before_any_request(
    client: ParticleClient, api: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, api)


async def test_bad_input_messages_name_what_is_allowed_and_never_echo_secrets(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    with pytest.raises(ValueError, match="control characters") as caught:
        await client.auth.login(USERNAME, "secret\npassword")
    assert "secret" not in str(caught.value)
    with pytest.raises(ValueError, match="delete_current_token"):
        await client.auth.delete_token("current")
    with pytest.raises(ValueError, match="letters and digits"):
        await client.auth.login_otp(MFA_TOKEN, "12-34")
    assert len(api.calls) == 0
