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
    """The group's name (lowercase letters, digits, `-` and `_`)."""
    description: str | None = None
    """The group's description."""
    color: str | None = None
    """The group's color, a hex string such as `#e74c3c`."""
    fw_version: int | None = None
    """The product firmware version released to the group; `None` for a group without one."""
    device_count: int | None = None
    """How many devices are in the group; only from `get` and `update` (`None` from `list` and
    `create`)."""


class VersionCount(ParticleModel):
    """How many devices run one firmware version."""

    version: int | None = None
    """The product firmware version the devices run now."""
    total: int = 0
    """How many devices run that version."""


class GroupsImpact(ParticleModel):
    """How many devices a firmware release to some groups would update, by the firmware
    version they run now."""

    total: int = 0
    """How many devices the release would update."""
    by_version: list[VersionCount] = Field(default_factory=list)
    """The devices the release would update, by the firmware version they run now."""
