"""Retry policy: which failures are retried, and how long to wait (pure functions)."""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime

import anyio

__all__ = [
    "BASE_DELAY",
    "DEFAULT_MAX_RETRY_AFTER",
    "MAX_DELAY",
    "RETRYABLE_STATUSES",
    "backoff_delay",
    "is_idempotent_method",
    "parse_retry_after",
    "retry_delay",
    "should_retry_status",
]

BASE_DELAY = 0.5
MAX_DELAY = 8.0
DEFAULT_MAX_RETRY_AFTER = 60.0

#: Statuses that may succeed when repeated: device timeout, rate limits, transient server errors.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def is_idempotent_method(method: str) -> bool:
    """Whether `method` is idempotent by HTTP semantics (resources may still say otherwise)."""
    return method.upper() in _IDEMPOTENT_METHODS


def should_retry_status(status: int, *, idempotent: bool) -> bool:
    """Whether a response with `status` may be retried.

    A non-idempotent call (a function call, a publish) may have reached the device once the
    request was sent, so it is never retried on a status.
    """
    return idempotent and status in RETRYABLE_STATUSES


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date), or `None`."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds == float("inf"):  # NaN or infinity
        return None
    return max(0.0, seconds)


#: Doubling stops here: `2.0 ** 64` times any base is far past any cap, and never overflows.
_MAX_DOUBLINGS = 64


def backoff_delay(attempt: int, *, base: float = BASE_DELAY, cap: float = MAX_DELAY) -> float:
    """Capped exponential backoff with jitter before retry number `attempt` (0-based).

    `base` doubles with every attempt up to `cap`; the result is drawn from the upper half of
    that value, so that many clients failing together do not retry in step. REST retries use
    the defaults (0.5 s doubling to 8 s); event-stream reconnects pass their own (1 s to 30 s).
    Bounded for any `attempt`, however large.
    """
    exponent = min(max(attempt, 0), _MAX_DOUBLINGS)
    return min(base * 2.0**exponent, cap) * random.uniform(0.5, 1.0)  # noqa: S311 - jitter


def retry_delay(
    attempt: int, retry_after: float | None, *, max_retry_after: float = DEFAULT_MAX_RETRY_AFTER
) -> float | None:
    """Seconds to wait before retry number `attempt` (0-based), or `None` to give up.

    A server-given `Retry-After` is honoured when it is at most `max_retry_after`; a longer one
    means giving up now rather than retrying early (the caller raises `RateLimitError`).
    """
    if retry_after is not None:
        return retry_after if retry_after <= max_retry_after else None
    return backoff_delay(attempt)


async def sleep(seconds: float) -> None:
    """Wait between attempts (a seam the tests replace to run retries instantly)."""
    await anyio.sleep(seconds)
