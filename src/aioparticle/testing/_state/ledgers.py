"""Ledgers: definitions per sandbox account and per organization, their instances (the data of
each owner, product or device) and every version each instance had."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ._base import Denied, NotFound, Refused, iso, page_of, utcnow
from .teams import TeamsMixin

if TYPE_CHECKING:
    from .auth import Token

__all__ = [
    "LEDGER_SCOPES",
    "LEDGER_SET_MODES",
    "FakeLedger",
    "FakeLedgerInstance",
    "FakeLedgerVersion",
    "LedgersMixin",
    "ProductLedgers",
]

LEDGER_SCOPES = ("Owner", "Product", "Device")
LEDGER_SET_MODES = ("Replace", "Merge")
#: Largest instance data, serialised (Particle's limit for cloud-only ledgers).
MAX_LEDGER_DATA_BYTES = 1024 * 1024

_LEDGER_NAME = re.compile(r"[a-z0-9-]{1,32}")
_MILLISECOND = timedelta(milliseconds=1)


def _size(data: Mapping[str, Any]) -> int:
    return len(json.dumps(data, separators=(",", ":")).encode())


def _millis(when: datetime) -> datetime:
    """`when` cut to whole milliseconds (what the wire shows)."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class FakeLedgerVersion:
    """The data an instance held until `replaced_at`, when a set replaced it."""

    id: str
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    replaced_at: datetime


@dataclass
class FakeLedgerInstance:
    """The data of a ledger for one scope value; `versions` holds every data it replaced,
    oldest first."""

    scope_value: str
    data: dict[str, Any]
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    versions: list[FakeLedgerVersion] = field(default_factory=list)


@dataclass
class FakeLedger:
    """A ledger definition of a sandbox account (`space` "user:<username>"), of an
    organization ("org:<org id>") or of a product ("product:<product id>"); archiving sets
    `archived_at` and keeps the record."""

    space: str
    name: str
    scope: str
    direction: str
    description: str = ""
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    archived_at: datetime | None = None
    #: the instances by scope value, oldest first
    instances: dict[str, FakeLedgerInstance] = field(default_factory=dict)


@dataclass(frozen=True)
class ProductLedgers:
    """The ledgers of a product, named where the other methods take an organization: the
    routes find the product, and check the token may use it, first."""

    product_id: int


#: Whose ledgers a call reaches: the sandbox (None), an organization (its id or slug) or a
#: product.
LedgerSpace = str | ProductLedgers | None


