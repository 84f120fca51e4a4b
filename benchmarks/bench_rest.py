"""Benchmark: REST throughput of aioparticle, default transport and `transport="aiohttp"`,
against raw httpx (and raw aiohttp, for reference) on one loopback server.

What is measured
----------------
Four sides make the same requests (``Authorization: Bearer bench-token``) to the same HTTP/1.1
keep-alive server on 127.0.0.1, run in a child process so it never competes with the clients
for their event loop:

* ``httpx``: a bare ``httpx.AsyncClient``, a status check and ``json.loads``: the baseline.
* ``sdk``: ``ParticleClient(..., rate_limit=None)``, the default transport (httpx's own pool),
  without the client-side rate limit (it measures the request path, not Particle's budget).
* ``aiohttp``: a bare ``aiohttp.ClientSession`` (reference: the fastest hand-written client).
* ``sdk-aiohttp``: ``ParticleClient(..., transport="aiohttp")``.

Every side has 100 connections (aioparticle's default ``limits``; ``max_concurrency`` follows
it) and aioparticle's timeouts. Scenarios:

* ``sequential``: variable reads (``GET /v1/devices/:id/temp``) one after the other;
* ``concurrent``: function calls (``POST /v1/devices/:id/open``) with ``--concurrency`` (64)
  in flight;
* ``fleet``: list ``--devices`` (1,000) devices (``GET /v1/devices``), then read a variable of
  each, 100 in flight.

Each round runs every side once, in a rotating order, each on a fresh client warmed by an
untimed smaller run of the same shape. The table gives the median seconds per side and the
speed-up against raw httpx measured in the same run (``httpx time / side time``: above 1 is
faster than raw httpx).

    python benchmarks/bench_rest.py              # 5 rounds: 2,000 reads, 5,000 calls, 1,000 devices
    python benchmarks/bench_rest.py --quick      # smoke run: 1 round of 100 / 200 / 100
    python benchmarks/bench_rest.py --json       # also the figures as JSON
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from _http_server import NOT_ALLOWED, NOT_FOUND, HTTPProtocol, json_response
from _server_process import ServerProcess, run_child_server

TOKEN = "bench-token"  # noqa: S105 - a dummy token the loopback server ignores
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0
CONNECTIONS = 100
FLEET_IN_FLIGHT = 100

DEFAULTS = {"rounds": 5, "sequential": 2000, "concurrent": 5000, "devices": 1000}
QUICK = {"rounds": 1, "sequential": 100, "concurrent": 200, "devices": 100}
SIDES = ("httpx", "sdk", "aiohttp", "sdk-aiohttp")


# --------------------------------------------------------------------------- server (child)


def device_id(n: int) -> str:
    return f"{n:024x}"


def make_answer(devices: int) -> Callable[[bytes, bytes], bytes]:
    listing = json_response(
        [
            {
                "id": device_id(n),
                "name": f"unit-{n}",
                "platform_id": 6,
                "online": True,
                "connected": True,
                "last_heard": "2025-03-01T11:58:12.123Z",
            }
            for n in range(devices)
        ]
    )
    cache: dict[tuple[bytes, bytes], bytes] = {}

    def answer(method: bytes, target: bytes) -> bytes:
        key = (method, target)
        cached = cache.get(key)
        if cached is not None:
            return cached
        parts = target.split(b"?", 1)[0].split(b"/")
        if parts == [b"", b"v1", b"devices"]:
            reply = listing if method == b"GET" else NOT_ALLOWED
        elif len(parts) != 5 or parts[:3] != [b"", b"v1", b"devices"]:
            return NOT_FOUND
        elif method == b"GET":
            reply = json_response(
                {
                    "name": parts[4].decode(),
                    "result": 21.5,
                    "coreInfo": {"deviceID": parts[3].decode(), "connected": True},
                }
            )
        elif method == b"POST":
            reply = json_response(
                {"id": parts[3].decode(), "name": "unit", "connected": True, "return_value": 1}
            )
        else:
            return NOT_ALLOWED
        if len(cache) < 4096:
            cache[key] = reply
        return reply

    return answer


def serve(devices: int) -> int:
    open_transports: set[asyncio.Transport] = set()
    answer = make_answer(devices)
    return run_child_server(
        lambda: HTTPProtocol(answer, open_transports, 0.0), open_transports, backlog=1024
    )


# --------------------------------------------------------------------------- clients


@dataclass
class Side:
    """One client's three operations."""

    read: Callable[[str], Awaitable[object]]
    call: Callable[[str], Awaitable[object]]
    list_ids: Callable[[], Awaitable[list[str]]]


