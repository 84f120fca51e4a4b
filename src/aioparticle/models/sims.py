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
    status: str | None = None
    base_country_code: str | None = None
    carrier: str | None = None
    device_id: str | None = None
    device_name: str | None = None
    product_id: int | None = None
    mb_limit: int | None = None
    last_status_change_action: str | None = None
    last_status_change_action_error: str | None = None
    activated_on: UTCDateTime | None = None
    deactivated_on: UTCDateTime | None = None

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
    expires_at: UTCDateTime | None = None
    #: when polling again makes sense
    check_again_after: UTCDateTime | None = None
    method: str | None = None
    #: `pending` or `complete`
    state: str | None = None
    task_id: str | None = None


class SimCellularStatus(ParticleModel):
    """What the check found (every value `None` until it completes)."""

    connected: bool | None = None
    gsm_connection: bool | None = None
    data_connection: bool | None = None


class SimStatusCheck(ParticleModel):
    """A SIM's cellular network status check, which the cloud runs in the background."""

    ok: bool | None = None
    meta: SimStatusMeta = Field(default_factory=SimStatusMeta)
    sim_status: SimCellularStatus = Field(default_factory=SimCellularStatus)

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
    mbs_used: float = 0.0
    mbs_used_cumulative: float = 0.0


class SimDataUsage(ParticleModel):
    """One SIM's data usage over the current billing period."""

    iccid: str | None = None
    usage_by_day: list[DataUsageDay] = Field(default_factory=list)
    quota: float | None = None
    used: float | None = None


class FleetDataUsage(ParticleModel):
    """A product fleet's data usage over the current billing period."""

    total_mbs_used: float | None = None
    total_active_sim_cards: int | None = None
    usage_by_day: list[DataUsageDay] = Field(default_factory=list)
