"""Models of fleet health metrics: one bucket of a product's time series each.

The cloud leaves counters of 0 out of a bucket: they default to 0.
"""

from __future__ import annotations

from ._base import ParticleModel, UTCDateTime

__all__ = ["CallMetric", "EventsMetric", "IntegrationMetric", "OnlineMetric"]


class OnlineMetric(ParticleModel):
    """Devices online in the bucket starting at `time`."""

    time: UTCDateTime
    count: int = 0


class EventsMetric(ParticleModel):
    """Events received from the fleet in the bucket starting at `time`."""

    time: UTCDateTime
    received: int = 0


class IntegrationMetric(ParticleModel):
    """Integration deliveries in the bucket starting at `time`: `failure` counts events
    rejected after three attempts, `sleep` events skipped after too many failures."""

    time: UTCDateTime
    success: int = 0
    failure: int = 0
    sleep: int = 0


class CallMetric(ParticleModel):
    """Function calls or variable reads in the bucket starting at `time`: `offline` counts
    those that found the device offline."""

    time: UTCDateTime
    success: int = 0
    failure: int = 0
    offline: int = 0
