"""Benchmark: events from the local cloud through the Redis relay to a consumer group.

What is measured
----------------
The bundled local Particle Cloud (in this process, on a thread) publishes events to one
stream; an `EventRelay` appends each to a Redis Stream on a ``redis-server`` of its own
(started here on 127.0.0.1, or ``--redis-url``); ``--workers`` consumers (2) of one group read
and acknowledge them (``--prefetch`` entries per read).

* ``throughput``: ``--events`` (20,000) published as fast as the relay takes them (the
  publisher keeps at most 5,000 ahead, under the local cloud's queue of 10,000), timed from the
  first publish to the last acknowledgement: events/s through cloud -> relay -> Redis -> group.
* ``latency``: ``--paced`` (2,000) events at ``--rate`` (500) per second; each event's
  end-to-end latency is its arrival in a worker minus its publish time (one clock: same
  process). Percentiles p50 / p90 / p99 / max, in milliseconds.

Everything shares 1 process and the machine's cores with the local cloud and redis-server: the
figures are a floor for a relay on its own host, not a ceiling.

    python benchmarks/bench_relay.py            # 20,000 events, then 2,000 at 500/s
    python benchmarks/bench_relay.py --quick    # smoke run: 2,000, then 300 at 300/s
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from typing import Any

import anyio

from aioparticle import ParticleClient
from aioparticle.relay import EventRelay
from aioparticle.testing import LocalCloud

AHEAD = 5_000


def start_redis(stack: ExitStack) -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed (apt-get install redis-server), or --redis-url")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-relay-"))
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(process.wait, 10)
    stack.callback(process.terminate)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("redis-server did not start")
            time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0"


async def measure(
    cloud: LocalCloud,
    redis_url: str,
    *,
    events: int,
    paced: int,
    rate: float,
    workers: int,
    prefetch: int,
) -> dict[str, Any]:
    device = cloud.add_device("bench")
    key = f"bench-relay:{uuid.uuid4().hex[:8]}"
    received: dict[str, float] = {}
    done = anyio.Event()
    wanted = [events]

    async def work(relay: EventRelay, name: str) -> None:
        async with relay.consume("bench", name, prefetch=prefetch, block=0.5) as stream:
            async for event in stream:
                received[event.data] = time.perf_counter()
                if len(received) >= wanted[0]:
                    done.set()

    async with (
        ParticleClient(cloud.token, base_url=cloud.url) as client,
        EventRelay(redis_url, key=key, maxlen=max(events, paced) + 1000) as relay,
        anyio.create_task_group() as tg,
    ):
        await tg.start(functools.partial(relay.run, client, device="mine"))
        for n in range(workers):
            tg.start_soon(work, relay, f"worker-{n + 1}")

        # throughput: as fast as the relay takes them
        started = time.perf_counter()
        for n in range(events):
            while n - relay.relayed > AHEAD:  # noqa: ASYNC110 - a counter of the relay's task
                await anyio.sleep(0.001)
            device.publish("t", f"t{n}")
            if n % 100 == 0:
                await anyio.lowlevel.checkpoint()
        with anyio.fail_after(300):
            await done.wait()
        elapsed = time.perf_counter() - started

        # latency: paced
        received.clear()
        wanted[0] = paced
        done = anyio.Event()
        published: dict[str, float] = {}
        interval = 1.0 / rate
        begin = time.perf_counter()
        for n in range(paced):
            wait = begin + n * interval - time.perf_counter()
            if wait > 0:
                await anyio.sleep(wait)
            published[f"p{n}"] = time.perf_counter()
            device.publish("p", f"p{n}")
        with anyio.fail_after(120):
            await done.wait()
        tg.cancel_scope.cancel()
    latencies = sorted((received[k] - published[k]) * 1000 for k in published)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "events": events,
        "workers": workers,
        "prefetch": prefetch,
        "throughput_events_per_s": events / elapsed,
        "paced": paced,
        "rate": rate,
        "latency_ms": {
            "p50": quantiles[49],
            "p90": quantiles[89],
            "p99": quantiles[98],
            "max": latencies[-1],
        },
        "dropped": relay.dropped,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--paced", type=int, default=2_000)
    parser.add_argument("--rate", type=float, default=500.0, help="paced events per second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--prefetch", type=int, default=16)
    parser.add_argument("--redis-url", help="an existing Redis (default: start redis-server)")
    parser.add_argument("--quick", action="store_true", help="smoke run: small counts")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON last")
    args = parser.parse_args()
    if args.quick:
        args.events, args.paced, args.rate = 2_000, 300, 300.0
    with ExitStack() as stack:
        redis_url = args.redis_url or start_redis(stack)
        cloud = stack.enter_context(LocalCloud())
        figures = asyncio.run(
            measure(
                cloud,
                redis_url,
                events=args.events,
                paced=args.paced,
                rate=args.rate,
                workers=args.workers,
                prefetch=args.prefetch,
            )
        )
    latency = figures["latency_ms"]
    print(
        f"relay throughput: {figures['throughput_events_per_s']:,.0f} events/s "
        f"({args.events:,} events, {args.workers} workers, prefetch {args.prefetch})"
    )
    print(
        f"end-to-end latency at {args.rate:g}/s: p50 {latency['p50']:.2f} ms, "
        f"p90 {latency['p90']:.2f} ms, p99 {latency['p99']:.2f} ms, max {latency['max']:.2f} ms"
    )
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
