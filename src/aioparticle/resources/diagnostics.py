"""Device vitals (remote diagnostics): refresh, the last report, history and its CSV export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, overload

from .._callbacks import checked_callback
from .._exceptions import NotFoundError
from .._parsing import parse_ack, parse_unwrapped
from .._paths import scope_prefix
from .._polling import _seconds, poll_until
from ..models.diagnostics import DeviceVitalsRecord
from ._base import Resource
from ._checks import date_window, device_segment

if TYPE_CHECKING:
    from .._polling import ProgressCallback as PollProgress
    from ..types import ProductRef, StrPath

__all__ = ["Diagnostics"]

#: Seconds between two looks at the last report, and the longest wait for a new one, while
#: `refresh_and_wait` waits (unless the caller says).
DEFAULT_VITALS_INTERVAL = 2.0
DEFAULT_VITALS_DEADLINE = 60.0

_parse_record = parse_unwrapped(DeviceVitalsRecord, "diagnostics")
_parse_records = parse_unwrapped(list[DeviceVitalsRecord], "diagnostics")


def _diagnostics_path(device_id: object, product: ProductRef | None) -> str:
    return f"{scope_prefix(product)}/diagnostics/{device_segment(device_id)}"


def _newer_than(before: datetime | None) -> Callable[[DeviceVitalsRecord | None], bool]:
    """Whether a record seen is a report newer than `before` (any report when `None`)."""

    def done(record: DeviceVitalsRecord | None) -> bool:
        if record is None or record.updated_at is None:
            return False
        return before is None or record.updated_at > before

    return done


class Diagnostics(Resource):
    """Device vitals: what a device reports about its network, cloud connection, power and
    system, in the account's sandbox or in one product with `product=`."""

    __slots__ = ()

    async def refresh(self, device_id: str, *, product: ProductRef | None = None) -> None:
        """Ask an online device to report its vitals now.

        The cloud answers at once (202); the report arrives later, as the event
        `spark/device/diagnostics/update` and as the next `get_last()`. `refresh_and_wait()`
        waits for it. An offline device raises `DeviceOfflineError`.
        """
        path = f"{_diagnostics_path(device_id, product)}/update"
        await self._request("POST", path, parse=parse_ack)

    async def get_last(
        self, device_id: str, *, product: ProductRef | None = None
    ) -> DeviceVitalsRecord:
        """The device's last vitals report. `NotFoundError` when it has none."""
        path = f"{_diagnostics_path(device_id, product)}/last"
        return await self._request("GET", path, parse=_parse_record)

    async def list(
        self,
        device_id: str,
        *,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        product: ProductRef | None = None,
    ) -> list[DeviceVitalsRecord]:
        """The device's vitals reports (kept for a month), from `start_date` (included) to
        `end_date` (excluded): aware datetimes or ISO 8601 strings. Returned whole."""
        path = _diagnostics_path(device_id, product)
        params = date_window(start_date, end_date)
        return await self._request("GET", path, params=params, parse=_parse_records)

    @overload
    async def download_csv(
        self,
        device_id: str,
        *,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        product: ProductRef | None = None,
        to: None = None,
    ) -> bytes: ...
    @overload
    async def download_csv(
        self,
        device_id: str,
        *,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        product: ProductRef | None = None,
        to: StrPath,
    ) -> Path: ...
    async def download_csv(
        self,
        device_id: str,
        *,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        product: ProductRef | None = None,
        to: StrPath | None = None,
    ) -> bytes | Path:
        """The same history as `list()` as CSV: the bytes, or the `Path` written when `to=` is
        given. Particle does not document the columns."""
        path = _diagnostics_path(device_id, product)
        params = date_window(start_date, end_date)
        return await self._download(
            "GET", path, to=to, progress=None, params=params, accept="text/csv"
        )

    async def refresh_and_wait(
        self,
        device_id: str,
        *,
        product: ProductRef | None = None,
        interval: float = DEFAULT_VITALS_INTERVAL,
        deadline: float = DEFAULT_VITALS_DEADLINE,
        on_progress: PollProgress[DeviceVitalsRecord | None] | None = None,
    ) -> DeviceVitalsRecord:
        """Refresh the device's vitals and wait for the new report: the first `get_last()`
        newer than the one before the refresh.

        Looks every `interval` seconds for at most `deadline` seconds, then raises
        `PollTimeoutError` (its `last` is the last report seen, or `None`).
        `on_progress(record)` (sync or async) sees every look, `None` while the device has no
        report. Cancelling the caller stops the wait.
        """
        path = _diagnostics_path(device_id, product)
        _seconds(interval, "interval")
        _seconds(deadline, "deadline")
        if on_progress is not None:  # checked before the first request
            on_progress = checked_callback(
                on_progress, "on_progress", args=1, takes="the record seen", may_omit=True
            )

        async def last() -> DeviceVitalsRecord | None:
            try:
                return await self._request("GET", f"{path}/last", parse=_parse_record)
            except NotFoundError:  # no report stored yet
                return None

        before = await last()
        await self._request("POST", f"{path}/update", parse=parse_ack)
        record = await poll_until(
            last,
            _newer_than(None if before is None else before.updated_at),
            interval=interval,
            deadline=deadline,
            on_progress=on_progress,
            what=f"the vitals refresh of {device_id}",
        )
        assert record is not None  # done() holds
        return record
