"""Service agreements of sandboxes and organizations, their notifications and usage reports
(made asynchronously, then downloaded from a signed link on another origin)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ._base import NotFound, Refused, iso, utcnow
from .devices import DevicesMixin
from .orgs import OrgsMixin

if TYPE_CHECKING:
    from .auth import Token

__all__ = [
    "USAGE_REPORT_LIFETIME",
    "FakeNotification",
    "FakeServiceAgreement",
    "FakeUsageReport",
    "ServiceAgreementsMixin",
]

#: Days a usage report (and its download link) stays available.
USAGE_REPORT_LIFETIME = 7


def _spaced(when: datetime) -> str:
    """A timestamp as the cloud writes a usage report's `created_at`: not ISO 8601."""
    return when.strftime("%Y-%m-%d %H:%M:%S %z")


@dataclass
class FakeNotification:
    """A notification of a service agreement (a usage threshold, a pause)."""

    id: str
    event_name: str
    details: dict[str, Any]
    state: str = "active"
    time_period: str | None = None
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class FakeServiceAgreement:
    """A plan of a sandbox (`space` "user:<username>") or an organization ("org:<id>")."""

    id: int
    space: str
    name: str
    agreement_type: str
    starts_on: date
    state: str = "active"
    pricing_terms: dict[str, Any] = field(default_factory=dict)
    notifications: list[FakeNotification] = field(default_factory=list)


@dataclass
class FakeUsageReport:
    """A usage report: `pending` until its `usage_report_polls`-th read, then `available`
    (unless a test set another `state`). `key` signs its download link."""

    id: int
    space: str
    agreement_id: int
    report_type: str
    start: str
    end: str
    devices: list[str]
    products: list[int | str]
    created_at: datetime = field(default_factory=utcnow)
    state: str = "pending"
    reads: int = 0
    key: str = field(default_factory=lambda: secrets.token_hex(16))

    @property
    def expires_at(self) -> datetime:
        return self.created_at + timedelta(days=USAGE_REPORT_LIFETIME)

    def csv(self) -> bytes:
        rows = [f"{self.report_type[:-1]}_id,date_period_start,date_period_end,data_operations"]
        for subject in (self.devices if self.report_type == "devices" else self.products) or [
            "all"
        ]:
            rows.append(f"{subject},{self.start},{self.end},0")
        return ("\n".join(rows) + "\n").encode()


