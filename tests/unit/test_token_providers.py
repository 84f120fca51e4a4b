"""Token providers: the first call obtains a token, a refused token is renewed once for every
caller, tokens are renewed before they expire, and no credential shows anywhere."""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

from aioparticle import (
    AccessToken,
    AuthenticationError,
    ClientCredentials,
    InvalidArgumentError,
    InvalidCredentialsError,
    MfaRequiredError,
    ParticleClient,
    PasswordLogin,
    _auth,
)
from tests.conftest import API
from tests.unit._wire import check_request

pytestmark = pytest.mark.anyio

CLIENT_ID = "acme-backend-1234"
CLIENT_SECRET = "9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
USERNAME = "jane@example.com"
PASSWORD = "correct horse battery"
FIRST = "1111111111aaaaaaaaaa2222222222bbbbbbbbbb"
SECOND = "3333333333cccccccccc4444444444dddddddddd"
REFUSED = {"error": "invalid_token", "error_description": "The access token provided is invalid."}
EXPIRED = {"error": "invalid_token", "error_description": "The access token has expired"}
DEVICES = "/v1/devices"


def granted(token: str, expires_in: int = 3600) -> httpx.Response:
    return httpx.Response(
        200,
        json={"token_type": "bearer", "access_token": token, "expires_in": expires_in},
    )


