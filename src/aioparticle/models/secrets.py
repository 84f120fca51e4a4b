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
    id: str | None = None
    org_integration_id: str | None = None

    @field_validator("id", "org_integration_id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Secret(ParticleModel):
    """A cloud secret, described: who set it and when, when it was last read, and what uses
    it (`integrations`, `logic_functions`: ids). It never holds the value: the cloud does not
    return it, and a `value` key in an answer is dropped."""

    name: str
    created_at: UTCDateTime | None = None
    updated_at: UTCDateTime | None = None
    created_by: str | None = None
    updated_by: str | None = None
    last_accessed_at: UTCDateTime | None = None
    integrations: list[SecretIntegration] = Field(default_factory=list)
    logic_functions: list[str] = Field(default_factory=list)

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
