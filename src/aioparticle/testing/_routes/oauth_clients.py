"""OAuth clients: `/v1/clients` for the token's user, `/v1/products/:product/clients`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._common import bad_request, cloud, json_response, read_body, scope_of

__all__ = ["ROUTES"]


def _owner_and_product(request: Request) -> tuple[str | None, int | None]:
    token, product = scope_of(request)
    return token.username, None if product is None else product.id


def _text(body: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{key} is required" if value is None else f"{key} must be a string")
    return value


async def list_clients(request: Request) -> Response:
    owner, product_id = _owner_and_product(request)
    return json_response(
        {"ok": True, "clients": cloud(request).list_oauth_clients(owner, product_id)}
    )


async def create_client(request: Request) -> Response:
    owner, product_id = _owner_and_product(request)
    body = await read_body(request)
    created = cloud(request).create_oauth_client(
        owner,
        product_id,
        name=_text(body, "name", required=True) or "",
        type=_text(body, "type", required=True) or "",
        scope=_text(body, "scope"),
        redirect_uri=_text(body, "redirect_uri"),
    )
    return json_response({"ok": True, "client": created})


async def update_client(request: Request) -> Response:
    owner, product_id = _owner_and_product(request)
    body = await read_body(request)
    updated = cloud(request).update_oauth_client(
        owner,
        product_id,
        request.path_params["client"],
        name=_text(body, "name"),
        scope=_text(body, "scope"),
    )
    return json_response({"ok": True, "client": updated})


async def delete_client(request: Request) -> Response:
    owner, product_id = _owner_and_product(request)
    cloud(request).delete_oauth_client(owner, product_id, request.path_params["client"])
    return json_response({"ok": True})


ROUTES = [
    Route(f"{prefix}/clients", handler, methods=[method])
    for prefix in ("/v1", "/v1/products/{product}")
    for handler, method in ((list_clients, "GET"), (create_client, "POST"))
] + [
    Route(f"{prefix}/clients/{{client}}", handler, methods=[method])
    for prefix in ("/v1", "/v1/products/{product}")
    for handler, method in ((update_client, "PUT"), (delete_client, "DELETE"))
]
