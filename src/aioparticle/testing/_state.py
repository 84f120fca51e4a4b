"""The local cloud's world: accounts, tokens, products, devices, events and faults.

Everything here is plain Python guarded by one lock, so a test can seed and drive the cloud from
its own thread while the HTTP server reads it from the server thread.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import io
import itertools
import re
import secrets
import tarfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Union

__all__ = [
    "CloudState",
    "CompileRequest",
    "DeviceOsVersion",
    "FakeDevice",
    "FakeFirmware",
    "FakeLibrary",
    "FakeLibraryVersion",
    "FakeOrg",
    "FakeProduct",
    "FakeSim",
    "Fault",
    "FirmwareRelease",
    "FlashRequest",
    "FunctionCall",
    "PublishedEvent",
    "StreamFault",
    "UploadedFile",
    "VariableSource",
    "make_library_archive",
]

#: A variable is a value, or a callable producing the value at each read.
VariableSource = Union[bool, int, float, str, Callable[[], Union[bool, int, float, str]]]  # noqa: UP007

DEFAULT_USERNAME = "developer@example.com"
DEFAULT_PASSWORD = "local-cloud-password"  # noqa: S105 - a fake account of the local cloud
PUBLIC_CLIENTS = {"particle-api": "particle-api", "particle": "particle"}

_PLATFORMS = {
    "argon": 12,
    "boron": 13,
    "bsom": 23,
    "b5som": 25,
    "tracker": 26,
    "p2": 32,
    "msom": 35,
    "photon": 6,
    "electron": 10,
}
_ids = itertools.count(1)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_device_id() -> str:
    return secrets.token_hex(12)


@dataclass(frozen=True)
class FunctionCall:
    """A cloud function call a fake device received."""

    device_id: str
    name: str
    arg: str
    at: datetime


@dataclass(frozen=True)
class PublishedEvent:
    """An event on the local cloud's bus."""

    name: str
    data: str
    ttl: int
    published_at: datetime
    coreid: str
    private: bool = True
    product_id: int | None = None
    owner: str | None = None

    def payload(self, *, with_product: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "data": self.data,
            "ttl": self.ttl,
            "published_at": iso(self.published_at),
            "coreid": self.coreid,
        }
        if with_product and self.product_id is not None:
            body["productID"] = self.product_id
        return body


