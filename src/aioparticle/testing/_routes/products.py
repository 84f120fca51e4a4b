"""Products: the products themselves and their firmware (upload, release, download); their
teams are in `teams`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import FakeFirmware, FakeProduct
from ._common import (
    authenticate,
    bad_request,
    cloud,
    content_type,
    json_response,
    product_of,
    read_body,
    read_form,
    stream_bytes,
    uploads,
)

__all__ = ["ROUTES"]


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
    firmware = cloud(request).upload_firmware(
        product,
        version,
        upload.data,
        title=fields["title"].strip(),
        description=fields.get("description", ""),
        uploaded_by=token.username,
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
    updated = cloud(request).update_firmware(
        firmware,
        title=title if isinstance(title, str) else None,
        description=description if isinstance(description, str) else None,
    )
    return json_response(updated)


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


# "release" comes before the "{version}" routes
ROUTES = [
    Route("/v1/products", list_products, methods=["GET"]),
    Route("/v1/products/{product}", get_product, methods=["GET"]),
    Route("/v1/products/{product}/firmware", list_firmware, methods=["GET"]),
    Route("/v1/products/{product}/firmware", upload_firmware, methods=["POST"]),
    Route("/v1/products/{product}/firmware/release", release_firmware, methods=["PUT"]),
    Route("/v1/products/{product}/firmware/{version}", get_firmware, methods=["GET"]),
    Route("/v1/products/{product}/firmware/{version}", update_firmware, methods=["PUT"]),
    Route("/v1/products/{product}/firmware/{version}/binary", download_firmware, methods=["GET"]),
]
