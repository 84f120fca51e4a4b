"""A request budget kept in Redis, shared by every process behind one IP.

```python
from aioparticle import ParticleClient
from aioparticle.ratelimit_redis import RedisRateLimit

budget = RedisRateLimit("redis://localhost:6379/0", key="aioparticle:ratelimit:office")
async with ParticleClient(rate_limit=budget) as client:
    ...
```

Needs the `redis` extra (`pip install "aioparticle[redis]"`): redis-py's asyncio client, so it
works under asyncio only (under trio it raises `RedisRateLimitError`; use `RateLimit` there).
Every process giving the same `key` (and the same figures) shares one budget: the schedule
(GCRA, as `RateLimit` keeps it in memory) lives in one Redis hash, read and changed by one Lua
script per request, atomically, on Redis's clock (`TIME`), so the processes' clocks never
matter. A 429 one process gets holds every process back.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import TYPE_CHECKING, Any

import anyio

from . import _retry
from ._budget import (
    DEFAULT_PER,
    DEFAULT_REQUESTS,
    PENALTY_BASE,
    RATE_LIMIT_PENALTY,
    STRIKE_MEMORY,
    RateLimit,
    check_figures,
    spacing,
)
from ._exceptions import InvalidArgumentError, ParticleError

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["DEFAULT_KEY", "RedisRateLimit", "RedisRateLimitError"]

logger = logging.getLogger("aioparticle.ratelimit")

#: The Redis key (a hash) of the budget when none is given.
DEFAULT_KEY = "aioparticle:ratelimit"
_MICRO = 1_000_000

# One request slot, GCRA with waiting (`_budget.reserve`), in microseconds of Redis's clock.
# ARGV: interval, tolerance, max_wait, per, after ('' or the penalty epoch the caller saw
# before it waited for its slot: it only needs a new slot if a 429's hold arrived since).
# Returns {granted (1/0), wait, epoch}.
_RESERVE = """
local key = KEYS[1]
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local per = tonumber(ARGV[4])
local after = ARGV[5]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local state = redis.call('HMGET', key, 'tat', 'hold', 'epoch')
local tat = tonumber(state[1]) or 0
local hold = tonumber(state[2]) or 0
local epoch = tonumber(state[3]) or 0
if after ~= '' and (tonumber(after) == epoch or hold <= now) then
  return {1, 0, epoch}
end
local start = math.max(now, tat - tolerance, hold)
local wait = start - now
if wait > max_wait then
  return {0, wait, epoch}
end
tat = math.max(tat, start) + interval
redis.call('HSET', key, 'tat', string.format('%.0f', tat))
local ttl = math.ceil((math.max(tat, hold) - now + per) / 1000)
redis.call('PEXPIRE', key, string.format('%d', ttl))
return {1, wait, epoch}
"""

# A 429: hold every process back (`_budget.penalty_seconds`) and empty the burst.
# ARGV: retry_after ('' when the cloud gave none), tolerance, per, strike memory, penalty
# base, penalty cap. Returns the hold, in microseconds.
_PENALIZE = """
local key = KEYS[1]
local retry_after = ARGV[1]
local tolerance = tonumber(ARGV[2])
local per = tonumber(ARGV[3])
local memory = tonumber(ARGV[4])
local base = tonumber(ARGV[5])
local cap = tonumber(ARGV[6])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local state = redis.call('HMGET', key, 'tat', 'hold', 'strikes', 'last', 'epoch')
local tat = tonumber(state[1]) or 0
local hold = tonumber(state[2]) or 0
local strikes = tonumber(state[3]) or 0
local last = tonumber(state[4]) or 0
local epoch = tonumber(state[5]) or 0
if now - last > memory then
  strikes = 0
end
strikes = strikes + 1
local held
if retry_after ~= '' then
  held = tonumber(retry_after)
elseif strikes <= 1 then
  held = 0
else
  held = math.min(base * 2 ^ math.min(strikes - 2, 64), cap)
end
hold = math.max(hold, now + held)
tat = math.max(tat, now + held + tolerance)
redis.call('HSET', key, 'tat', string.format('%.0f', tat), 'hold', string.format('%.0f', hold),
  'strikes', strikes, 'last', string.format('%.0f', now), 'epoch', epoch + 1)
