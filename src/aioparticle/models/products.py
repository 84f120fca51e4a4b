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
    name: str | None = None
    slug: str | None = None
    platform_id: int | None = None
    description: str | None = None
    org: str | None = None
    subscription_id: int | None = None
    groups: list[str] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)
    device_protection: str | None = None


class ProductFirmware(ParticleModel):
    """One firmware version uploaded to a product."""

    version: int
    title: str | None = None
    description: str | None = None
    name: str | None = None
    size: int | None = None
    device_count: int | None = None
    current: bool | None = None
    product_default: bool | None = None
    groups: list[str] = Field(default_factory=list)
    product_id: int | None = None
    uploaded_at: UTCDateTime | None = None
    uploaded_by: Any = None


class ProductConfiguration(ParticleModel):
    """A product's (or one product device's) asset-tracking configuration."""

    configuration: dict[str, Any] = Field(default_factory=dict)


class LocationGeometry(ParticleModel):
    """GeoJSON geometry: a `Point` (`[lng, lat]`) or a `LineString` of points."""

    type: str
    coordinates: list[Any] = Field(default_factory=list)


class DeviceLocation(ParticleModel):
    """Where a product device was, as reported by its GNSS fixes."""

    device_id: str
    product_id: int | None = None
    device_name: str | None = None
    groups: list[str] = Field(default_factory=list)
    gps_lock: bool | None = None
    online: bool | None = None
    last_heard: UTCDateTime | None = None
    timestamps: list[UTCDateTime] = Field(default_factory=list)
    geometry: LocationGeometry | None = None
