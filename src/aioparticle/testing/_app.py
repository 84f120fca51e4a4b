"""The local cloud's HTTP API: a Starlette app speaking the Particle Cloud's wire format."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._state import CloudState, FakeDevice, FakeProduct, PublishedEvent, Subscriber, Token, utcnow

__all__ = ["DropConnection", "build_app"]

PERMISSION_INFO = (
    "I didn't recognize that device name or ID, try opening "
    "https://api.particle.io/v1/devices?access_token={token}"
)
MAX_PER_PAGE = 100
_NEVER = datetime.min.replace(tzinfo=timezone.utc)
DEFAULT_PER_PAGE = 25


class DropConnection(Exception):  # noqa: N818 - an instruction to the server, not an error
    """Raised inside a response to make the server drop the connection mid-body."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DropConnection)


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class _Error(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        self.status = status
        self.body = body
        self.headers = headers or {}


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")).encode(),
        status_code=status,
        media_type="application/json",
    )


Handler = Callable[[Request], Awaitable[Response]]


def build_app(state: CloudState, *, keepalive_interval: float = 9.0) -> ASGIApp:
    """The ASGI app of a local cloud backed by `state`."""
    api = _Api(state, keepalive_interval=keepalive_interval)
    routes = [
        Route("/oauth/token", api.oauth_token, methods=["POST"]),
        # event streams first: they share prefixes with the device routes
        Route("/v1/events", api.public_stream_without_prefix, methods=["GET"]),
        Route("/v1/events/{prefix:path}", api.public_stream, methods=["GET"]),
        Route("/v1/devices/events", api.mine_stream, methods=["GET"]),
        Route("/v1/devices/events/{prefix:path}", api.mine_stream, methods=["GET"]),
        Route("/v1/devices/events", api.publish, methods=["POST"]),
        Route("/v1/devices/{device}/events", api.device_stream, methods=["GET"]),
        Route("/v1/devices/{device}/events/{prefix:path}", api.device_stream, methods=["GET"]),
        Route("/v1/products/{product}/events", api.product_stream, methods=["GET"]),
        Route("/v1/products/{product}/events/{prefix:path}", api.product_stream, methods=["GET"]),
        Route("/v1/products/{product}/events", api.publish, methods=["POST"]),
        Route(
            "/v1/products/{product}/devices/{device}/events",
            api.product_device_stream,
            methods=["GET"],
        ),
        Route(
            "/v1/products/{product}/devices/{device}/events/{prefix:path}",
            api.product_device_stream,
            methods=["GET"],
        ),
        Route("/v1/orgs/{org}/events", api.org_stream, methods=["GET"]),
        Route("/v1/orgs/{org}/events/{prefix:path}", api.org_stream, methods=["GET"]),
        Route("/v1/orgs/{org}/devices/{device}/events", api.org_device_stream, methods=["GET"]),
        Route(
            "/v1/orgs/{org}/devices/{device}/events/{prefix:path}",
            api.org_device_stream,
            methods=["GET"],
        ),
        Route("/v1/orgs/{org}/products/{product}/events", api.org_product_stream, methods=["GET"]),
        Route(
            "/v1/orgs/{org}/products/{product}/events/{prefix:path}",
            api.org_product_stream,
            methods=["GET"],
        ),
        # devices, user scope
        Route("/v1/devices", api.list_devices, methods=["GET"]),
        Route("/v1/devices", api.claim_device, methods=["POST"]),
        Route("/v1/devices/{device}", api.get_device, methods=["GET"]),
        Route("/v1/devices/{device}", api.update_device, methods=["PUT"]),
        Route("/v1/devices/{device}", api.remove_device, methods=["DELETE"]),
        Route("/v1/devices/{device}/ping", api.ping_device, methods=["PUT"]),
        Route("/v1/devices/{device}/{name}", api.get_variable, methods=["GET"]),
        Route("/v1/devices/{device}/{name}", api.call_function, methods=["POST"]),
        # devices, product scope
        Route("/v1/products/{product}/devices", api.list_product_devices, methods=["GET"]),
        Route("/v1/products/{product}/devices/{device}", api.get_device, methods=["GET"]),
        Route("/v1/products/{product}/devices/{device}", api.update_device, methods=["PUT"]),
        Route("/v1/products/{product}/devices/{device}", api.remove_device, methods=["DELETE"]),
        Route(
            "/v1/products/{product}/devices/{device}/owner", api.remove_owner, methods=["DELETE"]
        ),
        Route("/v1/products/{product}/devices/{device}/ping", api.ping_device, methods=["PUT"]),
        Route("/v1/products/{product}/devices/{device}/{name}", api.get_variable, methods=["GET"]),
        Route(
            "/v1/products/{product}/devices/{device}/{name}", api.call_function, methods=["POST"]
        ),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={_Error: _error_handler, 404: _not_found, 405: _not_allowed},
    )
    return FaultMiddleware(app, state)


