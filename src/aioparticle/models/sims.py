"""Models of SIM cards and their cellular data usage."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from ._base import ParticleModel, UTCDateTime

__all__ = ["DataUsageDay", "FleetDataUsage", "Sim", "SimDataUsage"]


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
