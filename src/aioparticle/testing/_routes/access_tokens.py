"""Access tokens: describe the current one, list an account's (HTTP Basic), revoke."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import OAuthRefused
from ._common import HttpError, authenticate, cloud, json_response
from .auth import oauth_error

__all__ = ["ROUTES"]


def _current(request: Request) -> str:
    authenticate(request)
    return request.headers["authorization"].partition(" ")[2].strip()


async def get_current(request: Request) -> Response:
    return json_response(cloud(request).token_info(_current(request)))


async def delete_current(request: Request) -> Response:
    cloud(request).revoke(_current(request))
    return json_response({"ok": True})


async def delete_token(request: Request) -> Response:
    caller = authenticate(request)
    state = cloud(request)
    target = request.path_params["token"]
    record = state.lookup_token(target)
    if record is None or (record.username, record.product_id) != (
        caller.username,
        caller.product_id,
    ):
        raise HttpError(404, {"ok": False, "error": "Access token not found"})
    state.revoke(target)
    return json_response({"ok": True})


async def delete_all(request: Request) -> Response:
    caller = authenticate(request)
    if caller.username is None:
        raise HttpError(400, {"ok": False, "error": "Only an account's tokens can be revoked"})
    cloud(request).revoke_all(caller.username)
    return json_response({"ok": True})


async def list_tokens(request: Request) -> Response:
    state = cloud(request)
    try:
        username = state.basic_user(
            request.headers.get("authorization", ""), request.query_params.get("otp")
        )
    except OAuthRefused as refused:
        raise oauth_error(refused) from None
    return json_response(state.tokens_of(username))


#: "current" before "{token}": the literal segment is not a token.
ROUTES = [
    Route("/v1/access_tokens/current", get_current, methods=["GET"]),
    Route("/v1/access_tokens/current", delete_current, methods=["DELETE"]),
    Route("/v1/access_tokens/{token}", delete_token, methods=["DELETE"]),
    Route("/v1/access_tokens", list_tokens, methods=["GET"]),
    Route("/v1/access_tokens", delete_all, methods=["DELETE"]),
]
