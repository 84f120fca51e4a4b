"""`EventStream`: one Particle event stream, reconnecting for days, as an async iterator."""

from __future__ import annotations

import inspect
import logging
import sys
import time
import warnings
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Union

import anyio
import anyio.lowlevel
import httpx
from anyio.abc import TaskGroup, TaskStatus
from anyio.streams.memory import MemoryObjectReceiveStream

from . import _retry
from ._budget import RATE_LIMIT_PENALTY
from ._callbacks import checked_callback
from ._core import Call
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    ClientClosedError,
    RateLimitError,
    StreamError,
)
from ._sse import (
    DEFAULT_MAX_FRAME_BYTES,
    Frame,
    MalformedFrame,
    SSEParser,
    spliced_event,
    validate_payload,
)
from .models.events import Event

if sys.version_info < (3, 11):  # anyio depends on the backport there
    from exceptiongroup import BaseExceptionGroup

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._core import Core

__all__ = [
    "DEFAULT_BUFFER",
    "DEFAULT_IDLE_TIMEOUT",
    "HEALTHY_AFTER",
    "RECONNECT_BASE",
    "RECONNECT_CAP",
    "EventStream",
    "MalformedCallback",
    "Reconnect",
    "ReconnectCallback",
]

logger = logging.getLogger("aioparticle.events")

#: Seconds without a byte (event or keep-alive) after which a stream is presumed dead.
DEFAULT_IDLE_TIMEOUT = 30.0
#: Events read ahead of the consumer inside `async with` (the reader waits when it is full).
DEFAULT_BUFFER = 64
#: Reconnect backoff: first wait, cap.
RECONNECT_BASE = 1.0
RECONNECT_CAP = 30.0
#: A connection that stayed up this long was healthy: after it drops, reconnect at once.
#: A shorter-lived one counts as a failure, so a server that accepts and drops is not hammered.
HEALTHY_AFTER = 10.0
#: A consumer served from a full buffer still yields to the event loop this often (each yield
#: is a turn of the event loop: every 256 events costs about 0.01 us per event, every 64 about
#: 0.05, and keeps the loop turning about every half millisecond).
_YIELD_EVERY = 256

_END_STATUSES = frozenset({400, 401, 403, 404, 405, 410})


@dataclass(frozen=True)
class Reconnect:
    """Passed to `on_reconnect` each time a stream is re-established.

    Particle cannot replay what was published while the stream was down: use this to resync.
    `attempt` counts the reconnects of the stream so far (1 for the first), `reason` says why
    the connection was lost, `downtime` is the seconds it was down.
    """

    attempt: int
    """How many times the stream has been re-established so far, this time included (1 for the
    first)."""
    reason: str
    """Why the connection was lost, as a short text."""
    downtime: float
    """Seconds between losing the connection and re-establishing it."""


#: `on_reconnect(reconnect)`, or `on_reconnect()`: a plain function or a coroutine function.
ReconnectCallback = Union[Callable[[Reconnect], object], Callable[[], object]]  # noqa: UP007
#: `on_malformed(frame)`, or `on_malformed()`: a plain function or a coroutine function.
MalformedCallback = Union[Callable[[MalformedFrame], object], Callable[[], object]]  # noqa: UP007


