"""The local cloud's world: accounts, tokens, products, devices, events and faults.

Everything here is plain Python guarded by one lock, so a test can seed and drive the cloud from
its own thread while the HTTP server reads it from the server thread.
"""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Union

__all__ = [
    "CloudState",
    "FakeDevice",
    "FakeOrg",
    "FakeProduct",
    "Fault",
    "FunctionCall",
    "PublishedEvent",
    "StreamFault",
    "VariableSource",
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
class FakeProduct:
    """A product: devices join it with `add_device(product=...)`; `members` may use its routes."""

    id: int
    slug: str
    name: str
    platform_id: int
    org: str | None = None
    description: str = ""
    members: set[str] = field(default_factory=set)


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
        self.username = DEFAULT_USERNAME
        self.password = DEFAULT_PASSWORD
        self.token = self.add_user(DEFAULT_USERNAME, DEFAULT_PASSWORD)

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

    def find_product(self, ref: int | str) -> FakeProduct | None:
        with self.lock:
            if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
                return self.products.get(int(ref))
            return next((p for p in self.products.values() if p.slug == ref), None)

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


def _platform(platform: int | str) -> int:
    if isinstance(platform, int):
        return platform
    try:
        return _PLATFORMS[platform.lower()]
    except KeyError:
        raise ValueError(
            f"unknown platform {platform!r}; use an id or one of {', '.join(sorted(_PLATFORMS))}"
        ) from None
