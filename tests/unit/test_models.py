"""Response models: fixtures parse without drift, UTC timestamps, result types, immutability."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from aioparticle import (
    ClaimResult,
    CoreInfo,
    Device,
    FunctionResult,
    Library,
    PageMeta,
    UpdatedDevice,
    VariableValue,
)
from aioparticle.resources.devices import _Ping
from tests.conftest import FIXTURES, load

pytestmark = pytest.mark.anyio

DEV = "0123456789abcdef01234567"


def _models(value: object) -> list[BaseModel]:
    """`value` and every model nested in it (fields, lists and dicts)."""
    found: list[BaseModel] = []
    if isinstance(value, BaseModel):
        found.append(value)
        for field_value in vars(value).values():  # not getattr: deprecated fields warn
            found.extend(_models(field_value))
    elif isinstance(value, (list, tuple)):
        for item in value:
            found.extend(_models(item))
    elif isinstance(value, dict):
        for item in value.values():
            found.extend(_models(item))
    return found


def _product_page(body: dict[str, Any]) -> list[BaseModel]:
    assert set(body) == {"devices", "meta"}
    return [
        *(Device.model_validate(d) for d in body["devices"]),
        PageMeta.model_validate(body["meta"]),
    ]


#: Every recorded response body and how the SDK parses it.
FIXTURE_PARSERS: dict[str, Callable[[Any], list[BaseModel]]] = {
    "claim.json": lambda body: [ClaimResult.model_validate(body)],
    "device.json": lambda body: [Device.model_validate(body)],
    "device_list.json": lambda body: [Device.model_validate(d) for d in body],
    "function.json": lambda body: [FunctionResult.model_validate(body)],
    "product_devices_page1.json": _product_page,
    "product_devices_page2.json": _product_page,
    "updated_device.json": lambda body: [UpdatedDevice.model_validate(body)],
    "variable.json": lambda body: [VariableValue.model_validate(body)],
}


def test_every_fixture_has_a_parser() -> None:
    on_disk = {path.name for path in FIXTURES.glob("*.json")}
    assert on_disk == {*FIXTURE_PARSERS, "ping.json"}


@pytest.mark.parametrize("name", sorted(FIXTURE_PARSERS))
def test_fixture_parses_without_unknown_fields(name: str) -> None:
    parsed = FIXTURE_PARSERS[name](load(name))

    models = [m for top in parsed for m in _models(top)]
    assert models
    for model in models:
        assert model.model_extra == {}, f"{name}: {type(model).__name__} drifted"


def test_variable_fixture_nested_core_info_is_checked_too() -> None:
    value = VariableValue.model_validate(load("variable.json"))

    assert isinstance(value.core_info, CoreInfo)
    assert value.core_info.model_extra == {}
    assert value.core_info.device_id == DEV


def test_ping_fixture_only_leaves_the_acknowledgement_undeclared() -> None:
    # `devices.ping` reduces this body to `online`; `ok` is the acknowledgement key, which the
    # private ping model does not declare. Any other undeclared key would be schema drift.
    parsed = _Ping.model_validate(load("ping.json"))

    assert parsed.online is True
    assert set(parsed.model_extra or {}) <= {"ok"}


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (Device, {"id": DEV}),
        (UpdatedDevice, {"id": DEV}),
        (CoreInfo, {"deviceID": DEV}),
        (VariableValue, {"result": 1}),
        (FunctionResult, {"return_value": 1}),
        (ClaimResult, {"ok": True}),
        (PageMeta, {"page": 1}),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_unknown_fields_are_kept_in_model_extra(
    model: type[BaseModel], body: dict[str, Any]
) -> None:
    parsed = model.model_validate({**body, "brand_new": {"nested": [1, 2]}, "flag": False})

    assert parsed.model_extra == {"brand_new": {"nested": [1, 2]}, "flag": False}
    assert parsed.brand_new == {"nested": [1, 2]}  # type: ignore[attr-defined]


def test_nested_unknown_fields_stay_on_the_nested_model() -> None:
    body = {"result": 1, "coreInfo": {"deviceID": DEV, "new_thing": "x"}}

    value = VariableValue.model_validate(body)

    assert value.model_extra == {}
    assert value.core_info is not None
    assert value.core_info.model_extra == {"new_thing": "x"}


TIMESTAMP_FIELDS = [
    (Device, {"id": DEV}, "last_heard"),
    (Device, {"id": DEV}, "last_handshake_at"),
    (UpdatedDevice, {}, "updated_at"),
    (CoreInfo, {}, "last_heard"),
    (CoreInfo, {}, "last_handshake_at"),
]


@pytest.mark.parametrize(
    ("model", "base", "field"), TIMESTAMP_FIELDS, ids=lambda v: getattr(v, "__name__", None)
)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01T12:00:00", datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)),
        ("2025-03-01T12:00:00.250", datetime(2025, 3, 1, 12, 0, 0, 250000, tzinfo=timezone.utc)),
        ("2025-03-01T12:00:00.000Z", datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)),
    ],
    ids=["naive", "naive-fraction", "zulu"],
)
def test_timestamps_are_utc_aware(
    model: type[BaseModel], base: dict[str, Any], field: str, text: str, expected: datetime
) -> None:
    parsed = model.model_validate_json(json.dumps({**base, field: text}))

    value = getattr(parsed, field)
    assert value == expected
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)


def test_timestamp_with_offset_keeps_its_instant() -> None:
    device = Device.model_validate_json(
        json.dumps({"id": DEV, "last_heard": "2025-03-01T14:00:00+02:00"})
    )

    assert device.last_heard == datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert device.last_heard is not None
    assert device.last_heard.utcoffset() == timedelta(hours=2)


def test_missing_timestamps_are_none() -> None:
    device = Device.model_validate({"id": DEV, "last_heard": None})

    assert device.last_heard is None
    assert device.last_handshake_at is None


@pytest.mark.parametrize(
    ("literal", "expected", "kind"),
    [
        ("true", True, bool),
        ("false", False, bool),
        ("3", 3, int),
        ("0", 0, int),
        ("1", 1, int),
        ("-7", -7, int),
        ("2.5", 2.5, float),
        ("3.0", 3.0, float),
        ('"x"', "x", str),
        ('"3"', "3", str),
        ('"true"', "true", str),
        ('""', "", str),
    ],
)
def test_variable_result_keeps_its_json_type(literal: str, expected: object, kind: type) -> None:
    value = VariableValue.model_validate_json(f'{{"name": "v", "result": {literal}}}')

    assert type(value.result) is kind
    assert value.result == expected


def test_variable_without_result_is_rejected() -> None:
    with pytest.raises(ValidationError):
        VariableValue.model_validate({"name": "v"})


def test_aliases_are_read_and_written() -> None:
    value = VariableValue.model_validate(load("variable.json"))
    claim = ClaimResult.model_validate(load("claim.json"))

    assert claim.device_id == DEV
    assert ClaimResult.model_validate({"device_id": DEV}).device_id == DEV
    dumped = value.model_dump()
    assert "coreInfo" in dumped
    assert dumped["coreInfo"]["deviceID"] == DEV
    assert VariableValue.model_validate(dumped) == value


def test_device_defaults() -> None:
    device = Device.model_validate({"id": DEV})

    assert device.online is False
    assert device.functions == []
    assert device.variables == {}
    assert device.groups == []
    assert device.name is None


def test_device_needs_an_id() -> None:
    with pytest.raises(ValidationError):
        Device.model_validate({"name": "x"})


@pytest.mark.parametrize(
    ("model", "body", "field", "new"),
    [
        (Device, {"id": DEV}, "name", "x"),
        (Device, {"id": DEV}, "id", "other"),
        (UpdatedDevice, {"id": DEV}, "name", "x"),
        (CoreInfo, {"deviceID": DEV}, "connected", True),
        (VariableValue, {"result": 1}, "result", 2),
        (FunctionResult, {"return_value": 1}, "return_value", 2),
        (ClaimResult, {"ok": True}, "ok", False),
        (PageMeta, {"page": 1}, "page", 2),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_models_are_frozen(
    model: type[BaseModel], body: dict[str, Any], field: str, new: object
) -> None:
    parsed = model.model_validate(body)
    before = getattr(parsed, field)

    with pytest.raises(ValidationError):
        setattr(parsed, field, new)

    assert getattr(parsed, field) == before


def test_parsed_models_compare_by_value() -> None:
    first = Device.model_validate(load("device.json"))
    second = Device.model_validate(load("device.json"))

    assert first == second
    assert first != Device.model_validate({**load("device.json"), "name": "other"})


def test_a_library_version_with_null_dependencies_and_architectures_parses() -> None:
    # particle-api-js's own library fixture carries `"dependencies": null`
    library = Library.model_validate(
        {
            "type": "libraries",
            "id": "neopixel",
            "links": None,
            "attributes": {
                "name": "neopixel",
                "version": "1.0.0",
                "dependencies": None,
                "architectures": None,
            },
        }
    )
    assert library.dependencies == {}
    assert library.architectures == []
    assert library.links.download is None
