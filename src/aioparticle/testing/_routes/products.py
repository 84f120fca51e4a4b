"""Products: the products themselves, their firmware (upload, release, download, delete),
their asset-tracking configuration and schema, and their devices' locations (each one's last
known, or its fixes over a time window and a rectangle); their teams are in `teams`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import FakeFirmware, FakeProduct
from .._state._base import page_of
from .._state.tracking import InvalidSchema
from ._common import (
    HttpError,
    authenticate,
    bad_request,
    cloud,
    content_type,
    device_of,
    json_response,
    not_found,
    page_meta,
    paging,
    product_of,
    read_body,
    read_form,
    stream_bytes,
    uploads,
)

__all__ = ["ROUTES"]

#: The media type of a configuration's JSON Schema.
SCHEMA_TYPE = "application/schema+json"


def _firmware(request: Request) -> tuple[FakeProduct, FakeFirmware]:
    """The product of the path and its firmware version of the path."""
    product, _ = product_of(request)
    return product, cloud(request).find_firmware(product, request.path_params["version"])


async def list_products(request: Request) -> Response:
    token = authenticate(request)
    return json_response({"products": cloud(request).list_products(token)})


async def get_product(request: Request) -> Response:
    product, _ = product_of(request)
    return json_response({"product": cloud(request).product_json(product)})


async def list_firmware(request: Request) -> Response:
    product, _ = product_of(request)
    return json_response(cloud(request).list_firmware(product))


async def get_firmware(request: Request) -> Response:
    _, firmware = _firmware(request)
    return json_response(cloud(request).firmware_json(firmware))


async def download_firmware(request: Request) -> Response:
    product, firmware = _firmware(request)
    return stream_bytes(firmware.data, f"{product.slug}-v{firmware.version}.bin")


async def upload_firmware(request: Request) -> Response:
    product, token = product_of(request)
    if content_type(request) != "multipart/form-data":
        raise bad_request("Upload the firmware as multipart/form-data")
    files, fields = uploads(await read_form(request))
    upload = next((f for f in files if f.part == "file"), None)
    for name, present in (
        ("file", upload is not None),
        ("version", bool(fields.get("version", "").strip())),
        ("title", bool(fields.get("title", "").strip())),
    ):
        if not present:
            raise bad_request(f"Missing required field: {name}")
    assert upload is not None
    version = fields["version"].strip()
    if not version.isdigit():
        raise bad_request("version must be an integer")
    mandatory = fields.get("mandatory", "false").strip().lower()
    if mandatory not in ("true", "false"):
        raise bad_request("mandatory must be true or false")
    firmware = cloud(request).upload_firmware(
        product,
        version,
        upload.data,
        title=fields["title"].strip(),
        description=fields.get("description", ""),
        uploaded_by=token.username,
        mandatory=mandatory == "true",
    )
    return json_response(firmware)


async def update_firmware(request: Request) -> Response:
    _, firmware = _firmware(request)
    body = await read_body(request)
    title, description = body.get("title"), body.get("description")
    if "title" in body and (not isinstance(title, str) or not title.strip()):
        raise bad_request("title must be a non-empty string")
    if "description" in body and not isinstance(description, str):
        raise bad_request("description must be a string")
    mandatory = body.get("mandatory")
    if mandatory is not None and not isinstance(mandatory, bool):
        raise bad_request("mandatory must be a boolean")
    updated = cloud(request).update_firmware(
        firmware,
        title=title if isinstance(title, str) else None,
        description=description if isinstance(description, str) else None,
        mandatory=mandatory,
    )
    return json_response(updated)


async def delete_firmware(request: Request) -> Response:
    product, firmware = _firmware(request)
    cloud(request).delete_firmware(product, firmware)
    return Response(status_code=204)


async def release_firmware(request: Request) -> Response:
    product, token = product_of(request)
    body = await read_body(request)
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, (int, str)):
        raise bad_request("version is required")
    if not str(version).isdigit():
        raise bad_request("version must be an integer")
    groups = body.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise bad_request("groups must be a list of group names")
    flags: dict[str, bool | None] = {}
    for name in ("product_default", "intelligent"):
        value = body.get(name)
        if value is not None and not isinstance(value, bool):
            raise bad_request(f"{name} must be a boolean")
        flags[name] = value
    cloud(request).release_firmware(
        product,
        version,
        product_default=flags["product_default"],
        groups=groups,
        intelligent=flags["intelligent"],
        username=token.username,
    )
    return json_response({"ok": True})


def _config_target(request: Request) -> tuple[FakeProduct, str | None]:
    """The product of the path and the device of the path (its id), if any."""
    if "device" not in request.path_params:
        product, _ = product_of(request)
        return product, None
    device, _, in_product = device_of(request)
    assert in_product is not None, "a route without a product"
    return in_product, device.id


def _invalid_schema(exc: InvalidSchema) -> HttpError:
    body = {"message": exc.message, "description": exc.description, "violations": exc.violations}
    return HttpError(422, body)


async def get_config(request: Request) -> Response:
    """The configuration, or with `Accept: application/schema+json` its schema."""
    product, device_id = _config_target(request)
    state = cloud(request)
    if SCHEMA_TYPE in request.headers.get("accept", ""):
        return json_response(state.config_schema(product, device_id))
    return json_response({"configuration": state.configuration(product, device_id)})


async def set_config(request: Request) -> Response:
    """Replace the configuration, or with `Content-Type: application/schema+json` the schema
    (the body is the whole schema; 422 when it is not one)."""
    product, device_id = _config_target(request)
    state = cloud(request)
    if content_type(request) != SCHEMA_TYPE:
        body = await read_body(request)
        return json_response({"configuration": state.set_configuration(product, device_id, body)})
    try:
        schema = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Invalid request body") from None
    try:
        return json_response(state.set_config_schema(product, device_id, schema))
    except InvalidSchema as exc:
        raise _invalid_schema(exc) from None


async def delete_config_schema(request: Request) -> Response:
    """Drop the custom schema (sent as `application/schema+json` with the body `{}`)."""
    product, device_id = _config_target(request)
    cloud(request).delete_config_schema(product, device_id)
    return Response(status_code=204)


async def fleet_locations(request: Request) -> Response:
    """The last known location of every device: `device_id`, `device_name` (a prefix) and
    `groups` (`groups[0]=a&groups[1]=b`, or comma-separated) filter."""
    product, _ = product_of(request)
    rows = cloud(request).latest_locations(product, **_device_filters(request))
    return json_response({"locations": rows})


def _device_filters(request: Request) -> dict[str, Any]:
    """`device_id`, `device_name` (a prefix) and `groups` (`groups[0]=a&groups[1]=b`, or
    comma-separated)."""
    query = request.query_params
    groups = [v for k, v in query.multi_items() if k.startswith("groups[")]
    groups += [g for v in query.getlist("groups") for g in v.split(",") if g]
    return {
        "device_id": query.get("device_id") or None,
        "device_name": query.get("device_name") or None,
        "groups": groups,
    }


def _location_filters(request: Request) -> dict[str, Any]:
    """`date_range` (`<ISO start>,<ISO end>`) and `rect_bl` / `rect_tr` (`lat,lng`)."""
    query = request.query_params
    filters: dict[str, Any] = {}
    try:
        if query.get("date_range"):
            start, end = query["date_range"].split(",")
            filters["since"] = datetime.fromisoformat(start.replace("Z", "+00:00"))
            filters["until"] = datetime.fromisoformat(end.replace("Z", "+00:00"))
        if query.get("rect_bl") or query.get("rect_tr"):
            corners = [query["rect_bl"].split(","), query["rect_tr"].split(",")]
            (south, west), (north, east) = [(float(lat), float(lng)) for lat, lng in corners]
            filters["rect"] = ((south, west), (north, east))
    except (KeyError, ValueError):
        raise bad_request(
            "date_range is '<ISO start>,<ISO end>'; rect_bl and rect_tr are 'lat,lng', both"
        ) from None
    return filters


async def list_locations(request: Request) -> Response:
    """Where the product's devices were, one device a row, paginated (`meta.devices_found`);
    filtered as `fleet_locations`, by `date_range` and by the rectangle `rect_bl`-`rect_tr`."""
    product, _ = product_of(request)
    query = request.query_params
    rows = cloud(request).device_locations(
        product, **_device_filters(request), **_location_filters(request)
    )
    page, per_page = paging(query, default=20)
    meta = {**page_meta(page, per_page, len(rows)), "devices_found": len(rows)}
    del meta["total"]
    return json_response({"locations": page_of(rows, page, per_page), "meta": meta})


async def get_device_locations(request: Request) -> Response:
    """Where one device of the product was (404 for a device of no fix in the window)."""
    product, _ = product_of(request)
    device_id = request.path_params["device"]
    rows = cloud(request).device_locations(
        product, device_id=device_id, **_location_filters(request)
    )
    if not rows:
        raise not_found("No locations found for this device")
    return json_response(rows[0])


# "release" comes before the "{version}" routes
ROUTES = [
    Route("/v1/products", list_products, methods=["GET"]),
    Route("/v1/products/{product}", get_product, methods=["GET"]),
    Route("/v1/products/{product}/firmware", list_firmware, methods=["GET"]),
    Route("/v1/products/{product}/firmware", upload_firmware, methods=["POST"]),
    Route("/v1/products/{product}/firmware/release", release_firmware, methods=["PUT"]),
    Route("/v1/products/{product}/firmware/{version}", get_firmware, methods=["GET"]),
    Route("/v1/products/{product}/firmware/{version}", update_firmware, methods=["PUT"]),
    Route("/v1/products/{product}/firmware/{version}", delete_firmware, methods=["DELETE"]),
    Route("/v1/products/{product}/firmware/{version}/binary", download_firmware, methods=["GET"]),
    Route("/v1/products/{product}/fleet_locations", fleet_locations, methods=["GET"]),
    Route("/v1/products/{product}/locations", list_locations, methods=["GET"]),
    Route("/v1/products/{product}/locations/{device}", get_device_locations, methods=["GET"]),
    *(
        Route(path, handler, methods=[method])
        for path in ("/v1/products/{product}/config", "/v1/products/{product}/config/{device}")
        for handler, method in (
            (get_config, "GET"),
            (set_config, "PUT"),
            (delete_config_schema, "DELETE"),
        )
    ),
]