class EventStream:
    """An async iterator of `Event`s over one Particle event stream, reconnecting as needed.

    Use it as `async with client.events.stream(...) as events: async for event in events:`;
    iterating without `async with` works too (call `aclose()` when done). Leaving the block,
    breaking out, cancelling the consumer or closing the client closes the connection.

    Backpressure: inside `async with`, a reader task reads ahead of the consumer until `buffer`
    frames wait (plus the rest of the chunk read last, at most 64 KiB), then stops reading the
    socket, so a slow consumer slows the stream (TCP backpressure) instead of growing memory;
    iterated bare, the stream reads only when asked. A frame is at most `max_frame_bytes`.
    Particle cannot replay events, so events the server sends while the consumer lags are not
    lost: they wait in the socket buffers. Frames become `Event`s in the consumer's task, as it
    takes them.

    Callbacks: `on_reconnect(reconnect)` receives a `Reconnect` after each reconnect, and
    `on_malformed(frame)` a `MalformedFrame` for each frame skipped; either may also take no
    argument at all, and may be a plain function or a coroutine function (awaited in the
    reading task). Anything else is refused with `InvalidArgumentError` when the stream is
    made. A callback that raises does not end the stream: the exception is logged, with its
    traceback, on the `aioparticle.events` logger and the stream goes on.
    """

    def __init__(
        self,
        core: Core,
        path: str,
        *,
        reconnect: bool = True,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        dedupe: int = 0,
        on_reconnect: ReconnectCallback | None = None,
        on_malformed: MalformedCallback | None = None,
        buffer: int = DEFAULT_BUFFER,
    ) -> None:
        self._core = core
        self.path = path
        self.reconnect = reconnect
        self.idle_timeout = idle_timeout
        self._parser = SSEParser(max_frame_bytes)
        self._on_reconnect = (
            None
            if on_reconnect is None
            else checked_callback(
                on_reconnect, "on_reconnect", args=1, takes="a Reconnect", may_omit=True
            )
        )
        self._on_malformed = (
            None
            if on_malformed is None
            else checked_callback(
                on_malformed, "on_malformed", args=1, takes="a MalformedFrame", may_omit=True
            )
        )
        self._seen: OrderedDict[tuple[str, str], None] | None = (
            OrderedDict() if dedupe > 0 else None
        )
        self._dedupe = dedupe
        self._response: httpx.Response | None = None
        self._chunks: Any = None
        #: frames read but not yet taken by the consumer
        self._pending: deque[Frame] = deque()
        self._closed = False
        self._read_scope: anyio.CancelScope | None = None
        self._pump_scope: anyio.CancelScope | None = None
        self._task_group: TaskGroup | None = None
        # `async with` mode: the reader task fills `_pending`; these wake one side or the other
        self._pumping = False
        self._pump_done = False
        self._arrived: anyio.Event | None = None  # the consumer waits for frames
        self._room: anyio.Event | None = None  # the reader waits for the consumer
        self._failure: Exception | None = None
        self._buffer = buffer
        self._holding_slot = False
        self._connected_at = 0.0
        self._was_live = False
        self._dropped_at: float | None = None
        self._drop_reason = ""
        self._failures = 0
        #: times the stream was re-established after a drop
        self.reconnects = 0
        #: events delivered to the consumer
        self.events_received = 0
        #: frames skipped as malformed or oversized
        self.malformed_frames = 0
        #: duplicates skipped (with `dedupe`)
        self.duplicates_skipped = 0
        #: `time.monotonic()` of the last byte received
        self.last_activity: float | None = None

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("open" if self._response else "idle")
        return (
            f"<EventStream {self.path} {state} events={self.events_received} "
            f"reconnects={self.reconnects}>"
        )

    def __del__(self) -> None:
        # like an unclosed file or socket: the connection is only released by the collector
        # (a stream whose constructor refused an argument has no `_response`)
        if getattr(self, "_response", None) is not None and not self._closed:
            warnings.warn(
                f"unclosed event stream {self.path}: use `async with` or call aclose()",
                ResourceWarning,
                source=self,
                stacklevel=2,
            )

    @property
    def connected(self) -> bool:
        """Whether a connection is open right now."""
        return self._response is not None

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        """Connect (errors such as 401 or 403 raise here), then read in the background.

        Inside the block a reader task owned by this stream fills a bounded buffer of
        `buffer` events; waiting for an event can then be cancelled or timed out freely
        without losing data or the connection.
        """
        if self._closed:
            raise StreamError("this event stream has been closed")
        if self._response is None:
            await self._connect(initial=True)
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group, self._pumping = task_group, True
        await task_group.start(self._pump)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closed = True
        self._stop_reading()
        task_group, self._task_group = self._task_group, None
        try:
            if task_group is not None:
                await exit_task_group(task_group, exc_type, exc, tb)
        finally:
            if self._pumping:  # what was read ahead is not delivered after the block
                self._pump_done = True
                self._pending.clear()
            await self._close_response()
            self._core.shared.streams.discard(self)

    async def aclose(self) -> None:
        """Close the stream and its connection; no reconnect follows. Idempotent."""
        self._closed = True
        self._stop_reading()
        await self._close_response()
        self._core.shared.streams.discard(self)

    def _stop_reading(self) -> None:
        if self._pump_scope is not None:
            self._pump_scope.cancel()
        if self._read_scope is not None:
            # another task is blocked reading: cancel the read; that task closes the response
            self._read_scope.cancel()

    async def _close_from_client(self) -> None:
        self._closed = True
        if self._pump_scope is None and self._read_scope is None:
            await self._close_response()
        self._stop_reading()

    async def _close_response(self) -> None:
        response, chunks = self._response, self._chunks
        self._response = self._chunks = None
        if self._holding_slot:
            self._holding_slot = False
            self._core.shared.stream_budget.open_streams -= 1
        with anyio.CancelScope(shield=True):
            if chunks is not None:
                await chunks.aclose()
            if response is not None:
                await response.aclose()

    async def _pump(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """The background reader of `async with` mode: reads and parses while fewer than
        `buffer` frames wait for the consumer. Never raises: a failure goes to the consumer."""
        with anyio.CancelScope() as scope:
            self._pump_scope = scope
            task_status.started()
            try:
                while True:
                    if len(self._pending) >= self._buffer:
                        self._room = room = anyio.Event()
                        await room.wait()
                        continue
                    await self._step()
                    if self._pending:
                        self._wake_consumer()
            except StopAsyncIteration:
                pass
            except Exception as exc:  # handed to the consumer, raised by __anext__
                self._failure = exc
            finally:
                self._pump_scope = None
                self._pump_done = True
                self._wake_consumer()
                await self._close_response()

    def _wake_consumer(self) -> None:
        arrived = self._arrived
        if arrived is not None:
            self._arrived = None
            arrived.set()

    # ------------------------------------------------------------------ iteration

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        """The next event. Frames become `Event`s here, as they are taken (an `Event` lives
        longer than its frame: converting a chunk at once would cost more garbage-collector
        work). The event loop gets a turn (and cancellation a chance) at least every
        `_YIELD_EVERY` frames."""
        pending = self._pending
        while True:
            waiting = len(pending)
            if waiting:
                if not waiting % _YIELD_EVERY:
                    await anyio.lowlevel.checkpoint()
                    if not pending:
                        continue
                name, data = pending.popleft()
                room = self._room
                if room is not None and waiting <= self._buffer:
                    self._room = None
                    room.set()
                # event_from_frame, its usual case inlined (one Python call less per event)
                try:
                    event = validate_payload(data)
                except ValueError:  # anything unusual: as event_from_frame goes on
                    try:
                        event = spliced_event(name, data)
                    except (ValueError, TypeError) as exc:  # ValidationError is a ValueError
                        self.malformed_frames += 1
                        await self._report(MalformedFrame(name, data, str(exc)[:200]))
                        continue
                else:
                    state = event.__dict__
                    state["name"] = name
                    state["raw"] = data
                    event.__pydantic_fields_set__.add("name")
                self.events_received += 1
                return event
            if not self._pumping:
                await self._fill()  # bare iteration: this task reads
            elif self._pump_done:
                failure, self._failure = self._failure, None
                if failure is not None:
                    raise failure
                raise StopAsyncIteration
            else:
                # several tasks may wait: they share one wake-up
                arrived = self._arrived
                if arrived is None:
                    self._arrived = arrived = anyio.Event()
                await arrived.wait()

    async def _fill(self) -> None:
        """Read until a frame is pending (bare iteration)."""
        while not self._pending:
            await self._step()

    async def _step(self) -> None:
        """Read and parse one chunk, connecting first if needed; StopAsyncIteration when the
        stream is over (closed, or dropped without `reconnect`)."""
        if self._closed or self._core.shared.is_closed:
            await self._close_response()
            raise StopAsyncIteration
        if self._response is None:
            await self._connect(initial=False)
            return
        chunk = await self._read()
        if chunk is not None:
            await self._parse(chunk)

    async def _read(self) -> bytes | None:
        """The next chunk, or None after the connection was dropped (and noted)."""
        with anyio.CancelScope() as scope:
            self._read_scope = scope
            try:
                chunk: bytes = await self._chunks.__anext__()
            except StopAsyncIteration:
                await self._drop("the server ended the stream")
                return None
            except httpx.ReadTimeout:
                await self._drop(f"no data for {self.idle_timeout:g}s (stream presumed dead)")
                return None
            except httpx.TransportError as exc:
                await self._drop(f"connection lost: {type(exc).__name__}: {exc}")
                return None
            except anyio.get_cancelled_exc_class():
                if not scope.cancel_called:
                    # the consumer was cancelled mid-read (bare iteration): httpx cannot resume
                    # a cancelled read, so the connection goes and the next call reconnects
                    self._dropped_at = time.monotonic()
                    self._drop_reason = "a read was cancelled"
                    await self._close_response()
                raise
            finally:
                self._read_scope = None
            self.last_activity = time.monotonic()
            return chunk
        # the read was cancelled by aclose() or the client closing
        await self._close_response()
        return None

    async def _parse(self, chunk: bytes) -> None:
        frames = self._parser.feed(chunk)
        if self._parser.oversized:
            self.malformed_frames += self._parser.oversized
            await self._report(
                MalformedFrame(None, "", f"frame over {self._parser.max_frame_bytes} bytes dropped")
            )
            self._parser.oversized = 0
        if self._seen is not None:
            frames = self._unseen(frames)
        # frames become Events only when consumed: fewer live objects, less GC work
        self._pending.extend(frames)

    def _unseen(self, frames: list[Frame]) -> list[Frame]:
        """With `dedupe`: the frames that repeat none of the last `dedupe` frames."""
        seen = self._seen
        assert seen is not None
        fresh: list[Frame] = []
        for frame in frames:
            if frame in seen:
                self.duplicates_skipped += 1
                continue
            seen[frame] = None
            if len(seen) > self._dedupe:
                seen.popitem(last=False)
            fresh.append(frame)
        return fresh

    async def _report(self, frame: MalformedFrame) -> None:
        logger.warning("skipping malformed event frame on %s: %s", self.path, frame.reason)
        if self._on_malformed is not None:
            await run_callback(self._on_malformed, frame, "on_malformed", self.path)

    async def _drop(self, reason: str) -> None:
        logger.info("event stream %s dropped: %s", self.path, reason)
        # a connection that lived long was healthy: reconnect at once; a short-lived one
        # counts as a failure, so a server that accepts and drops is not hammered
        if time.monotonic() - self._connected_at >= HEALTHY_AFTER:
            self._failures = 0
        else:
            self._failures += 1
        self._dropped_at = time.monotonic()
        self._drop_reason = reason
        await self._close_response()
        if not self.reconnect:
            self._closed = True
            raise StreamError(f"event stream {self.path} ended: {reason}")

    # ------------------------------------------------------------------ connecting

    async def _connect(self, *, initial: bool) -> None:
        """Open the stream, pacing reopens: the reconnect backoff after a failure (or a longer
        `Retry-After`), and the client's open budget. Opening itself is the core's one send
        path, which maps every failure to a typed error; 400, 401, 403, 404, 405 and 410 end
        the stream, anything else is tried again (with `reconnect`). A 200 that is not an event
        stream (a captive portal, a proxy's error page) ends a stream that never opened, and is
        tried again like any transient failure once the stream has been live."""
        core = self._core
        budget = core.shared.stream_budget
        retry_after: float | None = None
        held = False  # the wait is the open budget's (a 429/529 holds every stream back)
        while True:
            if self._failures and not held:
                await self._interruptible(self._backoff(retry_after))
            if self._closed or core.shared.is_closed:
                raise (
                    StopAsyncIteration
                    if not initial
                    else ClientClosedError("this ParticleClient has been closed")
                )
            if budget.open_streams >= budget.concurrent_limit:
                raise StreamError(
                    f"{budget.concurrent_limit} event streams are already open on this client "
                    "(Particle's per-IP limit): share one stream with a broad prefix instead"
                )
            await self._interruptible(budget.acquire_open())
            if self._closed or core.shared.is_closed:
                continue  # closed while waiting for the budget: end as above
            retry_after, held = None, False
            failure: Exception
            try:
                response = await core.send(self._open_call(), self._accept)
            except APIStatusError as exc:
                if exc.status_code in _END_STATUSES or exc.status_code < 400:
                    self._closed = True
                    raise
                failure = exc
                retry_after = exc.retry_after
                if isinstance(exc, RateLimitError) and self.reconnect:
                    # the IP's open budget is spent: every stream of this client waits, at
                    # least `Retry-After`, or a long penalty when the cloud did not say
                    wait = RATE_LIMIT_PENALTY if retry_after is None else retry_after
                    budget.penalize(max(wait, self._backoff_delay(self._failures + 1)))
                    held = True
            except APIConnectionError as exc:
                failure = exc
            except StreamError as exc:  # answered, but not with an event stream
                if not self._was_live:
                    self._closed = True
                    raise
                failure = exc
            else:
                await self._opened(response)
                return
            if not self.reconnect:
                self._closed = True
                raise failure
            self._failures += 1
            logger.info("event stream %s could not open: %s", self.path, failure)

    async def _interruptible(self, wait: Awaitable[None]) -> None:
        """Wait for `wait`, unless `aclose()` (from another task) or the client closes first."""
        with anyio.CancelScope() as scope:
            self._read_scope = scope
            try:
                await wait
            finally:
                self._read_scope = None

    @staticmethod
    def _backoff_delay(failures: int) -> float:
        return _retry.backoff_delay(failures - 1, base=RECONNECT_BASE, cap=RECONNECT_CAP)

    async def _backoff(self, retry_after: float | None) -> None:
        delay = self._backoff_delay(self._failures)
        if retry_after is not None:
            delay = max(delay, retry_after)
        logger.info("event stream %s: reconnecting in %.1fs", self.path, delay)
        await _retry.sleep(delay)

    def _open_call(self) -> Call:
        """The request opening the stream: one attempt (the stream paces its own reopens)
        whose response stays open; reads are bounded by the idle timeout."""
        core = self._core
        headers = {
            **core.headers,
            "Accept": "text/event-stream",
            "Accept-Encoding": "identity",
            "Cache-Control": "no-cache",
        }
        return Call(
            "GET",
            core.base_url + self.path,
            self.path,
            headers,
            idempotent=True,
            stream=True,
            keep_open=True,
            timeout=httpx.Timeout(self.idle_timeout, connect=core.connect_timeout),
            deadline=core.connect_timeout + self.idle_timeout,
            max_retries=0,
        )

    async def _accept(self, response: httpx.Response) -> httpx.Response:
        """The opened response if it is an event stream; else the error it deserves."""
        kind = response.headers.get("content-type", "").partition(";")[0].strip()
        if response.status_code == 200 and kind == "text/event-stream":
            return response
        if response.status_code == 200:  # a portal's page: its body says nothing worth reading
            raise StreamError(
                f"expected an event stream from GET {self.path}, got content-type {kind!r}"
            )
        await self._core.read_body(response, self._open_call(), cut=True)
        raise self._core.status_error(response, "GET", self.path)

    async def _opened(self, response: httpx.Response) -> None:
        shared = self._core.shared
        self._response = response
        self._chunks = response.aiter_raw()
        self._holding_slot = True
        shared.stream_budget.open_streams += 1
        shared.streams.add(self)
        self._parser.reset()
        now = time.monotonic()
        self._connected_at = self.last_activity = now
        self._was_live = True
        if self._dropped_at is not None:
            self.reconnects += 1
            info = Reconnect(self.reconnects, self._drop_reason, now - self._dropped_at)
            self._dropped_at = None
            logger.info("event stream %s reconnected (#%d)", self.path, self.reconnects)
            if self._on_reconnect is not None:
                await run_callback(self._on_reconnect, info, "on_reconnect", self.path)


async def run_callback(
    callback: Callable[[Any], Awaitable[None] | None], arg: object, name: str, path: str
) -> None:
    """Call a user callback (plain or async: what it returns is awaited only when awaitable).
    Its exception is logged with its traceback and goes no further: a callback's bug never ends
    the stream. Cancellation passes untouched."""
    try:
        result = callback(arg)
        if inspect.isawaitable(result):
            await result
    except Exception:
        logger.exception("%s callback of event stream %s raised; the stream goes on", name, path)


class _Yielding(Protocol):
    _without_yield: int


async def receive_ready(receive: MemoryObjectReceiveStream[Event], owner: _Yielding) -> Event:
    """Take the next buffered event without a task switch when one is ready, yielding to the
    event loop (and so to cancellation) at least every `_YIELD_EVERY` events."""
    try:
        event = receive.receive_nowait()
    except anyio.WouldBlock:
        owner._without_yield = 0
        return await receive.receive()
    owner._without_yield += 1
    if owner._without_yield >= _YIELD_EVERY:
        owner._without_yield = 0
        await anyio.lowlevel.checkpoint()
    return event


async def exit_task_group(
    task_group: TaskGroup,
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
) -> None:
    """Exit a task group whose background tasks never raise, so that an exception of the
    `async with` block propagates as itself rather than wrapped in an exception group."""
    try:
        await task_group.__aexit__(exc_type, exc, tb)
    except BaseExceptionGroup as group:
        if exc is not None and len(group.exceptions) == 1 and group.exceptions[0] is exc:
            return
        raise
