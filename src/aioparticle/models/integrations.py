"""Models of the integrations API group."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import AliasChoices, Field

from ._base import ParticleModel, UTCDateTime
from .webhooks import DEVICE_ALIASES

__all__ = ["Integration", "IntegrationTestResult"]

#: What an integration is on the wire besides its settings.
_NOT_SETTINGS = frozenset({"id", "event", "device_id", "created_at", "updated_at"})


class Integration(ParticleModel):
    """An integration (a webhook, or a connection to another cloud service) as the cloud
    answers it: its settings are flattened next to `id`, `event` and the device filter.

    The settings of every integration type are kept: the common ones as fields
    (`integration_type`, `url`, `request_type`, `disabled`), the rest in `model_extra`.
    `settings` gives them back as one dict, in the shape `integrations.create` and
    `integrations.update` take.

    `repr()` shows the declared fields only, less `auth`, `headers` and `query`: the settings
    of an integration type often carry credentials (API keys, passwords, service-account
    keys), which stay out of logs and tracebacks.
    """

    id: str = Field(validation_alias=AliasChoices("id", "integrationId", "integration_id"))
    """The integration's id (`id`, `integrationId` or `integration_id` on the wire)."""
    event: str | None = None
    """The name of the events that trigger the integration."""
    device_id: str | None = Field(
        default=None, validation_alias=DEVICE_ALIASES, serialization_alias="deviceid"
    )
    """The device the integration is limited to (`deviceid` on the wire, also read from
    `deviceID`); `None` for any device."""
    integration_type: str | None = None  # "Webhook", "AzureIotHub", ...: a str, never a Literal
    """The kind of integration, such as `"Webhook"` or `"AzureIotHub"` (a `str`, so a new kind
    still parses)."""
    created_at: UTCDateTime | None = Field(
        default=None, validation_alias=AliasChoices("created_at", "createdAt")
    )
    """When the integration was created (UTC)."""
    updated_at: UTCDateTime | None = None
    """When the integration was last changed (UTC)."""
    url: str | None = None
    """The URL a webhook integration sends its request to."""
    request_type: str | None = Field(
        default=None,
        validation_alias=AliasChoices("requestType", "request_type"),
        serialization_alias="requestType",
    )
    """The HTTP method of a webhook integration's request (`requestType` on the wire)."""
    disabled: bool | None = None
    """Whether the integration is disabled."""
    auth: dict[str, str] | None = Field(default=None, repr=False)
    """The basic-auth credentials the integration's request sends; kept out of `repr()`."""
    headers: dict[str, str] | None = Field(default=None, repr=False)
    """The HTTP headers the integration's request sends; kept out of `repr()`."""
    query: dict[str, str] | None = Field(default=None, repr=False)
    """The query parameters the integration's request sends; kept out of `repr()`."""

    @property
    def settings(self) -> dict[str, Any]:
        """The integration's settings as on the wire (`integration_type`, `url`,
        `requestType`, ... and the type's own keys), without `id`, `event`, the device filter
        and the timestamps."""
        return self.model_dump(mode="json", exclude=set(_NOT_SETTINGS), exclude_none=True)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        fields = type(self).model_fields
        for name, value in super().__repr_args__():
            if name in fields and fields[name].repr:
                yield name, value


class IntegrationTestResult(ParticleModel):
    """What `integrations.test` answers: whether the test event went through (`pass_`, the
    wire's `pass`), what the target answered (`data`) and why it failed (`error`)."""

    pass_: bool = Field(default=False, alias="pass")
    """Whether the test event went through (`pass` on the wire)."""
    data: Any = None
    """What the integration's target answered, in the shape the cloud sends."""
    error: Any = None
    """Why the test failed, in the shape the cloud sends; `None` when it passed."""
