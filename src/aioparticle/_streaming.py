"""Server-Sent Events: an incremental parser and `EventStream`, which reconnects for days."""

from __future__ import annotations

import contextlib
import json
import logging
import random
import sys
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol

import anyio
import anyio.lowlevel
import httpx
from anyio.abc import TaskGroup, TaskStatus
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from httpx_sse import SSEError

from . import _retry
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    ClientClosedError,
    InvalidArgumentError,
    MissingAccessTokenError,
    StreamError,
    make_status_error,
    scrub,
)
from .models.events import Event

if sys.version_info < (3, 11):  # anyio depends on the backport there
    from exceptiongroup import BaseExceptionGroup

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._client import ParticleClient

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "EventHub",
    "EventStream",
    "MalformedFrame",
    "Reconnect",
    "SSEParser",
    "StreamBudget",
    "Subscription",
]

logger = logging.getLogger("aioparticle.events")

#: Seconds without a byte (event or keep-alive) after which a stream is presumed dead.
DEFAULT_IDLE_TIMEOUT = 30.0
#: Events read ahead of the consumer inside `async with` (the reader waits when it is full).
DEFAULT_BUFFER = 64
#: Largest frame kept in memory; a larger one is dropped and reported.
DEFAULT_MAX_FRAME_BYTES = 256 * 1024
#: Particle allows 100 stream opens per 5 minutes and 100 concurrent streams per IP.
OPEN_LIMIT = 100
OPEN_WINDOW = 300.0
CONCURRENT_LIMIT = 100
#: Reconnect backoff: first wait, cap.
RECONNECT_BASE = 1.0
RECONNECT_CAP = 30.0
#: A connection that stayed up this long was healthy: after it drops, reconnect at once.
#: A shorter-lived one counts as a failure, so a server that accepts and drops is not hammered.
HEALTHY_AFTER = 10.0

_END_STATUSES = frozenset({400, 401, 403, 404, 405, 410})


@dataclass(frozen=True)
class MalformedFrame:
    """A frame that could not become an `Event` (bad JSON, oversized): skipped, reported."""

    name: str | None
    data: str
    reason: str


@dataclass(frozen=True)
class Reconnect:
    """Passed to `on_reconnect` each time a stream is re-established.

    Particle cannot replay what was published while the stream was down: use this to resync.
    """

    attempt: int
    reason: str
    downtime: float


#: One parsed frame: (event name, data).
Frame = tuple[str, str]


class SSEParser:
    """Incremental `text/event-stream` parser working on bytes.

    Lines may end in LF, CRLF or CR, and a chunk may end anywhere (inside a CRLF pair or a
    multi-byte UTF-8 character). Frames larger than `max_frame_bytes` are dropped and reported
    through `oversized`, so memory stays bounded whatever the server sends. Comments (the
    keep-alives) are counted in `comments`. A frame without an `event:` line is a `message`.
    """

    __slots__ = (
        "_buffer",
        "_data",
        "_event",
        "_pending_cr",
        "_size",
        "_skipping",
        "comments",
        "max_frame_bytes",
        "oversized",
    )

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        self.max_frame_bytes = max_frame_bytes
        self.comments = 0
        self.oversized = 0
        self.reset()

    def reset(self) -> None:
        """Forget any partial frame (after a reconnect)."""
        self._buffer = b""
        self._pending_cr = False
        self._event: str | None = None
        self._data: list[bytes] | None = None
        self._size = 0
        self._skipping = False

    def feed(self, chunk: bytes) -> list[Frame]:
        """Parse `chunk`; return the frames it completes."""
        if not chunk:
            return []
        if self._pending_cr:
            self._pending_cr = False
            if chunk.startswith(b"\n"):
                chunk = chunk[1:]
        # a CR ending the chunk ends a line now; an LF starting the next chunk then belongs to it
        self._pending_cr = chunk.endswith(b"\r")
        buffer = self._buffer + chunk if self._buffer else chunk
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buffer.split(b"\n")
        self._buffer = lines.pop()
        limit = self.max_frame_bytes
        if len(self._buffer) > limit:
            self._buffer = b""
            self._start_skipping()
        frames: list[Frame] = []
        # the hot loop keeps its state in locals and writes it back once
        event, data, size, skipping = self._event, self._data, self._size, self._skipping
        for line in lines:
            if not line:  # end of frame
                if not skipping and (data is not None or event is not None):
                    frames.append(
                        (
                            event or "message",
                            b"\n".join(data).decode("utf-8", "replace") if data else "",
                        )
                    )
                event, data, size, skipping = None, None, 0, False
                continue
            if line[0] == 58:  # b":" comment (keep-alive)
                self.comments += 1
                continue
            if skipping:
                continue
            field, sep, value = line.partition(b":")
            if sep and value[:1] == b" ":
                value = value[1:]
            if field == b"data":
                size += len(value) + 1
                if size > limit:
                    if not skipping:
                        self.oversized += 1
                    skipping, event, data = True, None, None
                    continue
                if data is None:
                    data = [value]
                else:
                    data.append(value)
            elif field == b"event":
                event = value.decode("utf-8", "replace")
            # `id` and `retry` carry nothing for Particle streams; unknown fields are ignored
        self._event, self._data, self._size, self._skipping = event, data, size, skipping
        return frames

    def _start_skipping(self) -> None:
        if not self._skipping:
            self.oversized += 1
        self._skipping = True
        self._data = None
        self._event = None


