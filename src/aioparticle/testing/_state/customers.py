"""Customers of products: their accounts, their tokens (`scope=customer=<email>`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._base import NotFound, Refused, utcnow
from .auth import AuthMixin, OAuthClient, OAuthRefused
from .devices import DevicesMixin
from .products import FakeProduct

__all__ = ["CustomersMixin", "FakeCustomer"]

#: Lifetime of a customer's token unless the request asks for another: 90 days.
CUSTOMER_TOKEN_LIFETIME = 7_776_000


@dataclass
class FakeCustomer:
    """A customer of a product: an end user owning some of its devices (`owner` = the
    e-mail). `password` is `None` for a customer made with `no_password` (a shadow customer)."""

    id: str
    email: str
    product_id: int
    password: str | None = None
    full_name: str | None = None
    created_at: datetime = field(default_factory=utcnow)


class CustomersMixin(AuthMixin, DevicesMixin):
    """Customers of products, by `(product id, e-mail)` in `customers`.

    A customer is created with the product's OAuth client (or a team member's token) and gets
    a token whose user is their e-mail: it reaches the devices the customer owns. A product
    client mints more with the client-credentials grant and `scope=customer=<email>`.
    Deleting a customer revokes their tokens.
    """

    def __init__(self) -> None:
        super().__init__()
        self.customers: dict[tuple[int, str], FakeCustomer] = {}

    def add_customer(
        self,
        product: int | str | FakeProduct,
        email: str,
        password: str | None = None,
        *,
        full_name: str | None = None,
    ) -> FakeCustomer:
        """Seed a customer of `product` (`password=None`: a customer without one)."""
        with self.lock:
            found = self._product(product)
            customer = FakeCustomer(
                self._hex_id("customer"), email, found.id, password, full_name=full_name
            )
            self.customers[(found.id, email)] = customer
            return customer

    def find_customer(self, product: FakeProduct, email: str) -> FakeCustomer | None:
        with self.lock:
            return self.customers.get((product.id, email))

    def create_customer(
        self, product: FakeProduct, email: str, password: str | None, *, client_id: str | None
    ) -> dict[str, Any]:
        """Create a customer and answer with their token body. Raises `Refused` when the
        customer exists."""
        with self.lock:
            if (product.id, email) in self.customers:
                raise Refused("Customer already exists")
            self.add_customer(product, email, password)
            return self._customer_token_body(product.id, email, CUSTOMER_TOKEN_LIFETIME, client_id)

    def customers_page(
        self, product: FakeProduct, page: int, per_page: int
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
        """Page `page` of the product's customers (oldest first), the devices they own, and
        how many customers there are."""
        with self.lock:
            everyone = sorted(
                (c for c in self.customers.values() if c.product_id == product.id),
                key=lambda c: (c.created_at, c.id),
            )
            chosen = everyone[(page - 1) * per_page : page * per_page]
            customers: list[dict[str, Any]] = []
            devices: list[dict[str, Any]] = []
            for customer in chosen:
                owned = [
                    d
                    for d in self.devices.values()
                    if d.product_id == product.id and d.owner == customer.email
                ]
                body: dict[str, Any] = {
                    "id": customer.id,
                    "username": customer.email,
                    "devices": [d.id for d in owned],
                }
                if customer.full_name is not None:
                    body["full_name"] = customer.full_name
                customers.append(body)
                devices.extend(
                    {
                        "id": d.id,
                        "product_id": d.product_id,
                        "last_ip_address": "127.0.0.1" if d.online else None,
                        "firmware_version": d.firmware_version,
                        "online": d.online,
                    }
                    for d in owned
                )
            return customers, devices, len(everyone)

    def delete_customer(self, product: FakeProduct, email: str) -> None:
        """Forget a customer and revoke their tokens. Raises `NotFound`."""
        with self.lock:
            if self.customers.pop((product.id, email), None) is None:
                raise NotFound("Customer not found")
            for token in [
                t
                for t, record in self.tokens.items()
                if record.customer_of == product.id and record.username == email
            ]:
                del self.tokens[token]

    def set_customer_password(self, product: FakeProduct, email: str, password: str) -> None:
        """Change a customer's password. Raises `NotFound`, or `Refused` for a customer made
        without a password."""
        with self.lock:
            customer = self.customers.get((product.id, email))
            if customer is None:
                raise NotFound("Customer not found")
            if customer.password is None:
                raise Refused("This customer has no password (created with no_password)")
            customer.password = password

    def _customer_grant(
        self, client: OAuthClient, client_id: str | None, email: str, expires_in: int
    ) -> dict[str, Any]:
        if client.product_id is None:
            raise OAuthRefused(
                400, "invalid_scope", "Only a product's OAuth client may act as a customer"
            )
        if (client.product_id, email) not in self.customers:
            raise OAuthRefused(400, "invalid_scope", "No such customer of this product")
        return self._customer_token_body(client.product_id, email, expires_in, client_id)

    def _customer_token_body(
        self, product_id: int, email: str, expires_in: int, client_id: str | None
    ) -> dict[str, Any]:
        body = self._token_body(email, None, expires_in, client_id, scope=f"customer={email}")
        self.tokens[body["access_token"]].customer_of = product_id
        return body
