"""Models of ledgers: their definitions, their instances and the instances' past versions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from ._base import ParticleModel, UTCDateTime

__all__ = ["Ledger", "LedgerInstance", "LedgerInstanceVersion", "LedgerScope"]


class Ledger(ParticleModel):
    """A ledger definition: a name, the scope its instances belong to (`"Owner"`, `"Product"`
    or `"Device"`) and the direction its data flows in.

    `archived` is the cloud's flag when it sends one, otherwise whether `archived_at` is set.
    """

    name: str
    description: str | None = None
    scope: Literal["Owner", "Product", "Device"] | str | None = None
    direction: str | None = None
    created_at: UTCDateTime | None = None
    updated_at: UTCDateTime | None = None
    archived_at: UTCDateTime | None = None
    archived: bool = False

    @model_validator(mode="before")
    @classmethod
    def _archived_from_date(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("archived") is None:
            return {**data, "archived": data.get("archived_at") is not None}
        return data


class LedgerScope(ParticleModel):
    """Whose instance it is: the scope `type` and its `value` (an owner, product or device
    id), with the owner's, product's or device's `name` when the cloud knows it."""

    type: Literal["Owner", "Product", "Device"] | str | None = None
    value: str | None = None
    name: str | None = None
    not_owned: bool | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        # product ids come as numbers
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class LedgerInstance(ParticleModel):
    """The data of a ledger for one owner, product or device.

    `data` is empty in listings that leave it out; `get` returns it whole.
    """

    name: str | None = None
    scope: LedgerScope | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    size_bytes: int | None = None
    created_at: UTCDateTime | None = None
    updated_at: UTCDateTime | None = None

    @model_validator(mode="before")
    @classmethod
    def _scope_object(cls, data: Any) -> Any:
        """Accept a scope given as its bare value (`"scope": "<device id>"`)."""
        if isinstance(data, dict) and isinstance(data.get("scope"), (str, int)):
            return {**data, "scope": {"value": data["scope"]}}
        return data


class LedgerInstanceVersion(LedgerInstance):
    """An instance's data as it was until `replaced_at`, when a later set replaced it.

    `version_id` names it for `ledgers.instances.get_version` (the cloud's `version_id`,
    `version` or `id`).
    """

    version_id: str | None = Field(
        default=None, validation_alias=AliasChoices("version_id", "version", "id")
    )
    replaced_at: UTCDateTime | None = None

    @field_validator("version_id", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
