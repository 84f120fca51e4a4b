"""A real `redis-server` on 127.0.0.1 for the Redis tests (`RedisRateLimit`, the event relay).

Each test module (or test) starts one of its own on a free port, nothing saved to disk, so
pytest-xdist workers never share one. The tests using it are skipped only where the
`redis-server` binary is absent (Debian: `apt-get install redis-server`; `.ci/run` installs it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time

import pytest

#: skip a module where the binary is missing
needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="the redis-server binary is not installed (apt-get install redis-server)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(
    directory: str, port: int | None = None
) -> tuple[subprocess.Popen[bytes], int] | None:
    """A `redis-server` on `port` (else a free one) of 127.0.0.1 answering PING, or `None` if
    it exited (another process, e.g. a pytest-xdist worker, took the port between the pick and
    its bind)."""
    port = free_port() if port is None else port
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [  # noqa: S607 - redis-server as found on PATH (skipped when it is not)
            "redis-server",
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", directory,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not answers_ping(port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_redis(process)
            return None
        time.sleep(0.05)
    return process, port


def stop_redis(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class RedisServer:
    """One `redis-server` that a test may stop and start again on the same port (its data
    kept in memory is lost with it, as a restart without persistence loses it)."""

    def __init__(self) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix="aioparticle-redis-")
        self._process: subprocess.Popen[bytes] | None = None
        for _ in range(3):
            started = start_redis(self._directory.name)
            if started is not None:
                self._process, self.port = started
                return
        self._directory.cleanup()
        pytest.fail("redis-server did not start (three free ports tried)")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self._process is not None:
            stop_redis(self._process)
            self._process = None

    def start(self) -> None:
        """Start it again on its port (after `stop`)."""
        started = start_redis(self._directory.name, self.port)
        if started is None:
            pytest.fail(f"redis-server did not start again on port {self.port}")
        self._process = started[0]

    def close(self) -> None:
        self.stop()
        self._directory.cleanup()
