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
    """The resource's id (a number on the wire is read as text)."""
    type: str | None = None
    """The JSON:API resource type, such as `"service_agreement"`."""

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
    """The id of the user or organization the agreement belongs to."""
    owner_type: str | None = None
    """The kind of owner, as the cloud names it."""
    name: str | None = None
    """The agreement's (the plan's) name."""
    agreement_type: str | None = None
    """The kind of agreement, as the cloud names it."""
    duration: str | None = None
    """The agreement's term, as the cloud words it."""
    state: str | None = None
    """The agreement's state, as the cloud words it."""
    starts_on: LenientDate | None = None
    """The day the agreement starts."""
    ends_on: LenientDate | None = None
    """The day the agreement ends; `None` when not sent."""
    current_billing_period_start: LenientDate | None = None
    """The first day of the current billing period."""
    current_billing_period_end: LenientDate | None = None
    """The last day of the current billing period."""
    next_billing_period_start: LenientDate | None = None
    """The first day of the next billing period."""
    current_usage_summary: dict[str, Any] = Field(default_factory=dict)
    """The usage of the current billing period (devices, data, messages), kept as sent (a `null`
    reads as empty)."""
    pricing_terms: dict[str, Any] = Field(default_factory=dict)
    """The plan's pricing terms, kept as sent: they differ between plans (a `null` reads as
    empty)."""

    @field_validator("current_usage_summary", "pricing_terms", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value


class ServiceAgreementNotification(_Resource):
    """A notification of a service agreement: a usage threshold reached (70, 90, 100 %), the
    service paused or resumed. `details` is kept as sent."""

    state: str | None = None
    """The notification's state, as the cloud words it."""
    event_name: str | None = None
    """What happened: a usage threshold reached, the service paused or resumed, as the cloud
    names it."""
    time_period: str | None = None
    """The period the notification is about, as the cloud words it."""
    created_at: LenientDateTime | None = None
    """When the notification was made (UTC; the cloud's `YYYY-MM-DD HH:MM:SS -0800` form is read
    too)."""
    updated_at: LenientDateTime | None = None
    """When the notification last changed (UTC; the cloud's `YYYY-MM-DD HH:MM:SS -0800` form is
    read too)."""
    resource_id: str | int | None = None
    """The id of the resource the notification is about (a service agreement)."""
    resource_type: str | None = None
    """The kind of resource the notification is about, such as `"ServiceAgreement"`."""
    details: dict[str, Any] = Field(default_factory=dict)
    """The notification's details, kept as sent (a `null` reads as empty)."""

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
    """The report's state: `"pending"` at first, `"available"` once `download_url` gives the file
    (or a failure state)."""
    service_agreement_id: str | int | None = None
    """The id of the service agreement the report is about."""
    report_type: str | None = None
    """What the report is broken down by: `"devices"` or `"products"`."""
    date_period_start: LenientDate | None = None
    """The first day the report covers."""
    date_period_end: LenientDate | None = None
    """The last day the report covers."""
    created_at: LenientDateTime | None = None
    """When the report was requested (UTC; the cloud's `YYYY-MM-DD HH:MM:SS -0800` form is read
    too)."""
    expires_at: LenientDateTime | None = None
    """When the report expires (UTC)."""
    report_params: dict[str, Any] = Field(default_factory=dict)
    """What the report covers (`devices`, `products`, `recipient_list`), kept as sent (a `null`
    reads as empty)."""
    download_url: str | None = Field(default=None, repr=False)
    """An expiring link to the report's file on another host, once `state` is `"available"`; kept
    out of `repr()`."""

    @field_validator("report_params", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def done(self) -> bool:
        """Whether the report reached a state it does not leave (available, failed, ...)."""
        return self.download_url is not None or (self.state or "").lower() in USAGE_REPORT_DONE
