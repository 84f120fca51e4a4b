"""Benchmark: `client.builds.download_binary()` against a bare `httpx.AsyncClient` stream.

What is measured
----------------
The cost the SDK adds on top of httpx for one streamed binary download, and whether a download
to a file keeps memory bounded whatever the size. Both sides make the same request, ``GET
/v1/binaries/<id>`` with ``Authorization: Bearer bench-token`` and ``Accept: */*``, to the same
HTTP/1.1 keep-alive server on 127.0.0.1, and do the same work with the body:

* ``raw``: ``async with http.stream("GET", url, headers=...) as response:``, a status check,
  then ``for chunk in response.aiter_bytes(65536)``: ``file.write(chunk)`` into a temporary file
  (``tempfile.mkstemp`` next to the target) that is then ``os.replace``-d into place, or, in
  memory, ``b"".join`` of the chunks: the least an application could do by hand.
* ``sdk``: ``await client.builds.download_binary(binary_id, to=path)`` (or without ``to=``, for
  the bytes) on a ``ParticleClient("bench-token", base_url=server_url, rate_limit=None)`` (no
  client-side rate limit: the transport is measured, not the throttle): argument validation,
  the concurrency limiter, auth, the retry/timeout loop and its ``DownloadSink`` (the same
  temporary file and rename, or a list of chunks joined at the end).

Both use the same pool limits (``max_connections=100, max_keepalive_connections=100,
keepalive_expiry=5.0``, aioparticle's defaults), the same timeouts and the same chunk size.

The server is a dependency-free ``asyncio.Protocol`` that this script starts in a child process
(``python bench_download.py --serve``), so it never competes with the clients for their event
loop; it prints its ephemeral port on stdout and is stopped when the run ends, also on Ctrl-C or
an error. It only ever listens on 127.0.0.1. It answers ``GET /v1/binaries/<id>`` with
``content-type: application/octet-stream``, a ``content-length`` and a deterministic body whose
size is the binary id read as a hexadecimal number (the ids look like Particle's: 24 hex
digits). The body is 1 MiB slices of one SHAKE-256 stream, each slice starting with its index
(so a reordered or repeated slice changes the digest), written one slice at a time under the
transport's flow control (``pause_writing``/``resume_writing``), so the server's memory stays
bounded too.

Scenarios
---------
* ``to_file``: a ``--size-mib`` MiB body (default 64) downloaded to a file in ``--dir`` (default:
  a fresh temporary directory, removed at the end; on tmpfs the disk drops out of the picture).
* ``to_bytes``: a body of a quarter of that size, downloaded into memory.

Each side is checked and warmed up by one untimed download of each scenario, then each scenario
runs ``--rounds`` rounds; a round times one download per side, raw first in odd rounds and sdk
first in even ones, so that drift (CPU frequency, disk writeback, other load) hits both sides
alike. Every timed download uses a fresh client of its side, whose connection is opened by an
untimed 64 KiB download first; the timer covers the ``download_binary`` call (or the raw
stream) from the request to the renamed file or the joined bytes. Every downloaded file and
every bytes object is checked afterwards against the expected size and SHA-256, and a
``to_file`` run must leave exactly the target file in the directory (no ``.part`` file). The
table reports the MEDIAN MB/s (10^6 bytes per second) over the rounds for each side, the ratio
``sdk time / raw time`` (= raw MB/s / sdk MB/s): 1.00 means no overhead, and the extra
milliseconds per download at the median throughputs.

Memory: a separate, untimed ``to_file`` download per side runs under ``tracemalloc`` (started
after the connection is open, so it sees only the download) and reports the peak of the traced
Python memory above the level at the start. Streaming to a file, the SDK should stay well under
1 MiB plus a chunk, independent of the file size; ``--max-peak-mib`` (default 8) turns that into
a gate. tracemalloc slows allocations down, which is why this pass is not timed.

How to run
----------
::

    python benchmarks/bench_download.py              # 64 MiB (to_bytes: 16 MiB), 9 rounds
    python benchmarks/bench_download.py --quick      # smoke run: 8 MiB (2 MiB), 11 rounds
    python benchmarks/bench_download.py --quick --max-ratio 1.5 --json   # CI gate
    python benchmarks/bench_download.py --backend trio                   # needs trio
    python benchmarks/bench_download.py --size-mib 256 --dir /dev/shm    # bigger, in RAM

Exit status: 0, or 1 when ``--max-ratio`` is given and a scenario's ratio exceeds it, or when
the SDK's ``to_file`` peak traced memory exceeds ``--max-peak-mib``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

from _server_process import ServerProcess, run_child_server

TOKEN = "bench-token"  # noqa: S105 - a dummy token the loopback server ignores
LIMITS_KWARGS: dict[str, Any] = {
    "max_connections": 100,
    "max_keepalive_connections": 100,
    "keepalive_expiry": 5.0,
}
# aioparticle's defaults (DEFAULT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT), given to the raw client too.
TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0
#: bytes per aiter_bytes() chunk, as aioparticle reads a download
CHUNK_SIZE = 64 * 1024
MIB = 1024 * 1024
MB = 1_000_000
#: the server writes the body one slice of this size at a time
SLICE_SIZE = MIB
#: the untimed download that opens a fresh client's connection
CONNECT_SIZE = 64 * 1024
#: largest body the server agrees to produce (a stray request cannot keep it busy for long)
MAX_BODY = 1 << 36

DEFAULTS: dict[str, Any] = {"rounds": 9, "size_mib": 64.0}
QUICK: dict[str, Any] = {"rounds": 11, "size_mib": 8.0}

SIDES = ("raw", "sdk")
SCENARIOS = ("to_file", "to_bytes")

#: download(binary_id, to): the bytes when `to` is None, else the path written
Download = Callable[[str, Path | None], Awaitable[bytes | Path]]


# --------------------------------------------------------------------------- the body


def binary_id(size: int) -> str:
    """The id of a `size`-byte binary: 24 hex digits, like Particle's binary ids."""
    return f"{size:024x}"


