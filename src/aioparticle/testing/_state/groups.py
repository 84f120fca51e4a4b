"""Device groups of products: the groups themselves, device membership and release impact."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._base import NotFound, Refused, iso, utcnow
from .products import ProductsMixin

if TYPE_CHECKING:
    from .devices import FakeDevice
    from .products import FakeProduct

__all__ = ["DEFAULT_GROUP_COLOR", "FakeGroup", "GroupsMixin"]

#: The color of a group created without one (or on the fly, by a device's membership).
DEFAULT_GROUP_COLOR = "#6b7280"
_GROUP_NAME = re.compile(r"[a-z0-9_-]{1,256}")
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


@dataclass
class FakeGroup:
    """A device group of a product. Its devices are those whose `FakeDevice.groups` name it."""

    product_id: int
    name: str
    description: str = ""
    color: str = DEFAULT_GROUP_COLOR


def check_group_name(name: object) -> str:
    """`name` if it is a valid group name (lowercase letters, digits, `-`, `_`); else 400."""
    if not isinstance(name, str) or not _GROUP_NAME.fullmatch(name):
        raise Refused(
            "Group names may only contain lowercase letters, numbers, dashes and underscores"
        )
    return name


def check_color(color: object) -> str:
    if not isinstance(color, str) or not _COLOR.fullmatch(color):
        raise Refused("color must be a hex color such as #e74c3c")
    return color


class GroupsMixin(ProductsMixin):
    """Device groups: created over the API, by a device's membership, or seeded with
    `add_device(groups=...)` (a name a device of the product uses is a group of it)."""

    def __init__(self) -> None:
        super().__init__()
        #: the groups of every product: product id -> group name -> group
        self.device_groups: dict[int, dict[str, FakeGroup]] = {}

    # ------------------------------------------------------------------ helpers (under the lock)

    def _product_devices(self, product_id: int) -> list[FakeDevice]:
        """The devices of a product, those waiting in its quarantine left out."""
        return [
            d for d in self.devices.values() if d.product_id == product_id and not d.quarantined
        ]

    def _groups(self, product_id: int) -> dict[str, FakeGroup]:
        """The groups of a product, every name its devices use included."""
        groups = self.device_groups.setdefault(product_id, {})
        for device in self.devices.values():
            if device.product_id == product_id:
                for name in device.groups:
                    groups.setdefault(name, FakeGroup(product_id, name))
        return groups

    def _group(self, product: FakeProduct, name: str) -> FakeGroup:
        group = self._groups(product.id).get(name)
        if group is None:
            raise NotFound(f"Group {name} not found")
        return group

    def _released_version(self, product: FakeProduct, name: str) -> int | None:
        """The firmware version last released to group `name`, if any."""
        for release in reversed(product.releases):
            if name in release.groups:
                return release.version
        return None

    def _group_json(self, product: FakeProduct, group: FakeGroup, *, count: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": group.name,
            "description": group.description,
            "color": group.color,
        }
        version = self._released_version(product, group.name)
        if version is not None or count:
            body["fw_version"] = version
        if count:
            body["device_count"] = sum(
                group.name in d.groups for d in self._product_devices(product.id)
            )
        return body

    # ------------------------------------------------------------------ the groups

    def list_groups(self, product: FakeProduct, *, name: str | None = None) -> list[dict[str, Any]]:
        """The product's groups (those whose name contains `name`), by name."""
        with self.lock:
            groups = sorted(self._groups(product.id).values(), key=lambda g: g.name)
            return [
                self._group_json(product, g, count=False)
                for g in groups
                if name is None or name in g.name
            ]

    def get_group(self, product: FakeProduct, name: str) -> dict[str, Any]:
        with self.lock:
            return self._group_json(product, self._group(product, name), count=True)

    def create_group(
        self,
        product: FakeProduct,
        name: object,
        *,
        color: object = None,
        description: object = None,
    ) -> dict[str, Any]:
        """Create a group; 400 for a bad name or color, or a name already taken."""
        with self.lock:
            groups = self._groups(product.id)
            group = FakeGroup(product.id, check_group_name(name))
            if group.name in groups:
                raise Refused(f"Group {group.name} already exists")
            if color is not None:
                group.color = check_color(color)
            if description is not None:
                group.description = str(description)
            groups[group.name] = group
            return self._group_json(product, group, count=False)

    def update_group(
        self,
        product: FakeProduct,
        name: str,
        *,
        new_name: object = None,
        color: object = None,
        description: object = None,
    ) -> dict[str, Any]:
        """Rename a group (its devices follow) and/or change its color or description."""
        with self.lock:
            group = self._group(product, name)
            if new_name is None and color is None and description is None:
                raise Refused("Provide at least one of name, color or description")
            if color is not None:
                color = check_color(color)
            if new_name is not None and new_name != group.name:
                renamed = check_group_name(new_name)
                groups = self._groups(product.id)
                if renamed in groups:
                    raise Refused(f"Group {renamed} already exists")
                del groups[group.name]
                for device in self.devices.values():
                    if device.product_id == product.id and group.name in device.groups:
                        device.groups = [renamed if g == group.name else g for g in device.groups]
                group.name = renamed
                groups[renamed] = group
            if color is not None:
                group.color = str(color)
            if description is not None:
                group.description = str(description)
            return self._group_json(product, group, count=True)

    def delete_group(self, product: FakeProduct, name: str) -> None:
        """Delete a group; its devices lose the membership."""
        with self.lock:
            self._group(product, name)
            del self.device_groups[product.id][name]
            for device in self.devices.values():
                if device.product_id == product.id and name in device.groups:
                    device.groups = [g for g in device.groups if g != name]

    # ------------------------------------------------------------------ membership

    def set_device_groups(self, device: FakeDevice, names: Sequence[object]) -> dict[str, Any]:
        """Make `names` the device's groups (absolute); unknown names become groups. Returns
        the cloud's echo: the id, the groups and the update time."""
        with self.lock:
            checked = list(dict.fromkeys(check_group_name(n) for n in names))
            assert device.product_id is not None, "membership is set on product devices"
            device.groups = checked
            self._groups(device.product_id)
            return {"id": device.id, "groups": list(checked), "updated_at": iso(utcnow())}

    def change_groups(
        self,
        product: FakeProduct,
        device_ids: Iterable[object],
        *,
        add: Sequence[object] = (),
        remove: Sequence[object] = (),
    ) -> None:
        """Add the devices to the groups `add` and take them out of `remove`; every device
        must be in the product (404 otherwise, and nothing changes)."""
        with self.lock:
            adding = [check_group_name(n) for n in add]
            removing = {check_group_name(n) for n in remove}
            devices = []
            for ref in device_ids:
                device = self.devices.get(str(ref).lower())
                if device is None or device.product_id != product.id:
                    raise NotFound(f"Device {ref} not found in this product")
                devices.append(device)
            for device in devices:
                kept = [g for g in device.groups if g not in removing]
                device.groups = list(dict.fromkeys([*kept, *adding]))
            self._groups(product.id)

    def groups_impact(
        self,
        product: FakeProduct,
        firmware_version: int,
        *,
        groups: Iterable[str] = (),
        product_default: bool = False,
    ) -> dict[str, Any]:
        """How many devices releasing `firmware_version` to `groups` (or, with
        `product_default`, to the whole product) would update: the devices reached that run
        another version, that are neither development devices nor locked to a version,
        counted by the version they run."""
        with self.lock:
            wanted = set(groups)
            counts = Counter(
                d.firmware_version
                for d in self._product_devices(product.id)
                if (product_default or wanted & set(d.groups))
                and not d.development
                and d.desired_firmware_version is None
                and d.firmware_version != firmware_version
            )
            by_version = [
                {"version": version, "total": total}
                for version, total in sorted(counts.items(), key=lambda vt: vt[0] or 0)
            ]
            return {"total": sum(counts.values()), "by_version": by_version}
