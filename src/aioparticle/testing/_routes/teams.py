"""Teams: `/v1/products/:product/team` and `/v1/orgs/:org/team`, people and API users."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import Denied
from .._state.teams import Team
from ._common import authenticate, bad_request, cloud, denied, json_response, product_of, read_body

__all__ = ["ROUTES"]


def _team(request: Request) -> Team:
    """The product or organization of the path, if the request's token may use it."""
    if "product" in request.path_params:
        product, _ = product_of(request)
        return product
    token = authenticate(request)
    try:
        return cloud(request).org_for(token, request.path_params["org"])
    except Denied:
        raise denied(request) from None


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{key} must be a non-empty string")
    return value


def _scopes(body: dict[str, Any]) -> list[str] | None:
    scopes = body.get("scopes")
    if scopes is None:
        return None
    if (
        not isinstance(scopes, list)
        or not scopes
        or not all(isinstance(s, str) and s.strip() for s in scopes)
    ):
        raise bad_request("scopes must be a non-empty list of scope names")
    return scopes


async def list_team(request: Request) -> Response:
    team = _team(request)
    return json_response({"ok": True, "team": cloud(request).list_team(team)})


async def add_to_team(request: Request) -> Response:
    """Invite a person (`username`, `role`), or create an API user (`friendly_name`,
    `scopes`): the body's keys say which."""
    team = _team(request)
    body = await read_body(request)
    if "friendly_name" in body or "scopes" in body:
        friendly_name, scopes = _text(body, "friendly_name"), _scopes(body)
        if friendly_name is None or scopes is None:
            raise bad_request("friendly_name and scopes are required")
        created = cloud(request).create_api_user(team, friendly_name, scopes)
        return json_response({"ok": True, "created": created})
    username = body.get("username")
    if not isinstance(username, str) or not username.strip():
        raise bad_request("username is required")
    cloud(request).invite_member(team, username, _text(body, "role"))
    return json_response({"ok": True, "invited": {"username": username}})


async def update_member(request: Request) -> Response:
    """Rename an API user or change its scopes; or give a person another role."""
    team = _team(request)
    body = await read_body(request)
    updated = cloud(request).update_team_member(
        team,
        request.path_params["username"],
        friendly_name=_text(body, "friendly_name"),
        scopes=_scopes(body),
        role=_text(body, "role"),
    )
    return json_response({"ok": True, "updated": updated})


async def regenerate_token(request: Request) -> Response:
    team = _team(request)
    updated = cloud(request).regenerate_api_user_token(team, request.path_params["username"])
    return json_response({"ok": True, "updated": updated})


async def remove_member(request: Request) -> Response:
    team = _team(request)
    cloud(request).remove_member(team, request.path_params["username"])
    return json_response({"ok": True})


# ".../token" comes before the "{username:path}" routes, which would take it as a username
ROUTES = [
    route
    for prefix in ("/v1/products/{product}/team", "/v1/orgs/{org}/team")
    for route in (
        Route(prefix, list_team, methods=["GET"]),
        Route(prefix, add_to_team, methods=["POST"]),
        Route(f"{prefix}/{{username}}/token", regenerate_token, methods=["PUT"]),
        Route(f"{prefix}/{{username:path}}", update_member, methods=["PUT"]),
        Route(f"{prefix}/{{username:path}}", remove_member, methods=["DELETE"]),
    )
]
