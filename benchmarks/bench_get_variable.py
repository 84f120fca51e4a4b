"""Benchmark: `client.devices.get_variable()` against a bare `httpx.AsyncClient`.

What is measured
----------------
The cost the SDK adds on top of httpx for one cloud-variable read. Both sides make the same
request, ``GET /v1/devices/<id>/temp`` with ``Authorization: Bearer bench-token`` and
``Accept: application/json``, to the same HTTP/1.1 keep-alive server on 127.0.0.1:

* ``raw``: ``httpx.AsyncClient.get(url)``, a status check, ``json.loads(response.content)`` and
  reading ``["result"]``: the least an application could do by hand.
* ``sdk``: ``await client.devices.get_variable(device_id, "temp")`` on a
  ``ParticleClient("bench-token", base_url=server_url, rate_limit=None)`` (no client-side rate
  limit: a benchmark sends far more than Particle's 10,000 requests per 5 minutes, and measures
  the transport, not the throttle): argument validation, the retry/timeout
  loop, the concurrency limiter, auth and pydantic validation into a ``VariableValue``.

Both use the same pool limits (``max_connections=100, max_keepalive_connections=100,
keepalive_expiry=5.0``, aioparticle's defaults) and the same timeouts.

The server is a dependency-free ``asyncio.Protocol`` that this script starts in a child process
(``python bench_get_variable.py --serve``), so it never competes with the clients for their
event loop; it prints its ephemeral port on stdout and is stopped when the run ends, also on
Ctrl-C or an error. It only ever listens on 127.0.0.1.

Two scenarios are run: ``sequential`` (one call after the other) and ``concurrent`` (N calls by
``--concurrency`` worker tasks pulling from a shared counter). Both sides are warmed up first
(``--warmup`` sequential calls, then a concurrent burst), then each scenario runs ``--rounds``
rounds alternating raw, sdk, raw, sdk... so that drift (CPU frequency, other load) hits both
sides alike. Every timed run uses a fresh client of its side, warmed by an untimed burst of the
same shape (for the concurrent scenario: sequential calls, then a burst), so both sides start
each run from the same connection-pool state (a long-lived pool's connections would expire
during the other side's run, see below). The table reports
the MEDIAN ops/s over the rounds for each side and the ratio ``sdk time / raw time``
(= raw ops/s / sdk ops/s): 1.00 means no overhead, 1.25 means a call through the SDK takes 25%
longer than the bare httpx call on loopback. Against the real cloud (tens of milliseconds per
call) the same absolute overhead is negligible; the ``extra us/call`` column gives it in
microseconds (wall time per call at the measured throughput, so for the concurrent scenario it
is not a per-call latency).

With dozens of pooled connections, httpcore's connection-pool bookkeeping (httpcore 1.0 scans
every connection for each request, several times, so its cost grows with the square of the
pool's size) dominates the concurrent scenario for both clients: its ratio dilutes the SDK's
own cost, and the sequential ratio is the sharper measure. On a noisy machine, raise
``--rounds``.

How to run
----------
::

    python benchmarks/bench_get_variable.py              # defaults: 2000 / 5000 calls, 5 rounds
    python benchmarks/bench_get_variable.py --quick      # smoke run: 200 / 500 calls, 2 rounds
    python benchmarks/bench_get_variable.py --quick --max-ratio 2.0 --json   # CI gate
    python benchmarks/bench_get_variable.py --backend trio                   # needs trio

Exit status: 0, or 1 when ``--max-ratio`` is given and a scenario's ratio exceeds it.
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
from typing import Any
from urllib.parse import unquote

from _http_server import NOT_ALLOWED, NOT_FOUND, HTTPProtocol, response
from _server_process import ServerProcess, run_child_server

TOKEN = "bench-token"  # noqa: S105 - a dummy token the loopback server ignores
DEVICE_ID = "0123456789abcdef01234567"
VARIABLE = "temp"
EXPECTED_RESULT = 21.5
LIMITS_KWARGS: dict[str, Any] = {
    "max_connections": 100,
    "max_keepalive_connections": 100,
    "keepalive_expiry": 5.0,
}
# aioparticle's defaults (DEFAULT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT), given to the raw client too.
TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0

DEFAULTS = {"rounds": 5, "sequential_calls": 2000, "concurrent_calls": 5000, "warmup": 200}
QUICK = {"rounds": 2, "sequential_calls": 200, "concurrent_calls": 500, "warmup": 50}

Call = Callable[[], Awaitable[object]]


# --------------------------------------------------------------------------- server (child)


def _variable_body(name: str) -> bytes:
    body = {
        "name": name,
        "result": EXPECTED_RESULT,
        "coreInfo": {
            "name": "bench",
            "deviceID": DEVICE_ID,
            "connected": True,
            "last_handshake_at": "2025-03-01T11:58:12.123Z",
            "last_app": "",
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


# Open client connections, closed at shutdown (`Server.wait_closed` waits for them on 3.12+).
_OPEN: set[asyncio.Transport] = set()
# Whole responses by request target; bounded so a stray client cannot grow it without limit.
_CACHE: dict[bytes, bytes] = {}


def _answer(method: bytes, target: bytes) -> bytes:
    if method != b"GET":
        return NOT_ALLOWED
    cached = _CACHE.get(target)
    if cached is not None:
        return cached
    parts = target.split(b"?", 1)[0].split(b"/")
    # b"/v1/devices/<id>/<name>" -> [b"", b"v1", b"devices", id, name]
    if len(parts) != 5 or parts[0] or parts[1] != b"v1" or parts[2] != b"devices":
        return NOT_FOUND
    if not parts[3] or not parts[4] or parts[4] == b"events":
        return NOT_FOUND
    reply = response(200, _variable_body(unquote(parts[4].decode("utf-8", "replace"))))
    if len(_CACHE) < 1024:
        _CACHE[target] = reply
    return reply


def serve() -> int:
    return run_child_server(lambda: HTTPProtocol(_answer, _OPEN, 0.0), _OPEN, backlog=1024)


def server_process() -> ServerProcess:
    """The loopback server in a child process."""
    return ServerProcess(os.path.abspath(__file__), "--serve")


# --------------------------------------------------------------------------- clients


async def run_sequential(call: Call, calls: int) -> float:
    """Seconds taken by `calls` calls made one after the other."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        await call()
    return time.perf_counter() - start