@lru_cache(maxsize=1)
def _base_slice() -> bytes:
    return hashlib.shake_256(b"aioparticle bench_download").digest(SLICE_SIZE)


def body_slices(size: int) -> Iterator[bytes]:
    """The `size`-byte body, one slice at a time (each begins with its index)."""
    base = _base_slice()
    index = 0
    left = size
    while left > 0:
        piece = index.to_bytes(8, "big") + base[8:]
        yield piece if left >= SLICE_SIZE else piece[:left]
        left -= SLICE_SIZE
        index += 1


@lru_cache(maxsize=8)
def expected_sha256(size: int) -> str:
    digest = hashlib.sha256()
    for piece in body_slices(size):
        digest.update(piece)
    return digest.hexdigest()


# --------------------------------------------------------------------------- server (child)


_MAX_HEAD = 64 * 1024
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}


def _head(status: int, content_type: str, length: int, *, close: bool = False) -> bytes:
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
        f"content-type: {content_type}\r\n"
        f"content-length: {length}\r\n"
    )
    if close:
        head += "connection: close\r\n"
    return (head + "\r\n").encode("ascii")


def _error(status: int, message: str, *, close: bool = False) -> bytes:
    body = json.dumps({"ok": False, "error": message}).encode()
    return _head(status, "application/json", len(body), close=close) + body


_NOT_FOUND = _error(404, "Not found")
_NOT_ALLOWED = _error(405, "Method not allowed")
_BAD_REQUEST = _error(400, "Bad request", close=True)
# Open client connections, closed at shutdown (`Server.wait_closed` waits for them on 3.12+).
_OPEN: set[asyncio.Transport] = set()


def _body_size(method: bytes, target: bytes) -> int | bytes:
    """The body size to stream for a request, or a whole error response."""
    if method != b"GET":
        return _NOT_ALLOWED
    parts = target.split(b"?", 1)[0].split(b"/")
    # b"/v1/binaries/<id>" -> [b"", b"v1", b"binaries", id]
    if len(parts) != 4 or parts[0] or parts[1] != b"v1" or parts[2] != b"binaries":
        return _NOT_FOUND
    try:
        size = int(parts[3], 16)
    except ValueError:
        return _NOT_FOUND
    if len(parts[3]) != 24 or not 0 <= size <= MAX_BODY:
        return _NOT_FOUND
    return size


