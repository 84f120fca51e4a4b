"""Every benchmark in one run, then one table of the figures the targets are set on.

    python benchmarks/run_all.py            # full runs (several minutes on 2 cores)
    python benchmarks/run_all.py --quick    # smoke runs (figures only, not comparable)

Each benchmark runs as its own process (its full report is printed as it goes) with
``--json``; its last JSON line feeds the summary. Every figure is a ratio measured in the same
run against a raw baseline on the same loopback server: raw httpx for REST, httpx-sse + orjson
for events. The targets are goals for the figures, not assertions: the exit status is 0 unless
a benchmark itself failed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
#: (script, extra arguments of a full run)
BENCHMARKS = (
    ("bench_rest.py", ()),
    ("bench_fleet_latency.py", ()),
    ("bench_events.py", ("--only", "throughput")),
    ("bench_events_memory.py", ()),
    ("bench_get_variable.py", ()),
    ("bench_download.py", ()),
    ("bench_construction.py", ()),
    ("bench_relay.py", ()),
)


def run(script: str, extra: tuple[str, ...], quick: bool) -> dict[str, Any] | None:
    """Run one benchmark, echo its report, and return its JSON figures (None if it failed)."""
    command = [
        sys.executable,
        str(HERE / script),
        "--json",
        *extra,
        *(("--quick",) if quick else ()),
    ]
    print(f"\n=== {script} {' '.join(command[3:])}", flush=True)
    done = subprocess.run(  # noqa: S603 - our own interpreter and scripts
        command, cwd=HERE, stdout=subprocess.PIPE, text=True, check=False
    )
    figures: dict[str, Any] | None = None
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            figures = json.loads(line)
        else:
            print(line)
    if done.returncode != 0:
        print(f"{script} exited with status {done.returncode}", flush=True)
        return None
    return figures


def summary(results: dict[str, dict[str, Any] | None]) -> list[tuple[str, str, str]]:
    """(figure, measured, target) rows from the benchmarks' JSON figures."""
    rows: list[tuple[str, str, str]] = []
    rest = results.get("bench_rest.py")
    if rest:
        names = {
            "sequential": "sequential variable reads",
            "concurrent": "function calls, 64 in flight",
            "fleet": "list devices, read each (100 in flight)",
        }
        for key, name in names.items():
            speedup = rest["scenarios"][key]["speedup_vs_httpx"]
            rows.append((f"REST {name}: default, vs raw httpx", f"{speedup['sdk']:.2f}x", "~1x"))
            target = ">= 4x" if key == "concurrent" else ""
            rows.append(
                (f"REST {name}: aiohttp transport", f"{speedup['sdk-aiohttp']:.2f}x", target)
            )
    fleet = results.get("bench_fleet_latency.py")
    if fleet:
        ratios = fleet["wall_over_ideal"]
        for side, target in (
            ("httpx", ""),
            ("sdk", ""),
            ("sdk-aiohttp", "<= 3x"),
            ("sdk-aiohttp-fleet", "<= 3x"),
        ):
            rows.append(
                (f"latency-bound fleet, wall / ideal: {side}", f"{ratios[side]:.2f}x", target)
            )
    events = results.get("bench_events.py")
    if events:
        throughput = events.get("throughput")
        if throughput:
            rows.append(
                (
                    "events: typed stream / httpx-sse + orjson dicts",
                    f"{throughput['throughput_ratio']:.2f}x",
                    ">= 1.0x",
                )
            )
    memory = results.get("bench_events_memory.py")
    if memory:
        rows.append(
            (
                f"events: RSS over {memory['events']:,} events: start / peak / end",
                f"{memory['start_rss'] / 1e6:.1f} / {memory['peak_rss'] / 1e6:.1f} / "
                f"{memory['end_rss'] / 1e6:.1f} MB",
                "",
            )
        )
        rows.append(
            (
                "events: RSS growth after warm-up",
                f"{memory['growth_bytes'] / 1e6:+.2f} MB",
                "flat",
            )
        )
    variable = results.get("bench_get_variable.py")
    if variable:
        for key, scenario in variable["scenarios"].items():
            rows.append(
                (
                    f"get_variable {key}: SDK speed vs raw httpx",
                    f"{1 / scenario['ratio']:.2f}x",
                    "",
                )
            )
    construction = results.get("bench_construction.py")
    if construction:
        rows.append(("ParticleClient() construction", f"{construction['sdk_ms']:.3f} ms", "< 5 ms"))
        rows.append(
            (
                "  the first one in a process (imports httpcore, loads certificates)",
                f"{construction['first_sdk_ms']:.0f} ms",
                "",
            )
        )
    relay = results.get("bench_relay.py")
    if relay:
        rows.append(
            (
                "relay: events/s, local cloud -> Redis -> consumer group",
                f"{relay['throughput_events_per_s']:,.0f}",
                "",
            )
        )
        latency = relay["latency_ms"]
        rows.append(
            (
                f"relay: end-to-end latency p50 / p99 at {relay['rate']:g}/s",
                f"{latency['p50']:.1f} / {latency['p99']:.1f} ms",
                "",
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke runs: small counts")
    args = parser.parse_args()
    results = {script: run(script, extra, args.quick) for script, extra in BENCHMARKS}
    try:
        rows = summary(results)
    except (KeyError, TypeError) as exc:  # a benchmark's JSON changed shape
        print(f"summary unavailable: {exc!r}")
        rows = []
    width = max(len(row[0]) for row in rows) if rows else 10
    print(f"\n=== summary{' (--quick: smoke figures)' if args.quick else ''}")
    print(f"{'figure':<{width}}  {'measured':>10}  target")
    print("-" * (width + 22))
    for name, measured, target in rows:
        print(f"{name:<{width}}  {measured:>10}  {target}")
    failed = [script for script, figures in results.items() if figures is None]
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
