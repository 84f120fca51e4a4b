"""Benchmark: memory of one long event stream consumed through `client.events.stream()`.

What is measured
----------------
Whether aioparticle's event stream keeps memory flat however long it runs. A fresh child
process opens ``async with client.events.stream(device="mine") as events:`` against the loopback
SSE server of ``bench_events.py`` (same frames: ``event: sensor/temp`` + a realistic Particle
payload, a keep-alive comment every 1000 events, written as fast as the socket takes them) and
consumes ``--events`` events (default 1,000,000), reading ``event.data`` of each. Every
``--sample-every`` events (default a tenth of the stream: every 100,000) it records:

* RSS: ``VmRSS`` from ``/proc/self/status`` (elsewhere the peak RSS from ``resource``);
* the process's peak RSS so far (``VmHWM``);
* Python's allocated block count (``sys.getallocatedblocks()``);
* with ``--tracemalloc``: the memory Python has allocated and its peak, as traced by
  ``tracemalloc`` (much slower: the figures are exact, the events/s are not comparable).

It reports the RSS at the start (client created, stream not yet open), at each sample, the peak
and at the end, and judges the trend after warm-up (from the first sample on): the stream is
"flat" when RSS grows less than ``--flat-mb`` (default 2 MB) from the first sample to the last
AND the least-squares slope over the samples, projected over the whole stream, is under that
too. The server runs in its own process and only listens on 127.0.0.1.

How to run
----------
::

    python benchmarks/bench_events_memory.py                # 1,000,000 events, every 100,000
    python benchmarks/bench_events_memory.py --quick        # smoke run: 50,000, every 5,000
    python benchmarks/bench_events_memory.py --tracemalloc  # also traced allocations (slower)
    python benchmarks/bench_events_memory.py --quick --json --max-growth-mb 5  # CI gate

Exit status: 0, or 1 when ``--max-growth-mb`` is given and the RSS growth after warm-up exceeds
it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from contextlib import suppress
from typing import Any

from _server_process import HOST
from bench_events import (
    DEVICE_ID,
    EVENT_NAME,
    MAX_EVENTS,
    MB,
    TOKEN,
    check_last,
    run_async,
    run_deadline,
    server_process,
)

DEFAULTS = {"events": 1_000_000}
QUICK = {"events": 50_000}


def proc_status() -> tuple[int, int]:
    """(RSS, peak RSS) of this process in bytes; both the peak where /proc is missing."""
    rss = peak = 0
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith(b"VmHWM:"):
                    peak = int(line.split()[1]) * 1024
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = peak if sys.platform == "darwin" else peak * 1024
        rss = peak
    return rss, peak


def sample(count: int, traced: bool) -> dict[str, int]:
    rss, peak = proc_status()
    point = {"events": count, "rss": rss, "peak_rss": peak, "blocks": sys.getallocatedblocks()}
    if traced:
        import tracemalloc

        point["traced"], point["traced_peak"] = tracemalloc.get_traced_memory()
    return point


# --------------------------------------------------------------------------- child


async def consume(args: argparse.Namespace) -> dict[str, Any]:
    """In a fresh process: one stream of `args.events` events, sampled as it goes."""
    import gc

    import anyio

    from aioparticle import ParticleClient

    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start()
    samples: list[dict[str, int]] = []
    count = 0
    data = published = None
    async with ParticleClient(TOKEN, base_url=args.url) as client:
        gc.collect()
        start = sample(0, args.tracemalloc)
        began = time.perf_counter()
        with anyio.fail_after(run_deadline(args.events) * (4 if args.tracemalloc else 1)):
            async with client.events.stream(device="mine") as stream:
                async for event in stream:
                    data, published = event.data, event.published_at
                    count += 1
                    if count % args.sample_every == 0:
                        samples.append(sample(count, args.tracemalloc))
                    if count == args.events:
                        break  # the server ends the stream here; the SDK would reconnect
                if stream.malformed_frames:
                    raise RuntimeError(f"sdk: {stream.malformed_frames} malformed frames")
                if event.name != EVENT_NAME or event.device_id != DEVICE_ID:
                    raise RuntimeError(f"sdk: unexpected last event {event!r}")
        seconds = time.perf_counter() - began
    check_last("sdk", count, args.events, data, published)
    return {"events": count, "seconds": seconds, "start": start, "samples": samples}


# --------------------------------------------------------------------------- parent


def run_child(args: argparse.Namespace, server_url: str) -> dict[str, Any]:
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        "--url",
        server_url,
        "--events",
        str(args.events),
        "--sample-every",
        str(args.sample_every),
        "--backend",
        args.backend,
    ]
    if args.tracemalloc:
        command.append("--tracemalloc")
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)  # noqa: S603
    try:
        out, _ = proc.communicate(timeout=run_deadline(args.events) * 4 + 30)
    except BaseException:
        with suppress(ProcessLookupError):
            proc.kill()
        proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"the consuming process failed (exit status {proc.returncode})")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (0 with fewer than two points)."""
    if len(points) < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


