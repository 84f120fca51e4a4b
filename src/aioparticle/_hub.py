"""`EventHub`: one upstream event stream fanned out to local subscribers, each filtered."""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Literal

import anyio
from anyio.abc import TaskGroup, TaskStatus

from ._callbacks import checked_callback
from ._exceptions import InvalidArgumentError
from ._stream import DEFAULT_BUFFER, EventStream, exit_task_group, receive_ready
from .models.events import Event

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["EventHub", "Subscription"]

logger = logging.getLogger("aioparticle.events")


class Subscription:
    """One consumer of an `EventHub`: an async iterator of the events its filter accepts."""

    def __init__(
        self,
        hub: EventHub,
        accepts: Callable[[Event], bool | Awaitable[bool]],
        buffer: int,
        overflow: Literal["wait", "drop_oldest"],
        *,
        label: str = "",
    ) -> None:
        self._hub = hub
        self._accepts = accepts
        self._overflow = overflow
        self._label = label
        self._closed = False
        self._ended = False
        self._send, self._receive = anyio.create_memory_object_stream[Event](buffer)
        self._failure: Exception | None = None
        self._without_yield = 0
        #: events dropped because this subscriber lagged (with `overflow="drop_oldest"`)
        self.dropped = 0
        #: events delivered to this subscriber
        self.events_received = 0

    async def _offer(self, event: Event) -> None:
        try:
            accepted = self._accepts(event)
            if accepted is not True and accepted is not False and inspect.isawaitable(accepted):
                accepted = await accepted  # an async `where`
        except Exception:
            logger.exception(
                "a subscription filter of event stream %s raised; the event is not delivered "
                "to that subscriber, the stream goes on",
                self._hub.stream.path,
            )
            return
        if not accepted:
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
        self._ended = True
        self._send.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("ended" if self._ended else "open")
        label = f" {self._label}" if self._label else ""
        return (
            f"<Subscription{label} {state} received={self.events_received} "
            f"dropped={self.dropped} on {self._hub.stream.path}>"
        )

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
        self._closed = True
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
            event = await receive_ready(self._receive, self)
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

    def __repr__(self) -> str:
        state = "ended" if self._done else ("open" if self._task_group is not None else "idle")
        return (
            f"<EventHub {self.stream.path} {state} subscribers={len(self._subscriptions)} "
            f"events={self.stream.events_received}>"
        )

    def subscribe(
        self,
        *,
        prefix: str | None = None,
        device: str | None = None,
        where: Callable[[Event], bool | Awaitable[bool]] | None = None,
        buffer: int | None = None,
        overflow: Literal["wait", "drop_oldest"] = "wait",
    ) -> Subscription:
        """A new subscriber receiving events whose name starts with `prefix`, from `device`
        (an id), and for which `where(event)` is true (each filter optional).

        `where` takes the `Event` and returns a bool; it may be a plain function or a
        coroutine function. One that raises skips that event for this subscriber only (the
        exception is logged on the `aioparticle.events` logger)."""
        if overflow not in ("wait", "drop_oldest"):
            raise InvalidArgumentError("overflow must be 'wait' or 'drop_oldest'")
        size = self._buffer if buffer is None else buffer
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise InvalidArgumentError("buffer must be an int >= 1")
        if prefix is not None and not isinstance(prefix, str):
            raise InvalidArgumentError(f"prefix must be a str, got {type(prefix).__name__}")
        if device is not None and not isinstance(device, str):
            raise InvalidArgumentError(f"device must be a str, got {type(device).__name__}")
        test = (
            None
            if where is None
            else checked_callback(where, "where", args=1, takes="an Event (returning a bool)")
        )

        def accepts(event: Event) -> bool | Awaitable[bool]:
            if prefix is not None and not event.name.startswith(prefix):
                return False
            if device is not None and event.device_id != device:
                return False
            return True if test is None else test(event)

        label = " ".join(
            f"{name}={value!r}"
            for name, value in (("prefix", prefix), ("device", device))
            if value is not None
        )
        if where is not None:
            label = f"{label} where={getattr(where, '__qualname__', type(where).__name__)}"
        subscription = Subscription(self, accepts, size, overflow, label=label.strip())
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
                await exit_task_group(task_group, exc_type, exc, tb)
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
