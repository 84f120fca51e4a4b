"""Fan-out: several local consumers share one upstream stream with local filters."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from aioparticle import AuthenticationError, Event, ParticleClient
from aioparticle.testing import LocalCloud
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.anyio


@pytest.fixture
async def cloud() -> AsyncIterator[LocalCloud]:
    async with LocalCloud(keepalive_interval=0.2) as local:
        yield local


@pytest.fixture
async def client(cloud: LocalCloud) -> AsyncIterator[ParticleClient]:
    async with ParticleClient(cloud.token, base_url=cloud.url) as particle:
        yield particle


async def test_filters_share_one_upstream_connection(
    cloud: LocalCloud, client: ParticleClient
) -> None:
    garage = cloud.add_device("garage")
    boat = cloud.add_device("boat")
    with anyio.fail_after(5):
        async with client.events.hub(device="mine") as hub:
            temps = hub.subscribe(prefix="temp")
            from_boat = hub.subscribe(device=boat.id)
            odd = hub.subscribe(where=lambda e: e.data.isdigit() and int(e.data) % 2 == 1)
            everything = hub.subscribe()
            assert len(cloud.state.subscribers) == 1
            garage.publish("temp", "1")
            boat.publish("battery", "2")
            boat.publish("temp", "3")
            assert [e.data for e in [await temps.__anext__() for _ in range(2)]] == ["1", "3"]
            assert [e.data for e in [await from_boat.__anext__() for _ in range(2)]] == ["2", "3"]
            assert [e.data for e in [await odd.__anext__() for _ in range(2)]] == ["1", "3"]
            assert [e.data for e in [await everything.__anext__() for _ in range(3)]] == [
                "1",
                "2",
                "3",
            ]
    # leaving the hub closed the upstream and ended every subscriber
    await wait_until(lambda: not cloud.state.subscribers, limit=1.0)
    with pytest.raises(StopAsyncIteration):
        await temps.__anext__()


async def test_default_overflow_waits_and_loses_nothing(
    cloud: LocalCloud, client: ParticleClient
) -> None:
    garage = cloud.add_device("garage")
    with anyio.fail_after(5):
        async with client.events.hub(device="mine", buffer=1) as hub:
            slow = hub.subscribe(buffer=1)
            fast = hub.subscribe(buffer=1)
            for n in range(20):
                garage.publish("n", str(n))
            got_fast: list[str] = []
            got_slow: list[str] = []

            async def drain(sub: AsyncIterator[Event], into: list[str], pause: float) -> None:
                while len(into) < 20:
                    into.append((await sub.__anext__()).data)
                    await anyio.sleep(pause)

            async with anyio.create_task_group() as tg:
                tg.start_soon(drain, fast, got_fast, 0)
                tg.start_soon(drain, slow, got_slow, 0.01)
    assert got_fast == got_slow == [str(n) for n in range(20)]


async def test_drop_oldest_keeps_a_lagging_subscriber_from_holding_others_back(
    cloud: LocalCloud, client: ParticleClient
) -> None:
    garage = cloud.add_device("garage")
    with anyio.fail_after(5):
        async with client.events.hub(device="mine") as hub:
            lagging = hub.subscribe(buffer=2, overflow="drop_oldest")
            fast = hub.subscribe()
            for n in range(5):
                garage.publish("n", str(n))
            assert [(await fast.__anext__()).data for _ in range(5)] == ["0", "1", "2", "3", "4"]
            assert [(await lagging.__anext__()).data for _ in range(2)] == ["3", "4"]
    assert lagging.dropped == 3
    assert fast.dropped == 0


async def test_upstream_failure_reaches_every_subscriber(
    cloud: LocalCloud, client: ParticleClient
) -> None:
    garage = cloud.add_device("garage")
    cloud.inject_stream(drop_after=1, times=1)
    with anyio.fail_after(5):
        async with client.events.hub(device="mine") as hub:
            first, second = hub.subscribe(), hub.subscribe()
            garage.publish("last", "1")
            assert (await first.__anext__()).name == "last"
            assert (await second.__anext__()).name == "last"
            cloud.state.revoke(cloud.token)
            with pytest.raises(AuthenticationError):
                await first.__anext__()
            with pytest.raises(AuthenticationError):
                await second.__anext__()
            late = hub.subscribe()
            with pytest.raises(AuthenticationError):
                await late.__anext__()


async def test_closing_a_subscriber_leaves_the_others(
    cloud: LocalCloud, client: ParticleClient
) -> None:
    garage = cloud.add_device("garage")
    with anyio.fail_after(5):
        async with client.events.hub(device="mine") as hub:
            async with hub.subscribe() as leaving:
                staying = hub.subscribe(buffer=1)
            with pytest.raises(StopAsyncIteration):
                await leaving.__anext__()
            garage.publish("a", "1")
            garage.publish("b", "2")
            assert [(await staying.__anext__()).name for _ in range(2)] == ["a", "b"]


async def test_bad_subscribe_options(cloud: LocalCloud, client: ParticleClient) -> None:
    async with client.events.hub(device="mine") as hub:
        with pytest.raises(ValueError, match="overflow"):
            hub.subscribe(overflow="never")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="buffer"):
            hub.subscribe(buffer=0)
