"""Devices: fake devices, their variables and functions, claiming and product fleets."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, Union

from ._base import Denied, NotFound, Refused, iso, page_of, platform_id, utcnow
from .events import EventsMixin
from .products import ProductsMixin

if TYPE_CHECKING:
    from .auth import Token
    from .products import FakeProduct

__all__ = ["DeviceChanges", "DevicesMixin", "FakeDevice", "FunctionCall", "VariableSource"]

#: A variable is a value, or a callable producing the value at each read.
VariableSource = Union[bool, int, float, str, Callable[[], Union[bool, int, float, str]]]  # noqa: UP007

_CELLULAR_PLATFORMS = (10, 13, 23, 25, 26, 35)
_NEVER = datetime.min.replace(tzinfo=timezone.utc)
_T = TypeVar("_T")


@dataclass(frozen=True)
class FunctionCall:
    """A cloud function call a fake device received."""

    device_id: str
    name: str
    arg: str
    at: datetime


class FakeDevice:
    """A device of the local cloud: functions are Python callables, variables values or callables.

    Change it through its methods (`go_online()`, `go_offline()`, `publish()`) or attributes;
    read `calls` to see which functions were called with which arguments.
    """

    def __init__(
        self,
        cloud: EventsMixin,
        *,
        id: str,
        name: str,
        platform_id: int,
        owner: str | None,
        product_id: int | None,
        online: bool,
        functions: Mapping[str, Callable[[str], int]],
        variables: Mapping[str, VariableSource],
        notes: str | None,
        cellular: bool,
        serial_number: str | None,
        iccid: str | None,
        firmware_version: int | None,
        groups: Iterable[str],
        development: bool,
    ) -> None:
        self._cloud = cloud
        self.id = id
        self.name = name
        self.platform_id = platform_id
        self.owner = owner
        self.product_id = product_id
        self.online = online
        self.functions: dict[str, Callable[[str], int]] = dict(functions)
        self.variables: dict[str, VariableSource] = dict(variables)
        self.notes = notes
        self.cellular = cellular
        self.serial_number = serial_number
        self.iccid = iccid
        self.firmware_version = firmware_version
        self.desired_firmware_version: int | None = None
        self.groups = list(groups)
        self.development = development
        #: waiting in its product's quarantine (`approve` over HTTP lets it in)
        self.quarantined = False
        self.denied = False
        self.firmware_updates_forced = False
        self.signaling = False
        self.last_heard: datetime | None = utcnow() if online else None
        self.last_handshake_at: datetime | None = self.last_heard
        self.system_firmware_version = "5.8.0"
        #: every function call received, oldest first
        self.calls: list[FunctionCall] = []
        #: every variable read, oldest first (variable names)
        self.reads: list[str] = []
        self.pings = 0
        self._variable_types: dict[str, str] = {}

    def __repr__(self) -> str:
        state = "online" if self.online else "offline"
        return f"<FakeDevice {self.id} {self.name!r} {state}>"

    def go_online(self) -> None:
        """Connect to the cloud (publishes `spark/status` `online`)."""
        with self._cloud.lock:
            self.online = True
            self.last_heard = self.last_handshake_at = utcnow()
            self._cloud.device_connected(self)
        self.publish("spark/status", "online")

    def go_offline(self) -> None:
        """Disconnect (publishes `spark/status` `offline`)."""
        with self._cloud.lock:
            self.online = False
        self.publish("spark/status", "offline")

    def publish(self, name: str, data: str = "", *, ttl: int = 60, private: bool = True) -> None:
        """Publish an event from this device to every matching stream."""
        self._cloud.publish(name, data, device=self.id, ttl=ttl, private=private)

    def read_variable(self, name: str) -> bool | int | float | str:
        source = self.variables[name]
        self.reads.append(name)
        value = source() if callable(source) else source
        self._variable_types[name] = _variable_type(value)
        return value

    def variable_type(self, name: str) -> str:
        """The Device OS type a listing shows. A callable is not called for it: its type comes
        from its return annotation (`-> int`), else the last value read, else `string`."""
        source = self.variables[name]
        if not callable(source):
            return _variable_type(source)
        annotated = _ANNOTATED_TYPES.get(getattr(source, "__annotations__", {}).get("return"))
        return annotated or self._variable_types.get(name, "string")

    def call_function(self, name: str, arg: str) -> int:
        self.calls.append(FunctionCall(self.id, name, arg, utcnow()))
        return int(self.functions[name](arg))

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "last_app": None,
            "last_ip_address": "127.0.0.1" if self.last_heard else None,
            "last_heard": iso(self.last_heard),
            "last_handshake_at": iso(self.last_handshake_at),
            "product_id": self.product_id if self.product_id is not None else self.platform_id,
            "online": self.online,
            "connected": self.online,
            "platform_id": self.platform_id,
            "cellular": self.cellular,
            "notes": self.notes,
            "functions": sorted(self.functions) if self.online else [],
            "variables": {k: self.variable_type(k) for k in sorted(self.variables)}
            if self.online
            else {},
            "status": "normal",
            "serial_number": self.serial_number,
            "iccid": self.iccid,
            "system_firmware_version": self.system_firmware_version,
            "current_build_target": self.system_firmware_version,
            "pinned_build_target": None,
            "default_build_target": self.system_firmware_version,
        }

    def details(self, *, product_scope: bool) -> dict[str, Any]:
        body = self.summary()
        body.update(
            {
                "firmware_version": self.firmware_version,
                "groups": list(self.groups),
                "targeted_firmware_release_version": self.firmware_version,
                "firmware_updates_enabled": True,
                "firmware_updates_forced": self.firmware_updates_forced,
            }
        )
        if product_scope:
            body.update(
                {
                    "development": self.development,
                    "quarantined": self.quarantined,
                    "denied": self.denied,
                    "owner": self.owner,
                    "desired_firmware_version": self.desired_firmware_version,
                    "firmware_product_id": self.product_id,
                }
            )
        return body


_ANNOTATED_TYPES: dict[object, str] = {
    bool: "bool",
    "bool": "bool",
    int: "int32",
    "int": "int32",
    float: "double",
    "float": "double",
    str: "string",
    "str": "string",
}


#: The sorts of a product's device list (`sortAttr`).
_SORT_KEYS: dict[str, Callable[[FakeDevice], Any]] = {
    "deviceName": lambda d: d.name,
    "deviceId": lambda d: d.id,
    "lastConnection": lambda d: d.last_heard or _NEVER,
    "firmwareVersion": lambda d: d.firmware_version or 0,
}


def _variable_type(value: bool | int | float | str) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int32"
    if isinstance(value, float):
        return "double"
    return "string"


def _run_firmware(what: str, call: Callable[[], _T]) -> _T:
    """Run a fake device's variable or function; when the fake firmware crashes, refuse with
    a 500 naming it, like the cloud would."""
    try:
        return call()
    except Exception as exc:
        detail = str(exc) or type(exc).__name__
        raise Refused(f"{what} failed: {detail}", status=500) from None


class DeviceChanges(TypedDict, total=False):
    """The device attributes a `PUT .../devices/:device` changes, by attribute name."""

    name: str
    notes: Any
    signaling: bool
    development: bool
    desired_firmware_version: Any
    firmware_updates_forced: bool


class DevicesMixin(ProductsMixin, EventsMixin):
    """Devices: adding and finding them, reading and changing them, their firmware's calls."""

    def add_device(
        self,
        name: str | None = None,
        *,
        id: str | None = None,
        platform: int | str = "argon",
        online: bool = True,
        owner: str | object | None = ...,
        product: int | str | None = None,
        functions: Mapping[str, Callable[[str], int]] | None = None,
        variables: Mapping[str, VariableSource] | None = None,
        notes: str | None = None,
        serial_number: str | None = None,
        iccid: str | None = None,
        firmware_version: int | None = None,
        groups: Iterable[str] = (),
        development: bool = False,
        quarantined: bool = False,
    ) -> FakeDevice:
        """Add a device, owned by the default user unless `owner` says so (None: unclaimed).
        Without `id`, it gets the state's next device id (the same sequence in every state).
        With `quarantined=True` it waits in its product's quarantine (it needs `product`)."""
        if quarantined and product is None:
            raise ValueError("only a product device waits in quarantine: pass product=")
        with self.lock:
            device_id = id or self._hex_id("device")
            device_platform = platform_id(platform)
            product_id = None
            if product is not None:
                found = self.find_product(product)
                if found is None:
                    raise KeyError(f"no product {product!r}: add_product() it first")
                product_id = found.id
                device_platform = found.platform_id
            device = FakeDevice(
                self,
                id=device_id,
                name=name or f"device-{device_id[-6:]}",
                platform_id=device_platform,
                owner=self.username if owner is ... else owner,  # type: ignore[arg-type]
                product_id=product_id,
                online=online,
                functions=functions or {},
                variables=variables or {},
                notes=notes,
                cellular=device_platform in _CELLULAR_PLATFORMS,
                serial_number=serial_number,
                iccid=iccid,
                firmware_version=firmware_version if product_id is not None else None,
                groups=groups,
                development=development,
            )
            device.quarantined = quarantined
            self.devices[device_id] = device
            return device

    def find_device(
        self, ref: str, *, owner: str | None = None, product_id: int | None = None
    ) -> FakeDevice | None:
        """A device by id, or by name among those owned by `owner` / in `product_id`."""
        with self.lock:
            device = self.devices.get(ref.lower())
            if device is not None:
                return device
            for device in self.devices.values():
                if device.name == ref and (
                    (owner is not None and device.owner == owner)
                    or (product_id is not None and device.product_id == product_id)
                ):
                    return device
            return None

    def device_for(self, token: Token, ref: str, product: FakeProduct | None) -> FakeDevice:
        """The device `ref` (id or name) of a request: in `product` (`NotFound` otherwise), or
        without a product, owned by the token's user (`Denied` otherwise)."""
        with self.lock:
            if product is not None:
                device = self.find_device(ref, product_id=product.id)
                if device is None or device.product_id != product.id:
                    raise NotFound("Device not found")
                return device
            device = self.find_device(ref, owner=token.username)
            if device is None or token.username is None or device.owner != token.username:
                raise Denied
            return device

    def list_owned_devices(self, username: str | None) -> list[dict[str, Any]]:
        """The summaries of the devices `username` owns."""
        with self.lock:
            return [
                d.summary()
                for d in self.devices.values()
                if username is not None and d.owner == username
            ]

    def list_product_devices(
        self,
        product_id: int,
        *,
        id_prefix: str | None = None,
        name: str | None = None,
        groups: set[str] | None = None,
        sort: str | None = None,
        descending: bool = False,
        page: int = 1,
        per_page: int,
        quarantined: bool | None = None,
        serial_number: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of the product's devices (details) and how many match: filtered by id
        prefix, a part of the name, any of `groups` (the devices' memberships), whether they
        wait in quarantine, a part of the serial number; sorted by `sort` (`deviceName`,
        `deviceId`, `lastConnection`, `firmwareVersion`; anything else: as added)."""
        with self.lock:
            devices = [d for d in self.devices.values() if d.product_id == product_id]
            if quarantined is not None:
                devices = [d for d in devices if d.quarantined == quarantined]
            if serial_number is not None:
                devices = [d for d in devices if serial_number in (d.serial_number or "")]
            if id_prefix is not None:
                devices = [d for d in devices if d.id.startswith(id_prefix)]
            if name is not None:
                devices = [d for d in devices if name in d.name]
            if groups is not None:
                devices = [d for d in devices if groups & set(d.groups)]
            if sort in _SORT_KEYS:
                devices.sort(key=_SORT_KEYS[sort], reverse=descending)
            chunk = page_of(devices, page, per_page)
            return [d.details(product_scope=True) for d in chunk], len(devices)

    def device_json(self, device: FakeDevice, *, product_scope: bool) -> dict[str, Any]:
        with self.lock:
            return device.details(product_scope=product_scope)

    def update_device(
        self, device: FakeDevice, changes: DeviceChanges, *, flash: bool = False
    ) -> dict[str, Any]:
        """Apply `changes`; with `flash`, move to the desired firmware version if one is set.
        Returns what the cloud echoes: the device id, the changes and the update time."""
        with self.lock:
            if "name" in changes:
                device.name = changes["name"]
            if "notes" in changes:
                device.notes = changes["notes"]
            if "signaling" in changes:
                device.signaling = changes["signaling"]
            if "development" in changes:
                device.development = changes["development"]
            if "desired_firmware_version" in changes:
                device.desired_firmware_version = changes["desired_firmware_version"]
            if "firmware_updates_forced" in changes:
                device.firmware_updates_forced = changes["firmware_updates_forced"]
            if flash and device.desired_firmware_version is not None:
                device.firmware_version = device.desired_firmware_version
            echo: dict[str, Any] = {"id": device.id}
            echo.update(changes)
            echo["updated_at"] = iso(utcnow())
            return echo

    def remove_device(self, device: FakeDevice, *, product_scope: bool, deny: bool) -> None:
        """Unclaim the device (user scope), or remove it from its product (and with `deny`,
        keep it from joining again)."""
        with self.lock:
            if not product_scope:
                device.owner = None
                return
            if deny:
                device.denied = True
            device.product_id = None
            device.quarantined = False

    def import_devices(
        self,
        product: FakeProduct,
        refs: Iterable[str],
        *,
        claim_user: str | None = None,
    ) -> dict[str, Any]:
        """Add devices (by id, serial number or ICCID) to `product`, or approve those waiting
        in its quarantine; `claim_user` (a team member) becomes their owner. Returns the
        import result: which were updated, already there, or not found."""
        with self.lock:
            if claim_user is not None and claim_user not in product.members:
                raise Refused("claim_user must be a member of the product's team")
            result: dict[str, list[str]] = {
                "updatedDeviceIds": [],
                "existingDeviceIds": [],
                "nonmemberDeviceIds": [],
                "invalidDeviceIds": [],
                "protectedDeviceIds": [],
            }
            for ref in refs:
                device = self._device_by_any_id(ref)
                if device is None or (
                    device.product_id is not None and device.product_id != product.id
                ):
                    result["invalidDeviceIds"].append(ref)
                    continue
                if device.product_id == product.id and not device.quarantined:
                    result["existingDeviceIds"].append(device.id)
                    continue
                device.product_id = product.id
                device.quarantined = False
                device.denied = False
                if claim_user is not None:
                    device.owner = claim_user
                result["updatedDeviceIds"].append(device.id)
            return {"updated": len(result["updatedDeviceIds"]), **result}

    def _device_by_any_id(self, ref: str) -> FakeDevice | None:
        device = self.devices.get(ref.lower())
        if device is not None:
            return device
        for device in self.devices.values():
            if ref in (device.serial_number, device.iccid):
                return device
        return None

    def publish_as_device(
        self,
        product: FakeProduct,
        ref: str,
        name: str,
        data: str,
        *,
        ttl: int,
        private: bool,
    ) -> None:
        """Publish an event from device `ref` of `product` (403 for any other device)."""
        with self.lock:
            device = self.devices.get(ref.lower())
            if device is None or device.product_id != product.id or device.quarantined:
                raise Refused(f"Device {ref} is not a device of this product", status=403)
            self.publish(name, data, device=device.id, ttl=ttl, private=private)

    def remove_owner(self, device: FakeDevice) -> None:
        with self.lock:
            device.owner = None

    def ping(self, device: FakeDevice) -> bool:
        """Count a ping; whether the device is online."""
        with self.lock:
            device.pings += 1
            return device.online

    def claim_device(
        self, device_id: str, username: str | None, *, request_transfer: bool
    ) -> str | None:
        """Claim device `device_id` for `username`: None once it is theirs, or the transfer id
        of someone else's device when `request_transfer`. Raises `NotFound` (unknown device,
        no user, device offline) or `Denied` (someone else's)."""
        with self.lock:
            device = self.devices.get(device_id)
            if device is None or username is None:
                raise NotFound("Device not found.")
            if device.owner == username:
                return None
            if device.owner is not None:
                if request_transfer:
                    return f"transfer-{device.id}"
                raise Denied("That belongs to someone else.")
            if not device.online:
                raise NotFound("Device is not connected")
            device.owner = username
            return None

    def read_variable(self, device: FakeDevice, name: str) -> dict[str, Any]:
        """Read a variable of an online device: the cloud's answer. Raises `NotFound` (offline,
        unknown variable) or `Refused` (500) when the variable's callable raises."""
        with self.lock:
            self._check_online(device, name in device.variables, f"Unknown Variable: {name}")
            value = _run_firmware(f"Variable {name}", lambda: device.read_variable(name))
            return {
                "name": name,
                "result": value,
                "coreInfo": {
                    "name": device.name,
                    "deviceID": device.id,
                    "connected": True,
                    "last_handshake_at": (device.last_handshake_at or utcnow())
                    .isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z"),
                    "last_app": "",
                },
            }

    def call_function(self, device: FakeDevice, name: str, arg: str) -> dict[str, Any]:
        """Call a function of an online device: the cloud's answer. Raises `NotFound` (offline,
        unknown function) or `Refused` (500) when the function raises."""
        with self.lock:
            self._check_online(device, name in device.functions, f"Function {name} not found")
            value = _run_firmware(f"Function {name}", lambda: device.call_function(name, arg))
            return {"id": device.id, "name": device.name, "connected": True, "return_value": value}

    @staticmethod
    def _check_online(device: FakeDevice, known: bool, unknown: str) -> None:
        if not device.online:
            raise NotFound("timed out")
        if not known:
            raise NotFound(unknown)
