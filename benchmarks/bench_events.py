"""Benchmark: `client.events.stream()` against raw httpx-sse, for throughput and memory.

What is measured
----------------
How fast aioparticle turns a Server-Sent Events stream into typed `Event` objects, compared
with the least an application could do by hand, and whether its memory stays flat over a long
stream. Both sides read the SAME stream from the same loopback server on 127.0.0.1:
``GET /v1/devices/events`` answered with ``content-type: text/event-stream``, first ``:ok``,
then N realistic Particle frames such as::

    event: sensor/temp
    data: {"data":"21.5","ttl":60,"published_at":"2025-03-01T12:00:00.000Z","coreid":"0123..."}

(the value and the timestamp change with a counter, a ``:keep-alive`` comment follows every
1000 events), written in 64 KiB pieces as fast as the socket takes them, then the connection is
closed.

* ``raw``: ``httpx_sse.aconnect_sse(httpx.AsyncClient(), "GET", url)``, ``aiter_sse()``,
  ``orjson.loads(sse.data)`` (``json.loads`` when orjson is not installed) and reading
  ``payload["data"]``: untyped dicts, no reconnection.
* ``sse`` (throughput only): the same httpx-sse ``EventSource``, each frame turned into a typed
  `Event` by aioparticle's own conversion: the least a stream built on httpx-sse's
  ``EventSource`` would cost, before any liveness check, bound on frame size, reconnection or
  read-ahead buffer. It is why aioparticle keeps its own parser (see the README).
* ``sdk``: ``async with client.events.stream(device="mine") as events: async for event in
  events:`` on a ``ParticleClient("bench-token", base_url=server_url, rate_limit=None)`` (no
  client-side rate limit, as in every benchmark) and reading
  ``event.data``: aioparticle's own SSE parser, JSON decoding, pydantic validation into an
  `Event` (with a parsed, timezone-aware ``published_at``), delivered by the stream's background
  reader through its bounded buffer. Because the SDK reconnects when the server ends a stream,
  the consumer breaks out after N events.

Each run checks that its side received exactly N events and that the last one is the N-th the
server sent (value and timestamp); the raw side also sees the stream end right after it.

1. Throughput: ``--events`` events per run (default 100,000). Each side is warmed up by one
   untimed run, then ``--rounds`` rounds alternate raw, sdk, raw, sdk... (fresh client per run,
   the timer covers connecting, reading every event and closing the stream). The table reports
   the MEDIAN events/s per side, the throughput ratio ``sdk events/s / raw events/s`` against
   httpx-sse + orjson (target: at least 1.0) and the extra microseconds per event. It also
   reports the ratio of the client process's CPU time per run (``time.process_time()``, median
   per side): on a machine shared with other work, wall time also counts the moments the
   client or the server waited for a core, and the CPU-time ratio is the steadier figure.
2. Memory: one stream of ``--memory-events`` events per side (default 1,000,000), each side in
   a fresh child process (so that neither inherits the other's heap). The consumer samples its
   process RSS (``VmRSS`` from ``/proc/self/status``; elsewhere the peak RSS from ``resource``)
   and Python's allocated block count every ``--sample-every`` events (default a tenth of the
   stream: every 100,000). The growth from the 2nd sample (200,000 by default, once caches and
   buffers have settled) to the last one should be well under 5 MB: memory stays flat however
   long the stream runs. ``bench_events_memory.py`` looks at the SDK alone in more detail
   (start, peak and end RSS, the trend after warm-up, optionally ``tracemalloc``).

The server is a dependency-free ``asyncio.Protocol`` in a child process (``python
bench_events.py --serve --events N``), so it never competes with the clients for their event
loop; it prints its ephemeral port on stdout, only ever listens on 127.0.0.1, and is stopped when
the run ends, also on Ctrl-C or an error. ``--profile`` runs one SDK stream under cProfile and
prints the top functions by own time.

How to run
----------
::

    python benchmarks/bench_events.py            # 100,000 events x 5 rounds; memory: 1,000,000
    python benchmarks/bench_events.py --quick    # smoke run: 20,000 x 3 rounds; memory: 200,000
    python benchmarks/bench_events.py --quick --json --max-ratio 1.2 --max-growth-mb 5  # CI gate
    python benchmarks/bench_events.py --only throughput --backend trio    # needs trio installed
    python benchmarks/bench_events.py --profile  # cProfile one SDK run (no comparison)

Exit status: 0, or 1 when ``--max-ratio`` is given and ``sdk time / raw time`` (= raw events/s
/ sdk events/s; 1.0 is the throughput target) exceeds it, or ``--max-growth-mb`` is given
and the SDK's RSS growth exceeds it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime, timezone
from typing import Any

from _server_process import HOST, ServerProcess, run_child_server

TOKEN = "bench-token"  # noqa: S105 - a dummy token the loopback server ignores
DEVICE_ID = "0123456789abcdef01234567"
EVENT_NAME = "sensor/temp"
STREAM_PATH = "/v1/devices/events"
# aioparticle's defaults (DEFAULT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT), given to the raw client too.
TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0
#: events between two keep-alive comments
KEEPALIVE_EVERY = 1000
#: size of each transport.write() on the server
WRITE_SIZE = 64 * 1024
#: the timestamps encode the event's index as hh:mm:ss.mmm from 12:00 on one day
MAX_EVENTS = 12 * 3_600_000 - 1
MB = 1_000_000

DEFAULTS = {"rounds": 5, "events": 100_000, "memory_events": 1_000_000}
QUICK = {"rounds": 3, "events": 20_000, "memory_events": 200_000}

SIDES = ("raw", "sdk")
THROUGHPUT_SIDES = ("raw", "sse", "sdk")
Sample = tuple[int, int, int]  # events so far, RSS bytes, Python allocated blocks


# --------------------------------------------------------------------------- the stream


def event_value(i: int) -> str:
    """The `data` of the i-th event (0-based): a temperature that changes with the counter."""
    return f"{20 + (i % 100) / 10:.1f}"


def event_time(i: int) -> str:
    """The `published_at` of the i-th event: 1 ms apart, from 2025-03-01T12:00:00.000Z."""
    seconds, ms = divmod(i, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"2025-03-01T{12 + hours:02d}:{minutes:02d}:{seconds:02d}.{ms:03d}Z"


def event_datetime(i: int) -> datetime:
    return datetime.fromisoformat(event_time(i).replace("Z", "+00:00")).astimezone(timezone.utc)


def frames(start: int, stop: int) -> bytes:
    """Events `start` to `stop - 1` as SSE frames, then a keep-alive comment."""
    head = f'event: {EVENT_NAME}\ndata: {{"data":"'
    middle = '","ttl":60,"published_at":"'
    tail = f'","coreid":"{DEVICE_ID}"}}\n\n'
    parts = [head + event_value(i) + middle + event_time(i) + tail for i in range(start, stop)]
    parts.append(":keep-alive\n\n")
    return "".join(parts).encode()


# --------------------------------------------------------------------------- server (child)


_MAX_HEAD = 64 * 1024
_STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"content-type: text/event-stream\r\n"
    b"cache-control: no-cache\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b":ok\n\n"
)
_NOT_FOUND = (
    b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 32\r\n"
    b'connection: close\r\n\r\n{"ok":false,"error":"Not found"}'
)
_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
# Open client connections, closed at shutdown (`Server.wait_closed` waits for them on 3.12+).
_OPEN: set[asyncio.Transport] = set()


class _SSEProtocol(asyncio.Protocol):
    """Answers one request per connection; the event stream is written under flow control."""

    def __init__(self, events: int) -> None:
        self._events = events
        self._transport: asyncio.Transport | None = None
        self._head = b""
        self._streaming = False
        self._paused = False
        self._next = 0  # index of the next event to build
        self._pending = memoryview(b"")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        _OPEN.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            _OPEN.discard(self._transport)
        self._transport = None

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        # Not synchronously: asyncio calls this from inside its own write handler, and closing
        # the transport there makes (CPython 3.11) call connection_lost twice.
        asyncio.get_running_loop().call_soon(self._write)

    def data_received(self, data: bytes) -> None:
        transport = self._transport
        if transport is None or self._streaming:
            return  # anything after the request head is ignored
        self._head += data
        end = self._head.find(b"\r\n\r\n")
        if end < 0:
            if len(self._head) > _MAX_HEAD:
                transport.write(_BAD_REQUEST)
                transport.close()
            return
        request_line = self._head[: self._head.find(b"\r\n")].split(b" ")
        if len(request_line) != 3:
            transport.write(_BAD_REQUEST)
            transport.close()
            return
        method, target = request_line[0], request_line[1].split(b"?", 1)[0]
        if method != b"GET" or target != STREAM_PATH.encode():
            transport.write(_NOT_FOUND)
            transport.close()
            return
        self._streaming = True
        self._pending = memoryview(_STREAM_HEAD)
        self._write()

    def _write(self) -> None:
        """Write until the transport's buffer is full (pause_writing) or the stream is done."""
        transport = self._transport
        while transport is not None and not self._paused and not transport.is_closing():
            if not self._pending:
                if self._next >= self._events:
                    transport.close()  # after the buffered data is flushed
                    return
                stop = min(self._next + KEEPALIVE_EVERY, self._events)
                self._pending = memoryview(frames(self._next, stop))
                self._next = stop
            piece, self._pending = self._pending[:WRITE_SIZE], self._pending[WRITE_SIZE:]
            transport.write(piece)  # may call pause_writing()