class FakeDevice:
    """A device of the local cloud: functions are Python callables, variables values or callables.

    Change it through its methods (`go_online()`, `go_offline()`, `publish()`) or attributes;
    read `calls` to see which functions were called with which arguments.
    """

    def __init__(
        self,
        cloud: CloudState,
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
        self.quarantined = False
        self.denied = False
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
                "firmware_updates_forced": False,
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


def _variable_type(value: bool | int | float | str) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int32"
    if isinstance(value, float):
        return "double"
    return "string"


@dataclass
class FakeFirmware:
    """A product firmware version (`CloudState.add_firmware()` or uploaded over HTTP)."""

    product_id: int
    version: int
    title: str
    data: bytes
    description: str = ""
    current: bool = False
    uploaded_at: datetime = field(default_factory=utcnow)
    uploaded_by: str | None = None


@dataclass(frozen=True)
class FirmwareRelease:
    """One `PUT /v1/products/:product/firmware/release` the product received."""

    version: int
    product_default: bool | None
    groups: tuple[str, ...]
    intelligent: bool | None
    username: str | None
    at: datetime


@dataclass
class FakeProduct:
    """A product: devices join it with `add_device(product=...)`; `members` may use its routes.

    `firmware` maps version numbers to `FakeFirmware`; `releases` lists every firmware release
    received, oldest first.
    """

    id: int
    slug: str
    name: str
    platform_id: int
    org: str | None = None
    description: str = ""
    members: set[str] = field(default_factory=set)
    firmware: dict[int, FakeFirmware] = field(default_factory=dict)
    releases: list[FirmwareRelease] = field(default_factory=list)


@dataclass
class FakeSim:
    """A SIM card: owned by a user (`owner`), imported into a product (`product_id`), or
    released (both None). `usage_by_day` is the current billing period, oldest day first."""

    iccid: str
    status: str = "active"
    base_country_code: str = "US"
    carrier: str = "Particle"
    device_id: str | None = None
    owner: str | None = None
    product_id: int | None = None
    mb_limit: int | None = None
    usage_by_day: list[tuple[date, float]] = field(default_factory=list)
    last_status_change_action: str = "activate"
    activated_on: datetime | None = field(default_factory=utcnow)


@dataclass
class FakeLibraryVersion:
    """One version of a firmware library: its archive and its `library.properties` fields."""

    version: str
    archive: bytes
    attributes: dict[str, Any]
    visibility: str = "public"
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class FakeLibrary:
    """A firmware library. `owner` (None: Particle's) may publish and delete it and sees its
    private versions; `installs` drives the `popularity` sort."""

    name: str
    owner: str | None = None
    official: bool = False
    verified: bool = False
    featured: bool = False
    installs: int = 0
    versions: dict[str, FakeLibraryVersion] = field(default_factory=dict)

    def visible_versions(self, username: str | None) -> list[FakeLibraryVersion]:
        """The versions `username` may see, newest first."""
        mine = username is not None and self.owner == username
        found = [v for v in self.versions.values() if v.visibility == "public" or mine]
        return sorted(found, key=lambda v: version_key(v.version), reverse=True)

    def latest(self, username: str | None) -> FakeLibraryVersion | None:
        """The newest version `username` may see."""
        visible = self.visible_versions(username)
        return visible[0] if visible else None


@dataclass(frozen=True)
class DeviceOsVersion:
    """A Device OS release for one platform; a version with `-` (e.g. `6.3.0-rc.1`) is a
    prerelease."""

    version: str
    platform_id: int
    internal_version: int
    module_version: int | None = None
    release_date: datetime | None = None

    @property
    def prerelease(self) -> bool:
        return "-" in self.version


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart upload: its part name (`file`, `file2`...), filename, bytes."""

    part: str
    filename: str
    data: bytes


@dataclass(frozen=True)
class CompileRequest:
    """One `POST /v1/binaries` the cloud compiler received (`ok` False when it was refused)."""

    files: tuple[UploadedFile, ...]
    fields: dict[str, str]
    username: str | None
    ok: bool
    binary_id: str | None
    at: datetime

    @property
    def part_names(self) -> list[str]:
        return [f.part for f in self.files]

    @property
    def filenames(self) -> list[str]:
        return [f.filename for f in self.files]


@dataclass(frozen=True)
class FlashRequest:
    """One flash a device received over `PUT .../devices/:device`: uploaded files (sources or a
    .bin) with their text fields, or a named `app` (`tinker`). `ok` False when refused."""

    device_id: str
    product_id: int | None
    files: tuple[UploadedFile, ...]
    fields: dict[str, str]
    app: str | None
    username: str | None
    ok: bool
    at: datetime

    @property
    def part_names(self) -> list[str]:
        return [f.part for f in self.files]

    @property
    def filenames(self) -> list[str]:
        return [f.filename for f in self.files]


@dataclass
class FakeOrg:
    """An organization owning products; `members` may open its event streams."""

    id: str
    slug: str
    name: str
    members: set[str] = field(default_factory=set)


@dataclass
class Fault:
    """A scripted misbehaviour of the HTTP routes matching `method` and the `path` glob.

    Applied in order: `latency`, then the next of `statuses` (with `retry_after`, an HTML page
    when `html`), or a broken rendering of the real answer (`truncated_json`, `invalid_json`,
    `drop_mid_response`). `times` limits how many requests it applies to (`None`: all).
    """

    path: str
    method: str | None = None
    latency: float = 0.0
    statuses: list[int] = field(default_factory=list)
    retry_after: str | None = None
    html: bool = False
    truncated_json: bool = False
    invalid_json: bool = False
    drop_mid_response: bool = False
    times: int | None = None
    #: how many requests this fault has applied to
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return fnmatch.fnmatchcase(path, self.path)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


@dataclass
class StreamFault:
    """A scripted misbehaviour of event streams whose path matches the `path` glob.

    `drop_after`: close the stream after that many events. `silent_after`: after that many
    events, send nothing more (no events, no keep-alives) while keeping the connection open.
    `malformed`: frames of raw text sent right after the greeting. `status`: refuse the
    connection with this status (e.g. 429, 529, 503). `times`: connections it applies to.
    """

    path: str = "*"
    drop_after: int | None = None
    silent_after: int | None = None
    malformed: list[str] = field(default_factory=list)
    status: int | None = None
    retry_after: str | None = None
    times: int | None = None
    hits: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


@dataclass
class Token:
    username: str | None
    product_id: int | None = None
    expires_at: datetime | None = None


class Subscriber:
    """One open event stream; events are handed over thread-safely to its event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        accepts: Callable[[PublishedEvent], bool],
        *,
        with_product: bool,
        max_queue: int = 10_000,
    ) -> None:
        self.loop = loop
        self.accepts = accepts
        self.with_product = with_product
        self.queue: asyncio.Queue[PublishedEvent | None] = asyncio.Queue(max_queue)

    def offer(self, event: PublishedEvent) -> None:
        self.loop.call_soon_threadsafe(self._put, event)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self._put, None)

    def _put(self, event: PublishedEvent | None) -> None:
        if self.queue.full():  # a stalled reader loses the oldest events, like a real cloud
            self.queue.get_nowait()
        self.queue.put_nowait(event)


