"""Webhooks and integrations: their records, and the delivery of matching events over HTTP.

Publishing an event (from a device, or through the publish routes) starts one delivery per
matching hook, as a background task on the local cloud's own event loop: the request the hook
describes goes to its URL for real (httpx, loopback hosts only), and the answer comes back on
the event bus as `hook-response/<event>/<n>` (or `hook-error/<event>/0`), as the cloud does.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from .._templates import event_context, outgoing_request, render, split_parts
from ._base import NotFound, Refused, iso, utcnow
from .devices import DevicesMixin
from .events import PublishedEvent

__all__ = [
    "HOOK_REQUEST_TYPES",
    "FakeHook",
    "HookDelivery",
    "WebhooksMixin",
    "is_loopback_url",
]

HOOK_REQUEST_TYPES = ("GET", "POST", "PUT", "DELETE")
#: The integration type that makes HTTP requests (the others are stored and listed only).
WEBHOOK_TYPE = "Webhook"
#: What a hook's request says it is.
USER_AGENT = "ParticleBot/1.1 (https://docs.particle.io/webhooks)"
#: Most response bytes read and turned into `hook-response` events, and the size of one part.
MAX_RESPONSE_BYTES = 100 * 1024
PART_BYTES = 512
_LOOPBACK_NAMES = ("localhost",)
# body keys of a webhook that are not its settings
_DEVICE_KEYS = ("deviceId", "deviceID", "deviceid")
_TEXT_MAPS = ("headers", "query", "auth")
_TEMPLATES = ("body", "responseTemplate", "responseTopic", "errorResponseTopic")


def is_loopback_url(url: str) -> bool:
    """Whether `url` is `http(s)://` to a loopback host (`localhost`, 127.0.0.0/8, `::1`), as
    both the standard library and the HTTP client that would connect read it."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        hosts = {parts.hostname or "", httpx.URL(url).host}
    except (ValueError, httpx.InvalidURL):
        return False
    if parts.scheme.lower() not in ("http", "https"):
        return False
    return all(_loopback_host(host) for host in hosts)


