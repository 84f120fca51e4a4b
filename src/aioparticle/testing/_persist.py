"""The local cloud's state file: its data kept in SQLite across restarts.

What a file keeps: the accounts (username, password, MFA secret, profile), every access token,
the OAuth clients, the organizations, the products (team, firmware versions and releases),
their device groups, the devices (everything but the logs of their calls and reads: name,
owner, product, online, notes, groups, firmware, variables and functions) and the history of
published events, plus the counters new ids come from (a device added after a restart never
takes an id already used). Variables that are plain values are kept as they are; functions
and computed variables are Python code, so the file keeps their names: those of the demo and
generated fleets (`led`, `door`, `temp`) come back as they were, any other function returns 0
and any other computed variable is left out. Everything else (webhooks and integrations, SIM
cards, libraries, ledgers, Logic, environment variables, secrets, logs of requests, faults)
starts afresh.

The file is written as a whole snapshot (the events only appended) by a background thread
soon after each change, and once more when the cloud stops. It holds passwords and tokens:
it is created readable by its owner only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ._fleet import FunctionBehaviour, VariableBehaviour, function_behaviour, variable_behaviour
from ._state import (
    CloudState,
    FakeDevice,
    FakeFirmware,
    FakeGroup,
    FakeOrg,
    FakeProduct,
    FakeUser,
    FirmwareRelease,
    OAuthClient,
    PublishedEvent,
    Token,
)

__all__ = ["FORMAT", "FORMAT_VERSION", "StateFile", "StateFileError"]

_log = logging.getLogger("aioparticle.testing")

#: What the `meta` table's `format` says, and the SQLite `application_id` of a state file.
FORMAT = "aioparticle-local-cloud"
FORMAT_VERSION = 1
_APPLICATION_ID = 0x61504C43  # "aPLC"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
    username TEXT PRIMARY KEY, password TEXT, mfa_secret TEXT, verified INTEGER NOT NULL,
    tracking_id TEXT NOT NULL, account_info TEXT NOT NULL, utm TEXT NOT NULL);
CREATE TABLE tokens (
    token TEXT PRIMARY KEY, username TEXT, product_id INTEGER, expires_at TEXT,
    client_id TEXT, scopes TEXT NOT NULL, org_id TEXT, customer_of INTEGER);
CREATE TABLE oauth_clients (
    client_id TEXT PRIMARY KEY, secret TEXT NOT NULL, product_id INTEGER, owner TEXT,
    name TEXT, type TEXT NOT NULL, scope TEXT, redirect_uri TEXT);
CREATE TABLE orgs (
    slug TEXT PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL, members TEXT NOT NULL,
    roles TEXT NOT NULL);
CREATE TABLE products (
    id INTEGER PRIMARY KEY, slug TEXT NOT NULL, name TEXT NOT NULL,
    platform_id INTEGER NOT NULL, org TEXT, description TEXT NOT NULL, members TEXT NOT NULL,
    roles TEXT NOT NULL, releases TEXT NOT NULL);
CREATE TABLE firmware (
    product_id INTEGER NOT NULL, version INTEGER NOT NULL, title TEXT NOT NULL,
    data BLOB NOT NULL, description TEXT NOT NULL, current INTEGER NOT NULL,
    uploaded_at TEXT NOT NULL, uploaded_by TEXT, mandatory INTEGER NOT NULL,
    PRIMARY KEY (product_id, version));
CREATE TABLE device_groups (
    product_id INTEGER NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
    color TEXT NOT NULL, PRIMARY KEY (product_id, name));
CREATE TABLE devices (
    position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    platform_id INTEGER NOT NULL, owner TEXT, product_id INTEGER, online INTEGER NOT NULL,
    notes TEXT, cellular INTEGER NOT NULL, serial_number TEXT, iccid TEXT,
    firmware_version INTEGER, desired_firmware_version INTEGER, groups TEXT NOT NULL,
    development INTEGER NOT NULL, quarantined INTEGER NOT NULL, denied INTEGER NOT NULL,
    firmware_updates_forced INTEGER NOT NULL, signaling INTEGER NOT NULL, last_heard TEXT,
    last_handshake_at TEXT, system_firmware_version TEXT NOT NULL, variables TEXT NOT NULL,
    functions TEXT NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL, ttl INTEGER NOT NULL,
    published_at TEXT NOT NULL, coreid TEXT NOT NULL, private INTEGER NOT NULL,
    product_id INTEGER, owner TEXT);
"""

