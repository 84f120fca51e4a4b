"""Waiting for work the cloud finishes later (a usage report, a vitals refresh, a SIM check):
one bounded, cancellable poll loop for every such helper."""

from __future__ import annotations

import inspect
import math
from collections.abc import Awaitable, Callable
from typing import TypeVar, Union

import anyio

from . import _retry
from ._callbacks import checked_callback
from ._exceptions import InvalidArgumentError, PollTimeoutError

__all__ = ["DEFAULT_POLL_INTERVAL", "DEFAULT_POLL_DEADLINE", "ProgressCallback", "poll_until"]

T = TypeVar("T")

#: Seconds between two polls, and the longest wait for completion (the deadline), unless the
#: caller says.
DEFAULT_POLL_INTERVAL = 2.0
DEFAULT_POLL_DEADLINE = 300.0
#: The longest interval and deadline accepted: a day.
_MAX_SECONDS = 86_400.0

#: Called with every state polled, or with nothing (sync or async); what it raises ends the
#: wait.
ProgressCallback = Union[Callable[[T], object], Callable[[], object]]  # noqa: UP007


def _seconds(value: object, what: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 < value <= _MAX_SECONDS
        or math.isnan(value)
    ):
        raise InvalidArgumentError(
            f"{what} must be a number of seconds above 0 and at most {_MAX_SECONDS:g}, "
            f"got {value!r}"
        )
    return float(value)


async def poll_until(
    fetch: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    interval: float = DEFAULT_POLL_INTERVAL,
    deadline: float = DEFAULT_POLL_DEADLINE,
    on_progress: ProgressCallback[T] | None = None,
    hint: Callable[[T], float | None] | None = None,
    what: str = "the operation",
) -> T:
    """Fetch the state with `fetch()` until `done(state)`; return that state.

    Polls every `interval` seconds (or sooner or later when `hint(state)` gives the server's
    suggestion, kept within [interval/4, 4*interval]), for at most `deadline` seconds and at
    most `deadline / interval + 1` polls, then raises `PollTimeoutError` carrying the last
    state.
    `on_progress(state)` (sync or async; it may also take no argument) sees every state
    fetched, the final one included; what it raises propagates.
    Cancellation (a cancel scope, a task group) stops the wait at once; errors of `fetch`
    propagate unchanged.
    """
    interval = _seconds(interval, "interval")
    deadline = _seconds(deadline, "deadline")
    if on_progress is not None:
        on_progress = checked_callback(
            on_progress, "on_progress", args=1, takes="the state polled", may_omit=True
        )
    max_polls = int(deadline / interval) + 1
    ends_at = anyio.current_time() + deadline
    polls = 0
    while True:
        state = await fetch()
        polls += 1
        if on_progress is not None:
            outcome = on_progress(state)
            if inspect.isawaitable(outcome):
                await outcome
        if done(state):
            return state
        remaining = ends_at - anyio.current_time()
        if polls >= max_polls or remaining <= 0:
            raise PollTimeoutError(
                f"{what} did not complete within {deadline:g}s ({polls} polls)",
                last=state,
                deadline=deadline,
            )
        wait = interval
        if hint is not None:
            suggested = hint(state)
            if suggested is not None and suggested > 0:
                wait = min(max(suggested, interval / 4), interval * 4)
        await _retry.sleep(min(wait, max(remaining, 0.0)))
