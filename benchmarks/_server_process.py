"""Runs a benchmark's loopback server in a child process (shared by the benchmark scripts)."""

from __future__ import annotations

import subprocess
import sys
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
