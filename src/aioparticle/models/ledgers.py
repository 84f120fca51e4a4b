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
    """The ledger's name."""
    description: str | None = None
    """The ledger's description."""
    scope: Literal["Owner", "Product", "Device"] | str | None = None
    """The scope its instances belong to: `"Owner"`, `"Product"` or `"Device"`."""
    direction: str | None = None
    """The direction the ledger's data flows in, as the cloud names it (such as `"CloudOnly"`)."""
    created_at: UTCDateTime | None = None
    """When the ledger was created (UTC)."""
    updated_at: UTCDateTime | None = None
    """When the ledger was last changed (UTC)."""
    archived_at: UTCDateTime | None = None
    """When the ledger was archived (UTC); `None` for a ledger in use."""
    archived: bool = False
    """Whether the ledger is archived: the cloud's flag when it sends one, otherwise whether
    `archived_at` is set."""

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
    """The kind of scope: `"Owner"`, `"Product"` or `"Device"`."""
    value: str | None = None
    """The owner, product or device id the instance belongs to (a product id is read as text)."""
    name: str | None = None
    """The owner's, product's or device's name, when the cloud knows it."""
    not_owned: bool | None = None
    """The wire field `not_owned` as sent by the cloud."""

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
    """The name of the ledger the instance belongs to."""
    scope: LedgerScope | None = None
    """Whose instance it is; a bare scope value on the wire becomes its `value`."""
    data: dict[str, Any] = Field(default_factory=dict)
    """The instance's data (empty in listings that leave it out)."""
    size_bytes: int | None = None
    """The size of the instance's data, in bytes."""
    created_at: UTCDateTime | None = None
    """When the instance was created (UTC)."""
    updated_at: UTCDateTime | None = None
    """When the instance's data last changed (UTC)."""

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
    """The version's id, for `ledgers.instances.get_version` (the wire's `version_id`, `version`
    or `id`, read as text)."""
    replaced_at: UTCDateTime | None = None
    """When a later set replaced this version's data (UTC)."""

    @field_validator("version_id", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
