"""`aioparticle.relay` against a real `redis-server` (started here on 127.0.0.1) and the local
cloud over real HTTP: a relay, consumer groups, a worker dying mid-event, Redis restarted under
the relay, the upstream dropped, the relay cancelled.

redis-py's client is asyncio-only: these run on asyncio (the trio refusal is a unit test).
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

import aioparticle
from aioparticle import Event, ParticleClient, RelayError
from aioparticle.relay import EventRelay, Gap
from aioparticle.testing import LocalCloud
from tests.integration._redis import RedisServer, free_port, needs_redis
from tests.integration.conftest import wait_until

pytestmark = [pytest.mark.anyio, needs_redis, pytest.mark.slow]

#: where this aioparticle is imported from, for the command's process
SRC = str(Path(aioparticle.__file__).resolve().parents[1])


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def cloud() -> AsyncIterator[LocalCloud]:
    async with LocalCloud(keepalive_interval=0.2) as local:
        yield local


@pytest.fixture
async def client(cloud: LocalCloud) -> AsyncIterator[ParticleClient]:
    async with ParticleClient(cloud.token, base_url=cloud.url) as particle:
        yield particle


@pytest.fixture
def key() -> str:
    return f"aioparticle-test:relay:{uuid.uuid4().hex}"


@pytest.fixture
async def relay(redis_url: str, key: str) -> AsyncIterator[EventRelay]:
    async with EventRelay(redis_url, key=key, maxlen=1000) as made:
        yield made


async def entries(relay: EventRelay) -> list[dict[str, str]]:
    """Every entry of the relay's Redis Stream, decoded."""
    found = await relay.redis.xrange(relay.key)
    return [
        {k.decode(): v.decode() for k, v in fields.items()} | {"id": entry_id.decode()}
        for entry_id, fields in found
    ]


async def relayed_count(relay: EventRelay) -> int:
    return sum(1 for entry in await entries(relay) if entry["kind"] == "event")


async def started(relay: EventRelay, cloud: LocalCloud) -> None:
    """Wait until the relay's upstream stream is open and its first marker written."""
    await wait_until(lambda: bool(cloud.state.subscribers) and relay.markers >= 1, limit=5)


async def test_two_workers_of_a_group_process_every_event_once(
    cloud: LocalCloud, client: ParticleClient, relay: EventRelay
) -> None:
    garage = cloud.add_device("garage")
    boat = cloud.add_device("boat")
    seen: dict[str, list[Event]] = {"w1": [], "w2": [], "other": []}
    gaps: list[Gap] = []

    async def work(group: str, name: str) -> None:
        async with relay.consume(group, name, block=0.2, on_gap=gaps.append) as events:
            async for event in events:
                seen[name].append(event)
                await anyio.sleep(0.001)  # give the other worker a turn

    with anyio.fail_after(20):
        async with anyio.create_task_group() as tg:
            tg.start_soon(functools.partial(relay.run, client, device="mine"))
            await started(relay, cloud)
            tg.start_soon(work, "billing", "w1")
            tg.start_soon(work, "billing", "w2")
            tg.start_soon(work, "audit", "other")
            for n in range(60):
                (garage if n % 2 else boat).publish("temp", str(n))
            await wait_until(
                lambda: len(seen["w1"]) + len(seen["w2"]) == 60 and len(seen["other"]) == 60,
                limit=10,
            )
            await anyio.sleep(0.3)  # nothing more arrives
            tg.cancel_scope.cancel()
    billing = seen["w1"] + seen["w2"]
    assert sorted(int(e.data) for e in billing) == list(range(60))  # each once
    assert seen["w1"] and seen["w2"]  # the group shared the work
    # the other group got every event too, in the upstream's order, as typed Events
    assert [e.data for e in seen["other"]] == [str(n) for n in range(60)]
    first = seen["other"][0]
    assert type(first) is Event
    assert first.name == "temp"
    assert first.device_id == boat.id
    assert first.published_at is not None
    assert first.raw.startswith("{")
    assert [gap.kind for gap in gaps] == ["started", "started"]  # once per group
    stored = await entries(relay)
    assert stored[0]["kind"] == "marker"
    assert stored[0]["gap"] == "started"
    events = [entry for entry in stored if entry["kind"] == "event"]
    assert [int(entry["seq"]) for entry in events] == list(range(2, 62))
    assert {"name", "data", "published_at", "device_id", "raw"} <= set(events[0])
    # every entry was acknowledged by both groups
    for group in ("billing", "audit"):
        pending = await relay.redis.xpending(relay.key, group)
        assert pending["pending"] == 0
    assert relay.relayed == 60


