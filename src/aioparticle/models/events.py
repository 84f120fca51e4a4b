"""Models of the events API group."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated

from pydantic import Field
from pydantic_core import core_schema

from ._base import ParticleModel

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue

__all__ = ["Event"]


def _as_text(value: object) -> object:
    # `null` is no data; a number or an object the firmware sent unquoted is its JSON text
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc)


class _Text:
    """A `str` field that also takes `null` (as "") and any other JSON value (as its text).

    A string is validated by pydantic-core alone: the Python conversion only runs for
    anything else, so the usual event costs no Python call here.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: object, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.union_schema(
            [
                core_schema.str_schema(strict=True),
                core_schema.no_info_plain_validator_function(_as_text),
            ],
            mode="left_to_right",
            custom_error_type="string_type",  # one error, not one per branch
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(core_schema.str_schema())


class _UTCDateTime:
    """A timezone-aware datetime; a naive one is UTC (the cloud speaks UTC).

    As `UTCDateTime`, but a timestamp carrying its offset (as Particle's do) is validated by
    pydantic-core alone: the Python step only runs for a naive one.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: object, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.union_schema(
            [
                core_schema.datetime_schema(tz_constraint="aware"),
                core_schema.no_info_after_validator_function(
                    _as_utc, core_schema.datetime_schema(tz_constraint="naive")
                ),
            ],
            mode="left_to_right",
            custom_error_type="datetime_type",  # one error, not one per branch
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(core_schema.datetime_schema())


class Event(ParticleModel):
    """One event from a Particle event stream.

    `name` comes from the frame's `event:` line (the payload does not reliably carry it);
    `device_id` is the payload's `coreid` (`particle-internal` for events the cloud makes
    itself); `raw` is the frame's `data:` text exactly as received. A field the cloud sent
    in a shape the model cannot read is `None` (the event is still delivered; `raw` has it).
    """

    name: str
    """The event's name, from the frame's `event:` line."""
    data: Annotated[str, _Text] = ""
    """The event's data as text: empty for `null`, and the JSON text of a number or an object the
    firmware sent unquoted."""
    ttl: int | None = None  # the docs show "60", the JavaScript client 60: both parse
    """The event's time to live, in seconds (the cloud may send it as text, such as `"60"`)."""
    published_at: Annotated[datetime, _UTCDateTime] | None = None
    """The event's timestamp, set by the cloud (UTC)."""
    device_id: str | None = Field(default=None, alias="coreid")
    """The id of the device that published the event (`coreid` on the wire); `particle-internal`
    for events the cloud makes itself."""
    product_id: int | None = Field(default=None, alias="productID")
    """The id of the product the event came through (`productID` on the wire), on product and
    organization streams."""
    raw: str = Field(default="", exclude=True, repr=False)
    """The frame's `data:` text exactly as received; left out of `repr()` and of `model_dump()`."""