class ServiceAgreementsMixin(OrgsMixin, DevicesMixin):
    """Service agreements by id in `service_agreements`: each sandbox and organization gets a
    default one when first asked. Usage reports (`usage_reports`) become `available` on their
    `usage_report_polls`-th read (2 by default); their `download_url` points at
    `/files/usage_reports/<id>.csv` on the other loopback name of the server (`localhost` for
    a cloud reached as 127.0.0.1, and back), signed. `usage_report_downloads` records every
    download: (path, the `Authorization` header or None)."""

    def __init__(self) -> None:
        super().__init__()
        self.service_agreements: dict[int, FakeServiceAgreement] = {}
        self.usage_reports: dict[int, FakeUsageReport] = {}
        self.usage_report_polls = 2
        self.usage_report_downloads: list[tuple[str, str | None]] = []

    def service_agreement_of(self, space: str) -> FakeServiceAgreement:
        """The first agreement of `space`, made (a default plan) if it has none."""
        with self.lock:
            for agreement in self.service_agreements.values():
                if agreement.space == space:
                    return agreement
            org = space.startswith("org:")
            agreement = FakeServiceAgreement(
                id=self._next_id("service-agreement"),
                space=space,
                name="Enterprise" if org else "Free",
                agreement_type="enterprise" if org else "developer",
                starts_on=utcnow().date().replace(day=1),
                pricing_terms={"device": {"max_devices": 100 if not org else 10_000}},
            )
            self.service_agreements[agreement.id] = agreement
            return agreement

    def add_service_agreement_notification(
        self,
        agreement: FakeServiceAgreement,
        event_name: str = "reached_70_percent_usage",
        *,
        details: dict[str, Any] | None = None,
    ) -> FakeNotification:
        """Add a notification to an agreement (`service_agreement_of(space)`)."""
        with self.lock:
            notification = FakeNotification(
                str(uuid.UUID(int=self._next_id("notification"))),
                event_name,
                details if details is not None else {"event_type": event_name},
                time_period=agreement.starts_on.strftime("%Y-%m"),
            )
            agreement.notifications.append(notification)
            return notification

    def agreements_of(self, token: Token, org_ref: str | None) -> list[dict[str, Any]]:
        with self.lock:
            space = self.space_of(token, org_ref)
            self.service_agreement_of(space)
            return [
                self.agreement_json(a) for a in self.service_agreements.values() if a.space == space
            ]

    def _agreement(self, token: Token, org_ref: str | None, ref: str) -> FakeServiceAgreement:
        space = self.space_of(token, org_ref)
        self.service_agreement_of(space)
        found = self.service_agreements.get(int(ref)) if ref.isdigit() else None
        if found is None or found.space != space:
            raise NotFound("Service agreement not found")
        return found

    def notifications_of(self, token: Token, org_ref: str | None, ref: str) -> list[dict[str, Any]]:
        with self.lock:
            agreement = self._agreement(token, org_ref, ref)
            return [
                {
                    "id": n.id,
                    "type": "notification",
                    "attributes": {
                        "state": n.state,
                        "event_name": n.event_name,
                        "time_period": n.time_period,
                        "created_at": iso(n.created_at),
                        "updated_at": iso(n.created_at),
                        "resource_id": agreement.id,
                        "resource_type": "ServiceAgreement",
                        "details": n.details,
                    },
                }
                for n in agreement.notifications
            ]

    def agreement_json(self, agreement: FakeServiceAgreement) -> dict[str, Any]:
        with self.lock:
            kind, _, owner = agreement.space.partition(":")
            devices = self._space_devices(agreement.space)
            cellular = sum(1 for d in devices if d.cellular)
            today = utcnow().date()
            period_start = today.replace(day=1)
            next_start = (period_start + timedelta(days=32)).replace(day=1)
            usage = {"owned_devices": len(devices), "billable_devices": len(devices)}
            return {
                "id": agreement.id,
                "type": "service_agreement",
                "attributes": {
                    "owner_id": owner,
                    "owner_type": "Organization" if kind == "org" else "User",
                    "name": agreement.name,
                    "agreement_type": agreement.agreement_type,
                    "duration": "monthly",
                    "state": agreement.state,
                    "starts_on": agreement.starts_on.isoformat(),
                    "ends_on": None,
                    "current_billing_period_start": period_start.isoformat(),
                    "current_billing_period_end": (next_start - timedelta(days=1)).isoformat(),
                    "next_billing_period_start": next_start.isoformat(),
                    "current_usage_summary": {
                        "device_limit_reached": False,
                        "connectivity": {
                            "all": usage,
                            "wifi": {"owned_devices": len(devices) - cellular},
                            "cellular": {"owned_devices": cellular},
                        },
                    },
                    "pricing_terms": agreement.pricing_terms,
                },
            }

    def _space_devices(self, space: str) -> list[Any]:
        kind, _, owner = space.partition(":")
        if kind == "user":
            return [d for d in self.devices.values() if d.owner == owner]
        org = self.find_org(owner)
        slugs = {owner} if org is None else {org.id, org.slug}
        ids = {p.id for p in self.products.values() if p.org in slugs}
        return [d for d in self.devices.values() if d.product_id in ids]

    def create_usage_report(
        self, token: Token, org_ref: str | None, agreement_ref: str, body: dict[str, Any]
    ) -> FakeUsageReport:
        """Start a usage report from a request's JSON body. Raises `Refused`, `NotFound`."""
        report_type = body.get("report_type")
        if report_type not in ("devices", "products"):
            raise Refused("report_type must be devices or products")
        try:
            start = date.fromisoformat(str(body.get("date_period_start")))
            end = date.fromisoformat(str(body.get("date_period_end")))
        except ValueError:
            raise Refused("date_period_start and date_period_end must be YYYY-MM-DD") from None
        if end < start:
            raise Refused("date_period_end is before date_period_start")
        devices, products = body.get("devices") or [], body.get("products") or []
        if not isinstance(devices, list) or not all(isinstance(d, str) for d in devices):
            raise Refused("devices must be a list of device ids")
        if not isinstance(products, list):
            raise Refused("products must be a list of product ids")
        with self.lock:
            agreement = self._agreement(token, org_ref, agreement_ref)
            report = FakeUsageReport(
                id=self._next_id("usage-report"),
                space=agreement.space,
                agreement_id=agreement.id,
                report_type=str(report_type),
                start=start.isoformat(),
                end=end.isoformat(),
                devices=list(devices),
                products=list(products),
            )
            self.usage_reports[report.id] = report
            return report

    def read_usage_report(self, token: Token, org_ref: str | None, ref: str) -> FakeUsageReport:
        """A usage report, read once more (it becomes `available` on its
        `usage_report_polls`-th read). Raises `NotFound`."""
        with self.lock:
            space = self.space_of(token, org_ref)
            report = self.usage_reports.get(int(ref)) if ref.isdigit() else None
            if report is None or report.space != space:
                raise NotFound("Usage report not found")
            report.reads += 1
            if report.state == "pending" and report.reads >= self.usage_report_polls:
                report.state = "available"
            return report

    def usage_report_json(self, report: FakeUsageReport, files_origin: str) -> dict[str, Any]:
        """The JSON:API resource of a report; `files_origin` is where its file is served."""
        with self.lock:
            url = None
            if report.state == "available":
                expires = int(report.expires_at.timestamp())
                url = (
                    f"{files_origin}/files/usage_reports/{report.id}.csv"
                    f"?expires={expires}&signature={report.key}"
                )
            return {
                "id": report.id,
                "type": "usage_report",
                "attributes": {
                    "state": report.state,
                    "service_agreement_id": report.agreement_id,
                    "date_period_start": report.start,
                    "date_period_end": report.end,
                    "created_at": _spaced(report.created_at),
                    "expires_at": iso(report.expires_at),
                    "report_type": report.report_type,
                    "report_params": {
                        "devices": report.devices,
                        "products": report.products,
                        "recipient_list": [],
                    },
                    "download_url": url,
                },
            }

    def usage_report_file(
        self, ref: str, signature: str | None, authorization: str | None, path: str
    ) -> bytes:
        """The file of an available report, for a request signed with its key and carrying no
        `Authorization` header (the link is its own credential). Records the download.
        Raises `NotFound`, `Refused`."""
        with self.lock:
            self.usage_report_downloads.append((path, authorization))
            report = self.usage_reports.get(int(ref)) if ref.isdigit() else None
            if report is None or report.state != "available" or signature != report.key:
                raise NotFound("No such file, or the link is not valid")
            if authorization is not None:
                raise Refused("Only one auth mechanism allowed: the signed link, no Authorization")
            return report.csv()
