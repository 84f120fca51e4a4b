"""Asset tracking of products: the configuration and its JSON Schema (per product and per
device), and the locations devices report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._base import Refused, StateBase, iso, utcnow

if TYPE_CHECKING:
    from .devices import FakeDevice
    from .products import FakeProduct

__all__ = ["DEFAULT_CONFIG_SCHEMA", "InvalidSchema", "LocationFix", "TrackingMixin"]

#: The schema of a product that has no custom one (the cloud's stands for the Tracker's).
DEFAULT_CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://particle.io/draft-07/schema#",
    "type": "object",
    "title": "Configuration schema",
    "properties": {},
}
_SCHEMA_TYPES = ("object", "array", "string", "number", "integer", "boolean", "null")


class InvalidSchema(Refused):
    """A configuration schema the cloud refuses (422), with the JSON Schema `violations`."""

    status = 422

    def __init__(self, description: str, violations: list[dict[str, Any]]) -> None:
        super().__init__("Invalid Schema")
        self.description = description
        self.violations = violations


@dataclass(frozen=True)
class LocationFix:
    """One location a device reported: `lat`, `lng` and when (`at`)."""

    device_id: str
    lat: float
    lng: float
    at: datetime = field(default_factory=utcnow)
    gps_lock: bool = True


def _violation(keyword: str, path: str, message: str, **params: Any) -> dict[str, Any]:
    return {
        "keyword": keyword,
        "dataPath": path,
        "schemaPath": f"#/{keyword}",
        "params": params,
        "message": message,
    }


def check_schema(schema: object) -> dict[str, Any]:
    """`schema` if it is a JSON Schema the local cloud accepts: an object with a `type` (one
    of JSON Schema's), and `properties`, when present, an object of objects. Raises
    `InvalidSchema` listing every violation."""
    if not isinstance(schema, dict):
        raise InvalidSchema(
            "The schema must be a JSON object",
            [_violation("type", "", "should be object", type="object")],
        )
    violations = []
    kind = schema.get("type")
    if kind is None:
        violations.append(
            _violation(
                "required", "", "should have required property 'type'", missingProperty="type"
            )
        )
    elif kind not in _SCHEMA_TYPES:
        violations.append(
            _violation("enum", ".type", "should be equal to one of the allowed values")
        )
    properties = schema.get("properties")
    if properties is not None:
        if not isinstance(properties, dict):
            violations.append(_violation("type", ".properties", "should be object", type="object"))
        else:
            violations.extend(
                _violation("type", f".properties['{name}']", "should be object", type="object")
                for name, value in properties.items()
                if not isinstance(value, dict)
            )
    if violations:
        raise InvalidSchema("The schema does not follow the JSON Schema specification", violations)
    return schema


class TrackingMixin(StateBase):
    """Configurations, their schemas and device locations of products.

    `config_schemas` holds the custom schemas by `(product id, device id or None)`;
    `configurations` the configurations set, the same way; `locations` every fix added with
    `add_location`, oldest first.
    """

    def __init__(self) -> None:
        super().__init__()
        self.config_schemas: dict[tuple[int, str | None], dict[str, Any]] = {}
        self.configurations: dict[tuple[int, str | None], dict[str, Any]] = {}
        self.locations: list[LocationFix] = []

    # ------------------------------------------------------------- configuration

    def config_schema(self, product: FakeProduct, device_id: str | None) -> dict[str, Any]:
        """The schema in force: the device's own, else the product's, else the default."""
        with self.lock:
            for key in ((product.id, device_id), (product.id, None)):
                if key in self.config_schemas:
                    return dict(self.config_schemas[key])
            return dict(DEFAULT_CONFIG_SCHEMA)

    def set_config_schema(
        self, product: FakeProduct, device_id: str | None, schema: object
    ) -> dict[str, Any]:
        """Store a custom schema (checked: see `check_schema`) and answer it."""
        checked = check_schema(schema)
        with self.lock:
            self.config_schemas[(product.id, device_id)] = dict(checked)
            return dict(checked)

    def delete_config_schema(self, product: FakeProduct, device_id: str | None) -> None:
        """Drop a custom schema: the product's default, or the product's schema for a device,
        is in force again."""
        with self.lock:
            self.config_schemas.pop((product.id, device_id), None)

    def configuration(self, product: FakeProduct, device_id: str | None) -> dict[str, Any]:
        """The configuration set (a device's own over its product's), `{}` when none was."""
        with self.lock:
            merged = dict(self.configurations.get((product.id, None), {}))
            if device_id is not None:
                merged.update(self.configurations.get((product.id, device_id), {}))
            return merged

    def set_configuration(
        self, product: FakeProduct, device_id: str | None, config: Mapping[str, Any]
    ) -> dict[str, Any]:
        with self.lock:
            self.configurations[(product.id, device_id)] = dict(config)
            return self.configuration(product, device_id)

    # ------------------------------------------------------------- locations

    def add_location(
        self,
        device_id: str,
        lat: float,
        lng: float,
        *,
        at: datetime | None = None,
        gps_lock: bool = True,
    ) -> LocationFix:
        """Record a location a product device reported (now, unless `at` says when)."""
        with self.lock:
            device = self.devices.get(device_id.lower())
            if device is None or device.product_id is None:
                raise KeyError(f"no product device {device_id!r}: add_device(product=...) it first")
            fix = LocationFix(device.id, lat, lng, at or utcnow(), gps_lock)
            self.locations.append(fix)
            return fix

    def device_locations(
        self,
        product: FakeProduct,
        *,
        device_id: str | None = None,
        device_name: str | None = None,
        groups: Iterable[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        rect: tuple[tuple[float, float], tuple[float, float]] | None = None,
    ) -> list[dict[str, Any]]:
        """Where each device of the product was (of `device_id`; whose name starts with
        `device_name`; in one of `groups`), from the fixes taken from `since` to `until`
        (included) inside `rect` (its bottom-left and top-right `(lat, lng)`), by device id:
        one `Point` for one fix, a `LineString` of them in time order for several."""
        wanted = set(groups)
        with self.lock:
            fixes: dict[str, list[LocationFix]] = {}
            for fix in self.locations:
                if (since is not None and fix.at < since) or (until is not None and fix.at > until):
                    continue
                if rect is not None:
                    (south, west), (north, east) = rect
                    if not (south <= fix.lat <= north and west <= fix.lng <= east):
                        continue
                fixes.setdefault(fix.device_id, []).append(fix)
            rows = []
            for key in sorted(fixes):
                device = self._located_device(key, product, device_id, device_name, wanted)
                if device is None:
                    continue
                track = sorted(fixes[key], key=lambda fix: fix.at)
                points = [[fix.lng, fix.lat] for fix in track]
                geometry: dict[str, Any] = (
                    {"type": "Point", "coordinates": points[0]}
                    if len(points) == 1
                    else {"type": "LineString", "coordinates": points}
                )
                rows.append(
                    {
                        "device_id": device.id,
                        "product_id": product.id,
                        "device_name": device.name,
                        "groups": list(device.groups),
                        "gps_lock": track[-1].gps_lock,
                        "online": device.online,
                        "last_heard": iso(device.last_heard or track[-1].at),
                        "timestamps": [iso(fix.at) for fix in track],
                        "geometry": geometry,
                    }
                )
            return rows

    def _located_device(
        self,
        key: str,
        product: FakeProduct,
        device_id: str | None,
        device_name: str | None,
        wanted: set[str],
    ) -> FakeDevice | None:
        """The product's device `key` if it passes the location filters (`device_id`; a name
        starting with `device_name`; in one of the `wanted` groups), else None."""
        device = self.devices.get(key)
        if device is None or device.product_id != product.id:
            return None
        if device_id is not None and device.id != device_id.lower():
            return None
        if device_name is not None and not device.name.startswith(device_name):
            return None
        if wanted and not wanted & set(device.groups):
            return None
        return device

    def latest_locations(
        self,
        product: FakeProduct,
        *,
        device_id: str | None = None,
        device_name: str | None = None,
        groups: Iterable[str] = (),
    ) -> list[dict[str, Any]]:
        """The last known location of every device of the product that reported one (of
        `device_id`; whose name starts with `device_name`; in one of `groups`), by device id."""
        wanted = set(groups)
        with self.lock:
            latest: dict[str, LocationFix] = {}
            for fix in self.locations:
                if fix.device_id not in latest or fix.at >= latest[fix.device_id].at:
                    latest[fix.device_id] = fix
            rows = []
            for key in sorted(latest):
                device = self._located_device(key, product, device_id, device_name, wanted)
                if device is None:
                    continue
                fix = latest[key]
                rows.append(
                    {
                        "device_id": device.id,
                        "product_id": product.id,
                        "device_name": device.name,
                        "gps_lock": fix.gps_lock,
                        "last_heard": iso(device.last_heard or fix.at),
                        "groups": list(device.groups),
                        "timestamps": [iso(fix.at)],
                        "geometry": {"type": "Point", "coordinates": [fix.lng, fix.lat]},
                    }
                )
            return rows
