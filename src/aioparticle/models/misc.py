"""Models of serial-number lookups and Device OS versions."""

from __future__ import annotations

from typing import Any

from ._base import ParticleModel, UTCDateTime

__all__ = ["DeviceOsVersion", "SerialNumberInfo"]


class SerialNumberInfo(ParticleModel):
    """What a device's serial number (on its label) resolves to."""

    serial_number: str | None = None
    """The serial number looked up."""
    device_id: str | None = None
    """The id of the device with that serial number."""
    platform_id: int | None = None
    """The id of the device's hardware platform, when the cloud sends it."""
    iccid: str | None = None
    """The ICCID of the device's SIM card, when the cloud sends it."""


class DeviceOsVersion(ParticleModel):
    """A Device OS release for one platform."""

    version: str
    """The Device OS version, such as `"6.1.1"`."""
    internal_version: int | None = None
    """The version as the cloud's number for it (what the `internal_version` filter of
    `device_os.list` takes)."""
    platform_id: int | None = None
    """The id of the platform this release is for."""
    release_date: UTCDateTime | None = None
    """When the version was released (UTC), when the cloud sends it."""
    module_version: Any = None
    """The wire field `module_version` as sent by the cloud."""
