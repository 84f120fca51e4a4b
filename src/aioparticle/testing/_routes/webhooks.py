"""Webhooks: `/v1/webhooks` for the token's user, `/v1/products/:product/webhooks`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._common import cloud, json_response, read_body, scope_of

__all__ = ["ROUTES"]


def _owner_and_product(request: Request) -> tuple[str | None, int | None]:
    token, product = scope_of(request)
    return token.username, None if product is None else product.id


async def list_webhooks(request: Request) -> Response:
    owner, product_id = _owner_and_product(request)
    return json_response(cloud(request).list_webhooks(owner, product_id))


async def create_webhook(request: Request) -> Response:
    owner, product_id = _owner_and_product(request)
    body = await read_body(request)
    created = cloud(request).create_webhook(owner, product_id, body)
    hook_url = f"{str(request.base_url).rstrip('/')}{request.url.path}/{created['id']}"
    return json_response({"ok": True, **created, "hookUrl": hook_url})


async def delete_webhook(request: Request) -> Response:
    owner, product_id = _owner_and_product(request)
    cloud(request).delete_webhook(owner, product_id, request.path_params["hook"])
    return json_response({"ok": True})


ROUTES = [
    Route(f"{prefix}/webhooks", handler, methods=[method])
    for prefix in ("/v1", "/v1/products/{product}")
    for handler, method in ((list_webhooks, "GET"), (create_webhook, "POST"))
] + [
    Route(f"{prefix}/webhooks/{{hook}}", delete_webhook, methods=["DELETE"])
    for prefix in ("/v1", "/v1/products/{product}")
]
