"""Integrations: `/v1/integrations` for the token's user, `/v1/products/:product/integrations`
and `/v1/orgs/:org/integrations`."""

from __future__ import annotations

from typing import NamedTuple

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import Denied
from ._common import (
    authenticate,
    bad_request,
    cloud,
    denied,
    json_response,
    read_body,
    scope_of,
)

__all__ = ["ROUTES"]


class _Scope(NamedTuple):
    owner: str | None
    product_id: int | None
    org_id: str | None


def _scope(request: Request) -> _Scope:
    """The user, product or organization of the path (404 unknown, 403 not theirs)."""
    if "org" not in request.path_params:
        token, product = scope_of(request)
        return _Scope(token.username, None if product is None else product.id, None)
    token = authenticate(request)
    state = cloud(request)
    ref = request.path_params["org"]
    try:
        state.org_product_ids(token.username, ref, org_id=token.org_id)
    except Denied:
        raise denied(request) from None
    org = state.find_org(ref)
    assert org is not None, "org_product_ids found it"
    return _Scope(token.username, None, org.id)


async def list_integrations(request: Request) -> Response:
    scope = _scope(request)
    return json_response(cloud(request).list_integrations(*scope))


async def create_integration(request: Request) -> Response:
    owner, product_id, org_id = _scope(request)
    body = await read_body(request)
    created = cloud(request).create_integration(owner, product_id, body, org_id)
    return json_response(created)


async def get_integration(request: Request) -> Response:
    owner, product_id, org_id = _scope(request)
    integration_id = request.path_params["integration"]
    found = cloud(request).get_integration(owner, product_id, integration_id, org_id)
    return json_response({"integration": found})


async def test_integration(request: Request) -> Response:
    """Deliver one test event: `data` (default `test-event`) from `device_id` (`api`)."""
    owner, product_id, _ = _scope(request)
    body = await read_body(request)
    data, device_id = body.get("data", "test-event"), body.get("device_id", "api")
    if not isinstance(data, str):
        raise bad_request("data must be a string")
    if not isinstance(device_id, str) or not device_id:
        raise bad_request("device_id must be a device id")
    result = await cloud(request).test_integration(
        owner, product_id, request.path_params["integration"], data=data, device_id=device_id
    )
    return json_response(result)


async def update_integration(request: Request) -> Response:
    owner, product_id, org_id = _scope(request)
    body = await read_body(request)
    integration_id = request.path_params["integration"]
    updated = cloud(request).update_integration(owner, product_id, integration_id, body, org_id)
    return json_response(updated)


async def delete_integration(request: Request) -> Response:
    owner, product_id, org_id = _scope(request)
    integration_id = request.path_params["integration"]
    cloud(request).delete_integration(owner, product_id, integration_id, org_id)
    return json_response({"ok": True})


_PREFIXES = ("/v1", "/v1/products/{product}", "/v1/orgs/{org}")

ROUTES = (
    [
        Route(f"{prefix}/integrations", handler, methods=[method])
        for prefix in _PREFIXES
        for handler, method in ((list_integrations, "GET"), (create_integration, "POST"))
    ]
    + [
        Route(f"{prefix}/integrations/{{integration}}", handler, methods=[method])
        for prefix in _PREFIXES
        for handler, method in (
            (get_integration, "GET"),
            (update_integration, "PUT"),
            (delete_integration, "DELETE"),
        )
    ]
    + [
        Route(f"{prefix}/integrations/{{integration}}/test", test_integration, methods=["POST"])
        for prefix in _PREFIXES[:2]
    ]
)