#: The tables a snapshot rewrites whole (the events are appended).
_SNAPSHOT_TABLES = (
    "users",
    "tokens",
    "oauth_clients",
    "orgs",
    "products",
    "firmware",
    "device_groups",
    "devices",
)


class StateFileError(Exception):
    """A state file that cannot be used: not a database, another program's database, written by
    a newer version, or damaged. The message names the file and what is wrong."""


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


@dataclass
class _Snapshot:
    """The rows of one snapshot, copied under the state's lock."""

    meta: dict[str, str]
    rows: dict[str, list[tuple[Any, ...]]]
    #: the events list, how far the file holds it (a new list is written whole) and how far
    #: it went when the snapshot was taken
    events: list[PublishedEvent]
    events_from: int
    events_to: int


class StateFile:
    """One state file: `load` fills a state from it, `start` runs the writer that keeps it up to
    date (`changed()` after each change), `close` writes a last snapshot and stops."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._wake = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()
        #: the events list last written and how many of its events the file holds
        self._events_list: list[PublishedEvent] | None = None
        self._events_written = 0

    # ------------------------------------------------------------------ opening and reading

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if self.path.is_dir():
            raise StateFileError(f"state file {self.path}: is a directory")
        if not self.path.exists():
            try:
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except OSError as exc:
                raise StateFileError(
                    f"state file {self.path}: cannot create it ({exc.strerror})"
                ) from None
        try:
            connection = sqlite3.connect(self.path, timeout=5.0)
        except sqlite3.Error as exc:
            raise StateFileError(f"state file {self.path}: cannot open it ({exc})") from None
        try:
            yield connection
        finally:
            connection.close()

    def _check(self, connection: sqlite3.Connection) -> bool:
        """Whether the file already holds a state (False: a new, empty file, now set up)."""
        try:
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.DatabaseError:
            raise StateFileError(
                f"state file {self.path}: not a local cloud state file (not an SQLite database)"
            ) from None
        if not tables and application_id == 0:
            with connection:
                connection.executescript(_SCHEMA)
                connection.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
                connection.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [("format", FORMAT), ("version", str(FORMAT_VERSION))],
                )
            return False
        if application_id != _APPLICATION_ID or "meta" not in tables:
            raise StateFileError(
                f"state file {self.path}: an SQLite database of another program, not a local "
                "cloud state file"
            )
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        version = meta.get("version", "")
        if meta.get("format") != FORMAT or not version.isdigit():
            raise StateFileError(f"state file {self.path}: damaged (no format version)")
        if int(version) > FORMAT_VERSION:
            raise StateFileError(
                f"state file {self.path}: written by a newer aioparticle (format {version}; "
                f"this one reads up to {FORMAT_VERSION})"
            )
        return "username" in meta

    def load(self, cloud: CloudState) -> bool:
        """Fill `cloud` from the file: True if it held a state, False if it was new (it is then
        set up, empty). Raises `StateFileError`."""
        with self._connect() as connection:
            if not self._check(connection):
                return False
            try:
                self._read(connection, cloud)
            except StateFileError:
                raise
            except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
                raise StateFileError(
                    f"state file {self.path}: damaged ({type(exc).__name__}: {exc})"
                ) from None
            return True

    def _read(self, connection: sqlite3.Connection, cloud: CloudState) -> None:
        rows = connection.execute
        meta = dict(rows("SELECT key, value FROM meta").fetchall())
        users = {
            username: FakeUser(
                username,
                password,
                mfa_secret,
                account_info=json.loads(info),
                verified=bool(verified),
                tracking_id=tracking_id,
                utm=json.loads(utm),
            )
            for username, password, mfa_secret, verified, tracking_id, info, utm in rows(
                "SELECT username, password, mfa_secret, verified, tracking_id, account_info, utm "
                "FROM users"
            )
        }
        tokens = {
            token: Token(
                username,
                product_id,
                _when(expires_at),
                client_id,
                scopes=json.loads(scopes),
                org_id=org_id,
                customer_of=customer_of,
            )
            for token, username, product_id, expires_at, client_id, scopes, org_id, customer_of in (
                rows(
                    "SELECT token, username, product_id, expires_at, client_id, scopes, org_id, "
                    "customer_of FROM tokens"
                )
            )
        }
        clients = {
            row[0]: OAuthClient(*row[1:])
            for row in rows(
                "SELECT client_id, secret, product_id, owner, name, type, scope, redirect_uri "
                "FROM oauth_clients"
            )
        }
        orgs = {
            slug: FakeOrg(
                id=org_id,
                slug=slug,
                name=name,
                members=set(json.loads(members)),
                roles=json.loads(roles),
            )
            for slug, org_id, name, members, roles in rows(
                "SELECT slug, id, name, members, roles FROM orgs"
            )
        }
        products: dict[int, FakeProduct] = {}
        for pid, slug, name, platform, org, description, members, roles, releases in rows(
            "SELECT id, slug, name, platform_id, org, description, members, roles, releases "
            "FROM products ORDER BY id"
        ):
            products[pid] = FakeProduct(
                id=pid,
                slug=slug,
                name=name,
                platform_id=platform,
                org=org,
                description=description,
                members=set(json.loads(members)),
                roles=json.loads(roles),
                releases=[
                    FirmwareRelease(
                        version=r["version"],
                        product_default=r["product_default"],
                        groups=tuple(r["groups"]),
                        intelligent=r["intelligent"],
                        username=r["username"],
                        at=datetime.fromisoformat(r["at"]),
                    )
                    for r in json.loads(releases)
                ],
            )
        for row in rows(
            "SELECT product_id, version, title, data, description, current, uploaded_at, "
            "uploaded_by, mandatory FROM firmware ORDER BY product_id, version"
        ):
            pid, version, title, data, description, current, uploaded_at, by, mandatory = row
            products[pid].firmware[version] = FakeFirmware(
                product_id=pid,
                version=version,
                title=title,
                data=bytes(data),
                description=description,
                current=bool(current),
                uploaded_at=datetime.fromisoformat(uploaded_at),
                uploaded_by=by,
                mandatory=bool(mandatory),
            )
        groups: dict[int, dict[str, FakeGroup]] = {}
        for pid, name, description, color in rows(
            "SELECT product_id, name, description, color FROM device_groups"
        ):
            groups.setdefault(pid, {})[name] = FakeGroup(pid, name, description, color)
        devices = {
            device.id: device for device in (_device(cloud, row) for row in rows(_SELECT_DEVICES))
        }
        events = [
            PublishedEvent(
                name=name,
                data=data,
                ttl=ttl,
                published_at=datetime.fromisoformat(published_at),
                coreid=coreid,
                private=bool(private),
                product_id=product_id,
                owner=owner,
            )
            for name, data, ttl, published_at, coreid, private, product_id, owner in rows(
                "SELECT name, data, ttl, published_at, coreid, private, product_id, owner "
                "FROM events ORDER BY seq"
            )
        ]
        counters = {kind: int(n) for kind, n in json.loads(meta["counters"]).items()}
        with cloud.lock:
            cloud.users = users
            cloud.tokens = tokens
            cloud.clients = clients
            cloud.orgs = orgs
            cloud.products = products
            cloud.device_groups = groups
            cloud.devices = devices
            cloud.events = events
            cloud.username = meta["username"]
            cloud.password = meta["password"]
            cloud.token = meta["token"]
            cloud.restore_id_counters(counters)
        self._events_list, self._events_written = events, len(events)

    # ------------------------------------------------------------------ writing

    def start(self, cloud: CloudState) -> None:
        """Run the writer thread: each `changed()` leads to a snapshot of `cloud` soon after."""
        if self._thread is not None:
            return
        self._closing = False
        self._thread = threading.Thread(
            target=self._run, args=(cloud,), name="aioparticle-local-cloud-state", daemon=True
        )
        self._thread.start()

    def changed(self) -> None:
        """Note a change: the writer writes a snapshot soon (changes close together, one)."""
        self._wake.set()

    def close(self, cloud: CloudState) -> None:
        """Stop the writer and write a last snapshot of `cloud`. Raises `StateFileError`."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._closing = True
            self._wake.set()
            thread.join()
        self.save(cloud)

    def _run(self, cloud: CloudState) -> None:
        while True:
            self._wake.wait()
            if self._closing:
                return
            # changes close together (a burst of requests) make one snapshot
            self._wake.clear()
            try:
                self.save(cloud)
            except StateFileError as exc:
                _log.warning("the local cloud could not save its state: %s", exc)

    def save(self, cloud: CloudState) -> None:
        """Write a snapshot of `cloud` now. Raises `StateFileError`."""
        with self._write_lock:
            snapshot = self._snapshot(cloud)
            rows = {
                "devices": [_device_row(row) for row in snapshot.rows.pop("devices")],
                **snapshot.rows,
            }
            try:
                with self._connect() as connection:
                    self._check(connection)
                    with connection:
                        for table in _SNAPSHOT_TABLES:
                            connection.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
                            if rows[table]:
                                marks = ", ".join("?" * len(rows[table][0]))
                                connection.executemany(
                                    f"INSERT INTO {table} VALUES ({marks})",  # noqa: S608
                                    rows[table],
                                )
                        if snapshot.events_from == 0:
                            connection.execute("DELETE FROM events")
                        connection.executemany(
                            "INSERT INTO events (name, data, ttl, published_at, coreid, private, "
                            "product_id, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [
                                (
                                    e.name,
                                    e.data,
                                    e.ttl,
                                    e.published_at.isoformat(),
                                    e.coreid,
                                    int(e.private),
                                    e.product_id,
                                    e.owner,
                                )
                                for e in snapshot.events[snapshot.events_from : snapshot.events_to]
                            ],
                        )
                        connection.executemany(
                            "INSERT OR REPLACE INTO meta VALUES (?, ?)", snapshot.meta.items()
                        )
            except sqlite3.Error as exc:
                raise StateFileError(f"state file {self.path}: cannot write it ({exc})") from None
            self._events_list, self._events_written = snapshot.events, snapshot.events_to

    def _snapshot(self, cloud: CloudState) -> _Snapshot:
        with cloud.lock:
            counters = cloud.id_counters()
            events = cloud.events
            events_from = self._events_written if events is self._events_list else 0
            if events_from > len(events):
                events_from = 0
            return _Snapshot(
                meta={
                    "username": cloud.username,
                    "password": cloud.password,
                    "token": cloud.token,
                    "counters": json.dumps(counters),
                },
                rows={
                    "users": [
                        (
                            u.username,
                            u.password,
                            u.mfa_secret,
                            int(u.verified),
                            u.tracking_id,
                            json.dumps(u.account_info),
                            json.dumps(u.utm),
                        )
                        for u in cloud.users.values()
                    ],
                    "tokens": [
                        (
                            token,
                            t.username,
                            t.product_id,
                            _iso(t.expires_at),
                            t.client_id,
                            json.dumps(t.scopes),
                            t.org_id,
                            t.customer_of,
                        )
                        for token, t in cloud.tokens.items()
                    ],
                    "oauth_clients": [
                        (client_id, *client) for client_id, client in cloud.clients.items()
                    ],
                    "orgs": [
                        (o.slug, o.id, o.name, json.dumps(sorted(o.members)), json.dumps(o.roles))
                        for o in cloud.orgs.values()
                    ],
                    "products": [
                        (
                            p.id,
                            p.slug,
                            p.name,
                            p.platform_id,
                            p.org,
                            p.description,
                            json.dumps(sorted(p.members)),
                            json.dumps(p.roles),
                            json.dumps([_release(r) for r in p.releases]),
                        )
                        for p in cloud.products.values()
                    ],
                    "firmware": [
                        (
                            f.product_id,
                            f.version,
                            f.title,
                            f.data,
                            f.description,
                            int(f.current),
                            f.uploaded_at.isoformat(),
                            f.uploaded_by,
                            int(f.mandatory),
                        )
                        for p in cloud.products.values()
                        for f in p.firmware.values()
                    ],
                    "device_groups": [
                        (g.product_id, g.name, g.description, g.color)
                        for groups in cloud.device_groups.values()
                        for g in groups.values()
                    ],
                    # copied under the lock, turned into rows outside it
                    "devices": [_device_copy(d) for d in cloud.devices.values()],
                },
                events=events,
                events_from=events_from,
                events_to=len(events),
            )


