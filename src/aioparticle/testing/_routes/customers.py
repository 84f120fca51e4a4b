"""Product customers: create (with the product's OAuth client or a team token), list, delete,
set a password. Their tokens come from `POST /oauth/token` (`auth`)."""

from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import FakeProduct
from ._common import (
    HttpError,
    bad_request,
    cloud,
    json_response,
    page_meta,
    paging,
    product_of,
    read_body,
)

__all__ = ["ROUTES"]


def _client_pair(request: Request, body: dict[str, object]) -> tuple[str, str] | None:
    """The OAuth client pair of the request (form fields or HTTP Basic), if it has one."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except ValueError:
            decoded = ":"
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    if "client_id" in body:
        return str(body.get("client_id")), str(body.get("client_secret", ""))
    return None


def _invalid_client() -> HttpError:
    return HttpError(
        401, {"error": "invalid_client", "error_description": "Client authentication failed"}
    )


async def create_customer(request: Request) -> Response:
    body = await read_body(request)
    state = cloud(request)
    pair = _client_pair(request, body)
    product: FakeProduct | None
    if pair is not None:
        client = state.authenticate_client(*pair)
        if client is None:
            raise _invalid_client()
        product = state.find_product(request.path_params["product"])
        if product is None:
            raise HttpError(404, {"ok": False, "error": "Product not found"})
        if client.product_id != product.id:
            raise HttpError(
                403, {"ok": False, "error": "The OAuth client is not a client of this product"}
            )
        client_id: str | None = pair[0]
    else:
        product, _ = product_of(request)  # a team member's token
        client_id = None
    email = str(body.get("email") or "").strip()
    if not email:
        raise bad_request("email is required")
    password = body.get("password")
    no_password = str(body.get("no_password", "")).lower() == "true"
    if no_password and password:
        raise bad_request("Pass password or no_password, not both")
    if not no_password and not password:
        raise bad_request("password is required")
    token = state.create_customer(
        product, email, None if no_password else str(password), client_id=client_id
    )
    return json_response(token, 201)


async def list_customers(request: Request) -> Response:
    product, _ = product_of(request)
    page, per_page = paging(request.query_params)
    customers, devices, total = cloud(request).customers_page(product, page, per_page)
    return json_response(
        {"customers": customers, "devices": devices, "meta": page_meta(page, per_page, total)}
    )


async def delete_customer(request: Request) -> Response:
    product, _ = product_of(request)
    cloud(request).delete_customer(product, request.path_params["email"])
    return json_response({"ok": True})


async def update_customer(request: Request) -> Response:
    product, _ = product_of(request)
    body = await read_body(request)
    password = body.get("password")
    if not isinstance(password, str) or not password:
        raise bad_request("password is required")
    cloud(request).set_customer_password(product, request.path_params["email"], password)
    return json_response({"ok": True})


ROUTES = [
    Route("/v1/products/{product}/customers", create_customer, methods=["POST"]),
    Route("/v1/products/{product}/customers", list_customers, methods=["GET"]),
    Route("/v1/products/{product}/customers/{email}", delete_customer, methods=["DELETE"]),
    Route("/v1/products/{product}/customers/{email}", update_customer, methods=["PUT"]),
]
