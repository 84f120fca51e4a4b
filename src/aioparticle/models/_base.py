"""Base model and field types shared by every response model."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

__all__ = ["ParticleModel", "UTCDateTime"]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


#: A timestamp that is always timezone-aware: the cloud speaks UTC, so a naive value is UTC.
UTCDateTime = Annotated[datetime, AfterValidator(_aware)]


class ParticleModel(BaseModel):
    """Base of every response model: immutable, keeps unknown fields in `model_extra`."""

    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        use_attribute_docstrings=True,
    )