def _release(release: FirmwareRelease) -> dict[str, Any]:
    return {
        "version": release.version,
        "product_default": release.product_default,
        "groups": list(release.groups),
        "intelligent": release.intelligent,
        "username": release.username,
        "at": release.at.isoformat(),
    }


_DEVICE_COLUMNS = (
    "id",
    "name",
    "platform_id",
    "owner",
    "product_id",
    "online",
    "notes",
    "cellular",
    "serial_number",
    "iccid",
    "firmware_version",
    "desired_firmware_version",
    "groups",
    "development",
    "quarantined",
    "denied",
    "firmware_updates_forced",
    "signaling",
    "last_heard",
    "last_handshake_at",
    "system_firmware_version",
    "variables",
    "functions",
)


_SELECT_DEVICES = f"SELECT {', '.join(_DEVICE_COLUMNS)} FROM devices ORDER BY position"  # noqa: S608


def _device_copy(device: FakeDevice) -> tuple[Any, ...]:
    """The device's columns, the mutable ones copied (JSON comes later, outside the lock)."""
    return (
        device.id,
        device.name,
        device.platform_id,
        device.owner,
        device.product_id,
        device.online,
        device.notes,
        device.cellular,
        device.serial_number,
        device.iccid,
        device.firmware_version,
        device.desired_firmware_version,
        list(device.groups),
        device.development,
        device.quarantined,
        device.denied,
        device.firmware_updates_forced,
        device.signaling,
        device.last_heard,
        device.last_handshake_at,
        device.system_firmware_version,
        dict(device.variables),
        dict(device.functions),
    )


