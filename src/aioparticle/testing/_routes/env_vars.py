"""Environment variables: `/v1/env` (the sandbox), `/v1/env/:device`,
`/v1/products/:product/env` and `/v1/orgs/:org/env`, each with `render` and `rollout`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import Denied, EnvScopeKey, Token
from ._common import authenticate, cloud, denied, json_response, read_body, scope_of

__all__ = ["ROUTES"]


def _scope(request: Request) -> tuple[EnvScopeKey, Token]:
    """The scope of the path, if the request's token may use it, and the token."""
    params = request.path_params
    state = cloud(request)
    if "product" in params:
        token, product = scope_of(request)
        assert product is not None
        return state.env_product_scope(product), token
    token = authenticate(request)
    try:
        if "org" in params:
            return state.env_org_scope(token, params["org"]), token
        if "device" in params:
            return state.env_device_scope(token, params["device"]), token
        return state.env_sandbox_scope(token), token
    except Denied:
        raise denied(request) from None


async def list_env(request: Request) -> Response:
    scope, _ = _scope(request)
    return json_response(cloud(request).env_json(scope))


async def set_env(request: Request) -> Response:
    scope, token = _scope(request)
    body = await read_body(request)
    updated = cloud(request).set_env_var(
        scope, request.path_params["key"], body.get("value"), username=token.username
    )
    return json_response(updated)


async def delete_env(request: Request) -> Response:
    scope, token = _scope(request)
    updated = cloud(request).delete_env_var(
        scope, request.path_params["key"], username=token.username
    )
    return json_response(updated)


async def update_env(request: Request) -> Response:
    scope, token = _scope(request)
    body = await read_body(request)
    updated = cloud(request).update_env_vars(scope, body.get("ops"), username=token.username)
    return json_response(updated)


async def render_env(request: Request) -> Response:
    scope, _ = _scope(request)
    return json_response(cloud(request).render_env(scope))


async def review_rollout(request: Request) -> Response:
    scope, _ = _scope(request)
    return json_response(cloud(request).review_env_rollout(scope))


async def start_rollout(request: Request) -> Response:
    scope, token = _scope(request)
    body = await read_body(request)
    cloud(request).start_env_rollout(scope, body.get("when"), username=token.username)
    return json_response({"success": True})


# Each scope's literal "render" and "rollout" come before its "{key}"; the sandbox's come before
# "/v1/env/{device}", which would take them for a device.
ROUTES = [
    route
    for base in ("/v1/env", "/v1/env/{device}", "/v1/products/{product}/env", "/v1/orgs/{org}/env")
    for route in (
        Route(base, list_env, methods=["GET"]),
        Route(base, update_env, methods=["PATCH"]),
        Route(f"{base}/render", render_env, methods=["GET"]),
        Route(f"{base}/rollout", review_rollout, methods=["GET"]),
        Route(f"{base}/rollout", start_rollout, methods=["POST"]),
        Route(f"{base}/{{key}}", set_env, methods=["PUT"]),
        Route(f"{base}/{{key}}", delete_env, methods=["DELETE"]),
    )
]
