"""Benchmark: the cost of creating a `ParticleClient`, against a bare `httpx.AsyncClient()`.

What is measured
----------------
* ``raw``: ``httpx.AsyncClient()`` with httpx's defaults, which builds a TLS context (and loads
  a certificate store) for every client.
* ``sdk``: ``ParticleClient("bench-token")``: option checks, the ``Core``, its limiter, and an
  ``httpx.AsyncClient`` that reuses the one TLS context aioparticle builds per process.
* ``first``: the first ``ParticleClient`` of a fresh interpreter (which builds that shared
  context), timed in a child process: what a short script pays once.

Neither side opens a connection. Each side runs ``--rounds`` rounds of ``--count``
constructions, alternating which goes first. The script prints the median time per client
(milliseconds) of each side, and the ratio raw / sdk (above 1: aioparticle creates clients
faster than bare httpx). No server is involved and nothing leaves the process.

    python benchmarks/bench_construction.py            # 9 rounds of 200 clients
    python benchmarks/bench_construction.py --quick    # smoke run: 3 rounds of 20
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import httpx

from aioparticle import ParticleClient

_FIRST = (
    "import time; t = time.perf_counter(); from aioparticle import ParticleClient; "
    "t1 = time.perf_counter(); ParticleClient('bench-token'); "
    "print((time.perf_counter() - t1) * 1000)"
)


def per_client_ms(make: object, count: int) -> float:
    assert callable(make)
    start = time.perf_counter()
    for _ in range(count):
        make()
    return (time.perf_counter() - start) / count * 1000


def first_client_ms() -> float:
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", _FIRST], capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="3 rounds of 20 clients")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    rounds, count = (3, 20) if args.quick else (args.rounds, args.count)

    def raw() -> None:
        httpx.AsyncClient()

    def sdk() -> None:
        ParticleClient("bench-token")

    sdk()  # the process's shared TLS context is built here, outside the timing
    raw_times: list[float] = []
    sdk_times: list[float] = []
    for n in range(rounds):
        order = [(raw, raw_times), (sdk, sdk_times)]
        for make, times in order if n % 2 == 0 else reversed(order):
            times.append(per_client_ms(make, count))
    firsts = [first_client_ms() for _ in range(min(rounds, 3))]
    figures = {
        "raw_ms": statistics.median(raw_times),
        "sdk_ms": statistics.median(sdk_times),
        "first_sdk_ms": statistics.median(firsts),
    }
    figures["ratio_raw_over_sdk"] = figures["raw_ms"] / figures["sdk_ms"]
    if args.json:
        print(json.dumps(figures))
        return
    print(f"client construction, median of {rounds} rounds of {count}:")
    print(f"  raw httpx.AsyncClient()        {figures['raw_ms']:8.3f} ms")
    print(f"  ParticleClient()               {figures['sdk_ms']:8.3f} ms")
    print(f"  first ParticleClient (fresh)   {figures['first_sdk_ms']:8.3f} ms")
    print(f"  ratio raw / sdk                {figures['ratio_raw_over_sdk']:8.1f}x")


if __name__ == "__main__":
    main()
