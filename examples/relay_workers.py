"""Relay workers: one event stream relayed into Redis, shared by two workers of one group.

    python examples/relay_workers.py [--redis-url URL] [--events N] [--duration SECONDS]

A relay (`aioparticle.relay`) holds one upstream event stream of your devices and appends
every event to a Redis Stream; two workers of the consumer group `workers` share the events,
each processed by one of them and acknowledged. Without PARTICLE_ACCESS_TOKEN it runs on the
bundled local Particle Cloud (`pip install "aioparticle[local-cloud,redis]"`), publishes
--events events, and worker-2 stops in the middle of its first event: its entry stays pending
and worker-1 claims it a second later, so every event is still processed. Without --redis-url
it starts a `redis-server` of its own on 127.0.0.1 (Debian: `apt-get install redis-server`).
With PARTICLE_ACCESS_TOKEN set it relays your real devices' events until Ctrl-C or
--duration.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from contextlib import AsyncExitStack, ExitStack

import anyio

from aioparticle import Event, ParticleClient, ParticleError
from aioparticle.relay import EventRelay, Gap


def start_redis(stack: ExitStack) -> str | None:
    """A `redis-server` on a free port of 127.0.0.1, stopped with `stack`; `None` without
    the binary."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="relay-example-"))
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(process.wait, 10)
    stack.callback(process.terminate)
    return f"redis://127.0.0.1:{port}/0"


class Worker:
    """One worker of the group: prints what it processes."""

    def __init__(self, relay: EventRelay, name: str, *, until: int = 0) -> None:
        self.relay = relay
        self.name = name
        self.processed: list[str] = []
        #: set once `until` different events were processed
        self.finished = anyio.Event()
        self.until = until

    def gap(self, gap: Gap) -> None:
        print(f"  {self.name}: -- gap #{gap.sequence}: {gap.kind} ({gap.reason})")

    async def run(self) -> None:
        async with self.relay.consume(
            "workers", self.name, claim_after=1.0, block=0.5, on_gap=self.gap
        ) as events:
            async for event in events:
                assert events.entry is not None
                again = " (redelivered)" if events.entry.redelivered else ""
                await self.handle(event)
                self.processed.append(event.data)
                print(f"  {self.name}: #{events.entry.sequence} {event.name} {event.data}{again}")
                if self.until and len(set(self.processed)) >= self.until:
                    self.finished.set()

    async def handle(self, event: Event) -> None:
        await anyio.sleep(0.05)  # the work of one event


async def stops_mid_event(worker: Worker) -> None:
    """`worker` takes one event and is cancelled while processing it: no acknowledgement."""
    async with anyio.create_task_group() as tg:

        async def work() -> None:
            async with worker.relay.consume("workers", worker.name, block=0.5) as events:
                async for event in events:
                    assert events.entry is not None
                    print(f"  {worker.name}: took #{events.entry.sequence} {event.data}, stops")
                    tg.cancel_scope.cancel()  # dies mid-event
                    await anyio.sleep_forever()

        tg.start_soon(work)


async def demo(client: ParticleClient, relay: EventRelay, count: int) -> None:
    """Publish `count` events and wait until the group processed every one."""
    first = Worker(relay, "worker-1", until=count)
    async with anyio.create_task_group() as tg:
        await tg.start(functools.partial(relay.run, client, device="mine"))
        for n in range(1, count + 1):
            await client.events.publish("job", f"job-{n}")
        await stops_mid_event(Worker(relay, "worker-2"))
        tg.start_soon(first.run)
        # the entry worker-2 left pending is claimed once it has been idle for 1 s
        with anyio.fail_after(30):
            await first.finished.wait()
        tg.cancel_scope.cancel()
    print(
        f"\nDone: {relay.relayed} events relayed; every one processed "
        f"({len(set(first.processed))} of {count}), the one left by worker-2 claimed."
    )


async def live(client: ParticleClient, relay: EventRelay) -> None:
    async with anyio.create_task_group() as tg:
        await tg.start(functools.partial(relay.run, client, device="mine"))
        tg.start_soon(Worker(relay, "worker-1").run)
        tg.start_soon(Worker(relay, "worker-2").run)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--redis-url", help="an existing Redis (default: start redis-server)")
    parser.add_argument("--events", type=int, default=10, help="events to publish (local demo)")
    parser.add_argument("--duration", type=float, metavar="SECONDS", help="stop after a while")
    args = parser.parse_args(argv)
    with ExitStack() as processes:
        redis_url = args.redis_url or start_redis(processes)
        if redis_url is None:
            print("No redis-server found: install it, or give --redis-url")
            return 2
        async with AsyncExitStack() as stack:
            key = f"relay-example:{uuid.uuid4().hex[:8]}"
            relay = await stack.enter_async_context(EventRelay(redis_url, key=key))
            if os.environ.get("PARTICLE_ACCESS_TOKEN"):
                client = await stack.enter_async_context(ParticleClient())
                print(f"Relaying your devices' events into Redis Stream {key!r} (Ctrl-C stops)")
                with anyio.move_on_after(math.inf if args.duration is None else args.duration):
                    await live(client, relay)
                return 0
            try:
                from aioparticle.testing import LocalCloud, seed_demo
            except ImportError:
                print("Set PARTICLE_ACCESS_TOKEN, or: pip install 'aioparticle[local-cloud]'")
                return 2
            cloud = await stack.enter_async_context(LocalCloud())
            seed_demo(cloud)
            client = await stack.enter_async_context(
                ParticleClient(cloud.token, base_url=cloud.url)
            )
            print(f"No PARTICLE_ACCESS_TOKEN: the local Particle Cloud at {cloud.url}")
            print(f"Relaying into Redis Stream {key!r}; two workers in group 'workers'\n")
            await demo(client, relay, args.events)
    return 0


if __name__ == "__main__":
    try:
        # redis-py's asyncio client: the relay runs on asyncio
        sys.exit(asyncio.run(main(sys.argv[1:])))
    except KeyboardInterrupt:
        pass
    except ParticleError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
