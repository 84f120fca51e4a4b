"""`client.events.stream()` against the local cloud over real HTTP: typed events, every scope,
reconnects, liveness, malformed frames, typed errors, cancellation and closing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timezone

import anyio
import pytest

from aioparticle import (
    AuthenticationError,
    Event,
    MalformedFrame,
    NotFoundError,
    ParticleClient,
    PermissionDeniedError,
    Reconnect,
    StreamError,
)
from aioparticle.testing import FakeDevice, LocalCloud
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


@pytest.fixture
def garage(cloud: LocalCloud) -> FakeDevice:
    return cloud.add_device("garage", id="0123456789abcdef01234567")


async def test_typed_events_from_my_devices(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    with anyio.fail_after(5):
        async with client.events.stream(device="mine") as events:
            garage.publish("sensor/temp", "21.5", ttl=60)
            event = await events.__anext__()
    assert isinstance(event, Event)
    assert event.name == "sensor/temp"
    assert event.data == "21.5"
    assert event.ttl == 60
    assert event.device_id == garage.id
    assert event.published_at is not None
    assert event.published_at.tzinfo is not None
    assert event.published_at.utcoffset() == timezone.utc.utcoffset(None)
    assert event.raw.startswith('{"data":"21.5"')
    assert events.events_received == 1


@pytest.mark.parametrize(
    ("scope", "expected_path"),
    [
        ({"device": "mine", "prefix": "spark/status"}, "/v1/devices/events/spark%2Fstatus"),
        ({"device": "GARAGE-ID"}, "/v1/devices/GARAGE-ID/events"),
        ({"product": 4567}, "/v1/products/4567/events"),
        (
            {"product": "fleet", "device": "GARAGE-ID"},
            "/v1/products/fleet/devices/GARAGE-ID/events",
        ),
        ({"org": "acme"}, "/v1/orgs/acme/events"),
        ({"org": "acme", "device": "GARAGE-ID"}, "/v1/orgs/acme/devices/GARAGE-ID/events"),
        (
            {"org": "acme", "product": 4567, "prefix": "spark/"},
            "/v1/orgs/acme/products/4567/events/spark%2F",
        ),
    ],
)
async def test_every_scope_reaches_the_matching_stream(
    cloud: LocalCloud, client: ParticleClient, scope: dict[str, object], expected_path: str
) -> None:
    cloud.add_org("acme")
    product = cloud.add_product(4567, slug="fleet", org="acme")
    device = cloud.add_device("tracker", id="0123456789abcdef0123abcd", product=product.id)
    other = cloud.add_device("other", id="ffffffffffffffffffffffff")
    scope = {k: (device.id if v == "GARAGE-ID" else v) for k, v in scope.items()}
    path = expected_path.replace("GARAGE-ID", device.id)
    with anyio.fail_after(5):
        async with client.events.stream(**scope) as events:  # type: ignore[arg-type]
            assert events.path == path
            other.publish("spark/status", "online")  # not in scope (except "mine")
            device.publish("spark/status", "online")
            first = await events.__anext__()
    if scope.get("device") == "mine":
        assert first.device_id == other.id
    else:
        assert first.device_id == device.id
        if "product" in scope or "org" in scope:
            assert first.product_id == product.id


async def test_public_stream_needs_prefix_and_gets_public_events(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    with pytest.raises(ValueError, match="prefix"):
        client.events.stream()
    with anyio.fail_after(5):
        async with client.events.stream(prefix="weather") as events:
            garage.publish("weather/secret", "x", private=True)
            garage.publish("weather/rain", "yes", private=False)
            event = await events.__anext__()
    assert (event.name, event.data) == ("weather/rain", "yes")


async def test_reconnects_after_drop_and_reports_it(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    cloud.inject_stream(drop_after=2, times=1)
    reconnects: list[Reconnect] = []

    async def resync(info: Reconnect) -> None:
        reconnects.append(info)
        garage.publish("after", "reconnect")

    received = []
    with anyio.fail_after(5):
        async with client.events.stream(device="mine", on_reconnect=resync) as events:
            garage.publish("n", "1")
            garage.publish("n", "2")
            async for event in events:
                received.append(event.data)
                if event.name == "after":
                    break
    assert received == ["1", "2", "reconnect"]
    assert events.reconnects == 1
    assert len(reconnects) == 1
    assert reconnects[0].attempt == 1
    assert "ended" in reconnects[0].reason


@pytest.mark.slow
async def test_silent_stream_detected_and_reconnected(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    cloud.inject_stream(silent_after=0, times=1)
    reasons: list[str] = []

    def on_reconnect(info: Reconnect) -> None:
        reasons.append(info.reason)
        garage.publish("alive", "again")

    with anyio.fail_after(5):
        async with client.events.stream(
            device="mine", idle_timeout=0.5, on_reconnect=on_reconnect
        ) as events:
            event = await events.__anext__()
    assert event.name == "alive"
    assert reasons == ["no data for 0.5s (stream presumed dead)"]


@pytest.mark.slow
async def test_keepalives_keep_a_quiet_stream_alive(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    # keep-alives every 0.2 s, idle timeout 0.6 s: 1.5 s without events is no reason to reconnect
    with anyio.fail_after(5):
        async with client.events.stream(device="mine", idle_timeout=0.6) as events:
            with anyio.move_on_after(1.5):
                await events.__anext__()
            assert events.reconnects == 0
            garage.publish("late", "1")
            assert (await events.__anext__()).name == "late"


async def test_malformed_frames_reported_and_stream_goes_on(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    cloud.inject_stream(malformed=["event: bad\ndata: {broken\n\n", "event: list\ndata: [1]\n\n"])
    reports: list[MalformedFrame] = []
    with anyio.fail_after(5):
        async with client.events.stream(device="mine", on_malformed=reports.append) as events:
            garage.publish("good", "1")
            event = await events.__anext__()
    assert event.name == "good"
    assert [r.name for r in reports] == ["bad", "list"]
    assert reports[0].data == "{broken"
    assert events.malformed_frames == 2


async def test_dedupe_skips_repeats(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    repeated = (
        'event: dup\ndata: {"data":"x","ttl":60,"published_at":"2025-03-01T12:00:00Z",'
        '"coreid":"a"}\n\n'
    )
    cloud.inject_stream(malformed=[repeated, repeated])
    with anyio.fail_after(5):
        async with client.events.stream(device="mine", dedupe=100) as events:
            garage.publish("next", "1")
            names = [(await events.__anext__()).name, (await events.__anext__()).name]
    assert names == ["dup", "next"]
    assert events.duplicates_skipped == 1


@pytest.mark.parametrize(
    ("token", "device", "error"),
    [
        ("not-a-valid-token", "mine", AuthenticationError),
        (None, "ffffffffffffffffffffffff", PermissionDeniedError),
    ],
)
async def test_auth_errors_end_the_stream_without_retry_loop(
    cloud: LocalCloud,
    token: str | None,
    device: str,
    error: type[Exception],
    sleeps: list[float],
) -> None:
    cloud.add_device("foreign", id="ffffffffffffffffffffffff", owner="someone@else.example")
    async with ParticleClient(token or cloud.token, base_url=cloud.url) as client:
        with anyio.fail_after(5), pytest.raises(error):
            async with client.events.stream(device=device):
                pass
    assert sleeps == []


async def test_unknown_org_is_not_found(cloud: LocalCloud, client: ParticleClient) -> None:
    with anyio.fail_after(5), pytest.raises(NotFoundError):
        async with client.events.stream(org="nope"):
            pass


async def test_rate_limited_open_backs_off_then_connects(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice, sleeps: list[float]
) -> None:
    cloud.inject_stream(status=529, retry_after=7, times=1)
    cloud.inject_stream(status=503, times=1)
    with anyio.fail_after(5):
        async with client.events.stream(device="mine") as events:
            garage.publish("ok", "1")
            assert (await events.__anext__()).name == "ok"
    assert len(sleeps) == 2
    assert sleeps[0] >= 7.0  # Retry-After honoured
    assert 1.0 <= sleeps[1] <= 2.0  # second consecutive failure: 2 s base, jittered


async def test_without_reconnect_a_drop_raises(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    cloud.inject_stream(drop_after=1, times=1)
    with anyio.fail_after(5), pytest.raises(StreamError, match="ended"):
        async with client.events.stream(device="mine", reconnect=False) as events:
            garage.publish("one", "1")
            async for _ in events:
                pass


async def test_break_releases_the_connection(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    async with client.events.stream(device="mine") as events:
        await wait_until(lambda: len(cloud.state.subscribers) == 1)
        garage.publish("x", "1")
        async for _ in events:
            break
    assert not events.connected
    await wait_until(lambda: not cloud.state.subscribers, limit=1.0)


@pytest.mark.slow
async def test_cancelling_the_consumer_releases_the_connection(
    cloud: LocalCloud, client: ParticleClient
) -> None:
    with anyio.move_on_after(0.3) as scope:
        async with client.events.stream(device="mine") as events:
            async for _ in events:
                pass
    assert scope.cancelled_caught
    assert not events.connected
    await wait_until(lambda: not cloud.state.subscribers, limit=1.0)


async def test_closing_the_client_ends_a_stream_read_by_another_task(
    cloud: LocalCloud, client: ParticleClient
) -> None:
    stream = client.events.stream(device="mine")
    finished = anyio.Event()

    async def consume() -> None:
        async for _ in stream:
            pass
        finished.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        await wait_until(lambda: len(cloud.state.subscribers) == 1)
        await client.aclose()
        with anyio.fail_after(1):
            await finished.wait()
    await wait_until(lambda: not cloud.state.subscribers, limit=1.0)


async def test_iterating_without_async_with(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    stream = client.events.stream(device="mine")
    async with anyio.create_task_group() as tg:

        async def publish_when_subscribed() -> None:
            await wait_until(lambda: len(cloud.state.subscribers) == 1)
            garage.publish("direct", "1")

        tg.start_soon(publish_when_subscribed)
        with anyio.fail_after(5):
            async for event in stream:
                assert event.name == "direct"
                break
    await stream.aclose()
    await wait_until(lambda: not cloud.state.subscribers, limit=1.0)


async def test_publish_reaches_my_stream(cloud: LocalCloud, client: ParticleClient) -> None:
    with anyio.fail_after(5):
        async with client.events.stream(device="mine", prefix="app/") as events:
            await client.events.publish("app/hello", "world")
            event = await events.__anext__()
    assert (event.name, event.data) == ("app/hello", "world")
    assert cloud.events[-1].private is True


async def test_timed_out_waits_lose_nothing_and_keep_the_connection(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    with anyio.fail_after(5):
        async with client.events.stream(device="mine") as events:
            for _ in range(3):
                with anyio.move_on_after(0.05):
                    await events.__anext__()
            garage.publish("a", "1")
            garage.publish("b", "2")
            got = [(await events.__anext__()).name, (await events.__anext__()).name]
    assert got == ["a", "b"]
    assert events.reconnects == 0


async def test_bare_iteration_cancelled_mid_read_reconnects_next_time(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    stream = client.events.stream(device="mine")
    reconnected: list[Reconnect] = []
    stream._on_reconnect = reconnected.append  # observe without changing behaviour
    try:
        with anyio.fail_after(5):
            with anyio.move_on_after(0.2):
                await stream.__anext__()
            assert not stream.connected
            await wait_until(lambda: not cloud.state.subscribers, limit=1.0)

            async def publish_later() -> None:
                await wait_until(lambda: len(cloud.state.subscribers) == 1)
                garage.publish("back", "1")

            async with anyio.create_task_group() as tg:
                tg.start_soon(publish_later)
                assert (await stream.__anext__()).name == "back"
    finally:
        await stream.aclose()
    assert [r.reason for r in reconnected] == ["a read was cancelled"]


async def test_exception_in_block_propagates_unwrapped(
    cloud: LocalCloud, client: ParticleClient
) -> None:
    with pytest.raises(KeyError, match="boom"):
        async with client.events.stream(device="mine"):
            raise KeyError("boom")
    await wait_until(lambda: not cloud.state.subscribers, limit=1.0)


async def test_revoked_token_on_reconnect_raises_typed_error(
    cloud: LocalCloud, client: ParticleClient, garage: FakeDevice
) -> None:
    cloud.inject_stream(drop_after=1, times=1)
    with anyio.fail_after(5):
        async with client.events.stream(device="mine") as events:
            garage.publish("last", "1")
            assert (await events.__anext__()).name == "last"
            cloud.state.revoke(cloud.token)
            with pytest.raises(AuthenticationError):
                await events.__anext__()
            with pytest.raises(StopAsyncIteration):
                await events.__anext__()
