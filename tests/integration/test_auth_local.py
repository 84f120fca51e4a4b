"""Logging in and tokens that renew themselves, against the local cloud over real HTTP."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest

from aioparticle import (
    AuthenticationError,
    ClientCredentials,
    InvalidCredentialsError,
    InvalidOtpError,
    LoginRateLimitError,
    MfaRequiredError,
    NotFoundError,
    ParticleClient,
    PasswordLogin,
    PermissionDeniedError,
    RedirectError,
    SsoRequiredError,
)
from aioparticle.testing import MFA_PASSWORD, MFA_SECRET, MFA_USERNAME, LocalCloud, totp
from tests._loopback import Reply, Seen, serve
from tests.integration.conftest import PRODUCT_ID, Fleet, wait_until

pytestmark = pytest.mark.anyio

CLIENT_ID = "fleet-backend"
CLIENT_SECRET = "b3c1d9e7f5a2b8c4d6e0f1a3b5c7d9e1f3a5b7c9"


def grants(cloud: LocalCloud, grant_type: str) -> int:
    """How many requests of `grant_type` the token endpoint answered."""
    return sum(1 for request in cloud.token_requests if request.grant_type == grant_type)


def tokens_of_product(cloud: LocalCloud, product_id: int) -> list[str]:
    with cloud.lock:
        return [t for t, record in cloud.tokens.items() if record.product_id == product_id]


# --------------------------------------------------------------------------- token providers


@pytest.mark.slow
async def test_one_token_request_for_a_hundred_calls_refused_together(fleet: Fleet) -> None:
    cloud = fleet.cloud
    cloud.add_oauth_client(CLIENT_ID, CLIENT_SECRET, product=PRODUCT_ID)
    provider = ClientCredentials(CLIENT_ID, CLIENT_SECRET)

    async with ParticleClient(auth=provider, base_url=cloud.url) as client:
        with anyio.fail_after(20):
            await client.products.get(PRODUCT_ID)  # the first token
            assert grants(cloud, "client_credentials") == 1
            for token in tokens_of_product(cloud, PRODUCT_ID):
                cloud.revoke(token)  # every call in flight is now refused once
            names: list[str] = []

            async def read(index: int) -> None:
                device = fleet.units[index % len(fleet.units)]
                names.append((await client.devices.get(device.id, product=PRODUCT_ID)).name or "")

            async with anyio.create_task_group() as group:
                for index in range(100):
                    group.start_soon(read, index)

    assert len(names) == 100
    assert set(names) == {unit.name for unit in fleet.units}
    assert grants(cloud, "client_credentials") == 2  # one renewal, not a hundred
    assert all(r.ok for r in cloud.token_requests if r.grant_type == "client_credentials")


@pytest.mark.slow
async def test_an_expired_token_is_renewed_by_its_provider(fleet: Fleet) -> None:
    cloud = fleet.cloud
    cloud.token_lifetime = 1
    async with ParticleClient(base_url=cloud.url) as anonymous:

        async def login() -> str:
            # a provider that says nothing of the lifetime: renewal waits for the refusal
            return (await anonymous.auth.login(cloud.username, cloud.password)).access_token

        async with ParticleClient(auth=login, base_url=cloud.url) as client:
            with anyio.fail_after(10):
                first = await client.devices.get_variable("garage", "temp")
                await anyio.sleep(1.3)  # the token has expired
                second = await client.devices.get_variable("garage", "temp")

    assert first.result == second.result == 21.5
    assert grants(cloud, "password") == 2


@pytest.mark.slow
async def test_a_password_login_renews_before_expiry(fleet: Fleet) -> None:
    cloud = fleet.cloud
    cloud.token_lifetime = 2
    provider = PasswordLogin(cloud.username, cloud.password)
    async with ParticleClient(auth=provider, base_url=cloud.url) as client:
        with anyio.fail_after(10):
            await client.devices.get("garage")
            await anyio.sleep(1.9)  # inside the renewal margin of a 2-second token
            await client.devices.get("garage")
    assert grants(cloud, "password") == 2
    assert [r.ok for r in cloud.token_requests] == [True, True]


async def test_an_mfa_account_logs_in_by_itself_with_an_otp_source(cloud: LocalCloud) -> None:
    provider = PasswordLogin(MFA_USERNAME, MFA_PASSWORD, otp=lambda: totp(MFA_SECRET))
    async with ParticleClient(auth=provider, base_url=cloud.url) as client:
        info = await client.auth.get_current_token()
    assert info.client == "particle-api"
    assert [r.grant_type for r in cloud.token_requests] == ["password", "urn:custom:mfa-otp"]


async def test_an_event_stream_reconnects_with_a_renewed_token(fleet: Fleet) -> None:
    cloud = fleet.cloud
    cloud.add_oauth_client(CLIENT_ID, CLIENT_SECRET, product=PRODUCT_ID)
    cloud.inject_stream(drop_after=1, times=1)  # the first stream ends after one event
    async with ParticleClient(
        auth=ClientCredentials(CLIENT_ID, CLIENT_SECRET), base_url=cloud.url
    ) as client:
        with anyio.fail_after(20):
            async with client.events.stream(product=PRODUCT_ID) as stream:
                await wait_until(lambda: len(cloud.stream_opens) == 1)
                cloud.publish("reading", "1", device=fleet.units[0].id)
                first = await stream.__anext__()
                for token in tokens_of_product(cloud, PRODUCT_ID):
                    cloud.revoke(token)  # before the stream reconnects (at least 0.5 s later)
                await wait_until(lambda: len(cloud.stream_opens) == 2, limit=10)
                cloud.publish("reading", "2", device=fleet.units[0].id)
                second = await stream.__anext__()
    assert (first.data, second.data) == ("1", "2")
    assert grants(cloud, "client_credentials") == 2  # the reconnect was refused once, renewed


# --------------------------------------------------------------------------- logging in


async def test_mfa_login_end_to_end(cloud: LocalCloud) -> None:
    async with ParticleClient(base_url=cloud.url) as client:
        with pytest.raises(MfaRequiredError) as caught:
            await client.auth.login(MFA_USERNAME, MFA_PASSWORD, expires_in=3600)
        mfa_token = caught.value.mfa_token
        assert mfa_token and mfa_token not in str(caught.value)
        with pytest.raises(InvalidOtpError):
            await client.auth.login_otp(
                mfa_token, "000000" if totp(MFA_SECRET) != "000000" else "1"
            )
        token = await client.auth.login_otp(mfa_token, totp(MFA_SECRET))
        assert 3500 <= (token.expires_in or 0) <= 3600  # the lifetime asked for in step one
        user = client.with_options(access_token=token.access_token)
        assert (await user.auth.get_current_token()).client == "particle-api"
        # the mfa_token is spent
        with pytest.raises(InvalidOtpError):
            await client.auth.login_otp(mfa_token, totp(MFA_SECRET))


async def test_an_expired_mfa_token_is_an_otp_error(cloud: LocalCloud) -> None:
    async with ParticleClient(base_url=cloud.url) as client:
        with pytest.raises(MfaRequiredError) as caught:
            await client.auth.login(MFA_USERNAME, MFA_PASSWORD)
        with cloud.lock:
            username, expires_in, _ = cloud.mfa_logins[caught.value.mfa_token]
            cloud.mfa_logins[caught.value.mfa_token] = (username, expires_in, time.monotonic())
        with pytest.raises(InvalidOtpError, match="expired"):
            await client.auth.login_otp(caught.value.mfa_token, totp(MFA_SECRET))


async def test_wrong_password_sso_only_and_wrong_client(cloud: LocalCloud) -> None:
    cloud.add_user("sso-only@example.com", None)
    async with ParticleClient(base_url=cloud.url) as client:
        with pytest.raises(InvalidCredentialsError):
            await client.auth.login(cloud.username, "not the password")
        with pytest.raises(SsoRequiredError):
            await client.auth.login("sso-only@example.com", "anything at all")
        wrong = client.with_options(client_id="nobody", client_secret="nothing-at-all")
        with pytest.raises(InvalidCredentialsError, match="Client authentication failed"):
            await wrong.auth.login_client_credentials()
        token = await client.auth.login(cloud.username, cloud.password)
    assert token.access_token in cloud.tokens
    assert [r.ok for r in cloud.token_requests] == [False, False, False, True]


async def test_ten_failures_lock_the_address_out_and_nothing_is_retried(
    cloud: LocalCloud,
) -> None:
    async with ParticleClient(base_url=cloud.url, max_retries=5) as client:
        for _ in range(10):
            with pytest.raises(InvalidCredentialsError):
                await client.auth.login(cloud.username, "guess")
        with pytest.raises(LoginRateLimitError) as caught:
            await client.auth.login(cloud.username, cloud.password)  # even the right one
    assert caught.value.status_code == 429
    assert caught.value.retry_after is not None and 1790 <= caught.value.retry_after <= 1800
    assert len(cloud.token_requests) == 11  # one request per login: none repeated


async def test_revoking_tokens(cloud: LocalCloud) -> None:
    async with ParticleClient(base_url=cloud.url) as anonymous:
        one = (await anonymous.auth.login(cloud.username, cloud.password)).access_token
        two = (await anonymous.auth.login(cloud.username, cloud.password)).access_token
        three = (await anonymous.auth.login(cloud.username, cloud.password)).access_token
        listed = await anonymous.auth.list_tokens(cloud.username, cloud.password)
        assert {one, two, three, cloud.token} <= {t.token for t in listed}
        first = anonymous.with_options(access_token=one)
        await first.auth.delete_token(two)
        with pytest.raises(NotFoundError):
            await first.auth.delete_token(two)
        await first.auth.delete_current_token()
        with pytest.raises(AuthenticationError):
            await first.auth.get_current_token()
        third = anonymous.with_options(access_token=three)
        await third.auth.get_current_token()
        await third.auth.delete_all_tokens()
        with pytest.raises(AuthenticationError):
            await third.auth.get_current_token()
        assert await anonymous.auth.list_tokens(cloud.username, cloud.password) == []


async def test_listing_the_tokens_of_an_mfa_account_needs_the_otp(cloud: LocalCloud) -> None:
    async with ParticleClient(base_url=cloud.url) as client:
        with pytest.raises(AuthenticationError):
            await client.auth.list_tokens(cloud.username, "wrong password")
        with pytest.raises(PermissionDeniedError, match="one-time password"):
            await client.auth.list_tokens(MFA_USERNAME, MFA_PASSWORD)
        tokens = await client.auth.list_tokens(MFA_USERNAME, MFA_PASSWORD, otp=totp(MFA_SECRET))
    assert len(tokens) == 1  # the one the local cloud made with the account


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_the_token_endpoint_is_never_followed_elsewhere(status: int) -> None:
    def elsewhere(seen: Seen) -> Reply:
        return Reply(body=b'{"access_token": "stolen", "token_type": "bearer"}')

    async with serve(elsewhere) as thief:

        def redirect(seen: Seen) -> Reply:
            return Reply(status=status, body=b"", headers={"location": f"{thief.url}/oauth/token"})

        async with serve(redirect) as cloud:
            async with ParticleClient(
                base_url=cloud.url, client_id="backend", client_secret=CLIENT_SECRET
            ) as client:
                with pytest.raises(RedirectError):
                    await client.auth.login("jane@example.com", "hunter2-password")
                with pytest.raises(RedirectError):
                    await client.auth.login_client_credentials()
                with pytest.raises(RedirectError):
                    await client.auth.list_tokens("jane@example.com", "hunter2-password")
            provider = ClientCredentials("backend", CLIENT_SECRET)
            async with ParticleClient(auth=provider, base_url=cloud.url) as client:
                with pytest.raises(RedirectError):
                    await client.devices.get("garage")
            login = PasswordLogin("jane@example.com", "hunter2-password")
            async with ParticleClient(auth=login, base_url=cloud.url) as client:
                with pytest.raises(RedirectError):
                    await client.devices.get("garage")

    assert len(cloud.seen) == 5
    assert thief.seen == []  # no password and no client secret reached the second server
    assert all(seen.method in ("POST", "GET") for seen in cloud.seen)


async def test_a_raw_token_request_shape_matches_the_sdks(
    cloud: LocalCloud, raw: httpx.AsyncClient
) -> None:
    # the SDK and a hand-written form post get the same answer from the local cloud
    form = {
        "grant_type": "password",
        "username": cloud.username,
        "password": cloud.password,
        "client_id": "particle-api",
        "client_secret": "particle-api",
    }
    answer = await raw.post("/oauth/token", data=form)
    assert answer.status_code == 200
    assert set(answer.json()) == {"token_type", "access_token", "expires_in", "refresh_token"}
    as_json = await raw.post("/oauth/token", json=form)
    assert as_json.status_code == 400  # the token endpoint takes forms only


async def test_an_account_from_sign_up_to_mfa_login(cloud: LocalCloud) -> None:
    username, password = "ada@example.com", "analytical-engine-1843"
    async with ParticleClient(base_url=cloud.url) as anonymous:
        with anyio.fail_after(10):
            await anonymous.users.create(username, password)
            await anonymous.users.verify(cloud.verification_tokens[username])
            first = await anonymous.auth.login(username, password)
            me = anonymous.with_options(access_token=first.access_token)
            enrolment = await me.users.enable_mfa()
            assert enrolment.secret is not None
            secret = enrolment.secret.get_secret_value()
            await me.users.confirm_mfa(enrolment.mfa_token, totp(secret))
            with pytest.raises(MfaRequiredError) as caught:
                await anonymous.auth.login(username, password)
            second = await anonymous.auth.login_otp(caught.value.mfa_token, totp(secret))
            me = anonymous.with_options(access_token=second.access_token)
            assert (await me.users.get()).username == username
            await me.users.change_password("difference-engine-1822", current_password=password)
            with pytest.raises(InvalidCredentialsError):
                await anonymous.auth.login(username, password)
            await me.users.disable_mfa(current_password="difference-engine-1822")
            third = await anonymous.auth.login(username, "difference-engine-1822")
    assert third.access_token in cloud.tokens