async def test_an_entry_left_by_a_dead_worker_is_claimed_by_another(
    cloud: LocalCloud, client: ParticleClient, relay: EventRelay
) -> None:
    garage = cloud.add_device("garage")
    handled: list[tuple[str, str, bool]] = []
    with anyio.fail_after(20):
        async with anyio.create_task_group() as tg:
            tg.start_soon(functools.partial(relay.run, client, device="mine"))
            await started(relay, cloud)
            garage.publish("job", "1")
            garage.publish("job", "2")

            # worker 1 takes the first event and dies mid-event (cancelled: no acknowledgement)
            got_one = anyio.Event()

            async def doomed() -> None:
                async with relay.consume("jobs", "w1", block=0.2) as events:
                    async for event in events:
                        handled.append(("w1", event.data, events.entry.redelivered))  # type: ignore[union-attr]
                        got_one.set()
                        await anyio.sleep_forever()

            dying = anyio.CancelScope()
            tg.start_soon(_within, dying, doomed)
            await got_one.wait()
            dying.cancel()

            async def survivor() -> None:
                async with relay.consume("jobs", "w2", block=0.2, claim_after=0.5) as events:
                    async for event in events:
                        assert events.entry is not None
                        handled.append(("w2", event.data, events.entry.redelivered))
                        if len(handled) == 3:
                            break  # acknowledged on the way out

            await survivor()
            tg.cancel_scope.cancel()
    assert handled[0] == ("w1", "1", False)
    # w2 took the second event at once, and the first once it had been pending 0.5 s
    assert sorted(handled[1:]) == [("w2", "1", True), ("w2", "2", False)]
    pending = await relay.redis.xpending(relay.key, "jobs")
    assert pending["pending"] == 0


async def _within(scope: anyio.CancelScope, work: object) -> None:
    with scope:
        await work()  # type: ignore[operator]


async def test_a_restarted_worker_gets_its_unacknowledged_event_again(
    cloud: LocalCloud, client: ParticleClient, relay: EventRelay
) -> None:
    garage = cloud.add_device("garage")
    with anyio.fail_after(20):
        async with anyio.create_task_group() as tg:
            tg.start_soon(functools.partial(relay.run, client, device="mine"))
            await started(relay, cloud)
            garage.publish("job", "a")
            garage.publish("job", "b")
            with pytest.raises(RuntimeError, match="handler failed"):
                async with relay.consume("jobs", "w1", block=0.2) as events:
                    async for event in events:
                        assert event.data == "a"
                        raise RuntimeError("handler failed")  # not acknowledged
            again: list[tuple[str, bool]] = []
            async with relay.consume("jobs", "w1", block=0.2) as events:
                async for event in events:
                    assert events.entry is not None
                    again.append((event.data, events.entry.redelivered))
                    if len(again) == 2:
                        break  # leaving the loop acknowledges the last one
            tg.cancel_scope.cancel()
    assert again == [("a", True), ("b", False)]
    assert (await relay.redis.xpending(relay.key, "jobs"))["pending"] == 0


async def test_redis_restarted_under_the_relay_loses_nothing(
    cloud: LocalCloud, client: ParticleClient, redis_server: RedisServer, key: str
) -> None:
    garage = cloud.add_device("garage")
    async with EventRelay(redis_server.url, key=key, max_outage=30, timeout=1) as relay:
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(functools.partial(relay.run, client, device="mine"))
                await started(relay, cloud)
                for n in range(5):
                    garage.publish("n", str(n))
                await wait_until(lambda: relay.relayed == 5, limit=5)
                # Redis goes away (and its memory with it); events keep coming upstream
                await anyio.to_thread.run_sync(redis_server.stop)
                for n in range(5, 25):
                    garage.publish("n", str(n))
                await anyio.sleep(1.0)  # the relay waits, the upstream paused
                assert relay.relayed <= 6  # at most the one it was appending
                await anyio.to_thread.run_sync(redis_server.start)
                await wait_until(lambda: relay.relayed == 25, limit=15)
                tg.cancel_scope.cancel()
        assert relay.dropped == 0
        stored = await entries(relay)
    # the new Redis has everything published after it went down, in order, nothing dropped
    data = [entry["data"] for entry in stored if entry["kind"] == "event"]
    assert data == [str(n) for n in range(5, 25)]
    seqs = [int(entry["seq"]) for entry in stored if entry["kind"] == "event"]
    assert seqs == list(range(7, 27))  # the sequence went on from the relay's own count


