"""Ledgers: `/v1/ledgers` (the sandbox), `/v1/orgs/:org/ledgers` and
`/v1/products/:product/ledgers`, their instances and the instances' versions."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state.auth import Token
from .._state.ledgers import LedgerSpace, ProductLedgers
from ._common import (
    authenticate,
    bad_request,
    cloud,
    json_response,
    page_meta,
    paging,
    product_of,
    read_body,
)

__all__ = ["ROUTES"]

#: Ledgers and instances a page lists when the request does not say.
DEFAULT_PER_PAGE = 100


def _caller(request: Request) -> tuple[Token, LedgerSpace]:
    """The request's token and the organization of the path, or its product (if the token
    may use it); None: the sandbox."""
    if "product" in request.path_params:
        product, token = product_of(request)
        return token, ProductLedgers(product.id)
    return authenticate(request), request.path_params.get("org")


def _wrapped(body: dict[str, Any], key: str) -> dict[str, Any]:
    """The object a body wraps under `key` (`{"ledger": {...}}`)."""
    inner = body.get(key)
    if not isinstance(inner, dict):
        raise bad_request(f"{key} must be an object")
    return inner


def _flag(request: Request, name: str) -> bool | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if value not in ("true", "false"):
        raise bad_request(f"{name} must be true or false")
    return value == "true"


async def list_ledgers(request: Request) -> Response:
    token, org = _caller(request)
    page, per_page = paging(request.query_params, default=DEFAULT_PER_PAGE)
    rows, total = cloud(request).list_ledgers(
        token,
        org,
        scope=request.query_params.get("scope") or None,
        archived=_flag(request, "archived"),
        page=page,
        per_page=per_page,
    )
    return json_response({"ledger_definitions": rows, "meta": page_meta(page, per_page, total)})


async def create_ledger(request: Request) -> Response:
    token, org = _caller(request)
    fields = _wrapped(await read_body(request), "ledger")
    return json_response(cloud(request).create_ledger(token, org, fields), 201)


async def get_ledger(request: Request) -> Response:
    token, org = _caller(request)
    return json_response(cloud(request).get_ledger(token, org, request.path_params["ledger"]))


async def update_ledger(request: Request) -> Response:
    token, org = _caller(request)
    fields = _wrapped(await read_body(request), "ledger")
    ledger = cloud(request).update_ledger(token, org, request.path_params["ledger"], fields)
    return json_response(ledger)


async def archive_ledger(request: Request) -> Response:
    token, org = _caller(request)
    cloud(request).archive_ledger(token, org, request.path_params["ledger"])
    return json_response({"ok": True})


async def list_instances(request: Request) -> Response:
    token, org = _caller(request)
    page, per_page = paging(request.query_params, default=DEFAULT_PER_PAGE)
    rows, total = cloud(request).list_ledger_instances(
        token, org, request.path_params["ledger"], page=page, per_page=per_page
    )
    return json_response({"instances": rows, "meta": page_meta(page, per_page, total)})


async def get_instance(request: Request) -> Response:
    token, org = _caller(request)
    path = request.path_params
    instance = cloud(request).get_ledger_instance(token, org, path["ledger"], path["scope_value"])
    return json_response(instance)


async def set_instance(request: Request) -> Response:
    """Store `instance.data`; `set_mode` (`Replace` or `Merge`) travels in the query."""
    token, org = _caller(request)
    path = request.path_params
    instance = _wrapped(await read_body(request), "instance")
    if "data" not in instance:
        raise bad_request("instance.data is required")
    stored = cloud(request).set_ledger_instance(
        token,
        org,
        path["ledger"],
        path["scope_value"],
        instance["data"],
        set_mode=request.query_params.get("set_mode") or None,
    )
    return json_response(stored)


async def delete_instance(request: Request) -> Response:
    token, org = _caller(request)
    path = request.path_params
    cloud(request).delete_ledger_instance(token, org, path["ledger"], path["scope_value"])
    return json_response({"ok": True})


async def list_versions(request: Request) -> Response:
    token, org = _caller(request)
    path, query = request.path_params, request.query_params
    versions = cloud(request).list_ledger_versions(
        token,
        org,
        path["ledger"],
        path["scope_value"],
        replaced_before=query.get("replaced_before"),
        replaced_after=query.get("replaced_after"),
    )
    return json_response(versions)


async def get_version(request: Request) -> Response:
    token, org = _caller(request)
    path = request.path_params
    version = cloud(request).get_ledger_version(
        token, org, path["ledger"], path["scope_value"], path["version"]
    )
    return json_response(version)


ROUTES = [
    route
    for prefix in ("/v1/ledgers", "/v1/orgs/{org}/ledgers", "/v1/products/{product}/ledgers")
    for route in (
        Route(prefix, list_ledgers, methods=["GET"]),
        Route(prefix, create_ledger, methods=["POST"]),
        Route(f"{prefix}/{{ledger}}", get_ledger, methods=["GET"]),
        Route(f"{prefix}/{{ledger}}", update_ledger, methods=["PUT"]),
        Route(f"{prefix}/{{ledger}}", archive_ledger, methods=["DELETE"]),
        Route(f"{prefix}/{{ledger}}/instances", list_instances, methods=["GET"]),
        Route(f"{prefix}/{{ledger}}/instances/{{scope_value}}", get_instance, methods=["GET"]),
        Route(f"{prefix}/{{ledger}}/instances/{{scope_value}}", set_instance, methods=["PUT"]),
        Route(
            f"{prefix}/{{ledger}}/instances/{{scope_value}}", delete_instance, methods=["DELETE"]
        ),
        Route(
            f"{prefix}/{{ledger}}/instances/{{scope_value}}/versions",
            list_versions,
            methods=["GET"],
        ),
        Route(
            f"{prefix}/{{ledger}}/instances/{{scope_value}}/versions/{{version}}",
            get_version,
            methods=["GET"],
        ),
    )
]
