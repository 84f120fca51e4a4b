"""The current user: `/v1/user` (profile, username, password, MFA, deletion, identity), and
sign-up (`/v1/users`), verification and password resets, which need no token."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._common import authenticate, bad_request, cloud, json_response, read_body

__all__ = ["ROUTES"]

_OK = {"ok": True}


def _username(request: Request) -> str | None:
    """The account of the request's token (401 without a valid token)."""
    return authenticate(request).username


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None or value == "":
        raise bad_request(f"{key} is required")
    if not isinstance(value, str):
        raise bad_request(f"{key} must be a string")
    return value


def _flag(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise bad_request(f"{key} must be a boolean")
    return value


def _object(body: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is not None and not isinstance(value, dict):
        raise bad_request(f"{key} must be an object")
    return value


async def get_user(request: Request) -> Response:
    return json_response(cloud(request).user_info(_username(request)))


async def update_user(request: Request) -> Response:
    """`PUT /v1/user`: the keys of the body say what changes (username, password, profile)."""
    username = _username(request)
    body = await read_body(request)
    state = cloud(request)
    if "username" in body:
        state.change_username(
            username,
            _text(body, "username"),
            _text(body, "current_password"),
            invalidate_tokens=_flag(body, "invalidate_tokens"),
        )
        return json_response(_OK)
    if "password" in body:
        state.change_password(
            username,
            _text(body, "password"),
            _text(body, "current_password"),
            invalidate_tokens=_flag(body, "invalidate_tokens"),
        )
        return json_response(_OK)
    info = _object(body, "account_info")
    if info is None:
        raise bad_request("Nothing to change: send account_info, username or password")
    return json_response(state.update_account_info(username, info))


async def delete_user(request: Request) -> Response:
    username = _username(request)
    body = await read_body(request)
    cloud(request).delete_account(username, _text(body, "password"))
    return json_response(_OK)


async def identify(request: Request) -> Response:
    full = request.query_params.get("tracking") in (None, "", "0", "false")
    return json_response(cloud(request).tracking_identity(_username(request), full=full))


async def create_user(request: Request) -> Response:
    body = await read_body(request)
    utm = _object(body, "utm")
    if utm is not None and not all(isinstance(v, str) for v in utm.values()):
        raise bad_request("utm values must be strings")
    cloud(request).sign_up(
        _text(body, "username"),
        _text(body, "password"),
        account_info=_object(body, "account_info"),
        utm=utm,
    )
    return json_response(_OK)


async def verify_user(request: Request) -> Response:
    body = await read_body(request)
    cloud(request).verify_account(_text(body, "token"))
    return json_response(_OK)


async def reset_password(request: Request) -> Response:
    body = await read_body(request)
    cloud(request).request_password_reset(_text(body, "username"))
    return json_response(_OK)


async def begin_mfa(request: Request) -> Response:
    return json_response(cloud(request).begin_mfa(_username(request)))


async def confirm_mfa(request: Request) -> Response:
    username = _username(request)
    body = await read_body(request)
    confirmed = cloud(request).confirm_mfa(
        username,
        _text(body, "mfa_token"),
        _text(body, "otp"),
        invalidate_tokens=_flag(body, "invalidate_tokens"),
    )
    return json_response(confirmed)


async def disable_mfa(request: Request) -> Response:
    username = _username(request)
    body = await read_body(request)
    cloud(request).disable_mfa(username, _text(body, "current_password"))
    return json_response(_OK)


ROUTES = [
    Route("/v1/user", get_user, methods=["GET"]),
    Route("/v1/user", update_user, methods=["PUT"]),
    Route("/v1/user", delete_user, methods=["DELETE"]),
    Route("/v1/user/identify", identify, methods=["GET"]),
    Route("/v1/user/mfa-enable", begin_mfa, methods=["GET"]),
    Route("/v1/user/mfa-enable", confirm_mfa, methods=["POST"]),
    Route("/v1/user/mfa-disable", disable_mfa, methods=["PUT"]),
    Route("/v1/users", create_user, methods=["POST"]),
    Route("/v1/user/verify", verify_user, methods=["POST"]),
    Route("/v1/user/password-reset", reset_password, methods=["POST"]),
]
