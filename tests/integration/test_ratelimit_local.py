"""The client-side rate limit against the local cloud over real HTTP, on the real clock: a 429
storm, and the cloud's own all-routes limit, counted at the server."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest

from aioparticle import ParticleClient, RateLimit, RateLimitError, _budget, _retry
from aioparticle.testing import LocalCloud
from tests.integration.conftest import Fleet, bearer

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def real_time(sleeps: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    """Waits are slept for real here: the server counts requests on the real clock."""
    monkeypatch.setattr(_retry, "sleep", anyio.sleep)
    monkeypatch.setattr(_budget, "time", time)


async def read_many(client: ParticleClient, fleet: Fleet, calls: int) -> list[float]:
    """`calls` concurrent reads of the garage's temperature; every result."""
    results: list[float] = []

    async def read() -> None:
        value = await client.devices.get_variable(fleet.garage.id, "temp")
        results.append(float(value.result))

    async with anyio.create_task_group() as tg:
        for _ in range(calls):
            tg.start_soon(read)
    return results


@pytest.mark.slow
async def test_a_429_storm_slows_every_call_and_they_complete_once_it_ends(
    fleet: Fleet,
) -> None:
    cloud = fleet.cloud
    storm = cloud.inject("*", statuses=[429], retry_after=1, duration=2.0)
    storm_ends = time.monotonic() + 2.0
    budget = RateLimit(20, per=1.0, burst=5)
    async with ParticleClient(
        cloud.token, base_url=cloud.url, rate_limit=budget, max_retries=10
    ) as client:
        with anyio.fail_after(20):
            results = await read_many(client, fleet, 30)
    assert results == [21.5] * 30  # every call completed once the storm was over
    refused = [r for r in cloud.request_log if r.refused == 429]
    answered = [r for r in cloud.request_log if r.refused is None]
    assert len(answered) == 30
    assert storm.hits == len(refused)
    # 30 callers, 2 s of 429s with `Retry-After: 1`: without the shared hold each would have
    # tried about 3 times (90 refusals); with it, the burst went once, then each hold let
    # through only what was already on its way before the next 429 came back
    assert len(refused) <= 12, [round(r.at - storm_ends, 3) for r in refused]
    assert all(r.at >= storm_ends - 0.05 for r in answered)
    assert cloud.busiest_window(1.0) <= 20


@pytest.mark.slow
async def test_without_the_limit_the_same_storm_is_hammered(fleet: Fleet) -> None:
    # the control of the test above: the same callers, no client-side limit
    cloud = fleet.cloud
    cloud.inject("*", statuses=[429], retry_after=1, duration=2.0)
    async with ParticleClient(
        cloud.token, base_url=cloud.url, rate_limit=None, max_retries=10
    ) as client:
        with anyio.fail_after(20):
            results = await read_many(client, fleet, 30)
    assert results == [21.5] * 30
    assert len([r for r in cloud.request_log if r.refused == 429]) >= 60


@pytest.mark.slow
async def test_a_client_at_the_clouds_figure_is_never_refused(fleet: Fleet) -> None:
    cloud = fleet.cloud
    cloud.limit_requests(10, per=1.0)
    async with ParticleClient(
        cloud.token, base_url=cloud.url, rate_limit=RateLimit(10, per=1.0, burst=4)
    ) as client:
        started = time.monotonic()
        with anyio.fail_after(20):
            results = await read_many(client, fleet, 16)
        elapsed = time.monotonic() - started
    assert results == [21.5] * 16
    assert [r for r in cloud.request_log if r.refused] == []
    assert cloud.busiest_window(1.0) <= 10
    assert elapsed >= 12 / 6 * 0.9  # 4 at once, then one every 1/6 s


async def test_the_clouds_limit_refuses_a_client_without_one(cloud: LocalCloud) -> None:
    # the control of the test above: the local cloud does enforce the limit
    cloud.limit_requests(10, per=60.0)
    async with ParticleClient(
        cloud.token, base_url=cloud.url, rate_limit=None, max_retries=0
    ) as client:
        for _ in range(10):
            await client.users.get()
        with pytest.raises(RateLimitError) as info:
            await client.users.get()
    assert info.value.retry_after is not None and 1 <= info.value.retry_after <= 60
    assert [r.refused for r in cloud.request_log].count(429) == 1


@pytest.mark.slow
async def test_the_local_clouds_storm_answers_429_until_it_ends(
    fleet: Fleet, raw: httpx.AsyncClient
) -> None:
    cloud = fleet.cloud
    path = f"/v1/devices/{fleet.garage.id}/temp"
    storm = cloud.inject("/v1/devices/*", statuses=[429], retry_after=1, duration=0.5)
    during = [await raw.get(path, headers=bearer(cloud.token)) for _ in range(3)]
    assert [r.status_code for r in during] == [429, 429, 429]
    assert all(r.headers["retry-after"] == "1" for r in during)
    other = await raw.get("/v1/user", headers=bearer(cloud.token))  # outside the glob
    assert other.status_code == 200
    await anyio.sleep(0.6)
    after = await raw.get(path, headers=bearer(cloud.token))
    assert after.status_code == 200 and after.json()["result"] == 21.5
    assert storm.hits == 3
    assert [(r.path, r.refused) for r in cloud.request_log] == [
        (path, 429),
        (path, 429),
        (path, 429),
        ("/v1/user", None),
        (path, None),
    ]