@asynccontextmanager
async def open_side(side: str, url: str) -> AsyncIterator[Side]:
    """A fresh client of `side`."""
    import aiohttp
    import httpx

    from aioparticle import ParticleClient

    if side == "httpx":
        async with httpx.AsyncClient(
            limits=httpx.Limits(
                max_connections=CONNECTIONS,
                max_keepalive_connections=CONNECTIONS,
                keepalive_expiry=5.0,
            ),
            timeout=httpx.Timeout(TIMEOUT, connect=CONNECT_TIMEOUT),
            headers=HEADERS,
            follow_redirects=False,
        ) as http:

            async def get(path: str) -> Any:
                response = await http.get(url + path)
                if response.status_code != 200:
                    raise RuntimeError(f"unexpected status {response.status_code}")
                return json.loads(response.content)

            async def post(path: str) -> Any:
                response = await http.post(url + path, json={"arg": "x"})
                if response.status_code != 200:
                    raise RuntimeError(f"unexpected status {response.status_code}")
                return json.loads(response.content)

            yield _raw_side(get, post)
    elif side == "aiohttp":
        connector = aiohttp.TCPConnector(limit=CONNECTIONS, keepalive_timeout=5.0)
        timeout = aiohttp.ClientTimeout(
            total=TIMEOUT, sock_connect=CONNECT_TIMEOUT, sock_read=TIMEOUT
        )
        async with aiohttp.ClientSession(
            connector=connector, headers=HEADERS, timeout=timeout
        ) as session:

            async def get(path: str) -> Any:
                async with session.get(url + path) as response:
                    if response.status != 200:
                        raise RuntimeError(f"unexpected status {response.status}")
                    return json.loads(await response.read())

            async def post(path: str) -> Any:
                async with session.post(url + path, json={"arg": "x"}) as response:
                    if response.status != 200:
                        raise RuntimeError(f"unexpected status {response.status}")
                    return json.loads(await response.read())

            yield _raw_side(get, post)
    else:
        transport = "aiohttp" if side == "sdk-aiohttp" else "httpx"
        async with ParticleClient(
            TOKEN, base_url=url, transport=transport, rate_limit=None
        ) as client:

            async def read(device: str) -> object:
                return (await client.devices.get_variable(device, "temp")).result

            async def call(device: str) -> object:
                return (await client.devices.call_function(device, "open", "x")).return_value

            async def list_ids() -> list[str]:
                return [device.id async for device in client.devices.list()]

            yield Side(read, call, list_ids)


def _raw_side(get: Callable[[str], Awaitable[Any]], post: Callable[[str], Awaitable[Any]]) -> Side:
    async def read(device: str) -> object:
        return (await get(f"/v1/devices/{device}/temp"))["result"]

    async def call(device: str) -> object:
        return (await post(f"/v1/devices/{device}/open"))["return_value"]

    async def list_ids() -> list[str]:
        return [device["id"] for device in await get("/v1/devices")]

    return Side(read, call, list_ids)


# --------------------------------------------------------------------------- scenarios


async def in_flight(jobs: list[Callable[[], Awaitable[object]]], concurrency: int) -> None:
    """Run `jobs` with at most `concurrency` of them at once (workers sharing a queue)."""
    queue = iter(jobs)

    async def worker() -> None:
        for job in queue:
            await job()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(jobs)))))


async def sequential(side: Side, n: int, args: argparse.Namespace) -> None:
    device = device_id(0)
    for _ in range(n):
        await side.read(device)


