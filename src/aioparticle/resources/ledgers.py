"""Ledgers: definitions in the sandbox or an organization, their instances and versions."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from pydantic import TypeAdapter

from .._core import SubClient
from .._exceptions import InvalidArgumentError
from .._pagination import AsyncPaginator, page_parser
from .._parsing import parse_ack, parse_json, parse_unwrapped
from .._paths import check_text, scope_prefix, segment
from ..models.ledgers import Ledger, LedgerInstance, LedgerInstanceVersion
from ._base import Resource
from ._checks import flag, free_text, json_value, org_prefix

if TYPE_CHECKING:
    from ..types import JSONObject, JSONValue, ProductRef, QueryValue

__all__ = ["Ledgers", "LedgersInstances"]

#: The scopes a ledger's instances belong to.
SCOPES = ("Owner", "Product", "Device")
#: How `instances.set` combines the data sent with the data stored.
SET_MODES = ("Replace", "Merge")
#: Longest ledger name (Particle: lower-case letters, digits and dashes, up to 32).
MAX_LEDGER_NAME_LENGTH = 32
#: Longest ledger description accepted.
MAX_DESCRIPTION_LENGTH = 65_536
#: Longest direction accepted (`"CloudOnly"`, `"Upstream"`, `"Downstream"`, ...).
MAX_DIRECTION_LENGTH = 64

_LEDGER_NAME = re.compile(r"[a-z0-9-]+")

_parse_ledger_page = page_parser(Ledger, "ledger_definitions")
_parse_ledger = parse_unwrapped(Ledger, "ledger", "ledger_definition")
_parse_instance_page = page_parser(LedgerInstance, "instances")
_parse_instance = parse_unwrapped(LedgerInstance, "instance")
_parse_version_page = page_parser(LedgerInstanceVersion, "versions")
_validate_version = TypeAdapter(LedgerInstanceVersion).validate_python


def _parse_version(content: bytes) -> LedgerInstanceVersion:
    """One version, bare or wrapped in `version` or `instance` (a bare version may carry its
    id as a `version` string: only an object there is a wrapper)."""
    body = parse_json(content)
    if isinstance(body, dict):
        for wrapper in ("version", "instance"):
            if isinstance(body.get(wrapper), dict):
                body = body[wrapper]
                break
    return _validate_version(body)


# --------------------------------------------------------------------------- checks


def _ledger_name(value: object, what: str = "ledger name") -> str:
    text = check_text(value, what, max_length=MAX_LEDGER_NAME_LENGTH)
    if not _LEDGER_NAME.fullmatch(text):
        raise InvalidArgumentError(
            f"{what} may only contain lower-case letters, digits and '-' "
            f"(at most {MAX_LEDGER_NAME_LENGTH} characters), got {text!r}"
        )
    return text


def _choice(value: object, what: str, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        names = ", ".join(repr(a) for a in allowed)
        raise InvalidArgumentError(f"{what} must be one of {names}, got {value!r}")
    return value


def _direction(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(
            "direction must be a non-empty str such as 'CloudOnly', 'Upstream' or "
            f"'Downstream', got {value!r}"
        )
    return check_text(value, "direction", max_length=MAX_DIRECTION_LENGTH)


def _json_object(value: object, what: str) -> dict[str, JSONValue]:
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            f"{what} must be a JSON object (a mapping of str keys), got {type(value).__name__}"
        )
    copy = json_value(value, what)
    assert isinstance(copy, dict)
    return copy


def _iso(when: datetime) -> str:
    """An aware datetime in UTC, ISO 8601 with `Z` (milliseconds when that is exact)."""
    utc = when.astimezone(timezone.utc)
    spec = "milliseconds" if utc.microsecond and utc.microsecond % 1000 == 0 else "auto"
    return utc.isoformat(timespec=spec).replace("+00:00", "Z")


def _when(value: object, what: str) -> str:
    """An aware `datetime` as ISO 8601 in UTC, or a pre-formatted str as it is."""
    if isinstance(value, str):
        return check_text(value, what, max_length=64)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidArgumentError(
                f"{what} must be timezone-aware (e.g. tzinfo=timezone.utc), got a naive datetime"
            )
        return _iso(value)
    raise InvalidArgumentError(
        f"{what} must be an aware datetime or an ISO 8601 str, got {type(value).__name__}"
    )


def _read_when(value: object) -> datetime | None:
    """The instant a query's date stands for, if it reads as ISO 8601 (naive: UTC)."""
    if not isinstance(value, str):
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def _older_window(
    sent: Mapping[str, QueryValue], versions: list[LedgerInstanceVersion]
) -> dict[str, QueryValue] | None:
    """The query of the next page of versions: the same, replaced before the oldest version
    of this page. `None` when no version says when it was replaced, or when the oldest is not
    older than the window already asked for (the window would not move)."""
    times = [v.replaced_at for v in versions if v.replaced_at is not None]
    if not times:
        return None
    oldest = min(times)
    bound = _read_when(sent.get("replaced_before"))
    if bound is not None and oldest >= bound:
        return None
    return {**sent, "replaced_before": _iso(oldest)}