def summarize(result: dict[str, Any], flat_mb: float) -> dict[str, Any]:
    samples = result["samples"]
    warm, end = samples[0], samples[-1]
    trend = slope([(s["events"], s["rss"]) for s in samples])  # bytes per event
    projected = trend * result["events"]
    growth = end["rss"] - warm["rss"]
    return {
        "events": result["events"],
        "events_per_s": result["events"] / result["seconds"],
        "start_rss": result["start"]["rss"],
        "peak_rss": max(s["peak_rss"] for s in samples),
        "end_rss": end["rss"],
        "warm_events": warm["events"],
        "growth_bytes": growth,
        "slope_bytes_per_100k": trend * 100_000,
        "projected_bytes": projected,
        "flat": abs(growth) < flat_mb * MB and abs(projected) < flat_mb * MB,
        "samples": samples,
    }


def print_report(args: argparse.Namespace, summary: dict[str, Any]) -> None:
    traced = args.tracemalloc
    print()
    print(
        f"memory of one {summary['events']:,}-event stream through events.stream() "
        f"(MB = 10^6 bytes; blocks = sys.getallocatedblocks())"
    )
    titles = ["RSS MB", "peak MB", "blocks"] + (["traced MB", "traced pk"] if traced else [])
    header = f"{'events':>12}" + "".join(f"{title:>12}" for title in titles)
    print(header)
    print("-" * len(header))
    rows = [("start", summary["start"])]
    rows += [(f"{s['events']:,}", s) for s in summary["samples"]]
    for label, point in rows:
        line = f"{label:>12}{point['rss'] / MB:>12.1f}{point['peak_rss'] / MB:>12.1f}"
        line += f"{point['blocks']:>12,}"
        if traced:
            line += f"{point.get('traced', 0) / MB:>12.2f}{point.get('traced_peak', 0) / MB:>12.2f}"
        print(line)
    print(
        f"start {summary['start_rss'] / MB:.1f} MB, peak {summary['peak_rss'] / MB:.1f} MB, "
        f"end {summary['end_rss'] / MB:.1f} MB ({summary['events_per_s']:,.0f} events/s)"
    )
    trend = summary["slope_bytes_per_100k"] / MB
    print(
        f"after warm-up ({summary['warm_events']:,} events): growth "
        f"{summary['growth_bytes'] / MB:+.2f} MB, trend {trend:+.3f} MB per 100,000 events "
        f"({summary['projected_bytes'] / MB:+.2f} MB over the stream)"
    )
    verdict = "flat" if summary["flat"] else "NOT flat"
    print(f"sdk memory: {verdict} (flat: growth and trend both under {args.flat_mb:g} MB)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Memory of one long aioparticle event stream on a loopback SSE server."
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument(
        "--events", type=int, help=f"events in the stream (default {DEFAULTS['events']:,})"
    )
    parser.add_argument(
        "--sample-every", type=int, help="events between two samples (default a tenth)"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke run: {QUICK['events']:,} events"
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python allocations (slower)"
    )
    parser.add_argument(
        "--flat-mb", type=float, default=2.0, help="growth still called flat (default 2)"
    )
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument(
        "--max-growth-mb",
        type=float,
        metavar="FLOAT",
        help="exit 1 if RSS grows more than this many MB after warm-up",
    )
    args = parser.parse_args(argv)
    if args.events is None:
        args.events = (QUICK if args.quick else DEFAULTS)["events"]
    if not 1 <= args.events <= MAX_EVENTS:
        parser.error(f"--events must be between 1 and {MAX_EVENTS:,}")
    if args.sample_every is None:
        args.sample_every = max(1, args.events // 10)
    if not 1 <= args.sample_every <= args.events:
        parser.error("--sample-every must be between 1 and --events")
    if args.child and not (args.url or "").startswith(f"http://{HOST}:"):
        parser.error(f"--child needs --url http://{HOST}:PORT")
    if args.backend == "trio":
        try:
            import trio  # noqa: F401
        except ImportError:
            parser.error("--backend trio needs trio installed")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
        print(json.dumps(run_async(args.backend, consume, args)))
        return 0
    signal.signal(signal.SIGTERM, _terminate)

    import aioparticle

    print(
        f"aioparticle {aioparticle.__version__}, Python {platform.python_version()} "
        f"({platform.python_implementation()}), backend {args.backend}; "
        f"{args.events:,} events, a sample every {args.sample_every:,}",
        flush=True,
    )
    with server_process(args.events) as server:
        print(f"server: {server.url} (separate process)", flush=True)
        result = run_child(args, server.url)
    summary = summarize(result, args.flat_mb)
    summary["start"] = result["start"]
    print_report(args, summary)
    if args.json:
        print(json.dumps({"benchmark": "events_memory", "backend": args.backend, **summary}))
    if args.max_growth_mb is not None:
        growth = summary["growth_bytes"] / MB
        if growth > args.max_growth_mb:
            print(f"FAIL: RSS growth {growth:.2f} MB above --max-growth-mb", file=sys.stderr)
            return 1
        print("OK: within the given limit")
    return 0


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
