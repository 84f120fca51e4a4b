"""Models of a product's customers."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from ._base import ParticleModel

__all__ = ["Customer"]


class Customer(ParticleModel):
    """A customer of a product: an end user who owns some of its devices (`devices`: their
    ids). `username` is the customer's e-mail address."""

    id: str
    """The customer's id (a number on the wire is read as text)."""
    username: str | None = None
    """The customer's e-mail address."""
    full_name: str | None = None
    """The customer's full name, when the cloud has one."""
    devices: list[str] = Field(default_factory=list)
    """The ids of the devices the customer owns (a `null` on the wire reads as empty)."""

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("devices", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value
