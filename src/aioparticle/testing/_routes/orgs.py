"""Organizations: list, get, their products; product creation in a sandbox or an
organization."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import Denied
from ._common import authenticate, bad_request, cloud, denied, json_response, read_body

__all__ = ["ROUTES"]


async def list_orgs(request: Request) -> Response:
    token = authenticate(request)
    return json_response({"organizations": cloud(request).orgs_of(token)})


async def get_org(request: Request) -> Response:
    token = authenticate(request)
    state = cloud(request)
    try:
        org = state.org_for(token, request.path_params["org"])
    except Denied:
        raise denied(request) from None
    return json_response({"organization": state.org_json(org)})


async def list_org_products(request: Request) -> Response:
    token = authenticate(request)
    try:
        products = cloud(request).org_products(token, request.path_params["org"])
    except Denied:
        raise denied(request) from None
    return json_response({"products": products})


async def create_product(request: Request) -> Response:
    token = authenticate(request)
    body = await read_body(request)
    fields = body.get("product")
    if not isinstance(fields, dict):
        raise bad_request("product is required")
    try:
        product = cloud(request).create_product(token, request.path_params.get("org"), fields)
    except Denied:
        raise denied(request) from None
    return json_response({"product": product})


ROUTES = [
    Route("/v1/orgs", list_orgs, methods=["GET"]),
    Route("/v1/orgs/{org}", get_org, methods=["GET"]),
    Route("/v1/orgs/{org}/products", list_org_products, methods=["GET"]),
    Route("/v1/orgs/{org}/products", create_product, methods=["POST"]),
    Route("/v1/user/products", create_product, methods=["POST"]),
]
