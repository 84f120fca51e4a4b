"""OAuth clients of the account or of a product."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .._exceptions import InvalidArgumentError
from .._parsing import parse_ack, parse_unwrapped
from .._paths import scope_prefix, segment
from ..models.auth import OAuthClient, OAuthClientWithSecret
from ._base import Resource
from ._checks import short_text

if TYPE_CHECKING:
    from ..types import JSONValue, ProductRef

__all__ = ["OAuthClients"]

#: Longest client name, redirect URI and scope accepted.
MAX_NAME_LENGTH = 256
MAX_URI_LENGTH = 2048
MAX_SCOPE_LENGTH = 1024
CLIENT_TYPES = ("installed", "web")

_parse_clients = parse_unwrapped(list[OAuthClient], "clients")
_parse_client = parse_unwrapped(OAuthClient, "client")
_parse_new_client = parse_unwrapped(OAuthClientWithSecret, "client")


def _client_path(client_id: object, product: ProductRef | None) -> str:
    return f"{scope_prefix(product)}/clients/{segment(client_id, 'client_id')}"


class OAuthClients(Resource):
    """OAuth clients: what a server or an app uses to mint tokens (client credentials,
    customer tokens). Each call takes `product=` for a product's clients."""

    __slots__ = ()

    async def list(self, *, product: ProductRef | None = None) -> list[OAuthClient]:
        """Every OAuth client (their secrets are never listed)."""
        return await self._request("GET", f"{scope_prefix(product)}/clients", _parse_clients)

    async def create(
        self,
        name: str,
        type: Literal["installed", "web"],
        *,
        redirect_uri: str | None = None,
        scope: str | None = None,
        product: ProductRef | None = None,
    ) -> OAuthClientWithSecret:
        """Create an OAuth client. Its `secret` is returned here only, once, as a `SecretStr`
        (an answer without it is an `APIResponseValidationError`).

        `type` is `"installed"` (an app or script) or `"web"` (a server with a
        `redirect_uri`, which only a web client takes). Not retried once sent.
        """
        if type not in CLIENT_TYPES:
            raise InvalidArgumentError(f"type must be 'installed' or 'web', got {type!r}")
        body: dict[str, JSONValue] = {
            "name": short_text(name, "name", max_length=MAX_NAME_LENGTH),
            "type": type,
        }
        if redirect_uri is not None:
            if type != "web":
                raise InvalidArgumentError("redirect_uri is only for a 'web' client")
            body["redirect_uri"] = short_text(
                redirect_uri, "redirect_uri", max_length=MAX_URI_LENGTH
            )
        if scope is not None:
            body["scope"] = short_text(scope, "scope", max_length=MAX_SCOPE_LENGTH)
        return await self._request(
            "POST", f"{scope_prefix(product)}/clients", _parse_new_client, json=body
        )

    async def update(
        self,
        client_id: str,
        *,
        name: str | None = None,
        scope: str | None = None,
        product: ProductRef | None = None,
    ) -> OAuthClient:
        """Rename a client and/or change the scope of the tokens it mints."""
        body: dict[str, JSONValue] = {}
        if name is not None:
            body["name"] = short_text(name, "name", max_length=MAX_NAME_LENGTH)
        if scope is not None:
            body["scope"] = short_text(scope, "scope", max_length=MAX_SCOPE_LENGTH)
        path = _client_path(client_id, product)
        if not body:
            raise InvalidArgumentError("oauth_clients.update() needs name= or scope=")
        return await self._request("PUT", path, _parse_client, json=body)

    async def delete(self, client_id: str, *, product: ProductRef | None = None) -> None:
        """Delete a client: tokens it minted stop working when they expire."""
        await self._request("DELETE", _client_path(client_id, product), parse_ack)
