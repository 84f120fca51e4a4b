"""Retry policy: which failures are retried, and how long to wait (pure functions)."""

from __future__ import annotations

import random
import re
import time
from email.utils import parsedate_to_datetime

import anyio

__all__ = [
    "BASE_DELAY",
    "DEFAULT_MAX_RETRY_AFTER",
    "MAX_DELAY",
    "MAX_SANE_RETRY_AFTER",
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

#: Statuses that may succeed when repeated: rate limits and transient server errors. Not 408:
#: the device did not answer the cloud in time, and asking again only multiplies the wait.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504, 529})
#: The rate-limit refusals among them: the cloud turned the request away before acting on it,
#: so even a call that must not run twice (a function call) may be sent again.
REFUSED_STATUSES = frozenset({429, 529})
#: The longest `Retry-After` taken at its word (a day); anything longer is not a sane value.
MAX_SANE_RETRY_AFTER = 86_400.0

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_DELTA_SECONDS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?")


def is_idempotent_method(method: str) -> bool:
    """Whether `method` is idempotent by HTTP semantics (resources may still say otherwise)."""
    return method.upper() in _IDEMPOTENT_METHODS


def should_retry_status(status: int, *, idempotent: bool, refusal_retried: bool = True) -> bool:
    """Whether a response with `status` may be retried.

    A non-idempotent call (a function call, a publish) may have reached the device once the
    request was sent, so it is not retried on a server error; a rate-limit refusal (429, 529)
    says it was not acted on, so it is, unless `refusal_retried` is false (a route whose own
    limit counts every attempt, such as the token endpoint).
    """
    if status not in RETRYABLE_STATUSES:
        return False
    if status in REFUSED_STATUSES and not idempotent:
        return refusal_retried
    return idempotent


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header, or `None` when it says nothing sane.

    Accepted: delta-seconds (digits, optionally with a fraction) and an HTTP date (a past
    date means now), up to `MAX_SANE_RETRY_AFTER`. A negative, signed, exponent, NaN, or
    absurdly large value, or any other text, counts as no header at all.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if _DELTA_SECONDS.fullmatch(value):
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            return None
        seconds = max(0.0, when.timestamp() - (time.time() if now is None else now))
    return seconds if seconds <= MAX_SANE_RETRY_AFTER else None


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