local ttl = math.ceil((math.max(tat, hold) - now + per) / 1000)
redis.call('PEXPIRE', key, string.format('%d', ttl))
return held
"""


class RedisRateLimitError(ParticleError):
    """The Redis budget could not be used: under trio (redis-py's client is asyncio-only),
    Redis refused the script (the key holds something else), or Redis could not be reached
    and `fallback=False`."""


class _OutageError(Exception):
    """Redis did not answer: a connection failure or the timeout."""


def _import_redis() -> Any:
    try:
        import redis.asyncio
    except ImportError as exc:
        raise ImportError(
            'RedisRateLimit needs the redis package: pip install "aioparticle[redis]"'
        ) from exc
    return redis


class RedisRateLimit:
    """A request budget in Redis: at most `requests` in any `per` seconds (Particle's 10,000
    per 5 minutes by default) across every process using the same `key`.

    Args:
        redis: a `redis.asyncio.Redis` client (never closed here), or a Redis URL
            (`redis://host:6379/0`) for a client this budget creates (`aclose()` closes it).
        key: the Redis key of the shared schedule (a hash; it expires once idle).
        requests, per, burst: as for `RateLimit`; give every process the same figures.
        fallback: when Redis cannot be reached (refused, reset, no answer within `timeout`),
            go on with a budget in this process at the same figures (logged once per outage;
            Redis is tried again every `retry_interval` seconds). `False`: raise
            `RedisRateLimitError` instead, and the call is not sent.
        timeout: seconds one Redis command may take before Redis counts as unreachable.
    """

    def __init__(
        self,
        redis: Redis | str,
        *,
        key: str = DEFAULT_KEY,
        requests: int = DEFAULT_REQUESTS,
        per: float = DEFAULT_PER,
        burst: int | None = None,
        fallback: bool = True,
        timeout: float = 2.0,
        retry_interval: float = 5.0,
    ) -> None:
        module = _import_redis()
        self.requests, self.per, self.burst = check_figures(requests, per, burst)
        if not isinstance(key, str) or not key:
            raise InvalidArgumentError("RedisRateLimit: key must be a non-empty str")
        for name, value in (("timeout", timeout), ("retry_interval", retry_interval)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise InvalidArgumentError(
                    f"RedisRateLimit: {name} must be a positive number of seconds, got {value!r}"
                )
        if isinstance(redis, str):
            self.redis = module.asyncio.from_url(redis)
            self._owns_redis = True
        elif isinstance(redis, module.asyncio.Redis):
            self.redis = redis
            self._owns_redis = False
        else:
            raise InvalidArgumentError(
                "RedisRateLimit needs a redis.asyncio.Redis client or a redis:// URL, "
                f"got {type(redis).__name__}"
            )
        self._errors: tuple[type[BaseException], ...] = (
            TimeoutError,
            module.exceptions.ConnectionError,
            module.exceptions.TimeoutError,
            OSError,
        )
        self._redis_error: type[BaseException] = module.exceptions.RedisError
        self.key = key
        self.fallback = fallback
        self.timeout = float(timeout)
        self.retry_interval = float(retry_interval)
        interval, tolerance = spacing(self.requests, self.per, self.burst)
        self._interval = round(interval * _MICRO)
        self._tolerance = round(tolerance * _MICRO)
        self._per = round(self.per * _MICRO)
        self._reserve = self.redis.register_script(_RESERVE)
        self._penalize = self.redis.register_script(_PENALIZE)
        #: this process's budget while Redis is unreachable
        self._local = RateLimit(self.requests, self.per, burst=self.burst)
        self._down_since: float | None = None

    def __repr__(self) -> str:
        return (
            f"RedisRateLimit(key={self.key!r}, requests={self.requests}, per={self.per:g}, "
            f"burst={self.burst})"
        )

    async def acquire(self, max_wait: float) -> float:
        """Take one request slot of the shared budget, waiting for it; see
        `aioparticle.RequestBudget.acquire`."""
        remaining = max_wait
        after = ""
        while True:
            if self._use_local():
                return await self._local.acquire(remaining)
            try:
                granted, wait_us, epoch = await self._run(
                    self._reserve,
                    self._interval,
                    self._tolerance,
                    max(0, math.floor(remaining * _MICRO)),
                    self._per,
                    after,
                )
            except _OutageError:
                return await self._local.acquire(remaining)
            wait = int(wait_us) / _MICRO
            if not int(granted):
                return max(wait, 1e-6)
            if wait <= 0:
                return 0.0
            logger.debug("shared request budget: waiting %.3fs for a slot", wait)
            await _retry.sleep(wait)
            remaining -= wait
            after = str(int(epoch))

    async def penalize(self, retry_after: float | None) -> None:
        """Hold every process sharing the key back after a 429; see
        `aioparticle.RequestBudget.penalize`."""
        if self._use_local():
            await self._local.penalize(retry_after)
            return
        try:
            held = await self._run(
                self._penalize,
                "" if retry_after is None else str(round(retry_after * _MICRO)),
                self._tolerance,
                self._per,
                round(STRIKE_MEMORY * _MICRO),
                round(PENALTY_BASE * _MICRO),
                round(RATE_LIMIT_PENALTY * _MICRO),
            )
        except _OutageError:
            await self._local.penalize(retry_after)
            return
        if int(held) > 0:
            logger.warning(
                "rate limited by the cloud: every process sharing %r waits %.1fs",
                self.key,
                int(held) / _MICRO,
            )

    async def aclose(self) -> None:
        """Close the Redis client if this budget created it (from a URL)."""
        if self._owns_redis:
            await self.redis.aclose()

    # ------------------------------------------------------------------ Redis calls

    def _use_local(self) -> bool:
        """Whether to use this process's budget: Redis failed less than `retry_interval`
        seconds ago."""
        if self._down_since is None:
            return False
        return time.monotonic() - self._down_since < self.retry_interval

    async def _run(self, script: Any, *args: int | str) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise RedisRateLimitError(
                "RedisRateLimit works under asyncio only (redis-py's asyncio client); under "
                "trio use aioparticle.RateLimit"
            ) from None
        try:
            with anyio.fail_after(self.timeout):
                result = await script(keys=[self.key], args=list(args))
        except self._errors as exc:
            self._went_down(exc)
            raise _OutageError from exc
        except self._redis_error as exc:
            raise RedisRateLimitError(f"Redis refused the rate-limit script: {exc}") from exc
        if self._down_since is not None:
            logger.warning("Redis is back: the request budget %r is shared again", self.key)
            self._down_since = None
        return result

    def _went_down(self, exc: BaseException) -> None:
        if not self.fallback:
            raise RedisRateLimitError(
                f"Redis could not be reached for the request budget {self.key!r}: "
                f"{exc or type(exc).__name__} (fallback=False: the call was not sent)"
            ) from exc
        if self._down_since is None:
            logger.warning(
                "Redis could not be reached for the request budget %r (%s): this process "
                "keeps a budget of its own until it is back",
                self.key,
                exc or type(exc).__name__,
            )
        self._down_since = time.monotonic()
