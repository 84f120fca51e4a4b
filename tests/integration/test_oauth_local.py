"""`POST /oauth/token` of the local cloud over raw httpx, and its tokens used by the SDK."""

from __future__ import annotations

import anyio
import httpx
import pytest

from aioparticle import ParticleClient, PermissionDeniedError
from aioparticle.testing import LocalCloud
from tests.integration.conftest import PRODUCT_ID, PRODUCT_SLUG, Fleet, bearer

pytestmark = pytest.mark.anyio

TOKEN_KEYS = {"token_type", "access_token", "expires_in", "refresh_token"}


def password_form(cloud: LocalCloud, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "password",
        "username": cloud.username,
        "password": cloud.password,
        **extra,
    }


async def test_password_grant_with_basic_client_auth(fleet: Fleet, raw: httpx.AsyncClient) -> None:
    with anyio.fail_after(3):
        response = await raw.post(
            "/oauth/token", data=password_form(fleet.cloud), auth=("particle", "particle")
        )
    assert response.status_code == 200
    assert response.request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert response.request.headers["authorization"].startswith("Basic ")
    body = response.json()
    assert set(body) == TOKEN_KEYS
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7776000
    assert isinstance(body["access_token"], str)
    assert body["access_token"]
    assert body["access_token"] != fleet.cloud.token
    assert body["refresh_token"] != body["access_token"]

    async with ParticleClient(body["access_token"], base_url=fleet.cloud.url) as client:
        with anyio.fail_after(3):
            devices = await client.devices.list()
            value = await client.devices.get_variable("garage", "temp")
    assert sorted(d.id for d in devices) == sorted([fleet.garage.id, fleet.boat.id])
    assert value.result == 21.5


async def test_password_grant_with_client_fields_in_the_body(
    fleet: Fleet, raw: httpx.AsyncClient
) -> None:
    form = password_form(
        fleet.cloud, client_id="particle-api", client_secret="particle-api", expires_in="3600"
    )
    with anyio.fail_after(3):
        response = await raw.post("/oauth/token", data=form)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == TOKEN_KEYS
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    async with ParticleClient(body["access_token"], base_url=fleet.cloud.url) as client:
        with anyio.fail_after(3):
            listed = [d.name async for d in client.devices.list()]
    assert sorted(listed) == ["boat", "garage"]


async def test_password_grant_for_another_account(fleet: Fleet, raw: httpx.AsyncClient) -> None:
    fleet.cloud.add_user("third@example.com", "hunter22")
    form = {"grant_type": "password", "username": "third@example.com", "password": "hunter22"}
    with anyio.fail_after(3):
        response = await raw.post("/oauth/token", data=form, auth=("particle", "particle"))
        token = response.json()["access_token"]
        listed = await raw.get("/v1/devices", headers=bearer(token))
    assert listed.status_code == 200
    assert listed.json() == []


async def test_wrong_password_is_invalid_grant(fleet: Fleet, raw: httpx.AsyncClient) -> None:
    form = password_form(fleet.cloud, password="not-the-password")
    with anyio.fail_after(3):
        response = await raw.post("/oauth/token", data=form, auth=("particle", "particle"))
        unknown = await raw.post(
            "/oauth/token",
            data=password_form(fleet.cloud, username="nobody@example.com"),
            auth=("particle", "particle"),
        )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "error_description" in response.json()
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("how", ["basic", "body"])
async def test_wrong_client_secret_is_invalid_client(
    fleet: Fleet, raw: httpx.AsyncClient, how: str
) -> None:
    with anyio.fail_after(3):
        if how == "basic":
            response = await raw.post(
                "/oauth/token", data=password_form(fleet.cloud), auth=("particle", "wrong")
            )
        else:
            form = password_form(fleet.cloud, client_id="particle-api", client_secret="wrong")
            response = await raw.post("/oauth/token", data=form)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_missing_client_authentication_is_invalid_client(
    fleet: Fleet, raw: httpx.AsyncClient
) -> None:
    with anyio.fail_after(3):
        response = await raw.post("/oauth/token", data=password_form(fleet.cloud))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_json_body_is_refused(fleet: Fleet, raw: httpx.AsyncClient) -> None:
    with anyio.fail_after(3):
        response = await raw.post(
            "/oauth/token", json=password_form(fleet.cloud), auth=("particle", "particle")
        )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_unsupported_grant_type(fleet: Fleet, raw: httpx.AsyncClient) -> None:
    with anyio.fail_after(3):
        response = await raw.post(
            "/oauth/token",
            data={"grant_type": "magic"},
            auth=("particle", "particle"),
        )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_client_credentials_grant_is_limited_to_its_product(
    fleet: Fleet, raw: httpx.AsyncClient
) -> None:
    other = fleet.cloud.add_product(5151, slug="other-product")
    fleet.cloud.add_device("elsewhere", product=other.id, owner=None)
    fleet.cloud.add_oauth_client("fleet-client", "s3cret", product=PRODUCT_ID)
    with anyio.fail_after(3):
        response = await raw.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=("fleet-client", "s3cret"),
        )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == TOKEN_KEYS
    assert body["token_type"] == "bearer"
    token = body["access_token"]

    async with ParticleClient(token, base_url=fleet.cloud.url) as client:
        with anyio.fail_after(3):
            by_id = [d.id async for d in client.devices.list(product=PRODUCT_ID)]
            by_slug = [d.id async for d in client.devices.list(product=PRODUCT_SLUG, per_page=2)]
            value = await client.devices.get_variable(
                fleet.units[0].id, "battery", product=PRODUCT_ID
            )
            with pytest.raises(PermissionDeniedError) as info:
                await client.devices.list(product=other.id)
            with pytest.raises(PermissionDeniedError):
                await client.devices.list(product="other-product")
            # a product token has no account: it owns no devices of its own
            assert len(await client.devices.list()) == 0
            with pytest.raises(PermissionDeniedError):
                await client.devices.get(fleet.garage.id)
    assert by_id == by_slug == [u.id for u in fleet.units]
    assert value.result == 89.0
    assert info.value.status_code == 403
    assert token not in str(info.value)
    assert info.value.info is None or token not in info.value.info


async def test_client_credentials_with_the_client_in_the_body(
    fleet: Fleet, raw: httpx.AsyncClient
) -> None:
    fleet.cloud.add_oauth_client("fleet-client", "s3cret", product=PRODUCT_ID)
    with anyio.fail_after(3):
        response = await raw.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "fleet-client",
                "client_secret": "s3cret",
            },
        )
        wrong = await raw.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=("fleet-client", "guess"),
        )
    assert response.status_code == 200
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    async with ParticleClient(response.json()["access_token"], base_url=fleet.cloud.url) as c:
        with anyio.fail_after(3):
            page = await c.devices.list(product=PRODUCT_ID)
    assert len(page) == 5