async def _error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, _Error)
    response = _json(exc.body, exc.status)
    response.headers.update(exc.headers)
    return response


async def _not_found(request: Request, exc: Exception) -> Response:
    return _json({"error": "Not Found", "ok": False}, 404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return _json({"error": "Method Not Allowed", "ok": False}, 405)


class _Api:
    def __init__(self, state: CloudState, *, keepalive_interval: float) -> None:
        self.state = state
        self.keepalive_interval = keepalive_interval

    # ------------------------------------------------------------------ helpers

    def auth(self, request: Request) -> tuple[Token, str]:
        header = request.headers.get("authorization")
        if not header:
            raise _Error(
                401,
                {"error": "invalid_request", "error_description": "The access token was not found"},
            )
        scheme, _, value = header.partition(" ")
        token = self.state.lookup_token(value.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise _Error(
                401,
                {
                    "error": "invalid_token",
                    "error_description": "The access token provided is invalid.",
                },
            )
        return token, value.strip()

    def denied(self, raw_token: str) -> _Error:
        return _Error(
            403,
            {
                "ok": False,
                "error": "Permission Denied",
                "info": PERMISSION_INFO.format(token=raw_token),
            },
        )

    def product(self, request: Request, token: Token, raw: str) -> FakeProduct:
        product = self.state.find_product(request.path_params["product"])
        if product is None:
            raise _Error(404, {"ok": False, "error": "Product not found"})
        allowed = token.product_id == product.id or (
            token.username is not None and token.username in product.members
        )
        if not allowed:
            raise self.denied(raw)
        return product

    def device(self, request: Request) -> tuple[FakeDevice, Token, FakeProduct | None]:
        token, raw = self.auth(request)
        ref = request.path_params["device"]
        if "product" in request.path_params:
            product = self.product(request, token, raw)
            device = self.state.find_device(ref, product_id=product.id)
            if device is None or device.product_id != product.id:
                raise _Error(404, {"ok": False, "error": "Device not found"})
            return device, token, product
        device = self.state.find_device(ref, owner=token.username)
        if device is None or token.username is None or device.owner != token.username:
            raise self.denied(raw)
        return device, token, None

    async def body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw.strip():
            return {}
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if kind == "application/x-www-form-urlencoded":
                return {k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
            parsed = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise _Error(400, {"ok": False, "error": "Invalid request body"}) from None
        if not isinstance(parsed, dict):
            raise _Error(400, {"ok": False, "error": "Request body must be an object"})
        return parsed

    # ------------------------------------------------------------------ oauth

    async def oauth_token(self, request: Request) -> Response:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            raise _Error(
                400, {"error": "invalid_request", "error_description": "Body must be form-encoded"}
            )
        form = await self.body(request)
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except ValueError:
                decoded = ":"
            client_id, _, client_secret = decoded.partition(":")
        with self.state.lock:
            known = self.state.clients.get(client_id or "")
        if known is None or known[0] != client_secret:
            raise _Error(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
            )
        grant = form.get("grant_type")
        expires_in = int(form.get("expires_in") or 7776000)
        if grant == "password":
            username, password = form.get("username"), form.get("password")
            with self.state.lock:
                valid = username in self.state.users and self.state.users[username] == password
            if not valid:
                raise _Error(
                    400,
                    {"error": "invalid_grant", "error_description": "User credentials are invalid"},
                )
            token = self.state.issue_token(username, expires_in=expires_in or None)
        elif grant == "client_credentials":
            token = self.state.issue_token(None, product_id=known[1], expires_in=expires_in)
        else:
            raise _Error(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": f"Unsupported grant type: {grant}",
                },
            )
        return _json(
            {
                "token_type": "bearer",
                "access_token": token,
                "expires_in": expires_in,
                "refresh_token": self.state.issue_token(None, expires_in=1),
            }
        )

    # ------------------------------------------------------------------ devices

    async def list_devices(self, request: Request) -> Response:
        token, _ = self.auth(request)
        with self.state.lock:
            devices = [
                d.summary()
                for d in self.state.devices.values()
                if token.username is not None and d.owner == token.username
            ]
        return _json(devices)

    async def list_product_devices(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        query = request.query_params
        try:
            page = max(1, int(query.get("page", "1")))
            per_page = min(MAX_PER_PAGE, max(1, int(query.get("per_page", DEFAULT_PER_PAGE))))
        except ValueError:
            raise _Error(
                400, {"ok": False, "error": "page and per_page must be integers"}
            ) from None
        with self.state.lock:
            devices = [d for d in self.state.devices.values() if d.product_id == product.id]
            if "deviceId" in query:
                devices = [d for d in devices if d.id.startswith(query["deviceId"].lower())]
            if "deviceName" in query:
                devices = [d for d in devices if query["deviceName"] in d.name]
            if "groups" in query:
                wanted = set(query["groups"].split(","))
                devices = [d for d in devices if wanted & set(d.groups)]
            sort_attr = query.get("sortAttr")
            if sort_attr in ("deviceName", "deviceId", "lastConnection", "firmwareVersion"):
                key = {
                    "deviceName": lambda d: d.name,
                    "deviceId": lambda d: d.id,
                    "lastConnection": lambda d: d.last_heard or _NEVER,
                    "firmwareVersion": lambda d: d.firmware_version or 0,
                }[sort_attr]
                devices.sort(key=key, reverse=query.get("sortDir") == "desc")
            total = len(devices)
            chunk = devices[(page - 1) * per_page : page * per_page]
            items = [d.details(product_scope=True) for d in chunk]
        total_pages = max(1, -(-total // per_page))
        return _json(
            {
                "devices": items,
                "meta": {
                    "page": page,
                    "per_page": per_page,
                    "total_pages": total_pages,
                    "total": total,
                },
            }
        )

    async def get_device(self, request: Request) -> Response:
        device, _, product = self.device(request)
        with self.state.lock:
            return _json(device.details(product_scope=product is not None))

    async def update_device(self, request: Request) -> Response:
        device, _, product = self.device(request)
        body = await self.body(request)
        echo: dict[str, Any] = {"id": device.id}
        with self.state.lock:
            if "name" in body:
                name = body["name"]
                if not isinstance(name, str) or not name.strip():
                    raise _Error(400, {"ok": False, "error": "Invalid device name"})
                device.name = echo["name"] = name
            if "notes" in body:
                device.notes = echo["notes"] = body["notes"]
            if "signal" in body:
                device.signaling = echo["signaling"] = str(body["signal"]) in ("1", "True", "true")
            if product is not None:
                if "development" in body:
                    device.development = echo["development"] = bool(body["development"])
                if "desired_firmware_version" in body:
                    version = body["desired_firmware_version"]
                    device.desired_firmware_version = version
                    echo["desired_firmware_version"] = version
                if body.get("flash") and device.desired_firmware_version is not None:
                    device.firmware_version = device.desired_firmware_version
            echo["updated_at"] = utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return _json(echo)

    async def remove_device(self, request: Request) -> Response:
        device, _, product = self.device(request)
        body = await self.body(request)
        with self.state.lock:
            if product is None:
                device.owner = None
            elif body.get("deny"):
                device.denied = True
                device.product_id = None
            else:
                device.product_id = None
        return _json({"ok": True})

    async def remove_owner(self, request: Request) -> Response:
        device, _, _ = self.device(request)
        with self.state.lock:
            device.owner = None
        return _json({"ok": True})

    async def ping_device(self, request: Request) -> Response:
        device, _, _ = self.device(request)
        with self.state.lock:
            device.pings += 1
            return _json({"online": device.online, "ok": True})

    async def claim_device(self, request: Request) -> Response:
        token, _ = self.auth(request)
        body = await self.body(request)
        device_id = str(body.get("id", "")).lower()
        with self.state.lock:
            device = self.state.devices.get(device_id)
            if device is None or token.username is None:
                raise _Error(404, {"ok": False, "errors": ["Device not found."]})
            if device.owner == token.username:
                return _json(
                    {"ok": True, "deviceID": device.id, "claimed": True, "user_id": token.username}
                )
            if device.owner is not None:
                if body.get("request_transfer") in (True, "true"):
                    return _json(
                        {"ok": True, "deviceID": device.id, "transfer_id": f"transfer-{device.id}"}
                    )
                raise _Error(403, {"ok": False, "errors": ["That belongs to someone else."]})
            if not device.online:
                raise _Error(404, {"ok": False, "errors": ["Device is not connected"]})
            device.owner = token.username
            return _json(
                {"ok": True, "deviceID": device.id, "claimed": True, "user_id": token.username}
            )

    async def get_variable(self, request: Request) -> Response:
        device, _, _ = self.device(request)
        name = request.path_params["name"]
        with self.state.lock:
            if not device.online:
                raise _Error(404, {"ok": False, "error": "timed out"})
            if name not in device.variables:
                raise _Error(404, {"ok": False, "error": f"Unknown Variable: {name}"})
            try:
                value = device.read_variable(name)
            except Exception as exc:  # the fake firmware crashed: report it like the cloud would
                detail = str(exc) or type(exc).__name__
                raise _Error(
                    500, {"ok": False, "error": f"Variable {name} failed: {detail}"}
                ) from None
            return _json(
                {
                    "name": name,
                    "result": value,
                    "coreInfo": {
                        "name": device.name,
                        "deviceID": device.id,
                        "connected": True,
                        "last_handshake_at": (device.last_handshake_at or utcnow())
                        .isoformat(timespec="milliseconds")
                        .replace("+00:00", "Z"),
                        "last_app": "",
                    },
                }
            )

    async def call_function(self, request: Request) -> Response:
        device, _, _ = self.device(request)
        name = request.path_params["name"]
        body = await self.body(request)
        arg = body.get("arg", body.get("args", ""))
        with self.state.lock:
            if not device.online:
                raise _Error(404, {"ok": False, "error": "timed out"})
            if name not in device.functions:
                raise _Error(404, {"ok": False, "error": f"Function {name} not found"})
            handler_error = None
            try:
                value = device.call_function(name, "" if arg is None else str(arg))
            except Exception as exc:  # the fake firmware crashed: report it like the cloud would
                handler_error = str(exc) or type(exc).__name__
        if handler_error is not None:
            raise _Error(500, {"ok": False, "error": f"Function {name} failed: {handler_error}"})
        return _json(
            {"id": device.id, "name": device.name, "connected": True, "return_value": value}
        )

    async def publish(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product_id = None
        if "product" in request.path_params:
            product_id = self.product(request, token, raw).id
        body = await self.body(request)
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise _Error(400, {"ok": False, "error": "Event name is required"})
        private = body.get("private", True) not in (False, "false")
        ttl = int(body.get("ttl") or 60)
        self.state.publish(
            name,
            str(body.get("data") or ""),
            device="api",
            ttl=ttl,
            private=private,
            owner=token.username,
            product_id=product_id,
        )
        return _json({"ok": True})

    # ------------------------------------------------------------------ event streams

    async def public_stream_without_prefix(self, request: Request) -> Response:
        self.auth(request)
        raise _Error(
            400,
            {"ok": False, "error": "An event name prefix is required for the public event stream"},
        )

    async def public_stream(self, request: Request) -> Response:
        self.auth(request)
        prefix = request.path_params["prefix"]
        if not prefix:
            return await self.public_stream_without_prefix(request)
        return await self.sse(request, lambda e: not e.private and e.name.startswith(prefix))

    async def mine_stream(self, request: Request) -> Response:
        token, _ = self.auth(request)
        prefix = request.path_params.get("prefix", "")
        user = token.username
        return await self.sse(
            request, lambda e: user is not None and e.owner == user and e.name.startswith(prefix)
        )

    async def device_stream(self, request: Request) -> Response:
        device, _, _ = self.device(request)
        return await self.sse(request, _from_device(device.id, request))

    async def product_stream(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        prefix = request.path_params.get("prefix", "")
        return await self.sse(
            request,
            lambda e: e.product_id == product.id and e.name.startswith(prefix),
            with_product=True,
        )

    async def product_device_stream(self, request: Request) -> Response:
        device, _, _ = self.device(request)
        return await self.sse(request, _from_device(device.id, request), with_product=True)

    def org_products(self, request: Request) -> set[int]:
        token, raw = self.auth(request)
        with self.state.lock:
            org = self.state.orgs.get(request.path_params["org"]) or next(
                (o for o in self.state.orgs.values() if o.id == request.path_params["org"]), None
            )
            if org is None:
                raise _Error(404, {"ok": False, "error": "Organization not found"})
            if token.username not in org.members:
                raise self.denied(raw)
            return {p.id for p in self.state.products.values() if p.org in (org.slug, org.id)}

    async def org_stream(self, request: Request) -> Response:
        products = self.org_products(request)
        prefix = request.path_params.get("prefix", "")
        return await self.sse(
            request,
            lambda e: e.product_id in products and e.name.startswith(prefix),
            with_product=True,
        )

    async def org_device_stream(self, request: Request) -> Response:
        products = self.org_products(request)
        device = self.state.find_device(request.path_params["device"])
        if device is None or device.product_id not in products:
            raise _Error(404, {"ok": False, "error": "Device not found"})
        return await self.sse(request, _from_device(device.id, request), with_product=True)

    async def org_product_stream(self, request: Request) -> Response:
        products = self.org_products(request)
        product = self.state.find_product(request.path_params["product"])
        if product is None or product.id not in products:
            raise _Error(404, {"ok": False, "error": "Product not found"})
        prefix = request.path_params.get("prefix", "")
        return await self.sse(
            request,
            lambda e: e.product_id == product.id and e.name.startswith(prefix),
            with_product=True,
        )

    async def sse(
        self,
        request: Request,
        accepts: Callable[[PublishedEvent], bool],
        *,
        with_product: bool = False,
    ) -> Response:
        fault = self.state.take_stream_fault(request.url.path)
        if fault is not None and fault.status is not None:
            headers = {"retry-after": fault.retry_after} if fault.retry_after else None
            raise _Error(
                fault.status,
                {
                    "ok": False,
                    "error": "Too many requests"
                    if fault.status in (429, 529)
                    else "Stream refused",
                },
                headers,
            )
        subscriber = Subscriber(asyncio.get_running_loop(), accepts, with_product=with_product)
        self.state.subscribe(subscriber)
        return StreamingResponse(
            self._frames(subscriber, fault),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    async def _frames(self, subscriber: Subscriber, fault: Any) -> AsyncIterator[bytes]:
        sent = 0
        silent = fault is not None and fault.silent_after == 0
        try:
            yield b":ok\n\n"
            if fault is not None:
                for frame in fault.malformed:
                    yield frame.encode()
            while True:
                try:
                    event = await asyncio.wait_for(subscriber.queue.get(), self.keepalive_interval)
                except asyncio.TimeoutError:
                    if not silent:
                        yield b":ok\n\n"
                    continue
                if event is None:
                    return
                if silent:
                    continue
                payload = json.dumps(
                    event.payload(with_product=subscriber.with_product), separators=(",", ":")
                )
                yield f"event: {event.name}\ndata: {payload}\n\n".encode()
                sent += 1
                self.state.record_delivery(event)
                if fault is not None:
                    if fault.drop_after is not None and sent >= fault.drop_after:
                        return
                    if fault.silent_after is not None and sent >= fault.silent_after:
                        silent = True
        finally:
            self.state.unsubscribe(subscriber)


def _from_device(device_id: str, request: Request) -> Callable[[PublishedEvent], bool]:
    prefix = request.path_params.get("prefix", "")
    return lambda e: e.coreid == device_id and e.name.startswith(prefix)


class FaultMiddleware:
    """Applies the faults scripted in the state to matching requests."""

    def __init__(self, app: ASGIApp, state: CloudState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fault = self.state.take_fault(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.latency:
            await asyncio.sleep(fault.latency)
        index = fault.hits - 1
        status = fault.statuses[index] if index < len(fault.statuses) else None
        if status is not None and status >= 300:
            await _send_fault(send, status, html=fault.html, retry_after=fault.retry_after)
            return
        if not (fault.truncated_json or fault.invalid_json or fault.drop_mid_response):
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if fault.drop_mid_response:
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            raise DropConnection("scripted connection drop")
        body = body[: max(1, len(body) // 2)] if fault.truncated_json else b'{"ok": tru'
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


_REASONS = {
    408: "Request Timeout",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    529: "Site is overloaded",
}


async def _send_fault(send: Send, status: int, *, html: bool, retry_after: str | None) -> None:
    reason = _REASONS.get(status, "Error")
    if html:
        body = (
            f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
        ).encode()
        kind = b"text/html"
    else:
        body = json.dumps({"error": reason}).encode()
        kind = b"application/json"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", retry_after.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
