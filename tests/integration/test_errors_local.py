"""Typed errors built from the local cloud's real error bodies, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest

from aioparticle import (
    APIStatusError,
    AuthenticationError,
    DeviceOfflineError,
    InternalServerError,
    MissingAccessTokenError,
    NotFoundError,
    ParticleClient,
    PermissionDeniedError,
    UnknownFunctionError,
    UnknownVariableError,
)
from aioparticle.testing import LocalCloud
from tests.integration.conftest import PRODUCT_ID, Fleet, bearer

pytestmark = pytest.mark.anyio

UNKNOWN_DEVICE = "ffffffffffffffffffffffff"


def assert_token_hidden(error: APIStatusError, token: str) -> None:
    """The access token appears in none of the places an error gets printed or logged."""
    assert token not in str(error)
    assert token not in repr(error)
    assert token not in error.message
    assert all(token not in str(arg) for arg in error.args)
    assert error.info is None or token not in error.info
    assert token not in json.dumps(error.body)


# ---------------------------------------------------------------------- authentication


async def test_wrong_token_is_an_authentication_error(fleet: Fleet, sleeps: list[float]) -> None:
    wrong = "0badc0ffee0badc0ffee0badc0ffee0badc0ffee"
    async with ParticleClient(wrong, base_url=fleet.cloud.url) as client:
        with anyio.fail_after(3), pytest.raises(AuthenticationError) as info:
            await client.devices.list()
    error = info.value
    assert error.status_code == 401
    assert error.error == "invalid_token"
    assert error.error_description == "The access token provided is invalid."
    assert error.body == {
        "error": "invalid_token",
        "error_description": "The access token provided is invalid.",
    }
    assert "The access token provided is invalid" in str(error)
    assert_token_hidden(error, wrong)
    assert sleeps == []  # a 401 is not retried


async def test_revoked_token_is_an_authentication_error(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        assert len(await sdk.devices.list()) == 2
        fleet.cloud.state.revoke(fleet.cloud.token)
        with pytest.raises(AuthenticationError) as info:
            await sdk.devices.get_variable(fleet.garage.id, "temp")
    assert info.value.error == "invalid_token"
    assert fleet.garage.reads == []


async def test_request_without_authorization_header(
    cloud: LocalCloud, raw: httpx.AsyncClient
) -> None:
    with anyio.fail_after(3):
        response = await raw.get("/v1/devices")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The access token was not found",
    }


async def test_request_with_a_non_bearer_scheme_is_refused(
    cloud: LocalCloud, raw: httpx.AsyncClient
) -> None:
    with anyio.fail_after(3):
        response = await raw.get("/v1/devices", headers={"Authorization": f"Basic {cloud.token}"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


async def test_sdk_refuses_to_send_without_a_token(cloud: LocalCloud) -> None:
    requests = cloud.inject("*")
    async with ParticleClient(base_url=cloud.url) as client:
        with pytest.raises(MissingAccessTokenError):
            await client.devices.list()
    assert requests.hits == 0


# ---------------------------------------------------------------------- permission


DEVICE_CALLS: dict[str, Callable[[ParticleClient, str], Awaitable[object]]] = {
    "get": lambda c, d: c.devices.get(d),
    "get_variable": lambda c, d: c.devices.get_variable(d, "temp"),
    "call_function": lambda c, d: c.devices.call_function(d, "open", "x"),
    "rename": lambda c, d: c.devices.rename(d, "mine-now"),
    "ping": lambda c, d: c.devices.ping(d),
    "remove": lambda c, d: c.devices.remove(d),
}


@pytest.mark.parametrize("call", DEVICE_CALLS.values(), ids=DEVICE_CALLS.keys())
async def test_foreign_device_is_permission_denied(
    fleet: Fleet,
    sdk: ParticleClient,
    sleeps: list[float],
    call: Callable[[ParticleClient, str], Awaitable[object]],
) -> None:
    with anyio.fail_after(3), pytest.raises(PermissionDeniedError) as info:
        await call(sdk, fleet.foreign.id)
    error = info.value
    assert error.status_code == 403
    assert error.error == "Permission Denied"
    assert error.info is not None
    assert "didn't recognize that device name or ID" in error.info
    assert "Permission Denied" in str(error)
    assert_token_hidden(error, fleet.cloud.token)
    # nothing happened to the foreign device
    assert fleet.foreign.name == "neighbour"
    assert fleet.foreign.owner is not None
    assert fleet.foreign.calls == []
    assert fleet.foreign.reads == []
    assert fleet.foreign.pings == 0
    assert sleeps == []


@pytest.mark.parametrize("call", DEVICE_CALLS.values(), ids=DEVICE_CALLS.keys())
async def test_unknown_device_is_permission_denied(
    fleet: Fleet, sdk: ParticleClient, call: Callable[[ParticleClient, str], Awaitable[object]]
) -> None:
    with anyio.fail_after(3), pytest.raises(PermissionDeniedError) as info:
        await call(sdk, UNKNOWN_DEVICE)
    error = info.value
    assert error.info is not None
    assert isinstance(error.body, dict)
    assert error.body["error"] == "Permission Denied"
    assert error.body["ok"] is False
    assert_token_hidden(error, fleet.cloud.token)


async def test_unknown_device_name_is_permission_denied(fleet: Fleet, sdk: ParticleClient) -> None:
    # another account's device name is not resolved for this account
    with anyio.fail_after(3), pytest.raises(PermissionDeniedError) as info:
        await sdk.devices.get_variable("neighbour", "temp")
    assert_token_hidden(info.value, fleet.cloud.token)


async def test_permission_hint_scrubbed_on_a_short_token(cloud: LocalCloud) -> None:
    # the SDK only scrubs raw secrets of 8+ characters, but the access_token= URL in the
    # hint is scrubbed whatever the token looks like
    token = cloud.state.add_user("short@example.com", token="abc123")
    async with ParticleClient(token, base_url=cloud.url) as client:
        with anyio.fail_after(3), pytest.raises(PermissionDeniedError) as info:
            await client.devices.get(UNKNOWN_DEVICE)
    assert info.value.info is not None
    assert "access_token=abc123" not in info.value.info
    assert "access_token=abc123" not in str(info.value)


# ---------------------------------------------------------------------- device states


async def test_offline_device_variable(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3), pytest.raises(DeviceOfflineError) as info:
        await sdk.devices.get_variable(fleet.boat.id, "battery")
    error = info.value
    assert isinstance(error, NotFoundError)
    assert error.status_code == 404
    assert error.error == "timed out"
    assert error.body == {"ok": False, "error": "timed out"}
    assert fleet.boat.reads == []


async def test_offline_device_function(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    with anyio.fail_after(3), pytest.raises(DeviceOfflineError) as info:
        await sdk.devices.call_function("boat", "wake", "now")
    assert info.value.error == "timed out"
    assert fleet.boat.calls == []
    assert sleeps == []


async def test_device_going_offline_then_online(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        assert (await sdk.devices.get_variable(fleet.garage.id, "temp")).result == 21.5
        fleet.garage.go_offline()
        with pytest.raises(DeviceOfflineError):
            await sdk.devices.get_variable(fleet.garage.id, "temp")
        with pytest.raises(DeviceOfflineError):
            await sdk.devices.call_function(fleet.garage.id, "open")
        fleet.garage.go_online()
        assert (await sdk.devices.call_function(fleet.garage.id, "open", "ab")).return_value == 2


async def test_unknown_variable(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3), pytest.raises(UnknownVariableError) as info:
        await sdk.devices.get_variable(fleet.garage.id, "humidity")
    error = info.value
    assert isinstance(error, NotFoundError)
    assert not isinstance(error, DeviceOfflineError)
    assert error.status_code == 404
    assert error.error == "Unknown Variable: humidity"
    assert "Unknown Variable: humidity" in str(error)


async def test_unknown_function(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3), pytest.raises(UnknownFunctionError) as info:
        await sdk.devices.call_function(fleet.garage.id, "launch", "now")
    error = info.value
    assert isinstance(error, NotFoundError)
    assert not isinstance(error, DeviceOfflineError)
    assert error.status_code == 404
    assert error.error is not None
    assert "launch" in error.error
    assert fleet.garage.calls == []


async def test_crashing_function_is_a_server_error_not_retried(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    with anyio.fail_after(3), pytest.raises(InternalServerError) as info:
        await sdk.devices.call_function(fleet.garage.id, "fail", "boom")
    assert info.value.status_code == 500
    assert "firmware crashed" in str(info.value)
    assert len(fleet.garage.calls) == 1
    assert sleeps == []


# ---------------------------------------------------------------------- products


async def test_product_the_user_is_not_a_member_of(fleet: Fleet, sdk: ParticleClient) -> None:
    other = fleet.cloud.add_product(7777, slug="not-mine", members=["nobody@example.com"])
    unit = fleet.cloud.add_device("hidden", product=other.id, variables={"v": 1})
    with anyio.fail_after(3):
        with pytest.raises(PermissionDeniedError) as listing:
            await sdk.devices.list(product=other.id)
        with pytest.raises(PermissionDeniedError) as by_slug:
            await sdk.devices.list(product="not-mine")
        with pytest.raises(PermissionDeniedError) as variable:
            await sdk.devices.get_variable(unit.id, "v", product=other.id)
        with pytest.raises(PermissionDeniedError):
            await sdk.devices.call_function(unit.id, "f", product="not-mine")
    for info in (listing, by_slug, variable):
        assert info.value.status_code == 403
        assert info.value.info is not None
        assert_token_hidden(info.value, fleet.cloud.token)
    assert unit.reads == []


async def test_product_member_of_one_product_only(fleet: Fleet) -> None:
    # OTHER_USER is not a member of the fleet's product
    async with ParticleClient(fleet.other_token, base_url=fleet.cloud.url) as other:
        with anyio.fail_after(3), pytest.raises(PermissionDeniedError) as info:
            await other.devices.get(fleet.units[0].id, product=PRODUCT_ID)
    assert_token_hidden(info.value, fleet.other_token)


async def test_unknown_product_is_not_found(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3), pytest.raises(NotFoundError) as info:
        await sdk.devices.list(product="no-such-product")
    assert info.value.status_code == 404


async def test_error_body_without_authorization_on_a_device_route(
    fleet: Fleet, raw: httpx.AsyncClient
) -> None:
    with anyio.fail_after(3):
        response = await raw.get(f"/v1/devices/{fleet.garage.id}/temp")
        wrong = await raw.get(f"/v1/devices/{fleet.garage.id}/temp", headers=bearer("nope"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_request"
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_token"
    assert fleet.garage.reads == []
