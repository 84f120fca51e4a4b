"""Organizations: those of the token's user, their products, and their team (people and API
users)."""

from __future__ import annotations

from collections.abc import Sequence

from .._core import SubClient
from .._parsing import parse_unwrapped
from ..models.orgs import Organization
from ..models.products import Product
from ..models.teams import ApiUser, ApiUserWithToken, TeamMember
from ._base import Resource
from ._team import TeamBase

__all__ = ["Orgs", "OrgsTeam"]

_parse_orgs = parse_unwrapped(list[Organization], "organizations")
_parse_org = parse_unwrapped(Organization, "organization")
_parse_products = parse_unwrapped(list[Product], "products")


class OrgsTeam(TeamBase):
    """The people and API users on an organization's team (`org=`: its id or slug)."""

    __slots__ = ()

    async def list(self, *, org: str) -> list[TeamMember]:
        """Every team member: people and API users (`is_programmatic`), including the API
        users of the organization's products (`product_id`)."""
        return await self._list_members(self._org_prefix(org))

    async def invite(self, username: str, *, org: str, role: str | None = None) -> None:
        """Invite a Particle user (by e-mail) to the team, as `role` (`"Administrator"`,
        `"Developer"`, `"View-only"`, `"Support"`; the cloud's default when omitted)."""
        await self._invite(self._org_prefix(org), username, role)

    async def remove(self, username: str, *, org: str) -> None:
        """Remove a member from the team; removing an API user also invalidates its token."""
        await self._remove(self._org_prefix(org), username)

    async def create_api_user(
        self, friendly_name: str, scopes: Sequence[str], *, org: str
    ) -> ApiUserWithToken:
        """Create an API user of the organization with `scopes` (such as `["devices:list"]`).

        The answer carries its access token (`ApiUserWithToken.token`, a `SecretStr` that
        never expires), returned here only. Not retried once sent.
        """
        return await self._create_api_user(self._org_prefix(org), friendly_name, scopes)

    async def update_api_user(
        self,
        username: str,
        *,
        org: str,
        friendly_name: str | None = None,
        scopes: Sequence[str] | None = None,
    ) -> ApiUser:
        """Rename an API user and/or change its scopes; new scopes come with a new token (the
        old one stops working). Not retried once sent."""
        return await self._update_api_user(self._org_prefix(org), username, friendly_name, scopes)

    async def regenerate_token(self, username: str, *, org: str) -> ApiUserWithToken:
        """Give an API user a new access token (`ApiUser.token`); the old one stops working."""
        return await self._regenerate_token(self._org_prefix(org), username)


class Orgs(Resource):
    """Organizations the token's user belongs to. Holds the nested `team` sub-client (each of
    its calls takes `org=`, an organization id or slug)."""

    __slots__ = ()

    #: The organization's team: list, invite, remove, and API users (create, update,
    #: regenerate).
    team = SubClient(OrgsTeam)

    async def get(self, org: str) -> Organization:
        """One organization, by id or slug."""
        return await self._request("GET", self._org_prefix(org), parse=_parse_org)

    async def list_products(self, org: str) -> list[Product]:
        """Every product of the organization (one answer: the cloud does not page it)."""
        path = f"{self._org_prefix(org)}/products"
        return await self._request("GET", path, parse=_parse_products)

    async def list(self) -> list[Organization]:
        """Every organization the token's user belongs to."""
        return await self._request("GET", "/v1/orgs", parse=_parse_orgs)
