"""Argument checks shared by the resource sub-clients (all raise before any I/O)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from .._exceptions import InvalidArgumentError
from .._paths import DEVICE_RESERVED, MAX_ID_LENGTH, check_text, positive_int, segment

if TYPE_CHECKING:
    from ..types import JSONValue

__all__ = [
    "MAX_JSON_DEPTH",
    "json_value",
    "date_range",
    "device_segment",
    "flag",
    "date_window",
    "group_name",
    "group_names",
    "hex_color",
    "iccid_segment",
    "iso_datetime",
    "lat_lng",
    "name_list",
    "positive_int",
    "short_text",
]

_ICCID = re.compile(r"[0-9]{10,24}[Ff]?")


def flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"{what} must be a bool, got {type(value).__name__}")
    return value


def short_text(value: object, what: str, *, max_length: int = MAX_ID_LENGTH) -> str:
    return check_text(value, what, max_length=max_length)


def device_segment(device_id: object, what: str = "device_id") -> str:
    return segment(device_id, what, reserved=DEVICE_RESERVED)


def iccid_segment(iccid: object) -> str:
    text = check_text(iccid, "iccid", max_length=32)
    if not _ICCID.fullmatch(text):
        raise InvalidArgumentError(f"iccid must be the SIM's 10 to 25 digit ICCID, got {text!r}")
    return text


def name_list(values: object, what: str, *, max_length: int = MAX_ID_LENGTH) -> list[str]:
    """A non-empty sequence (not a bare `str`) of non-empty names."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InvalidArgumentError(f"{what} must be a sequence of names, not a str")
    names = [check_text(v, f"{what} item", max_length=max_length) for v in values]
    if not names:
        raise InvalidArgumentError(f"{what} must not be empty")
    return names


def comma_list(values: object, what: str) -> str:
    """A sequence of names joined with commas for a query string."""
    names = name_list(values, what)
    for name in names:
        if "," in name:
            raise InvalidArgumentError(f"an item of {what} must not contain ','")
    return ",".join(names)


def _iso(value: datetime, what: str) -> str:
    if value.tzinfo is None:
        raise InvalidArgumentError(f"{what} must be timezone-aware (e.g. tzinfo=timezone.utc)")
    return value.isoformat().replace("+00:00", "Z")


def iso_datetime(value: object, what: str) -> str:
    """An aware `datetime` as ISO 8601 in UTC (`...Z`), or a pre-formatted string."""
    if isinstance(value, str):
        return check_text(value, what, max_length=64)
    if isinstance(value, datetime):
        _iso(value, what)  # refuses a naive datetime
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    raise InvalidArgumentError(
        f"{what} must be an aware datetime or a str, got {type(value).__name__}"
    )


def date_window(start: object, end: object) -> dict[str, str | None]:
    """The `start_date` / `end_date` query of a time window (each optional)."""
    window = {
        "start_date": None if start is None else iso_datetime(start, "start_date"),
        "end_date": None if end is None else iso_datetime(end, "end_date"),
    }
    if isinstance(start, datetime) and isinstance(end, datetime) and end < start:
        raise InvalidArgumentError("end_date is before start_date")
    return window


def date_range(value: object, what: str = "date_range") -> str:
    """`(start, end)` aware datetimes as `<ISO start>,<ISO end>`, or a pre-formatted string."""
    if isinstance(value, str):
        return check_text(value, what, max_length=128)
    if isinstance(value, tuple) and len(value) == 2:
        start, end = value
        if isinstance(start, datetime) and isinstance(end, datetime):
            text = f"{_iso(start, what)},{_iso(end, what)}"  # both aware before comparing
            if end < start:
                raise InvalidArgumentError(f"{what}: the end is before the start")
            return text
    raise InvalidArgumentError(f"{what} must be a (start, end) pair of datetimes or a str")


def lat_lng(value: object, what: str) -> str:
    """A `(lat, lng)` pair as `lat,lng`, or a pre-formatted string."""
    if isinstance(value, str):
        return check_text(value, what, max_length=64)
    if isinstance(value, tuple) and len(value) == 2:
        lat, lng = value
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise InvalidArgumentError(f"{what} is out of range: ({lat}, {lng})")
            return f"{lat},{lng}"
    raise InvalidArgumentError(f"{what} must be a (lat, lng) pair of numbers or a str")


def free_text(value: object, what: str, *, max_length: int) -> str:
    """Free text sent in a body (never a URL): newlines and tabs allowed, other controls not."""
    return check_text(value, what, max_length=max_length, allow_empty=True, multiline=True)


def org_prefix(org: object) -> str:
    return f"/v1/orgs/{segment(org, 'org')}"


#: What a device group name may contain.
_GROUP_NAME = re.compile(r"[a-z0-9_-]+")
#: Longest device group name accepted.
MAX_GROUP_NAME_LENGTH = 256
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


def group_name(value: object, what: str = "group name") -> str:
    """A device group name: lowercase letters, digits, `-` and `_` only (safe in a path)."""
    text = check_text(value, what, max_length=MAX_GROUP_NAME_LENGTH)
    if not _GROUP_NAME.fullmatch(text):
        raise InvalidArgumentError(
            f"{what} may contain only lowercase letters, digits, '-' and '_', got {text!r}"
        )
    return text


def group_names(values: object, what: str = "groups", *, allow_empty: bool = False) -> list[str]:
    """A sequence (not a bare `str`) of device group names; empty only with `allow_empty`."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InvalidArgumentError(f"{what} must be a sequence of group names, not a str")
    names = [group_name(v, f"an item of {what}") for v in values]
    if not names and not allow_empty:
        raise InvalidArgumentError(f"{what} must not be empty")
    return names


def hex_color(value: object, what: str = "color") -> str:
    """A color as `#rrggbb` hex digits."""
    text = check_text(value, what, max_length=7)
    if not _COLOR.fullmatch(text):
        raise InvalidArgumentError(f"{what} must be '#rrggbb' (hex digits), got {text!r}")
    return text


#: Deepest nesting of a JSON value accepted from a caller.
MAX_JSON_DEPTH = 64


def json_value(value: object, what: str, *, depth: int = 0) -> JSONValue:
    """A plain-JSON copy of `value` (mappings with str keys become dicts, sequences other than
    str and bytes become lists; str, finite numbers, booleans, None), or `InvalidArgumentError`
    naming what is not JSON."""
    if depth > MAX_JSON_DEPTH:
        raise InvalidArgumentError(f"{what} is nested deeper than {MAX_JSON_DEPTH} levels")
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgumentError(f"{what} must be a finite number, got {value!r}")
        return value
    if isinstance(value, Mapping):
        copy: dict[str, JSONValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidArgumentError(f"{what} has a key that is not a str: {key!r}")
            copy[key] = json_value(item, f"{what}[{key!r}]", depth=depth + 1)
        return copy
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [json_value(item, f"{what}[{n}]", depth=depth + 1) for n, item in enumerate(value)]
    raise InvalidArgumentError(
        f"{what} must hold only JSON values (mappings, sequences, str, int, float, bool, None), "
        f"got {type(value).__name__}"
    )
