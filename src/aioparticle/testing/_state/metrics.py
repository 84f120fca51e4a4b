"""Fleet health: a product's time series, counted from what happened in the local cloud."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ._base import NotFound, Refused, iso, utcnow
from .webhooks import WebhooksMixin

if TYPE_CHECKING:
    from .devices import FakeDevice
    from .products import FakeProduct

__all__ = ["CallRecord", "MetricsFilter", "MetricsMixin"]

#: Most buckets one request may ask for.
MAX_BUCKETS = 10_000


@dataclass(frozen=True)
class CallRecord:
    """A cloud function call or variable read and how it went: `success`, `failure` (the
    firmware raised, the name was unknown) or `offline`."""

    kind: str  # "functions" or "variables"
    device_id: str
    outcome: str
    at: datetime


@dataclass(frozen=True)
class MetricsFilter:
    """The query every metric shares, parsed: a window of buckets and the device filters."""

    start: datetime
    end: datetime
    bucket_size: int
    product_fw: int | None = None
    device_os_version: str | None = None
    device_group: str | None = None

    def buckets(self) -> list[datetime]:
        """Bucket starts from `start` to `end`, both included."""
        step = timedelta(seconds=self.bucket_size)
        count = int((self.end - self.start) / step) + 1
        if count > MAX_BUCKETS:
            raise Refused(f"too many buckets: at most {MAX_BUCKETS}")
        return [self.start + n * step for n in range(count)]


def _counts(
    starts: list[datetime], size: int, happened: Iterable[tuple[datetime, str]]
) -> list[dict[str, int]]:
    """How many of each kind happened in each bucket."""
    counts: list[dict[str, int]] = [{} for _ in starts]
    if not starts:
        return counts
    first, width = starts[0], timedelta(seconds=size)
    for at, kind in happened:
        index = int((at - first) / width) if at >= first else -1
        if 0 <= index < len(starts):
            counts[index][kind] = counts[index].get(kind, 0) + 1
    return counts


class MetricsMixin(WebhooksMixin):
    """Fleet health metrics of products, and the call records they count."""

    def __init__(self) -> None:
        super().__init__()
        #: every cloud function call and variable read, with its outcome, oldest first
        self.call_records: list[CallRecord] = []

    def read_variable(self, device: FakeDevice, name: str) -> dict[str, Any]:
        online = device.online
        try:
            answer = super().read_variable(device, name)
        except Refused:
            self._record_call("variables", device, "failure" if online else "offline")
            raise
        self._record_call("variables", device, "success")
        return answer

    def call_function(self, device: FakeDevice, name: str, arg: str) -> dict[str, Any]:
        online = device.online
        try:
            answer = super().call_function(device, name, arg)
        except Refused:
            self._record_call("functions", device, "failure" if online else "offline")
            raise
        self._record_call("functions", device, "success")
        return answer

    def _record_call(self, kind: str, device: FakeDevice, outcome: str) -> None:
        with self.lock:
            self.call_records.append(CallRecord(kind, device.id, outcome, utcnow()))

    def product_metric(
        self, product: FakeProduct, metric: str, query: MetricsFilter
    ) -> dict[str, Any]:
        """`{<metric key>: [bucket, ...]}` for `metric` (`online`, `events`, `integration`,
        `functions`, `variables`); zero counters are left out of integration, function and
        variable buckets."""
        with self.lock:
            starts = query.buckets()
            devices = self._metric_devices(product, query)
            ids = {device.id for device in devices}
            if metric == "online":
                online = sum(1 for device in devices if device.online)
                return {"online": [{"time": iso(t), "count": online} for t in starts]}
            if metric == "events":
                happened = (
                    (event.published_at, "received")
                    for event in self.events
                    if event.product_id == product.id and event.coreid in ids
                )
                counts = _counts(starts, query.bucket_size, happened)
                return {
                    "events": [
                        {"time": iso(t), "received": c.get("received", 0)}
                        for t, c in zip(starts, counts, strict=True)
                    ]
                }
            if metric == "integration":
                hooks = {
                    hook.id
                    for hook in [*self.webhooks.values(), *self.integrations.values()]
                    if hook.product_id == product.id
                }
                happened = (
                    (delivery.at, "success" if delivery.ok else "failure")
                    for delivery in self.hook_deliveries
                    if delivery.hook_id in hooks and delivery.device_id in ids
                )
                return {"integrations": self._buckets(starts, query, happened)}
            if metric in ("functions", "variables"):
                happened = (
                    (record.at, record.outcome)
                    for record in self.call_records
                    if record.kind == metric and record.device_id in ids
                )
                return {metric: self._buckets(starts, query, happened)}
            raise NotFound(f"Unknown metric: {metric}")

    @staticmethod
    def _buckets(
        starts: list[datetime], query: MetricsFilter, happened: Iterable[tuple[datetime, str]]
    ) -> list[dict[str, Any]]:
        counts = _counts(starts, query.bucket_size, happened)
        return [
            {"time": iso(t), **{k: v for k, v in sorted(c.items()) if v}}
            for t, c in zip(starts, counts, strict=True)
        ]

    def _metric_devices(self, product: FakeProduct, query: MetricsFilter) -> list[FakeDevice]:
        devices = [d for d in self.devices.values() if d.product_id == product.id]
        if query.product_fw is not None:
            devices = [d for d in devices if d.firmware_version == query.product_fw]
        if query.device_os_version is not None:
            devices = [d for d in devices if d.system_firmware_version == query.device_os_version]
        if query.device_group is not None:
            devices = [d for d in devices if query.device_group in d.groups]
        return devices
