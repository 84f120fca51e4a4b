"""`client.users`: the wire shape of every call (sign-up, verification and password resets send
no token), the account models, secrets kept out of errors, and bad input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from aioparticle import (
    AccountInfo,
    APIConnectionError,
    APIError,
    APIStatusError,
    BadRequestError,
    InvalidArgumentError,
    MfaConfirmation,
    MfaEnrollment,
    MfaStatus,
    MissingAccessTokenError,
    ParticleClient,
    PermissionDeniedError,
    TrackingIdentity,
    User,
)
from tests.conftest import API, TOKEN, load
from tests.unit._wire import (
    BadInput,
    bad_input,
    bad_input_grid,
    check_request,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

USERNAME = "ada@example.com"
NEW_USERNAME = "ada.lovelace+particle@example.com"
PASSWORD = "correct horse & battery=staple"
NEW_PASSWORD = "Tr0ub4dor&3 engine"
MFA_TOKEN = "mfa-5b1e0c7a9d3f4e2a8c6b0d1e2f3a4b5c"
OTP = "492039"
MFA_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
QR_URL = f"otpauth://totp/Particle:ada%40example.com?secret={MFA_SECRET}&issuer=Particle"
VERIFY_TOKEN = "verify-3c1b9e7d5f2a4c6e8b0d1f3a5c7e9b2d"
BACKUP_TOKENS = ["backup-1a2b3c4d5e", "backup-6f7a8b9c0d"]

USER = load("users/user.json")
OK = {"ok": True}


# --------------------------------------------------------------------------- profile


async def test_get(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, USER)

    user = await client.users.get()

    check_request(only_request(api), "GET", "/v1/user")
    assert isinstance(user, User)
    assert user.username == USERNAME
    assert user.account_info == AccountInfo(
        first_name="Ada",
        last_name="Lovelace",
        business_account=True,
        company_name="Analytical Engines",
    )
    assert user.mfa == MfaStatus(enabled=False)
    assert user.memberships == USER["memberships"]
    assert (user.scim_provisioned, user.no_password) == (False, False)
    assert (user.wifi_device_count, user.cellular_device_count, user.tos) == (3, 2, 2)
    # every field of the documented body is declared
    for model in (user, user.account_info, user.mfa):
        assert model.model_extra == {}


async def test_get_keeps_unknown_fields_at_every_level(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(
        api,
        {
            "username": USERNAME,
            "account_info": {"first_name": "Ada", "nickname": "A."},
            "mfa": {"enabled": True, "methods": ["totp"]},
            "brand_new": {"nested": [1, 2]},
        },
    )

    user = await client.users.get()

    assert user.model_extra == {"brand_new": {"nested": [1, 2]}}
    assert user.account_info.model_extra == {"nickname": "A."}
    assert user.mfa is not None and user.mfa.enabled is True
    assert user.mfa.model_extra == {"methods": ["totp"]}


async def test_get_of_a_minimal_account(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"username": USERNAME})

    user = await client.users.get()

    assert user.account_info == AccountInfo()
    assert user.mfa is None  # not said: not guessed
    assert user.memberships == []
    assert (user.no_password, user.wifi_device_count, user.tos) == (None, None, None)


async def test_get_needs_a_token(api: respx.MockRouter) -> None:
    async with ParticleClient(base_url=API) as anonymous:
        with pytest.raises(MissingAccessTokenError):
            await anonymous.users.get()
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    ("account_info", "sent"),
    [
        (
            AccountInfo(first_name="Ada", business_account=False),
            {"first_name": "Ada", "business_account": False},
        ),
        (
            {"last_name": "Byron", "company_name": ""},
            {"last_name": "Byron", "company_name": ""},
        ),
        ({"first_name": "Ada", "last_name": None}, {"first_name": "Ada"}),
        (
            AccountInfo(first_name="Ada", last_name="L", business_account=True, company_name="AE"),
            {"first_name": "Ada", "last_name": "L", "business_account": True, "company_name": "AE"},
        ),
    ],
    ids=["model", "mapping", "mapping-with-None", "model-every-field"],
)
async def test_update(
    client: ParticleClient,
    api: respx.MockRouter,
    account_info: AccountInfo | dict[str, Any],
    sent: dict[str, Any],
) -> None:
    reply(api, {**USER, "account_info": {**USER["account_info"], "first_name": "Augusta"}})

    user = await client.users.update(account_info=account_info)

    check_request(only_request(api), "PUT", "/v1/user", body={"account_info": sent})
    assert isinstance(user, User)
    assert user.account_info.first_name == "Augusta"


async def test_update_is_retried_like_any_put(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    route = api.put("/v1/user").mock(
        side_effect=[httpx.Response(503, json={"error": "busy"}), httpx.Response(200, json=USER)]
    )

    user = await client.users.update(account_info={"first_name": "Ada"})

    assert route.call_count == 2
    assert user.username == USERNAME


@pytest.mark.parametrize(
    ("full", "query", "body"),
    [
        (False, b"tracking=1", {"id": "c0ffee"}),
        (True, b"", {"id": "c0ffee", "email": USERNAME}),
    ],
    ids=["tracking", "full"],
)
async def test_get_tracking_identity(
    client: ParticleClient,
    api: respx.MockRouter,
    full: bool,
    query: bytes,
    body: dict[str, str],
) -> None:
    reply(api, body)

    identity = await client.users.get_tracking_identity(full=full)

    check_request(only_request(api), "GET", "/v1/user/identify", query=query)
    assert isinstance(identity, TrackingIdentity)
    assert identity.id == "c0ffee"
    assert identity.email == (USERNAME if full else None)


async def test_get_tracking_identity_defaults_to_tracking(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"id": "c0ffee"})

    await client.users.get_tracking_identity()

    check_request(only_request(api), "GET", "/v1/user/identify", query=b"tracking=1")


# --------------------------------------------------------------------------- username, password

INVALIDATE = pytest.mark.parametrize(
    ("invalidate", "extra"),
    [(False, {}), (True, {"invalidate_tokens": True})],
    ids=["keep-tokens", "invalidate-tokens"],
)


@INVALIDATE
async def test_change_username(
    client: ParticleClient, api: respx.MockRouter, invalidate: bool, extra: dict[str, bool]
) -> None:
    reply(api, OK)

    result = await client.users.change_username(
        NEW_USERNAME, current_password=PASSWORD, invalidate_tokens=invalidate
    )

    assert result is None
    check_request(
        only_request(api),
        "PUT",
        "/v1/user",
        body={"username": NEW_USERNAME, "current_password": PASSWORD, **extra},
    )


async def test_change_username_defaults_to_keeping_tokens(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, OK)

    await client.users.change_username(NEW_USERNAME, current_password=PASSWORD)

    check_request(
        only_request(api),
        "PUT",
        "/v1/user",
        body={"username": NEW_USERNAME, "current_password": PASSWORD},
    )


@INVALIDATE
async def test_change_password(
    client: ParticleClient, api: respx.MockRouter, invalidate: bool, extra: dict[str, bool]
) -> None:
    reply(api, OK)

    result = await client.users.change_password(
        NEW_PASSWORD, current_password=PASSWORD, invalidate_tokens=invalidate
    )

    assert result is None
    check_request(
        only_request(api),
        "PUT",
        "/v1/user",
        body={"password": NEW_PASSWORD, "current_password": PASSWORD, **extra},
    )


async def test_a_refused_acknowledgement_raises(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": False, "error": f"password {NEW_PASSWORD} is too weak"})

    with pytest.raises(APIError, match="too weak") as caught:
        await client.users.change_password(NEW_PASSWORD, current_password=PASSWORD)

    assert NEW_PASSWORD not in str(caught.value)
    assert caught.value.request is not None
    assert caught.value.request.content == b""


async def test_delete(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, OK)

    assert await client.users.delete(password=PASSWORD) is None

    # a DELETE carrying a JSON body
    check_request(only_request(api), "DELETE", "/v1/user", body={"password": PASSWORD})


# --------------------------------------------------------------------------- no token sent


@pytest.mark.parametrize(
    ("kwargs", "sent"),
    [
        ({}, {}),
        (
            {
                "account_info": AccountInfo(first_name="Ada", business_account=True),
                "utm": {"utm_source": "newsletter", "utm_campaign": "spring"},
            },
            {
                "account_info": {"first_name": "Ada", "business_account": True},
                "utm": {"utm_source": "newsletter", "utm_campaign": "spring"},
            },
        ),
        (
            {"account_info": {"company_name": "AE"}, "utm": {}},
            {"account_info": {"company_name": "AE"}},
        ),
    ],
    ids=["minimal", "account-info-and-utm", "empty-utm-not-sent"],
)
async def test_create_sends_no_token(
    client: ParticleClient, api: respx.MockRouter, kwargs: dict[str, Any], sent: dict[str, Any]
) -> None:
    reply(api, OK)

    assert await client.users.create(USERNAME, PASSWORD, **kwargs) is None

    check_request(
        only_request(api),
        "POST",
        "/v1/users",
        body={"username": USERNAME, "password": PASSWORD, **sent},
        token=None,
    )


async def test_verify_sends_no_token(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, OK)

    assert await client.users.verify(VERIFY_TOKEN) is None

    check_request(
        only_request(api), "POST", "/v1/user/verify", body={"token": VERIFY_TOKEN}, token=None
    )


async def test_reset_password_sends_no_token(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, OK)

    assert await client.users.reset_password(USERNAME) is None

    check_request(
        only_request(api),
        "POST",
        "/v1/user/password-reset",
        body={"username": USERNAME},
        token=None,
    )


#: The calls that need no token, with the request each one sends.
TOKENLESS: list[Any] = [
    pytest.param(
        lambda c: c.users.create(USERNAME, PASSWORD),
        "/v1/users",
        {"username": USERNAME, "password": PASSWORD},
        id="create",
    ),
    pytest.param(
        lambda c: c.users.verify(VERIFY_TOKEN),
        "/v1/user/verify",
        {"token": VERIFY_TOKEN},
        id="verify",
    ),
    pytest.param(
        lambda c: c.users.reset_password(USERNAME),
        "/v1/user/password-reset",
        {"username": USERNAME},
        id="reset_password",
    ),
]


@pytest.mark.parametrize(("call", "path", "body"), TOKENLESS)
async def test_tokenless_calls_work_on_a_client_without_a_token(
    api: respx.MockRouter,
    call: Callable[[ParticleClient], Awaitable[None]],
    path: str,
    body: dict[str, str],
) -> None:
    reply(api, OK)

    async with ParticleClient(base_url=API) as anonymous:
        assert anonymous.has_access_token is False
        assert await call(anonymous) is None

    check_request(only_request(api), "POST", path, body=body, token=None)


# --------------------------------------------------------------------------- MFA


async def test_enable_mfa(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"mfa_token": MFA_TOKEN, "qr_url": QR_URL, "secret": MFA_SECRET})

    enrollment = await client.users.enable_mfa()

    check_request(only_request(api), "GET", "/v1/user/mfa-enable")
    assert isinstance(enrollment, MfaEnrollment)
    assert enrollment.mfa_token == MFA_TOKEN
    assert enrollment.qr_url == QR_URL
    assert isinstance(enrollment.secret, SecretStr)
    assert enrollment.secret.get_secret_value() == MFA_SECRET
    for text in (repr(enrollment), str(enrollment)):
        assert MFA_TOKEN not in text
        assert MFA_SECRET not in text  # neither itself nor inside the QR URL
        assert "otpauth" not in text


async def test_enable_mfa_without_a_secret(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"mfa_token": MFA_TOKEN, "qr_url": QR_URL, "expires_in": 600})

    enrollment = await client.users.enable_mfa()

    assert enrollment.secret is None
    assert enrollment.model_extra == {"expires_in": 600}


@INVALIDATE
async def test_confirm_mfa(
    client: ParticleClient, api: respx.MockRouter, invalidate: bool, extra: dict[str, bool]
) -> None:
    reply(api, {"enrolled": True, "tokens": BACKUP_TOKENS})

    confirmation = await client.users.confirm_mfa(MFA_TOKEN, OTP, invalidate_tokens=invalidate)

    check_request(
        only_request(api),
        "POST",
        "/v1/user/mfa-enable",
        body={"mfa_token": MFA_TOKEN, "otp": OTP, **extra},
    )
    assert isinstance(confirmation, MfaConfirmation)
    assert confirmation.enrolled is True
    assert confirmation.tokens == BACKUP_TOKENS
    for text in (repr(confirmation), str(confirmation)):
        assert "enrolled=True" in text
        assert all(token not in text for token in BACKUP_TOKENS)


async def test_confirm_mfa_without_tokens(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"enrolled": True})

    confirmation = await client.users.confirm_mfa(MFA_TOKEN, OTP)

    assert confirmation.tokens == []
    assert confirmation.model_extra == {}


async def test_disable_mfa(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, OK)

    assert await client.users.disable_mfa(current_password=PASSWORD) is None

    check_request(
        only_request(api), "PUT", "/v1/user/mfa-disable", body={"current_password": PASSWORD}
    )


# --------------------------------------------------------------------------- retries

#: Calls that change the account: a second attempt could fail where the first one succeeded
#: (the current password already changed, the account already gone), so none is retried.
NOT_RETRIED: list[Any] = [
    pytest.param(
        lambda c: c.users.change_username(NEW_USERNAME, current_password=PASSWORD),
        id="change_username",
    ),
    pytest.param(
        lambda c: c.users.change_password(NEW_PASSWORD, current_password=PASSWORD),
        id="change_password",
    ),
    pytest.param(lambda c: c.users.create(USERNAME, PASSWORD), id="create"),
    pytest.param(lambda c: c.users.verify(VERIFY_TOKEN), id="verify"),
    pytest.param(lambda c: c.users.delete(password=PASSWORD), id="delete"),
    pytest.param(lambda c: c.users.reset_password(USERNAME), id="reset_password"),
    pytest.param(lambda c: c.users.confirm_mfa(MFA_TOKEN, OTP), id="confirm_mfa"),
    pytest.param(lambda c: c.users.disable_mfa(current_password=PASSWORD), id="disable_mfa"),
]


@pytest.mark.parametrize("call", NOT_RETRIED)
async def test_account_changes_are_not_retried(
    client: ParticleClient,
    api: respx.MockRouter,
    call: Callable[[ParticleClient], Awaitable[object]],
) -> None:
    reply(api, {"error": "busy"}, status=503)

    with pytest.raises(APIStatusError) as caught:
        await call(client)

    assert caught.value.status_code == 503
    assert len(api.calls) == 1


# --------------------------------------------------------------------------- secrets in errors

#: Every call carrying a secret, and the secrets it carries.
SECRET_CALLS: list[Any] = [
    pytest.param(
        lambda c: c.users.change_username(NEW_USERNAME, current_password=PASSWORD),
        [PASSWORD],
        True,
        id="change_username",
    ),
    pytest.param(
        lambda c: c.users.change_password(
            NEW_PASSWORD, current_password=PASSWORD, invalidate_tokens=True
        ),
        [NEW_PASSWORD, PASSWORD],
        True,
        id="change_password",
    ),
    pytest.param(
        lambda c: c.users.create(USERNAME, PASSWORD, account_info={"first_name": "Ada"}),
        [PASSWORD],
        False,
        id="create",
    ),
    pytest.param(lambda c: c.users.delete(password=PASSWORD), [PASSWORD], True, id="delete"),
    pytest.param(
        lambda c: c.users.disable_mfa(current_password=PASSWORD),
        [PASSWORD],
        True,
        id="disable_mfa",
    ),
    pytest.param(
        lambda c: c.users.confirm_mfa(MFA_TOKEN, OTP), [MFA_TOKEN, OTP], True, id="confirm_mfa"
    ),
    pytest.param(lambda c: c.users.verify(VERIFY_TOKEN), [VERIFY_TOKEN], False, id="verify"),
]


def assert_no_secret_in(error: APIError, secrets: list[str], *, with_token: bool) -> None:
    """Nothing the error shows or keeps holds a secret, the token, or the request body."""
    assert error.request is not None
    kept = [error.request]
    response = getattr(error, "response", None)
    if response is not None:
        kept.append(response.request)
    shown = [str(error), repr(error), error.message, repr(getattr(error, "body", None))]
    for secret in [*secrets, TOKEN]:
        for text in shown:
            assert secret not in text
    for request in kept:
        assert request.content == b""  # the body carried a secret: none is kept
        assert all(secret.encode() not in request.content for secret in secrets)
        assert TOKEN not in str(request.headers.raw)
        expected = ["[redacted]"] if with_token else []
        assert request.headers.get_list("authorization") == expected


@pytest.mark.parametrize(("call", "secrets", "with_token"), SECRET_CALLS)
@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, BadRequestError), (403, PermissionDeniedError)],
    ids=["400", "403"],
)
async def test_a_status_error_keeps_no_secret(
    client: ParticleClient,
    api: respx.MockRouter,
    call: Callable[[ParticleClient], Awaitable[object]],
    secrets: list[str],
    with_token: bool,
    status: int,
    error_class: type[APIStatusError],
) -> None:
    echoed = " / ".join(secrets)
    reply(
        api,
        {
            "ok": False,
            "error": "invalid_password",
            "error_description": f"the credentials {echoed} were refused",
            "submitted": {"password": secrets[0], "all": secrets},
        },
        status=status,
    )

    with pytest.raises(error_class) as caught:
        await call(client)

    error = caught.value
    assert error.status_code == status
    assert "were refused" in str(error)  # the message itself is kept
    assert "[redacted]" in str(error.error_description)
    assert_no_secret_in(error, secrets, with_token=with_token)


@pytest.mark.parametrize(("call", "secrets", "with_token"), SECRET_CALLS)
async def test_a_connection_error_keeps_no_secret(
    client: ParticleClient,
    api: respx.MockRouter,
    call: Callable[[ParticleClient], Awaitable[object]],
    secrets: list[str],
    with_token: bool,
) -> None:
    api.route().mock(side_effect=httpx.ConnectError(f"refused while sending {secrets[0]}"))

    with pytest.raises(APIConnectionError) as caught:
        await call(client)

    assert_no_secret_in(caught.value, secrets, with_token=with_token)


# --------------------------------------------------------------------------- bad input


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={**USER, "ok": True})
    return api


BAD_USERNAMES: list[object] = [
    None,
    "",
    "a\nb@example.com",
    "ada\x00@example.com",
    "x" * 243 + "@example.com",  # 255 characters
    "no-at-sign",
    "@example.com",
    "ada@",
    "ada lovelace@example.com",
    5,
    b"ada@example.com",
]
BAD_PASSWORDS: list[object] = [None, "", "pass\x00word", "tab\tbed", "p" * 1025, b"bytes", 123]
BAD_FLAGS: list[object] = [None, 1, "true", "yes"]
BAD_TOKENS: list[object] = [None, "", "a\nb", "x" * 4097, 5]
BAD_OTPS: list[object] = [
    None,
    "",
    "12345",
    "123456789",
    "12a456",
    "123 456",
    "\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width digits
    123456,
]
BAD_ACCOUNT_INFO: list[object] = [
    "first_name=Ada",
    ["first_name", "Ada"],
    {},
    {"first_name": None},
    {"nickname": "A."},
    {1: "Ada"},
    {"first_name": 5},
    {"business_account": "yes"},
    {"business_account": 1},
    {"last_name": "a\x00b"},
    {"company_name": "x" * 257},
    {"first_name": "Ada\nLovelace"},
    AccountInfo(),
    AccountInfo(nickname="A."),
]
BAD_UTM: list[object] = [
    "utm_source=newsletter",
    [("utm_source", "newsletter")],
    {"": "newsletter"},
    {5: "newsletter"},
    {"utm_source": 5},
    {"utm_source": None},
    {"utm_source": "a\nb"},
    {"k" * 65: "x"},
    {"utm_source": "x" * 257},
    {f"utm_{n}": "x" for n in range(33)},
]

#: Every argument `client.users` must refuse before any request.
BAD_INPUT = [
    *bad_input_grid(
        {
            "create-username": lambda c, v: c.users.create(v, PASSWORD),
            "reset_password-username": lambda c, v: c.users.reset_password(v),
            "change_username-new_username": lambda c, v: c.users.change_username(
                v, current_password=PASSWORD
            ),
        },
        BAD_USERNAMES,
    ),
    *bad_input_grid(
        {
            "create-password": lambda c, v: c.users.create(USERNAME, v),
            "change_password-new_password": lambda c, v: c.users.change_password(
                v, current_password=PASSWORD
            ),
            "change_password-current_password": lambda c, v: c.users.change_password(
                NEW_PASSWORD, current_password=v
            ),
            "change_username-current_password": lambda c, v: c.users.change_username(
                NEW_USERNAME, current_password=v
            ),
            "delete-password": lambda c, v: c.users.delete(password=v),
            "disable_mfa-current_password": lambda c, v: c.users.disable_mfa(current_password=v),
        },
        BAD_PASSWORDS,
    ),
    *bad_input_grid(
        {
            "change_username-invalidate_tokens": lambda c, v: c.users.change_username(
                NEW_USERNAME, current_password=PASSWORD, invalidate_tokens=v
            ),
            "change_password-invalidate_tokens": lambda c, v: c.users.change_password(
                NEW_PASSWORD, current_password=PASSWORD, invalidate_tokens=v
            ),
            "confirm_mfa-invalidate_tokens": lambda c, v: c.users.confirm_mfa(
                MFA_TOKEN, OTP, invalidate_tokens=v
            ),
            "get_tracking_identity-full": lambda c, v: c.users.get_tracking_identity(full=v),
        },
        BAD_FLAGS,
    ),
    *bad_input_grid(
        {
            "confirm_mfa-mfa_token": lambda c, v: c.users.confirm_mfa(v, OTP),
            "verify-token": lambda c, v: c.users.verify(v),
        },
        BAD_TOKENS,
    ),
    *bad_input_grid({"confirm_mfa-otp": lambda c, v: c.users.confirm_mfa(MFA_TOKEN, v)}, BAD_OTPS),
    *bad_input_grid(
        {
            "update-account_info": lambda c, v: c.users.update(account_info=v),
            "create-account_info": lambda c, v: c.users.create(USERNAME, PASSWORD, account_info=v),
        },
        BAD_ACCOUNT_INFO,
    ),
    bad_input("update-account_info-None", lambda c: c.users.update(account_info=None)),
    *bad_input_grid(
        {"create-utm": lambda c, v: c.users.create(USERNAME, PASSWORD, utm=v)},
        BAD_UTM,
        ids=[f"case{n}" for n in range(len(BAD_UTM))],
    ),
]


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda c: c.users.create("ada", PASSWORD),
            "username must be an e-mail address (name@domain, without spaces), got 'ada'",
            id="username",
        ),
        pytest.param(
            lambda c: c.users.reset_password("x" * 243 + "@example.com"),
            "username is too long (255 characters, at most 254)",
            id="username-too-long",
        ),
        pytest.param(
            lambda c: c.users.update(account_info={"nickname": "A."}),
            "account_info: unknown key 'nickname' (allowed: first_name, last_name, "
            "business_account, company_name)",
            id="account_info-key",
        ),
        pytest.param(
            lambda c: c.users.update(account_info={"business_account": "yes"}),
            "account_info['business_account'] must be a bool, got str",
            id="account_info-type",
        ),
        pytest.param(
            lambda c: c.users.update(account_info={}),
            "account_info must set at least one of first_name, last_name, business_account, "
            "company_name",
            id="account_info-empty",
        ),
        pytest.param(
            lambda c: c.users.create(USERNAME, PASSWORD, utm="utm_source=x"),
            "utm must be a mapping of campaign fields to str values",
            id="utm",
        ),
        pytest.param(
            lambda c: c.users.confirm_mfa(MFA_TOKEN, "12345"),
            "otp must be the current code of the authenticator app: 6 to 8 digits",
            id="otp",
        ),
        pytest.param(
            lambda c: c.users.change_password(NEW_PASSWORD, current_password=None),
            "current_password is required, got None",
            id="current_password",
        ),
    ],
)
async def test_bad_input_messages_say_what_is_allowed(
    client: ParticleClient,
    guard: respx.MockRouter,
    call: Callable[[ParticleClient], Awaitable[object]],
    message: str,
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await call(client)

    assert message in str(caught.value)
    assert len(guard.calls) == 0


#: A refused secret and a fragment of it that the message must not quote.
REFUSED_SECRETS: list[Any] = [
    pytest.param(lambda c: c.users.create(USERNAME, "hunter2\x00secret"), "hunter2", id="nul"),
    pytest.param(lambda c: c.users.delete(password="hunter2" * 200), "hunter2", id="too-long"),
    pytest.param(
        lambda c: c.users.change_password("hunter2\nsecret", current_password=PASSWORD),
        "hunter2",
        id="newline",
    ),
    pytest.param(lambda c: c.users.disable_mfa(current_password=b"hunter2"), "hunter2", id="bytes"),
    pytest.param(lambda c: c.users.confirm_mfa(MFA_TOKEN, "9876543210"), "98765", id="otp"),
    pytest.param(lambda c: c.users.verify("verify\x7ftoken"), "verify", id="token"),
]


@pytest.mark.parametrize(("call", "fragment"), REFUSED_SECRETS)
async def test_a_refused_secret_is_not_quoted(
    client: ParticleClient,
    guard: respx.MockRouter,
    call: Callable[[ParticleClient], Awaitable[object]],
    fragment: str,
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await call(client)

    assert fragment not in str(caught.value)
    assert len(guard.calls) == 0
