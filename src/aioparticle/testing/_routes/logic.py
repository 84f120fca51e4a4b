"""Logic: `/v1/logic/...` (the token's sandbox), `/v1/orgs/:org/logic/...` and
`/v1/products/:product/logic/...`: one-off executions, saved functions with their triggers,
their runs and logs, and their daily stats."""

from __future__ import annotations

from typing import Any, NamedTuple

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
    product_of,
    read_body,
)

__all__ = ["ROUTES"]

#: Keys of `logic_function` a create or an update may carry.
_FUNCTION_KEYS = ("name", "description", "enabled", "source", "logic_triggers", "api_username")


class Owner(NamedTuple):
    """Whose Logic a request reaches: a sandbox (`username`), an organization (`org_id`) or
    a product (`product_id`); `by` is the token's user."""

    username: str | None
    org_id: str | None
    by: str | None
    product_id: int | None = None

    @property
    def scope(self) -> dict[str, Any]:
        """The keywords of the state's Logic methods naming this owner."""
        return {"username": self.username, "org_id": self.org_id, "product_id": self.product_id}


def _owner(request: Request) -> Owner:
    """The token's sandbox, the path's organization if the token's user is a member or the
    token is one of its API users', or the path's product if the token may use it (404 or 403
    otherwise)."""
    if "product" in request.path_params:
        product, token = product_of(request)
        return Owner(None, None, token.username, product.id)
    token = authenticate(request)
    if "org" not in request.path_params:
        if token.username is None:
            raise denied(request)
        return Owner(token.username, None, token.username)
    try:
        org = cloud(request).org_for(token, request.path_params["org"])
    except Denied:
        raise denied(request) from None
    return Owner(None, org.id, token.username)


def _source(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_request("source must be an object: {type, code}")
    if value.get("type") != "JavaScript":
        raise bad_request("source.type must be JavaScript")
    code = value.get("code")
    if not isinstance(code, str) or not code.strip():
        raise bad_request("source.code is required")
    return value


def _function_fields(body: dict[str, Any], *, create: bool) -> dict[str, Any]:
    """The checked keys of the body's `logic_function` object."""
    wrapped = body.get("logic_function")
    if not isinstance(wrapped, dict):
        raise bad_request("logic_function is required")
    fields = {key: wrapped[key] for key in _FUNCTION_KEYS if key in wrapped}
    if create or "name" in fields:
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip():
            raise bad_request("name is required")
    if create or "source" in fields:
        fields["source"] = _source(fields.get("source"))
    if not isinstance(fields.get("description", ""), str):
        raise bad_request("description must be a string")
    if not isinstance(fields.get("enabled", True), bool):
        raise bad_request("enabled must be a boolean")
    if not isinstance(fields.get("api_username", ""), str):
        raise bad_request("api_username must be a string")
    triggers = fields.get("logic_triggers", [])
    if not isinstance(triggers, list) or not all(isinstance(t, dict) for t in triggers):
        raise bad_request("logic_triggers must be a list of objects")
    return fields


async def execute(request: Request) -> Response:
    owner = _owner(request)
    body = await read_body(request)
    event = body.get("event")
    if event is not None and not isinstance(event, dict):
        raise bad_request("event must be an object")
    api_username = body.get("api_username")
    if api_username is not None and not isinstance(api_username, str):
        raise bad_request("api_username must be a string")
    result = cloud(request).execute_logic(
        _source(body.get("source")),
        event,
        **owner.scope,
        api_username=api_username,
    )
    return json_response({"result": result})


async def list_functions(request: Request) -> Response:
    owner = _owner(request)
    today_stats = request.query_params.get("today_stats", "").lower() in ("true", "1")
    functions = cloud(request).list_logic_functions(**owner.scope, today_stats=today_stats)
    return json_response({"logic_functions": functions})


async def create_function(request: Request) -> Response:
    owner = _owner(request)
    fields = _function_fields(await read_body(request), create=True)
    created = cloud(request).add_logic_function(
        fields["name"],
        fields["source"],
        description=fields.get("description", ""),
        enabled=fields.get("enabled", True),
        triggers=fields.get("logic_triggers", []),
        api_username=fields.get("api_username"),
        **owner.scope,
        created_by=owner.by,
    )
    return json_response({"logic_function": created.json()})


async def get_function(request: Request) -> Response:
    owner = _owner(request)
    found = cloud(request).logic_function(request.path_params["function"], **owner.scope)
    return json_response({"logic_function": found.json()})


async def update_function(request: Request) -> Response:
    owner = _owner(request)
    fields = _function_fields(await read_body(request), create=False)
    updated = cloud(request).update_logic_function(
        request.path_params["function"],
        fields,
        **owner.scope,
        updated_by=owner.by,
    )
    return json_response({"logic_function": updated.json()})


async def delete_function(request: Request) -> Response:
    owner = _owner(request)
    cloud(request).delete_logic_function(request.path_params["function"], **owner.scope)
    return json_response({"ok": True})


async def get_stats(request: Request) -> Response:
    owner = _owner(request)
    stats = cloud(request).logic_function_stats(request.path_params["function"], **owner.scope)
    return json_response({"logic_function_stats": stats})


async def list_runs(request: Request) -> Response:
    owner = _owner(request)
    runs = cloud(request).list_logic_runs(request.path_params["function"], **owner.scope)
    return json_response({"logic_runs": runs})


async def get_run(request: Request) -> Response:
    owner = _owner(request)
    path = request.path_params
    run = cloud(request).get_logic_run(path["function"], path["run"], **owner.scope)
    return json_response({"logic_run": run})


async def get_run_logs(request: Request) -> Response:
    owner = _owner(request)
    path = request.path_params
    logs = cloud(request).get_logic_run_logs(path["function"], path["run"], **owner.scope)
    return json_response({"logs": logs})


ROUTES = [
    route
    for prefix in ("/v1/logic", "/v1/orgs/{org}/logic", "/v1/products/{product}/logic")
    for route in (
        Route(f"{prefix}/execute", execute, methods=["POST"]),
        Route(f"{prefix}/functions", list_functions, methods=["GET"]),
        Route(f"{prefix}/functions", create_function, methods=["POST"]),
        Route(f"{prefix}/functions/{{function}}", get_function, methods=["GET"]),
        Route(f"{prefix}/functions/{{function}}", update_function, methods=["PUT"]),
        Route(f"{prefix}/functions/{{function}}", delete_function, methods=["DELETE"]),
        Route(f"{prefix}/functions/{{function}}/stats", get_stats, methods=["GET"]),
        Route(f"{prefix}/functions/{{function}}/runs", list_runs, methods=["GET"]),
        Route(f"{prefix}/functions/{{function}}/runs/{{run}}", get_run, methods=["GET"]),
        Route(f"{prefix}/functions/{{function}}/runs/{{run}}/logs", get_run_logs, methods=["GET"]),
    )
]