def serve(events: int) -> int:
    return run_child_server(lambda: _SSEProtocol(events), _OPEN, backlog=128)


def server_process(events: int) -> ServerProcess:
    """The loopback server streaming `events` events per request."""
    return ServerProcess(os.path.abspath(__file__), "--serve", "--events", str(events))


# --------------------------------------------------------------------------- clients


def rss_bytes() -> int:
    """This process's resident set size (the peak where /proc is missing)."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def run_deadline(events: int) -> float:
    """Seconds after which a run is declared hung (generous: a few thousand events/s)."""
    return 60.0 + events / 2000


def check_last(side: str, count: int, events: int, value: object, published: object) -> None:
    if count != events:
        raise RuntimeError(f"{side}: received {count} events, expected {events}")
    if value != event_value(events - 1):
        raise RuntimeError(f"{side}: last event has data {value!r}, expected the {events}-th")
    expected = event_time(events - 1) if side == "raw" else event_datetime(events - 1)
    if published != expected:
        raise RuntimeError(f"{side}: last event published_at {published!r}, expected {expected}")


async def run_raw(
    server_url: str, events: int, sample_every: int = 0, samples: list[Sample] | None = None
) -> float:
    """Seconds for raw httpx-sse + orjson to read the whole stream (`events` events)."""
    import anyio
    import httpx
    import httpx_sse

    loads = json_loads()

    timeout = httpx.Timeout(TIMEOUT, connect=CONNECT_TIMEOUT)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = server_url + STREAM_PATH
    next_sample = sample_every if sample_every else -1
    count = 0
    payload: dict[str, Any] = {}
    data = None
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
        gc.collect()
        start = time.perf_counter()
        with anyio.fail_after(run_deadline(events)):
            async with httpx_sse.aconnect_sse(http, "GET", url, headers=headers) as source:
                source.response.raise_for_status()
                async for sse in source.aiter_sse():
                    payload = loads(sse.data)
                    data = payload["data"]
                    count += 1
                    if count == next_sample:
                        assert samples is not None
                        samples.append((count, rss_bytes(), sys.getallocatedblocks()))
                        next_sample += sample_every
        elapsed = time.perf_counter() - start
    check_last("raw", count, events, data, payload.get("published_at"))
    return elapsed


def json_loads() -> Callable[[str], Any]:
    """orjson's `loads` when it is installed, else the standard library's."""
    try:
        import orjson
    except ImportError:
        return json.loads
    return orjson.loads  # type: ignore[no-any-return]


async def run_sse(server_url: str, events: int) -> float:
    """Seconds for httpx-sse's `EventSource` to deliver `events` typed `Event`s, converted by
    aioparticle's own frame-to-event function (no reconnection, liveness or buffer)."""
    import anyio
    import httpx
    import httpx_sse

    try:
        from aioparticle._sse import event_from_frame
    except ImportError:  # a checkout from before the streaming modules were split
        from aioparticle._streaming import event_from_frame  # type: ignore[no-redef]

    timeout = httpx.Timeout(TIMEOUT, connect=CONNECT_TIMEOUT)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    count = 0
    event = None
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
        gc.collect()
        start = time.perf_counter()
        with anyio.fail_after(run_deadline(events)):
            url = server_url + STREAM_PATH
            async with httpx_sse.aconnect_sse(http, "GET", url, headers=headers) as source:
                source.response.raise_for_status()
                async for sse in source.aiter_sse():
                    event = event_from_frame(sse.event, sse.data)
                    count += 1
        elapsed = time.perf_counter() - start
    data = event.data if event is not None else None
    check_last("sse", count, events, data, event.published_at if event is not None else None)
    return elapsed