def _direction(value: object, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise Refused("direction must be a non-empty string")
    return value


def _description(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise Refused("description must be a string")
    return value


def _when(value: str | None, what: str) -> datetime | None:
    """A query's ISO 8601 date (naive: UTC)."""
    if value is None or value == "":
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"{what} must be an ISO 8601 date") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


class LedgersMixin(TeamsMixin):
    """Ledger definitions, instances and versions, per sandbox account and per organization.

    A sandbox's ledgers belong to the token's user; an organization's to the organization, and
    its members (or its API users) use them.
    """

    #: versions one page of `.../versions` lists at most
    ledger_versions_per_page = 20

    # ------------------------------------------------------------- lookups

    def _ledger_space(self, token: Token, org: LedgerSpace) -> str:
        """Whose ledgers a request reaches: the token's user's, the organization's (if the
        token may use it) or the product's. Raises `NotFound` or `Denied`."""
        if isinstance(org, ProductLedgers):
            return f"product:{org.product_id}"
        if org is not None:
            return f"org:{self.org_for(token, org).id}"
        if token.username is None:
            raise Denied
        return f"user:{token.username}"

    def _ledger(self, token: Token, org: LedgerSpace, name: str) -> FakeLedger:
        found = self.ledgers.get((self._ledger_space(token, org), name))
        if found is None:
            raise NotFound("Ledger not found")
        return found

    def _instance(
        self, token: Token, org: LedgerSpace, name: str, scope_value: str
    ) -> tuple[FakeLedger, FakeLedgerInstance]:
        ledger = self._ledger(token, org, name)
        instance = ledger.instances.get(scope_value)
        if instance is None:
            raise NotFound("Ledger instance not found")
        return ledger, instance

    # ------------------------------------------------------------- wire shapes

    def ledger_json(self, ledger: FakeLedger) -> dict[str, Any]:
        return {
            "name": ledger.name,
            "description": ledger.description,
            "scope": ledger.scope,
            "direction": ledger.direction,
            "created_at": iso(ledger.created_at),
            "updated_at": iso(ledger.updated_at),
            "archived_at": iso(ledger.archived_at),
            "archived": ledger.archived_at is not None,
        }

    def _scope_json(self, ledger: FakeLedger, value: str) -> dict[str, Any]:
        scope: dict[str, Any] = {"type": ledger.scope, "value": value}
        named: Any = None
        if ledger.scope == "Device":
            named = self.devices.get(value.lower())
        elif ledger.scope == "Product" and value.isdigit():
            named = self.products.get(int(value))
        if named is not None:
            scope["name"] = named.name
        return scope

    def _data_json(
        self,
        ledger: FakeLedger,
        value: str,
        data: dict[str, Any],
        created_at: datetime,
        updated_at: datetime,
    ) -> dict[str, Any]:
        return {
            "name": ledger.name,
            "scope": self._scope_json(ledger, value),
            "data": data,
            "size_bytes": _size(data),
            "created_at": iso(created_at),
            "updated_at": iso(updated_at),
        }

    def instance_json(self, ledger: FakeLedger, instance: FakeLedgerInstance) -> dict[str, Any]:
        return self._data_json(
            ledger, instance.scope_value, instance.data, instance.created_at, instance.updated_at
        )

    def version_json(
        self, ledger: FakeLedger, instance: FakeLedgerInstance, version: FakeLedgerVersion
    ) -> dict[str, Any]:
        body = self._data_json(
            ledger, instance.scope_value, version.data, version.created_at, version.updated_at
        )
        return {"version_id": version.id, **body, "replaced_at": iso(version.replaced_at)}

    # ------------------------------------------------------------- definitions

    def list_ledgers(
        self,
        token: Token,
        org: LedgerSpace,
        *,
        scope: str | None = None,
        archived: bool | None = None,
        page: int = 1,
        per_page: int = 100,
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the ledgers `token` reaches (of one `scope`; archived ones only with
        `archived` True, none with False or omitted) and how many match in all."""
        with self.lock:
            space = self._ledger_space(token, org)
            if scope is not None and scope not in LEDGER_SCOPES:
                raise Refused(f"scope must be one of {', '.join(LEDGER_SCOPES)}")
            want_archived = archived is True
            matching = [
                ledger
                for (owner, _), ledger in self.ledgers.items()
                if owner == space
                and (scope is None or ledger.scope == scope)
                and (ledger.archived_at is not None) == want_archived
            ]
            return [self.ledger_json(x) for x in page_of(matching, page, per_page)], len(matching)

    def get_ledger(self, token: Token, org: LedgerSpace, name: str) -> dict[str, Any]:
        with self.lock:
            return self.ledger_json(self._ledger(token, org, name))

    def create_ledger(
        self, token: Token, org: LedgerSpace, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Define a ledger from the `ledger` object of a request: `name`, `scope`,
        `direction`, `description`. Names are unique per sandbox or organization, archived
        ledgers included (409)."""
        with self.lock:
            space = self._ledger_space(token, org)
            name = fields.get("name")
            if not isinstance(name, str) or not _LEDGER_NAME.fullmatch(name):
                raise Refused("name must be 1 to 32 lower-case letters, digits and dashes")
            scope = fields.get("scope")
            if scope not in LEDGER_SCOPES:
                raise Refused(f"scope must be one of {', '.join(LEDGER_SCOPES)}")
            direction = _direction(fields.get("direction"), required=True)
            description = _description(fields.get("description"))
            if (space, name) in self.ledgers:
                raise Refused(f"A ledger named {name} already exists", status=409)
            assert direction is not None
            ledger = FakeLedger(
                space=space,
                name=name,
                scope=str(scope),
                direction=direction,
                description=description or "",
            )
            self.ledgers[(space, name)] = ledger
            return self.ledger_json(ledger)

    def update_ledger(
        self, token: Token, org: LedgerSpace, name: str, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Change a ledger's `description` and/or `direction` (its name and scope stay)."""
        with self.lock:
            ledger = self._ledger(token, org, name)
            description = _description(fields.get("description"))
            direction = _direction(fields.get("direction"), required=False)
            if description is None and direction is None:
                raise Refused("nothing to update: send description or direction")
            if description is not None:
                ledger.description = description
            if direction is not None:
                ledger.direction = direction
            ledger.updated_at = utcnow()
            return self.ledger_json(ledger)

    def archive_ledger(self, token: Token, org: LedgerSpace, name: str) -> None:
        """Archive a ledger: it keeps its record and instances, leaves the default listing
        and takes no more data."""
        with self.lock:
            ledger = self._ledger(token, org, name)
            if ledger.archived_at is None:
                ledger.archived_at = ledger.updated_at = utcnow()

    # ------------------------------------------------------------- instances

    def list_ledger_instances(
        self, token: Token, org: LedgerSpace, name: str, *, page: int = 1, per_page: int = 100
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of a ledger's instances, oldest first, and how many it has."""
        with self.lock:
            ledger = self._ledger(token, org, name)
            instances = list(ledger.instances.values())
            rows = [self.instance_json(ledger, i) for i in page_of(instances, page, per_page)]
            return rows, len(instances)

    def get_ledger_instance(
        self, token: Token, org: LedgerSpace, name: str, scope_value: str
    ) -> dict[str, Any]:
        with self.lock:
            return self.instance_json(*self._instance(token, org, name, scope_value))

    def set_ledger_instance(
        self,
        token: Token,
        org: LedgerSpace,
        name: str,
        scope_value: str,
        data: Any,
        *,
        set_mode: str | None = None,
    ) -> dict[str, Any]:
        """Store `data` in an instance (created when missing). `Replace` (the default)
        replaces its data, `Merge` sets the top-level keys sent and keeps the others. The data
        replaced becomes a version, `replaced_at` now (each later than the last)."""
        with self.lock:
            ledger = self._ledger(token, org, name)
            mode = set_mode or "Replace"
            if mode not in LEDGER_SET_MODES:
                raise Refused(f"set_mode must be one of {', '.join(LEDGER_SET_MODES)}")
            if not isinstance(data, dict):
                raise Refused("instance.data must be an object")
            if ledger.archived_at is not None:
                raise Refused("Ledger is archived", status=409)
            instance = ledger.instances.get(scope_value)
            now = _millis(utcnow())
            new = dict(data) if instance is None or mode == "Replace" else {**instance.data, **data}
            if _size(new) > MAX_LEDGER_DATA_BYTES:
                raise Refused(f"instance data is larger than {MAX_LEDGER_DATA_BYTES} bytes")
            if instance is None:
                instance = FakeLedgerInstance(scope_value, new, created_at=now, updated_at=now)
                ledger.instances[scope_value] = instance
                return self.instance_json(ledger, instance)
            if instance.versions and now <= instance.versions[-1].replaced_at:
                now = instance.versions[-1].replaced_at + _MILLISECOND
            instance.versions.append(
                FakeLedgerVersion(
                    id=self._hex_id("ledger-version"),
                    data=instance.data,
                    created_at=instance.created_at,
                    updated_at=instance.updated_at,
                    replaced_at=now,
                )
            )
            instance.data = new
            instance.updated_at = now
            return self.instance_json(ledger, instance)

    def delete_ledger_instance(
        self, token: Token, org: LedgerSpace, name: str, scope_value: str
    ) -> None:
        """Delete an instance with its data and versions."""
        with self.lock:
            ledger, _ = self._instance(token, org, name, scope_value)
            del ledger.instances[scope_value]

    # ------------------------------------------------------------- versions

    def list_ledger_versions(
        self,
        token: Token,
        org: LedgerSpace,
        name: str,
        scope_value: str,
        *,
        replaced_before: str | None = None,
        replaced_after: str | None = None,
    ) -> dict[str, Any]:
        """The newest `ledger_versions_per_page` versions replaced strictly within the window
        (`replaced_before` / `replaced_after`, ISO 8601), newest first, and `meta.has_more`
        when older ones in the window are left out."""
        before = _when(replaced_before, "replaced_before")
        after = _when(replaced_after, "replaced_after")
        with self.lock:
            ledger, instance = self._instance(token, org, name, scope_value)
            window = [
                v
                for v in reversed(instance.versions)
                if (before is None or v.replaced_at < before)
                and (after is None or v.replaced_at > after)
            ]
            size = self.ledger_versions_per_page
            return {
                "versions": [self.version_json(ledger, instance, v) for v in window[:size]],
                "meta": {"has_more": len(window) > size},
            }

    def get_ledger_version(
        self, token: Token, org: LedgerSpace, name: str, scope_value: str, version: str
    ) -> dict[str, Any]:
        with self.lock:
            ledger, instance = self._instance(token, org, name, scope_value)
            for record in instance.versions:
                if record.id == version:
                    return self.version_json(ledger, instance, record)
            raise NotFound("Ledger instance version not found")
