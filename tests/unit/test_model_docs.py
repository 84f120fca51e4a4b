"""Every public model documents itself and each of its fields.

Field descriptions are attribute docstrings (the string right after a field): IDEs and the API
reference read them from the source, and pydantic copies them into
`Model.model_fields[name].description` (and the JSON schema). Dataclasses and TypedDicts have no
such runtime slot, so their docstrings are read from the source the way documentation tools do.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import re
import textwrap
import warnings
from typing import Any, is_typeddict

import pytest
from pydantic import BaseModel

import aioparticle
import aioparticle.models
from aioparticle.models import Device, EnvVarOp, Event


def _public_classes() -> list[type[Any]]:
    found: dict[str, type[Any]] = {}
    for module in (aioparticle.models, aioparticle):
        for name in module.__all__:
            obj = getattr(module, name)
            if not inspect.isclass(obj):
                continue
            if issubclass(obj, BaseModel) or dataclasses.is_dataclass(obj) or is_typeddict(obj):
                found.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return sorted(found.values(), key=lambda cls: cls.__name__)


PUBLIC = _public_classes()


def _attribute_docstrings(cls: type[Any]) -> dict[str, str]:
    """The attribute docstrings of a class, read from its source as documentation tools do."""
    node = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    assert isinstance(node, ast.ClassDef)
    docs: dict[str, str] = {}
    for stmt, after in itertools.pairwise(node.body):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[stmt.target.id] = inspect.cleandoc(after.value.value)
    return docs


def _field_docs(cls: type[Any]) -> dict[str, tuple[str | None, set[str]]]:
    """Each field's description and the names it goes by (attribute name, aliases)."""
    if issubclass(cls, BaseModel):
        return {
            name: (info.description, {name, *(a for a in (info.alias,) if a)})
            for name, info in cls.model_fields.items()
        }
    docs = _attribute_docstrings(cls)
    names = (
        [f.name for f in dataclasses.fields(cls)]
        if dataclasses.is_dataclass(cls)
        else list(cls.__annotations__)
    )
    return {name: (docs.get(name), {name}) for name in names}


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("_", " ")))


def test_the_walk_sees_every_kind_of_public_model() -> None:
    names = {cls.__name__ for cls in PUBLIC}
    # response models, an input model, pagination, stream and fleet dataclasses, a TypedDict
    assert {
        "Device",
        "Event",
        "EnvVarOp",
        "PageMeta",
        "ParticleModel",
        "FleetResult",
        "FleetProgress",
        "FleetReport",
        "MalformedFrame",
        "Reconnect",
        "DeviceAttributes",
    } <= names
    assert len(PUBLIC) > 100


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda cls: cls.__name__)
def test_public_model_has_class_docstring(cls: type[Any]) -> None:
    doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")
    assert doc, f"{cls.__name__} has no docstring"
    # a dataclass without a docstring gets its signature as `__doc__`
    assert not doc.startswith(f"{cls.__name__}("), f"{cls.__name__} has no docstring"


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda cls: cls.__name__)
def test_every_field_has_a_real_description(cls: type[Any]) -> None:
    missing, placeholders = [], []
    for name, (description, aliases) in _field_docs(cls).items():
        if not description or not description.strip():
            missing.append(name)
            continue
        words = _words(description)
        if words in {_words(a) for a in aliases} or len(words.split()) < 3:
            placeholders.append(f"{name}: {description!r}")
    assert not missing, f"{cls.__name__}: fields without a description: {missing}"
    assert not placeholders, f"{cls.__name__}: placeholder descriptions: {placeholders}"


def test_descriptions_reach_the_json_schema() -> None:
    schema = Device.model_json_schema()["properties"]
    assert schema["online"]["description"] == Device.model_fields["online"].description
    assert "Device OS version" in schema["system_firmware_version"]["description"]
    # an alias-named field: the schema speaks the wire name, with the field's description
    event = Event.model_json_schema()["properties"]
    assert event["coreid"]["description"] == Event.model_fields["device_id"].description
    assert "Set" in EnvVarOp.model_json_schema()["properties"]["op"]["description"]


def test_a_deprecated_field_keeps_warning_with_its_description() -> None:
    info = Device.model_fields["connected"]
    assert info.deprecated == "use Device.online"
    assert info.description is not None
    assert "online" in info.description
    device = Device(id="0123456789abcdef01234567", connected=True)
    with pytest.warns(DeprecationWarning, match=r"Device\.online"):
        assert device.connected is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert device.online is False
