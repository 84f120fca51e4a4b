"""Models of service agreements, their notifications and usage reports (JSON:API resources,
flattened)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator, model_validator

from ._base import ParticleModel, UTCDateTime

__all__ = [
    "ServiceAgreement",
    "ServiceAgreementNotification",
    "UsageReport",
]

# "2022-01-18 13:43:23 -0800": how the cloud writes some timestamps (not ISO 8601)
_SPACED = re.compile(
    r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ?([+-]\d{2}:?\d{2}|Z|UTC)?"
)
_DATE_PREFIX = re.compile(r"\d{4}-\d{2}-\d{2}")


def _lenient_datetime(value: Any) -> Any:
    """ISO 8601 as pydantic reads it, and also `YYYY-MM-DD HH:MM:SS [+-]HHMM`."""
    if isinstance(value, str):
        match = _SPACED.fullmatch(value.strip())
        if match:
            day, clock, zone = match.groups()
            if zone in (None, "UTC"):
                zone = "Z"
            elif zone != "Z" and ":" not in zone:
                zone = f"{zone[:3]}:{zone[3:]}"
            return f"{day}T{clock}{zone}"
    return value


def _lenient_date(value: Any) -> Any:
    """`YYYY-MM-DD`, also when the cloud sends a whole timestamp (its date is kept)."""
    if isinstance(value, str) and len(value) > 10 and _DATE_PREFIX.match(value):
        return value[:10]
    return value


#: A timestamp read leniently (ISO 8601, or "2022-01-18 13:43:23 -0800"); always aware.
LenientDateTime = Annotated[UTCDateTime, BeforeValidator(_lenient_datetime)]
#: A calendar date (`YYYY-MM-DD`).
LenientDate = Annotated[date, BeforeValidator(_lenient_date)]


class _Resource(ParticleModel):
    """A JSON:API resource flattened: `id` and `type`, then its `attributes` (an attribute
    never overrides `id` or `type`)."""

    id: str
    type: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("attributes"), dict):
            flat = {k: v for k, v in value.items() if k != "attributes"}
            for key, item in value["attributes"].items():
                flat.setdefault(key, item)
            return flat
        return value

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ServiceAgreement(_Resource):
    """A service agreement (a plan) of the user or an organization: its billing periods, its
    current usage and its pricing terms (both kept as sent: they differ between plans).
    Dates are calendar dates."""

    owner_id: str | int | None = None
    owner_type: str | None = None
    name: str | None = None
    agreement_type: str | None = None
    duration: str | None = None
    state: str | None = None
    starts_on: LenientDate | None = None
    ends_on: LenientDate | None = None
    current_billing_period_start: LenientDate | None = None
    current_billing_period_end: LenientDate | None = None
    next_billing_period_start: LenientDate | None = None
    current_usage_summary: dict[str, Any] = Field(default_factory=dict)
    pricing_terms: dict[str, Any] = Field(default_factory=dict)

    @field_validator("current_usage_summary", "pricing_terms", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value


class ServiceAgreementNotification(_Resource):
    """A notification of a service agreement: a usage threshold reached (70, 90, 100 %), the
    service paused or resumed. `details` is kept as sent."""

    state: str | None = None
    event_name: str | None = None
    time_period: str | None = None
    created_at: LenientDateTime | None = None
    updated_at: LenientDateTime | None = None
    resource_id: str | int | None = None
    resource_type: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)

    @field_validator("details", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value


#: Usage report states after which it no longer changes.
USAGE_REPORT_DONE = frozenset({"available", "failed", "expired", "error", "canceled", "cancelled"})


class UsageReport(_Resource):
    """A usage report of a service agreement, made asynchronously: `state` starts
    `"pending"` and becomes `"available"`, when `download_url` (an expiring link on another
    host, kept out of `repr`) gives the file; `service_agreements.usage_reports.download`
    fetches it without the access token."""

    state: str | None = None
    service_agreement_id: str | int | None = None
    report_type: str | None = None
    date_period_start: LenientDate | None = None
    date_period_end: LenientDate | None = None
    created_at: LenientDateTime | None = None
    expires_at: LenientDateTime | None = None
    report_params: dict[str, Any] = Field(default_factory=dict)
    download_url: str | None = Field(default=None, repr=False)

    @field_validator("report_params", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def done(self) -> bool:
        """Whether the report reached a state it does not leave (available, failed, ...)."""
        return self.download_url is not None or (self.state or "").lower() in USAGE_REPORT_DONE
