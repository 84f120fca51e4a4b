"""OAuth: `POST /oauth/token`, the password and client-credentials grants."""

from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._common import HttpError, cloud, content_type, json_response, read_body

__all__ = ["ROUTES"]

_DEFAULT_EXPIRES_IN = 7776000


async def oauth_token(request: Request) -> Response:
    if content_type(request) != "application/x-www-form-urlencoded":
        raise HttpError(
            400, {"error": "invalid_request", "error_description": "Body must be form-encoded"}
        )
    form = await read_body(request)
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except ValueError:
            decoded = ":"
        client_id, _, client_secret = decoded.partition(":")
    state = cloud(request)
    client = state.authenticate_client(client_id, client_secret)
    if client is None:
        raise HttpError(
            401, {"error": "invalid_client", "error_description": "Client authentication failed"}
        )
    grant = form.get("grant_type")
    expires_in = int(form.get("expires_in") or _DEFAULT_EXPIRES_IN)
    if grant == "password":
        username = form.get("username")
        if not state.check_password(username, form.get("password")):
            raise HttpError(
                400, {"error": "invalid_grant", "error_description": "User credentials are invalid"}
            )
        token = state.issue_token(username, expires_in=expires_in or None)
    elif grant == "client_credentials":
        token = state.issue_token(None, product_id=client.product_id, expires_in=expires_in)
    else:
        raise HttpError(
            400,
            {
                "error": "unsupported_grant_type",
                "error_description": f"Unsupported grant type: {grant}",
            },
        )
    return json_response(
        {
            "token_type": "bearer",
            "access_token": token,
            "expires_in": expires_in,
            "refresh_token": state.issue_token(None, expires_in=1),
        }
    )


ROUTES = [Route("/oauth/token", oauth_token, methods=["POST"])]
