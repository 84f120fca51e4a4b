"""Product customers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._parsing import parse_model
from ..models.auth import AccessToken
from ._base import Resource
from ._checks import short_text

if TYPE_CHECKING:
    from ..types import ProductRef

__all__ = ["Customers"]

_parse_token = parse_model(AccessToken)


class Customers(Resource):
    """Customers of a product: the end users who own its devices."""

    __slots__ = ()

    async def create(self, email: str, password: str, *, product: ProductRef) -> AccessToken:
        """Create a customer and return their access token.

        Authenticates with the client's OAuth client pair (`client_id`/`client_secret`, which
        must be a client of this product), sent in the form body; no bearer token is sent.
        """
        prefix = self._product_prefix(product)
        form = {
            "email": short_text(email, "email", max_length=254),
            "password": short_text(password, "password", max_length=1024),
            "grant_type": "client_credentials",
        }
        return await self._request(
            "POST",
            f"{prefix}/customers",
            data=form,
            parse=_parse_token,
            auth="client",
            secrets=(form["password"],),
        )
