"""Product customers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .._auth import TOKEN_PATH
from .._exceptions import InvalidArgumentError
from .._pagination import AsyncPaginator, page_parser
from .._parsing import parse_ack, parse_model
from .._paths import segment
from ..models.auth import AccessToken
from ..models.customers import Customer
from ._base import Resource
from ._checks import flag, iso_datetime, short_text

if TYPE_CHECKING:
    from ..types import ProductRef

__all__ = ["Customers"]

#: Longest e-mail address accepted (RFC 5321).
MAX_EMAIL_LENGTH = 254
#: Longest password accepted.
MAX_PASSWORD_LENGTH = 1024

_parse_token = parse_model(AccessToken)
_parse_customer_page = page_parser(Customer, "customers", keep=("devices",))


def _email(email: object) -> str:
    return short_text(email, "email", max_length=MAX_EMAIL_LENGTH)


def _email_segment(email: object) -> str:
    """The e-mail as one path segment (`+` and `@` percent-encoded)."""
    return segment(email, "email", max_length=MAX_EMAIL_LENGTH)


def _password(password: object) -> str:
    return short_text(password, "password", max_length=MAX_PASSWORD_LENGTH)


class Customers(Resource):
    """Customers of a product: the end users who own its devices.

    `create` and `create_token` authenticate with the client's OAuth client pair
    (`client_id`/`client_secret`, which must be a client of the product), sent in the form
    body; the other calls use the access token of a team member (or of the product).
    """

    __slots__ = ()

    async def create(
        self,
        email: str,
        password: str | None = None,
        *,
        product: ProductRef,
        no_password: bool = False,
    ) -> AccessToken:
        """Create a customer and return their access token.

        Pass a `password`, or `no_password=True` for a customer without one (a "shadow"
        customer, who only ever gets tokens from `create_token`). Authenticates with the
        client's OAuth client pair, sent in the form body; no bearer token is sent. Not
        retried once sent.
        """
        prefix = self._product_prefix(product)
        form = {"email": _email(email)}
        if flag(no_password, "no_password"):
            if password is not None:
                raise InvalidArgumentError("pass a password or no_password=True, not both")
            form["no_password"] = "true"  # noqa: S105 - a flag, not a password
        elif password is None:
            raise InvalidArgumentError(
                "customers.create() needs a password, or no_password=True for a customer "
                "without one"
            )
        else:
            form["password"] = _password(password)
        form["grant_type"] = "client_credentials"
        return await self._request(
            "POST",
            f"{prefix}/customers",
            data=form,
            parse=_parse_token,
            auth="client",
            secrets=(form["password"],) if "password" in form else (),
        )

    def list(
        self, *, product: ProductRef, page: int | None = None, per_page: int | None = None
    ) -> AsyncPaginator[Customer]:
        """The product's customers, page by page.

        Each page also keeps the devices the cloud describes beside them (id, product,
        firmware version, online) in `page.extra["devices"]`, as sent. The cloud's reference
        documents no paging parameters for this listing: `page` and `per_page` are sent as
        for every other listing.
        """
        path = f"{self._product_prefix(product)}/customers"
        return self._paginate(path, _parse_customer_page, page=page, per_page=per_page)

    async def delete(self, email: str, *, product: ProductRef) -> None:
        """Delete a customer; the cloud also revokes their access tokens and pending claim
        codes."""
        path = f"{self._product_prefix(product)}/customers/{_email_segment(email)}"
        await self._request("DELETE", path, parse=parse_ack)

    async def set_password(self, email: str, password: str, *, product: ProductRef) -> None:
        """Set a customer's password (not for a customer created without one). Needs a team
        member's (or the product's) token, not the customer's."""
        path = f"{self._product_prefix(product)}/customers/{_email_segment(email)}"
        value = _password(password)
        await self._request(
            "PUT", path, json={"password": value}, parse=parse_ack, secrets=(value,)
        )

    async def create_token(
        self,
        email: str,
        *,
        expires_in: int | None = None,
        expires_at: datetime | str | None = None,
    ) -> AccessToken:
        """Mint an access token acting as a customer (by e-mail) of the product whose OAuth
        client the client is configured with (`client_id`/`client_secret`, in the form body).

        `expires_in`: the lifetime in seconds (`0`: never expires); `expires_at`: an aware
        `datetime` or an ISO 8601 string. Like a login, never retried once sent.
        """
        form = {"grant_type": "client_credentials", "scope": f"customer={_email(email)}"}
        if expires_in is not None:
            if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in < 0:
                raise InvalidArgumentError(
                    f"expires_in must be an int >= 0 (seconds; 0: never expires), got "
                    f"{expires_in!r}"
                )
            form["expires_in"] = str(expires_in)
        if expires_at is not None:
            form["expires_at"] = iso_datetime(expires_at, "expires_at")
        return await self._request(
            "POST",
            TOKEN_PATH,
            data=form,
            parse=_parse_token,
            auth="client",
            idempotent=False,
        )
