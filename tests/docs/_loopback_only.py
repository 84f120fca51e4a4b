"""A guard that keeps a sample's process on the loopback interface.

`install()` makes resolving any host but a loopback one, and connecting a socket to any
address but a loopback one, raise `OSError` naming what was refused. The harness installs it
in its own process while a fragment runs (`guard()`) and, through a `sitecustomize` module, in
the subprocess of a program or a test-file sample.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["SITECUSTOMIZE", "guard", "install"]

#: The text of a `sitecustomize.py` that installs the guard in a Python subprocess.
SITECUSTOMIZE = "import tests.docs._loopback_only\n\ntests.docs._loopback_only.install()\n"

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback_host(host: object) -> bool:
    if host is None:
        return True  # a passive (listening) lookup
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


def _checked_connect(connect: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(self: socket.socket, address: Any, /) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback_host(address[0]):
            raise OSError(f"a sample may only reach 127.0.0.1 / ::1, not {address[0]}")
        return connect(self, address)

    return guarded


def _patches() -> list[tuple[object, str, object]]:
    getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback_host(host):
            raise OSError(f"a sample may only reach 127.0.0.1 / ::1, not {host}")
        return getaddrinfo(host, *args, **kwargs)

    return [
        (socket, "getaddrinfo", guarded_getaddrinfo),
        (socket.socket, "connect", _checked_connect(socket.socket.connect)),
        (socket.socket, "connect_ex", _checked_connect(socket.socket.connect_ex)),
    ]


def install() -> None:
    """Guard this process for the rest of its life."""
    for owner, name, value in _patches():
        setattr(owner, name, value)


@contextmanager
def guard() -> Iterator[None]:
    """Guard this process while the block runs."""
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in _patches()]
    install()
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)
