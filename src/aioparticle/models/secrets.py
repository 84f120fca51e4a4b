"""Models of cloud secrets (their values never leave the cloud)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from ._base import ParticleModel, UTCDateTime

__all__ = ["Secret", "SecretIntegration"]


class SecretIntegration(ParticleModel):
    """An integration that uses a secret: `id` in the sandbox, `org_integration_id` in an
    organization."""

    name: str | None = None
    """The integration's name."""
    id: str | None = None
    """The integration's id, in the sandbox (a number is read as text); `None` in an
    organization."""
    org_integration_id: str | None = None
    """The integration's id in an organization (a number is read as text); `None` in the sandbox."""

    @field_validator("id", "org_integration_id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Secret(ParticleModel):
    """A cloud secret, described: who set it and when, when it was last read, and what uses
    it (`integrations`, `logic_functions`: ids). It never holds the value: the cloud does not
    return it, and a `value` key in an answer is dropped."""

    name: str
    """The secret's name."""
    created_at: UTCDateTime | None = None
    """When the secret was created (UTC)."""
    updated_at: UTCDateTime | None = None
    """When the secret was last changed (UTC)."""
    created_by: str | None = None
    """Who created the secret, as the cloud names them."""
    updated_by: str | None = None
    """Who last changed the secret, as the cloud names them."""
    last_accessed_at: UTCDateTime | None = None
    """When the secret was last accessed (UTC); `None` when the cloud sends none."""
    integrations: list[SecretIntegration] = Field(default_factory=list)
    """The integrations that use the secret (a `null` reads as empty)."""
    logic_functions: list[str] = Field(default_factory=list)
    """The ids of the logic functions that use the secret (a `null` reads as empty)."""

    @model_validator(mode="before")
    @classmethod
    def _no_value(cls, value: Any) -> Any:
        if isinstance(value, dict) and "value" in value:
            return {k: v for k, v in value.items() if k != "value"}
        return value

    @field_validator("integrations", "logic_functions", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value
