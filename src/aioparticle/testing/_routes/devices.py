"""Devices: listing, claiming, updating and removing them, variables, functions, pings, flashing;
adding devices to a product (and approving quarantined ones)."""

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
        quarantined=_query_flag(query.get("quarantined")),
        serial_number=query.get("serialNumber"),
    )
    return json_response({"devices": devices, "meta": page_meta(page, per_page, total)})


def _query_flag(value: str | None) -> bool | None:
    if value is None:
        return None
    if value not in ("true", "false"):
        raise bad_request("quarantined must be true or false")
    return value == "true"


async def import_devices(request: Request) -> Response:
    """Add devices to the product (`id`, `ids`, or a `file` listing them one a line), or
    approve quarantined ones; `claim_user` (body, form or query) claims them."""
    product, _ = product_of(request)
    claim_user = request.query_params.get("claim_user")
    if content_type(request) == "multipart/form-data":
        files, fields = uploads(await read_form(request))
        listing = next((f for f in files if f.part == "file"), None)
        if listing is None:
            raise bad_request("Missing required field: file")
        try:
            text = listing.data.decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request("The file must be text, one device a line") from None
        refs = [line.strip() for line in text.splitlines() if line.strip()]
        claim_user = fields.get("claim_user", claim_user)
    else:
        body = await read_body(request)
        if "ids" in body:
            ids = body["ids"]
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise bad_request("ids must be a list of device ids")
            refs = list(ids)
        elif isinstance(body.get("id"), str) and body["id"]:
            refs = [body["id"]]
        else:
            raise bad_request("Provide id, ids or a file")
        if isinstance(body.get("claim_user"), str):
            claim_user = body["claim_user"]
    return json_response(cloud(request).import_devices(product, refs, claim_user=claim_user))


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
    if "groups" in body and product is not None:
        groups = body["groups"]
        if not isinstance(groups, list):
            raise bad_request("groups must be a list of group names")
        return json_response(cloud(request).set_device_groups(device, groups))
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
    if "firmware_updates_forced" in body:
        forced = body["firmware_updates_forced"]
        if not isinstance(forced, bool):
            raise bad_request("firmware_updates_forced must be a boolean")
        changes["firmware_updates_forced"] = forced
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
    deny = product is not None and body.get("deny") in (True, "true")
    cloud(request).remove_device(device, product_scope=product is not None, deny=deny)
    if deny:
        return Response(status_code=204)
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
    Route("/v1/products/{product}/devices", import_devices, methods=["POST"]),
    Route("/v1/products/{product}/devices/{device}", get_device, methods=["GET"]),
    Route("/v1/products/{product}/devices/{device}", update_device, methods=["PUT"]),
    Route("/v1/products/{product}/devices/{device}", remove_device, methods=["DELETE"]),
    Route("/v1/products/{product}/devices/{device}/owner", remove_owner, methods=["DELETE"]),
    Route("/v1/products/{product}/devices/{device}/ping", ping_device, methods=["PUT"]),
    Route("/v1/products/{product}/devices/{device}/{name}", get_variable, methods=["GET"]),
    Route("/v1/products/{product}/devices/{device}/{name}", call_function, methods=["POST"]),
]