async def run_sdk(
    server_url: str, events: int, sample_every: int = 0, samples: list[Sample] | None = None
) -> float:
    """Seconds for aioparticle to deliver `events` typed events (then it stops reading)."""
    import anyio

    from aioparticle import ParticleClient

    next_sample = sample_every if sample_every else -1
    count = 0
    event = None
    data = None
    async with ParticleClient(TOKEN, base_url=server_url, rate_limit=None) as client:
        gc.collect()
        start = time.perf_counter()
        with anyio.fail_after(run_deadline(events)):
            async with client.events.stream(device="mine") as stream:
                async for event in stream:
                    data = event.data
                    count += 1
                    if count == next_sample:
                        assert samples is not None
                        samples.append((count, rss_bytes(), sys.getallocatedblocks()))
                        next_sample += sample_every
                    if count == events:
                        break  # the server ends the stream here; the SDK would reconnect
                # No check of `stream.reconnects`: once the server has ended the stream, the
                # reader may already reconnect while the consumer drains the buffer (at once
                # after a connection that was up for a while). A reconnect BEFORE the N-th
                # event would restart the sequence and fail check_last below.
                if stream.malformed_frames:
                    raise RuntimeError(f"sdk: {stream.malformed_frames} malformed frames")
        elapsed = time.perf_counter() - start
    if event is not None and (event.name != EVENT_NAME or event.device_id != DEVICE_ID):
        raise RuntimeError(f"sdk: unexpected last event {event!r}")
    check_last("sdk", count, events, data, event.published_at if event is not None else None)
    return elapsed


