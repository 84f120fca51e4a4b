"""Organizations as their members see them, and product creation (in a sandbox or an
organization). The records (`FakeOrg`, `FakeProduct`) live in `products`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ._base import Denied, Refused
from .products import FakeOrg
from .teams import TeamsMixin

if TYPE_CHECKING:
    from .auth import Token

__all__ = ["OrgsMixin"]


class OrgsMixin(TeamsMixin):
    """Organizations of a token (its user is a member, or it is one of their API users'),
    their products, and products created over HTTP (`product_settings` keeps the settings
    they were created with)."""

    def __init__(self) -> None:
        super().__init__()
        self.product_settings: dict[int, dict[str, Any]] = {}

    @staticmethod
    def org_json(org: FakeOrg) -> dict[str, Any]:
        return {"id": org.id, "slug": org.slug, "name": org.name}

    def _reaches(self, token: Token, org: FakeOrg) -> bool:
        return (token.username is not None and token.username in org.members) or (
            token.org_id == org.id
        )

    def orgs_of(self, token: Token) -> list[dict[str, Any]]:
        """The organizations `token` reaches, in the order they were added."""
        with self.lock:
            return [self.org_json(o) for o in self.orgs.values() if self._reaches(token, o)]

    def space_of(self, token: Token, org_ref: str | None) -> str:
        """Whose records a request reaches: `"user:<username>"` (the token's sandbox), or
        `"org:<org id>"` for organization `org_ref`. Raises `NotFound`, `Denied`."""
        if org_ref is not None:
            return f"org:{self.org_for(token, org_ref).id}"
        if token.username is None:
            raise Denied
        return f"user:{token.username}"

    def org_products(self, token: Token, ref: str) -> list[dict[str, Any]]:
        """The products of organization `ref`, by id."""
        with self.lock:
            org = self.org_for(token, ref)
            return [
                self._created_json(p.id)
                for p in sorted(self.products.values(), key=lambda p: p.id)
                if p.org in (org.slug, org.id)
            ]

    def create_product(
        self, token: Token, org_ref: str | None, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Create a product from the `product` object of a request, in the token's sandbox or
        in organization `org_ref`. Raises `Refused`, `NotFound`, `Denied`."""
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip():
            raise Refused("product.name is required")
        platform = fields.get("platform_id")
        if isinstance(platform, bool) or not isinstance(platform, int) or platform < 0:
            raise Refused("product.platform_id must be a platform id")
        description = fields.get("description", "")
        if not isinstance(description, str):
            raise Refused("product.description must be a string")
        settings = fields.get("settings", {})
        opt_in = settings.get("location", {}).get("opt_in") if isinstance(settings, dict) else None
        if not isinstance(settings, dict) or not isinstance(opt_in, (bool, type(None))):
            raise Refused("product.settings.location.opt_in must be a boolean")
        with self.lock:
            org = None if org_ref is None else self.org_for(token, org_ref)
            if org is None and token.username is None:
                raise Denied
            product = self.add_product(
                name=name.strip(),
                platform=platform,
                org=None if org is None else org.slug,
                members=[token.username] if token.username is not None else [],
            )
            base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "product"
            product.slug = f"{base}-v{product.id}"
            product.description = description
            self.product_settings[product.id] = {"location": {"opt_in": bool(opt_in)}}
            return self._created_json(product.id)

    def _created_json(self, product_id: int) -> dict[str, Any]:
        body = self.product_json(self.products[product_id])
        if product_id in self.product_settings:
            body["settings"] = self.product_settings[product_id]
        return body
