"""OAuth: `POST /oauth/token` (password, MFA one-time code and client-credentials grants)."""

from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import OAuthRefused
from ._common import HttpError, cloud, content_type, json_response, read_body

__all__ = ["ROUTES", "oauth_error"]


def oauth_error(refused: OAuthRefused) -> HttpError:
    """The answer to a refusal in OAuth's words, with `Retry-After` when locked out."""
    headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
    return HttpError(refused.status, refused.body(), headers)


async def oauth_token(request: Request) -> Response:
    if content_type(request) != "application/x-www-form-urlencoded":
        raise HttpError(
            400, {"error": "invalid_request", "error_description": "Body must be form-encoded"}
        )
    form = {key: str(value) for key, value in (await read_body(request)).items()}
    client_id, client_secret = form.pop("client_id", None), form.pop("client_secret", None)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except ValueError:
            decoded = ":"
        client_id, _, client_secret = decoded.partition(":")
    source = request.client.host if request.client else "unknown"
    try:
        body = cloud(request).grant_token(form, client_id, client_secret, source)
    except OAuthRefused as refused:
        raise oauth_error(refused) from None
    return json_response(body)


ROUTES = [Route("/oauth/token", oauth_token, methods=["POST"])]
