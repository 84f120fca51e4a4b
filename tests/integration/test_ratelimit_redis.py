"""`RedisRateLimit` against a real `redis-server` (started here on 127.0.0.1) and the local
cloud over real HTTP: one budget shared by clients and processes, holds shared, Redis down.

Skipped only where the `redis-server` binary is absent (Debian: `apt-get install
redis-server`; `.ci/run` installs it).
"""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

import aioparticle
from aioparticle import (
    ClientRateLimitError,
    ParticleClient,
    RateLimit,
    RateLimitError,
    _budget,
    _retry,
)
from aioparticle.ratelimit_redis import RedisRateLimit, RedisRateLimitError
from tests.integration._redis import free_port, needs_redis
from tests.integration.conftest import Fleet

pytestmark = [pytest.mark.anyio, needs_redis]

#: where this aioparticle is imported from, for the second process
SRC = str(Path(aioparticle.__file__).resolve().parents[1])
#: redis-py's asyncio client runs on asyncio only; trio is tested for its refusal
asyncio_only = pytest.mark.parametrize("anyio_backend", ["asyncio"])


@pytest.fixture(autouse=True)
def real_time(sleeps: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    """Waits are slept for real: Redis keeps the schedule on its own clock."""
    monkeypatch.setattr(_retry, "sleep", anyio.sleep)
    monkeypatch.setattr(_budget, "time", time)


@pytest.fixture
def key() -> str:
    return f"aioparticle-test:{uuid.uuid4().hex}"


@pytest.fixture
async def budgets(redis_url: str, key: str) -> AsyncIterator[list[RedisRateLimit]]:
    """Two budgets on one key, each with a Redis client of its own (as two processes)."""
    made = [RedisRateLimit(redis_url, key=key, requests=20, per=1.0, burst=5) for _ in range(2)]
    yield made
    for budget in made:
        await budget.aclose()


async def read_many(client: ParticleClient, device_id: str, name: str, calls: int) -> None:
    async with anyio.create_task_group() as tg:
        for _ in range(calls):
            tg.start_soon(client.devices.get_variable, device_id, name)


@asyncio_only
@pytest.mark.slow
async def test_two_clients_sharing_a_key_never_exceed_the_budget_together(
    fleet: Fleet, budgets: list[RedisRateLimit]
) -> None:
    cloud = fleet.cloud
    async with (
        ParticleClient(
            cloud.token, base_url=cloud.url, rate_limit=budgets[0], max_retries=0
        ) as one,
        ParticleClient(cloud.token, base_url=cloud.url, rate_limit=budgets[1]) as two,
    ):
        started = time.monotonic()
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                tg.start_soon(read_many, one, fleet.garage.id, "temp", 20)
                tg.start_soon(read_many, two, fleet.garage.id, "door", 20)
        elapsed = time.monotonic() - started
    assert len(cloud.request_log) == 40
    assert cloud.busiest_window(1.0) <= 20
    assert elapsed >= 35 / 15 * 0.9  # 5 at once, then 15 a second between them


@asyncio_only
@pytest.mark.slow
async def test_without_sharing_the_same_clients_would_exceed_it(fleet: Fleet) -> None:
    # the control of the test above: a budget per client lets through twice as much
    cloud = fleet.cloud
    async with (
        ParticleClient(cloud.token, base_url=cloud.url, rate_limit=RateLimit(20, 1.0)) as one,
        ParticleClient(cloud.token, base_url=cloud.url, rate_limit=RateLimit(20, 1.0)) as two,
    ):
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                tg.start_soon(read_many, one, fleet.garage.id, "temp", 20)
                tg.start_soon(read_many, two, fleet.garage.id, "door", 20)
    assert cloud.busiest_window(1.0) > 20


_WORKER = """
import asyncio, sys
from aioparticle import ParticleClient
from aioparticle.ratelimit_redis import RedisRateLimit

async def main(url, token, redis_url, key, device, calls):
    budget = RedisRateLimit(redis_url, key=key, requests=20, per=1.0, burst=5)
    async with ParticleClient(token, base_url=url, rate_limit=budget) as client:
        await asyncio.gather(
            *(client.devices.get_variable(device, "door") for _ in range(int(calls)))
        )
    await budget.aclose()
    print("done", flush=True)

asyncio.run(main(*sys.argv[1:]))
"""


@asyncio_only
@pytest.mark.slow
async def test_two_processes_sharing_a_key_never_exceed_the_budget_together(
    fleet: Fleet, redis_url: str, key: str
) -> None:
    cloud = fleet.cloud
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-c", _WORKER, cloud.url, cloud.token, redis_url, key]
    budget = RedisRateLimit(redis_url, key=key, requests=20, per=1.0, burst=5)
    try:
        async with ParticleClient(cloud.token, base_url=cloud.url, rate_limit=budget) as client:
            with anyio.fail_after(30):
                async with await anyio.open_process(
                    [*command, fleet.garage.id, "25"], env=env
                ) as worker:
                    # start once the other process has begun spending the budget
                    while not any(r.path.endswith("/door") for r in cloud.request_log):
                        await anyio.sleep(0.01)
                    started = time.monotonic()
                    await read_many(client, fleet.garage.id, "temp", 25)
                    assert await worker.wait() == 0
                    assert worker.stdout is not None
                    assert (await worker.stdout.receive()).strip() == b"done"
    finally:
        await budget.aclose()
    mine = [r.at for r in cloud.request_log if r.path.endswith("/temp")]
    theirs = [r.at for r in cloud.request_log if r.path.endswith("/door")]
    assert len(mine) == len(theirs) == 25
    assert started < max(theirs)  # this process began while the other was still sending
    # and it had no burst of its own: the other had spent it, so its calls queued behind
    assert cloud.busiest_window(1.0) <= 20


@asyncio_only
@pytest.mark.slow
async def test_a_429_one_client_gets_holds_the_other(
    fleet: Fleet, budgets: list[RedisRateLimit]
) -> None:
    cloud = fleet.cloud
    function = f"/v1/devices/{fleet.garage.id}/open"
    cloud.inject(function, method="POST", statuses=[429], retry_after=1)
    async with (
        ParticleClient(
            cloud.token, base_url=cloud.url, rate_limit=budgets[0], max_retries=0
        ) as one,
        ParticleClient(cloud.token, base_url=cloud.url, rate_limit=budgets[1]) as two,
    ):
        with anyio.fail_after(10):
            with pytest.raises(RateLimitError):
                await one.devices.call_function(fleet.garage.id, "open", "x")
            await two.devices.get_variable(fleet.garage.id, "temp")
    refused, read = cloud.request_log
    assert refused.refused == 429 and read.path.endswith("/temp")
    assert read.at - refused.at >= 1.0 - 0.02  # the other client waited the Retry-After


@asyncio_only
async def test_a_wait_over_max_retry_after_is_refused_without_sending(
    fleet: Fleet, redis_url: str, key: str
) -> None:
    cloud = fleet.cloud
    budget = RedisRateLimit(redis_url, key=key, requests=2, per=600.0, burst=1)
    try:
        async with ParticleClient(cloud.token, base_url=cloud.url, rate_limit=budget) as client:
            await client.devices.get_variable(fleet.garage.id, "temp")
            with pytest.raises(ClientRateLimitError) as info:
                await client.devices.get_variable(fleet.garage.id, "temp")
        assert info.value.retry_after == pytest.approx(600.0, abs=1.0)
        assert len(cloud.request_log) == 1
        # the schedule expires from Redis once it no longer matters
        ttl = await budget.redis.pttl(key)
        assert 0 < ttl <= 1_201_000
    finally:
        await budget.aclose()


@asyncio_only
async def test_redis_down_falls_back_to_a_budget_of_this_process(
    fleet: Fleet, caplog: pytest.LogCaptureFixture
) -> None:
    cloud = fleet.cloud
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    budget = RedisRateLimit(nowhere, requests=2, per=600.0, burst=2)
    try:
        async with ParticleClient(cloud.token, base_url=cloud.url, rate_limit=budget) as client:
            with caplog.at_level(logging.WARNING, logger="aioparticle.ratelimit"):
                await client.devices.get_variable(fleet.garage.id, "temp")
                await client.devices.get_variable(fleet.garage.id, "temp")
                with pytest.raises(ClientRateLimitError):  # the fallback keeps the figure
                    await client.devices.get_variable(fleet.garage.id, "temp")
    finally:
        await budget.aclose()
    assert len(cloud.request_log) == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per outage
    assert "could not be reached" in warnings[0]


@asyncio_only
async def test_redis_down_without_fallback_is_a_clear_error(fleet: Fleet) -> None:
    cloud = fleet.cloud
    budget = RedisRateLimit(f"redis://127.0.0.1:{free_port()}/0", fallback=False)
    try:
        async with ParticleClient(cloud.token, base_url=cloud.url, rate_limit=budget) as client:
            with pytest.raises(RedisRateLimitError, match=r"could not be reached.*not sent"):
                await client.devices.get_variable(fleet.garage.id, "temp")
    finally:
        await budget.aclose()
    assert len(cloud.request_log) == 0


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_under_trio_it_refuses_clearly(fleet: Fleet, redis_url: str, key: str) -> None:
    cloud = fleet.cloud
    budget = RedisRateLimit(redis_url, key=key)
    async with ParticleClient(cloud.token, base_url=cloud.url, rate_limit=budget) as client:
        with pytest.raises(RedisRateLimitError, match=r"asyncio only.*RateLimit"):
            await client.devices.get_variable(fleet.garage.id, "temp")
    assert len(cloud.request_log) == 0