async def run_concurrent(call: Call, calls: int, concurrency: int) -> float:
    """Seconds taken by `calls` calls made by `concurrency` workers sharing a counter."""
    import anyio

    remaining = calls

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    gc.collect()
    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(min(concurrency, calls)):
            tg.start_soon(worker)
    return time.perf_counter() - start


SIDES = ("raw", "sdk")


@asynccontextmanager
async def open_side(side: str, server_url: str) -> AsyncIterator[Call]:
    """A fresh client of one side, as a zero-argument coroutine function making one call."""
    import httpx

    from aioparticle import ParticleClient

    if side == "raw":
        limits = httpx.Limits(**LIMITS_KWARGS)
        timeout = httpx.Timeout(TIMEOUT, connect=CONNECT_TIMEOUT)
        headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
        url = f"{server_url}/v1/devices/{DEVICE_ID}/{VARIABLE}"
        async with httpx.AsyncClient(
            limits=limits, timeout=timeout, headers=headers, follow_redirects=False
        ) as http:

            async def raw_call() -> object:
                response = await http.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"unexpected status {response.status_code}")
                return json.loads(response.content)["result"]

            yield raw_call
    else:
        async with ParticleClient(TOKEN, base_url=server_url, rate_limit=None) as client:

            async def sdk_call() -> object:
                value = await client.devices.get_variable(DEVICE_ID, VARIABLE)
                return value.result

            yield sdk_call


async def bench(args: argparse.Namespace, server_url: str) -> dict[str, Any]:
    async def concurrent(call: Call, n: int) -> float:
        return await run_concurrent(call, n, args.concurrency)

    async def warm_sequential(call: Call) -> None:
        await run_sequential(call, args.warmup)

    async def warm_concurrent(call: Call) -> None:
        # Sequential calls first: a burst of `concurrency` calls into an EMPTY pool makes httpcore
        # open one connection per worker, and those linger until keepalive_expiry (5 s), during
        # which its pool bookkeeping (quadratic in the number of connections) slows every call
        # about threefold. From a warm connection the pool settles at its working set at once.
        await run_sequential(call, args.warmup)
        await run_concurrent(call, max(args.warmup, args.concurrency * 4), args.concurrency)

    # name: (timed calls, runner, untimed warm-up before each timed run)
    scenarios: dict[
        str, tuple[int, Callable[[Call, int], Awaitable[float]], Callable[[Call], Awaitable[None]]]
    ] = {
        "sequential": (args.sequential_calls, run_sequential, warm_sequential),
        "concurrent": (args.concurrent_calls, concurrent, warm_concurrent),
    }

    # Check both sides, and warm up code paths and caches in both shapes.
    for side in SIDES:
        async with open_side(side, server_url) as call:
            got = await call()
            if got != EXPECTED_RESULT:
                raise RuntimeError(f"{side} call returned {got!r}, expected {EXPECTED_RESULT}")
            await warm_concurrent(call)

    # Every timed run gets a fresh client, warmed the same way, so both sides start each run from
    # the same connection-pool state. With shared long-lived clients that state would depend on
    # history: a pool's connections expire (keepalive_expiry = 5 s) while the other side runs.
    results: dict[str, Any] = {}
    for scenario, (n_calls, runner, warm) in scenarios.items():
        ops: dict[str, list[float]] = {side: [] for side in SIDES}
        for round_no in range(args.rounds):
            for side in SIDES:
                async with open_side(side, server_url) as call:
                    await warm(call)
                    ops[side].append(n_calls / await runner(call, n_calls))
            print(
                f"  {scenario:<10} round {round_no + 1}/{args.rounds}: "
                f"raw {ops['raw'][-1]:>9,.0f} ops/s   sdk {ops['sdk'][-1]:>9,.0f} ops/s",
                flush=True,
            )
        raw_median = statistics.median(ops["raw"])
        sdk_median = statistics.median(ops["sdk"])
        results[scenario] = {
            "calls": n_calls,
            "concurrency": args.concurrency if scenario == "concurrent" else 1,
            "raw_ops_per_s": raw_median,
            "sdk_ops_per_s": sdk_median,
            "ratio": raw_median / sdk_median,
            "extra_us_per_call": (1 / sdk_median - 1 / raw_median) * 1e6,
            "raw_best_ops_per_s": max(ops["raw"]),
            "sdk_best_ops_per_s": max(ops["sdk"]),
            "raw_rounds": ops["raw"],
            "sdk_rounds": ops["sdk"],
        }
    return results


