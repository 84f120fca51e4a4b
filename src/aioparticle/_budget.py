"""Particle's per-IP event-stream limits, shared by every stream of one client."""

from __future__ import annotations

import logging
import time
from collections import deque

import anyio

from . import _retry

__all__ = [
    "CONCURRENT_LIMIT",
    "OPEN_LIMIT",
    "OPEN_WINDOW",
    "RATE_LIMIT_PENALTY",
    "StreamBudget",
]

logger = logging.getLogger("aioparticle.events")

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
