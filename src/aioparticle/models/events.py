"""Models of the events API group."""

from __future__ import annotations

import json

from pydantic import Field, field_validator

from ._base import ParticleModel, UTCDateTime

__all__ = ["Event"]


class Event(ParticleModel):
    """One event from a Particle event stream.

    `name` comes from the frame's `event:` line (the payload does not reliably carry it);
    `device_id` is the payload's `coreid` (`particle-internal` for events the cloud makes
    itself); `raw` is the frame's `data:` text exactly as received. A field the cloud sent
    in a shape the model cannot read is `None` (the event is still delivered; `raw` has it).
    """

    name: str
    data: str = ""
    ttl: int | None = None  # the docs show "60", the JavaScript client 60: both parse
    published_at: UTCDateTime | None = None
    device_id: str | None = Field(default=None, alias="coreid")
    product_id: int | None = Field(default=None, alias="productID")
    raw: str = Field(default="", exclude=True, repr=False)

    @field_validator("data", mode="before")
    @classmethod
    def _data_as_text(cls, value: object) -> object:
        # `null` is no data; a number or an object the firmware sent unquoted is its JSON text
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        return json.dumps(value, separators=(",", ":"))
