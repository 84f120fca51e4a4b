"""`client.users` against the local cloud over real HTTP: sign-up and verification without a
token, the profile, password and username changes, MFA enrolment, account deletion."""

from __future__ import annotations

import anyio
import pytest

from aioparticle import (
    AccountInfo,
    AuthenticationError,
    BadRequestError,
    ParticleClient,
    PermissionDeniedError,
)
from aioparticle.testing import DEFAULT_PASSWORD, DEFAULT_USERNAME, LocalCloud, totp

pytestmark = pytest.mark.anyio

NEW_USER = "grace@example.com"
NEW_USER_PASSWORD = "hopper-compiler-1952"
NEW_PASSWORD = "a-new-local-password"
WRONG_PASSWORD = "not-the-password"


async def test_sign_up_then_verify_without_a_token(cloud: LocalCloud) -> None:
    async with ParticleClient(base_url=cloud.url) as anonymous:
        with anyio.fail_after(5):
            await anonymous.users.create(
                NEW_USER,
                NEW_USER_PASSWORD,
                account_info=AccountInfo(first_name="Grace", company_name="Navy"),
                utm={"utm_source": "newsletter"},
            )
            created = cloud.users[NEW_USER]
            assert created.verified is False
            assert created.account_info == {"first_name": "Grace", "company_name": "Navy"}
            assert created.utm == {"utm_source": "newsletter"}
            assert cloud.check_password(NEW_USER, NEW_USER_PASSWORD)
            with pytest.raises(BadRequestError, match="already taken"):
                await anonymous.users.create(NEW_USER, "another-password")

            token = cloud.verification_tokens[NEW_USER]
            with pytest.raises(BadRequestError, match="verification token"):
                await anonymous.users.verify(token + "x")
            assert cloud.users[NEW_USER].verified is False
            await anonymous.users.verify(token)
            assert cloud.users[NEW_USER].verified is True
            assert NEW_USER not in cloud.verification_tokens
            with pytest.raises(BadRequestError):  # a token verifies once
                await anonymous.users.verify(token)


async def test_password_reset_is_recorded(cloud: LocalCloud) -> None:
    async with ParticleClient(base_url=cloud.url) as anonymous:
        with anyio.fail_after(5):
            await anonymous.users.reset_password(DEFAULT_USERNAME)
            await anonymous.users.reset_password("nobody@example.com")  # answered alike
    assert cloud.password_resets == [DEFAULT_USERNAME, "nobody@example.com"]


async def test_get_and_update_the_profile(cloud: LocalCloud, sdk: ParticleClient) -> None:
    cloud.add_device("garage", platform="argon")
    cloud.add_device("boat", platform="boron")
    with anyio.fail_after(5):
        user = await sdk.users.get()
        assert user.username == DEFAULT_USERNAME
        assert user.mfa is not None and user.mfa.enabled is False
        assert (user.no_password, user.wifi_device_count, user.cellular_device_count) == (
            False,
            1,
            1,
        )
        assert user.account_info == AccountInfo()

        updated = await sdk.users.update(
            account_info=AccountInfo(first_name="Ada", business_account=True)
        )
        assert updated.account_info == AccountInfo(first_name="Ada", business_account=True)
        updated = await sdk.users.update(account_info={"last_name": "Lovelace"})
        assert (updated.account_info.first_name, updated.account_info.last_name) == (
            "Ada",
            "Lovelace",
        )
        assert await sdk.users.get() == updated
    assert cloud.users[DEFAULT_USERNAME].account_info == {
        "first_name": "Ada",
        "business_account": True,
        "last_name": "Lovelace",
    }


async def test_tracking_identity(cloud: LocalCloud, sdk: ParticleClient) -> None:
    with anyio.fail_after(5):
        tracking = await sdk.users.get_tracking_identity()
        full = await sdk.users.get_tracking_identity(full=True)
    assert tracking.id == full.id == cloud.users[DEFAULT_USERNAME].tracking_id
    assert (tracking.email, full.email) == (None, DEFAULT_USERNAME)


async def test_change_password(cloud: LocalCloud, sdk: ParticleClient) -> None:
    with anyio.fail_after(5):
        with pytest.raises(PermissionDeniedError) as caught:
            await sdk.users.change_password(NEW_PASSWORD, current_password=WRONG_PASSWORD)
        error = caught.value
        for secret in (NEW_PASSWORD, WRONG_PASSWORD):
            assert secret not in str(error) and secret not in repr(error.body)
        assert error.request is not None and error.request.content == b""
        assert cloud.check_password(DEFAULT_USERNAME, DEFAULT_PASSWORD)

        await sdk.users.change_password(NEW_PASSWORD, current_password=DEFAULT_PASSWORD)
        assert not cloud.check_password(DEFAULT_USERNAME, DEFAULT_PASSWORD)
        assert cloud.check_password(DEFAULT_USERNAME, NEW_PASSWORD)
        assert (await sdk.users.get()).username == DEFAULT_USERNAME  # the token still works

        await sdk.users.change_password(
            DEFAULT_PASSWORD, current_password=NEW_PASSWORD, invalidate_tokens=True
        )
        assert cloud.check_password(DEFAULT_USERNAME, DEFAULT_PASSWORD)
        with pytest.raises(AuthenticationError):
            await sdk.users.get()