def _loopback_host(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class FakeHook:
    """A webhook, or an integration (`kind`), of a user (`owner`), a product (`product_id`)
    or an organization (`org_id`, integrations only).

    `settings` are its wire fields besides `event` and the device filter: `url`,
    `requestType`, `headers`, `query`, `auth`, `json`, `form`, `body`, `responseTemplate`,
    `responseTopic`, `errorResponseTopic`, `noDefaults`, `rejectUnauthorized`, and for an
    integration `integration_type` and the type's own keys.
    """

    id: str
    kind: str  # "webhook" or "integration"
    event: str
    device: str | None
    settings: dict[str, Any]
    owner: str | None = None
    product_id: int | None = None
    org_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime | None = None

    @property
    def delivers(self) -> bool:
        """Whether events make HTTP requests: every webhook, and integrations of type
        `Webhook`, unless `disabled`."""
        if self.settings.get("disabled") is True:
            return False
        return self.kind == "webhook" or self.settings.get("integration_type") == WEBHOOK_TYPE


@dataclass(frozen=True)
class HookDelivery:
    """One delivery attempt: the request as sent (or as it would have been) and its outcome.

    `status` is the target's HTTP status (`None` when no answer came); `response` the text of
    its answer (at most 100 KB); `error` says why the delivery failed or was never sent
    (a connection failure, the timeout, a non-loopback URL, too many pending deliveries).
    """

    hook_id: str
    event: str
    device_id: str
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    status: int | None = None
    response: str = ""
    error: str | None = None
    at: datetime = field(default_factory=utcnow)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


class WebhooksMixin(DevicesMixin):
    """Webhooks and integrations of users, products and organizations, and their delivery.

    Settings a test may change: `hook_timeout` (seconds one delivery may take, connecting
    and reading the answer included), `max_pending_deliveries` (deliveries waiting or under
    way at once; past it an event's delivery is dropped and recorded with an `error`) and
    `max_concurrent_deliveries` (requests in flight at once).
    """

    def __init__(self) -> None:
        super().__init__()
        self.webhooks: dict[str, FakeHook] = {}
        self.integrations: dict[str, FakeHook] = {}
        #: every delivery attempt, oldest first (dropped and refused ones too)
        self.hook_deliveries: list[HookDelivery] = []
        self.hook_timeout = 5.0
        self.max_pending_deliveries = 64
        self.max_concurrent_deliveries = 8
        #: deliveries handed to `_hook_loop` and not finished
        self._hook_pending = 0
        self._hook_loop: asyncio.AbstractEventLoop | None = None
        self._hook_tasks: set[asyncio.Task[None]] = set()
        self._hook_slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    # ------------------------------------------------------------------ webhooks

    def list_webhooks(self, owner: str | None, product_id: int | None) -> list[dict[str, Any]]:
        """The webhooks of a product (`product_id`), or of `owner`'s sandbox."""
        with self.lock:
            return [
                _webhook_json(hook)
                for hook in self.webhooks.values()
                if _in_scope(hook, owner, product_id, None)
            ]

    def create_webhook(
        self, owner: str | None, product_id: int | None, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Create a webhook from a creation body (wire names). Raises `Refused` (400) for a
        missing event or URL, a URL off the loopback interface, or a malformed field."""
        event = _event(body.get("event", body.get("eventName")))
        device = _device(next((body[k] for k in _DEVICE_KEYS if body.get(k) is not None), None))
        settings = {
            key: value
            for key, value in body.items()
            if key not in ("event", "eventName", "mydevices", *_DEVICE_KEYS)
        }
        settings.setdefault("requestType", "POST")
        _check_request_settings(settings)
        hook = FakeHook(
            id=self._hex_id("webhook"),
            kind="webhook",
            event=event,
            device=device,
            settings=settings,
            owner=owner if product_id is None else None,
            product_id=product_id,
        )
        with self.lock:
            self.webhooks[hook.id] = hook
        return {
            "id": hook.id,
            "url": settings["url"],
            "event": event,
            "name": event,
            "created_at": iso(hook.created_at),
        }

    def delete_webhook(self, owner: str | None, product_id: int | None, hook_id: str) -> None:
        """Forget a webhook: later events no longer trigger it. Raises `NotFound`."""
        with self.lock:
            hook = self.webhooks.get(hook_id)
            if hook is None or not _in_scope(hook, owner, product_id, None):
                raise NotFound("Webhook not found")
            del self.webhooks[hook_id]

    # ------------------------------------------------------------------ integrations

    def list_integrations(
        self, owner: str | None, product_id: int | None, org_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The integrations of an organization, a product, or `owner`'s sandbox."""
        with self.lock:
            return [
                _integration_json(hook)
                for hook in self.integrations.values()
                if _in_scope(hook, owner, product_id, org_id)
            ]

    def create_integration(
        self,
        owner: str | None,
        product_id: int | None,
        body: Mapping[str, Any],
        org_id: str | None = None,
    ) -> dict[str, Any]:
        """Create an integration from its flattened body (`event`, `deviceid`, the settings).
        An integration of type `Webhook` is checked like a webhook (a loopback `url`)."""
        event = _event(body.get("event"))
        device = _device(next((body[k] for k in _DEVICE_KEYS if body.get(k) is not None), None))
        settings = {k: v for k, v in body.items() if k not in ("event", *_DEVICE_KEYS)}
        if not isinstance(settings.get("integration_type"), str):
            raise Refused("integration_type is required")
        if settings["integration_type"] == WEBHOOK_TYPE:
            settings.setdefault("requestType", "POST")
            _check_request_settings(settings)
        hook = FakeHook(
            id=self._hex_id("integration"),
            kind="integration",
            event=event,
            device=device,
            settings=settings,
            owner=owner if product_id is None and org_id is None else None,
            product_id=product_id,
            org_id=org_id,
        )
        with self.lock:
            self.integrations[hook.id] = hook
        return _integration_json(hook)

    def get_integration(
        self,
        owner: str | None,
        product_id: int | None,
        integration_id: str,
        org_id: str | None = None,
    ) -> dict[str, Any]:
        """One integration. Raises `NotFound` outside the caller's scope."""
        with self.lock:
            return _integration_json(
                self._scoped_integration(owner, product_id, org_id, integration_id)
            )

    async def test_integration(
        self,
        owner: str | None,
        product_id: int | None,
        integration_id: str,
        *,
        data: str = "test-event",
        device_id: str = "api",
    ) -> dict[str, Any]:
        """Send one test event (named as the integration's event, with `data`, from
        `device_id`) through the integration now, as a delivery of a matching event would go,
        disabled or not, and answer `{pass, data, error}`: `data` is what the target answered.
        Only `Webhook` integrations make a request; the attempt is kept in `hook_deliveries`.
        Raises `NotFound` outside the caller's scope."""
        with self.lock:
            hook = self._scoped_integration(owner, product_id, None, integration_id)
            snapshot = dataclasses.replace(hook, settings=dict(hook.settings))
        kind = snapshot.settings.get("integration_type")
        if kind != WEBHOOK_TYPE:
            error = f"the local cloud does not deliver {kind} integrations"
            return {"pass": False, "data": None, "error": error}
        event = PublishedEvent(
            name=snapshot.event,
            data=data,
            ttl=60,
            published_at=utcnow(),
            coreid=device_id,
            product_id=snapshot.product_id,
            owner=snapshot.owner,
        )
        context = event_context(
            event.name, event.data, event.coreid, iso(event.published_at) or "", event.product_id
        )
        async with self._slots():
            delivery = await self._attempt(snapshot, event, context)
        with self.lock:
            self.hook_deliveries.append(delivery)
        if delivery.ok:
            return {"pass": True, "data": delivery.response, "error": None}
        error = delivery.error or f"HTTP {delivery.status}: {delivery.response}".rstrip(": ")
        return {"pass": False, "data": delivery.response or None, "error": error}

    def update_integration(
        self,
        owner: str | None,
        product_id: int | None,
        integration_id: str,
        body: Mapping[str, Any],
        org_id: str | None = None,
    ) -> dict[str, Any]:
        """Change an integration: what the body holds replaces what it had; the rest stays."""
        with self.lock:
            hook = self._scoped_integration(owner, product_id, org_id, integration_id)
            event = hook.event if body.get("event") is None else _event(body["event"])
            given = next((body[k] for k in _DEVICE_KEYS if k in body), hook.device)
            device = None if given in (None, "") else _device(given)
            settings = {
                **hook.settings,
                **{k: v for k, v in body.items() if k not in ("event", *_DEVICE_KEYS)},
            }
            if settings.get("integration_type") == WEBHOOK_TYPE:
                _check_request_settings(settings)
            hook.event, hook.device, hook.settings = event, device, settings
            hook.updated_at = utcnow()
            return _integration_json(hook)

    def delete_integration(
        self,
        owner: str | None,
        product_id: int | None,
        integration_id: str,
        org_id: str | None = None,
    ) -> None:
        """Forget an integration. Raises `NotFound` outside the caller's scope."""
        with self.lock:
            self._scoped_integration(owner, product_id, org_id, integration_id)
            del self.integrations[integration_id]

    def _scoped_integration(
        self, owner: str | None, product_id: int | None, org_id: str | None, integration_id: str
    ) -> FakeHook:
        hook = self.integrations.get(integration_id)
        if hook is None or not _in_scope(hook, owner, product_id, org_id):
            raise NotFound("Integration not found")
        return hook

    # ------------------------------------------------------------------ triggering

    def publish(
        self,
        name: str,
        data: str = "",
        *,
        device: str | None = None,
        ttl: int = 60,
        private: bool = True,
        owner: str | None = None,
        product_id: int | None = None,
    ) -> PublishedEvent:
        """Publish an event (see `EventsMixin.publish`), then start a delivery for every
        webhook and `Webhook` integration it matches. `hook-*` events trigger none, nor do
        the events the deliveries publish."""
        event = super().publish(
            name,
            data,
            device=device,
            ttl=ttl,
            private=private,
            owner=owner,
            product_id=product_id,
        )
        if not name.startswith("hook-"):
            with self.lock:
                hooks = [
                    hook
                    for hook in (*self.webhooks.values(), *self.integrations.values())
                    if hook.delivers and self._hook_matches(hook, event)
                ]
                for hook in hooks:
                    self._schedule(hook, event)
        return event

    def _hook_matches(self, hook: FakeHook, event: PublishedEvent) -> bool:
        """Whether `event` triggers `hook`: its name starts with the hook's event, it comes
        from the hook's device (id or name) when it has one, and from the hook's scope: a
        device of its product, of its organization's products, or owned by its user (or
        published by the user through the API, outside a product)."""
        if not event.name.startswith(hook.event):
            return False
        if hook.device is not None and hook.device.lower() != event.coreid.lower():
            source = self.devices.get(event.coreid)
            if source is None or source.name != hook.device:
                return False
        if hook.product_id is not None:
            return event.product_id == hook.product_id
        if hook.org_id is not None:
            org = self.find_org(hook.org_id)
            return org is not None and any(
                p.id == event.product_id and p.org in (org.slug, org.id)
                for p in self.products.values()
            )
        if event.product_id is not None and event.coreid not in self.devices:
            return False  # published to a product through the API: not a sandbox event
        return hook.owner is not None and event.owner == hook.owner

    # ------------------------------------------------------------------ delivery

    def delivery_loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop deliveries run in: the caller's running asyncio loop (a `LocalCloud`
        answers with its server's loop), or `None` when there is none."""
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    def _schedule(self, hook: FakeHook, event: PublishedEvent) -> None:
        """Hand one delivery to the delivery loop (under the lock), or record why not."""
        snapshot = dataclasses.replace(hook, settings=dict(hook.settings))
        loop = self.delivery_loop()
        if loop is None or loop.is_closed():
            self._record_unsent(snapshot, event, "the local cloud is not serving: not sent")
            return
        if loop is not self._hook_loop:  # a new server: the old one's deliveries ended with it
            self._hook_loop, self._hook_pending = loop, 0
        if self._hook_pending >= self.max_pending_deliveries:
            self._record_unsent(
                snapshot,
                event,
                f"dropped: {self._hook_pending} deliveries already pending "
                f"(max_pending_deliveries={self.max_pending_deliveries})",
            )
            return
        self._hook_pending += 1
        try:
            # a fresh context: the publisher's (its async library, say) stays with it
            loop.call_soon_threadsafe(
                self._start_delivery, snapshot, event, context=contextvars.Context()
            )
        except RuntimeError:  # the loop closed meanwhile
            self._hook_pending -= 1
            self._record_unsent(snapshot, event, "the local cloud is not serving: not sent")

    def _start_delivery(self, hook: FakeHook, event: PublishedEvent) -> None:
        loop = asyncio.get_running_loop()
        with self.lock:
            if self.delivery_loop() is not loop:  # the server stopped meanwhile
                self._hook_pending -= 1
                self._record_unsent(hook, event, "the local cloud stopped: not sent")
                return
        task = loop.create_task(self._deliver(hook, event))
        self._hook_tasks.add(task)
        task.add_done_callback(self._hook_tasks.discard)

    def _slots(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._hook_slots is None or self._hook_slots[0] is not loop:
            self._hook_slots = (loop, asyncio.Semaphore(self.max_concurrent_deliveries))
        return self._hook_slots[1]

    async def _deliver(self, hook: FakeHook, event: PublishedEvent) -> None:
        """Send the hook's request for `event`, record it, publish the outcome."""
        context = event_context(
            event.name, event.data, event.coreid, iso(event.published_at) or "", event.product_id
        )
        try:
            async with self._slots():
                delivery = await self._attempt(hook, event, context)
        finally:
            with self.lock:
                self._hook_pending -= 1
        with self.lock:
            self.hook_deliveries.append(delivery)
        settings = hook.settings
        if delivery.ok:
            text = delivery.response
            template = settings.get("responseTemplate")
            if isinstance(template, str) and template:
                text = render(template, {**context, **_json_keys(text)})
            topic = settings.get("responseTopic") or "hook-response/{{{PARTICLE_EVENT_NAME}}}"
            for number, part in enumerate(split_parts(text, PART_BYTES)):
                self._publish_outcome(f"{render(str(topic), context)}/{number}", part, event)
        else:
            topic = settings.get("errorResponseTopic") or "hook-error/{{{PARTICLE_EVENT_NAME}}}"
            message = delivery.error or delivery.response or f"HTTP {delivery.status}"
            first = split_parts(message, PART_BYTES)[0]
            self._publish_outcome(f"{render(str(topic), context)}/0", first, event)

    async def _attempt(
        self, hook: FakeHook, event: PublishedEvent, context: dict[str, Any]
    ) -> HookDelivery:
        defaults = {
            "event": event.name,
            "data": event.data,
            "published_at": iso(event.published_at) or "",
            "coreid": event.coreid,
        }
        outgoing = outgoing_request(hook.settings, context, defaults)
        record = HookDelivery(
            hook_id=hook.id,
            event=event.name,
            device_id=event.coreid,
            method=outgoing.method,
            url=outgoing.url,
            headers=outgoing.headers,
            body=outgoing.body,
        )
        if not is_loopback_url(outgoing.url):
            error = f"refused: {outgoing.url!r} is not on a loopback host"
            return dataclasses.replace(record, error=error)
        verify = hook.settings.get("rejectUnauthorized") is not False
        async with httpx.AsyncClient(
            headers={"user-agent": USER_AGENT, "accept-encoding": "gzip, deflate"},
            timeout=self.hook_timeout,
            follow_redirects=False,
            trust_env=False,  # never through a proxy: loopback only
            verify=verify,
        ) as client:
            try:
                request = client.build_request(
                    outgoing.method, outgoing.url, headers=outgoing.headers, content=outgoing.body
                )
                sent = {k.lower(): v for k, v in request.headers.multi_items()}
                record = dataclasses.replace(record, headers=sent)
                self._publish_outcome(f"hook-sent/{event.name}", "", event)
                status, answer = await asyncio.wait_for(
                    _send(client, request), timeout=self.hook_timeout
                )
            except asyncio.TimeoutError:
                error = f"timed out after {self.hook_timeout:g} s"
                return dataclasses.replace(record, error=error)
            except Exception as exc:  # any failure to send is the outcome of the delivery
                error = f"{type(exc).__name__}: {exc}".rstrip(": ")
                return dataclasses.replace(record, error=error)
        response = answer.decode("utf-8", errors="replace")
        return dataclasses.replace(record, status=status, response=response)

    def _publish_outcome(self, name: str, data: str, event: PublishedEvent) -> None:
        """A `hook-*` event of the cloud itself (`coreid` `particle-internal`), on the
        streams of the triggering event's owner and product. It triggers no hook, whatever
        its name (a `responseTopic` may start like the hook's event)."""
        super().publish(name, data, owner=event.owner, product_id=event.product_id)

    def _record_unsent(self, hook: FakeHook, event: PublishedEvent, error: str) -> None:
        self.hook_deliveries.append(
            HookDelivery(
                hook_id=hook.id,
                event=event.name,
                device_id=event.coreid,
                method=str(hook.settings.get("requestType") or "POST").upper(),
                url=str(hook.settings.get("url", "")),
                headers={},
                body=b"",
                error=error,
            )
        )


async def _send(client: httpx.AsyncClient, request: httpx.Request) -> tuple[int, bytes]:
    """The status and (at most `MAX_RESPONSE_BYTES` of) the body of the answer."""
    response = await client.send(request, stream=True)
    try:
        body = b""
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= MAX_RESPONSE_BYTES:
                body = body[:MAX_RESPONSE_BYTES]
                break
        return response.status_code, body
    finally:
        await response.aclose()


def _json_keys(text: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _in_scope(
    hook: FakeHook, owner: str | None, product_id: int | None, org_id: str | None
) -> bool:
    if org_id is not None:
        return hook.org_id == org_id
    if product_id is not None:
        return hook.product_id == product_id
    return (
        hook.product_id is None
        and hook.org_id is None
        and owner is not None
        and hook.owner == owner
    )


def _event(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise Refused("event is required")
    if len(value) > 64:
        raise Refused("event must be at most 64 characters")
    return value


def _device(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise Refused("deviceId must be a device id or name")
    return value


def _check_request_settings(settings: Mapping[str, Any]) -> None:
    """Refuse settings the delivery engine could not send, and any URL off loopback."""
    url = settings.get("url")
    if not isinstance(url, str) or not url:
        raise Refused("url is required")
    if not is_loopback_url(url):
        raise Refused(
            "url must be an http(s) URL on a loopback host (127.0.0.1, ::1 or localhost): "
            "the local cloud sends webhooks nowhere else"
        )
    request_type = settings.get("requestType")
    if not isinstance(request_type, str) or request_type.upper() not in HOOK_REQUEST_TYPES:
        raise Refused(f"requestType must be one of {', '.join(HOOK_REQUEST_TYPES)}")
    for key in _TEXT_MAPS:
        value = settings.get(key)
        if value is not None and not (
            isinstance(value, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        ):
            raise Refused(f"{key} must be an object of strings")
    for key in ("json", "form"):
        if settings.get(key) is not None and not isinstance(settings[key], dict):
            raise Refused(f"{key} must be an object")
    for key in _TEMPLATES:
        if settings.get(key) is not None and not isinstance(settings[key], str):
            raise Refused(f"{key} must be a string")
    for key in ("noDefaults", "rejectUnauthorized"):
        if settings.get(key) is not None and not isinstance(settings[key], bool):
            raise Refused(f"{key} must be a boolean")


def _webhook_json(hook: FakeHook) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": hook.id,
        "event": hook.event,
        "created_at": iso(hook.created_at),
        **hook.settings,
    }
    if hook.device is not None:
        body["deviceID"] = hook.device
    return body


def _integration_json(hook: FakeHook) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": hook.id,
        "event": hook.event,
        "created_at": iso(hook.created_at),
        **hook.settings,
    }
    if hook.updated_at is not None:
        body["updated_at"] = iso(hook.updated_at)
    if hook.device is not None:
        body["deviceid"] = hook.device
    return body
