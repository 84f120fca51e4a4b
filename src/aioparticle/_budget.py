"""Particle's per-IP limits, shared by every call of one client: the request budget (all
routes) and the event-stream limits (opens and concurrent streams)."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from typing import Protocol, runtime_checkable

import anyio

from . import _retry
from ._exceptions import InvalidArgumentError

__all__ = [
    "CONCURRENT_LIMIT",
    "DEFAULT_PER",
    "DEFAULT_REQUESTS",
    "OPEN_LIMIT",
    "OPEN_WINDOW",
    "PENALTY_BASE",
    "RATE_LIMIT_PENALTY",
    "STRIKE_MEMORY",
    "RateLimit",
    "RequestBudget",
    "StreamBudget",
    "check_figures",
    "has_own_limit",
    "penalty_seconds",
    "reserve",
    "spacing",
]

logger = logging.getLogger("aioparticle.events")
request_logger = logging.getLogger("aioparticle.ratelimit")

#: Particle allows 100 stream opens per 5 minutes and 100 concurrent streams per IP.
OPEN_LIMIT = 100
OPEN_WINDOW = 300.0
CONCURRENT_LIMIT = 100
#: Seconds every stream of a client waits before its next open after the cloud answered an
#: open with 429 or 529 and no `Retry-After`: the IP's open budget is spent, and an early
#: retry only spends it again.
RATE_LIMIT_PENALTY = 60.0


class StreamBudget:
    """Particle's per-IP stream limits, shared by every stream of one client.

    Opens are spaced so that no more than `OPEN_LIMIT` happen in any `OPEN_WINDOW` seconds;
    more than `CONCURRENT_LIMIT` streams open at once is refused. When the cloud says the
    budget is spent anyway (429/529: another process shares the IP), `penalize` holds every
    open back for a while.
    """

    def __init__(
        self,
        open_limit: int = OPEN_LIMIT,
        window: float = OPEN_WINDOW,
        concurrent_limit: int = CONCURRENT_LIMIT,
    ) -> None:
        self.open_limit = open_limit
        self.window = window
        self.concurrent_limit = concurrent_limit
        self.open_streams = 0
        self._opens: deque[float] = deque()
        self._hold = 0.0
        self._lock = anyio.Lock()

    def __repr__(self) -> str:
        return (
            f"<StreamBudget {self.open_streams}/{self.concurrent_limit} open, "
            f"{len(self._opens)}/{self.open_limit} opens in {self.window:g}s>"
        )

    def wait_time(self, now: float) -> float:
        """Seconds until one more open fits in the window (0 when it fits now)."""
        while self._opens and now - self._opens[0] >= self.window:
            self._opens.popleft()
        if len(self._opens) < self.open_limit:
            return 0.0
        return self._opens[0] + self.window - now

    def penalize(self, seconds: float) -> None:
        """Hold the next open of any stream back `seconds` (the cloud refused an open with
        429/529). The whole hold is waited at the next open, never less: a `Retry-After` is
        a minimum."""
        self._hold = max(self._hold, seconds)

    async def acquire_open(self) -> None:
        """Wait until one more stream may be opened, then count it."""
        async with self._lock:
            held, self._hold = self._hold, 0.0  # waited out once, by whichever open is next
            if held > 0:
                logger.warning("event stream opens held back %.1fs (rate limited)", held)
                await _retry.sleep(held)
            while True:
                delay = self.wait_time(time.monotonic())
                if delay <= 0:
                    break
                logger.warning("event stream open budget used up; waiting %.1fs", delay)
                await _retry.sleep(delay)
            self._opens.append(time.monotonic())


# ---------------------------------------------------------------------- the request budget

#: Particle allows 10,000 requests per 5 minutes per source IP, across all routes.
DEFAULT_REQUESTS = 10_000
DEFAULT_PER = 300.0
#: A 429 without `Retry-After`: the first only stops the burst; from the second in a row
#: (within `STRIKE_MEMORY` seconds of the previous one) every call is held back 1 s, 2 s, 4 s,
#: ... up to `RATE_LIMIT_PENALTY`.
PENALTY_BASE = 1.0
STRIKE_MEMORY = 60.0


@runtime_checkable
class RequestBudget(Protocol):
    """What `ParticleClient(rate_limit=...)` accepts: a budget of requests shared by every
    call of a client and its views (or of several clients, or processes, given the same one).

    `RateLimit` keeps it in this process; `aioparticle.ratelimit_redis.RedisRateLimit` keeps
    it in Redis, shared by every process using the same key. Every attempt of every call
    (retries, token requests, downloads, event-stream opens) takes one slot before it is sent.
    """

    async def acquire(self, max_wait: float) -> float:
        """Take one request slot, waiting until it comes (at most `max_wait` seconds in all).

        Returns 0.0 once the slot is taken. When the slot is more than `max_wait` seconds
        away, takes nothing and returns at once how many seconds away it is (the call then
        raises `ClientRateLimitError` without sending). Cancellation while waiting propagates;
        the slot it was waiting for stays spent.
        """
        ...

    async def penalize(self, retry_after: float | None) -> None:
        """The cloud answered 429: hold every call back `retry_after` seconds (the cloud's
        `Retry-After`; `None` when it gave none) and stop bursting."""
        ...


def check_figures(requests: int, per: float, burst: int | None) -> tuple[int, float, int]:
    """`(requests, per, burst)` checked, with the default burst (a tenth of `requests`)."""
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise InvalidArgumentError(f"rate limit: requests must be an int >= 1, got {requests!r}")
    if (
        isinstance(per, bool)
        or not isinstance(per, (int, float))
        or not math.isfinite(per)
        or not per > 0
    ):
        raise InvalidArgumentError(
            f"rate limit: per must be a positive number of seconds, got {per!r}"
        )
    if burst is None:
        burst = max(1, requests // 10)
    if isinstance(burst, bool) or not isinstance(burst, int) or not 1 <= burst <= requests:
        raise InvalidArgumentError(
            f"rate limit: burst must be an int from 1 to requests ({requests}), got {burst!r}"
        )
    return requests, float(per), burst


def spacing(requests: int, per: float, burst: int) -> tuple[float, float]:
    """GCRA's emission interval and burst tolerance (seconds) for at most `requests` in any
    `per` seconds: `burst` at once, the rest one every `interval`.

    In any window of `per` seconds GCRA lets through at most `burst + per / interval`
    requests; `interval = per / (requests - burst)` makes that exactly `requests`. With
    `burst == requests` nothing would be left to space: the interval is then `per` itself
    (a full burst, then one request per window).
    """
    interval = per / (requests - burst) if burst < requests else per
    return interval, (burst - 1) * interval


def reserve(
    tat: float, hold: float, now: float, interval: float, tolerance: float, max_wait: float
) -> tuple[float, float | None]:
    """GCRA with waiting: `(wait, new_tat)` for one more request at `now`.

    `tat` is the theoretical arrival time of the next request; a request may go at
    `tat - tolerance`, never before `hold` (a 429's hold). `new_tat` is `None` when the wait
    is over `max_wait`: nothing is reserved. Pure; `ratelimit_redis` runs the same steps in
    Lua.
    """
    start = max(now, tat - tolerance, hold)
    wait = start - now
    if wait > max_wait:
        return wait, None
    return wait, max(tat, start) + interval


def penalty_seconds(retry_after: float | None, strikes: int) -> float:
    """How long a 429 holds every call: the cloud's `Retry-After` when it gave one; else
    nothing for the first 429 in a row and `PENALTY_BASE` doubling from the second, up to
    `RATE_LIMIT_PENALTY` (no jitter: it is one deadline shared by every call)."""
    if retry_after is not None:
        return retry_after
    if strikes <= 1:
        return 0.0
    return min(PENALTY_BASE * 2.0 ** min(strikes - 2, 64), RATE_LIMIT_PENALTY)


#: Routes with a per-route limit of their own (§1.6): a 429 there says that route's budget is
#: spent, not the IP's, so it holds back only the call that got it (which retries or raises as
#: usual). Event-stream opens have `StreamBudget`.
_OWN_LIMIT_PREFIXES = (
    "/oauth/token",
    "/v1/access_tokens",
    "/v1/serial_numbers/",
    "/v1/user/password-reset",
)
_OWN_LIMIT_EXACT = frozenset({("POST", "/v1/users"), ("DELETE", "/v1/user")})


def has_own_limit(method: str, path: str) -> bool:
    """Whether `method path` (a path on the API origin) has a rate limit of its own."""
    return (method, path) in _OWN_LIMIT_EXACT or path.startswith(_OWN_LIMIT_PREFIXES)


class RateLimit:
    """A request budget kept in this process: at most `requests` requests in any `per`
    seconds, by default Particle's 10,000 per 5 minutes.

    Calls over the budget wait instead of failing, spaced evenly (GCRA): `burst` requests
    (a tenth of `requests` by default) may go at once, the rest one every
    `per / (requests - burst)` seconds, so the budget is never spent in one second and then
    missing for five minutes. A 429 from the cloud holds every call back for its
    `Retry-After` and empties the burst. One instance may be given to several clients (in any
    threads) to share one budget; `ParticleClient()` makes its own.
    """

    __slots__ = (
        "_epoch",
        "_hold",
        "_last_penalty",
        "_lock",
        "_strikes",
        "_tat",
        "burst",
        "interval",
        "per",
        "requests",
        "tolerance",
    )

    def __init__(
        self,
        requests: int = DEFAULT_REQUESTS,
        per: float = DEFAULT_PER,
        *,
        burst: int | None = None,
    ) -> None:
        self.requests, self.per, self.burst = check_figures(requests, per, burst)
        self.interval, self.tolerance = spacing(self.requests, self.per, self.burst)
        self._lock = threading.Lock()
        self._tat = -math.inf
        self._hold = -math.inf
        self._strikes = 0
        self._last_penalty = -math.inf
        #: penalties so far: a waiter that sees it move re-checks the hold
        self._epoch = 0

    def __repr__(self) -> str:
        return f"RateLimit(requests={self.requests}, per={self.per:g}, burst={self.burst})"

    async def acquire(self, max_wait: float) -> float:
        """Take one request slot, waiting for it; see `RequestBudget.acquire`."""
        deadline = math.inf
        while True:
            with self._lock:
                now = time.monotonic()
                if deadline == math.inf:
                    deadline = now + max_wait
                wait, tat = reserve(
                    self._tat, self._hold, now, self.interval, self.tolerance, deadline - now
                )
                if tat is None:
                    return wait
                self._tat = tat
                epoch = self._epoch
            if wait <= 0:
                return 0.0
            request_logger.debug("request budget: waiting %.3fs for a slot", wait)
            await _retry.sleep(wait)
            with self._lock:
                # a 429 arrived while this call waited: its hold applies to this call too
                if self._epoch == epoch or self._hold <= time.monotonic():
                    return 0.0

    async def penalize(self, retry_after: float | None) -> None:
        """Hold every call back after a 429; see `RequestBudget.penalize`."""
        with self._lock:
            now = time.monotonic()
            if now - self._last_penalty > STRIKE_MEMORY:
                self._strikes = 0
            self._strikes += 1
            self._last_penalty = now
            held = penalty_seconds(retry_after, self._strikes)
            self._hold = max(self._hold, now + held)
            self._tat = max(self._tat, now + held + self.tolerance)
            self._epoch += 1
        if held > 0:
            request_logger.warning("rate limited by the cloud: every call waits %.1fs", held)