class CloudState:
    """The data behind a local cloud."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, str] = {}
        self.tokens: dict[str, Token] = {}
        self.clients: dict[str, tuple[str, int | None]] = {
            cid: (secret, None) for cid, secret in PUBLIC_CLIENTS.items()
        }
        self.devices: dict[str, FakeDevice] = {}
        self.products: dict[int, FakeProduct] = {}
        self.orgs: dict[str, FakeOrg] = {}
        self.events: list[PublishedEvent] = []
        self.subscribers: set[Subscriber] = set()
        self.faults: list[Fault] = []
        self.stream_faults: list[StreamFault] = []
        #: when each event stream was opened (every path), oldest first
        self.stream_opens: list[datetime] = []
        #: every event written to an event stream, once per stream it was written to
        self.delivered: list[PublishedEvent] = []
        self.sims: dict[str, FakeSim] = {}
        self.libraries: dict[str, FakeLibrary] = {}
        #: compiled or registered firmware binaries by binary id
        self.binaries: dict[str, bytes] = {}
        self.device_os_versions: list[DeviceOsVersion] = []
        #: every `POST /v1/binaries`, oldest first (refused ones too, with `ok` False)
        self.compiles: list[CompileRequest] = []
        #: every flash over `PUT .../devices/:device`, oldest first (refused ones with `ok` False)
        self.flashes: list[FlashRequest] = []
        #: every library archive download: (path, Authorization header or None), oldest first
        self.archive_requests: list[tuple[str, str | None]] = []
        self.username = DEFAULT_USERNAME
        self.password = DEFAULT_PASSWORD
        self.token = self.add_user(DEFAULT_USERNAME, DEFAULT_PASSWORD)
        for version, platforms, released in _DEVICE_OS_SEED:
            for platform in platforms:
                self.add_device_os_version(version, platform, release_date=released)

    # ------------------------------------------------------------- accounts

    def add_user(
        self, username: str, password: str = DEFAULT_PASSWORD, *, token: str | None = None
    ) -> str:
        """Create an account; return an access token for it."""
        with self.lock:
            self.users[username] = password
            return self.issue_token(username, token=token)

    def issue_token(
        self,
        username: str | None,
        *,
        token: str | None = None,
        product_id: int | None = None,
        expires_in: int | None = None,
    ) -> str:
        token = token or secrets.token_hex(20)
        expires_at = None
        if expires_in:
            expires_at = datetime.fromtimestamp(utcnow().timestamp() + expires_in, timezone.utc)
        with self.lock:
            self.tokens[token] = Token(username, product_id, expires_at)
        return token

    def revoke(self, token: str) -> None:
        with self.lock:
            self.tokens.pop(token, None)

    def lookup_token(self, token: str) -> Token | None:
        with self.lock:
            found = self.tokens.get(token)
            if found is not None and found.expires_at is not None and found.expires_at <= utcnow():
                return None
            return found

    def add_oauth_client(self, client_id: str, secret: str, *, product: int | None = None) -> None:
        """Register an OAuth client (a product's, for the client-credentials grant)."""
        with self.lock:
            self.clients[client_id] = (secret, product)

    # ------------------------------------------------------------- fleet

    def add_product(
        self,
        id: int | None = None,
        *,
        slug: str | None = None,
        name: str | None = None,
        platform: int | str = "boron",
        org: str | None = None,
        members: Iterable[str] | None = None,
    ) -> FakeProduct:
        """Create a product the default user is a team member of (or `members`)."""
        with self.lock:
            pid = id if id is not None else 1000 + next(_ids)
            product = FakeProduct(
                id=pid,
                slug=slug or f"product-{pid}",
                name=name or f"Product {pid}",
                platform_id=_platform(platform),
                org=org,
                members=set(members) if members is not None else {self.username},
            )
            self.products[pid] = product
            return product

    def add_org(
        self, slug: str, *, name: str | None = None, members: Iterable[str] | None = None
    ) -> FakeOrg:
        with self.lock:
            org = FakeOrg(
                id=secrets.token_hex(12),
                slug=slug,
                name=name or slug,
                members=set(members) if members is not None else {self.username},
            )
            self.orgs[org.slug] = org
            return org

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
    ) -> FakeDevice:
        """Add a device, owned by the default user unless `owner` says so (None: unclaimed)."""
        with self.lock:
            device_id = id or new_device_id()
            platform_id = _platform(platform)
            product_id = None
            if product is not None:
                found = self.find_product(product)
                if found is None:
                    raise KeyError(f"no product {product!r}: add_product() it first")
                product_id = found.id
                platform_id = found.platform_id
            device = FakeDevice(
                self,
                id=device_id,
                name=name or f"device-{device_id[-6:]}",
                platform_id=platform_id,
                owner=self.username if owner is ... else owner,  # type: ignore[arg-type]
                product_id=product_id,
                online=online,
                functions=functions or {},
                variables=variables or {},
                notes=notes,
                cellular=platform_id in (10, 13, 23, 25, 26, 35),
                serial_number=serial_number,
                iccid=iccid,
                firmware_version=firmware_version if product_id is not None else None,
                groups=groups,
                development=development,
            )
            self.devices[device_id] = device
            return device

    def find_product(self, ref: int | str | FakeProduct) -> FakeProduct | None:
        """A product by id, slug or the `FakeProduct` itself."""
        with self.lock:
            if isinstance(ref, FakeProduct):
                return self.products.get(ref.id)
            if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
                return self.products.get(int(ref))
            return next((p for p in self.products.values() if p.slug == ref), None)

    def _product(self, ref: int | str | FakeProduct) -> FakeProduct:
        found = self.find_product(ref)
        if found is None:
            raise KeyError(f"no product {ref!r}: add_product() it first")
        return found

    # ------------------------------------------------------------- product firmware

    def add_firmware(
        self,
        product: int | str | FakeProduct,
        version: int,
        data: bytes,
        *,
        title: str | None = None,
        description: str = "",
        current: bool = False,
        uploaded_by: str | None = None,
    ) -> FakeFirmware:
        """Add a firmware version to a product (id, slug or `FakeProduct`); `current=True` makes
        it the product default (and no other). Raises `ValueError` if the version exists."""
        with self.lock:
            found = self._product(product)
            if version in found.firmware:
                raise ValueError(f"product {found.id} already has firmware version {version}")
            firmware = FakeFirmware(
                product_id=found.id,
                version=version,
                title=title if title is not None else f"Version {version}",
                data=bytes(data),
                description=description,
                uploaded_by=uploaded_by or self.username,
            )
            found.firmware[version] = firmware
            if current:
                self.make_current(found, version)
            return firmware

    def make_current(self, product: int | str | FakeProduct, version: int) -> None:
        """Make `version` the product's default firmware (and no other version)."""
        with self.lock:
            found = self._product(product)
            for firmware in found.firmware.values():
                firmware.current = firmware.version == version

    # ------------------------------------------------------------- SIM cards

    def add_sim(
        self,
        iccid: str,
        *,
        device: str | FakeDevice | None = None,
        product: int | str | FakeProduct | None = None,
        owner: str | object | None = ...,
        status: str = "active",
        base_country_code: str = "US",
        carrier: str = "Particle",
        mb_limit: int | None = None,
        usage: Iterable[tuple[date | str, float]] = (),
    ) -> FakeSim:
        """Add a SIM card. `device` (id or `FakeDevice`) is the device it sits in; its `iccid`
        is set when it had none, and `product` defaults to the device's product. `owner`
        defaults to the default user for a SIM outside any product, None inside one (None and
        no product: a released SIM anyone may activate). `usage` is `(day, megabytes)` pairs,
        days as `date` or `"YYYY-MM-DD"`."""
        with self.lock:
            if iccid in self.sims:
                raise ValueError(f"SIM {iccid} already exists")
            found_device = None
            if device is not None:
                ref = device.id if isinstance(device, FakeDevice) else device
                found_device = self.devices.get(ref.lower())
                if found_device is None:
                    raise KeyError(f"no device {ref!r}: add_device() it first")
            product_id = None
            if product is not None:
                product_id = self._product(product).id
            elif found_device is not None:
                product_id = found_device.product_id
            if owner is ...:
                owner = self.username if product_id is None else None
            sim = FakeSim(
                iccid=iccid,
                status=status,
                base_country_code=base_country_code,
                carrier=carrier,
                device_id=found_device.id if found_device is not None else None,
                owner=owner,  # type: ignore[arg-type]
                product_id=product_id,
                mb_limit=mb_limit,
                usage_by_day=sorted(
                    (day if isinstance(day, date) else date.fromisoformat(day), float(mbs))
                    for day, mbs in usage
                ),
                last_status_change_action="activate" if status == "active" else "deactivate",
                activated_on=utcnow() if status == "active" else None,
            )
            if found_device is not None and found_device.iccid is None:
                found_device.iccid = iccid
            self.sims[iccid] = sim
            return sim

    # ------------------------------------------------------------- libraries

    def add_library(
        self,
        name: str,
        version: str = "1.0.0",
        *,
        archive: bytes | None = None,
        architectures: Iterable[str] = ("*",),
        visibility: str = "public",
        official: bool = False,
        verified: bool = False,
        featured: bool = False,
        owner: str | None = None,
        installs: int = 0,
        author: str = "Local Cloud <libraries@example.com>",
        sentence: str | None = None,
        paragraph: str = "",
        url: str | None = None,
        repository: str | None = None,
        license: str = "MIT",
        category: str = "Other",
        **attributes: object,
    ) -> FakeLibrary:
        """Add a version of a firmware library (creating the library on its first version).

        `archive` defaults to a real `.tar.gz` holding `library.properties` and a header.
        Library-level settings (`owner`, `official`, `verified`, `featured`, `installs`) come
        from the first call; later calls only add versions. Extra keyword arguments become
        attributes of the version. Raises `ValueError` if the version exists."""
        architectures = list(architectures)
        attrs: dict[str, Any] = {
            "author": author,
            "sentence": sentence if sentence is not None else f"The {name} library",
            "paragraph": paragraph,
            "url": url if url is not None else f"https://github.com/example/{name}",
            "repository": repository if repository is not None else f"example/{name}",
            "architectures": architectures,
            "license": license,
            "category": category,
            **attributes,
        }
        if archive is None:
            properties = {
                "author": author,
                "sentence": attrs["sentence"],
                "architectures": ",".join(architectures),
                "license": license,
            }
            archive = make_library_archive(name, version, properties=properties)
        with self.lock:
            library = self.libraries.get(name)
            if library is None:
                library = FakeLibrary(
                    name=name,
                    owner=owner,
                    official=official,
                    verified=verified,
                    featured=featured,
                    installs=installs,
                )
                self.libraries[name] = library
            if version in library.versions:
                raise ValueError(f"library {name} already has version {version}")
            library.versions[version] = FakeLibraryVersion(
                version=version, archive=archive, attributes=attrs, visibility=visibility
            )
            return library

    def find_library(self, name: str) -> FakeLibrary | None:
        """A library by name (exact, else case-insensitive)."""
        with self.lock:
            found = self.libraries.get(name)
            if found is not None:
                return found
            folded = name.casefold()
            return next((v for k, v in self.libraries.items() if k.casefold() == folded), None)

    # ------------------------------------------------------------- compiler and Device OS

    def add_binary(self, data: bytes) -> str:
        """Register a firmware binary for `GET /v1/binaries/:id`; return its id."""
        binary_id = secrets.token_hex(12)
        with self.lock:
            self.binaries[binary_id] = bytes(data)
        return binary_id

    def add_device_os_version(
        self,
        version: str,
        platform: int | str,
        *,
        internal_version: int | None = None,
        module_version: int | None = None,
        release_date: datetime | None = None,
    ) -> DeviceOsVersion:
        """Add a Device OS release for one platform (listed by `/v1/device-os/versions` and
        `/v1/build_targets`). `internal_version` defaults to major*1000 + minor*100 + patch."""
        if internal_version is None:
            numbers = [int(n) for n in re.findall(r"\d+", version.split("-")[0])[:3]]
            major, minor, patch = [*numbers, 0, 0, 0][:3]
            internal_version = major * 1000 + minor * 100 + patch
        release = DeviceOsVersion(
            version=version,
            platform_id=_platform(platform),
            internal_version=internal_version,
            module_version=module_version if module_version is not None else internal_version,
            release_date=release_date,
        )
        with self.lock:
            self.device_os_versions.append(release)
            self.device_os_versions.sort(
                key=lambda v: (version_key(v.version), -v.platform_id), reverse=True
            )
        return release

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

    # ------------------------------------------------------------- events

    def publish(
        self,
        name: str,
        data: str = "",
        *,
        device: str | None = None,
        ttl: int = 60,
        private: bool = True,
        owner: str | None = None,
        product_id: int | None = None,
    ) -> PublishedEvent:
        """Publish an event (from `device` when given) to every matching open stream."""
        with self.lock:
            source = self.devices.get(device) if device else None
            event = PublishedEvent(
                name=name,
                data=data,
                ttl=ttl,
                published_at=utcnow(),
                coreid=source.id if source else (device or "particle-internal"),
                private=private,
                product_id=source.product_id if source else product_id,
                owner=source.owner if source else owner,
            )
            if source is not None:
                source.last_heard = event.published_at
            self.events.append(event)
            for subscriber in list(self.subscribers):
                if subscriber.accepts(event):
                    subscriber.offer(event)
            return event

    def subscribe(self, subscriber: Subscriber) -> None:
        with self.lock:
            self.subscribers.add(subscriber)
            self.stream_opens.append(utcnow())

    def record_delivery(self, event: PublishedEvent) -> None:
        with self.lock:
            self.delivered.append(event)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self.lock:
            self.subscribers.discard(subscriber)

    # ------------------------------------------------------------- faults

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if not fault.exhausted and fault.matches(method, path):
                    fault.hits += 1
                    return fault
            return None

    def take_stream_fault(self, path: str) -> StreamFault | None:
        with self.lock:
            for fault in self.stream_faults:
                if not fault.exhausted and fnmatch.fnmatchcase(path, fault.path):
                    fault.hits += 1
                    return fault
            return None


