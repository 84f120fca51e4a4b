"""Fleet operations: one operation run over many devices, with bounded concurrency, each
device's outcome yielded as it completes (`client.fleet`)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, Union, cast

import anyio
from anyio.abc import TaskGroup, TaskStatus
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ._callbacks import checked_callback
from ._exceptions import (
    AuthenticationError,
    ClientClosedError,
    DeviceNotFoundError,
    DeviceOfflineError,
    DeviceTimeoutError,
    EventLoopError,
    InvalidArgumentError,
    MissingAccessTokenError,
    NotFoundError,
    ParticleError,
    UnknownFunctionError,
    UnknownVariableError,
)
from ._pagination import AsyncPaginator, Page
from ._paths import DEVICE_RESERVED, segment
from ._stream import exit_task_group
from .models.devices import Device

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "DEFAULT_CONCURRENCY",
    "MAX_CONCURRENCY",
    "FleetDevices",
    "FleetProgress",
    "FleetReport",
    "FleetResult",
    "FleetRun",
    "FleetStatus",
    "classify",
]

T = TypeVar("T")

#: Operations in flight at once unless `concurrency=` says (never more than the client's
#: `max_concurrency`, which bounds its requests anyway).
DEFAULT_CONCURRENCY = 50
#: The largest `concurrency=` and `buffer=` accepted.
MAX_CONCURRENCY = 10_000

#: What became of one device: its value, or why there is none.
FleetStatus = Literal["ok", "offline", "not_found", "error"]

#: The devices of a run: ids (or names) and `Device` objects, from any iterable or async
#: iterable (a list, a generator, `client.devices.list(product=...)`).
FleetDevices = Union[Iterable[Union[str, Device]], AsyncIterable[Union[str, Device]]]  # noqa: UP007

#: Errors about the client or the token, not about a device: they end a run.
_FATAL: tuple[type[ParticleError], ...] = (
    ClientClosedError,
    EventLoopError,
    MissingAccessTokenError,
    AuthenticationError,
    InvalidArgumentError,
)


def classify(error: Exception) -> FleetStatus | None:
    """The status a failed operation gives its device, or `None` for an error that ends the
    whole run (one about the client or the token rather than the device).

    `DeviceOfflineError` (404 "timed out") and `DeviceTimeoutError` (408, the cloud timed out
    waiting for the device) are `"offline"`; `DeviceNotFoundError` (403 "I didn't recognize
    that device") and any other `NotFoundError` about the device are `"not_found"`;
    `UnknownVariableError`, `UnknownFunctionError` and every other error are `"error"`.
    `ClientClosedError`, `EventLoopError`, `MissingAccessTokenError`, `AuthenticationError`
    and `InvalidArgumentError` give `None`.
    """
    if isinstance(error, _FATAL):
        return None
    if isinstance(error, (DeviceOfflineError, DeviceTimeoutError)):
        return "offline"
    if isinstance(error, (UnknownVariableError, UnknownFunctionError)):
        return "error"
    if isinstance(error, (DeviceNotFoundError, NotFoundError)):
        return "not_found"
    return "error"


@dataclass(frozen=True)
class FleetResult(Generic[T]):
    """The outcome of the operation on one device.

    `status` is `"ok"` (then `value` is what the operation returned and `error` is `None`),
    `"offline"`, `"not_found"` or `"error"` (then `error` is the exception, `value` `None`).
    `device` is the `Device` the devices came as (a product listing gives them), else `None`.
    """

    device_id: str
    """The id of the device the operation ran on."""
    status: FleetStatus
    """`"ok"`, `"offline"`, `"not_found"` or `"error"`."""
    value: T | None = None
    """What the operation returned, when `status` is `"ok"`; `None` otherwise."""
    error: Exception | None = None
    """The exception the operation raised, when `status` is not `"ok"`; `None` otherwise."""
    device: Device | None = field(default=None, repr=False)
    """The device as a `Device`, when the run was given `Device` objects (as a product listing
    gives them); `None` otherwise."""

    @property
    def ok(self) -> bool:
        """Whether the operation succeeded on this device."""
        return self.status == "ok"

    def unwrap(self) -> T:
        """The value of a successful result; raises the error of any other."""
        if self.error is not None:
            raise self.error
        return cast("T", self.value)


@dataclass(frozen=True)
class FleetProgress:
    """How far a run has got: results delivered so far, by status.

    `total` is the number of devices when known: from the start for a list (or any sized
    collection), from the first page's metadata for a product listing, and once the devices
    run out for anything else (`None` until then).
    """

    done: int = 0
    """How many results were delivered so far."""
    total: int | None = None
    """How many devices the run covers, when known; `None` until then."""
    ok: int = 0
    """How many results so far succeeded."""
    offline: int = 0
    """How many results so far found the device offline."""
    not_found: int = 0
    """How many results so far found no such device."""
    failed: int = 0
    """How many results so far failed in another way."""


#: Called with the progress (or with nothing) after each result is delivered (sync or async);
#: what it raises ends the run and propagates from the `async for`.
FleetProgressCallback = Union[Callable[[FleetProgress], object], Callable[[], object]]  # noqa: UP007


@dataclass(frozen=True)
class FleetReport(Generic[T]):
    """Every result of a finished run (in the order they completed) and the final counts."""

    results: list[FleetResult[T]]
    """Every result, in the order they completed."""
    progress: FleetProgress
    """The final counts."""

    @property
    def values(self) -> dict[str, T]:
        """The value of each device the operation succeeded on, by device id."""
        return {r.device_id: cast("T", r.value) for r in self.results if r.status == "ok"}

    def by_status(self, status: FleetStatus) -> list[FleetResult[T]]:
        """The results of one status."""
        return [r for r in self.results if r.status == status]

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[FleetResult[T]]:
        return iter(self.results)

    def __repr__(self) -> str:
        p = self.progress
        return (
            f"<FleetReport {len(self.results)} results: ok={p.ok} offline={p.offline} "
            f"not_found={p.not_found} failed={p.failed}>"
        )


_COUNTERS: dict[FleetStatus, str] = {
    "ok": "ok",
    "offline": "offline",
    "not_found": "not_found",
    "error": "failed",
}


def _device_item(item: object) -> tuple[str, Device | None]:
    """The id (checked as a path segment, before any I/O) and the `Device`, of one item."""
    if isinstance(item, Device):
        return segment_id(item.id), item
    if not isinstance(item, str):
        raise InvalidArgumentError(
            f"devices must hold device ids (str) or Device objects, got {type(item).__name__}"
        )
    return segment_id(item), None


def segment_id(device_id: str) -> str:
    segment(device_id, "device id", reserved=DEVICE_RESERVED)
    return device_id


def check_devices(devices: object) -> tuple[FleetDevices, list[tuple[str, Device | None]] | None]:
    """Check `devices=` before any I/O: a sized collection is checked item by item now (and its
    duplicates dropped); anything else lazily, as each item is reached."""
    if isinstance(devices, (str, bytes)):
        raise InvalidArgumentError("devices must be an iterable of device ids, not a single str")
    if isinstance(devices, AsyncIterable):  # a paginator too
        return cast("FleetDevices", devices), None
    if not isinstance(devices, Iterable):
        raise InvalidArgumentError(
            f"devices must be an iterable or async iterable of device ids or Device objects, "
            f"got {type(devices).__name__}"
        )
    if isinstance(devices, Iterator) or not hasattr(devices, "__len__"):
        return devices, None  # a generator: read lazily
    items: list[tuple[str, Device | None]] = []
    seen: set[str] = set()
    for item in devices:
        device_id, device = _device_item(item)
        if device_id not in seen:
            seen.add(device_id)
            items.append((device_id, device))
    return devices, items


def check_count(value: object, what: str, *, minimum: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not minimum <= value <= MAX_CONCURRENCY
    ):
        raise InvalidArgumentError(
            f"{what} must be an int from {minimum} to {MAX_CONCURRENCY}, got {value!r}"
        )
    return value


class FleetRun(Generic[T]):
    """One operation run over many devices; made by `client.fleet.run()` and its shorthands.

    ```python
    async with client.fleet.run(read_temp, product="my-fleet", concurrency=20) as results:
        async for result in results:          # FleetResult, in the order they complete
            ...
    report = await client.fleet.get_variable("temp", devices=ids).collect()
    ```

    Inside `async with`, at most `concurrency` operations are in flight and at most `buffer`
    finished results wait for the consumer; past that no new operation starts until the
    consumer takes one (a slow consumer slows the run, memory stays bounded). Devices are
    taken from their source only as slots free up, so a product listing is walked page by
    page as the run goes. A device listed twice runs once.

    Each device's failure becomes its result (see `classify`); it never stops the others.
    What ends the run, raised from the `async for` after the results completed before it:
    an error about the client or the token (`ClientClosedError` when the client is closed,
    `AuthenticationError`, ...), an exception that is not a `ParticleError` (nor one of the
    `catch` types) from the operation (the operations in flight are cancelled: it is most
    likely a bug that every device would hit), a failure of the device source (a product
    listing that fails; the operations in flight finish first), and whatever `on_progress`
    raises. Leaving the block (a `break`, an exception, a cancellation) cancels the work
    still in flight and returns promptly; cancellation is never turned into a result.
    """

    def __init__(
        self,
        operation: Callable[[str], Awaitable[T]],
        devices: FleetDevices,
        *,
        checked: list[tuple[str, Device | None]] | None,
        concurrency: int,
        buffer: int,
        on_progress: FleetProgressCallback | None,
        catch: tuple[type[Exception], ...],
        client_closed: Callable[[], bool] = lambda: False,
    ) -> None:
        self._operation = operation
        self._client_closed = client_closed
        self._devices = devices
        self._checked = checked
        self._concurrency = concurrency
        self._buffer = buffer
        self._on_progress = (
            None
            if on_progress is None
            else checked_callback(
                on_progress, "on_progress", args=1, takes="a FleetProgress", may_omit=True
            )
        )
        self._catch = catch
        self._counts: dict[str, int] = dict.fromkeys(_COUNTERS.values(), 0)
        self._done = 0
        self._total: int | None = None if checked is None else len(checked)
        self._task_group: TaskGroup | None = None
        self._send: MemoryObjectSendStream[FleetResult[T]] | None = None
        self._receive: MemoryObjectReceiveStream[FleetResult[T]] | None = None
        self._workers: anyio.CancelScope | None = None
        self._failure: BaseException | None = None
        self._entered = False
        #: operations in flight right now
        self.in_flight = 0

    def __repr__(self) -> str:
        progress = self.progress
        total = "?" if progress.total is None else progress.total
        return f"<FleetRun {progress.done}/{total} done, {self.in_flight} in flight>"

    @property
    def progress(self) -> FleetProgress:
        """The counts of the results delivered so far."""
        counts = self._counts
        return FleetProgress(
            done=self._done,
            total=self._total,
            ok=counts["ok"],
            offline=counts["offline"],
            not_found=counts["not_found"],
            failed=counts["failed"],
        )

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        """Start the run: operations begin in the background, results queue for `async for`."""
        if self._entered:
            raise RuntimeError("a FleetRun runs once: call client.fleet.run() again")
        self._entered = True
        send, receive = anyio.create_memory_object_stream[FleetResult[T]](self._buffer)
        self._send, self._receive = send, receive
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group = task_group
        try:
            await task_group.start(self._feed)
        except BaseException:
            self._task_group = None
            task_group.cancel_scope.cancel()
            await exit_task_group(task_group, None, None, None)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        task_group, self._task_group = self._task_group, None
        try:
            if task_group is not None:
                task_group.cancel_scope.cancel()  # whatever is still running: not wanted
                await exit_task_group(task_group, exc_type, exc, tb)
        finally:
            if self._receive is not None:
                self._receive.close()

    async def collect(self) -> FleetReport[T]:
        """Run to the end and return every result with the final counts (inside `async with`,
        the results not consumed yet)."""
        results: list[FleetResult[T]] = []
        if self._task_group is not None:  # already inside `async with`: take what is left
            async for result in self:
                results.append(result)
            return FleetReport(results, self.progress)
        async with self:
            async for result in self:
                results.append(result)
        return FleetReport(results, self.progress)

    # ------------------------------------------------------------------ iteration

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> FleetResult[T]:
        receive = self._receive
        if receive is None:
            raise RuntimeError(
                "iterate a FleetRun inside `async with client.fleet.run(...) as results:` "
                "(or call `await ....collect()`)"
            )
        try:
            result: FleetResult[T] | None = await receive.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            result = None
        if result is None:
            failure, self._failure = self._failure, None
            if failure is not None:
                raise failure  # as raised, its cause and context untouched
            raise StopAsyncIteration
        self._done += 1
        self._counts[_COUNTERS[result.status]] += 1
        if self._on_progress is not None:
            outcome = self._on_progress(self.progress)
            if inspect.isawaitable(outcome):
                await outcome
        return result

    # ------------------------------------------------------------------ the work

    async def _feed(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Take devices from the source as slots free up and start one worker each; close
        the results when the last worker is done. Never raises: a failure is kept for the
        consumer."""
        send = self._send
        assert send is not None
        slots = anyio.Semaphore(self._concurrency)
        with send:
            async with anyio.create_task_group() as workers:
                self._workers = workers.cancel_scope
                task_status.started()
                try:
                    await self._start_workers(workers, slots)
                except Exception as exc:  # the source failed: the workers in flight finish
                    self._fail(exc, cancel=False)
            self._workers = None

    async def _start_workers(self, workers: TaskGroup, slots: anyio.Semaphore) -> None:
        source = _Source(self)
        fed = 0
        try:
            while True:
                await slots.acquire()
                try:
                    item = await source.next()
                except BaseException:
                    slots.release()
                    raise
                if item is None:
                    slots.release()
                    self._total = fed  # the source ran out: now the total is known
                    return
                if self._client_closed():
                    slots.release()
                    raise ClientClosedError("the ParticleClient was closed during a fleet run")
                fed += 1
                workers.start_soon(self._work, item[0], item[1], slots)
        finally:
            await source.aclose()

    async def _work(self, device_id: str, device: Device | None, slots: anyio.Semaphore) -> None:
        """Run the operation on one device and hand its result over; keeps its slot until the
        consumer has room for the result (backpressure). Never raises."""
        send = self._send
        assert send is not None
        try:
            self.in_flight += 1
            result: FleetResult[T]
            try:
                outcome = self._operation(device_id)
                if not inspect.isawaitable(outcome):  # ends the run, as a bad argument does
                    raise InvalidArgumentError(
                        "operation must return an awaitable (be an async function, or return "
                        f"a call such as client.devices.ping(device_id)), got "
                        f"{type(outcome).__name__}"
                    )
                value = await outcome
            except Exception as exc:
                error = exc
                status: FleetStatus | None = None
                if self._client_closed():
                    # whatever a call cut short by the closing raised, the run ends here
                    error = ClientClosedError("the ParticleClient was closed during a fleet run")
                elif isinstance(exc, ParticleError):
                    status = classify(exc)
                elif isinstance(exc, self._catch):
                    status = "error"
                if status is None:
                    self._fail(error, cancel=True)
                    return
                result = FleetResult(device_id, status, None, error, device)
            else:
                result = FleetResult(device_id, "ok", value, None, device)
            finally:
                self.in_flight -= 1
            try:
                send.send_nowait(result)
            except anyio.WouldBlock:
                await send.send(result)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass  # the consumer has gone
        finally:
            slots.release()

    def _fail(self, exc: BaseException, *, cancel: bool) -> None:
        """Keep the first failure that ends the run for the consumer; stop starting work."""
        if self._failure is None:
            self._failure = exc
        if cancel and self._workers is not None:
            self._workers.cancel()


_END = object()
#: Longest wait for a device source (an async generator) to close after the run stopped.
_CLOSE_TIMEOUT = 5.0


class _Source:
    """The devices of a run, checked as they are reached, each id once."""

    def __init__(self, run: FleetRun[Any]) -> None:
        self._run = run
        self._seen: set[str] = set()
        self._checked = None if run._checked is None else iter(run._checked)
        devices = run._devices
        self._pages: AsyncIterator[Page[Device]] | None = None
        self._page_items: Iterator[Device] = iter(())
        self._async: AsyncIterator[str | Device] | None = None
        self._sync: Iterator[str | Device] | None = None
        if self._checked is not None:
            pass
        elif isinstance(devices, AsyncPaginator):
            self._pages = devices.pages()
        elif isinstance(devices, AsyncIterable):
            self._async = aiter(devices)
        else:
            self._sync = iter(devices)

    async def next(self) -> tuple[str, Device | None] | None:
        """The next device not seen yet, or `None` when there are no more."""
        if self._checked is not None:
            return next(self._checked, None)
        while True:
            item = await self._next_item()
            if item is _END:
                return None
            device_id, device = _device_item(item)
            if device_id not in self._seen:
                self._seen.add(device_id)
                return device_id, device

    async def _next_item(self) -> object:
        if self._pages is not None:
            while True:
                for device in self._page_items:
                    return device
                try:
                    page = await self._pages.__anext__()
                except StopAsyncIteration:
                    return _END
                meta = page.meta
                if self._run._total is None and meta is not None and meta.total is not None:
                    self._run._total = meta.total
                self._page_items = iter(page.items)
        if self._async is not None:
            try:
                return await self._async.__anext__()
            except StopAsyncIteration:
                return _END
        assert self._sync is not None
        return next(self._sync, _END)

    async def aclose(self) -> None:
        """Close a generator the devices came from (its `finally` runs now, not when the
        garbage collector finds it)."""
        closer = getattr(self._async, "aclose", None)
        if closer is not None:
            with anyio.move_on_after(_CLOSE_TIMEOUT, shield=True):
                await closer()
        close = getattr(self._sync, "close", None)
        if close is not None:
            close()
