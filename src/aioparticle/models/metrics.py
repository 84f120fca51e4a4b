"""Models of fleet health metrics: one bucket of a product's time series each.

The cloud leaves counters of 0 out of a bucket: they default to 0.
"""

from __future__ import annotations

from ._base import ParticleModel, UTCDateTime

__all__ = ["CallMetric", "EventsMetric", "IntegrationMetric", "OnlineMetric"]


class OnlineMetric(ParticleModel):
    """Devices online in the bucket starting at `time`."""

    time: UTCDateTime
    """The start of the bucket (UTC)."""
    count: int = 0
    """How many devices were online in the bucket."""


class EventsMetric(ParticleModel):
    """Events received from the fleet in the bucket starting at `time`."""

    time: UTCDateTime
    """The start of the bucket (UTC)."""
    received: int = 0
    """How many events the cloud received from the fleet in the bucket."""


class IntegrationMetric(ParticleModel):
    """Integration deliveries in the bucket starting at `time`: `failure` counts events
    rejected after three attempts, `sleep` events skipped after too many failures."""

    time: UTCDateTime
    """The start of the bucket (UTC)."""
    success: int = 0
    """Integration deliveries that succeeded."""
    failure: int = 0
    """Events rejected after three attempts."""
    sleep: int = 0
    """Events skipped after too many failures."""


class CallMetric(ParticleModel):
    """Function calls or variable reads in the bucket starting at `time`: `offline` counts
    those that found the device offline."""

    time: UTCDateTime
    """The start of the bucket (UTC)."""
    success: int = 0
    """Function calls or variable reads that succeeded."""
    failure: int = 0
    """Function calls or variable reads that failed."""
    offline: int = 0
    """Function calls or variable reads that found the device offline."""