class StreamBudget:
    """Particle's per-IP stream limits, shared by every stream of one client.

    Opens are spaced so that no more than `OPEN_LIMIT` happen in any `OPEN_WINDOW` seconds;
    more than `CONCURRENT_LIMIT` streams open at once is refused.
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
        self._lock = anyio.Lock()

    def wait_time(self, now: float) -> float:
        while self._opens and now - self._opens[0] >= self.window:
            self._opens.popleft()
        if len(self._opens) < self.open_limit:
            return 0.0
        return self._opens[0] + self.window - now

    async def acquire_open(self) -> None:
        """Wait until one more stream may be opened, then count it."""
        async with self._lock:
            while True:
                delay = self.wait_time(time.monotonic())
                if delay <= 0:
                    break
                logger.warning("event stream open budget used up; waiting %.1fs", delay)
                await _retry.sleep(delay)
            self._opens.append(time.monotonic())


Callback = Callable[[Any], "Awaitable[None] | None"]


class EventStream:
    """An async iterator of `Event`s over one Particle event stream, reconnecting as needed.

    Use it as `async with client.events.stream(...) as events: async for event in events:`;
    iterating without `async with` works too (call `aclose()` when done). Leaving the block,
    breaking out, cancelling the consumer or closing the client closes the connection.

    Backpressure: inside `async with`, a reader task keeps at most `buffer` events ahead of the
    consumer and then stops reading the socket, so a slow consumer slows the stream (TCP
    backpressure) instead of growing memory; iterated bare, the stream reads only when asked.
    A frame is at most `max_frame_bytes`. Particle cannot replay events, so events the server
    sends while the consumer lags are not lost: they wait in the socket buffers.
    """

    def __init__(
        self,
        client: ParticleClient,
        path: str,
        *,
        reconnect: bool = True,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        dedupe: int = 0,
        on_reconnect: Callable[[Reconnect], Awaitable[None] | None] | None = None,
        on_malformed: Callable[[MalformedFrame], Awaitable[None] | None] | None = None,
        buffer: int = DEFAULT_BUFFER,
    ) -> None:
        self._client = client
        self.path = path
        self.reconnect = reconnect
        self.idle_timeout = idle_timeout
        self._parser = SSEParser(max_frame_bytes)
        self._on_reconnect = on_reconnect
        self._on_malformed = on_malformed
        self._seen: OrderedDict[tuple[str, str], None] | None = (
            OrderedDict() if dedupe > 0 else None
        )
        self._dedupe = dedupe
        self._response: httpx.Response | None = None
        self._chunks: Any = None
        self._pending: deque[Frame] = deque()
        self._closed = False
        self._read_scope: anyio.CancelScope | None = None
        self._pump_scope: anyio.CancelScope | None = None
        self._task_group: TaskGroup | None = None
        self._receive: MemoryObjectReceiveStream[Event] | None = None
        self._failure: Exception | None = None
        self._buffer = buffer
        self._without_yield = 0
        self._holding_slot = False
        self._connected_at = 0.0
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
        send, receive = anyio.create_memory_object_stream[Event](self._buffer)
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group, self._receive = task_group, receive
        await task_group.start(self._pump, send)
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
                await _exit_task_group(task_group, exc_type, exc, tb)
        finally:
            if self._receive is not None:
                self._receive.close()
            await self._close_response()
            self._client._shared.streams.discard(self)

    async def aclose(self) -> None:
        """Close the stream and its connection; no reconnect follows. Idempotent."""
        self._closed = True
        self._stop_reading()
        await self._close_response()
        self._client._shared.streams.discard(self)

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
            self._client._shared.stream_budget.open_streams -= 1
        with anyio.CancelScope(shield=True):
            if chunks is not None:
                await chunks.aclose()
            if response is not None:
                await response.aclose()

    async def _pump(
        self,
        send: MemoryObjectSendStream[Event],
        *,
        task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """The background reader of `async with` mode: never raises, forwards failures."""
        with send, anyio.CancelScope() as scope:
            self._pump_scope = scope
            task_status.started()
            try:
                while True:
                    item = self._next_pending() if self._pending else await self._pull()
                    if type(item) is not Event:
                        if item is not None:
                            await self._report(item)  # type: ignore[arg-type]
                        continue
                    try:
                        send.send_nowait(item)
                    except anyio.WouldBlock:
                        await send.send(item)
            except StopAsyncIteration:
                pass
            except Exception as exc:  # handed to the consumer, raised by __anext__
                self._failure = exc
            finally:
                self._pump_scope = None
                await self._close_response()

    # ------------------------------------------------------------------ iteration

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        if self._receive is not None:
            try:
                event = await _receive(self._receive, self)
            except (anyio.EndOfStream, anyio.ClosedResourceError):
                failure, self._failure = self._failure, None
                if failure is not None:
                    raise failure from None
                raise StopAsyncIteration from None
        else:
            event = await self._pull()
        self.events_received += 1
        return event

    async def _pull(self) -> Event:
        """The next event, read from the connection by the calling task."""
        while True:
            if self._pending:
                item = self._next_pending()
                if type(item) is Event:
                    return item
                if item is not None:
                    await self._report(item)  # type: ignore[arg-type]
                continue
            if self._closed or self._client.is_closed:
                await self._close_response()
                raise StopAsyncIteration
            if self._response is None:
                await self._connect(initial=False)
                continue
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
            except (httpx.TransportError, SSEError) as exc:
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
        # frames become Events only when consumed: fewer live objects, less GC work
        self._pending.extend(frames)

    def _next_pending(self) -> Event | MalformedFrame | None:
        """The next buffered frame as an Event, a MalformedFrame to report, or None when the
        buffer is empty (synchronous: no coroutine per event on the hot path)."""
        pending = self._pending
        seen = self._seen
        while pending:
            frame = pending.popleft()
            name, data = frame
            if seen is not None:
                if frame in seen:
                    self.duplicates_skipped += 1
                    continue
                seen[frame] = None
                if len(seen) > self._dedupe:
                    seen.popitem(last=False)
            try:
                return event_from_frame(name, data)
            except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
                self.malformed_frames += 1
                return MalformedFrame(name, data, str(exc)[:200])
        return None

    async def _report(self, frame: MalformedFrame) -> None:
        logger.warning("skipping malformed event frame on %s: %s", self.path, frame.reason)
        if self._on_malformed is not None:
            result = self._on_malformed(frame)
            if result is not None:
                await result

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
        client = self._client
        shared = client._shared
        budget = shared.stream_budget
        retry_after: float | None = None
        while True:
            if self._failures:
                await self._backoff(retry_after)
            if self._closed or client.is_closed:
                raise (
                    StopAsyncIteration
                    if not initial
                    else ClientClosedError("this ParticleClient has been closed")
                )
            if client._auth is None:
                raise MissingAccessTokenError(
                    "no access token: pass ParticleClient(access_token=...) or set "
                    "PARTICLE_ACCESS_TOKEN"
                )
            if budget.open_streams >= budget.concurrent_limit:
                raise StreamError(
                    f"{budget.concurrent_limit} event streams are already open on this client "
                    "(Particle's per-IP limit): share one stream with a broad prefix instead"
                )
            await budget.acquire_open()
            failure: Exception
            retry_after = None
            try:
                response = await self._open()
            except TimeoutError:
                failure = APIConnectionError(
                    f"event stream did not answer in time [GET {self.path}]",
                    method="GET",
                    path=self.path,
                )
            except httpx.TransportError as exc:
                failure = APIConnectionError(
                    scrub(
                        f"could not open event stream: {type(exc).__name__}: {exc} "
                        f"[GET {self.path}]",
                        client._secrets(),
                    ),
                    method="GET",
                    path=self.path,
                )
                failure.__cause__ = exc
            else:
                kind = response.headers.get("content-type", "").partition(";")[0].strip()
                if response.status_code == 200 and kind == "text/event-stream":
                    await self._opened(response)
                    return
                await response.aread()
                await response.aclose()
                if response.status_code == 200:
                    raise StreamError(
                        f"expected an event stream from GET {self.path}, got content-type {kind!r}"
                    )
                retry_after = _retry.parse_retry_after(response.headers.get("retry-after"))
                failure = make_status_error(
                    response,
                    method="GET",
                    path=self.path,
                    retry_after=retry_after,
                    secrets=client._secrets(),
                )
                if isinstance(failure, APIStatusError) and (
                    failure.status_code in _END_STATUSES or failure.status_code < 400
                ):
                    self._closed = True
                    raise failure
            if not self.reconnect:
                self._closed = True
                raise failure
            self._failures += 1
            logger.info("event stream %s could not open: %s", self.path, failure)

    async def _backoff(self, retry_after: float | None) -> None:
        delay = backoff_delay(self._failures)
        if retry_after is not None:
            delay = max(delay, retry_after)
        logger.info("event stream %s: reconnecting in %.1fs", self.path, delay)
        with anyio.CancelScope() as scope:  # aclose() from another task ends the wait
            self._read_scope = scope
            try:
                await _retry.sleep(delay)
            finally:
                self._read_scope = None

    async def _open(self) -> httpx.Response:
        client = self._client
        http = client._shared.http
        timeout = httpx.Timeout(self.idle_timeout, connect=client._connect_timeout)
        headers = {
            **client._headers,
            "Accept": "text/event-stream",
            "Accept-Encoding": "identity",
            "Cache-Control": "no-cache",
        }
        request = http.build_request(
            "GET", client._base_url + self.path, headers=headers, timeout=timeout
        )
        with anyio.fail_after(client._connect_timeout + self.idle_timeout):
            return await http.send(request, auth=client._auth, stream=True, follow_redirects=False)

    async def _opened(self, response: httpx.Response) -> None:
        shared = self._client._shared
        self._response = response
        self._chunks = response.aiter_raw()
        self._holding_slot = True
        shared.stream_budget.open_streams += 1
        shared.streams.add(self)
        self._parser.reset()
        now = time.monotonic()
        self._connected_at = self.last_activity = now
        if self._dropped_at is not None:
            self.reconnects += 1
            info = Reconnect(self.reconnects, self._drop_reason, now - self._dropped_at)
            self._dropped_at = None
            logger.info("event stream %s reconnected (#%d)", self.path, self.reconnects)
            if self._on_reconnect is not None:
                result = self._on_reconnect(info)
                if result is not None:
                    await result


#: A consumer served from a full buffer still yields to the event loop this often.
_YIELD_EVERY = 64

_validate_event_json = Event.__pydantic_validator__.validate_json
_json_name = lru_cache(maxsize=1024)(json.dumps)


def event_from_frame(name: str, data: str) -> Event:
    """The `Event` of one frame; raises `ValueError` or `TypeError` for a bad payload.

    The fast path validates the frame's JSON text directly, with the name spliced in (a later
    duplicate key wins, so the `event:` line's name prevails); anything unusual takes the
    slow path, which also produces the precise error.
    """
    text = data.rstrip()
    if text[:1] == "{" and text[-1:] == "}":
        separator = "," if text[1:-1].strip() else ""
        try:
            event: Event = _validate_event_json(
                f'{text[:-1]}{separator}"name":{_json_name(name)}}}'
            )
        except ValueError:
            pass
        else:
            event.__dict__["raw"] = data
            return event
    payload = json.loads(data)
    if not isinstance(payload, dict):
        raise TypeError("payload is not a JSON object")
    payload["name"] = name
    payload["raw"] = data
    return Event.model_validate(payload)


class _Yielding(Protocol):
    _without_yield: int


async def _receive(receive: MemoryObjectReceiveStream[Event], owner: _Yielding) -> Event:
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


async def _exit_task_group(
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


class Subscription:
    """One consumer of an `EventHub`: an async iterator of the events its filter accepts."""

    def __init__(
        self,
        hub: EventHub,
        accepts: Callable[[Event], bool],
        buffer: int,
        overflow: Literal["wait", "drop_oldest"],
    ) -> None:
        self._hub = hub
        self._accepts = accepts
        self._overflow = overflow
        self._send, self._receive = anyio.create_memory_object_stream[Event](buffer)
        self._failure: Exception | None = None
        self._without_yield = 0
        #: events dropped because this subscriber lagged (with `overflow="drop_oldest"`)
        self.dropped = 0
        #: events delivered to this subscriber
        self.events_received = 0

    async def _offer(self, event: Event) -> None:
        if not self._accepts(event):
            return
        try:
            if self._overflow == "wait":
                try:
                    self._send.send_nowait(event)
                except anyio.WouldBlock:
                    await self._send.send(event)
                return
            try:
                self._send.send_nowait(event)
            except anyio.WouldBlock:
                with contextlib.suppress(anyio.WouldBlock):
                    self._receive.receive_nowait()
                self.dropped += 1
                self._send.send_nowait(event)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            self._hub._subscriptions.discard(self)

    def _end(self, failure: Exception | None) -> None:
        self._failure = failure
        self._send.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop receiving; the hub forgets this subscriber."""
        self._hub._subscriptions.discard(self)
        self._receive.close()
        self._send.close()

    def __del__(self) -> None:
        # buffered events die with the subscriber; close quietly
        self._receive.close()
        self._send.close()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        try:
            event = await _receive(self._receive, self)
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            self._receive.close()
            if self._failure is not None:
                raise self._failure from None
            raise StopAsyncIteration from None
        self.events_received += 1
        return event