class _BinaryProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive; requests are answered one after the other and a body is
    streamed under flow control. Request bodies are refused."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._body: Iterator[bytes] | None = None  # the body being streamed
        self._close_after = False
        self._paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        _OPEN.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            _OPEN.discard(self._transport)
        self._transport = None
        self._body = None

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        # Not synchronously: asyncio calls this from inside its own write handler, and closing
        # the transport there makes (CPython 3.11) call connection_lost twice.
        asyncio.get_running_loop().call_soon(self._pump)

    def data_received(self, data: bytes) -> None:
        if self._transport is None:
            return
        self._buffer += data
        if len(self._buffer) > _MAX_HEAD:  # an oversized head, or requests piling up
            self._transport.write(_BAD_REQUEST)
            self._transport.close()
            return
        if self._body is None:
            self._pump()

    def _pump(self) -> None:
        """Stream the current body until the transport pushes back, then answer the next
        buffered request, and so on."""
        transport = self._transport
        while transport is not None and not self._paused and not transport.is_closing():
            if self._body is not None:
                piece = next(self._body, None)
                if piece is not None:
                    transport.write(piece)  # may call pause_writing()
                    continue
                self._body = None
                if self._close_after:
                    transport.close()  # after the buffered data is flushed
                    return
            if not self._start_next():
                return

    def _start_next(self) -> bool:
        """Answer the next complete request in the buffer; False when there is none."""
        transport = self._transport
        assert transport is not None
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        lines = self._buffer[:end].split(b"\r\n")
        self._buffer = self._buffer[end + 4 :]
        request_line = lines[0].split(b" ")
        close = len(request_line) == 3 and request_line[2] == b"HTTP/1.0"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length" and value.strip() != b"0":
                request_line = []  # no request bodies here
            elif name == b"transfer-encoding":
                request_line = []
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if len(request_line) != 3:
            transport.write(_BAD_REQUEST)
            transport.close()
            return False
        answer = _body_size(request_line[0], request_line[1])
        if isinstance(answer, bytes):
            transport.write(answer)
            if close:
                transport.close()
                return False
            return True
        head = _head(200, "application/octet-stream", answer, close=close)
        transport.write(head)
        self._body = body_slices(answer)
        self._close_after = close
        return True


def serve() -> int:
    return run_child_server(_BinaryProtocol, _OPEN, backlog=128)


def server_process() -> ServerProcess:
    """The loopback server in a child process."""
    return ServerProcess(os.path.abspath(__file__), "--serve")


# --------------------------------------------------------------------------- clients


@asynccontextmanager
async def open_side(side: str, server_url: str) -> AsyncIterator[Download]:
    """A fresh client of one side, as `download(binary_id, to)`."""
    import httpx

    from aioparticle import ParticleClient

    if side == "raw":
        limits = httpx.Limits(**LIMITS_KWARGS)
        timeout = httpx.Timeout(TIMEOUT, connect=CONNECT_TIMEOUT)
        headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "*/*"}
        async with httpx.AsyncClient(
            limits=limits, timeout=timeout, follow_redirects=False
        ) as http:

            async def raw_download(binary: str, to: Path | None) -> bytes | Path:
                url = f"{server_url}/v1/binaries/{binary}"
                async with http.stream("GET", url, headers=headers) as response:
                    if response.status_code != 200:
                        raise RuntimeError(f"unexpected status {response.status_code}")
                    if to is None:
                        return b"".join([c async for c in response.aiter_bytes(CHUNK_SIZE)])
                    fd, temp = tempfile.mkstemp(
                        dir=to.parent, prefix=f".{to.name}.", suffix=".part"
                    )
                    try:
                        with os.fdopen(fd, "wb") as file:
                            async for chunk in response.aiter_bytes(CHUNK_SIZE):
                                file.write(chunk)
                        os.replace(temp, to)
                    except BaseException:
                        with suppress(FileNotFoundError):
                            os.unlink(temp)
                        raise
                    return to

            yield raw_download
    else:
        async with ParticleClient(TOKEN, base_url=server_url, rate_limit=None) as client:

            async def sdk_download(binary: str, to: Path | None) -> bytes | Path:
                if to is None:
                    return await client.builds.download_binary(binary)
                return await client.builds.download_binary(binary, to=to)

            yield sdk_download


def run_deadline(size: int) -> float:
    """Seconds after which a download is declared hung (generous: 5 MB/s)."""
    return 60.0 + size / (5 * MB)


def verify(side: str, got: bytes | Path, size: int, target: Path | None) -> None:
    """Check a download's size and SHA-256 (and that a file download left nothing else)."""
    digest = hashlib.sha256()
    if target is None:
        if not isinstance(got, bytes):
            raise RuntimeError(f"{side}: expected bytes, got {type(got).__name__}")
        length = len(got)
        digest.update(got)
    else:
        if not isinstance(got, Path) or got != target:
            raise RuntimeError(f"{side}: returned {got!r}, expected the path {target}")
        leftovers = sorted(set(os.listdir(target.parent)) - {target.name})
        if leftovers:
            raise RuntimeError(f"{side}: left files behind: {leftovers}")
        length = target.stat().st_size
        with open(target, "rb") as file:
            while block := file.read(SLICE_SIZE):
                digest.update(block)
    if length != size:
        raise RuntimeError(f"{side}: downloaded {length} bytes, expected {size}")
    if digest.hexdigest() != expected_sha256(size):
        raise RuntimeError(f"{side}: the body's SHA-256 does not match the server's")