async def concurrent(side: Side, n: int, args: argparse.Namespace) -> None:
    ids = [device_id(i % 64) for i in range(n)]
    await in_flight([lambda d=d: side.call(d) for d in ids], args.concurrency)


async def fleet(side: Side, n: int, args: argparse.Namespace) -> None:
    ids = await side.list_ids()
    if len(ids) != args.devices:
        raise RuntimeError(f"listed {len(ids)} devices, expected {args.devices}")
    await in_flight([lambda d=d: side.read(d) for d in ids[:n]], FLEET_IN_FLIGHT)


Scenario = Callable[[Side, int, argparse.Namespace], Awaitable[None]]


async def bench(args: argparse.Namespace, url: str) -> dict[str, Any]:
    scenarios: dict[str, tuple[Scenario, int]] = {
        "sequential": (sequential, args.sequential),
        "concurrent": (concurrent, args.concurrent),
        "fleet": (fleet, args.devices),
    }
    for side in SIDES:  # every side answers correctly
        async with open_side(side, url) as client:
            assert await client.read(device_id(1)) == 21.5, side
            assert await client.call(device_id(1)) == 1, side
            assert len(await client.list_ids()) == args.devices, side

    results: dict[str, Any] = {}
    for name, (scenario, n) in scenarios.items():
        times: dict[str, list[float]] = {side: [] for side in SIDES}
        for round_no in range(args.rounds):
            order = SIDES[round_no % len(SIDES) :] + SIDES[: round_no % len(SIDES)]
            for side in order:
                async with open_side(side, url) as client:
                    await scenario(client, max(n // 5, 1), args)  # warm-up, untimed
                    gc.collect()
                    start = time.perf_counter()
                    await scenario(client, n, args)
                    times[side].append(time.perf_counter() - start)
            print(
                f"  {name:<10} round {round_no + 1}/{args.rounds}: "
                + "   ".join(f"{side} {times[side][-1]:.3f}s" for side in SIDES),
                flush=True,
            )
        medians = {side: statistics.median(times[side]) for side in SIDES}
        results[name] = {
            "operations": n if name != "fleet" else n + 1,
            "seconds": medians,
            "speedup_vs_httpx": {side: medians["httpx"] / medians[side] for side in SIDES},
            "rounds": times,
        }
    return results


# --------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--serve", type=int, metavar="DEVICES", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--sequential", type=int, help="variable reads in a row (2000)")
    parser.add_argument("--concurrent", type=int, help="function calls (5000)")
    parser.add_argument("--concurrency", type=int, default=64, help="calls in flight (64)")
    parser.add_argument("--devices", type=int, help="devices listed then read (1000)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round, small counts")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    base = QUICK if args.quick else DEFAULTS
    for key, default in base.items():
        if getattr(args, key) is None:
            setattr(args, key, default)
        if getattr(args, key) < 1:
            parser.error(f"--{key} must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve is not None:
        return serve(args.serve)

    import aiohttp
    import httpx

    import aioparticle

    print(
        f"aioparticle {aioparticle.__version__}, httpx {httpx.__version__}, "
        f"aiohttp {aiohttp.__version__}, Python {platform.python_version()}"
    )
    print(
        f"sequential {args.sequential} reads; concurrent {args.concurrent} function calls, "
        f"{args.concurrency} in flight; fleet: list {args.devices} devices then read each, "
        f"{FLEET_IN_FLIGHT} in flight; {args.rounds} rounds"
    )
    with ServerProcess(os.path.abspath(__file__), "--serve", str(args.devices)) as server:
        print(f"server: {server.url} (separate process)", flush=True)
        results = asyncio.run(bench(args, server.url))

    print()
    print(f"median seconds of {args.rounds} rounds; x = speed-up against raw httpx (same run)")
    header = f"{'scenario':<12}" + "".join(f"{side:>20}" for side in SIDES)
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        cells = "".join(
            f"{r['seconds'][side]:>11.3f}s {r['speedup_vs_httpx'][side]:>6.2f}x" for side in SIDES
        )
        print(f"{name:<12}{cells}")
    if args.json:
        print(json.dumps({"benchmark": "rest", "statistic": "median", "scenarios": results}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
