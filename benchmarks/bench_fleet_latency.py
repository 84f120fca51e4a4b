"""Benchmark: a latency-bound fleet read, against its ideal time.

What is measured
----------------
A loopback server (child process) answers each variable read after ``--latency`` seconds
(100 ms: a device answering through the cloud). ``--reads`` reads (2,000) are made with
``--in-flight`` (200) at once, so the ideal wall time is ``reads / in_flight * latency``
(1 s). Sides, each allowed that many connections and calls in flight:

* ``httpx``: a bare ``httpx.AsyncClient`` (``max_connections`` = in flight);
* ``sdk``: ``ParticleClient(..., limits=..., rate_limit=None)``, default transport
  (``max_concurrency`` follows the limits; no client-side rate limit, which would otherwise
  pace reads past its burst of 1,000 at Particle's 30 a second);
* ``sdk-aiohttp``: the same with ``transport="aiohttp"``;
* ``sdk-aiohttp-fleet``: the same client reading through ``client.fleet.get_variable`` (one
  device id per read, ``concurrency`` = in flight) instead of hand-made workers;
* ``aiohttp``: a bare ``aiohttp.ClientSession`` (reference).

The figure is wall time / ideal (1.00 = no overhead). Rounds alternate the order of the sides;
medians are reported. Each side's client is fresh and warmed by one untimed burst.

    python benchmarks/bench_fleet_latency.py            # 3 rounds of 2,000 reads, 200 in flight
    python benchmarks/bench_fleet_latency.py --quick    # smoke run: 1 round, 200 reads, 100 at once
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from _http_server import NOT_FOUND, HTTPProtocol, json_response
from _server_process import ServerProcess, run_child_server

TOKEN = "bench-token"  # noqa: S105 - a dummy token the loopback server ignores
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
DEVICE = "0123456789abcdef01234567"
SIDES = ("httpx", "sdk", "sdk-aiohttp", "sdk-aiohttp-fleet", "aiohttp")
Read = Callable[[], Awaitable[object]]
#: one burst of `reads` reads with `in_flight` at once
Burst = Callable[[int, int], Awaitable[None]]
VARIABLE = json_response(
    {"name": "temp", "result": 21.5, "coreInfo": {"deviceID": DEVICE, "connected": True}}
)


def serve(latency: float) -> int:
    open_transports: set[asyncio.Transport] = set()

    def answer(method: bytes, target: bytes) -> bytes:
        return VARIABLE if method == b"GET" and target.endswith(b"/temp") else NOT_FOUND

    return run_child_server(
        lambda: HTTPProtocol(answer, open_transports, latency), open_transports, backlog=4096
    )


@asynccontextmanager
async def open_side(side: str, url: str, in_flight: int) -> AsyncIterator[Burst]:
    import aiohttp
    import httpx

    from aioparticle import ParticleClient

    limits = httpx.Limits(
        max_connections=in_flight, max_keepalive_connections=in_flight, keepalive_expiry=5.0
    )
    target = f"{url}/v1/devices/{DEVICE}/temp"
    if side == "httpx":
        async with httpx.AsyncClient(limits=limits, headers=HEADERS, timeout=30.0) as http:

            async def raw() -> object:
                response = await http.get(target)
                response.raise_for_status()
                return json.loads(response.content)["result"]

            yield workers(raw)
    elif side == "aiohttp":
        connector = aiohttp.TCPConnector(limit=in_flight, keepalive_timeout=5.0)
        async with aiohttp.ClientSession(connector=connector, headers=HEADERS) as session:

            async def raw_aiohttp() -> object:
                async with session.get(target) as response:
                    response.raise_for_status()
                    return json.loads(await response.read())["result"]

            yield workers(raw_aiohttp)
    else:
        transport = "aiohttp" if side.startswith("sdk-aiohttp") else "httpx"
        async with ParticleClient(
            TOKEN, base_url=url, limits=limits, transport=transport, rate_limit=None
        ) as client:

            async def sdk() -> object:
                return (await client.devices.get_variable(DEVICE, "temp")).result

            async def fleet(reads: int, in_flight: int) -> None:
                # client.fleet: one device id per read (a run reads each device once)
                devices = [f"{n:024x}" for n in range(reads)]
                run = client.fleet.get_variable("temp", devices=devices, concurrency=in_flight)
                async with run as results:
                    async for result in results:
                        if result.unwrap().result != 21.5:
                            raise RuntimeError("wrong answer")

            yield fleet if side.endswith("-fleet") else workers(sdk)


def workers(read: Read) -> Burst:
    """A burst made of `in_flight` workers taking reads until none is left."""

    async def run(reads: int, in_flight: int) -> None:
        remaining = reads

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                if await read() != 21.5:
                    raise RuntimeError("wrong answer")

        await asyncio.gather(*(worker() for _ in range(min(in_flight, reads))))

    return run


async def burst(run: Burst, reads: int, in_flight: int) -> float:
    gc.collect()
    start = time.perf_counter()
    await run(reads, in_flight)
    return time.perf_counter() - start


async def bench(args: argparse.Namespace, url: str) -> dict[str, Any]:
    ideal = args.reads / args.in_flight * args.latency
    ratios: dict[str, list[float]] = {side: [] for side in SIDES}
    for round_no in range(args.rounds):
        order = SIDES[round_no % len(SIDES) :] + SIDES[: round_no % len(SIDES)]
        for side in order:
            async with open_side(side, url, args.in_flight) as run:
                await burst(run, args.in_flight, args.in_flight)  # warm-up: open the pool
                ratios[side].append(await burst(run, args.reads, args.in_flight) / ideal)
        print(
            f"  round {round_no + 1}/{args.rounds}: "
            + "   ".join(f"{side} {ratios[side][-1]:.2f}x" for side in SIDES),
            flush=True,
        )
    return {
        "ideal_seconds": ideal,
        "wall_over_ideal": {side: statistics.median(ratios[side]) for side in SIDES},
        "rounds": ratios,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--serve", type=float, metavar="LATENCY", help=argparse.SUPPRESS)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1, help="server latency, s (0.1)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1 round of 200 reads, 100 in flight"
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    if args.serve is not None:
        return serve(args.serve)
    if args.quick:
        args.reads, args.in_flight, args.rounds = 200, 100, 1
    if min(args.reads, args.in_flight, args.rounds) < 1 or args.latency <= 0:
        parser.error("--reads, --in-flight, --rounds and --latency must be positive")

    print(
        f"{args.reads} reads, {args.in_flight} in flight, server latency {args.latency * 1000:g} "
        f"ms: ideal {args.reads / args.in_flight * args.latency:.2f} s; {args.rounds} rounds"
    )
    with ServerProcess(os.path.abspath(__file__), "--serve", str(args.latency)) as server:
        print(f"server: {server.url} (separate process)", flush=True)
        results = asyncio.run(bench(args, server.url))
    print()
    print("median wall time / ideal (1.00 = no overhead)")
    for side in SIDES:
        print(f"  {side:<18} {results['wall_over_ideal'][side]:>7.2f}x")
    if args.json:
        print(json.dumps({"benchmark": "fleet_latency", **results}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
