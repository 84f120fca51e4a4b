"""Retries, timeouts and broken responses, scripted with `cloud.inject(...)`, over real HTTP.

The autouse `sleeps` fixture records each retry wait instead of sleeping it.
"""

from __future__ import annotations

import json
import time

import anyio
import pytest

from aioparticle import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    InternalServerError,
    ParticleClient,
    RateLimitError,
)
from tests.integration.conftest import PRODUCT_ID, Fleet

pytestmark = pytest.mark.anyio


def variable_path(fleet: Fleet, name: str = "temp") -> str:
    return f"/v1/devices/{fleet.garage.id}/{name}"


def exception_chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


# ---------------------------------------------------------------------- retried statuses


async def test_two_503s_then_success(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    fault = fleet.cloud.inject(variable_path(fleet), statuses=[503, 503])
    with anyio.fail_after(3):
        value = await sdk.devices.get_variable(fleet.garage.id, "temp")
    assert value.result == 21.5
    assert fault.hits == 2
    assert len(sleeps) == 2
    assert all(0 < delay <= 8.0 for delay in sleeps)
    assert fleet.garage.reads == ["temp"]  # only the third attempt reached the device


async def test_retries_exhausted_raise_internal_server_error(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    assert sdk.max_retries == 2
    fault = fleet.cloud.inject(variable_path(fleet), statuses=[503, 503, 503])
    with anyio.fail_after(3), pytest.raises(InternalServerError) as info:
        await sdk.devices.get_variable(fleet.garage.id, "temp")
    assert info.value.status_code == 503
    assert "503 Service Unavailable" in str(info.value)
    assert fault.hits == 3
    assert len(sleeps) == 2
    assert fleet.garage.reads == []


async def test_fault_only_hits_its_method_and_path(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    fault = fleet.cloud.inject(variable_path(fleet), method="POST", statuses=[503])
    with anyio.fail_after(3):
        assert (await sdk.devices.get_variable(fleet.garage.id, "temp")).result == 21.5
        assert (await sdk.devices.get_variable(fleet.garage.id, "door")).result == "closed"
    assert fault.hits == 0
    assert sleeps == []


async def test_429_with_retry_after_waits_that_long(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    fault = fleet.cloud.inject(variable_path(fleet), statuses=[429], retry_after=3)
    with anyio.fail_after(3):
        value = await sdk.devices.get_variable(fleet.garage.id, "temp")
    assert value.result == 21.5
    assert fault.hits == 1
    assert sleeps == [3.0]


async def test_429_with_too_long_retry_after_raises_at_once(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    fault = fleet.cloud.inject(variable_path(fleet), statuses=[429, 429, 429], retry_after=600)
    with anyio.fail_after(3), pytest.raises(RateLimitError) as info:
        await sdk.devices.get_variable(fleet.garage.id, "temp")
    assert info.value.status_code == 429
    assert info.value.retry_after == 600.0
    assert fault.hits == 1
    assert sleeps == []


async def test_html_502_page_becomes_a_readable_error(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    fault = fleet.cloud.inject(variable_path(fleet), statuses=[502, 502, 502], html=True)
    with anyio.fail_after(3), pytest.raises(InternalServerError) as info:
        await sdk.devices.get_variable(fleet.garage.id, "temp")
    error = info.value
    assert error.status_code == 502
    assert "502 Bad Gateway" in str(error)
    assert "<html>" not in str(error)
    assert isinstance(error.body, str)
    assert "<title>502 Bad Gateway</title>" in error.body
    assert not any(isinstance(e, json.JSONDecodeError) for e in exception_chain(error))
    assert fault.hits == 3
    assert len(sleeps) == 2


async def test_single_html_502_without_retries(fleet: Fleet) -> None:
    fleet.cloud.inject(variable_path(fleet), statuses=[502], html=True)
    async with ParticleClient(fleet.cloud.token, base_url=fleet.cloud.url, max_retries=0) as c:
        with anyio.fail_after(3), pytest.raises(InternalServerError) as info:
            await c.devices.get_variable(fleet.garage.id, "temp")
    assert "502 Bad Gateway" in str(info.value)
    assert not any(isinstance(e, json.JSONDecodeError) for e in exception_chain(info.value))


# ---------------------------------------------------------------------- broken 2xx bodies


@pytest.mark.parametrize("kind", ["truncated_json", "invalid_json"])
async def test_broken_json_body_is_a_validation_error(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float], kind: str
) -> None:
    fault = fleet.cloud.inject(variable_path(fleet), **{kind: True})
    with anyio.fail_after(3), pytest.raises(APIResponseValidationError) as info:
        await sdk.devices.get_variable(fleet.garage.id, "temp")
    error = info.value
    assert not isinstance(error, APIStatusError)
    assert error.status_code == 200
    assert isinstance(error.body, str)
    assert error.method == "GET"
    assert error.path == variable_path(fleet)
    assert fault.hits == 1
    assert sleeps == []


@pytest.mark.parametrize("kind", ["truncated_json", "invalid_json"])
async def test_broken_json_on_a_listing(fleet: Fleet, sdk: ParticleClient, kind: str) -> None:
    fleet.cloud.inject(f"/v1/products/{PRODUCT_ID}/devices", **{kind: True})
    with anyio.fail_after(3), pytest.raises(APIResponseValidationError):
        await sdk.devices.list(product=PRODUCT_ID)


# ---------------------------------------------------------------------- dropped connections


async def test_dropped_get_is_retried_and_succeeds(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    fault = fleet.cloud.inject(variable_path(fleet), drop_mid_response=True, times=1)
    with anyio.fail_after(3):
        value = await sdk.devices.get_variable(fleet.garage.id, "temp")
    assert value.result == 21.5
    assert fault.hits == 1
    assert len(sleeps) == 1
    # the dropped answer was computed too: the device saw two reads
    assert fleet.garage.reads == ["temp", "temp"]


async def test_dropped_function_call_is_not_repeated(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    fault = fleet.cloud.inject(
        f"/v1/devices/{fleet.garage.id}/open", method="POST", drop_mid_response=True
    )
    with anyio.fail_after(3), pytest.raises(APIConnectionError) as info:
        await sdk.devices.call_function(fleet.garage.id, "open", "once")
    assert not isinstance(info.value, APITimeoutError)
    assert info.value.method == "POST"
    assert fault.hits == 1
    assert len(fleet.garage.calls) == 1  # executed once, never repeated
    assert fleet.garage.calls[0].arg == "once"
    assert sleeps == []


async def test_connection_usable_after_a_drop(fleet: Fleet, sdk: ParticleClient) -> None:
    fleet.cloud.inject(
        f"/v1/devices/{fleet.garage.id}/open", method="POST", drop_mid_response=True, times=1
    )
    with anyio.fail_after(3):
        with pytest.raises(APIConnectionError):
            await sdk.devices.call_function(fleet.garage.id, "open", "a")
        result = await sdk.devices.call_function(fleet.garage.id, "open", "bb")
    assert result.return_value == 2
    assert [c.arg for c in fleet.garage.calls] == ["a", "bb"]


# ---------------------------------------------------------------------- latency and timeouts


@pytest.mark.slow
async def test_slow_server_times_out(fleet: Fleet) -> None:
    fault = fleet.cloud.inject(variable_path(fleet), latency=2.0)
    async with ParticleClient(
        fleet.cloud.token, base_url=fleet.cloud.url, timeout=0.3, max_retries=0
    ) as client:
        started = time.monotonic()
        with anyio.fail_after(3), pytest.raises(APITimeoutError) as info:
            await client.devices.get_variable(fleet.garage.id, "temp")
        elapsed = time.monotonic() - started
    assert elapsed < 1.5
    assert isinstance(info.value, APIConnectionError)
    assert "timed out" in str(info.value)
    assert fault.hits == 1


async def test_small_latency_within_the_timeout_succeeds(fleet: Fleet) -> None:
    fault = fleet.cloud.inject(variable_path(fleet), latency=0.1, times=1)
    async with ParticleClient(
        fleet.cloud.token, base_url=fleet.cloud.url, timeout=2.0, max_retries=0
    ) as client:
        with anyio.fail_after(3):
            value = await client.devices.get_variable(fleet.garage.id, "temp")
    assert value.result == 21.5
    assert fault.hits == 1


# ---------------------------------------------------------------------- non-idempotent calls


async def test_503_on_a_function_call_is_not_retried(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    fault = fleet.cloud.inject(
        f"/v1/devices/{fleet.garage.id}/open", method="POST", statuses=[503, 503, 503]
    )
    with anyio.fail_after(3), pytest.raises(InternalServerError) as info:
        await sdk.devices.call_function(fleet.garage.id, "open", "x")
    assert info.value.status_code == 503
    assert fault.hits == 1
    assert fleet.garage.calls == []
    assert sleeps == []


async def test_503_on_signal_is_not_retried(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    fault = fleet.cloud.inject(f"/v1/devices/{fleet.garage.id}", method="PUT", statuses=[503, 503])
    with anyio.fail_after(3), pytest.raises(InternalServerError):
        await sdk.devices.signal(fleet.garage.id, True)
    assert fault.hits == 1
    assert fleet.garage.signaling is False
    assert sleeps == []


async def test_503_on_rename_is_retried(
    fleet: Fleet, sdk: ParticleClient, sleeps: list[float]
) -> None:
    fault = fleet.cloud.inject(f"/v1/devices/{fleet.garage.id}", method="PUT", statuses=[503])
    with anyio.fail_after(3):
        await sdk.devices.rename(fleet.garage.id, "renamed")
    assert fault.hits == 1
    assert len(sleeps) == 1
    assert fleet.garage.name == "renamed"