def _prefix(org: str | None, product: ProductRef | None) -> str:
    """`/v1/orgs/<org>/ledgers`, `/v1/products/<product>/ledgers`, or the sandbox's
    `/v1/ledgers`."""
    if product is not None:
        if org is not None:
            raise InvalidArgumentError("pass product= or org=, not both")
        return f"{scope_prefix(product)}/ledgers"
    return f"{org_prefix(org)}/ledgers" if org is not None else "/v1/ledgers"


def _instance_path(
    ledger_name: str, scope_value: str, org: str | None, product: ProductRef | None
) -> str:
    name = _ledger_name(ledger_name)
    value = segment(scope_value, "scope_value")
    return f"{_prefix(org, product)}/{name}/instances/{value}"


# --------------------------------------------------------------------------- sub-clients


class LedgersInstances(Resource):
    """The instances of a ledger: its data for each owner, product or device (the
    `scope_value`: an owner, product or device id, as the ledger's scope says), and the
    versions each instance had. `org=` and `product=` as in `ledgers`."""

    __slots__ = ()

    def list(
        self,
        ledger_name: str,
        *,
        page: int | None = None,
        per_page: int | None = None,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> AsyncPaginator[LedgerInstance]:
        """The ledger's instances, page by page."""
        path = f"{_prefix(org, product)}/{_ledger_name(ledger_name)}/instances"
        return self._paginate(path, _parse_instance_page, page=page, per_page=per_page)

    async def get(
        self,
        ledger_name: str,
        scope_value: str,
        *,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> LedgerInstance:
        """One instance with its data."""
        path = _instance_path(ledger_name, scope_value, org, product)
        return await self._request("GET", path, parse=_parse_instance)

    async def set(
        self,
        ledger_name: str,
        scope_value: str,
        data: JSONObject,
        *,
        set_mode: Literal["Replace", "Merge"] | None = None,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> LedgerInstance:
        """Store `data` (a JSON object) in an instance, creating it if needed.

        `set_mode="Replace"` (the cloud's default) replaces the stored data; `"Merge"` sets
        the top-level keys sent and keeps the others. The data replaced becomes a version.
        """
        path = _instance_path(ledger_name, scope_value, org, product)
        mode = None if set_mode is None else _choice(set_mode, "set_mode", SET_MODES)
        body = {"instance": {"data": _json_object(data, "data")}}
        return await self._request(
            "PUT", path, params={"set_mode": mode}, json=body, parse=_parse_instance
        )

    async def delete(
        self,
        ledger_name: str,
        scope_value: str,
        *,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> None:
        """Delete an instance and its data."""
        path = _instance_path(ledger_name, scope_value, org, product)
        await self._request("DELETE", path, parse=parse_ack)

    def list_versions(
        self,
        ledger_name: str,
        scope_value: str,
        *,
        replaced_before: datetime | str | None = None,
        replaced_after: datetime | str | None = None,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> AsyncPaginator[LedgerInstanceVersion]:
        """The instance's past versions, newest first, optionally within a window of when they
        were replaced (aware datetimes, or ISO 8601 strings).

        The first request sends exactly the window given; while the cloud says it has more,
        each next request asks for versions replaced before the oldest one seen so far.
        """
        path = f"{_instance_path(ledger_name, scope_value, org, product)}/versions"
        before = None if replaced_before is None else _when(replaced_before, "replaced_before")
        after = None if replaced_after is None else _when(replaced_after, "replaced_after")
        if (
            isinstance(replaced_before, datetime)
            and isinstance(replaced_after, datetime)
            and replaced_after > replaced_before
        ):
            raise InvalidArgumentError("replaced_after is later than replaced_before")
        params = {"replaced_before": before, "replaced_after": after}
        return self._paginate_by_query(path, _parse_version_page, _older_window, params=params)

    async def get_version(
        self,
        ledger_name: str,
        scope_value: str,
        version: str,
        *,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> LedgerInstanceVersion:
        """One past version of an instance, by its id (`LedgerInstanceVersion.version_id`)."""
        path = f"{_instance_path(ledger_name, scope_value, org, product)}/versions/"
        path += segment(version, "version")
        return await self._request("GET", path, parse=_parse_version)


class Ledgers(Resource):
    """Ledger definitions of the sandbox, or of an organization with `org=` (its id or slug),
    or of a product with `product=` (its id or slug; not with `org=`; under
    `/v1/products/:product/ledgers`, a route Particle shows in request examples only, without
    a full reference). Holds the nested `instances` sub-client, the data stored in each ledger.

    Ledger names are lower-case letters, digits and dashes, up to 32 characters.
    """

    __slots__ = ()

    #: The data of a ledger: list, get, set, delete, list_versions, get_version.
    instances = SubClient(LedgersInstances)

    def list(
        self,
        *,
        scope: Literal["Owner", "Product", "Device"] | None = None,
        archived: bool | None = None,
        page: int | None = None,
        per_page: int | None = None,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> AsyncPaginator[Ledger]:
        """Ledger definitions, optionally of one `scope` only; `archived=True` lists the
        archived ones, `False` the others (the cloud's default when omitted)."""
        params: dict[str, str | bool | None] = {
            "scope": None if scope is None else _choice(scope, "scope", SCOPES),
            "archived": None if archived is None else flag(archived, "archived"),
        }
        return self._paginate(
            _prefix(org, product), _parse_ledger_page, params=params, page=page, per_page=per_page
        )

    async def get(
        self, name: str, *, org: str | None = None, product: ProductRef | None = None
    ) -> Ledger:
        """One ledger definition."""
        path = f"{_prefix(org, product)}/{_ledger_name(name)}"
        return await self._request("GET", path, parse=_parse_ledger)

    async def create(
        self,
        name: str,
        *,
        scope: Literal["Owner", "Product", "Device"],
        direction: str,
        description: str | None = None,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> Ledger:
        """Define a ledger whose instances belong to each owner, product or device (`scope`)
        and whose data flows in `direction` (such as `"CloudOnly"`). Not retried once sent."""
        ledger: dict[str, Any] = {
            "name": _ledger_name(name),
            "scope": _choice(scope, "scope", SCOPES),
            "direction": _direction(direction),
        }
        if description is not None:
            ledger["description"] = free_text(
                description, "description", max_length=MAX_DESCRIPTION_LENGTH
            )
        return await self._request(
            "POST",
            _prefix(org, product),
            json={"ledger": ledger},
            parse=_parse_ledger,
            idempotent=False,
        )

    async def update(
        self,
        name: str,
        *,
        description: str | None = None,
        direction: str | None = None,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> Ledger:
        """Change a ledger's description and/or direction."""
        path = f"{_prefix(org, product)}/{_ledger_name(name)}"
        ledger: dict[str, Any] = {}
        if description is not None:
            ledger["description"] = free_text(
                description, "description", max_length=MAX_DESCRIPTION_LENGTH
            )
        if direction is not None:
            ledger["direction"] = _direction(direction)
        if not ledger:
            raise InvalidArgumentError("ledgers.update() needs description= or direction=")
        return await self._request("PUT", path, json={"ledger": ledger}, parse=_parse_ledger)

    async def archive(
        self, name: str, *, org: str | None = None, product: ProductRef | None = None
    ) -> None:
        """Archive a ledger (the cloud's DELETE): it keeps its record, marked archived, and
        leaves the default listing."""
        path = f"{_prefix(org, product)}/{_ledger_name(name)}"
        await self._request("DELETE", path, parse=parse_ack)
