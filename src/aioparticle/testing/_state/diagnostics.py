"""Device vitals: each device's reports, refreshes that report later, and the CSV export."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ._base import NotFound, Refused, iso, utcnow
from .devices import DevicesMixin

if TYPE_CHECKING:
    from .devices import FakeDevice

__all__ = ["DIAGNOSTICS_EVENT", "DiagnosticsMixin", "VitalsRecord", "default_vitals"]

#: The event a device publishes its vitals as.
DIAGNOSTICS_EVENT = "spark/device/diagnostics/update"
#: How far back the history reaches.
VITALS_RETENTION = timedelta(days=30)
_BAD_DATES = "start_date and end_date must be ISO8601 formatted"
_TOO_OLD = "start_date must not be more than than 30 days ago"  # sic: the cloud's wording


@dataclass(frozen=True)
class VitalsRecord:
    """One vitals report of a device."""

    device_id: str
    payload: dict[str, Any]
    at: datetime

    def wire(self) -> dict[str, Any]:
        return {"updated_at": iso(self.at), "deviceID": self.device_id, "payload": self.payload}


def default_vitals(device: FakeDevice) -> dict[str, Any]:
    """The vitals a device reports unless a test said otherwise (`vitals_payloads`)."""
    uptime = 0
    if device.last_handshake_at is not None:
        uptime = max(0, int((utcnow() - device.last_handshake_at).total_seconds()))
    network: dict[str, Any] = {
        "signal": {"at": "Wi-Fi", "strength": 80.0, "strength_units": "%", "quality": 75.0},
        "connection": {"status": "connected", "error": 0, "disconnects": 0, "attempts": 1},
    }
    if device.cellular:
        network["cellular"] = {
            "radio_access_technology": "LTE",
            "operator": "Local Cellular",
            "cell_global_identity": {
                "mobile_country_code": 310,
                "mobile_network_code": "410",
                "location_area_code": 1234,
                "cell_id": 56789,
            },
        }
        network["signal"]["at"] = "LTE"
    return {
        "device": {
            "network": network,
            "cloud": {
                "connection": {"status": "connected", "error": 0, "attempts": 1, "disconnects": 0},
                "coap": {"transmit": 10, "retransmit": 0, "unack": 0, "round_trip": 120},
                "publish": {"rate_limited": 0},
            },
            "power": {"battery": {"charge": 87.5, "state": "discharging"}, "source": "battery"},
            "system": {"uptime": uptime, "memory": {"used": 65536, "total": 163840}},
        },
        "service": {
            "device": {"status": "ok"},
            "cloud": {"uptime": uptime, "publish": {"sent": len(device.calls)}},
            "coap": {"round_trip": 120},
        },
    }


def _flatten(payload: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}}` as `{"a.b": 1}`."""
    flat: dict[str, Any] = {}
    for key, value in payload.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def parse_date(text: str) -> datetime:
    """An ISO 8601 date or time (UTC when it names no zone); `ValueError` otherwise."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


class DiagnosticsMixin(DevicesMixin):
    """Vitals reports, kept per device (oldest first)."""

    def __init__(self) -> None:
        super().__init__()
        #: every device's vitals reports by device id, oldest first
        self.vitals: dict[str, list[VitalsRecord]] = {}
        #: what a device reports at its next refresh (default: `default_vitals(device)`)
        self.vitals_payloads: dict[str, dict[str, Any]] = {}
        #: seconds between a refresh and the device's report
        self.vitals_refresh_delay = 0.2
        #: refreshes asked for and not reported yet: device id -> when (monotonic) it reports
        self._vitals_due: dict[str, float] = {}

    def add_vitals(
        self, device: str | FakeDevice, payload: Mapping[str, Any], *, at: datetime | None = None
    ) -> VitalsRecord:
        """Store a vitals report of `device` (id or `FakeDevice`), taken `at` (default now,
        kept to the millisecond as the wire shows it)."""
        with self.lock:
            found = self._vitals_device(device)
            when = at if at is not None else utcnow()
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            # the wire shows milliseconds: keep no more, so a later report reads as later
            when = when.replace(microsecond=when.microsecond // 1000 * 1000)
            record = VitalsRecord(found.id, dict(payload), when)
            history = self.vitals.setdefault(found.id, [])
            history.append(record)
            history.sort(key=lambda r: r.at)
            return record

    def refresh_vitals(self, device: FakeDevice) -> None:
        """Ask an online device for its vitals: it reports `vitals_refresh_delay` seconds later
        (a new record, and the event `spark/device/diagnostics/update` with the payload as
        JSON text). `NotFound` when it is offline."""
        with self.lock:
            if not device.online:
                raise NotFound("Device is offline")
            delay = max(0.0, float(self.vitals_refresh_delay))
            self._vitals_due[device.id] = time.monotonic() + delay
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not served: the report comes at the next look
            return
        loop.call_later(delay, self.report_due_vitals)

    def report_due_vitals(self) -> None:
        """Record and publish every refresh whose delay has passed."""
        now = time.monotonic()
        published: list[tuple[FakeDevice, str]] = []
        with self.lock:
            for device_id, due in list(self._vitals_due.items()):
                if due > now:
                    continue
                del self._vitals_due[device_id]
                device = self.devices.get(device_id)
                if device is None:
                    continue
                payload = self.vitals_payloads.get(device_id) or default_vitals(device)
                history = self.vitals.get(device_id, [])
                when = utcnow()
                if history and when <= history[-1].at:  # strictly newer, even in one millisecond
                    when = history[-1].at + timedelta(milliseconds=1)
                self.add_vitals(device, payload, at=when)
                published.append((device, json.dumps(payload, separators=(",", ":"))))
        for device, data in published:
            device.publish(DIAGNOSTICS_EVENT, data)

    def last_vitals(self, device: FakeDevice) -> dict[str, Any]:
        """`{"diagnostics": <the last report>}`; `NotFound` when the device has none."""
        self.report_due_vitals()
        with self.lock:
            history = self.vitals.get(device.id)
            if not history:
                raise NotFound("No diagnostics found for this device")
            return {"diagnostics": history[-1].wire()}

    def vitals_history(
        self, device: FakeDevice, start: str | None, end: str | None
    ) -> list[VitalsRecord]:
        """The reports from `start` (included) to `end` (excluded), ISO 8601 texts. `Refused`
        (400) for a date that is not ISO 8601 or a start more than 30 days ago."""
        self.report_due_vitals()
        try:
            since = parse_date(start) if start is not None else None
            until = parse_date(end) if end is not None else None
        except ValueError:
            raise Refused(_BAD_DATES) from None
        if since is not None and since < utcnow() - VITALS_RETENTION - timedelta(minutes=1):
            raise Refused(_TOO_OLD)
        with self.lock:
            return [
                record
                for record in self.vitals.get(device.id, [])
                if (since is None or record.at >= since) and (until is None or record.at < until)
            ]

    @staticmethod
    def vitals_json(records: list[VitalsRecord]) -> dict[str, Any]:
        return {"diagnostics": [record.wire() for record in records]}

    @staticmethod
    def vitals_csv(records: list[VitalsRecord]) -> str:
        """The reports as CSV: `updated_at`, `deviceID`, then one column per payload field
        (nested keys joined with `.`), a row per report."""
        rows = [_flatten(record.payload) for record in records]
        fields = sorted({key for row in rows for key in row})
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["updated_at", "deviceID", *fields])
        for record, row in zip(records, rows, strict=True):
            writer.writerow([iso(record.at), record.device_id, *(row.get(f, "") for f in fields)])
        return out.getvalue()

    def _vitals_device(self, device: str | FakeDevice) -> FakeDevice:
        ref = device if isinstance(device, str) else device.id
        found = self.devices.get(ref.lower())
        if found is None:
            raise KeyError(f"no device {ref!r}: add_device() it first")
        return found