async def test_redis_down_past_max_outage_drops_counts_and_marks(
    cloud: LocalCloud,
    client: ParticleClient,
    redis_server: RedisServer,
    key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    garage = cloud.add_device("garage")
    caplog.set_level(logging.WARNING, logger="aioparticle.relay")
    async with EventRelay(redis_server.url, key=key, max_outage=0.5, timeout=0.5) as relay:
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(functools.partial(relay.run, client, device="mine"))
                await started(relay, cloud)
                await anyio.to_thread.run_sync(redis_server.stop)
                for n in range(10):
                    garage.publish("n", str(n))
                await wait_until(lambda: relay.dropped >= 9, limit=10)
                await anyio.to_thread.run_sync(redis_server.start)
                # the relay tries Redis again with the next event, at most every 2 s
                published = 10
                with anyio.fail_after(10):
                    while relay.relayed == 0:
                        garage.publish("n", f"after-{published}")
                        published += 1
                        await anyio.sleep(0.2)
                tg.cancel_scope.cancel()
        stored = await entries(relay)
    assert relay.dropped + relay.relayed == published
    assert relay.dropped >= 10
    # the new Redis starts with the marker counting what was dropped, then the next event
    assert stored[0]["kind"] == "marker"
    assert stored[0]["gap"] == "dropped"
    assert int(stored[0]["dropped"]) == relay.dropped
    assert stored[1]["data"] == f"after-{published - 1}"
    # the sequence numbers jump over the dropped events
    assert int(stored[0]["seq"]) == 1 + relay.dropped + 1
    assert int(stored[1]["seq"]) == int(stored[0]["seq"]) + 1
    assert any("DROPS events" in record.getMessage() for record in caplog.records)
    assert any("were dropped" in record.getMessage() for record in caplog.records)
    assert "redis://" not in caplog.text


async def test_the_upstream_dropped_writes_a_reconnected_marker(
    cloud: LocalCloud, client: ParticleClient, relay: EventRelay
) -> None:
    garage = cloud.add_device("garage")
    cloud.inject_stream("*", drop_after=2, times=1)
    gaps: list[Gap] = []
    got: list[str] = []
    with anyio.fail_after(20):
        async with anyio.create_task_group() as tg:
            tg.start_soon(functools.partial(relay.run, client, device="mine"))
            await started(relay, cloud)
            garage.publish("n", "1")
            garage.publish("n", "2")  # the cloud drops the stream after this one
            await wait_until(lambda: relay.markers >= 2, limit=10)
            garage.publish("n", "3")

            async def work() -> None:
                async with relay.consume("g", "w", block=0.2, on_gap=gaps.append) as events:
                    async for event in events:
                        got.append(event.data)

            tg.start_soon(work)
            await wait_until(lambda: len(got) == 3, limit=10)
            tg.cancel_scope.cancel()
    assert got == ["1", "2", "3"]
    assert [gap.kind for gap in gaps] == ["started", "reconnected"]
    reconnected = gaps[1]
    assert reconnected.downtime is not None and reconnected.downtime >= 0
    assert reconnected.sequence == 4  # after the two events before the drop
    assert reconnected.at is not None


async def test_cancelling_the_relay_ends_it_cleanly(
    cloud: LocalCloud, client: ParticleClient, relay: EventRelay
) -> None:
    garage = cloud.add_device("garage")
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(functools.partial(relay.run, client, device="mine"))
            await started(relay, cloud)
            garage.publish("n", "1")
            await wait_until(lambda: relay.relayed == 1, limit=5)
            tg.cancel_scope.cancel()
    # the upstream stream is closed and a "stopped" marker written
    await wait_until(lambda: not cloud.state.subscribers, limit=2)
    stored = await entries(relay)
    assert stored[-1]["kind"] == "marker"
    assert stored[-1]["gap"] == "stopped"
    assert client.events  # the client is still usable: a second run starts where it stopped
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(functools.partial(relay.run, client, device="mine"))
            await wait_until(lambda: relay.markers >= 3, limit=5)
            tg.cancel_scope.cancel()
    stored = await entries(relay)
    assert [e.get("gap") for e in stored if e["kind"] == "marker"][:3] == [
        "started",
        "stopped",
        "started",
    ]
    assert [int(e["seq"]) for e in stored] == list(range(1, len(stored) + 1))


async def test_a_relay_that_cannot_reach_redis_at_start_says_so(
    client: ParticleClient, key: str
) -> None:
    url = f"redis://user:hunter2-secret@127.0.0.1:{free_port()}/0"
    async with EventRelay(url, key=key, max_outage=0.3, timeout=0.2) as relay:
        assert "hunter2" not in repr(relay)
        with anyio.fail_after(10), pytest.raises(RelayError) as caught:
            await relay.run(client, device="mine")
    assert "could not be reached" in str(caught.value)
    assert "hunter2" not in str(caught.value)


async def test_a_consumer_gives_up_after_max_outage(key: str) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    async with EventRelay(url, key=key, max_outage=0.3, timeout=0.2) as relay:
        with anyio.fail_after(10), pytest.raises(RelayError, match="could not be reached"):
            async with relay.consume("g", "w") as events:
                async for _ in events:
                    pass


async def test_a_key_holding_something_else_is_a_clear_error(
    client: ParticleClient, relay: EventRelay
) -> None:
    await relay.redis.set(relay.key, "not a stream")
    with anyio.fail_after(10), pytest.raises(RelayError, match="refused"):
        async with relay.consume("g", "w") as events:
            async for _ in events:
                pass


async def test_the_command_relays_until_sigterm(
    cloud: LocalCloud, relay: EventRelay, redis_url: str
) -> None:
    garage = cloud.add_device("garage")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]),
        "PARTICLE_API_URL": cloud.url,
        "PARTICLE_ACCESS_TOKEN": cloud.token,
        "AIOPARTICLE_RELAY_REDIS_URL": redis_url,
        "AIOPARTICLE_RELAY_KEY": relay.key,
    }
    command = [sys.executable, "-m", "aioparticle.relay", "--maxlen", "500"]
    process = await anyio.open_process(command, env=env)
    log = b""
    try:
        with anyio.fail_after(20):
            while not cloud.state.subscribers:
                await anyio.sleep(0.05)
            garage.publish("temp", "21")
            while await relayed_count(relay) < 1:
                await anyio.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            assert process.stderr is not None
            async for chunk in process.stderr:
                log += chunk
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await process.aclose()
    text = log.decode()
    assert "relaying event stream /v1/devices/events" in text
    assert "SIGTERM: stopping" in text
    assert cloud.token not in text
    stored = await entries(relay)
    assert [(e["kind"], e.get("gap") or e.get("data")) for e in stored] == [
        ("marker", "started"),
        ("event", "21"),
        ("marker", "stopped"),
    ]
    assert "relaying /v1/devices/events" in stored[0]["reason"]


