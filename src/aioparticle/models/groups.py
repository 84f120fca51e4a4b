"""Models of the device groups API group (`client.products.groups`)."""

from __future__ import annotations

from pydantic import Field

from ._base import ParticleModel

__all__ = ["DeviceGroup", "GroupsImpact", "VersionCount"]


class DeviceGroup(ParticleModel):
    """A device group of a product.

    `color` is a hex string such as `#e74c3c`; `fw_version` is set only on a group that has
    firmware released to it; `device_count` comes with `get`, `update` (not `list`/`create`).
    """

    name: str
    description: str | None = None
    color: str | None = None
    fw_version: int | None = None
    device_count: int | None = None


class VersionCount(ParticleModel):
    """How many devices run one firmware version."""

    version: int | None = None
    total: int = 0


class GroupsImpact(ParticleModel):
    """How many devices a firmware release to some groups would update, by the firmware
    version they run now."""

    total: int = 0
    by_version: list[VersionCount] = Field(default_factory=list)
