"""Models of products and what lives under one: firmware, configuration, locations (the
team's models are in `teams`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import ParticleModel, UTCDateTime
from .teams import TeamMember  # defined with the other team models; still importable here

__all__ = [
    "DeviceLocation",
    "LocationGeometry",
    "Product",
    "ProductConfiguration",
    "ProductFirmware",
    "TeamMember",
]


class Product(ParticleModel):
    """A product: a fleet of devices of one platform sharing firmware and settings."""

    id: int
    """The product's id."""
    name: str | None = None
    """The product's name."""
    slug: str | None = None
    """The product's slug (also accepted by `product=`)."""
    platform_id: int | None = None
    """The id of the hardware platform of the product's devices."""
    description: str | None = None
    """The product's description."""
    org: str | None = None
    """The organization the product belongs to, as the cloud names it; `None` when not sent."""
    subscription_id: int | None = None
    """The wire field `subscription_id` as sent by the cloud."""
    groups: list[str] = Field(default_factory=list)
    """The names of the product's device groups."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """The product's settings (such as `quarantine` and `location`), kept as sent."""
    device_protection: str | None = None
    """The product's device protection state, such as `"active"`."""


class ProductFirmware(ParticleModel):
    """One firmware version uploaded to a product."""

    version: int
    """The firmware version number."""
    title: str | None = None
    """The version's title."""
    description: str | None = None
    """The version's description."""
    name: str | None = None
    """The file name of the uploaded binary."""
    size: int | None = None
    """The binary's size, in bytes."""
    device_count: int | None = None
    """How many devices run this version."""
    current: bool | None = None
    """Whether the cloud marks this version as current."""
    product_default: bool | None = None
    """Whether this version is released as the product default."""
    groups: list[str] = Field(default_factory=list)
    """The device groups this version is released to."""
    product_id: int | None = None
    """The id of the product the firmware belongs to."""
    uploaded_at: UTCDateTime | None = None
    """When the version was uploaded (UTC)."""
    uploaded_by: Any = None
    """Who uploaded the version, in the shape the cloud sends."""


class ProductConfiguration(ParticleModel):
    """A product's (or one product device's) asset-tracking configuration."""

    configuration: dict[str, Any] = Field(default_factory=dict)
    """The configuration object, kept as sent."""


class LocationGeometry(ParticleModel):
    """GeoJSON geometry: a `Point` (`[lng, lat]`) or a `LineString` of points."""

    type: str
    """The geometry's type: `"Point"` or `"LineString"`."""
    coordinates: list[Any] = Field(default_factory=list)
    """`[lng, lat]` for a `Point`; a list of such points for a `LineString`."""


class DeviceLocation(ParticleModel):
    """Where a product device was, as reported by its GNSS fixes."""

    device_id: str
    """The device's id."""
    product_id: int | None = None
    """The id of the device's product."""
    device_name: str | None = None
    """The device's name."""
    groups: list[str] = Field(default_factory=list)
    """The names of the device groups the device belongs to."""
    gps_lock: bool | None = None
    """Whether the device had a GNSS lock."""
    online: bool | None = None
    """Whether the device is online."""
    last_heard: UTCDateTime | None = None
    """When the cloud last heard from the device (UTC)."""
    timestamps: list[UTCDateTime] = Field(default_factory=list)
    """The times of the location fixes (UTC), as the cloud lists them."""
    geometry: LocationGeometry | None = None
    """Where the device was: a `Point`, or a `LineString` of its fixes."""