def test_the_command_refuses_a_bad_maxlen() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aioparticle.relay", "--maxlen", "zero"],
        env={**os.environ, "PYTHONPATH": SRC},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "--maxlen: not a number: 'zero'" in done.stderr


async def test_closing_the_relay_ends_run_and_consumers(
    cloud: LocalCloud, client: ParticleClient, redis_url: str, key: str
) -> None:
    garage = cloud.add_device("garage")
    relay = EventRelay(redis_url, key=key)
    got: list[str] = []
    ended: list[str] = []

    async def work() -> None:
        async with relay.consume("g", "w", block=0.2) as events:
            async for event in events:
                got.append(event.data)
        ended.append("consumer")

    async def relaying() -> None:
        await relay.run(client, device="mine")
        ended.append("run")

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(relaying)
            await started(relay, cloud)
            tg.start_soon(work)
            garage.publish("n", "1")
            await wait_until(lambda: got == ["1"], limit=5)
            await relay.aclose()
    assert sorted(ended) == ["consumer", "run"]  # both ended by themselves, not cancelled
    await wait_until(lambda: not cloud.state.subscribers, limit=2)
    with pytest.raises(RelayError, match="closed"):
        await relay.run(client, device="mine")
    async with EventRelay(redis_url, key=key) as reader:
        stored = await entries(reader)
    assert stored[-1]["gap"] == "stopped"


async def test_without_auto_ack_an_event_is_acknowledged_only_by_ack(
    cloud: LocalCloud, client: ParticleClient, relay: EventRelay
) -> None:
    garage = cloud.add_device("garage")
    seen: list[tuple[str, bool]] = []
    with anyio.fail_after(20):
        async with anyio.create_task_group() as tg:
            await tg.start(functools.partial(relay.run, client, device="mine"))
            garage.publish("n", "1")
            garage.publish("n", "2")
            async with relay.consume("g", "w", auto_ack=False, block=0.2) as events:
                async for event in events:
                    assert events.entry is not None
                    seen.append((event.data, events.entry.redelivered))
                    if event.data == "2":
                        await events.ack()
                        break
            # "1" was never acknowledged: pending on "w", which gets it back when it restarts
            assert (await relay.redis.xpending(relay.key, "g"))["pending"] == 1
            async with relay.consume("g", "w", auto_ack=False, block=0.2) as events:
                async for event in events:
                    assert events.entry is not None
                    seen.append((event.data, events.entry.redelivered))
                    await events.ack()
                    break
            tg.cancel_scope.cancel()
    assert seen == [("1", False), ("2", False), ("1", True)]
    assert (await relay.redis.xpending(relay.key, "g"))["pending"] == 0