def accepting(*tokens: str) -> Callable[[httpx.Request], httpx.Response]:
    """The API: 200 for a request carrying one of `tokens`, else 401 "invalid token"."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") in {f"Bearer {t}" for t in tokens}:
            return httpx.Response(200, json=[])
        return httpx.Response(401, json=REFUSED)

    return answer


def bearers(api: respx.MockRouter, path: str = DEVICES) -> list[str]:
    """The bearer token of every request to `path`, in order."""
    return [
        call.request.headers["authorization"].removeprefix("Bearer ")
        for call in api.calls
        if call.request.url.path == path
    ]


async def listing(client: ParticleClient) -> None:
    await client.devices.list()


class Counting:
    """An async provider handing out `tokens` in turn, counting its calls."""

    def __init__(self, *tokens: str | AccessToken, delay: float = 0.0) -> None:
        self.tokens = list(tokens)
        self.calls = 0
        self.delay = delay

    async def __call__(self) -> str | AccessToken:
        self.calls += 1
        if self.delay:
            await anyio.sleep(self.delay)
        else:
            await anyio.lowlevel.checkpoint()
        return self.tokens[min(self.calls, len(self.tokens)) - 1]


# --------------------------------------------------------------------------- built-in providers


async def test_client_credentials_obtain_a_token_on_first_use(api: respx.MockRouter) -> None:
    token_route = api.post("/oauth/token").mock(return_value=granted(FIRST))
    api.get(DEVICES).mock(side_effect=accepting(FIRST))

    async with ParticleClient(
        auth=ClientCredentials(CLIENT_ID, CLIENT_SECRET), base_url=API
    ) as client:
        assert client.has_access_token
        assert token_route.call_count == 0  # nothing happens before the first call
        await client.devices.list()
        await client.devices.list()

    assert token_route.call_count == 1
    check_request(
        token_route.calls[0].request,
        "POST",
        "/oauth/token",
        form=[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
        token=None,
    )
    assert bearers(api) == [FIRST, FIRST]


async def test_client_credentials_scope_and_lifetime(api: respx.MockRouter) -> None:
    token_route = api.post("/oauth/token").mock(return_value=granted(FIRST))
    api.get(DEVICES).mock(side_effect=accepting(FIRST))
    provider = ClientCredentials(
        CLIENT_ID, CLIENT_SECRET, scope="customer=jane@example.com", expires_in=600
    )

    async with ParticleClient(auth=provider, base_url=API) as client:
        await client.devices.list()

    check_request(
        token_route.calls[0].request,
        "POST",
        "/oauth/token",
        form=[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("scope", "customer=jane@example.com"),
            ("expires_in", "600"),
        ],
        token=None,
    )


async def test_password_login_uses_the_clients_oauth_pair(api: respx.MockRouter) -> None:
    token_route = api.post("/oauth/token").mock(return_value=granted(FIRST))
    api.get(DEVICES).mock(side_effect=accepting(FIRST))

    async with ParticleClient(
        auth=PasswordLogin(USERNAME, PASSWORD, expires_in=3600), base_url=API
    ) as client:
        await client.devices.list()

    check_request(
        token_route.calls[0].request,
        "POST",
        "/oauth/token",
        form=[
            ("username", USERNAME),
            ("password", PASSWORD),
            ("grant_type", "password"),
            ("expires_in", "3600"),
            ("client_id", "particle-api"),
            ("client_secret", "particle-api"),
        ],
        token=None,
    )
    assert bearers(api) == [FIRST]


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync-otp", "async-otp"])
async def test_password_login_finishes_an_mfa_login_with_the_otp_source(
    api: respx.MockRouter, asynchronous: bool
) -> None:
    mfa = {"error": "mfa_required", "error_description": "MFA", "mfa_token": "mfa-abcdef123456"}
    token_route = api.post("/oauth/token")
    token_route.side_effect = [httpx.Response(403, json=mfa), granted(FIRST)]
    api.get(DEVICES).mock(side_effect=accepting(FIRST))
    asked: list[int] = []

    def code() -> str:
        asked.append(1)
        return "123456"

    async def async_code() -> str:
        return code()

    provider = PasswordLogin(USERNAME, PASSWORD, otp=async_code if asynchronous else code)
    async with ParticleClient(auth=provider, base_url=API) as client:
        await client.devices.list()

    assert asked == [1]
    check_request(
        token_route.calls[1].request,
        "POST",
        "/oauth/token",
        form=[
            ("grant_type", "urn:custom:mfa-otp"),
            ("mfa_token", "mfa-abcdef123456"),
            ("otp", "123456"),
            ("client_id", "particle-api"),
            ("client_secret", "particle-api"),
        ],
        token=None,
    )
    assert bearers(api) == [FIRST]


async def test_password_login_without_an_otp_source_raises_mfa_required(
    api: respx.MockRouter,
) -> None:
    mfa = {"error": "mfa_required", "error_description": "MFA", "mfa_token": "mfa-abcdef123456"}
    api.post("/oauth/token").respond(403, json=mfa)
    devices = api.get(DEVICES)

    async with ParticleClient(auth=PasswordLogin(USERNAME, PASSWORD), base_url=API) as client:
        with pytest.raises(MfaRequiredError) as caught:
            await client.devices.list()

    assert caught.value.mfa_token == "mfa-abcdef123456"
    assert devices.call_count == 0


async def test_a_refused_login_is_raised_to_the_caller_and_never_retried(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token_route = api.post("/oauth/token").respond(
        401,
        json={"error": "invalid_client", "error_description": f"bad secret {CLIENT_SECRET}"},
    )
    devices = api.get(DEVICES)

    async with ParticleClient(
        auth=ClientCredentials(CLIENT_ID, CLIENT_SECRET), base_url=API
    ) as client:
        with pytest.raises(InvalidCredentialsError) as caught:
            await client.devices.list()

    assert token_route.call_count == 1
    assert devices.call_count == 0
    error = caught.value
    for text in (str(error), repr(error), repr(error.body), caplog.text, repr(client)):
        assert CLIENT_SECRET not in text
    assert error.request is not None and error.request.content == b""


def test_providers_never_show_their_secrets() -> None:
    credentials = ClientCredentials(CLIENT_ID, CLIENT_SECRET)
    login = PasswordLogin(USERNAME, PASSWORD)
    assert repr(credentials) == f"ClientCredentials(client_id='{CLIENT_ID}', client_secret='***')"
    assert repr(login) == f"PasswordLogin(username='{USERNAME}', password='***')"
    client = ParticleClient(auth=credentials, base_url=API)
    assert CLIENT_SECRET not in repr(client)
    assert "ClientCredentials(" in repr(client)
    assert PASSWORD not in repr(ParticleClient(auth=login, base_url=API))


@pytest.mark.parametrize(
    "make",
    [
        lambda: ClientCredentials("", CLIENT_SECRET),
        lambda: ClientCredentials(CLIENT_ID, None),  # type: ignore[arg-type]
        lambda: ClientCredentials(CLIENT_ID, "se\ncret"),
        lambda: ClientCredentials(CLIENT_ID, CLIENT_SECRET, expires_in=-5),
        lambda: PasswordLogin("", PASSWORD),
        lambda: PasswordLogin(USERNAME, ""),
        lambda: PasswordLogin(USERNAME, PASSWORD, otp="123456"),  # type: ignore[arg-type]
        lambda: ParticleClient(auth="a-token", base_url=API),  # type: ignore[arg-type]
        lambda: ParticleClient(FIRST, auth=PasswordLogin(USERNAME, PASSWORD), base_url=API),
    ],
    ids=[
        "empty-id",
        "None-secret",
        "control-secret",
        "negative-lifetime",
        "empty-username",
        "empty-password",
        "otp-not-callable",
        "auth-str",
        "token-and-provider",
    ],
)
def test_bad_providers_are_refused_at_once(make: Callable[[], object]) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        make()
    assert CLIENT_SECRET not in str(caught.value) and PASSWORD not in str(caught.value)


# --------------------------------------------------------------------------- renewal


async def test_a_refused_token_is_renewed_once_and_the_call_retried(
    api: respx.MockRouter,
) -> None:
    provider = Counting(FIRST, SECOND)
    api.get(DEVICES).mock(side_effect=accepting(SECOND))

    async with ParticleClient(auth=provider, base_url=API) as client:
        assert await client.devices.list() is not None

    assert provider.calls == 2
    assert bearers(api) == [FIRST, SECOND]


@pytest.mark.parametrize("body", [REFUSED, EXPIRED], ids=["invalid", "expired"])
async def test_a_second_refusal_is_raised_never_looped(
    api: respx.MockRouter, body: dict[str, str]
) -> None:
    provider = Counting(FIRST, SECOND, "5555555555eeeeeeeeee6666666666ffffffffff")
    api.get(DEVICES).respond(401, json=body)

    async with ParticleClient(auth=provider, base_url=API) as client:
        with pytest.raises(AuthenticationError):
            await client.devices.list()

    assert provider.calls == 2
    assert bearers(api) == [FIRST, SECOND]


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(401, json={"error": "invalid_request", "error_description": "no token"}),
        httpx.Response(401, text="<html>Unauthorized</html>"),
        httpx.Response(403, json={"ok": False, "error": "Permission Denied"}),
    ],
    ids=["401-not-about-the-token", "401-html", "403"],
)
async def test_other_refusals_are_not_renewals(
    api: respx.MockRouter, answer: httpx.Response
) -> None:
    provider = Counting(FIRST, SECOND)
    api.get(DEVICES).mock(return_value=answer)

    async with ParticleClient(auth=provider, base_url=API) as client:
        with pytest.raises(AuthenticationError if answer.status_code == 401 else Exception):
            await client.devices.list()

    assert provider.calls == 1
    assert bearers(api) == [FIRST]


async def test_a_fixed_token_is_never_renewed(api: respx.MockRouter) -> None:
    api.get(DEVICES).respond(401, json=REFUSED)
    token_route = api.post("/oauth/token")
    async with ParticleClient(FIRST, base_url=API) as client:
        with pytest.raises(AuthenticationError):
            await client.devices.list()
    assert token_route.call_count == 0
    assert len(api.calls) == 1


async def test_one_renewal_for_a_hundred_calls_in_flight(api: respx.MockRouter) -> None:
    provider = Counting(FIRST, SECOND, delay=0.01)
    api.get(DEVICES).mock(side_effect=accepting(SECOND))

    async with ParticleClient(auth=provider, base_url=API) as client:
        await client.devices.list()  # FIRST obtained, refused, SECOND obtained
        provider.tokens.append("7777777777aaaaaaaaaa8888888888bbbbbbbbbb")
        api.get(DEVICES).mock(side_effect=accepting("7777777777aaaaaaaaaa8888888888bbbbbbbbbb"))
        assert provider.calls == 2
        results: list[object] = []

        async def one() -> None:
            results.append(await client.devices.list())

        async with anyio.create_task_group() as group:
            for _ in range(100):
                group.start_soon(one)

    assert len(results) == 100
    assert provider.calls == 3  # one renewal for all hundred refusals
    sent = bearers(api)
    assert sent.count(SECOND) == 1 + 100  # every call was refused once ...
    assert sent.count("7777777777aaaaaaaaaa8888888888bbbbbbbbbb") == 100  # ... and retried once


async def test_the_first_token_is_obtained_once_for_concurrent_first_calls(
    api: respx.MockRouter,
) -> None:
    provider = Counting(FIRST, delay=0.01)
    api.get(DEVICES).mock(side_effect=accepting(FIRST))

    async with ParticleClient(auth=provider, base_url=API) as client:
        async with anyio.create_task_group() as group:
            for _ in range(50):
                group.start_soon(listing, client)

    assert provider.calls == 1
    assert bearers(api) == [FIRST] * 50


async def test_a_failing_provider_fails_every_waiter_and_is_tried_again_later(
    api: respx.MockRouter,
) -> None:
    attempts: list[int] = []

    async def provider() -> str:
        attempts.append(1)
        await anyio.sleep(0.01)
        if len(attempts) == 1:
            raise RuntimeError("vault unreachable")
        return FIRST

    api.get(DEVICES).mock(side_effect=accepting(FIRST))
    failures: list[BaseException] = []

    async with ParticleClient(auth=provider, base_url=API) as client:

        async def one() -> None:
            try:
                await client.devices.list()
            except RuntimeError as exc:
                failures.append(exc)

        async with anyio.create_task_group() as group:
            for _ in range(10):
                group.start_soon(one)
        assert len(attempts) == 1
        assert len(failures) == 10
        assert all(str(f) == "vault unreachable" for f in failures)

        await client.devices.list()  # the next call asks the provider again

    assert len(attempts) == 2


async def test_a_cancelled_renewal_lets_the_next_caller_renew(api: respx.MockRouter) -> None:
    started = anyio.Event()
    attempts: list[int] = []

    async def provider() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            started.set()
            await anyio.sleep_forever()
        return FIRST

    api.get(DEVICES).mock(side_effect=accepting(FIRST))

    async with ParticleClient(auth=provider, base_url=API) as client:
        async with anyio.create_task_group() as group:
            group.start_soon(listing, client)
            await started.wait()
            group.cancel_scope.cancel()
        with anyio.fail_after(5):
            await client.devices.list()

    assert len(attempts) == 2
    assert bearers(api) == [FIRST]


async def test_a_token_is_renewed_before_it_expires(
    api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(_auth, "_now", lambda: now[0])
    provider = Counting(
        AccessToken(access_token=FIRST, expires_in=3600),
        AccessToken(access_token=SECOND, expires_in=3600),
    )
    api.get(DEVICES).mock(side_effect=accepting(FIRST, SECOND))

    async with ParticleClient(auth=provider, base_url=API) as client:
        await client.devices.list()
        now[0] += 3600 - 61  # more than a minute left: kept
        await client.devices.list()
        now[0] += 2  # under a minute left: renewed before use
        await client.devices.list()

    assert provider.calls == 2
    assert bearers(api) == [FIRST, FIRST, SECOND]


async def test_a_provider_returning_something_else_is_a_clear_error(
    api: respx.MockRouter,
) -> None:
    async def provider() -> object:
        return 12345

    async with ParticleClient(auth=provider, base_url=API) as client:  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError, match="must return the access token"):
            await client.devices.list()
    assert len(api.calls) == 0


# --------------------------------------------------------------------------- views and streams


async def test_views_share_the_providers_tokens(api: respx.MockRouter) -> None:
    provider = Counting(FIRST)
    api.get(DEVICES).mock(side_effect=accepting(FIRST, SECOND))

    async with ParticleClient(auth=provider, base_url=API) as client:
        view = client.with_options(timeout=5)
        await client.devices.list()
        await view.devices.list()
        fixed = client.with_options(access_token=SECOND)
        await fixed.devices.list()
        with pytest.raises(InvalidArgumentError):
            client.with_options(access_token=SECOND, auth=provider)

    assert provider.calls == 1
    assert bearers(api) == [FIRST, FIRST, SECOND]


async def test_a_provider_wins_over_the_environment(
    api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTICLE_ACCESS_TOKEN", SECOND)
    api.get(DEVICES).mock(side_effect=accepting(FIRST))
    async with ParticleClient(auth=Counting(FIRST), base_url=API) as client:
        await client.devices.list()
    assert bearers(api) == [FIRST]


async def test_an_event_stream_reconnects_with_a_renewed_token(
    api: respx.MockRouter, sleeps: list[float]
) -> None:
    provider = Counting(FIRST, SECOND)
    path = "/v1/devices/events"
    event = ':ok\n\nevent: {name}\ndata: {{"data":"1","coreid":"d1"}}\n\n'

    opened: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent = request.headers["authorization"]
        opened.append(sent)
        if sent == f"Bearer {FIRST}" and len(opened) == 1:
            text = event.format(name="one")
        elif sent == f"Bearer {SECOND}":
            text = event.format(name="two")
        else:  # the first token expired while the stream was open
            return httpx.Response(401, json=EXPIRED)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=text)

    api.get(path).mock(side_effect=answer)

    async with ParticleClient(auth=provider, base_url=API) as client:
        names = []
        async with client.events.stream(device="mine") as stream:
            async for item in stream:
                names.append(item.name)
                if len(names) == 2:
                    break

    assert names == ["one", "two"]
    assert provider.calls == 2
    assert bearers(api, path) == [FIRST, FIRST, SECOND]
