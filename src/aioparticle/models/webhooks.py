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
    """The hook's id (`id`, `hookId` or `hook_id` on the wire)."""
    event: str | None = Field(default=None, validation_alias=AliasChoices("event", "eventName"))
    """The event-name prefix that triggers the hook (`event`, or `eventName`, on the wire)."""
    url: str | None = None
    """The URL the hook sends its request to."""
    request_type: str | None = Field(
        default=None,
        validation_alias=AliasChoices("requestType", "request_type"),
        serialization_alias="requestType",
    )
    """The HTTP method of the hook's request, such as `"POST"` (`requestType` on the wire)."""
    device_id: str | None = Field(
        default=None, validation_alias=DEVICE_ALIASES, serialization_alias="deviceID"
    )
    """The device the hook is limited to (`deviceID` in listings, `deviceId` as created); `None`
    for any device."""
    name: str | None = None
    """The hook's name, as the cloud sends it."""
    created_at: UTCDateTime | None = Field(
        default=None, validation_alias=AliasChoices("created_at", "createdAt")
    )
    """When the hook was created (UTC)."""
    hook_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("hookUrl", "hook_url"),
        serialization_alias="hookUrl",
    )
    """The wire field `hookUrl` of the creation answer."""
    disabled: bool | None = None
    """Whether the hook is disabled."""
    auth: dict[str, str] | None = Field(default=None, repr=False)
    """The basic-auth credentials of the hook's request (`username`, `password`); kept out of
    `repr()`."""
    headers: dict[str, str] | None = Field(default=None, repr=False)
    """The HTTP headers of the hook's request; kept out of `repr()`."""
    query: dict[str, str] | None = Field(default=None, repr=False)
    """The query parameters of the hook's request; kept out of `repr()`."""
    json_: dict[str, Any] | None = Field(default=None, alias="json")
    """The JSON body template of the hook's request (`json` on the wire)."""
    form: dict[str, Any] | None = None
    """The form fields of the hook's request."""
    body: str | None = None
    """The raw text body of the hook's request."""
    response_template: str | None = Field(default=None, alias="responseTemplate")
    """The hook's response template (`responseTemplate` on the wire)."""
    response_topic: str | None = Field(default=None, alias="responseTopic")
    """The event name the target's answer is published under instead of
    `hook-response/<event>/<n>` (`responseTopic` on the wire)."""
    error_response_topic: str | None = Field(default=None, alias="errorResponseTopic")
    """The event name failures are published under instead of `hook-error/...`
    (`errorResponseTopic` on the wire)."""
    reject_unauthorized: bool | None = Field(default=None, alias="rejectUnauthorized")
    """The wire field `rejectUnauthorized` as sent by the cloud."""
    no_defaults: bool | None = Field(default=None, alias="noDefaults")
    """Whether the hook leaves out the cloud's default fields (`event`, `data`, `published_at`,
    `coreid`) when it has no body of its own (`noDefaults` on the wire)."""
