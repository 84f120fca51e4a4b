"""Device groups: a product's groups, many devices' memberships at once, release impact."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._common import bad_request, cloud, json_response, product_of, read_body

__all__ = ["ROUTES"]


def _names(value: object, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
        raise bad_request(f"{what} must be a list of group names")
    return list(value)


async def list_groups(request: Request) -> Response:
    product, _ = product_of(request)
    groups = cloud(request).list_groups(product, name=request.query_params.get("name"))
    return json_response({"groups": groups})


async def create_group(request: Request) -> Response:
    product, _ = product_of(request)
    body = await read_body(request)
    group = cloud(request).create_group(
        product, body.get("name"), color=body.get("color"), description=body.get("description")
    )
    return json_response({"group": group}, status=201)


async def get_group(request: Request) -> Response:
    product, _ = product_of(request)
    return json_response({"group": cloud(request).get_group(product, request.path_params["name"])})


async def update_group(request: Request) -> Response:
    product, _ = product_of(request)
    body = await read_body(request)
    group = cloud(request).update_group(
        product,
        request.path_params["name"],
        new_name=body.get("name"),
        color=body.get("color"),
        description=body.get("description"),
    )
    return json_response({"group": group})


async def delete_group(request: Request) -> Response:
    product, _ = product_of(request)
    cloud(request).delete_group(product, request.path_params["name"])
    return Response(status_code=204)


async def batch_update_devices(request: Request) -> Response:
    """`PUT` on the product's device collection: `{action: "groups", devices, metadata:
    {add, remove}}` (the only batch action here)."""
    product, _ = product_of(request)
    body = await read_body(request)
    if body.get("action") != "groups":
        raise bad_request("Unknown action")
    devices = body.get("devices")
    metadata = body.get("metadata")
    if not isinstance(devices, list) or not devices:
        raise bad_request("devices must be a non-empty list of device ids")
    if not isinstance(metadata, dict) or not ({"add", "remove"} & set(metadata)):
        raise bad_request("metadata must have add or remove")
    cloud(request).change_groups(
        product,
        devices,
        add=_names(metadata.get("add", []), "add"),
        remove=_names(metadata.get("remove", []), "remove"),
    )
    return json_response({"ok": True})


async def get_impact(request: Request) -> Response:
    """How many devices a release to some groups would update (query parameters only)."""
    product, _ = product_of(request)
    query = request.query_params
    if query.get("action") != "edit_groups_for_firmware":
        raise bad_request("action must be edit_groups_for_firmware")
    version = query.get("firmware_version", "")
    if not version.isdigit():
        raise bad_request("firmware_version must be an integer")
    default = query.get("product_default", "false")
    if default not in ("true", "false"):
        raise bad_request("product_default must be true or false")
    groups = [g for g in query.get("groups", "").split(",") if g]
    impact = cloud(request).groups_impact(
        product, int(version), groups=groups, product_default=default == "true"
    )
    return json_response({"devices": {"firmware_update": impact}})


ROUTES = [
    Route("/v1/products/{product}/groups", list_groups, methods=["GET"]),
    Route("/v1/products/{product}/groups", create_group, methods=["POST"]),
    Route("/v1/products/{product}/groups/{name}", get_group, methods=["GET"]),
    Route("/v1/products/{product}/groups/{name}", update_group, methods=["PUT"]),
    Route("/v1/products/{product}/groups/{name}", delete_group, methods=["DELETE"]),
    Route("/v1/products/{product}/devices", batch_update_devices, methods=["PUT"]),
    Route("/v1/products/{product}/impact", get_impact, methods=["GET"]),
]
