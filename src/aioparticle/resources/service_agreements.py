"""Service agreements (plans), their notifications and usage reports."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload

from .._core import SubClient
from .._exceptions import InvalidArgumentError
from .._parsing import parse_unwrapped
from .._paths import segment
from .._polling import DEFAULT_POLL_DEADLINE, DEFAULT_POLL_INTERVAL, ProgressCallback, poll_until
from ..models.service_agreements import (
    ServiceAgreement,
    ServiceAgreementNotification,
    UsageReport,
)
from ._base import Resource
from ._checks import name_list, org_prefix, short_text

if TYPE_CHECKING:
    from ..types import JSONValue, StrPath

__all__ = ["ServiceAgreements", "ServiceAgreementsUsageReports"]

#: The kinds of usage report the cloud makes.
REPORT_TYPES = ("devices", "products")

_parse_agreements = parse_unwrapped(list[ServiceAgreement], "data")
_parse_notifications = parse_unwrapped(list[ServiceAgreementNotification], "data")
_parse_report = parse_unwrapped(UsageReport, "data")

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _scope(org: str | None) -> str:
    """`/v1/user` (the user's own), or `/v1/orgs/<org>`."""
    return "/v1/user" if org is None else org_prefix(org)


def _id(value: object, what: str) -> str:
    """An id (an int >= 1, or a str) as one path segment."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise InvalidArgumentError(f"{what} must be >= 1, got {value}")
        return str(value)
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be an int or a str, got {type(value).__name__}")
    return segment(value, what)


def _day(value: object, what: str) -> str:
    """A calendar date as `YYYY-MM-DD` (from a `date`, or a string already so written)."""
    if isinstance(value, datetime):
        raise InvalidArgumentError(f"{what} must be a date (a calendar day), not a datetime")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise InvalidArgumentError(f"{what} must be a date or a 'YYYY-MM-DD' str, got {value!r}")


def _product_ids(values: object) -> list[JSONValue]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InvalidArgumentError("products must be a sequence of product ids or slugs")
    if not values:
        raise InvalidArgumentError("products must not be empty")
    checked: list[JSONValue] = []
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            checked.append(value)
        elif isinstance(value, str):
            checked.append(short_text(value, "products item"))
        else:
            raise InvalidArgumentError(f"a product must be an int id or a str slug, got {value!r}")
    return checked


class ServiceAgreementsUsageReports(Resource):
    """Usage reports of a service agreement: the cloud makes them asynchronously; `wait` for
    one, then `download` it. Without `org=`, the user's own agreements."""

    __slots__ = ()

    async def create(
        self,
        agreement_id: int | str,
        *,
        report_type: Literal["devices", "products"],
        start: date | str,
        end: date | str,
        devices: Sequence[str] | None = None,
        products: Sequence[int | str] | None = None,
        org: str | None = None,
    ) -> UsageReport:
        """Ask for a usage report of the days from `start` to `end` (both included), by
        device or by product, optionally only for `devices` / `products`. The answer (202) is
        the report, `pending`: `wait` for it. Not retried once sent."""
        if report_type not in REPORT_TYPES:
            raise InvalidArgumentError(
                f"report_type must be 'devices' or 'products', got {report_type!r}"
            )
        first, last = _day(start, "start"), _day(end, "end")
        if last < first:
            raise InvalidArgumentError("end is before start")
        body: dict[str, JSONValue] = {
            "report_type": report_type,
            "date_period_start": first,
            "date_period_end": last,
        }
        if devices is not None:
            body["devices"] = list(name_list(devices, "devices"))
        if products is not None:
            body["products"] = _product_ids(products)
        path = f"{_scope(org)}/service_agreements/{_id(agreement_id, 'agreement_id')}/usage_reports"
        return await self._request("POST", path, json=body, parse=_parse_report, idempotent=False)

    async def get(self, report_id: int | str, *, org: str | None = None) -> UsageReport:
        """One usage report: its `state`, and once `available` its `download_url`."""
        path = f"{_scope(org)}/usage_reports/{_id(report_id, 'report_id')}"
        return await self._request("GET", path, parse=_parse_report)

    async def wait(
        self,
        report_id: int | str,
        *,
        org: str | None = None,
        interval: float = DEFAULT_POLL_INTERVAL,
        deadline: float = DEFAULT_POLL_DEADLINE,
        on_progress: ProgressCallback[UsageReport] | None = None,
    ) -> UsageReport:
        """Poll a usage report every `interval` seconds until it is done, and return it:
        `available` (with its `download_url`) or a state it will not leave (`failed`, ...:
        check `report.state`). `on_progress(report)` (sync or async) sees every poll.

        Raises `PollTimeoutError` (its `last` is the last report seen) after `deadline`
        seconds; cancellation stops the wait at once.
        """
        checked = _id(report_id, "report_id")
        scope = _scope(org)

        async def fetch() -> UsageReport:
            path = f"{scope}/usage_reports/{checked}"
            return await self._request("GET", path, parse=_parse_report)

        return await poll_until(
            fetch,
            lambda report: report.done,
            interval=interval,
            deadline=deadline,
            on_progress=on_progress,
            what=f"usage report {report_id}",
        )

    @overload
    async def download(
        self, report: UsageReport | int | str, *, to: None = None, org: str | None = None
    ) -> bytes: ...
    @overload
    async def download(
        self, report: UsageReport | int | str, *, to: StrPath, org: str | None = None
    ) -> Path: ...
    async def download(
        self,
        report: UsageReport | int | str,
        *,
        to: StrPath | None = None,
        org: str | None = None,
    ) -> bytes | Path:
        """Download an available usage report: the bytes, or the `Path` written with `to=`.

        `report` is a `UsageReport` (from `get` or `wait`) or its id (then fetched first, in
        `org=` when it is an organization's). Its `download_url` is an expiring link on
        another host: the access token is never sent to it.
        """
        if not isinstance(report, UsageReport):
            report = await self.get(report, org=org)
        url = report.download_url
        if not url:
            raise InvalidArgumentError(
                f"usage report {report.id} has no download_url (state {report.state!r}): "
                "wait() until it is available"
            )
        return await self._download("GET", url, to=to, progress=None)


class ServiceAgreements(Resource):
    """Service agreements (plans) of the user or, with `org=`, of an organization; their
    notifications, and the nested `usage_reports` sub-client."""

    __slots__ = ()

    #: Usage reports: create, get, wait, download.
    usage_reports = SubClient(ServiceAgreementsUsageReports)

    async def list_notifications(
        self, agreement_id: int | str, *, org: str | None = None
    ) -> list[ServiceAgreementNotification]:
        """The notifications of a service agreement: usage thresholds reached, service paused
        or resumed."""
        path = f"{_scope(org)}/service_agreements/{_id(agreement_id, 'agreement_id')}/notifications"
        return await self._request("GET", path, parse=_parse_notifications)

    async def list(self, *, org: str | None = None) -> list[ServiceAgreement]:
        """Every service agreement of the user (or of organization `org`), with its billing
        periods, current usage and pricing terms (those need the matching API-user scopes)."""
        path = f"{_scope(org)}/service_agreements"
        return await self._request("GET", path, parse=_parse_agreements)