class EventHub:
    """One upstream event stream shared by several local subscribers, each with its filter.

    Particle caps concurrent streams per IP, so a process with many consumers opens one broad
    stream and filters locally:

    ```python
    async with client.events.hub(device="mine") as hub:
        async with hub.subscribe(prefix="temp") as temps, hub.subscribe(device=dev) as one:
            ...
    ```

    Every subscriber has a bounded buffer. With `overflow="wait"` (the default) a full buffer
    makes the hub wait, so nothing the server delivered is lost and a slow subscriber slows
    the stream; with `overflow="drop_oldest"` a lagging subscriber loses its oldest events
    (counted in `dropped`) and never holds the others back.
    """

    def __init__(self, stream: EventStream, *, buffer: int = DEFAULT_BUFFER) -> None:
        self.stream = stream
        self._buffer = buffer
        self._subscriptions: set[Subscription] = set()
        self._task_group: TaskGroup | None = None
        self._dispatch_scope: anyio.CancelScope | None = None
        self._done = False
        self._failure: Exception | None = None

    def subscribe(
        self,
        *,
        prefix: str | None = None,
        device: str | None = None,
        where: Callable[[Event], bool] | None = None,
        buffer: int | None = None,
        overflow: Literal["wait", "drop_oldest"] = "wait",
    ) -> Subscription:
        """A new subscriber receiving events whose name starts with `prefix`, from `device`
        (an id), and for which `where(event)` is true (each filter optional)."""
        if overflow not in ("wait", "drop_oldest"):
            raise InvalidArgumentError("overflow must be 'wait' or 'drop_oldest'")
        size = self._buffer if buffer is None else buffer
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise InvalidArgumentError("buffer must be an int >= 1")

        def accepts(event: Event) -> bool:
            return (
                (prefix is None or event.name.startswith(prefix))
                and (device is None or event.device_id == device)
                and (where is None or where(event))
            )

        subscription = Subscription(self, accepts, size, overflow)
        if self._done:
            subscription._end(self._failure)
        else:
            self._subscriptions.add(subscription)
        return subscription

    async def __aenter__(self) -> Self:
        await self.stream.__aenter__()
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group = task_group
        await task_group.start(self._dispatch)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._dispatch_scope is not None:
            self._dispatch_scope.cancel()
        task_group, self._task_group = self._task_group, None
        try:
            if task_group is not None:
                await _exit_task_group(task_group, exc_type, exc, tb)
        finally:
            await self.stream.__aexit__(None, None, None)
            self._finish(None)

    def _finish(self, failure: Exception | None) -> None:
        self._done = True
        self._failure = failure
        for subscription in tuple(self._subscriptions):
            subscription._end(failure)
        self._subscriptions.clear()

    async def _dispatch(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        with anyio.CancelScope() as scope:
            self._dispatch_scope = scope
            task_status.started()
            failure: Exception | None = None
            try:
                async for event in self.stream:
                    for subscription in tuple(self._subscriptions):
                        await subscription._offer(event)
            except Exception as exc:  # handed to every subscriber
                failure = exc
            finally:
                self._dispatch_scope = None
                self._finish(failure)


def backoff_delay(failures: int) -> float:
    """Wait before reconnecting after `failures` consecutive failures (>= 1): 1 s doubling to
    30 s, with jitter so that many clients do not reconnect in step."""
    base = min(RECONNECT_BASE * 2.0 ** (failures - 1), RECONNECT_CAP)
    return base * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography
