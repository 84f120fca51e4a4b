"""Bearer-token authentication for requests to the Particle Cloud."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from ._exceptions import InvalidArgumentError

__all__ = ["BearerAuth", "check_token"]


def check_token(token: object) -> str:
    """Check that an access token can be sent as a header value; never echo it."""
    if not isinstance(token, str):
        raise InvalidArgumentError(f"access_token must be a str, got {type(token).__name__}")
    if not token or token != token.strip() or any(ord(c) < 0x21 or ord(c) > 0x7E for c in token):
        raise InvalidArgumentError("access_token must be non-empty printable ASCII without spaces")
    return token


class BearerAuth(httpx.Auth):
    """Send the access token in the `Authorization: Bearer` header, and nowhere else."""

    requires_request_body = False
    requires_response_body = False

    __slots__ = ("_header",)

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {check_token(token)}"

    @property
    def token(self) -> str:
        return self._header[7:]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(token='***')"