def _device_row(copy: tuple[Any, ...]) -> tuple[Any, ...]:
    values = dict(zip(_DEVICE_COLUMNS, copy, strict=True))
    variables: dict[str, Any] = {}
    for name, source in values["variables"].items():
        if isinstance(source, VariableBehaviour):
            variables[name] = {"behaviour": source.behaviour}
        elif not callable(source):
            variables[name] = {"value": source}
    functions = {
        name: run.behaviour if isinstance(run, FunctionBehaviour) else None
        for name, run in values["functions"].items()
    }
    values.update(
        groups=json.dumps(values["groups"]),
        last_heard=_iso(values["last_heard"]),
        last_handshake_at=_iso(values["last_handshake_at"]),
        variables=json.dumps(variables),
        functions=json.dumps(functions),
    )
    for flag in (
        "online",
        "cellular",
        "development",
        "quarantined",
        "denied",
        "firmware_updates_forced",
        "signaling",
    ):
        values[flag] = int(values[flag])
    # the position (the devices' order) is the row's INTEGER PRIMARY KEY, given by SQLite
    return (None, *values.values())


def _device(cloud: CloudState, row: tuple[Any, ...]) -> FakeDevice:
    values = dict(zip(_DEVICE_COLUMNS, row, strict=True))
    device_id = values["id"]
    functions = {
        name: function_behaviour(cloud, device_id, behaviour or "")
        for name, behaviour in json.loads(values["functions"]).items()
    }
    variables: dict[str, Any] = {}
    for name, stored in json.loads(values["variables"]).items():
        if "behaviour" in stored:
            source = variable_behaviour(cloud, device_id, stored["behaviour"])
            if source is not None:
                variables[name] = source
        else:
            value = stored["value"]
            if not isinstance(value, (bool, int, float, str)):
                raise ValueError(f"device {device_id}: variable {name} is not a value")
            variables[name] = value
    device = FakeDevice(
        cloud,
        id=device_id,
        name=values["name"],
        platform_id=values["platform_id"],
        owner=values["owner"],
        product_id=values["product_id"],
        online=bool(values["online"]),
        functions=functions,
        variables=variables,
        notes=values["notes"],
        cellular=bool(values["cellular"]),
        serial_number=values["serial_number"],
        iccid=values["iccid"],
        firmware_version=values["firmware_version"],
        groups=json.loads(values["groups"]),
        development=bool(values["development"]),
    )
    device.desired_firmware_version = values["desired_firmware_version"]
    device.quarantined = bool(values["quarantined"])
    device.denied = bool(values["denied"])
    device.firmware_updates_forced = bool(values["firmware_updates_forced"])
    device.signaling = bool(values["signaling"])
    device.last_heard = _when(values["last_heard"])
    device.last_handshake_at = _when(values["last_handshake_at"])
    device.system_firmware_version = values["system_firmware_version"]
    return device
