"""Models of SIM cards, their cellular data usage and their network status checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field, model_validator

from ._base import ParticleModel, UTCDateTime

__all__ = [
    "DataUsageDay",
    "FleetDataUsage",
    "Sim",
    "SimCellularStatus",
    "SimDataUsage",
    "SimStatusCheck",
    "SimStatusMeta",
]


class Sim(ParticleModel):
    """A Particle SIM card of the account or of a product."""

    iccid: str
    """The SIM's ICCID (read from `_id` when one SIM is fetched)."""
    status: str | None = None
    """The SIM's status, such as `"active"`."""
    base_country_code: str | None = None
    """The SIM's base country, as a country code such as `"US"`."""
    carrier: str | None = None
    """The SIM's carrier, such as `"Telefonica"`."""
    device_id: str | None = None
    """The id of the device the SIM is in, when known."""
    device_name: str | None = None
    """The name of the device the SIM is in, when known."""
    product_id: int | None = None
    """The id of the product the SIM belongs to; `None` for a SIM of the account."""
    mb_limit: int | None = None
    """The SIM's data limit, in megabytes; `None` when the cloud sends none."""
    last_status_change_action: str | None = None
    """The last action taken on the SIM, such as `"activate"`."""
    last_status_change_action_error: str | None = None
    """The error of that last action, when it failed."""
    activated_on: UTCDateTime | None = None
    """When the SIM was activated (UTC)."""
    deactivated_on: UTCDateTime | None = None
    """When the SIM was deactivated (UTC); `None` for a SIM that was not."""

    @model_validator(mode="before")
    @classmethod
    def _iccid_from_id(cls, data: Any) -> Any:
        # one SIM (`GET .../sims/:iccid`) names its ICCID `_id`
        if isinstance(data, dict) and "iccid" not in data and isinstance(data.get("_id"), str):
            return {**data, "iccid": data["_id"]}
        return data


class SimStatusMeta(ParticleModel):
    """The progress of a cellular network status check."""

    created_at: UTCDateTime | None = None
    """When the check was started (UTC)."""
    expires_at: UTCDateTime | None = None
    """When the check expires (UTC)."""
    check_again_after: UTCDateTime | None = None
    """When polling again makes sense (UTC)."""
    method: str | None = None
    """How the check runs, such as `"async"`."""
    state: str | None = None
    """`"pending"` while the check runs, `"complete"` once it has finished."""
    task_id: str | None = None
    """The id of the check's background task."""


class SimCellularStatus(ParticleModel):
    """What the check found (every value `None` until it completes)."""

    connected: bool | None = None
    """Whether the SIM is connected; `None` until the check completes."""
    gsm_connection: bool | None = None
    """Whether the SIM has a GSM connection; `None` until the check completes."""
    data_connection: bool | None = None
    """Whether the SIM has a data connection; `None` until the check completes."""


class SimStatusCheck(ParticleModel):
    """A SIM's cellular network status check, which the cloud runs in the background."""

    ok: bool | None = None
    """Whether the cloud accepted the request, when it says."""
    meta: SimStatusMeta = Field(default_factory=SimStatusMeta)
    """The check's progress."""
    sim_status: SimCellularStatus = Field(default_factory=SimCellularStatus)
    """What the check found (every value `None` until it completes; a `null` reads as empty)."""

    @model_validator(mode="before")
    @classmethod
    def _null_status(cls, data: Any) -> Any:
        # `sim_status` is null while the check is pending
        if isinstance(data, dict) and data.get("sim_status", ...) is None:
            return {**data, "sim_status": {}}
        return data

    @property
    def complete(self) -> bool:
        """Whether the check has finished (`meta.state` is `complete`)."""
        return self.meta.state == "complete"


class DataUsageDay(ParticleModel):
    """Megabytes used on one day of the billing period, and up to that day."""

    date: date
    """The day the figures are for."""
    mbs_used: float = 0.0
    """Megabytes used on that day."""
    mbs_used_cumulative: float = 0.0
    """Megabytes used in the billing period up to and including that day."""


class SimDataUsage(ParticleModel):
    """One SIM's data usage over the current billing period."""

    iccid: str | None = None
    """The SIM's ICCID, when the cloud sends it."""
    usage_by_day: list[DataUsageDay] = Field(default_factory=list)
    """The data used on each day of the current billing period."""
    quota: float | None = None
    """The SIM's data limit for the billing period, in megabytes."""
    used: float | None = None
    """Megabytes used so far in the billing period."""


class FleetDataUsage(ParticleModel):
    """A product fleet's data usage over the current billing period."""

    total_mbs_used: float | None = None
    """Megabytes the fleet used so far in the billing period."""
    total_active_sim_cards: int | None = None
    """How many of the fleet's SIM cards are active."""
    usage_by_day: list[DataUsageDay] = Field(default_factory=list)
    """The data the fleet used on each day of the current billing period."""
