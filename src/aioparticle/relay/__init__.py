"""One Particle event stream relayed into a Redis Stream, consumed by any number of workers.

```python
from aioparticle import ParticleClient
from aioparticle.relay import EventRelay

relay = EventRelay("redis://127.0.0.1:6379/0", key="aioparticle:events", maxlen=100_000)

# one relay process: the one upstream stream
async with ParticleClient() as client:
    await relay.run(client, device="mine")  # until cancelled

# any number of worker processes: each event to one worker of the group
async with relay.consume("billing", "worker-1") as events:
    async for event in events:
        await handle(event)  # acknowledged when the body finishes without an exception
```

Needs the `redis` extra (`pip install "aioparticle[redis]"`): redis-py's asyncio client, so it
works under asyncio only; under trio `run()` and `consume()` raise `EventLoopError` before any
I/O. What is promised: at-least-once delivery per consumer group (an entry is acknowledged
after its loop body; one left pending by a worker that died is claimed by another after
`claim_after` seconds), the order of the upstream stream within the Redis Stream, and the
last `maxlen` entries (about: trimmed with `MAXLEN ~`) kept for workers that restart. What
Particle never sent to the relay (it was down, or its upstream was reconnecting) cannot be
replayed: the relay marks each such gap with an entry consumers see as a `Gap`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Union
from urllib.parse import urlsplit, urlunsplit

import anyio
from anyio.abc import TaskStatus

from .._callbacks import checked_callback
from .._exceptions import EventLoopError, InvalidArgumentError, RelayError
from .._sse import event_from_frame
from .._stream import DEFAULT_IDLE_TIMEOUT, Reconnect, run_callback
from ..models.events import Event

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from typing_extensions import Self

    from .._client import ParticleClient
    from .._stream import EventStream
    from ..types import ProductRef

__all__ = [
    "DEFAULT_KEY",
    "DEFAULT_MAXLEN",
    "EventRelay",
    "Gap",
    "GapCallback",
    "RelayConsumer",
    "RelayEntry",
]

logger = logging.getLogger("aioparticle.relay")

#: The Redis Stream key when none is given.
DEFAULT_KEY = "aioparticle:events"
#: Entries kept in the Redis Stream when no `maxlen` is given (trimmed approximately).
DEFAULT_MAXLEN = 100_000
#: The first wait after a failed Redis command, and the longest.
_RETRY_BASE = 0.05
_RETRY_CAP = 2.0
#: Events already read from the upstream stream appended in one round trip, at most.
_APPEND_BATCH = 100
#: Entries of its own a restarted consumer reads back per Redis command.
_BATCH = 64

#: The kinds of gap a relay marks.
GapKind = Literal["started", "reconnected", "dropped", "stopped"]


@dataclass(frozen=True)
class Gap:
    """A marker entry of the relay: events may be missing here (Particle cannot replay).

    Passed to `on_gap`; markers are acknowledged like events but never yielded as events.
    """

    kind: GapKind | str
    """`"started"`: the relay (re)started, so what was published while no relay ran is
    missing; `"reconnected"`: its upstream stream was re-established after a drop;
    `"dropped"`: Redis stayed down longer than `max_outage` and the relay dropped `dropped`
    events; `"stopped"`: the relay was closed (nothing is relayed until one starts again)."""
    reason: str
    """Why, as a short text (the drop's reason for `"reconnected"`)."""
    sequence: int
    """The relay sequence number of the marker: the events before it have lower ones."""
    at: datetime | None
    """When the relay wrote the marker (UTC), or `None` if the entry did not say."""
    downtime: float | None = None
    """Seconds the upstream stream was down (`"reconnected"`), else `None`."""
    dropped: int = 0
    """Events the relay dropped because Redis stayed down (`"dropped"`), else 0."""
    entry_id: str = ""
    """The marker's Redis Stream entry id."""


@dataclass(frozen=True)
class RelayEntry:
    """Where the event a consumer yielded last came from in the Redis Stream."""

    entry_id: str
    """The Redis Stream entry id (`<milliseconds>-<n>`, increasing)."""
    sequence: int
    """The relay sequence number: one more per event (and marker) the relay handled, dropped
    events included, so a jump means a gap."""
    redelivered: bool
    """Whether the entry was delivered before (to a consumer that did not acknowledge it: it
    failed, died, or was stopped mid-event)."""


#: `on_gap(gap)`, or `on_gap()`: a plain function or a coroutine function.
GapCallback = Union[Callable[[Gap], object], Callable[[], object]]  # noqa: UP007


def _import_redis() -> Any:
    try:
        import redis.asyncio
    except ImportError as exc:
        raise ImportError(
            'aioparticle.relay needs the redis package: pip install "aioparticle[redis]"'
        ) from exc
    return redis


def _require_asyncio(what: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise EventLoopError(
            f"{what} works under asyncio only (redis-py's asyncio client): run it with "
            "asyncio.run() or anyio.run(..., backend='asyncio')"
        ) from None


def _positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InvalidArgumentError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def _name(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 200 or not value.isprintable():
        raise InvalidArgumentError(
            f"{what} must be a non-empty printable str of at most 200 characters, got {value!r}"
        )
    return value


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _fields(raw: dict[Any, Any]) -> dict[str, str]:
    return {_text(name): _text(value) for name, value in raw.items()}


def _where(url: str) -> str:
    """The Redis URL without its user name and password (for reprs and logs)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "redis"
    return urlunsplit((parts.scheme, f"{host}{port}", parts.path, "", ""))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class _UnreachableError(Exception):
    """A Redis command failed with a connection error or timed out."""


class EventRelay:
    """A Redis Stream of Particle events: `run()` relays one upstream stream into it;
    `consume()` reads it as one worker of a consumer group.

    Args:
        redis: a `redis.asyncio.Redis` client (never closed here), or a Redis URL
            (`redis://host:6379/0`) for a client this relay creates (`aclose()` closes it).
        key: the Redis Stream's key; one relay per key.
        maxlen: entries kept (trimmed with `MAXLEN ~`, so Redis may keep somewhat more);
            a worker stopped longer than it takes to publish `maxlen` events misses the oldest.
        max_outage: seconds `run()` waits for Redis with the upstream paused (backpressure)
            before it drops events (counted in `dropped`, logged, and marked by a `"dropped"`
            gap once Redis is back); a consumer raises `RelayError` after as long.
        timeout: seconds one Redis command may take (a consumer's blocking read gets `block`
            more) before Redis counts as unreachable.
    """

    def __init__(
        self,
        redis: Redis | str,
        *,
        key: str = DEFAULT_KEY,
        maxlen: int = DEFAULT_MAXLEN,
        max_outage: float = 60.0,
        timeout: float = 5.0,
    ) -> None:
        module = _import_redis()
        self.key = _name(key, "key")
        if isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 1:
            raise InvalidArgumentError(f"maxlen must be an int >= 1, got {maxlen!r}")
        self.maxlen = maxlen
        self.max_outage = _positive(max_outage, "max_outage")
        self.timeout = _positive(timeout, "timeout")
        if isinstance(redis, str):
            if not redis.startswith(("redis://", "rediss://", "unix://")):
                raise InvalidArgumentError(
                    "the Redis URL must start with redis://, rediss:// or unix://"
                )
            self._where = _where(redis)
            self.redis = module.asyncio.from_url(redis)
            self._owns_redis = True
        elif isinstance(redis, module.asyncio.Redis):
            self._where = "a given client"
            self.redis = redis
            self._owns_redis = False
        else:
            raise InvalidArgumentError(
                "EventRelay needs a redis.asyncio.Redis client or a redis:// URL, "
                f"got {type(redis).__name__}"
            )
        self._unreachable: tuple[type[BaseException], ...] = (
            TimeoutError,
            module.exceptions.ConnectionError,
            module.exceptions.TimeoutError,
            OSError,
        )
        self._redis_error: type[BaseException] = module.exceptions.RedisError
        self._response_error: type[BaseException] = module.exceptions.ResponseError
        self._sequence = 0
        self._down_since: float | None = None
        self._dropping = False
        self._dropped_in_outage = 0
        self._next_try = 0.0
        self._failures = 0
        self._failure: RelayError | None = None
        self._running = False
        self._closed = False
        self._run_scope: anyio.CancelScope | None = None
        self._run_done = anyio.Event()
        #: the reads of this relay's consumers in progress, cancelled by `aclose()`
        self._reading: dict[anyio.CancelScope, None] = {}
        self._idle = anyio.Event()
        #: events appended to the Redis Stream by `run()`
        self.relayed = 0
        #: events `run()` dropped because Redis stayed down longer than `max_outage`
        self.dropped = 0
        #: marker entries (gaps) appended by `run()`
        self.markers = 0

    def __repr__(self) -> str:
        return (
            f"<EventRelay {self.key!r} on {self._where} maxlen={self.maxlen} "
            f"relayed={self.relayed} dropped={self.dropped}>"
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """End a running `run()` (its upstream stream closed, a `"stopped"` marker written)
        and the reads of its consumers (each ends its loop at its next event), then close the
        Redis client if this relay created it (from a URL). Idempotent."""
        self._closed = True
        if self._run_scope is not None:
            self._run_scope.cancel()
            with anyio.CancelScope(shield=True), anyio.move_on_after(self.timeout + 1.0):
                await self._run_done.wait()
        if self._reading:
            self._idle = anyio.Event()
            for scope in self._reading:
                scope.cancel()
            with anyio.CancelScope(shield=True), anyio.move_on_after(self.timeout + 1.0):
                await self._idle.wait()
        if self._owns_redis:
            with anyio.CancelScope(shield=True):
                await self.redis.aclose()

    # ------------------------------------------------------------------ relaying

    async def run(
        self,
        client: ParticleClient,
        *,
        prefix: str | None = None,
        device: str | None = None,
        product: ProductRef | None = None,
        org: str | None = None,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        dedupe: int = 0,
        task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """Relay `client.events.stream(...)` (scoped by the same arguments) into the Redis
        Stream until cancelled or the stream ends (a 401, 403 or 404 raises here, as from
        the stream).

        Each event becomes one entry: `name`, `data`, `published_at`, `device_id`, `raw` (the
        frame's data as received), `seq` (the relay sequence number). A `"started"` marker
        comes first, a `"reconnected"` one after each reconnect of the upstream stream, and
        a `"stopped"` one when the relay ends (best effort). While Redis is unreachable the
        relay stops reading the upstream stream and retries with backoff; past `max_outage`
        it reads on and drops (counted, logged) until Redis answers again.

        Started with `await task_group.start(...)`, it returns once the upstream stream is
        open and the `"started"` marker written: what is published from then on is relayed.
        """
        _require_asyncio("EventRelay.run")
        if self._closed:
            raise RelayError("this relay has been closed")
        if self._running:
            raise RelayError(f"this relay is already running into {self.key!r}")
        stream = client.events.stream(
            prefix=prefix,
            device=device,
            product=product,
            org=org,
            idle_timeout=idle_timeout,
            dedupe=dedupe,
            on_reconnect=self._reconnected,
        )
        self._running = True
        self._run_done = anyio.Event()
        started = False
        try:
            with anyio.CancelScope() as self._run_scope:
                self._sequence = await self._last_sequence()
                await stream._connect(initial=True)  # a 401, 403 or 404 raises here
                await self._append_marker("started", f"relaying {stream.path}")
                started = True
                logger.info("relaying event stream %s into Redis Stream %r", stream.path, self.key)
                task_status.started()
                await self._relay(stream)
        finally:
            self._running = False
            self._failure = None
            self._run_scope = None
            with anyio.CancelScope(shield=True):
                await stream.aclose()
                if started:
                    with anyio.move_on_after(1.0):  # best effort: Redis may be the reason
                        await self._stopped()
                self._run_done.set()

    async def _relay(self, stream: EventStream) -> None:
        # bare iteration: the stream reads only when asked, so while Redis is down the
        # socket is not read (backpressure), and every event read before a reconnect
        # is appended before the reconnect's marker (a reconnect only happens once every
        # frame read is taken). The frames already read come along in one round trip.
        pending = stream._pending
        async for event in stream:
            if self._failure is not None:
                raise self._failure
            batch = [_entry_of(event)]
            ended = False
            while pending and len(batch) < _APPEND_BATCH:
                try:
                    batch.append(_entry_of(await stream.__anext__()))
                except StopAsyncIteration:
                    ended = True
                    break
            self.relayed += await self._append(*batch)
            if ended:
                break
        if self._failure is not None:
            raise self._failure

    async def _stopped(self) -> None:
        if self._down_since is not None:
            return
        marker = self._marker("stopped", "the relay stopped")
        marker["seq"] = str(self._sequence + 1)
        try:
            await self._command(self._xadd(marker))
        except (_UnreachableError, RelayError):
            return
        self._sequence += 1
        self.markers += 1
        logger.info("relay into Redis Stream %r stopped", self.key)

    async def _reconnected(self, info: Reconnect) -> None:
        try:
            await self._append_marker("reconnected", info.reason, downtime=f"{info.downtime:.3f}")
        except RelayError as exc:  # raised by run() once the stream hands it an event
            self._failure = exc

    async def _last_sequence(self) -> int:
        """The sequence number of the stream's last entry (0 for a new stream), waiting for
        Redis up to `max_outage`."""
        started = time.monotonic()
        failures = 0
        while True:
            try:
                entries = await self._command(self.redis.xrevrange(self.key, count=1))
            except _UnreachableError as exc:
                failures += 1
                if time.monotonic() - started >= self.max_outage:
                    raise RelayError(
                        f"Redis could not be reached for the relay into {self.key!r} within "
                        f"{self.max_outage:g}s: {exc.__cause__ or exc}"
                    ) from None
                await anyio.sleep(_delay(failures))
                continue
            if not entries:
                return 0
            try:
                return int(_fields(entries[0][1]).get("seq", "0"))
            except ValueError:
                return 0

    @staticmethod
    def _marker(kind: str, reason: str, **extra: str) -> dict[str, str]:
        return {"kind": "marker", "gap": kind, "reason": reason, "at": _now(), **extra}

    async def _append_marker(self, kind: str, reason: str, **extra: str) -> None:
        if await self._append(self._marker(kind, reason, **extra)):
            self.markers += 1

    def _xadd(self, fields: dict[str, str]) -> Awaitable[Any]:
        entry: dict[Any, Any] = fields
        added: Awaitable[Any] = self.redis.xadd(
            self.key, entry, maxlen=self.maxlen, approximate=True
        )
        return added

    async def _append(self, *entries: dict[str, str]) -> int:
        """Append entries (in one round trip) with the next sequence numbers; how many were
        appended: 0 if they were dropped (Redis down past `max_outage`). After an outage that
        dropped events, a `"dropped"` marker goes first."""
        while True:
            if self._dropping and time.monotonic() < self._next_try:
                return self._drop(len(entries))
            try:
                if self._dropped_in_outage:
                    await self._append_dropped()
                for n, fields in enumerate(entries, start=1):
                    fields["seq"] = str(self._sequence + n)
                if len(entries) == 1:
                    await self._command(self._xadd(entries[0]))
                else:
                    await self._pipelined(entries)
            except _UnreachableError as exc:
                if self._went_down(exc):
                    return self._drop(len(entries))
                await anyio.sleep(_delay(self._failures))
                continue
            self._sequence += len(entries)
            self._back_up()
            return len(entries)

    async def _pipelined(self, entries: tuple[dict[str, str], ...]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        try:
            for fields in entries:
                mapping: dict[Any, Any] = fields
                pipe.xadd(self.key, mapping, maxlen=self.maxlen, approximate=True)
            await self._command(pipe.execute())
        finally:
            with anyio.CancelScope(shield=True):  # its connection back to the pool
                await pipe.reset()

    async def _append_dropped(self) -> None:
        assert self._down_since is not None
        downtime = time.monotonic() - self._down_since
        dropped = self._dropped_in_outage
        marker = self._marker(
            "dropped",
            f"Redis was unreachable for {downtime:.1f}s",
            dropped=str(dropped),
            downtime=f"{downtime:.3f}",
        )
        marker["seq"] = str(self._sequence + 1)
        await self._command(self._xadd(marker))
        self._sequence += 1
        self.markers += 1
        self._dropped_in_outage = 0
        logger.warning(
            "Redis is back after %.1fs: %d events were dropped from the relay into %r",
            downtime,
            dropped,
            self.key,
        )

    def _went_down(self, exc: _UnreachableError) -> bool:
        """Note a failure; `True` when the relay must drop (down past `max_outage`)."""
        now = time.monotonic()
        self._failures += 1
        if self._down_since is None:
            self._down_since = now
            logger.warning(
                "Redis could not be reached for the relay into %r (%s): the upstream stream "
                "waits (up to %gs) until it is back",
                self.key,
                exc.__cause__ or exc,
                self.max_outage,
            )
        if now - self._down_since < self.max_outage:
            return False
        if not self._dropping:
            self._dropping = True
            logger.error(
                "Redis has been unreachable for %gs: the relay into %r now DROPS events "
                "(counted in EventRelay.dropped) until it is back",
                self.max_outage,
                self.key,
            )
        self._next_try = now + _RETRY_CAP
        return True

    def _drop(self, count: int) -> int:
        """Count dropped entries (their sequence numbers are used up: consumers see a
        jump)."""
        self._sequence += count
        self.dropped += count
        self._dropped_in_outage += count
        return 0

    def _back_up(self) -> None:
        if self._down_since is None:
            return
        if not self._dropping:
            logger.warning(
                "Redis is back after %.1fs: the relay into %r goes on, nothing dropped",
                time.monotonic() - self._down_since,
                self.key,
            )
        self._down_since, self._dropping, self._failures = None, False, 0

    async def _command(self, command: Awaitable[Any], *, extra: float = 0.0) -> Any:
        """Await one Redis command: `_UnreachableError` on a connection failure or the timeout,
        `RelayError` when Redis refuses it."""
        try:
            with anyio.fail_after(self.timeout + extra):
                return await _isolated(command)
        except self._unreachable as exc:
            raise _UnreachableError(type(exc).__name__) from exc
        except self._redis_error as exc:
            raise RelayError(f"Redis refused a command on {self.key!r}: {exc}") from exc

    # ------------------------------------------------------------------ consuming

    def consume(
        self,
        group: str,
        consumer: str,
        *,
        claim_after: float = 30.0,
        block: float = 2.0,
        auto_ack: bool = True,
        start: Literal["0", "$"] = "0",
        prefetch: int = 1,
        on_gap: GapCallback | None = None,
    ) -> RelayConsumer:
        """Read the Redis Stream as `consumer` of the consumer group `group` (created when
        missing): `async with relay.consume("billing", "worker-1") as events:` then
        `async for event in events:`.

        Every event goes to one consumer of the group and stays pending until acknowledged:
        with `auto_ack` when the loop asks for the next event or leaves the `async with`
        block without an exception (`await events.ack()` acknowledges it earlier). An entry
        left pending longer than `claim_after` seconds (its consumer died, or failed on it)
        is claimed by the next consumer that looks, and delivered again. Each read waits at
        most `block` seconds for new entries before claiming is tried again. A new group
        starts at the oldest entry kept (`start="0"`) or at the next one (`start="$"`).
        `prefetch` entries are taken from the group per read: more is faster, but entries
        taken ahead are this worker's (pending on it, waiting for `claim_after` if it dies).
        `on_gap(gap)` gets each marker of the relay (a `Gap`); it may take no argument, and
        may be a plain function or a coroutine function.
        """
        return RelayConsumer(
            self,
            _name(group, "group"),
            _name(consumer, "consumer"),
            claim_after=_positive(claim_after, "claim_after"),
            block=_positive(block, "block"),
            auto_ack=auto_ack,
            start=start,
            prefetch=prefetch,
            on_gap=on_gap,
        )


async def _isolated(command: Awaitable[Any]) -> Any:
    """Await a redis-py command in a task of its own.

    redis-py cleans up a cancelled command (returns its connection to the pool, or closes
    it) with awaits of its own, written for asyncio's one-shot cancellation; inside an anyio
    cancel scope every such await would be cancelled again and the connection leaked. Here
    the command's task gets one cancellation, and its clean-up is waited for (shielded)."""
    task = asyncio.ensure_future(command)
    try:
        return await task
    finally:
        if not task.done():
            task.cancel()
            with anyio.CancelScope(shield=True):
                await asyncio.wait([task])
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: never "exception was never retrieved"


def _entry_of(event: Event) -> dict[str, str]:
    """The Redis Stream entry of one event (its `seq` is set when it is appended)."""
    return {
        "kind": "event",
        "name": event.name,
        "data": event.data,
        "published_at": "" if event.published_at is None else event.published_at.isoformat(),
        "device_id": event.device_id or "",
        "raw": event.raw,
    }


def _delay(failures: int) -> float:
    """Seconds before trying Redis again after `failures` failures in a row (with jitter)."""
    ceiling = min(_RETRY_BASE * 2.0 ** min(failures, 20), _RETRY_CAP)
    return float(ceiling * random.uniform(0.5, 1.0))  # noqa: S311 - jitter


class RelayConsumer:
    """One worker of a consumer group: an async iterator of `Event`s (see
    `EventRelay.consume`). `entry` says where the event yielded last came from."""

    def __init__(
        self,
        relay: EventRelay,
        group: str,
        consumer: str,
        *,
        claim_after: float,
        block: float,
        auto_ack: bool,
        start: str,
        prefetch: int,
        on_gap: GapCallback | None,
    ) -> None:
        if start not in ("0", "$"):
            raise InvalidArgumentError(f"start must be '0' or '$', got {start!r}")
        if isinstance(prefetch, bool) or not isinstance(prefetch, int) or not 1 <= prefetch <= 1000:
            raise InvalidArgumentError(f"prefetch must be an int from 1 to 1000, got {prefetch!r}")
        self.prefetch = prefetch
        if not isinstance(auto_ack, bool):
            raise InvalidArgumentError("auto_ack must be a bool")
        self.relay = relay
        self.group = group
        self.consumer = consumer
        self.claim_after = claim_after
        self.block = block
        self.auto_ack = auto_ack
        self._start = start
        self._on_gap = (
            None
            if on_gap is None
            else checked_callback(on_gap, "on_gap", args=1, takes="a Gap", may_omit=True)
        )
        self._ready: deque[tuple[str, dict[str, str], bool]] = deque()
        self._prepared = False
        self._own_pending = True  # first read this consumer's own pending entries
        self._own_cursor = "0"
        self._next_claim = 0.0
        self._claim_cursor = "0-0"
        self._unacked: str | None = None
        self._closed = False
        #: where the event yielded last came from, or `None` before the first
        self.entry: RelayEntry | None = None
        #: events yielded
        self.events_received = 0
        #: entries acknowledged (markers included)
        self.acknowledged = 0
        #: entries this consumer claimed from others (left pending past `claim_after`)
        self.claimed = 0
        #: markers seen (each also passed to `on_gap`)
        self.gaps = 0

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return (
            f"<RelayConsumer {self.consumer!r} of group {self.group!r} on "
            f"{self.relay.key!r} {state} events={self.events_received} claimed={self.claimed}>"
        )

    async def __aenter__(self) -> Self:
        _require_asyncio("RelayConsumer")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Acknowledge the last event if the block ended without an exception."""
        try:
            unacked = self.auto_ack and self._unacked is not None
            if exc is None and unacked and not self.relay._closed:
                await self.ack()
        finally:
            self._closed = True

    def __aiter__(self) -> Self:
        return self

    async def ack(self) -> None:
        """Acknowledge the event yielded last (idempotent): the group never delivers it
        again."""
        entry_id, self._unacked = self._unacked, None
        if entry_id is not None:
            await self._xack(entry_id)

    async def _xack(self, entry_id: str) -> None:
        relay = self.relay
        await self._retrying(lambda: relay.redis.xack(relay.key, self.group, entry_id))
        self.acknowledged += 1

    async def __anext__(self) -> Event:
        """The next event of the group for this consumer, waiting for one."""
        _require_asyncio("RelayConsumer")
        try:
            return await self._next()
        except RelayError:
            if self.relay._closed:  # closed between two Redis commands
                raise StopAsyncIteration from None
            raise

    async def _next(self) -> Event:
        if self._closed or self.relay._closed:  # the last event stays pending: redelivered
            raise StopAsyncIteration
        if self.auto_ack and self._unacked is not None:
            await self.ack()
        if not self._prepared:
            await self._create_group()
        while True:
            while self._ready:
                entry_id, fields, redelivered = self._ready.popleft()
                event = await self._entry(entry_id, fields, redelivered)
                if event is not None:
                    return event
            relay = self.relay
            if relay._closed:
                raise StopAsyncIteration
            with anyio.CancelScope() as scope:  # aclose() of the relay cancels the read
                relay._reading[scope] = None
                try:
                    await self._fetch()
                finally:
                    del relay._reading[scope]
                    if not relay._reading:
                        relay._idle.set()
            if scope.cancelled_caught:
                raise StopAsyncIteration

    async def _entry(
        self, entry_id: str, fields: dict[str, str], redelivered: bool
    ) -> Event | None:
        """The event of one entry; `None` for a marker or an unreadable entry (acknowledged)."""
        try:
            sequence = int(fields.get("seq", "0"))
        except ValueError:
            sequence = 0
        if fields.get("kind") == "marker":
            self.gaps += 1
            gap = _gap(entry_id, sequence, fields)
            logger.info("relay %r: gap %s (%s)", self.relay.key, gap.kind, gap.reason)
            if self._on_gap is not None:
                await run_callback(self._on_gap, gap, "on_gap", self.relay.key)
            await self._xack(entry_id)
            return None
        try:
            event = event_from_frame(fields.get("name", ""), fields.get("raw", ""))
        except (ValueError, TypeError):
            logger.warning(
                "relay %r: entry %s is not a relayed event; acknowledged and skipped",
                self.relay.key,
                entry_id,
            )
            await self._xack(entry_id)
            return None
        self.entry = RelayEntry(entry_id, sequence, redelivered)
        self._unacked = entry_id
        self.events_received += 1
        return event

    async def _create_group(self) -> None:
        relay = self.relay
        try:
            await self._retrying(
                lambda: relay.redis.xgroup_create(relay.key, self.group, self._start, mkstream=True)
            )
        except RelayError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._prepared = True

    async def _fetch(self) -> None:
        """Fill `_ready`: this consumer's own pending entries first (after a restart), then
        entries pending too long elsewhere, then new entries (a read waiting up to `block`)."""
        relay = self.relay
        if self._own_pending:
            answer = await self._retrying(
                lambda: relay.redis.xreadgroup(
                    self.group, self.consumer, {relay.key: self._own_cursor}, count=_BATCH
                )
            )
            entries = _entries(answer)
            if not entries:
                self._own_pending = False
            else:
                self._own_cursor = entries[-1][0]
            self._ready.extend((entry_id, fields, True) for entry_id, fields in entries)
            return
        now = time.monotonic()
        if now >= self._next_claim:
            answer = await self._retrying(
                lambda: relay.redis.xautoclaim(
                    relay.key,
                    self.group,
                    self.consumer,
                    min_idle_time=round(self.claim_after * 1000),
                    start_id=self._claim_cursor,
                    count=self.prefetch,
                )
            )
            cursor, claimed = _text(answer[0]), answer[1]
            entries = [(_text(i), _fields(f)) for i, f in claimed if f is not None]
            self._claim_cursor = cursor
            if cursor == "0-0":  # walked the whole pending list: look again later
                self._next_claim = now + min(self.claim_after / 2, 5.0)
            if entries:
                self.claimed += len(entries)
                logger.info(
                    "relay %r: %s claimed %d entries left pending over %gs",
                    relay.key,
                    self.consumer,
                    len(entries),
                    self.claim_after,
                )
                self._ready.extend((entry_id, fields, True) for entry_id, fields in entries)
                return
        block_ms = round(min(self.block, max(self._next_claim - now, 0.001)) * 1000)
        answer = await self._retrying(
            lambda: relay.redis.xreadgroup(
                self.group,
                self.consumer,
                {relay.key: ">"},
                count=self.prefetch,
                block=max(block_ms, 1),
            ),
            extra=self.block,
        )
        self._ready.extend((entry_id, fields, False) for entry_id, fields in _entries(answer))

    async def _retrying(self, command: Callable[[], Awaitable[Any]], *, extra: float = 0.0) -> Any:
        """One Redis command, tried again with backoff while Redis is unreachable, for up to
        the relay's `max_outage`; then `RelayError`."""
        relay = self.relay
        started: float | None = None
        failures = 0
        while True:
            if relay._closed:  # its connections are closed: open none again
                raise RelayError("this relay has been closed")
            try:
                result = await relay._command(command(), extra=extra)
            except _UnreachableError as exc:
                now = time.monotonic()
                if started is None:
                    started = now
                    logger.warning(
                        "relay %r: Redis could not be reached (%s); %s retries for up to %gs",
                        relay.key,
                        exc.__cause__ or exc,
                        self.consumer,
                        relay.max_outage,
                    )
                if now - started >= relay.max_outage:
                    raise RelayError(
                        f"Redis could not be reached for {relay.max_outage:g}s by consumer "
                        f"{self.consumer!r} of {relay.key!r}: {exc.__cause__ or exc}"
                    ) from None
                failures += 1
                await anyio.sleep(_delay(failures))
                continue
            if started is not None:
                logger.warning("relay %r: Redis is back for %s", relay.key, self.consumer)
            return result


def _entries(answer: Any) -> list[tuple[str, dict[str, str]]]:
    """The entries of an XREADGROUP answer (RESP2 list or RESP3 dict)."""
    if not answer:
        return []
    streams = answer.items() if isinstance(answer, dict) else answer
    found: list[tuple[str, dict[str, str]]] = []
    for _key, entries in streams:
        if isinstance(answer, dict) and len(entries) == 1 and isinstance(entries[0][0], list):
            entries = entries[0]  # RESP3: the entries come wrapped in one more list
        for entry_id, fields in entries:
            if fields is not None:
                found.append((_text(entry_id), _fields(fields)))
    return found


def _gap(entry_id: str, sequence: int, fields: dict[str, str]) -> Gap:
    at: datetime | None
    try:
        at = datetime.fromisoformat(fields.get("at", ""))
    except ValueError:
        at = None
    downtime: float | None
    try:
        downtime = float(fields["downtime"]) if "downtime" in fields else None
    except ValueError:
        downtime = None
    try:
        dropped = int(fields.get("dropped", "0"))
    except ValueError:
        dropped = 0
    return Gap(
        kind=fields.get("gap", ""),
        reason=fields.get("reason", ""),
        sequence=sequence,
        at=at,
        downtime=downtime,
        dropped=dropped,
        entry_id=entry_id,
    )
