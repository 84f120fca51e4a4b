"""Cloud secrets of the sandbox or an organization: list, get, set (create or update),
delete. Values are stored and never answered."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import Denied
from ._common import authenticate, bad_request, cloud, denied, json_response, read_body

__all__ = ["ROUTES"]


async def list_secrets(request: Request) -> Response:
    token = authenticate(request)
    try:
        found = cloud(request).list_secrets(token, request.path_params.get("org"))
    except Denied:
        raise denied(request) from None
    return json_response({"secrets": found})


async def get_secret(request: Request) -> Response:
    token = authenticate(request)
    try:
        found = cloud(request).get_secret(
            token, request.path_params.get("org"), request.path_params["name"]
        )
    except Denied:
        raise denied(request) from None
    return json_response({"secret": found})


async def put_secret(request: Request) -> Response:
    token = authenticate(request)
    body = await read_body(request)
    secret = body.get("secret")
    if not isinstance(secret, dict):
        raise bad_request("secret is required")
    try:
        saved = cloud(request).put_secret(
            token, request.path_params.get("org"), request.path_params["name"], secret.get("value")
        )
    except Denied:
        raise denied(request) from None
    return json_response({"secret": saved})


async def delete_secret(request: Request) -> Response:
    token = authenticate(request)
    try:
        cloud(request).delete_secret(
            token, request.path_params.get("org"), request.path_params["name"]
        )
    except Denied:
        raise denied(request) from None
    return Response(status_code=204)


ROUTES = [
    Route("/v1/secrets", list_secrets, methods=["GET"]),
    Route("/v1/orgs/{org}/secrets", list_secrets, methods=["GET"]),
    Route("/v1/secrets/{name}", get_secret, methods=["GET"]),
    Route("/v1/orgs/{org}/secrets/{name}", get_secret, methods=["GET"]),
    Route("/v1/secrets/{name}", put_secret, methods=["PUT"]),
    Route("/v1/orgs/{org}/secrets/{name}", put_secret, methods=["PUT"]),
    Route("/v1/secrets/{name}", delete_secret, methods=["DELETE"]),
    Route("/v1/orgs/{org}/secrets/{name}", delete_secret, methods=["DELETE"]),
]
