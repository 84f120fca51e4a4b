"""Models of the webhooks API group."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from ._base import ParticleModel, UTCDateTime

__all__ = ["Webhook"]

#: The spellings of a hook's device filter: `deviceID` in listings, `deviceId` as created.
DEVICE_ALIASES = AliasChoices("deviceID", "deviceId", "deviceid", "device_id")


class Webhook(ParticleModel):
    """A webhook, as `webhooks.create` answers it or `webhooks.list` lists it.

    The creation answer is short (`id`, `url`, `event`, `name`, `created_at`, `hook_url`); a
    listing adds the request the hook makes (`request_type`, `headers`, `json_`, ...). The
    device filter reads from `deviceID` (listings) or `deviceId` (creation).

    `auth` (the basic-auth credentials the hook sends), `headers` and `query` (where API keys
    travel) never appear in `repr()`; read them as attributes.
    """

    id: str = Field(validation_alias=AliasChoices("id", "hookId", "hook_id"))
    event: str | None = Field(default=None, validation_alias=AliasChoices("event", "eventName"))
    url: str | None = None
    request_type: str | None = Field(
        default=None,
        validation_alias=AliasChoices("requestType", "request_type"),
        serialization_alias="requestType",
    )
    device_id: str | None = Field(
        default=None, validation_alias=DEVICE_ALIASES, serialization_alias="deviceID"
    )
    name: str | None = None
    created_at: UTCDateTime | None = Field(
        default=None, validation_alias=AliasChoices("created_at", "createdAt")
    )
    hook_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("hookUrl", "hook_url"),
        serialization_alias="hookUrl",
    )
    disabled: bool | None = None
    #: basic-auth credentials of the outgoing request (`username`, `password`)
    auth: dict[str, str] | None = Field(default=None, repr=False)
    headers: dict[str, str] | None = Field(default=None, repr=False)
    query: dict[str, str] | None = Field(default=None, repr=False)
    #: the JSON body template (`json` on the wire)
    json_: dict[str, Any] | None = Field(default=None, alias="json")
    form: dict[str, Any] | None = None
    body: str | None = None
    response_template: str | None = Field(default=None, alias="responseTemplate")
    response_topic: str | None = Field(default=None, alias="responseTopic")
    error_response_topic: str | None = Field(default=None, alias="errorResponseTopic")
    reject_unauthorized: bool | None = Field(default=None, alias="rejectUnauthorized")
    no_defaults: bool | None = Field(default=None, alias="noDefaults")
