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
    event: str | None = None
    device_id: str | None = Field(
        default=None, validation_alias=DEVICE_ALIASES, serialization_alias="deviceid"
    )
    integration_type: str | None = None  # "Webhook", "AzureIotHub", ...: a str, never a Literal
    created_at: UTCDateTime | None = Field(
        default=None, validation_alias=AliasChoices("created_at", "createdAt")
    )
    updated_at: UTCDateTime | None = None
    url: str | None = None
    request_type: str | None = Field(
        default=None,
        validation_alias=AliasChoices("requestType", "request_type"),
        serialization_alias="requestType",
    )
    disabled: bool | None = None
    auth: dict[str, str] | None = Field(default=None, repr=False)
    headers: dict[str, str] | None = Field(default=None, repr=False)
    query: dict[str, str] | None = Field(default=None, repr=False)

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
    data: Any = None
    error: Any = None
