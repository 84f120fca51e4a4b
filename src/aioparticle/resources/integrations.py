"""Integrations of the account, of a product or of an organization."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._exceptions import InvalidArgumentError
from .._parsing import parse_ack, parse_model, parse_unwrapped
from .._paths import event_name, scope_prefix, segment
from ..models.integrations import Integration, IntegrationTestResult
from ._base import Resource
from ._checks import free_text, org_prefix, short_text
from .webhooks import credentials, flat_parser, json_object

if TYPE_CHECKING:
    from ..types import JSONObject, JSONValue, ProductRef

__all__ = ["Integrations"]

#: Longest test event data accepted (an event's data is at most 1024 bytes on the cloud).
MAX_TEST_DATA_LENGTH = 1024

#: Body keys the call sets itself, which `settings` may not carry (in any letter case).
RESERVED_KEYS = frozenset({"event", "deviceid"})


_parse_integrations = parse_unwrapped(list[Integration], "integrations")

_parse_integration = flat_parser(Integration, "integration")

_parse_test = parse_model(IntegrationTestResult)


def _prefix(product: ProductRef | None, org: str | None) -> str:
    if org is None:
        return scope_prefix(product)
    if product is not None:
        raise InvalidArgumentError("pass product= or org=, not both")
    return org_prefix(org)


def _settings(settings: object) -> dict[str, JSONValue]:
    checked = json_object(settings, "settings")
    for key in checked:
        if key.lower() in RESERVED_KEYS:
            raise InvalidArgumentError(
                f"settings must not hold {key!r}: pass the event as event= and the device "
                "filter as device="
            )
    return checked


def _hidden(settings: Mapping[str, JSONValue]) -> tuple[str, ...]:
    maps = [settings.get(key) for key in ("auth", "headers", "query")]
    auth, headers, query = (
        {k: v for k, v in m.items() if isinstance(v, str)} if isinstance(m, Mapping) else None
        for m in maps
    )
    top = {k: v for k, v in settings.items() if isinstance(v, str)}
    return credentials(auth, headers, query, top)


class Integrations(Resource):
    """Integrations: webhooks and connections to other cloud services (Azure IoT Hub, Google
    Cloud Pub/Sub, ...) that events trigger. Each call takes `product=` (an id or slug) for a
    product's integrations or `org=` for an organization's, not both."""

    __slots__ = ()

    async def list(
        self, *, product: ProductRef | None = None, org: str | None = None
    ) -> list[Integration]:
        """Every integration of the account (or of the product, or of the organization)."""
        path = f"{_prefix(product, org)}/integrations"
        return await self._request("GET", path, _parse_integrations)

    async def get(
        self, integration_id: str, *, product: ProductRef | None = None, org: str | None = None
    ) -> Integration:
        """One integration, with its settings."""
        path = f"{_prefix(product, org)}/integrations/{_segment(integration_id)}"
        return await self._request("GET", path, _parse_integration)

    async def test(
        self,
        integration_id: str,
        *,
        data: str | None = None,
        device: str | None = None,
        product: ProductRef | None = None,
    ) -> IntegrationTestResult:
        """Send one test event through an integration, as a matching event would go, and say
        whether its target accepted it (`pass_`), what it answered (`data`) or why it failed
        (`error`). `data` is the event's data (the cloud's default: `"test-event"`), `device`
        the device id it claims to come from (default `"api"`). The target really receives
        the request: not retried once sent."""
        body: dict[str, JSONValue] = {}
        if data is not None:
            body["data"] = free_text(data, "data", max_length=MAX_TEST_DATA_LENGTH)
        if device is not None:
            body["device_id"] = short_text(device, "device")
        path = f"{scope_prefix(product)}/integrations/{_segment(integration_id)}/test"
        return await self._request("POST", path, _parse_test, json=body, idempotent=False)

    async def create(
        self,
        event: str,
        settings: JSONObject,
        *,
        device: str | None = None,
        product: ProductRef | None = None,
        org: str | None = None,
    ) -> Integration:
        """Create an integration triggered by events whose name starts with `event` (from
        `device` only, when given).

        `settings` are the integration type's own fields (`integration_type`, then for a
        `"Webhook"` its `url`, `requestType`, `headers`, `json`, ...). They are sent at the top
        level of the JSON body next to `event` and `deviceid` (sent only with `device=`), so
        they may not use those two names. Not retried once sent.
        """
        body: dict[str, JSONValue] = {"event": event_name(event, "event")}
        if device is not None:
            body["deviceid"] = short_text(device, "device")
        flat = _settings(settings)
        body.update(flat)
        path = f"{_prefix(product, org)}/integrations"
        return await self._request(
            "POST", path, _parse_integration, json=body, secrets=_hidden(flat)
        )

    async def update(
        self,
        integration_id: str,
        *,
        event: str | None = None,
        settings: JSONObject | None = None,
        device: str | None = None,
        product: ProductRef | None = None,
        org: str | None = None,
    ) -> Integration:
        """Change an integration: its `event`, its device filter, and/or its `settings`
        (flattened into the body as for `create`). Only what is given is sent.

        Every integration type takes `{"disabled": True}` in `settings` to stop it (events
        no longer trigger it) and `{"disabled": False}` to start it again."""
        body: dict[str, JSONValue] = {}
        if event is not None:
            body["event"] = event_name(event, "event")
        if device is not None:
            body["deviceid"] = short_text(device, "device")
        flat = {} if settings is None else _settings(settings)
        body.update(flat)
        path = f"{_prefix(product, org)}/integrations/{_segment(integration_id)}"
        if not body:
            raise InvalidArgumentError("integrations.update() needs event=, settings= or device=")
        return await self._request(
            "PUT", path, _parse_integration, json=body, secrets=_hidden(flat)
        )

    async def delete(
        self, integration_id: str, *, product: ProductRef | None = None, org: str | None = None
    ) -> None:
        """Delete an integration: events published afterwards no longer trigger it."""
        path = f"{_prefix(product, org)}/integrations/{_segment(integration_id)}"
        await self._request("DELETE", path, parse_ack)


def _segment(integration_id: object) -> str:
    return segment(integration_id, "integration_id")