async def download_once(
    side: str, server_url: str, size: int, target: Path | None, *, trace: bool = False
) -> tuple[float, int]:
    """(seconds, peak traced bytes or 0) for one download by a fresh, connected client."""
    import anyio

    peak = 0
    async with open_side(side, server_url) as download:
        verify(side, await download(binary_id(CONNECT_SIZE), None), CONNECT_SIZE, None)
        gc.collect()
        if trace:
            tracemalloc.start()
            baseline = tracemalloc.get_traced_memory()[0]
        try:
            with anyio.fail_after(run_deadline(size)):
                start = time.perf_counter()
                got = await download(binary_id(size), target)
                elapsed = time.perf_counter() - start
            if trace:
                peak = tracemalloc.get_traced_memory()[1] - baseline
        finally:
            if trace:
                tracemalloc.stop()
    verify(side, got, size, target)
    del got
    if target is not None:
        os.unlink(target)
    return elapsed, peak


async def bench(args: argparse.Namespace, server_url: str, directory: Path) -> dict[str, Any]:
    target = directory / "firmware.bin"
    sizes = {"to_file": args.size, "to_bytes": max(1, args.size // 4)}
    targets = {"to_file": target, "to_bytes": None}
    for size in (CONNECT_SIZE, *sizes.values()):
        expected_sha256(size)  # outside any timing

    # Check both sides, and warm up code paths (and the page cache) in both scenarios.
    for side in SIDES:
        for scenario in SCENARIOS:
            await download_once(side, server_url, sizes[scenario], targets[scenario])

    results: dict[str, Any] = {}
    for scenario in SCENARIOS:
        size = sizes[scenario]
        rates: dict[str, list[float]] = {side: [] for side in SIDES}
        for round_no in range(args.rounds):
            order = SIDES if round_no % 2 == 0 else SIDES[::-1]
            for side in order:
                elapsed, _ = await download_once(side, server_url, size, targets[scenario])
                rates[side].append(size / elapsed / MB)
            print(
                f"  {scenario:<8} round {round_no + 1:>{len(str(args.rounds))}}/{args.rounds}: "
                f"raw {rates['raw'][-1]:>8,.0f} MB/s   sdk {rates['sdk'][-1]:>8,.0f} MB/s",
                flush=True,
            )
        raw_median = statistics.median(rates["raw"])
        sdk_median = statistics.median(rates["sdk"])
        results[scenario] = {
            "size_bytes": size,
            "raw_mb_per_s": raw_median,
            "sdk_mb_per_s": sdk_median,
            "ratio": raw_median / sdk_median,
            "extra_ms_per_download": (size / MB / sdk_median - size / MB / raw_median) * 1e3,
            "raw_best_mb_per_s": max(rates["raw"]),
            "sdk_best_mb_per_s": max(rates["sdk"]),
            "raw_rounds": rates["raw"],
            "sdk_rounds": rates["sdk"],
        }

    memory: dict[str, Any] = {"size_bytes": args.size, "chunk_bytes": CHUNK_SIZE}
    for side in SIDES:
        _, peak = await download_once(side, server_url, args.size, target, trace=True)
        memory[f"{side}_peak_bytes"] = peak
    return {"scenarios": results, "memory": memory}


def run_client(args: argparse.Namespace, server_url: str, directory: Path) -> dict[str, Any]:
    if args.backend == "trio":
        import anyio

        return anyio.run(bench, args, server_url, directory, backend="trio")
    return asyncio.run(bench(args, server_url, directory))


# --------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="aioparticle builds.download_binary() vs. bare httpx on a loopback server."
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--rounds", type=int, help=f"rounds per side (default {DEFAULTS['rounds']})"
    )
    parser.add_argument(
        "--size-mib",
        type=float,
        metavar="MIB",
        help=f"to_file body size in MiB; to_bytes gets a quarter "
        f"(default {DEFAULTS['size_mib']:g})",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        help="existing directory for the downloaded files (default: a fresh temporary one)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 8 MiB (to_bytes 2 MiB), 11 rounds (explicit options win)",
    )
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument(
        "--max-ratio",
        type=float,
        metavar="FLOAT",
        help="exit 1 if a scenario's ratio (sdk time / raw time) exceeds this",
    )
    parser.add_argument(
        "--max-peak-mib",
        type=float,
        default=8.0,
        metavar="MIB",
        help="exit 1 if the SDK's to_file peak traced memory exceeds this (default 8)",
    )
    args = parser.parse_args(argv)
    base = QUICK if args.quick else DEFAULTS
    for key, default in base.items():
        if getattr(args, key) is None:
            setattr(args, key, default)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    args.size = round(args.size_mib * MIB)
    if not 4 <= args.size <= MAX_BODY:
        parser.error(f"--size-mib must be between 4 bytes and {MAX_BODY // MIB} MiB")
    if args.max_peak_mib <= 0:
        parser.error("--max-peak-mib must be positive")
    if args.dir is not None and not args.dir.is_dir():
        parser.error(f"--dir: {args.dir} is not a directory")
    if args.backend == "trio":
        try:
            import trio  # noqa: F401
        except ImportError:
            parser.error("--backend trio needs trio installed")
    return args


def size_label(size: int) -> str:
    return f"{size / MIB:g} MiB" if size >= MIB else f"{size / 1024:g} KiB"


def print_table(args: argparse.Namespace, results: dict[str, Any]) -> None:
    header = (
        f"{'scenario':<22}{'raw MB/s':>11}{'sdk MB/s':>11}"
        f"{'ratio (sdk/raw time)':>23}{'extra ms/download':>19}"
    )
    print()
    print(
        f"median of {args.rounds} rounds per side (best-of-rounds in the JSON output); "
        "MB = 10^6 bytes"
    )
    print(header)
    print("-" * len(header))
    for scenario, r in results["scenarios"].items():
        label = f"{scenario} ({size_label(r['size_bytes'])})"
        print(
            f"{label:<22}{r['raw_mb_per_s']:>11,.0f}{r['sdk_mb_per_s']:>11,.0f}"
            f"{r['ratio']:>23.3f}{r['extra_ms_per_download']:>19.1f}"
        )
    memory = results["memory"]
    print()
    print(
        f"peak traced memory of one to_file download of {size_label(memory['size_bytes'])} "
        f"(tracemalloc, {memory['chunk_bytes'] // 1024} KiB chunks)"
    )
    header = f"{'side':<22}{'peak KiB':>11}{'of body':>11}"
    print(header)
    print("-" * len(header))
    for side in SIDES:
        peak = memory[f"{side}_peak_bytes"]
        print(f"{side:<22}{peak / 1024:>11,.0f}{peak / memory['size_bytes']:>11.2%}")


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
        f"to_file {size_label(args.size)}, to_bytes {size_label(max(1, args.size // 4))}, "
        f"{args.rounds} rounds, {CHUNK_SIZE // 1024} KiB chunks"
    )
    with server_process() as server, tempfile.TemporaryDirectory(dir=args.dir) as directory:
        print(f"server: {server.url} (separate process); files in {directory}", flush=True)
        results = run_client(args, server.url, Path(directory))

    print_table(args, results)
    if args.json:
        print(
            json.dumps(
                {
                    "benchmark": "download",
                    "statistic": "median",
                    "backend": args.backend,
                    "rounds": args.rounds,
                    "python": platform.python_version(),
                    "aioparticle": aioparticle.__version__,
                    "httpx": httpx.__version__,
                    **results,
                }
            )
        )
    status = 0
    if args.max_ratio is not None:
        over = {
            k: r["ratio"] for k, r in results["scenarios"].items() if r["ratio"] > args.max_ratio
        }
        if over:
            worst = ", ".join(f"{k} {v:.3f}" for k, v in over.items())
            print(f"FAIL: ratio above --max-ratio {args.max_ratio}: {worst}", file=sys.stderr)
            status = 1
        else:
            print(f"OK: every ratio is at most --max-ratio {args.max_ratio}")
    peak = results["memory"]["sdk_peak_bytes"]
    if peak > args.max_peak_mib * MIB:
        print(
            f"FAIL: the SDK's to_file peak memory {peak / MIB:.2f} MiB is above "
            f"--max-peak-mib {args.max_peak_mib:g}",
            file=sys.stderr,
        )
        status = 1
    else:
        print(f"OK: the SDK's to_file peak memory is at most --max-peak-mib {args.max_peak_mib:g}")
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