RUNNERS: dict[str, Callable[..., Awaitable[float]]] = {
    "raw": run_raw,
    "sse": run_sse,
    "sdk": run_sdk,
}


def run_async(backend: str, fn: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    if backend == "trio":
        import anyio

        return anyio.run(fn, *args, backend="trio")
    return asyncio.run(fn(*args))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- throughput


async def bench_throughput(args: argparse.Namespace, server_url: str) -> dict[str, Any]:
    for side in THROUGHPUT_SIDES:  # warm-up, and a check of every side
        await RUNNERS[side](server_url, args.events)
    rates: dict[str, list[float]] = {side: [] for side in THROUGHPUT_SIDES}
    cpu: dict[str, list[float]] = {side: [] for side in THROUGHPUT_SIDES}  # seconds per run
    for round_no in range(args.rounds):
        for side in THROUGHPUT_SIDES:
            before = time.process_time()
            rates[side].append(args.events / await RUNNERS[side](server_url, args.events))
            cpu[side].append(time.process_time() - before)
        print(
            f"  throughput round {round_no + 1}/{args.rounds}: raw {rates['raw'][-1]:>10,.0f} "
            f"events/s   sse {rates['sse'][-1]:>10,.0f} events/s   "
            f"sdk {rates['sdk'][-1]:>10,.0f} events/s   "
            f"ratio {rates['sdk'][-1] / rates['raw'][-1]:.3f}",
            flush=True,
        )
    raw, sdk = statistics.median(rates["raw"]), statistics.median(rates["sdk"])
    raw_cpu, sdk_cpu = statistics.median(cpu["raw"]), statistics.median(cpu["sdk"])
    return {
        "events": args.events,
        "raw_json": json_loads().__module__,
        "raw_events_per_s": raw,
        "sse_events_per_s": statistics.median(rates["sse"]),
        "sdk_events_per_s": sdk,
        "throughput_ratio": sdk / raw,
        "time_ratio": raw / sdk,
        "extra_us_per_event": (1 / sdk - 1 / raw) * 1e6,
        "raw_cpu_us_per_event": raw_cpu / args.events * 1e6,
        "sdk_cpu_us_per_event": sdk_cpu / args.events * 1e6,
        "cpu_throughput_ratio": raw_cpu / sdk_cpu,
        "raw_rounds": rates["raw"],
        "sse_rounds": rates["sse"],
        "sdk_rounds": rates["sdk"],
    }


# --------------------------------------------------------------------------- memory


async def memory_child(args: argparse.Namespace) -> dict[str, Any]:
    """In a fresh process: one long stream of one side, sampling RSS as it goes."""
    gc.collect()
    baseline = rss_bytes()
    samples: list[Sample] = []
    seconds = await RUNNERS[args.memory_child](
        args.url, args.memory_events, args.sample_every, samples
    )
    return {
        "side": args.memory_child,
        "events": args.memory_events,
        "seconds": seconds,
        "baseline_rss": baseline,
        "samples": samples,
    }


def bench_memory(args: argparse.Namespace, server_url: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for side in SIDES:
        command = [
            sys.executable,
            os.path.abspath(__file__),
            "--memory-child",
            side,
            "--url",
            server_url,
            "--memory-events",
            str(args.memory_events),
            "--sample-every",
            str(args.sample_every),
            "--backend",
            args.backend,
        ]
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)  # noqa: S603
        try:
            out, _ = proc.communicate(timeout=run_deadline(args.memory_events) + 30)
        except BaseException:
            with suppress(ProcessLookupError):
                proc.kill()
            proc.wait()
            raise
        if proc.returncode != 0:
            raise RuntimeError(f"memory run of {side} failed (exit status {proc.returncode})")
        result = json.loads(out.decode().strip().splitlines()[-1])
        samples = result["samples"]
        first = samples[1] if len(samples) > 1 else samples[0]
        result["growth_from"] = first[0]
        result["growth_bytes"] = samples[-1][1] - first[1]
        result["growth_blocks"] = samples[-1][2] - first[2]
        result["events_per_s"] = result["events"] / result["seconds"]
        results[side] = result
        print(
            f"  memory {side}: {result['events']:,} events in {result['seconds']:.1f}s, "
            f"RSS {samples[0][1] / MB:.1f} -> {samples[-1][1] / MB:.1f} MB",
            flush=True,
        )
    return results


# --------------------------------------------------------------------------- profile


def profile_sdk(args: argparse.Namespace, server_url: str) -> None:
    import cProfile
    import pstats

    run_async(args.backend, run_sdk, server_url, args.events)  # warm-up
    profiler = cProfile.Profile()
    profiler.enable()
    seconds = run_async(args.backend, run_sdk, server_url, args.events)
    profiler.disable()
    print(f"\nsdk run under cProfile: {args.events:,} events in {seconds:.2f}s")
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("tottime").print_stats(30)
    print("functions of aioparticle only:")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats("aioparticle", 15)


# --------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="aioparticle events.stream() vs. raw httpx-sse on a loopback SSE server."
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--memory-child", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument(
        "--events", type=int, help=f"events per throughput run (default {DEFAULTS['events']:,})"
    )
    parser.add_argument(
        "--rounds", type=int, help=f"throughput rounds per side (default {DEFAULTS['rounds']})"
    )
    parser.add_argument(
        "--memory-events",
        type=int,
        help=f"events of the memory run (default {DEFAULTS['memory_events']:,})",
    )
    parser.add_argument(
        "--sample-every",
        type=int,
        help="events between two RSS samples (default a tenth of --memory-events)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 20,000 events, 3 rounds, 200,000 for memory (explicit options win)",
    )
    parser.add_argument("--only", choices=("throughput", "memory"), help="run one part only")
    parser.add_argument(
        "--profile", action="store_true", help="profile one SDK run with cProfile instead"
    )
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument(
        "--max-ratio",
        type=float,
        metavar="FLOAT",
        help="exit 1 if sdk time / raw time (raw events/s / sdk events/s) exceeds this; "
        "1.0 is the throughput target",
    )
    parser.add_argument(
        "--max-growth-mb",
        type=float,
        metavar="FLOAT",
        help="exit 1 if the SDK's RSS grows more than this many MB over the memory run",
    )
    args = parser.parse_args(argv)
    base = QUICK if args.quick else DEFAULTS
    for key, default in base.items():
        if getattr(args, key) is None:
            setattr(args, key, default)
    for key in ("rounds", "events", "memory_events"):
        if not 1 <= getattr(args, key) <= MAX_EVENTS:
            parser.error(f"--{key.replace('_', '-')} must be between 1 and {MAX_EVENTS:,}")
    if args.sample_every is None:
        args.sample_every = max(1, args.memory_events // 10)
    if not 1 <= args.sample_every <= args.memory_events:
        parser.error("--sample-every must be between 1 and --memory-events")
    if args.memory_child and not (args.url or "").startswith(f"http://{HOST}:"):
        parser.error(f"--memory-child needs --url http://{HOST}:PORT")
    if args.backend == "trio":
        try:
            import trio  # noqa: F401
        except ImportError:
            parser.error("--backend trio needs trio installed")
    return args


def print_throughput(args: argparse.Namespace, r: dict[str, Any]) -> None:
    print()
    print(f"throughput: {r['events']:,} events per run, median of {args.rounds} rounds per side")
    header = f"{'side':<44}{'events/s':>12}{'us/event':>10}"
    print(header)
    print("-" * len(header))
    for side, label in (
        ("raw", f"raw (httpx-sse + {r['raw_json']}.loads, dicts)"),
        ("sse", "sse (httpx-sse EventSource -> typed Event)"),
        ("sdk", "sdk (events.stream -> typed Event)"),
    ):
        rate = r[f"{side}_events_per_s"]
        print(f"{label:<44}{rate:>12,.0f}{1e6 / rate:>10.2f}")
    verdict = "meets" if r["throughput_ratio"] >= 1.0 else "BELOW"
    print(
        f"throughput ratio sdk/raw (aioparticle typed Events / httpx-sse + {r['raw_json']} "
        f"dicts): {r['throughput_ratio']:.3f} ({verdict} the 1.0 target); "
        f"time ratio sdk/raw: {r['time_ratio']:.3f}; "
        f"sdk extra per event: {r['extra_us_per_event']:+.2f} us"
    )
    print(
        f"CPU time per event (client process): raw {r['raw_cpu_us_per_event']:.2f} us, "
        f"sdk {r['sdk_cpu_us_per_event']:.2f} us; throughput ratio by CPU time sdk/raw: "
        f"{r['cpu_throughput_ratio']:.3f}"
    )


def print_memory(args: argparse.Namespace, results: dict[str, Any]) -> None:
    print()
    events = results["sdk"]["events"]
    print(
        f"memory: RSS after every {args.sample_every:,} events of a {events:,}-event stream "
        "(MB = 10^6 bytes; blocks = sys.getallocatedblocks())"
    )
    header = f"{'events':>12}" + "".join(
        f"{title:>13}" for title in ("raw RSS MB", "raw blocks", "sdk RSS MB", "sdk blocks")
    )
    print(header)
    print("-" * len(header))
    raw, sdk = results["raw"], results["sdk"]
    print(
        f"{'start':>12}{raw['baseline_rss'] / MB:>13.1f}{'':>13}{sdk['baseline_rss'] / MB:>13.1f}"
    )
    for (n, raw_rss, raw_blocks), (_, sdk_rss, sdk_blocks) in zip(
        raw["samples"], sdk["samples"], strict=True
    ):
        print(
            f"{n:>12,}{raw_rss / MB:>13.1f}{raw_blocks:>13,}{sdk_rss / MB:>13.1f}{sdk_blocks:>13,}"
        )
    for side, r in (("raw", raw), ("sdk", sdk)):
        print(
            f"{side} growth from {r['growth_from']:,} to {r['samples'][-1][0]:,} events: "
            f"{r['growth_bytes'] / MB:+.2f} MB RSS, {r['growth_blocks']:+,} blocks "
            f"({r['events_per_s']:,.0f} events/s)"
        )
    verdict = "flat" if abs(sdk["growth_bytes"]) < 5 * MB else "NOT flat"
    print(f"sdk memory: {verdict} (target: growth well under 5 MB)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve(args.events)
    if args.memory_child:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us (see bench_memory)
        print(json.dumps(run_async(args.backend, memory_child, args)))
        return 0
    # SIGTERM unwinds like Ctrl-C, so that the `with` blocks stop the child processes.
    signal.signal(signal.SIGTERM, _terminate)

    import httpx
    import pydantic

    import aioparticle

    print(
        f"aioparticle {aioparticle.__version__}, httpx {httpx.__version__}, "
        f"httpx-sse {_version('httpx-sse')}, pydantic {pydantic.VERSION}, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"backend {args.backend}"
    )
    if args.profile:
        with server_process(args.events) as server:
            print(f"server: {server.url} (separate process)", flush=True)
            profile_sdk(args, server.url)
        return 0

    throughput: dict[str, Any] | None = None
    memory: dict[str, Any] | None = None
    if args.only in (None, "throughput"):
        print(f"throughput: {args.events:,} events per run, {args.rounds} rounds", flush=True)
        with server_process(args.events) as server:
            print(f"server: {server.url} (separate process)", flush=True)
            throughput = run_async(args.backend, bench_throughput, args, server.url)
    if args.only in (None, "memory"):
        print(
            f"memory: {args.memory_events:,} events per side, a sample every {args.sample_every:,}",
            flush=True,
        )
        with server_process(args.memory_events) as server:
            print(f"server: {server.url} (separate process)", flush=True)
            memory = bench_memory(args, server.url)

    if throughput is not None:
        print_throughput(args, throughput)
    if memory is not None:
        print_memory(args, memory)
    if args.json:
        print(
            json.dumps(
                {
                    "benchmark": "events",
                    "statistic": "median",
                    "backend": args.backend,
                    "rounds": args.rounds,
                    "python": platform.python_version(),
                    "aioparticle": aioparticle.__version__,
                    "httpx": httpx.__version__,
                    "throughput": throughput,
                    "memory": memory,
                }
            )
        )
    failures = []
    if (
        args.max_ratio is not None
        and throughput is not None
        and throughput["time_ratio"] > args.max_ratio
    ):
        failures.append(
            f"time ratio {throughput['time_ratio']:.3f} above --max-ratio {args.max_ratio}"
        )
    if args.max_growth_mb is not None and memory is not None:
        growth = memory["sdk"]["growth_bytes"] / MB
        if growth > args.max_growth_mb:
            failures.append(f"sdk RSS growth {growth:.2f} MB above --max-growth-mb")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    if failures:
        return 1
    if args.max_ratio is not None or args.max_growth_mb is not None:
        print("OK: within the given limits")
    return 0


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
