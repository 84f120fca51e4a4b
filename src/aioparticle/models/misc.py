"""Models of serial-number lookups and Device OS versions."""

from __future__ import annotations

from typing import Any

from ._base import ParticleModel, UTCDateTime

__all__ = ["DeviceOsVersion", "SerialNumberInfo"]


class SerialNumberInfo(ParticleModel):
    """What a device's serial number (on its label) resolves to."""

    serial_number: str | None = None
    device_id: str | None = None
    platform_id: int | None = None
    iccid: str | None = None


class DeviceOsVersion(ParticleModel):
    """A Device OS release for one platform."""

    version: str
    internal_version: int | None = None
    platform_id: int | None = None
    release_date: UTCDateTime | None = None
    module_version: Any = None
