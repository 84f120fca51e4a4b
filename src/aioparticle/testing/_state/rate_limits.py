"""Rate limits: the log of every request the cloud received, and Particle's all-routes limit
per source IP (off unless a test turns it on)."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

from ._base import StateBase

__all__ = ["LoggedRequest", "RateLimitsMixin"]

#: Requests the log keeps (the oldest are dropped past it, so a long demo does not grow).
REQUEST_LOG_SIZE = 100_000


@dataclass(frozen=True)
class LoggedRequest:
    """One HTTP request as it reached the cloud: when (`time.monotonic()`), what, from where,
    and the status it was answered with at once by a fault or the limit (`None`: the route
    answered)."""

    at: float
    method: str
    path: str
    source: str
    refused: int | None = None


class RateLimitsMixin(StateBase):
    """Logging every request, and refusing the ones over the all-routes limit with 429."""

    def limit_requests(self, requests: int | None = 10_000, per: float = 300.0) -> None:
        """Answer 429 (with `Retry-After`) to requests from a source IP that already made
        `requests` in the last `per` seconds, as Particle does for all routes (10,000 per 5
        minutes). Refused requests do not count. `requests=None` turns the limit off."""
        with self.lock:
            self.request_limit = None if requests is None else (requests, float(per))
            self.limited_requests.clear()

    def log_request(
        self, at: float, method: str, path: str, source: str, refused: int | None
    ) -> None:
        """Add a request that arrived `at` (`time.monotonic()`) to `request_log`."""
        with self.lock:
            self.request_log.append(LoggedRequest(at, method, path, source, refused))

    def over_limit(self, source: str) -> float | None:
        """Seconds `source` must wait when it is over the limit (`None`: the request may go,
        and counts)."""
        with self.lock:
            if self.request_limit is None:
                return None
            requests, per = self.request_limit
            now = time.monotonic()
            times = self.limited_requests.setdefault(source, deque())
            while times and now - times[0] >= per:
                times.popleft()
            if len(times) >= requests:
                return max(1.0, math.ceil(times[0] + per - now))
            times.append(now)
            return None

    def busiest_window(self, per: float, *, answered_only: bool = False) -> int:
        """The most logged requests in any `per` seconds (`answered_only`: not counting those
        a fault or the limit refused)."""
        with self.lock:
            times = [r.at for r in self.request_log if not (answered_only and r.refused)]
        most = 0
        start = 0
        for end, at in enumerate(times):
            while at - times[start] >= per:
                start += 1
            most = max(most, end - start + 1)
        return most
