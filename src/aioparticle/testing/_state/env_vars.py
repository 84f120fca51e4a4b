"""Environment variables: each scope's own values, what it inherits, snapshots and rollouts.

A scope is `("sandbox", username)`, `("org", org id)`, `("product", product id)` or
`("device", device id)`. A device in a product inherits the product's values, and a product in
an organization the organization's; a device outside any product inherits its owner's sandbox.
The most specific value wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Union

from ._base import Denied, NotFound, Refused, iso, utcnow
from .devices import DevicesMixin
from .teams import TeamsMixin

if TYPE_CHECKING:
    from .auth import Token
    from .devices import FakeDevice
    from .products import FakeProduct

__all__ = [
    "ENV_KEY",
    "MAX_ENV_OPS",
    "MAX_SCOPE_VARS",
    "ROLLOUT_WHEN",
    "EnvScope",
    "EnvScopeKey",
    "EnvSnapshot",
    "EnvVarsMixin",
]

#: A variable name: uppercase letters, digits and `_`, not starting with a digit, 128 at most.
ENV_KEY = re.compile(r"[A-Z_][A-Z0-9_]{0,127}")
#: Most operations one `PATCH` may carry, and most variables one scope may hold.
MAX_ENV_OPS = 50
MAX_SCOPE_VARS = 100
ROLLOUT_WHEN = ("Immediate", "Connect")

#: `("sandbox", username)`, `("org", org id)`, `("product", product id)`, `("device", id)`.
EnvScopeKey = tuple[str, Union[str, int]]  # noqa: UP007

#: How an inherited value names the scope it comes from.
_FROM = {"sandbox": "Owner", "org": "Owner", "product": "Product", "device": "Device"}


@dataclass(frozen=True)
class EnvSnapshot:
    """A scope's values as a rollout took them: its own, those it inherited (name → value
    and the kind of scope it came from), when and by whom."""

    own: dict[str, str]
    inherited: dict[str, tuple[str, str]]
    at: datetime
    by: str | None

    def rendered(self) -> dict[str, str]:
        return {**{k: v for k, (v, _) in self.inherited.items()}, **self.own}


@dataclass
class EnvScope:
    """The environment variables of one scope."""

    own: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str | None = None
    updated_by: str | None = None
    #: the values last rolled out (None before the first rollout reaching the scope)
    snapshot: EnvSnapshot | None = None
    #: a device's: the values it reported, and when (None until it got a rollout)
    reported: dict[str, str] | None = None
    reported_at: datetime | None = None
    #: a device's: the values of a rollout waiting for it to come online
    pending: dict[str, str] | None = None


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not ENV_KEY.fullmatch(key):
        raise Refused(
            f"Invalid environment variable name {key!r}: use uppercase letters, digits and "
            "underscores, not starting with a digit, at most 128 characters"
        )
    return key


def _check_value(value: object) -> str:
    if not isinstance(value, str):
        raise Refused("value must be a string")
    return value


def _entries(values: Mapping[str, str]) -> dict[str, dict[str, str]]:
    return {key: {"value": values[key]} for key in sorted(values)}


def _inherited_entries(values: Mapping[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    return {key: {"value": values[key][0], "from": values[key][1]} for key in sorted(values)}


def _diff(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, Any]:
    """What turning `before` into `after` changes, by name, and what it leaves alone."""
    changes: list[dict[str, str]] = []
    unchanged: dict[str, str] = {}
    for key in sorted({*before, *after}):
        if key not in before:
            changes.append({"op": "Added", "key": key, "after": after[key]})
        elif key not in after:
            changes.append({"op": "Removed", "key": key, "before": before[key]})
        elif before[key] != after[key]:
            changes.append(
                {"op": "Changed", "key": key, "before": before[key], "after": after[key]}
            )
        else:
            unchanged[key] = after[key]
    return {"changes": changes, "unchanged": unchanged}


class EnvVarsMixin(TeamsMixin, DevicesMixin):
    """Environment variables of the sandboxes, organizations, products and devices, kept in
    `env_scopes` by scope; rollouts snapshot them and deliver them to devices."""

    # ------------------------------------------------------------- the scope of a request

    def env_sandbox_scope(self, token: Token) -> EnvScopeKey:
        """The sandbox of the token's user (`Denied` for a token without one)."""
        if token.username is None:
            raise Denied
        return ("sandbox", token.username)

    def env_org_scope(self, token: Token, ref: str) -> EnvScopeKey:
        """Organization `ref`, if the token's user is a member (`NotFound`, `Denied`)."""
        return ("org", self.org_for(token, ref).id)

    def env_product_scope(self, product: FakeProduct) -> EnvScopeKey:
        return ("product", product.id)

    def env_device_scope(self, token: Token, ref: str) -> EnvScopeKey:
        """Device `ref` (id, or the name of one of the user's devices) if the token's user owns
        it or may use its product; `Denied` otherwise."""
        with self.lock:
            device = self.find_device(ref, owner=token.username)
            if device is None:
                raise Denied
            owned = token.username is not None and device.owner == token.username
            product = None if device.product_id is None else self.products.get(device.product_id)
            if not owned and (product is None or not self.may_use(token, product)):
                raise Denied
            return ("device", device.id)

    # ------------------------------------------------------------- inheritance

    def _env_parents(self, scope: EnvScopeKey) -> list[EnvScopeKey]:
        """The scopes `scope` inherits from, the most general first."""
        kind, ident = scope
        if kind == "product":
            product = self.products.get(int(ident))
            org = None if product is None or product.org is None else self.find_org(product.org)
            return [] if org is None else [("org", org.id)]
        if kind == "device":
            device = self.devices.get(str(ident))
            if device is None:
                return []
            if device.product_id is not None:
                product_scope: EnvScopeKey = ("product", device.product_id)
                return [*self._env_parents(product_scope), product_scope]
            return [] if device.owner is None else [("sandbox", device.owner)]
        return []

    def _env_below(self, scope: EnvScopeKey) -> list[EnvScopeKey]:
        """The scopes inheriting from `scope`, each before those inheriting from it."""
        kind, ident = scope
        if kind == "sandbox":
            return [
                ("device", d.id)
                for d in self.devices.values()
                if d.owner == ident and d.product_id is None
            ]
        if kind == "org":
            org = next((o for o in self.orgs.values() if o.id == ident), None)
            below: list[EnvScopeKey] = []
            for product in self.products.values():
                if org is not None and product.org in (org.slug, org.id):
                    product_scope: EnvScopeKey = ("product", product.id)
                    below += [product_scope, *self._env_below(product_scope)]
            return below
        if kind == "product":
            return [("device", d.id) for d in self.devices.values() if d.product_id == ident]
        return []

    def _env_own(self, scope: EnvScopeKey) -> dict[str, str]:
        record = self.env_scopes.get(scope)
        return {} if record is None else record.own

    def _env_inherited(self, scope: EnvScopeKey) -> dict[str, tuple[str, str]]:
        inherited: dict[str, tuple[str, str]] = {}
        for parent in self._env_parents(scope):
            for key, value in self._env_own(parent).items():
                inherited[key] = (value, _FROM[parent[0]])
        return inherited

    def _env_rendered(self, scope: EnvScopeKey) -> dict[str, str]:
        inherited = {k: v for k, (v, _) in self._env_inherited(scope).items()}
        return {**inherited, **self._env_own(scope)}

    # ------------------------------------------------------------- reads

    def env_json(self, scope: EnvScopeKey) -> dict[str, Any]:
        """The scope's variables as the cloud lists them: `latest`, `last_snapshot` and, for a
        device, `on_device`."""
        with self.lock:
            record = self.env_scopes.get(scope) or EnvScope()
            snapshot = record.snapshot
            body: dict[str, Any] = {
                "latest": {
                    "own": _entries(record.own),
                    "inherited": _inherited_entries(self._env_inherited(scope)),
                    "created_at": iso(record.created_at),
                    "updated_at": iso(record.updated_at),
                    "created_by": record.created_by,
                    "updated_by": record.updated_by,
                },
                "last_snapshot": None
                if snapshot is None
                else {
                    "own": _entries(snapshot.own),
                    "inherited": _inherited_entries(snapshot.inherited),
                    "rollout_at": iso(snapshot.at),
                    "rollout_by": snapshot.by,
                },
            }
            if scope[0] == "device":
                body["on_device"] = (
                    None
                    if record.reported is None
                    else {
                        "rendered": dict(sorted(record.reported.items())),
                        "last_reported_at": iso(record.reported_at),
                    }
                )
            return body

    def render_env(self, scope: EnvScopeKey) -> dict[str, Any]:
        """The scope's values after inheritance, merged (its own win), with when they last
        changed and when they were last rolled out."""
        with self.lock:
            updates = [
                record.updated_at
                for s in (*self._env_parents(scope), scope)
                if (record := self.env_scopes.get(s)) is not None and record.updated_at is not None
            ]
            record = self.env_scopes.get(scope)
            snapshot = None if record is None else record.snapshot
            return {
                "env": dict(sorted(self._env_rendered(scope).items())),
                "last_updated_at": iso(max(updates)) if updates else None,
                "rollout_at": None if snapshot is None else iso(snapshot.at),
                "rollout_by": None if snapshot is None else snapshot.by,
            }

    def review_env_rollout(self, scope: EnvScopeKey) -> dict[str, Any]:
        """What a rollout would change: the merged values against the last snapshot's and, for
        a device that reported its values, against those."""
        with self.lock:
            record = self.env_scopes.get(scope) or EnvScope()
            after = self._env_rendered(scope)
            before = {} if record.snapshot is None else record.snapshot.rendered()
            body: dict[str, Any] = {"from_snapshot": _diff(before, after)}
            if record.reported is not None:
                body["from_device"] = _diff(record.reported, after)
            return body

    # ------------------------------------------------------------- changes

    def set_env_var(
        self, scope: EnvScopeKey, key: str, value: object, *, username: str | None
    ) -> dict[str, Any]:
        """Set one of the scope's own values (`Refused` for a bad name or value)."""
        return self.update_env_vars(
            scope, [{"op": "Set", "key": key, "value": value}], username=username
        )

    def delete_env_var(
        self, scope: EnvScopeKey, key: str, *, username: str | None
    ) -> dict[str, Any]:
        """Remove one of the scope's own values (`NotFound` for one it does not set)."""
        with self.lock:
            if key not in self._env_own(scope):
                raise NotFound(f"Environment variable {key} not found")
            return self.update_env_vars(scope, [{"op": "Unset", "key": key}], username=username)

    def update_env_vars(
        self, scope: EnvScopeKey, ops: object, *, username: str | None
    ) -> dict[str, Any]:
        """Apply `Set` / `Unset` operations in order, all or none (`Refused` for a bad list,
        a bad operation, or a scope left with more than 100 variables); unsetting a value the
        scope does not set changes nothing."""
        if not isinstance(ops, list) or not 1 <= len(ops) <= MAX_ENV_OPS:
            raise Refused(f"ops must be a list of 1 to {MAX_ENV_OPS} operations")
        with self.lock:
            own = dict(self._env_own(scope))
            for op in ops:
                if not isinstance(op, dict) or op.get("op") not in ("Set", "Unset"):
                    raise Refused("each op must be an object with op 'Set' or 'Unset'")
                key = _check_key(op.get("key"))
                if op["op"] == "Set":
                    own[key] = _check_value(op.get("value"))
                else:
                    own.pop(key, None)
            if len(own) > MAX_SCOPE_VARS:
                raise Refused(f"A scope holds at most {MAX_SCOPE_VARS} environment variables")
            record = self.env_scopes.setdefault(scope, EnvScope())
            if own != record.own:
                now = utcnow()
                if record.created_at is None:
                    record.created_at, record.created_by = now, username
                record.updated_at, record.updated_by = now, username
                record.own = own
            return self.env_json(scope)

    def start_env_rollout(self, scope: EnvScopeKey, when: object, *, username: str | None) -> None:
        """Snapshot the scope and every scope inheriting from it, and deliver each device's
        merged values: with `Immediate` to online devices now (the others when they come
        online), with `Connect` to every device when it next comes online."""
        if when not in ROLLOUT_WHEN:
            raise Refused("when must be 'Immediate' or 'Connect'")
        with self.lock:
            now = utcnow()
            for target in (scope, *self._env_below(scope)):
                record = self.env_scopes.setdefault(target, EnvScope())
                record.snapshot = EnvSnapshot(
                    own=dict(record.own),
                    inherited=self._env_inherited(target),
                    at=now,
                    by=username,
                )
                if target[0] != "device":
                    continue
                device = self.devices.get(str(target[1]))
                values = record.snapshot.rendered()
                if when == "Immediate" and device is not None and device.online:
                    self._env_deliver(record, values)
                else:
                    record.pending = values

    def device_connected(self, device: FakeDevice) -> None:
        """A device came online: it gets the values of a rollout waiting for it."""
        super().device_connected(device)
        with self.lock:
            record = self.env_scopes.get(("device", device.id))
            if record is not None and record.pending is not None:
                self._env_deliver(record, record.pending)

    @staticmethod
    def _env_deliver(record: EnvScope, values: Mapping[str, str]) -> None:
        record.reported = dict(values)
        record.reported_at = utcnow()
        record.pending = None
