"""Devices: listing, claiming, updating and removing them, variables, functions, pings, flashing."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import DeviceChanges, FakeDevice, FakeProduct, Refused, Token, UploadedFile
from ._common import (
    HttpError,
    authenticate,
    bad_request,
    cloud,
    content_type,
    device_of,
    json_response,
    page_meta,
    paging,
    product_of,
    read_body,
    read_form,
    uploads,
)

__all__ = ["ROUTES"]


async def list_devices(request: Request) -> Response:
    token = authenticate(request)
    return json_response(cloud(request).list_owned_devices(token.username))


async def list_product_devices(request: Request) -> Response:
    product, _ = product_of(request)
    query = request.query_params
    page, per_page = paging(query)
    devices, total = cloud(request).list_product_devices(
        product.id,
        id_prefix=query["deviceId"].lower() if "deviceId" in query else None,
        name=query.get("deviceName"),
        groups=set(query["groups"].split(",")) if "groups" in query else None,
        sort=query.get("sortAttr"),
        descending=query.get("sortDir") == "desc",
        page=page,
        per_page=per_page,
    )
    return json_response({"devices": devices, "meta": page_meta(page, per_page, total)})


async def get_device(request: Request) -> Response:
    device, _, product = device_of(request)
    return json_response(cloud(request).device_json(device, product_scope=product is not None))


async def update_device(request: Request) -> Response:
    """Rename, note, signal, set development or the desired firmware; or flash (an upload or a
    named `app`)."""
    device, token, product = device_of(request)
    if content_type(request) == "multipart/form-data":
        files, fields = uploads(await read_form(request))
        return _flash(request, device, token, product, files=files, fields=fields, app=None)
    body = await read_body(request)
    if "app" in body:
        return _flash(request, device, token, product, files=(), fields={}, app=str(body["app"]))
    changes: DeviceChanges = {}
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not name.strip():
            raise bad_request("Invalid device name")
        changes["name"] = name
    if "notes" in body:
        changes["notes"] = body["notes"]
    if "signal" in body:
        changes["signaling"] = str(body["signal"]) in ("1", "True", "true")
    if product is not None:
        if "development" in body:
            changes["development"] = bool(body["development"])
        if "desired_firmware_version" in body:
            changes["desired_firmware_version"] = body["desired_firmware_version"]
    flash = product is not None and bool(body.get("flash"))
    return json_response(cloud(request).update_device(device, changes, flash=flash))


def _flash(
    request: Request,
    device: FakeDevice,
    token: Token,
    product: FakeProduct | None,
    *,
    files: tuple[UploadedFile, ...],
    fields: dict[str, str],
    app: str | None,
) -> Response:
    cloud(request).flash(
        device.id,
        product.id if product is not None else None,
        files=files,
        fields=fields,
        app=app,
        username=token.username,
    )
    return json_response({"ok": True, "id": device.id, "status": "Update started"})


async def remove_device(request: Request) -> Response:
    device, _, product = device_of(request)
    body = await read_body(request)
    cloud(request).remove_device(
        device, product_scope=product is not None, deny=bool(body.get("deny"))
    )
    return json_response({"ok": True})


async def remove_owner(request: Request) -> Response:
    device, _, _ = device_of(request)
    cloud(request).remove_owner(device)
    return json_response({"ok": True})


async def ping_device(request: Request) -> Response:
    device, _, _ = device_of(request)
    return json_response({"online": cloud(request).ping(device), "ok": True})


async def claim_device(request: Request) -> Response:
    token = authenticate(request)
    body = await read_body(request)
    device_id = str(body.get("id", "")).lower()
    try:
        transfer_id = cloud(request).claim_device(
            device_id,
            token.username,
            request_transfer=body.get("request_transfer") in (True, "true"),
        )
    except Refused as exc:
        raise HttpError(exc.status, {"ok": False, "errors": [exc.message]}) from None
    if transfer_id is not None:
        return json_response({"ok": True, "deviceID": device_id, "transfer_id": transfer_id})
    return json_response(
        {"ok": True, "deviceID": device_id, "claimed": True, "user_id": token.username}
    )


async def get_variable(request: Request) -> Response:
    device, _, _ = device_of(request)
    return json_response(cloud(request).read_variable(device, request.path_params["name"]))


async def call_function(request: Request) -> Response:
    device, _, _ = device_of(request)
    body = await read_body(request)
    arg = body.get("arg", body.get("args", ""))
    answer = cloud(request).call_function(
        device, request.path_params["name"], "" if arg is None else str(arg)
    )
    return json_response(answer)


ROUTES = [
    # user scope
    Route("/v1/devices", list_devices, methods=["GET"]),
    Route("/v1/devices", claim_device, methods=["POST"]),
    Route("/v1/devices/{device}", get_device, methods=["GET"]),
    Route("/v1/devices/{device}", update_device, methods=["PUT"]),
    Route("/v1/devices/{device}", remove_device, methods=["DELETE"]),
    Route("/v1/devices/{device}/ping", ping_device, methods=["PUT"]),
    Route("/v1/devices/{device}/{name}", get_variable, methods=["GET"]),
    Route("/v1/devices/{device}/{name}", call_function, methods=["POST"]),
    # product scope
    Route("/v1/products/{product}/devices", list_product_devices, methods=["GET"]),
    Route("/v1/products/{product}/devices/{device}", get_device, methods=["GET"]),
    Route("/v1/products/{product}/devices/{device}", update_device, methods=["PUT"]),
    Route("/v1/products/{product}/devices/{device}", remove_device, methods=["DELETE"]),
    Route("/v1/products/{product}/devices/{device}/owner", remove_owner, methods=["DELETE"]),
    Route("/v1/products/{product}/devices/{device}/ping", ping_device, methods=["PUT"]),
    Route("/v1/products/{product}/devices/{device}/{name}", get_variable, methods=["GET"]),
    Route("/v1/products/{product}/devices/{device}/{name}", call_function, methods=["POST"]),
]