async def test_change_username_keeps_the_account(cloud: LocalCloud, sdk: ParticleClient) -> None:
    garage = cloud.add_device("garage")
    with anyio.fail_after(5):
        await sdk.users.change_username(NEW_USER, current_password=DEFAULT_PASSWORD)
        assert (await sdk.users.get()).username == NEW_USER  # the token followed the account
    assert DEFAULT_USERNAME not in cloud.users
    assert cloud.check_password(NEW_USER, DEFAULT_PASSWORD)
    assert garage.owner == NEW_USER


async def test_change_username_invalidating_tokens(cloud: LocalCloud, sdk: ParticleClient) -> None:
    with anyio.fail_after(5):
        with pytest.raises(PermissionDeniedError):
            await sdk.users.change_username(NEW_USER, current_password=WRONG_PASSWORD)
        with pytest.raises(BadRequestError, match="already taken"):
            await sdk.users.change_username(
                "mfa-user@example.com", current_password=DEFAULT_PASSWORD
            )
        assert DEFAULT_USERNAME in cloud.users

        await sdk.users.change_username(
            NEW_USER, current_password=DEFAULT_PASSWORD, invalidate_tokens=True
        )
        assert NEW_USER in cloud.users and DEFAULT_USERNAME not in cloud.users
        assert cloud.lookup_token(cloud.token) is None
        with pytest.raises(AuthenticationError):
            await sdk.users.get()


async def test_enable_confirm_and_disable_mfa(cloud: LocalCloud, sdk: ParticleClient) -> None:
    with anyio.fail_after(5):
        enrollment = await sdk.users.enable_mfa()
        assert enrollment.secret is not None
        secret = enrollment.secret.get_secret_value()
        assert enrollment.qr_url is not None and secret in enrollment.qr_url
        assert cloud.users[DEFAULT_USERNAME].mfa_secret is None

        code = totp(secret)
        wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
        with pytest.raises(BadRequestError, match="one-time password") as caught:
            await sdk.users.confirm_mfa(enrollment.mfa_token, wrong)
        assert wrong not in str(caught.value)
        assert cloud.users[DEFAULT_USERNAME].mfa_secret is None

        confirmation = await sdk.users.confirm_mfa(enrollment.mfa_token, totp(secret))
        assert confirmation.enrolled is True
        assert cloud.users[DEFAULT_USERNAME].mfa_secret == secret
        user = await sdk.users.get()
        assert user.mfa is not None and user.mfa.enabled is True
        with pytest.raises(BadRequestError):  # an enrolment is confirmed once
            await sdk.users.confirm_mfa(enrollment.mfa_token, totp(secret))
        with pytest.raises(BadRequestError, match="already enabled"):
            await sdk.users.enable_mfa()

        with pytest.raises(PermissionDeniedError):
            await sdk.users.disable_mfa(current_password=WRONG_PASSWORD)
        assert cloud.users[DEFAULT_USERNAME].mfa_secret == secret
        await sdk.users.disable_mfa(current_password=DEFAULT_PASSWORD)
        assert cloud.users[DEFAULT_USERNAME].mfa_secret is None


async def test_confirm_mfa_invalidating_tokens(cloud: LocalCloud, sdk: ParticleClient) -> None:
    with anyio.fail_after(5):
        enrollment = await sdk.users.enable_mfa()
        assert enrollment.secret is not None
        secret = enrollment.secret.get_secret_value()
        await sdk.users.confirm_mfa(enrollment.mfa_token, totp(secret), invalidate_tokens=True)
        assert cloud.users[DEFAULT_USERNAME].mfa_secret == secret
        with pytest.raises(AuthenticationError):
            await sdk.users.get()


async def test_delete_the_account(cloud: LocalCloud) -> None:
    token = cloud.add_user(NEW_USER, NEW_USER_PASSWORD)
    device = cloud.add_device("lamp", owner=NEW_USER)
    async with ParticleClient(token, base_url=cloud.url) as leaving:
        with anyio.fail_after(5):
            with pytest.raises(PermissionDeniedError):
                await leaving.users.delete(password=WRONG_PASSWORD)
            assert NEW_USER in cloud.users

            await leaving.users.delete(password=NEW_USER_PASSWORD)
            assert NEW_USER not in cloud.users
            assert cloud.lookup_token(token) is None
            assert device.owner is None
            with pytest.raises(AuthenticationError):
                await leaving.users.get()
    assert DEFAULT_USERNAME in cloud.users  # the other accounts are untouched


async def test_a_product_token_has_no_account(cloud: LocalCloud) -> None:
    product = cloud.add_product(4242, slug="fleet")
    token = cloud.issue_token(None, product_id=product.id)
    async with ParticleClient(token, base_url=cloud.url) as product_client:
        with anyio.fail_after(5), pytest.raises(PermissionDeniedError):
            await product_client.users.get()
