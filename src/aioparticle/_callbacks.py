"""User callbacks: checked before any I/O, called plain or awaited.

Every callback a caller hands aioparticle (`on_reconnect`, `on_malformed`, `on_progress`,
`progress`, a hub filter, a fleet operation, a token provider, an `otp` source) goes through
`checked_callback` when the call that takes it is made: a value that is not callable, or a
callable that cannot be called with the arguments aioparticle will pass, is refused then with
`InvalidArgumentError`, not when the callback is first due (perhaps hours into a stream).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ._exceptions import InvalidArgumentError

__all__ = ["call_maybe_async", "checked_callback"]


def checked_callback(
    callback: object, what: str, *, args: int, takes: str, may_omit: bool = False
) -> Callable[..., Any]:
    """`callback` as a function of `args` positional arguments, or `InvalidArgumentError`.

    `takes` describes the arguments for the error message (`"a Reconnect"`). With `may_omit`,
    a callback taking no argument at all is accepted too (it is called without one). A
    callable whose signature cannot be read (some builtins) is trusted as it is.
    """
    if not callable(callback):
        raise InvalidArgumentError(
            f"{what} must be a callable taking {takes}, got {type(callback).__name__}"
        )
    try:
        signature = inspect.signature(callback)
    except (TypeError, ValueError):  # a builtin without a readable signature
        return callback
    if _binds(signature, args):
        return callback
    if may_omit and args and _binds(signature, 0):
        return _WithoutArguments(callback)
    forms = f"{takes}" + (" (or nothing)" if may_omit and args else "")
    raise InvalidArgumentError(
        f"{what} must be a callable taking {forms}, got {_name(callback)}{signature}"
    )


def _binds(signature: inspect.Signature, count: int) -> bool:
    try:
        signature.bind(*([None] * count))
    except TypeError:
        return False
    return True


def _name(callback: object) -> str:
    return str(getattr(callback, "__qualname__", None) or type(callback).__name__)


class _WithoutArguments:
    """A callback that takes no argument, called where one is passed."""

    __slots__ = ("callback",)

    def __init__(self, callback: Callable[[], Any]) -> None:
        self.callback = callback

    def __call__(self, *args: object) -> Any:
        return self.callback()

    def __repr__(self) -> str:
        return repr(self.callback)


async def call_maybe_async(callback: Callable[..., Any], *args: object) -> None:
    """Call `callback(*args)` and await what it returns when that is awaitable (a coroutine
    function's result); any other return value is ignored."""
    outcome = callback(*args)
    if inspect.isawaitable(outcome):
        await outcome