def run_client(args: argparse.Namespace, server_url: str) -> dict[str, Any]:
    if args.backend == "trio":
        import anyio

        return anyio.run(bench, args, server_url, backend="trio")
    return asyncio.run(bench(args, server_url))


# --------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="aioparticle devices.get_variable() vs. bare httpx on a loopback server."
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--rounds", type=int, help=f"rounds per side (default {DEFAULTS['rounds']})"
    )
    parser.add_argument(
        "--sequential-calls",
        type=int,
        help=f"calls per sequential round (default {DEFAULTS['sequential_calls']})",
    )
    parser.add_argument(
        "--concurrent-calls",
        type=int,
        help=f"calls per concurrent round (default {DEFAULTS['concurrent_calls']})",
    )
    parser.add_argument("--concurrency", type=int, default=64, help="calls in flight (default 64)")
    parser.add_argument(
        "--warmup", type=int, help=f"warm-up calls per client (default {DEFAULTS['warmup']})"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 200 sequential / 500 concurrent calls, 2 rounds (explicit options win)",
    )
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument(
        "--max-ratio",
        type=float,
        metavar="FLOAT",
        help="exit 1 if a scenario's ratio (sdk time / raw time) exceeds this",
    )
    args = parser.parse_args(argv)
    base = QUICK if args.quick else DEFAULTS
    for key, default in base.items():
        if getattr(args, key) is None:
            setattr(args, key, default)
    for key in ("rounds", "sequential_calls", "concurrent_calls", "concurrency"):
        if getattr(args, key) < 1:
            parser.error(f"--{key.replace('_', '-')} must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    if args.backend == "trio":
        try:
            import trio  # noqa: F401
        except ImportError:
            parser.error("--backend trio needs trio installed")
    return args


def print_table(args: argparse.Namespace, results: dict[str, Any]) -> None:
    header = (
        f"{'scenario':<34}{'raw ops/s':>12}{'sdk ops/s':>12}"
        f"{'ratio (sdk/raw time)':>23}{'extra us/call':>15}"
    )
    print()
    print(f"median of {args.rounds} rounds per side (best-of-rounds in the JSON output)")
    print(header)
    print("-" * len(header))
    for scenario, r in results.items():
        label = f"{scenario} ({r['calls']}" + (
            f", {r['concurrency']} in flight)" if scenario == "concurrent" else ")"
        )
        print(
            f"{label:<34}{r['raw_ops_per_s']:>12,.0f}{r['sdk_ops_per_s']:>12,.0f}"
            f"{r['ratio']:>23.3f}{r['extra_us_per_call']:>15.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve()

    import httpx

    import aioparticle

    print(
        f"aioparticle {aioparticle.__version__}, httpx {httpx.__version__}, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"backend {args.backend}"
    )
    print(
        f"sequential {args.sequential_calls} calls, concurrent {args.concurrent_calls} calls "
        f"with {args.concurrency} in flight, {args.rounds} rounds, warm-up {args.warmup}"
    )
    with server_process() as server:
        print(f"server: {server.url} (separate process)", flush=True)
        results = run_client(args, server.url)

    print_table(args, results)
    if args.json:
        print(
            json.dumps(
                {
                    "benchmark": "get_variable",
                    "statistic": "median",
                    "backend": args.backend,
                    "rounds": args.rounds,
                    "python": platform.python_version(),
                    "aioparticle": aioparticle.__version__,
                    "httpx": httpx.__version__,
                    "scenarios": results,
                }
            )
        )
    if args.max_ratio is not None:
        over = {k: r["ratio"] for k, r in results.items() if r["ratio"] > args.max_ratio}
        if over:
            worst = ", ".join(f"{k} {v:.3f}" for k, v in over.items())
            print(f"FAIL: ratio above --max-ratio {args.max_ratio}: {worst}", file=sys.stderr)
            return 1
        print(f"OK: every ratio is at most --max-ratio {args.max_ratio}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
