"""Runs a benchmark's loopback server in a child process (shared by the benchmark scripts)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from types import TracebackType

HOST = "127.0.0.1"


class ServerProcess(AbstractContextManager["ServerProcess"]):
    """`python SCRIPT ARGS...` as a child that prints its port; stopped on exit from `with`.

    The child exits when its stdin closes; a child that does not is terminated, then killed.
    """

    def __init__(self, script: str, *args: str) -> None:
        self._command = [sys.executable, script, *args]
        self._proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def __enter__(self) -> ServerProcess:
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        try:
            assert self._proc.stdout is not None
            line = self._proc.stdout.readline().decode("ascii", "replace").strip()
            if not line.isdigit():
                raise RuntimeError(f"benchmark server failed to start (said {line!r})")
            self.url = f"http://{HOST}:{int(line)}"
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                with suppress(OSError):
                    proc.stdin.close()  # the server's cue to shut down
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()


def run_child_server(
    protocol_factory: Callable[[], asyncio.BaseProtocol],
    open_transports: set[asyncio.Transport],
    *,
    backlog: int,
) -> int:
    """The child side: serve on an ephemeral port of 127.0.0.1, print the port, and stop when
    the parent closes our stdin (or on SIGTERM), closing `open_transports` on the way out."""
    # Ctrl-C reaches the whole process group; the parent decides when the server stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(_serve(protocol_factory, open_transports, backlog))
    return 0


async def _serve(
    protocol_factory: Callable[[], asyncio.BaseProtocol],
    open_transports: set[asyncio.Transport],
    backlog: int,
) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    fd = sys.stdin.fileno()

    def watch_stdin() -> None:
        # The parent holds our stdin open; EOF means it has gone (or wants us gone).
        # os.read on the raw fd: a daemon thread blocked in a buffered read would abort the
        # interpreter at shutdown (it holds the buffer's lock).
        try:
            while os.read(fd, 4096):
                pass
        except OSError:
            pass
        finally:
            loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    if hasattr(signal, "SIGTERM"):
        with suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(signal.SIGTERM, stop.set)
    server = await loop.create_server(protocol_factory, HOST, 0, backlog=backlog)
    print(server.sockets[0].getsockname()[1], flush=True)
    try:
        await stop.wait()
    finally:
        server.close()
        for transport in list(open_transports):
            transport.abort()
        await server.wait_closed()
