"""Environment variables of the sandbox, an organization, a product or a device."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from .._exceptions import InvalidArgumentError
from .._parsing import parse_ack, parse_model
from .._paths import check_text, scope_prefix, segment
from ..models.env_vars import EnvVarOp, EnvVarsRolloutReview, RenderedEnvVars
from ..models.env_vars import EnvVars as EnvVarsModel
from ._base import Resource
from ._checks import org_prefix

if TYPE_CHECKING:
    from ..types import JSONObject, JSONValue, ProductRef

__all__ = ["EnvVars"]

#: Longest variable name Particle accepts.
MAX_KEY_LENGTH = 128
#: Longest value, in UTF-8 bytes: everything a device is sent must fit in 16 KiB.
MAX_VALUE_BYTES = 16 * 1024
#: Most operations one `update` may carry.
MAX_OPS = 50
ROLLOUT_WHEN = ("Immediate", "Connect")
#: Path words after a scope's base path that name another endpoint than a key or a device.
ENV_RESERVED = frozenset({"render", "rollout"})

_KEY = re.compile(r"[A-Z_][A-Z0-9_]*")
_OP_FIELDS = ("op", "key", "value")

_parse_env = parse_model(EnvVarsModel)
_parse_rendered = parse_model(RenderedEnvVars)
_parse_review = parse_model(EnvVarsRolloutReview)


def env_key(value: object, what: str = "key") -> str:
    """Check a variable name: 1 to 128 uppercase ASCII letters, digits and `_`, not starting
    with a digit (Particle's rule), and neither `RENDER` nor `ROLLOUT` in any case."""
    text = segment(value, what, max_length=MAX_KEY_LENGTH, reserved=ENV_RESERVED)
    if not _KEY.fullmatch(text):
        raise InvalidArgumentError(
            f"{what} may only contain uppercase ASCII letters, digits and '_', and must not "
            f"start with a digit (got {text!r})"
        )
    return text


def env_value(value: object, what: str = "value") -> str:
    """Check a value: a str (empty allowed; tabs and line breaks too, other control
    characters not) of at most 16 KiB in UTF-8."""
    text = check_text(value, what, max_length=MAX_VALUE_BYTES, allow_empty=True, multiline=True)
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidArgumentError(f"{what} must be valid Unicode (no lone surrogates)") from None
    if size > MAX_VALUE_BYTES:
        raise InvalidArgumentError(
            f"{what} is too long ({size} bytes in UTF-8, at most {MAX_VALUE_BYTES})"
        )
    return text


def _op(item: object, what: str) -> dict[str, JSONValue]:
    """One operation of an update as it goes on the wire."""
    fields: Mapping[Any, object]
    if isinstance(item, EnvVarOp):
        fields = item.model_dump(exclude_none=True)
    elif isinstance(item, Mapping):
        fields = item
    else:
        raise InvalidArgumentError(
            f"{what} must be an EnvVarOp or a mapping, got {type(item).__name__}"
        )
    unknown = [k for k in fields if k not in _OP_FIELDS]
    if unknown:
        raise InvalidArgumentError(
            f"{what}: unknown key {unknown[0]!r} (allowed: {', '.join(_OP_FIELDS)})"
        )
    op = fields.get("op")
    if op == "Set":
        return {
            "op": "Set",
            "key": env_key(fields.get("key"), f"{what}.key"),
            "value": env_value(fields.get("value"), f"{what}.value"),
        }
    if op == "Unset":
        if "value" in fields:
            raise InvalidArgumentError(f"{what}: an Unset operation takes no value")
        return {"op": "Unset", "key": env_key(fields.get("key"), f"{what}.key")}
    raise InvalidArgumentError(f"{what}: op must be 'Set' or 'Unset', got {op!r}")


def _ops(ops: object) -> list[JSONValue]:
    if isinstance(ops, (str, bytes, Mapping)) or not isinstance(ops, Sequence):
        raise InvalidArgumentError(
            f"ops must be a sequence of EnvVarOp or mappings, got {type(ops).__name__}"
        )
    if not ops:
        raise InvalidArgumentError("ops must hold at least one operation")
    if len(ops) > MAX_OPS:
        raise InvalidArgumentError(
            f"ops holds {len(ops)} operations, at most {MAX_OPS} go in one update"
        )
    return [_op(item, f"ops[{index}]") for index, item in enumerate(ops)]


class EnvVars(Resource):
    """Environment variables: name/value pairs delivered to devices, set on the sandbox (no
    scope keyword), an organization (`org=`), a product (`product=`) or one device
    (`device=`). At most one scope keyword per call.

    A device inherits its product's values and a product its organization's (a device
    outside any product: its owner's sandbox); the most specific value wins. Changes are
    staged: they reach devices when a rollout starts (`start_rollout`).

    Keys follow Particle's rule: uppercase ASCII letters, digits and `_`, not starting with a
    digit, at most 128 characters. A key travels in the URL path, next to the literal
    `render` and `rollout` segments of this API; since a router may match those without
    regard to case, the keys `RENDER` and `ROLLOUT` are refused, as are the device ids
    `render` and `rollout` (in any case). Values are strings of at most 16 KiB in UTF-8.
    Particle reserves names beginning with `PARTICLE_`; they are sent as given and the cloud
    decides.
    """

    __slots__ = ()

    def _prefix(self, product: ProductRef | None, org: str | None, device: str | None) -> str:
        """The scope's base path: `/v1/env`, `/v1/env/<device>`, `/v1/products/<product>/env`
        or `/v1/orgs/<org>/env`."""
        given = [
            name
            for name, value in (("product", product), ("org", org), ("device", device))
            if value is not None
        ]
        if len(given) > 1:
            raise InvalidArgumentError(
                f"{self._operation(2)} takes at most one of product=, org= and device= "
                f"(got {' and '.join(f'{name}=' for name in given)})"
            )
        if product is not None:
            return f"{scope_prefix(product)}/env"
        if org is not None:
            return f"{org_prefix(org)}/env"
        if device is not None:
            return f"/v1/env/{segment(device, 'device', reserved=ENV_RESERVED)}"
        return "/v1/env"

    async def list(
        self,
        *,
        product: ProductRef | None = None,
        org: str | None = None,
        device: str | None = None,
    ) -> EnvVarsModel:
        """The scope's variables: `latest` (own and inherited), `last_snapshot` (what was
        last rolled out) and, for a device, `on_device` (what it reported)."""
        return await self._request("GET", self._prefix(product, org, device), _parse_env)

    async def set(
        self,
        key: str,
        value: str,
        *,
        product: ProductRef | None = None,
        org: str | None = None,
        device: str | None = None,
    ) -> EnvVarsModel:
        """Set one of the scope's own variables (staged until a rollout); returns the
        scope's variables."""
        path = f"{self._prefix(product, org, device)}/{env_key(key)}"
        return await self._request("PUT", path, _parse_env, json={"value": env_value(value)})

    async def delete(
        self,
        key: str,
        *,
        product: ProductRef | None = None,
        org: str | None = None,
        device: str | None = None,
    ) -> EnvVarsModel:
        """Remove one of the scope's own variables (staged until a rollout); an inherited
        value of the same name shows again. Raises `NotFoundError` for a name the scope does
        not set itself."""
        path = f"{self._prefix(product, org, device)}/{env_key(key)}"
        return await self._request("DELETE", path, _parse_env)

    async def update(
        self,
        ops: Sequence[EnvVarOp | JSONObject],
        *,
        product: ProductRef | None = None,
        org: str | None = None,
        device: str | None = None,
    ) -> EnvVarsModel:
        """Apply 1 to 50 operations at once (`EnvVarOp.set(key, value)`,
        `EnvVarOp.unset(key)`, or mappings of `op`, `key` and `value`), in order; returns the
        scope's variables. Not retried once sent."""
        prefix = self._prefix(product, org, device)
        return await self._request("PATCH", prefix, _parse_env, json={"ops": _ops(ops)})

    async def render(
        self,
        *,
        product: ProductRef | None = None,
        org: str | None = None,
        device: str | None = None,
    ) -> RenderedEnvVars:
        """The scope's variables after inheritance, merged into one name → value mapping."""
        path = f"{self._prefix(product, org, device)}/render"
        return await self._request("GET", path, _parse_rendered)

    async def review_rollout(
        self,
        *,
        product: ProductRef | None = None,
        org: str | None = None,
        device: str | None = None,
    ) -> EnvVarsRolloutReview:
        """What a rollout would change (a dry run): added, changed and removed variables."""
        path = f"{self._prefix(product, org, device)}/rollout"
        return await self._request("GET", path, _parse_review)

    async def start_rollout(
        self,
        when: Literal["Immediate", "Connect"],
        *,
        product: ProductRef | None = None,
        org: str | None = None,
        device: str | None = None,
    ) -> None:
        """Deliver the staged values to the scope's devices: `"Immediate"` (online devices
        now, the others when they connect) or `"Connect"` (each device when it next
        connects). Not retried once sent."""
        if when not in ROLLOUT_WHEN:
            raise InvalidArgumentError(f"when must be 'Immediate' or 'Connect', got {when!r}")
        path = f"{self._prefix(product, org, device)}/rollout"
        await self._request("POST", path, parse_ack, json={"when": when}, idempotent=False)
