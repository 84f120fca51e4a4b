"""The local cloud's HTTP API: a Starlette app speaking the Particle Cloud's wire format."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._multipart import FormPart, parse_multipart
from ._state import (
    _PLATFORMS,
    CloudState,
    CompileRequest,
    DeviceOsVersion,
    FakeDevice,
    FakeFirmware,
    FakeLibrary,
    FakeLibraryVersion,
    FakeProduct,
    FakeSim,
    FirmwareRelease,
    FlashRequest,
    PublishedEvent,
    Subscriber,
    Token,
    UploadedFile,
    fake_binary,
    iso,
    read_library_properties,
    utcnow,
    version_key,
)

__all__ = ["DropConnection", "build_app"]

PERMISSION_INFO = (
    "I didn't recognize that device name or ID, try opening "
    "https://api.particle.io/v1/devices?access_token={token}"
)
MAX_PER_PAGE = 100
_NEVER = datetime.min.replace(tzinfo=timezone.utc)
DEFAULT_PER_PAGE = 25
DEFAULT_LIBRARY_LIMIT = 10
SIZE_INFO = (
    "   text\t   data\t    bss\t    dec\t    hex\tfilename\n"
    "   1234\t     56\t    789\t   2079\t    81f\tfirmware.elf\n"
)
LIBRARY_SCOPES = ("all", "public", "private", "mine", "official", "verified", "featured")
LIBRARY_SORTS = ("name", "-name", "popularity", "-popularity")
SIM_ACTIONS = ("activate", "deactivate", "reactivate")
_LIBRARY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_SEMVER = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
_LIBRARY_ATTRIBUTES = ("author", "sentence", "paragraph", "url", "repository", "license")
_BINARY_CHUNK = 64 * 1024


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


def _library_error(status: int, message: str) -> _Error:
    """A JSON:API error, the shape of the library routes."""
    return _Error(status, {"errors": [{"message": message}]})


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _paging(
    query: Mapping[str, str],
    *,
    size: str = "per_page",
    default: int = DEFAULT_PER_PAGE,
    error: Callable[[str], _Error] | None = None,
) -> tuple[int, int]:
    """`(page, page_size)` from the query: page >= 1, 1 <= size <= MAX_PER_PAGE."""
    try:
        page = max(1, int(query.get("page", "1")))
        per_page = min(MAX_PER_PAGE, max(1, int(query.get(size, default))))
    except ValueError:
        message = f"page and {size} must be integers"
        raise (error or _bad_request)(message) from None
    return page, per_page


def _bad_request(message: str) -> _Error:
    return _Error(400, {"ok": False, "error": message})


def _not_found_error(message: str) -> _Error:
    return _Error(404, {"ok": False, "error": message})


def _meta(page: int, per_page: int, total: int) -> dict[str, int]:
    return {
        "page": page,
        "per_page": per_page,
        "total_pages": max(1, -(-total // per_page)),
        "total": total,
    }


def _usage_rows(days: Mapping[date, float]) -> list[dict[str, Any]]:
    rows, total = [], 0.0
    for day in sorted(days):
        total += days[day]
        rows.append(
            {
                "date": day.isoformat(),
                "mbs_used": round(days[day], 3),
                "mbs_used_cumulative": round(total, 3),
            }
        )
    return rows


def _compile_errors(files: tuple[UploadedFile, ...]) -> list[str]:
    """The `#error` lines of the sources, as `file:line: text`."""
    errors = []
    for upload in files:
        if upload.filename.lower().endswith(".bin"):
            continue
        text = upload.data.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if "#error" in line:
                errors.append(f"{upload.filename}:{number}: {line.strip()}")
    return errors


def _uploads(parts: list[FormPart]) -> tuple[tuple[UploadedFile, ...], dict[str, str]]:
    """The file parts and the text fields of a multipart body."""
    files = tuple(
        UploadedFile(part.name, part.filename, part.data)
        for part in parts
        if part.filename is not None
    )
    return files, {part.name: part.text for part in parts if part.filename is None}


def _stream_bytes(data: bytes, filename: str) -> Response:
    def chunks() -> Iterator[bytes]:
        for start in range(0, len(data), _BINARY_CHUNK):
            yield data[start : start + _BINARY_CHUNK]

    return StreamingResponse(
        chunks(),
        media_type="application/octet-stream",
        headers={
            "content-length": str(len(data)),
            "content-disposition": f'attachment; filename="{filename}"',
        },
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
        Route("/v1/serial_numbers/{serial}", api.lookup_serial_number, methods=["GET"]),
        # products, their firmware and team ("release" before the "{version}" routes)
        Route("/v1/products", api.list_products, methods=["GET"]),
        Route("/v1/products/{product}", api.get_product, methods=["GET"]),
        Route("/v1/products/{product}/firmware", api.list_firmware, methods=["GET"]),
        Route("/v1/products/{product}/firmware", api.upload_firmware, methods=["POST"]),
        Route("/v1/products/{product}/firmware/release", api.release_firmware, methods=["PUT"]),
        Route("/v1/products/{product}/firmware/{version}", api.get_firmware, methods=["GET"]),
        Route("/v1/products/{product}/firmware/{version}", api.update_firmware, methods=["PUT"]),
        Route(
            "/v1/products/{product}/firmware/{version}/binary",
            api.download_firmware,
            methods=["GET"],
        ),
        Route("/v1/products/{product}/team", api.list_team, methods=["GET"]),
        Route("/v1/products/{product}/team", api.invite_team_member, methods=["POST"]),
        Route(
            "/v1/products/{product}/team/{username:path}",
            api.remove_team_member,
            methods=["DELETE"],
        ),
        # SIM cards ("data_usage" before the "{iccid}" routes)
        Route("/v1/sims", api.list_sims, methods=["GET"]),
        Route("/v1/sims/{iccid}", api.check_sim, methods=["HEAD"]),
        Route("/v1/sims/{iccid}", api.update_sim, methods=["PUT"]),
        Route("/v1/sims/{iccid}", api.remove_sim, methods=["DELETE"]),
        Route("/v1/sims/{iccid}/data_usage", api.sim_data_usage, methods=["GET"]),
        Route("/v1/products/{product}/sims", api.list_product_sims, methods=["GET"]),
        Route("/v1/products/{product}/sims", api.import_sims, methods=["POST"]),
        Route("/v1/products/{product}/sims/data_usage", api.fleet_data_usage, methods=["GET"]),
        Route("/v1/products/{product}/sims/{iccid}", api.update_sim, methods=["PUT"]),
        Route("/v1/products/{product}/sims/{iccid}", api.remove_sim, methods=["DELETE"]),
        Route(
            "/v1/products/{product}/sims/{iccid}/data_usage",
            api.sim_data_usage,
            methods=["GET"],
        ),
        # firmware libraries (JSON:API)
        Route("/v1/libraries", api.list_libraries, methods=["GET"]),
        Route("/v1/libraries", api.contribute_library, methods=["POST"]),
        Route("/v1/libraries/{name}", api.get_library, methods=["GET"]),
        Route("/v1/libraries/{name}", api.publish_library, methods=["PATCH"]),
        Route("/v1/libraries/{name}", api.delete_library, methods=["DELETE"]),
        Route("/v1/libraries/{name}/versions", api.library_versions, methods=["GET"]),
        Route(
            "/v1/libraries/{name}/archive/{version}.tar.gz",
            api.library_archive,
            methods=["GET"],
        ),
        # cloud compiler and Device OS
        Route("/v1/build_targets", api.build_targets, methods=["GET"]),
        Route("/v1/binaries", api.compile, methods=["POST"]),
        Route("/v1/binaries/{binary}", api.download_binary, methods=["GET"]),
        Route("/v1/device-os/versions", api.list_device_os_versions, methods=["GET"]),
        Route("/v1/device-os/versions/{version}", api.get_device_os_version, methods=["GET"]),
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

    async def form(
        self, request: Request, *, error: Callable[[str], _Error] = _bad_request
    ) -> list[FormPart]:
        """The parts of a `multipart/form-data` body."""
        header = request.headers.get("content-type", "")
        try:
            return parse_multipart(await request.body(), header)
        except ValueError as exc:
            raise error(f"Invalid multipart body: {exc}") from None

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
        page, per_page = _paging(query)
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
        return _json({"devices": items, "meta": _meta(page, per_page, total)})

    async def get_device(self, request: Request) -> Response:
        device, _, product = self.device(request)
        with self.state.lock:
            return _json(device.details(product_scope=product is not None))

    async def update_device(self, request: Request) -> Response:
        device, token, product = self.device(request)
        if _content_type(request) == "multipart/form-data":
            files, fields = _uploads(await self.form(request))
            return self.flash(device, token, product, files=files, fields=fields, app=None)
        body = await self.body(request)
        if "app" in body:
            app = body["app"]
            return self.flash(device, token, product, files=(), fields={}, app=str(app))
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

    # ------------------------------------------------------------------ flashing

    def flash(
        self,
        device: FakeDevice,
        token: Token,
        product: FakeProduct | None,
        *,
        files: tuple[UploadedFile, ...],
        fields: dict[str, str],
        app: str | None,
    ) -> Response:
        """Flash uploaded sources or binaries (multipart), or a named app (`tinker`)."""
        failure: _Error | None = None
        if app is not None:
            if app != "tinker":
                failure = _bad_request(f"Unknown app: {app}")
        elif not files:
            failure = _bad_request("Nothing to compile")
        else:
            errors = _compile_errors(files)
            if errors:
                failure = _Error(400, {"ok": False, "output": "Compiler failed", "errors": errors})
        with self.state.lock:
            self.state.flashes.append(
                FlashRequest(
                    device_id=device.id,
                    product_id=product.id if product is not None else None,
                    files=files,
                    fields=fields,
                    app=app,
                    username=token.username,
                    ok=failure is None,
                    at=utcnow(),
                )
            )
        if failure is not None:
            raise failure
        return _json({"ok": True, "id": device.id, "status": "Update started"})

    # ------------------------------------------------------------------ serial numbers

    async def lookup_serial_number(self, request: Request) -> Response:
        self.auth(request)
        serial = request.path_params["serial"].upper()
        with self.state.lock:
            device = next(
                (
                    d
                    for d in self.state.devices.values()
                    if d.serial_number is not None and d.serial_number.upper() == serial
                ),
                None,
            )
            if device is None:
                raise _not_found_error("Serial number not found")
            body: dict[str, Any] = {
                "ok": True,
                "serial_number": device.serial_number,
                "device_id": device.id,
                "platform_id": device.platform_id,
            }
            if device.iccid is not None:
                body["iccid"] = device.iccid
        return _json(body)

    # ------------------------------------------------------------------ products

    def product_json(self, product: FakeProduct) -> dict[str, Any]:
        devices = [d for d in self.state.devices.values() if d.product_id == product.id]
        body: dict[str, Any] = {
            "id": product.id,
            "platform_id": product.platform_id,
            "name": product.name,
            "slug": product.slug,
            "description": product.description,
            "groups": sorted({group for d in devices for group in d.groups}),
            "device_count": len(devices),
        }
        if product.org is not None:
            body["org"] = product.org
        return body

    async def list_products(self, request: Request) -> Response:
        token, _ = self.auth(request)
        with self.state.lock:
            products = [
                self.product_json(p)
                for p in sorted(self.state.products.values(), key=lambda p: p.id)
                if p.id == token.product_id
                or (token.username is not None and token.username in p.members)
            ]
        return _json({"products": products})

    async def get_product(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        with self.state.lock:
            return _json({"product": self.product_json(product)})

    # ------------------------------------------------------------------ product firmware

    def firmware_json(self, firmware: FakeFirmware) -> dict[str, Any]:
        return {
            "version": firmware.version,
            "title": firmware.title,
            "description": firmware.description,
            "size": len(firmware.data),
            "device_count": sum(
                1
                for d in self.state.devices.values()
                if d.product_id == firmware.product_id and d.firmware_version == firmware.version
            ),
            "current": firmware.current,
            "uploaded_at": iso(firmware.uploaded_at),
            "uploaded_by": firmware.uploaded_by,
            "product_id": firmware.product_id,
        }

    def firmware(self, request: Request) -> tuple[FakeProduct, FakeFirmware]:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        ref = request.path_params["version"]
        with self.state.lock:
            found = product.firmware.get(int(ref)) if ref.isdigit() else None
        if found is None:
            raise _not_found_error(f"Firmware version {ref} not found")
        return product, found

    async def list_firmware(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        with self.state.lock:
            versions = sorted(product.firmware.values(), key=lambda f: f.version, reverse=True)
            return _json([self.firmware_json(f) for f in versions])

    async def get_firmware(self, request: Request) -> Response:
        _, firmware = self.firmware(request)
        with self.state.lock:
            return _json(self.firmware_json(firmware))

    async def download_firmware(self, request: Request) -> Response:
        product, firmware = self.firmware(request)
        return _stream_bytes(firmware.data, f"{product.slug}-v{firmware.version}.bin")

    async def upload_firmware(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        if _content_type(request) != "multipart/form-data":
            raise _bad_request("Upload the firmware as multipart/form-data")
        parts = await self.form(request)
        files, fields = _uploads(parts)
        upload = next((f for f in files if f.part == "file"), None)
        for name, present in (
            ("file", upload is not None),
            ("version", bool(fields.get("version", "").strip())),
            ("title", bool(fields.get("title", "").strip())),
        ):
            if not present:
                raise _bad_request(f"Missing required field: {name}")
        assert upload is not None
        version = fields["version"].strip()
        if not version.isdigit():
            raise _bad_request("version must be an integer")
        with self.state.lock:
            if int(version) in product.firmware:
                raise _bad_request(f"Firmware version {version} already exists")
            firmware = self.state.add_firmware(
                product,
                int(version),
                upload.data,
                title=fields["title"].strip(),
                description=fields.get("description", ""),
                uploaded_by=token.username,
            )
            return _json(self.firmware_json(firmware))

    async def update_firmware(self, request: Request) -> Response:
        _, firmware = self.firmware(request)
        body = await self.body(request)
        title, description = body.get("title"), body.get("description")
        if "title" in body and (not isinstance(title, str) or not title.strip()):
            raise _bad_request("title must be a non-empty string")
        if "description" in body and not isinstance(description, str):
            raise _bad_request("description must be a string")
        with self.state.lock:
            if isinstance(title, str):
                firmware.title = title
            if isinstance(description, str):
                firmware.description = description
            return _json(self.firmware_json(firmware))

    async def release_firmware(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        body = await self.body(request)
        version = body.get("version")
        if isinstance(version, bool) or not isinstance(version, (int, str)):
            raise _bad_request("version is required")
        if not str(version).isdigit():
            raise _bad_request("version must be an integer")
        groups = body.get("groups", [])
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise _bad_request("groups must be a list of group names")
        flags: dict[str, bool | None] = {}
        for name in ("product_default", "intelligent"):
            value = body.get(name)
            if value is not None and not isinstance(value, bool):
                raise _bad_request(f"{name} must be a boolean")
            flags[name] = value
        with self.state.lock:
            firmware = product.firmware.get(int(version))
            if firmware is None:
                raise _not_found_error(f"Firmware version {version} not found")
            product.releases.append(
                FirmwareRelease(
                    version=firmware.version,
                    product_default=flags["product_default"],
                    groups=tuple(groups),
                    intelligent=flags["intelligent"],
                    username=token.username,
                    at=utcnow(),
                )
            )
            if flags["product_default"]:
                self.state.make_current(product, firmware.version)
        return _json({"ok": True})

    # ------------------------------------------------------------------ product team

    async def list_team(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        with self.state.lock:
            team = [
                {"username": username, "is_programmatic": False}
                for username in sorted(product.members)
            ]
        return _json({"ok": True, "team": team})

    async def invite_team_member(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        body = await self.body(request)
        username = body.get("username")
        if not isinstance(username, str) or not username.strip():
            raise _bad_request("username is required")
        with self.state.lock:
            if username in product.members:
                raise _bad_request(f"{username} is already a team member")
            product.members.add(username)
        return _json({"ok": True})

    async def remove_team_member(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        username = request.path_params["username"]
        with self.state.lock:
            if username not in product.members:
                raise _not_found_error("Team member not found")
            product.members.discard(username)
        return _json({"ok": True})

    # ------------------------------------------------------------------ SIM cards

    def sim_json(self, sim: FakeSim) -> dict[str, Any]:
        device = self.state.devices.get(sim.device_id) if sim.device_id else None
        return {
            "iccid": sim.iccid,
            "status": sim.status,
            "base_country_code": sim.base_country_code,
            "last_status_change_action": sim.last_status_change_action,
            "activated_on": iso(sim.activated_on),
            "device_id": sim.device_id,
            "device_name": device.name if device is not None else None,
            "carrier": sim.carrier,
            "product_id": sim.product_id,
            "mb_limit": sim.mb_limit,
        }

    def sim(
        self, request: Request, *, claimable: bool = False
    ) -> tuple[FakeSim, Token, FakeProduct | None]:
        """The SIM of the path: in the product (404 otherwise), or the user's own (404 when
        unknown, 403 when someone else's; a released SIM passes when `claimable`)."""
        token, raw = self.auth(request)
        product = self.product(request, token, raw) if "product" in request.path_params else None
        iccid = request.path_params["iccid"]
        with self.state.lock:
            sim = self.state.sims.get(iccid)
            if product is not None:
                if sim is None or sim.product_id != product.id:
                    raise _not_found_error("SIM not found")
                return sim, token, product
            if sim is None:
                raise _not_found_error("SIM not found")
            released = sim.owner is None and sim.product_id is None
            if not (token.username is not None and sim.owner == token.username) and not (
                claimable and released
            ):
                raise _Error(403, {"ok": False, "error": "Permission Denied"})
            return sim, token, None

    async def list_sims(self, request: Request) -> Response:
        token, _ = self.auth(request)
        with self.state.lock:
            sims = [
                self.sim_json(sim)
                for sim in self.state.sims.values()
                if token.username is not None and sim.owner == token.username
            ]
        return _json(sims)

    async def list_product_sims(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        query = request.query_params
        page, per_page = _paging(query)
        with self.state.lock:
            sims = [s for s in self.state.sims.values() if s.product_id == product.id]
            if "iccid" in query:
                sims = [s for s in sims if query["iccid"] in s.iccid]
            if "deviceId" in query:
                wanted = query["deviceId"].lower()
                sims = [
                    s for s in sims if s.device_id is not None and s.device_id.startswith(wanted)
                ]
            if "deviceName" in query:
                sims = [
                    s
                    for s in sims
                    if s.device_id in self.state.devices
                    and query["deviceName"] in self.state.devices[s.device_id].name
                ]
            total = len(sims)
            items = [self.sim_json(s) for s in sims[(page - 1) * per_page : page * per_page]]
        return _json({"sims": items, "meta": _meta(page, per_page, total)})

    async def check_sim(self, request: Request) -> Response:
        token, _ = self.auth(request)
        with self.state.lock:
            sim = self.state.sims.get(request.path_params["iccid"])
            if sim is None:
                status = 404
            elif (token.username is not None and sim.owner == token.username) or (
                sim.owner is None and sim.product_id is None
            ):
                status = 200
            else:
                status = 403
        return Response(status_code=status)

    async def sim_data_usage(self, request: Request) -> Response:
        sim, _, _ = self.sim(request)
        with self.state.lock:
            days: dict[date, float] = {}
            for day, mbs in sim.usage_by_day:
                days[day] = days.get(day, 0.0) + mbs
            body: dict[str, Any] = {"iccid": sim.iccid, "usage_by_day": _usage_rows(days)}
            if sim.mb_limit is not None:
                body["quota"] = sim.mb_limit
            body["used"] = round(sum(days.values()), 3)
        return _json(body)

    async def fleet_data_usage(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        with self.state.lock:
            sims = [s for s in self.state.sims.values() if s.product_id == product.id]
            days: dict[date, float] = {}
            for sim in sims:
                for day, mbs in sim.usage_by_day:
                    days[day] = days.get(day, 0.0) + mbs
            active = sum(1 for s in sims if s.status == "active")
        return _json(
            {
                "total_mbs_used": round(sum(days.values()), 3),
                "total_active_sim_cards": active,
                "usage_by_day": _usage_rows(days),
            }
        )

    async def update_sim(self, request: Request) -> Response:
        self.auth(request)
        body = await self.body(request)
        sim, token, product = self.sim(request, claimable=body.get("action") == "activate")
        action, mb_limit = body.get("action"), body.get("mb_limit")
        if action is None and mb_limit is None:
            raise _bad_request("action or mb_limit is required")
        if action is not None and action not in SIM_ACTIONS:
            raise _bad_request(f"Unknown action: {action}")
        if mb_limit is not None:
            if isinstance(mb_limit, str) and mb_limit.isdigit():
                mb_limit = int(mb_limit)
            if isinstance(mb_limit, bool) or not isinstance(mb_limit, int) or mb_limit < 1:
                raise _bad_request("mb_limit must be a positive integer")
        country = body.get("country")
        if country is not None and not isinstance(country, str):
            raise _bad_request("country must be a country code")
        with self.state.lock:
            if action in ("activate", "reactivate"):
                sim.status = "active"
                sim.last_status_change_action = action
                sim.activated_on = sim.activated_on or utcnow()
                if product is None and sim.owner is None:
                    sim.owner = token.username  # activating a released SIM claims it
            elif action == "deactivate":
                sim.status = "inactive"
                sim.last_status_change_action = action
            if country:
                sim.base_country_code = country
            if mb_limit is not None:
                sim.mb_limit = mb_limit
        return _json({"ok": True})

    async def remove_sim(self, request: Request) -> Response:
        sim, _, _ = self.sim(request)
        with self.state.lock:
            sim.owner = None
            sim.product_id = None
            sim.status = "inactive"
            sim.last_status_change_action = "deactivate"
        return _json({"ok": True})

    async def import_sims(self, request: Request) -> Response:
        token, raw = self.auth(request)
        product = self.product(request, token, raw)
        body = await self.body(request)
        iccids, country = body.get("sims"), body.get("country")
        if (
            not isinstance(iccids, list)
            or not iccids
            or not all(isinstance(i, str) and i.strip() for i in iccids)
        ):
            raise _bad_request("sims must be a non-empty list of ICCIDs")
        if country is not None and not isinstance(country, str):
            raise _bad_request("country must be a country code")
        with self.state.lock:
            for iccid in iccids:
                sim = self.state.sims.get(iccid)
                if sim is None:
                    continue
                if sim.product_id not in (None, product.id):
                    raise _bad_request(f"SIM {iccid} belongs to another product")
                if sim.product_id is None and sim.owner not in (None, token.username):
                    raise _bad_request(f"SIM {iccid} belongs to another account")
            for iccid in iccids:
                sim = self.state.sims.get(iccid)
                if sim is None:
                    sim = self.state.sims[iccid] = FakeSim(iccid=iccid, activated_on=None)
                sim.product_id, sim.owner = product.id, None
                sim.status, sim.last_status_change_action = "active", "activate"
                sim.activated_on = sim.activated_on or utcnow()
                if country:
                    sim.base_country_code = country
        return _json({"ok": True})

    # ------------------------------------------------------------------ libraries (JSON:API)

    def library_resource(
        self, request: Request, library: FakeLibrary, version: FakeLibraryVersion, user: str | None
    ) -> dict[str, Any]:
        base = str(request.base_url).rstrip("/")
        download = (
            f"{base}/v1/libraries/{quote(library.name, safe='')}"
            f"/archive/{quote(version.version, safe='')}.tar.gz"
        )
        attributes: dict[str, Any] = {
            **version.attributes,
            "name": library.name,
            "version": version.version,
            "visibility": version.visibility,
            "mine": user is not None and library.owner == user,
            "official": library.official,
            "verified": library.verified,
            "featured": library.featured,
            "installs": library.installs,
        }
        return {
            "id": library.name,
            "type": "libraries",
            "attributes": attributes,
            "links": {"download": download},
        }

    def library(self, request: Request, user: str | None) -> FakeLibrary:
        """The library of the path, if `user` may see a version of it (404 otherwise)."""
        name = request.path_params["name"]
        library = self.state.find_library(name)
        if library is None or library.latest(user) is None:
            raise _library_error(404, f"Library {name} not found")
        return library

    async def library_body(self, request: Request) -> dict[str, Any]:
        try:
            return await self.body(request)
        except _Error as exc:
            raise _library_error(exc.status, str(exc.body.get("error"))) from None

    async def list_libraries(self, request: Request) -> Response:
        token, _ = self.auth(request)
        user = token.username
        query = request.query_params
        page, limit = _paging(
            query,
            size="limit",
            default=DEFAULT_LIBRARY_LIMIT,
            error=lambda message: _library_error(400, message),
        )
        scope = query.get("scope") or "all"
        excluded = [s for s in query.get("excludeScopes", "").split(",") if s]
        for name in (scope, *excluded):
            if name not in LIBRARY_SCOPES:
                raise _library_error(400, f"Unknown scope: {name}")
        sort = query.get("sort") or "name"
        if sort not in LIBRARY_SORTS:
            raise _library_error(400, f"Unknown sort: {sort}")
        needle = query.get("filter", "").casefold()
        architectures = {a.strip() for a in query.get("architectures", "").split(",") if a.strip()}
        category = query.get("category", "").casefold()

        def in_scope(name: str, library: FakeLibrary, version: FakeLibraryVersion) -> bool:
            return {
                "all": True,
                "public": version.visibility == "public",
                "private": version.visibility == "private",
                "mine": user is not None and library.owner == user,
                "official": library.official,
                "verified": library.verified,
                "featured": library.featured,
            }[name]

        with self.state.lock:
            found: list[tuple[FakeLibrary, FakeLibraryVersion]] = []
            for library in self.state.libraries.values():
                version = library.latest(user)
                if version is None or needle not in library.name.casefold():
                    continue
                supported = set(version.attributes.get("architectures") or ["*"])
                if architectures and "*" not in supported and not architectures & supported:
                    continue
                if category and str(version.attributes.get("category", "")).casefold() != category:
                    continue
                if not in_scope(scope, library, version) or any(
                    in_scope(name, library, version) for name in excluded
                ):
                    continue
                found.append((library, version))
            found.sort(key=lambda pair: pair[0].name.casefold(), reverse=sort == "-name")
            if sort.endswith("popularity"):
                found.sort(key=lambda pair: pair[0].installs, reverse=sort == "popularity")
            chunk = found[(page - 1) * limit : page * limit]
            data = [self.library_resource(request, lib, v, user) for lib, v in chunk]
        return _json({"data": data})

    async def get_library(self, request: Request) -> Response:
        token, _ = self.auth(request)
        with self.state.lock:
            library = self.library(request, token.username)
            wanted = request.query_params.get("version")
            version = library.latest(token.username)
            if wanted:
                version = next(
                    (v for v in library.visible_versions(token.username) if v.version == wanted),
                    None,
                )
            if version is None:
                raise _library_error(404, f"Version {wanted} of library {library.name} not found")
            return _json({"data": self.library_resource(request, library, version, token.username)})

    async def library_versions(self, request: Request) -> Response:
        token, _ = self.auth(request)
        page, limit = _paging(
            request.query_params,
            size="limit",
            default=DEFAULT_LIBRARY_LIMIT,
            error=lambda message: _library_error(400, message),
        )
        with self.state.lock:
            library = self.library(request, token.username)
            versions = library.visible_versions(token.username)[(page - 1) * limit : page * limit]
            data = [self.library_resource(request, library, v, token.username) for v in versions]
        return _json({"data": data})

    async def library_archive(self, request: Request) -> Response:
        with self.state.lock:
            self.state.archive_requests.append(
                (request.url.path, request.headers.get("authorization"))
            )
            name, wanted = request.path_params["name"], request.path_params["version"]
            library = self.state.find_library(name)
            version = library.versions.get(wanted) if library is not None else None
            if version is None:
                raise _library_error(404, f"Version {wanted} of library {name} not found")
            archive = version.archive
        return Response(archive, media_type="application/gzip")

    async def contribute_library(self, request: Request) -> Response:
        token, _ = self.auth(request)
        user = token.username
        if user is None:
            raise _library_error(403, "Only a user may contribute a library")
        if _content_type(request) != "multipart/form-data":
            raise _library_error(400, "Upload the library as multipart/form-data")
        parts = await self.form(request, error=lambda message: _library_error(400, message))
        files, _ = _uploads(parts)
        upload = next((f for f in files if f.part == "file"), None)
        if upload is None:
            raise _library_error(400, "A library archive is required in the file part")
        try:
            properties = read_library_properties(upload.data)
        except ValueError as exc:
            raise _library_error(400, str(exc)) from None
        name, version = properties.get("name", ""), properties.get("version", "")
        if not _LIBRARY_NAME.fullmatch(name):
            raise _library_error(400, f"library.properties has an invalid name: {name!r}")
        if not _SEMVER.fullmatch(version):
            raise _library_error(400, f"library.properties has an invalid version: {version!r}")
        attributes: dict[str, Any] = {
            k: properties[k] for k in _LIBRARY_ATTRIBUTES if k in properties
        }
        if "category" in properties:
            attributes["category"] = properties["category"]
        attributes["architectures"] = [
            a.strip() for a in properties.get("architectures", "*").split(",") if a.strip()
        ] or ["*"]
        dependencies = {
            key.removeprefix("dependencies."): value
            for key, value in properties.items()
            if key.startswith("dependencies.")
        }
        if dependencies:
            attributes["dependencies"] = dependencies
        with self.state.lock:
            library = self.state.find_library(name)
            if library is not None and library.owner != user:
                raise _library_error(403, f"The library {library.name} belongs to someone else")
            if library is None:
                library = self.state.libraries[name] = FakeLibrary(name=name, owner=user)
            if version in library.versions:
                raise _library_error(400, f"Version {version} of {library.name} already exists")
            contributed = library.versions[version] = FakeLibraryVersion(
                version=version,
                archive=upload.data,
                attributes=attributes,
                visibility="private",
            )
            return _json({"data": self.library_resource(request, library, contributed, user)})

    async def publish_library(self, request: Request) -> Response:
        token, _ = self.auth(request)
        body = await self.library_body(request)
        if body.get("visibility") != "public":
            raise _library_error(400, "visibility must be 'public'")
        with self.state.lock:
            library = self.library(request, token.username)
            if token.username is None or library.owner != token.username:
                raise _library_error(403, f"The library {library.name} belongs to someone else")
            version = library.latest(token.username)
            assert version is not None
            version.visibility = "public"
            return _json({"data": self.library_resource(request, library, version, token.username)})

    async def delete_library(self, request: Request) -> Response:
        token, _ = self.auth(request)
        body = await self.library_body(request)
        with self.state.lock:
            library = self.library(request, token.username)
            if token.username is None or library.owner != token.username:
                raise _library_error(403, f"The library {library.name} belongs to someone else")
            public = any(v.visibility == "public" for v in library.versions.values())
            if public and not body.get("force"):
                raise _library_error(400, "Deleting a public library requires force")
            del self.state.libraries[library.name]
        return _json({"ok": True})

    # ------------------------------------------------------------------ compiler

    async def build_targets(self, request: Request) -> Response:
        self.auth(request)
        with self.state.lock:
            releases = list(self.state.device_os_versions)
        by_version: dict[str, list[int]] = {}
        prereleases: dict[str, list[int]] = {}
        defaults: dict[str, str] = {}
        for release in sorted(releases, key=lambda r: version_key(r.version), reverse=True):
            by_version.setdefault(release.version, []).append(release.platform_id)
            if release.prerelease:
                prereleases.setdefault(release.version, []).append(release.platform_id)
            else:
                defaults.setdefault(str(release.platform_id), release.version)
        targets = [
            {
                "version": version,
                "platforms": sorted(set(platforms)),
                "prereleases": sorted(set(prereleases.get(version, []))),
                "firmware_vendor": "Particle",
            }
            for version, platforms in by_version.items()
        ]
        if request.query_params.get("featured") == "true":
            targets = [t for t in targets if t["version"] in defaults.values()]
        return _json(
            {"targets": targets, "platforms": dict(_PLATFORMS), "default_versions": defaults}
        )

    async def compile(self, request: Request) -> Response:
        token, _ = self.auth(request)
        files: tuple[UploadedFile, ...] = ()
        fields: dict[str, str] = {}
        if _content_type(request) == "multipart/form-data":
            files, fields = _uploads(await self.form(request))
        else:
            fields = {k: str(v) for k, v in (await self.body(request)).items()}
        failure: _Error | None = None
        platform_id = fields.get("platform_id")
        if not files:
            failure = _bad_request("Nothing to compile")
        elif platform_id is not None and not platform_id.strip().isdigit():
            failure = _bad_request(f"Invalid platform_id: {platform_id}")
        elif errors := _compile_errors(files):
            failure = _Error(400, {"ok": False, "output": "Compiler failed", "errors": errors})
        binary_id = None
        if failure is None:
            binary_id = self.state.add_binary(fake_binary((f.filename, f.data) for f in files))
        with self.state.lock:
            self.state.compiles.append(
                CompileRequest(
                    files=files,
                    fields=fields,
                    username=token.username,
                    ok=failure is None,
                    binary_id=binary_id,
                    at=utcnow(),
                )
            )
        if failure is not None:
            raise failure
        return _json(
            {
                "ok": True,
                "binary_id": binary_id,
                "binary_url": f"/v1/binaries/{binary_id}",
                "expires_at": iso(utcnow() + timedelta(days=1)),
                "sizeInfo": SIZE_INFO,
            }
        )

    async def download_binary(self, request: Request) -> Response:
        self.auth(request)
        binary_id = request.path_params["binary"]
        with self.state.lock:
            data = self.state.binaries.get(binary_id)
        if data is None:
            raise _not_found_error("Binary not found")
        return _stream_bytes(data, f"{binary_id}.bin")

    # ------------------------------------------------------------------ Device OS

    def _platform_query(self, request: Request) -> int | None:
        value = request.query_params.get("platform_id")
        if not value:
            return None
        if not value.isdigit():
            raise _bad_request("platform_id must be an integer")
        return int(value)

    async def list_device_os_versions(self, request: Request) -> Response:
        self.auth(request)
        platform_id = self._platform_query(request)
        internal = request.query_params.get("internal_version")
        if internal and not internal.isdigit():
            raise _bad_request("internal_version must be an integer")
        page, per_page = _paging(request.query_params)
        with self.state.lock:
            releases = [
                r
                for r in self.state.device_os_versions
                if (platform_id is None or r.platform_id == platform_id)
                and (not internal or r.internal_version == int(internal))
            ]
        chunk = releases[(page - 1) * per_page : page * per_page]
        return _json([_device_os_json(r) for r in chunk])

    async def get_device_os_version(self, request: Request) -> Response:
        self.auth(request)
        platform_id = self._platform_query(request)
        version = request.path_params["version"]
        with self.state.lock:
            release = next(
                (
                    r
                    for r in sorted(self.state.device_os_versions, key=lambda r: r.platform_id)
                    if r.version == version
                    and (platform_id is None or r.platform_id == platform_id)
                ),
                None,
            )
        if release is None:
            raise _not_found_error(f"Device OS version {version} not found")
        return _json(_device_os_json(release))

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


def _device_os_json(release: DeviceOsVersion) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": release.version,
        "internal_version": release.internal_version,
        "platform_id": release.platform_id,
        "module_version": release.module_version,
    }
    if release.release_date is not None:
        body["release_date"] = iso(release.release_date)
    return body


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
