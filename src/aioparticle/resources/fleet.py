"""Fleet operations: one operation run over many devices, bounded, results as they complete."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from .._callbacks import checked_callback
from .._exceptions import InvalidArgumentError
from .._fleet import (
    DEFAULT_CONCURRENCY,
    FleetDevices,
    FleetProgressCallback,
    FleetRun,
    check_count,
    check_devices,
)
from .._paths import cloud_name, scope_prefix
from ..models.devices import Device, FunctionResult, VariableValue
from ._base import Resource
from .devices import Devices, function_arg

if TYPE_CHECKING:
    from .._core import Core
    from ..types import ProductRef

__all__ = ["Fleet"]

T = TypeVar("T")


class Fleet(Resource):
    """Run one operation over many devices: a list of ids, or a product's devices.

    ```python
    async with client.fleet.get_variable("temp", product="my-fleet") as results:
        async for result in results:
            print(result.device_id, result.status, result.value)
    ```
    """

    __slots__ = ()

    def __init__(self, core: Core, name: str) -> None:
        super().__init__(core, name)
        self._devices = Devices(core, "devices")

    def run(
        self,
        operation: Callable[[str], Awaitable[T]],
        *,
        devices: FleetDevices | None = None,
        product: ProductRef | None = None,
        groups: Sequence[str] | None = None,
        concurrency: int | None = None,
        buffer: int | None = None,
        on_progress: FleetProgressCallback | None = None,
        catch: type[Exception] | tuple[type[Exception], ...] = (),
    ) -> FleetRun[T]:
        """Run `await operation(device_id)` on every device; use the result with `async with`.

        Pass the devices as `devices=` (ids or names, or `Device` objects, from a list, any
        iterable or async iterable, for instance `client.devices.list(product=..., ...)` with
        any of its filters), or `product=` (its devices, listed page by page as the run goes;
        `groups=` keeps the members of any of those groups). A device listed twice runs once.

        At most `concurrency` operations are in flight at once (default: 50, or the client's
        `max_concurrency` if lower) and at most `buffer` finished results wait for the
        consumer (default: `concurrency`). `on_progress(progress)` (sync or async; it may also
        take no argument) is called with the `FleetProgress` after each result is delivered,
        in the consuming task; what it raises ends the run, raised from the `async for`.

        Each device's failure is its result: `DeviceOfflineError` and `DeviceTimeoutError` give
        `"offline"`, an unknown device `"not_found"`, any other `ParticleError` `"error"`.
        Errors about the client or the token (closed client, `AuthenticationError`, bad
        arguments) and other exceptions end the run, raised from the `async for`; `catch=`
        names more exception types to record as `"error"` instead (for example `ValueError`
        when the operation parses what it reads).

        Raises `InvalidArgumentError` at once, before any I/O, for bad arguments (a list of
        devices is checked item by item now; an iterator as each item is reached).
        """
        if not callable(operation):
            raise InvalidArgumentError(
                "operation must be an async callable taking a device id, such as "
                "`lambda device_id: client.devices.get_variable(device_id, 'temp')`"
            )
        operation = checked_callback(
            operation, "operation", args=1, takes="a device id (and returning an awaitable)"
        )
        source, checked = self._source(devices, product, groups)
        return self._run(
            operation,
            source,
            checked,
            concurrency=concurrency,
            buffer=buffer,
            on_progress=on_progress,
            catch=_catch_types(catch),
        )

    def get_variable(
        self,
        name: str,
        *,
        devices: FleetDevices | None = None,
        product: ProductRef | None = None,
        groups: Sequence[str] | None = None,
        concurrency: int | None = None,
        buffer: int | None = None,
        on_progress: FleetProgressCallback | None = None,
    ) -> FleetRun[VariableValue]:
        """Read the cloud variable `name` of many devices (see `run` for the arguments and
        the outcome of each device). With `product=` the reads go through the product's
        routes, so a product team member's token reads devices it does not own; without
        `devices=` they are the product's devices (`groups=` filters them), with `devices=`
        the ones given. A device without that variable gives `"error"` with an
        `UnknownVariableError`."""
        variable = cloud_name(name, "variable name")
        read = self._devices.get_variable

        async def operation(device_id: str) -> VariableValue:
            return await read(device_id, variable, product=product)

        source, checked = self._source(devices, product, groups, product_scope=True)
        return self._run(
            operation,
            source,
            checked,
            concurrency=concurrency,
            buffer=buffer,
            on_progress=on_progress,
            catch=(),
        )

    def call_function(
        self,
        name: str,
        arg: str = "",
        *,
        devices: FleetDevices | None = None,
        product: ProductRef | None = None,
        groups: Sequence[str] | None = None,
        concurrency: int | None = None,
        buffer: int | None = None,
        on_progress: FleetProgressCallback | None = None,
    ) -> FleetRun[FunctionResult]:
        """Call the cloud function `name` with `arg` on many devices (see `run` for the
        arguments and the outcome of each device; `product=` as in `get_variable`).

        Each call is sent once and never retried once it may have reached the device; leaving
        the run early cancels the calls in flight, which the devices may still have received.
        A device without that function gives `"error"` with an `UnknownFunctionError`."""
        function = cloud_name(name, "function name")
        text = function_arg(arg)
        call = self._devices.call_function

        async def operation(device_id: str) -> FunctionResult:
            return await call(device_id, function, text, product=product)

        source, checked = self._source(devices, product, groups, product_scope=True)
        return self._run(
            operation,
            source,
            checked,
            concurrency=concurrency,
            buffer=buffer,
            on_progress=on_progress,
            catch=(),
        )

    def _source(
        self,
        devices: FleetDevices | None,
        product: ProductRef | None,
        groups: Sequence[str] | None,
        *,
        product_scope: bool = False,
    ) -> tuple[FleetDevices, list[tuple[str, Device | None]] | None]:
        """The devices of a run, checked. `product_scope`: the calls go through `product`'s
        routes, so `product=` may come with `devices=` (it then only picks the routes)."""
        operation = self._operation(2)
        if devices is not None and product is not None:
            if not product_scope:
                raise InvalidArgumentError(
                    f"{operation} takes devices= or product=, not both (to reach the devices "
                    "through a product's routes, pass product= to the call inside the operation)"
                )
            if groups is not None:
                raise InvalidArgumentError(
                    f"{operation}: groups= filters the product's listing, not devices="
                )
            scope_prefix(product)  # checked now, before any I/O
            return check_devices(devices)
        if devices is None and product is None:
            raise InvalidArgumentError(f"{operation} needs devices= (ids) or product=")
        if product is None:
            if groups is not None:
                raise InvalidArgumentError(
                    f"{operation}: groups= filters a product's devices: pass product= too"
                )
            return check_devices(devices)
        return self._devices.list(product=product, groups=groups), None

    def _run(
        self,
        operation: Callable[[str], Awaitable[T]],
        source: FleetDevices,
        checked: list[tuple[str, Device | None]] | None,
        *,
        concurrency: int | None,
        buffer: int | None,
        on_progress: FleetProgressCallback | None,
        catch: tuple[type[Exception], ...],
    ) -> FleetRun[T]:
        if concurrency is None:
            limit = int(self._core.shared.limiter.total_tokens)
            concurrency = min(DEFAULT_CONCURRENCY, limit)
        concurrency = check_count(concurrency, "concurrency", minimum=1)
        buffer = concurrency if buffer is None else check_count(buffer, "buffer", minimum=0)
        return FleetRun(
            operation,
            source,
            checked=checked,
            concurrency=concurrency,
            buffer=buffer,
            on_progress=on_progress,
            catch=catch,
            client_closed=lambda: self._core.shared.is_closed,
        )


def _catch_types(catch: object) -> tuple[type[Exception], ...]:
    types = catch if isinstance(catch, tuple) else (catch,)
    for kind in types:
        if not (isinstance(kind, type) and issubclass(kind, Exception)):
            raise InvalidArgumentError(
                "catch must be an Exception subclass or a tuple of them (cancellation and "
                f"other BaseExceptions always propagate), got {kind!r}"
            )
    return types