_DEVICE_OS_SEED: list[tuple[str, tuple[str, ...], datetime]] = [
    ("4.2.0", ("argon", "boron"), datetime(2023, 9, 20, tzinfo=timezone.utc)),
    ("5.8.0", ("argon", "boron", "tracker"), datetime(2024, 4, 10, tzinfo=timezone.utc)),
    ("5.9.0", ("argon", "boron", "tracker"), datetime(2024, 8, 22, tzinfo=timezone.utc)),
    ("6.3.0-rc.1", ("boron", "tracker"), datetime(2025, 1, 15, tzinfo=timezone.utc)),
]


def version_key(version: str) -> tuple[tuple[int, ...], int, str]:
    """Sort key of a semantic version: `1.2.10` > `1.2.9` > `1.2.9-rc.1`."""
    main, dash, pre = version.partition("-")
    numbers = tuple(int(n) if n.isdigit() else 0 for n in main.split("+")[0].split("."))
    return numbers, 0 if dash else 1, pre


def fake_binary(sources: Iterable[tuple[str, bytes]], size: int = 4096) -> bytes:
    """The deterministic "firmware" the local compiler builds from `(filename, bytes)` sources:
    `FAKEBIN`, the sha256 of the sources, then 0xFF padding up to `size` bytes."""
    digest = hashlib.sha256()
    for filename, data in sources:
        digest.update(filename.encode() + b"\0" + data + b"\0")
    head = b"FAKEBIN" + digest.digest()
    return head + b"\xff" * max(0, size - len(head))


def make_library_archive(
    name: str,
    version: str,
    *,
    properties: Mapping[str, str] | None = None,
    files: Mapping[str, bytes] | None = None,
) -> bytes:
    """A library `.tar.gz` as `POST /v1/libraries` expects: `library.properties` (`name`,
    `version`, then `properties`) plus `files` (default: `src/<name>.h`)."""
    lines = [f"name={name}", f"version={version}"]
    lines += [f"{key}={value}" for key, value in (properties or {}).items()]
    contents = {"library.properties": ("\n".join(lines) + "\n").encode()}
    contents.update(files if files is not None else {f"src/{name}.h": b"#pragma once\n"})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in contents.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def read_library_properties(archive: bytes) -> dict[str, str]:
    """The `library.properties` of a library archive. Raises `ValueError` if unreadable."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
            members = [
                m
                for m in tar.getmembers()
                if m.isfile() and m.name.rsplit("/", 1)[-1] == "library.properties"
            ]
            if not members:
                raise ValueError("library.properties is missing from the archive")
            member = min(members, key=lambda m: m.name.count("/"))
            extracted = tar.extractfile(member)
            if extracted is None:
                raise ValueError("library.properties is not a file")
            text = extracted.read().decode("utf-8")
    except (tarfile.TarError, OSError, EOFError, UnicodeDecodeError) as exc:
        raise ValueError(f"the archive is not a readable .tar.gz: {exc}") from None
    properties: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        if equals:
            properties[key.strip()] = value.strip()
    return properties


def _platform(platform: int | str) -> int:
    if isinstance(platform, int):
        return platform
    try:
        return _PLATFORMS[platform.lower()]
    except KeyError:
        raise ValueError(
            f"unknown platform {platform!r}; use an id or one of {', '.join(sorted(_PLATFORMS))}"
        ) from None
