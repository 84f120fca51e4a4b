"""Teams: the members of a product or an organization, their roles, and API users."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._base import Denied, NotFound, Refused
from .auth import AuthMixin, Token
from .products import FakeOrg, FakeProduct, ProductsMixin

__all__ = [
    "API_USER_DOMAIN",
    "DEFAULT_ROLE",
    "ROLES",
    "SEEDED_ROLE",
    "FakeApiUser",
    "Team",
    "TeamsMixin",
]

#: The roles a human member may have.
ROLES = ("Administrator", "Developer", "View-only", "Support")
#: The role of a member invited without one.
DEFAULT_ROLE = "Developer"
#: The role of a member with no recorded role: who `add_product` / `add_org` seeded.
SEEDED_ROLE = "Administrator"
#: The domain of every API user's username.
API_USER_DOMAIN = "api.particle.io"

#: A product's or an organization's team.
Team = FakeProduct | FakeOrg


def _stable_id(kind: str, name: str) -> str:
    """An id shaped like a Particle id (24 hex digits), the same for the same name."""
    return hashlib.blake2b(f"{kind}:{name}".encode(), digest_size=12).hexdigest()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "api-user"


@dataclass
class FakeApiUser:
    """A programmatic team member of a product (`product_id`) or an organization (`org_id`),
    with its scopes and its one valid access token."""

    username: str
    friendly_name: str
    scopes: list[str]
    token: str
    product_id: int | None = None
    org_id: str | None = None

    def json(self) -> dict[str, Any]:
        """The API user as a team listing shows it (never its token)."""
        body: dict[str, Any] = {
            "username": self.username,
            "friendly_name": self.friendly_name,
            "scopes": list(self.scopes),
            "is_programmatic": True,
        }
        if self.product_id is not None:
            body["product_id"] = self.product_id
        return body


class TeamsMixin(AuthMixin, ProductsMixin):
    """Product and organization teams: human members with roles, and API users with tokens.

    Human members are the `members` set of the product or organization (their roles in its
    `roles`); API users live in `api_users`, by username.
    """

    # ------------------------------------------------------------- lookups

    def org_for(self, token: Token, ref: str) -> FakeOrg:
        """The organization `ref` (id or slug) if `token`'s user is a member or the token is
        one of its API users'. Raises `NotFound` or `Denied`."""
        with self.lock:
            org = self.find_org(ref)
            if org is None:
                raise NotFound("Organization not found")
            if token.org_id != org.id and (
                token.username is None or token.username not in org.members
            ):
                raise Denied
            return org

    def _owns(self, team: Team, user: FakeApiUser) -> bool:
        if isinstance(team, FakeProduct):
            return user.product_id == team.id
        return user.org_id == team.id

    def team_api_users(self, team: Team) -> list[FakeApiUser]:
        """The API users of the team, by username; an organization's include the API users of
        its products."""
        with self.lock:
            users = [u for u in self.api_users.values() if self._owns(team, u)]
            if isinstance(team, FakeOrg):
                products = {p.id for p in self.products.values() if p.org in (team.slug, team.id)}
                users += [u for u in self.api_users.values() if u.product_id in products]
            return sorted(users, key=lambda u: u.username)

    def _api_user(self, team: Team, username: str) -> FakeApiUser:
        user = self.api_users.get(username)
        if user is None or not self._owns(team, user):
            raise NotFound("API user not found")
        return user

    # ------------------------------------------------------------- members

    def member_role(self, team: Team, username: str) -> str:
        with self.lock:
            return team.roles.get(username, SEEDED_ROLE)

    def list_team(self, team: Team) -> list[dict[str, Any]]:
        """The team as the cloud lists it: people (by username), then API users."""
        with self.lock:
            people = [
                {
                    "_id": _stable_id("user", username),
                    "username": username,
                    "role": _role_json(self.member_role(team, username)),
                }
                for username in sorted(team.members)
            ]
            return people + [user.json() for user in self.team_api_users(team)]

    def invite_member(self, team: Team, username: str, role: str | None = None) -> None:
        """Add `username` to the team as `role` (`DEFAULT_ROLE` when None). Raises `Refused`
        for an unknown role or a member already on the team."""
        role = DEFAULT_ROLE if role is None else role
        _check_role(role)
        with self.lock:
            if username in team.members or username in self.api_users:
                raise Refused(f"{username} is already a team member")
            team.members.add(username)
            team.roles[username] = role

    def set_member_role(self, team: Team, username: str, role: str) -> dict[str, Any]:
        """Give a member another role. Raises `NotFound` or `Refused` (unknown role)."""
        _check_role(role)
        with self.lock:
            if username not in team.members:
                raise NotFound("Team member not found")
            team.roles[username] = role
            return {"username": username, "role": _role_json(role)}

    def remove_member(self, team: Team, username: str) -> None:
        """Remove a person or an API user (whose token stops working) from the team. Raises
        `NotFound` if neither."""
        with self.lock:
            user = self.api_users.get(username)
            if user is not None and self._owns(team, user):
                self.revoke(user.token)
                del self.api_users[username]
                return
            if username not in team.members:
                raise NotFound("Team member not found")
            team.members.discard(username)
            team.roles.pop(username, None)

    # ------------------------------------------------------------- API users

    def create_api_user(
        self, team: Team, friendly_name: str, scopes: Sequence[str]
    ) -> dict[str, Any]:
        """Make an API user of the team and its never-expiring token; the answer is the only
        one that carries the token."""
        with self.lock:
            username = f"{_slug(friendly_name)}+{secrets.token_hex(6)}@{API_USER_DOMAIN}"
            user = FakeApiUser(
                username,
                friendly_name,
                list(scopes),
                token="",
                product_id=team.id if isinstance(team, FakeProduct) else None,
                org_id=team.id if isinstance(team, FakeOrg) else None,
            )
            self._new_token(user)
            self.api_users[username] = user
            return {
                "username": username,
                "is_programmatic": True,
                "tokens": [{"token": user.token}],
            }

    def update_api_user(
        self,
        team: Team,
        username: str,
        *,
        friendly_name: str | None = None,
        scopes: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """Rename an API user and/or change its scopes; new scopes rotate its token (the old
        one is revoked) and the answer then carries the new one. Raises `NotFound`."""
        with self.lock:
            user = self._api_user(team, username)
            if friendly_name is not None:
                user.friendly_name = friendly_name
            rotated = scopes is not None and list(scopes) != user.scopes
            if scopes is not None:
                user.scopes = list(scopes)
            body = user.json()
            if rotated:
                self._new_token(user)
                body["tokens"] = [{"token": user.token}]
            return body

    def update_team_member(
        self,
        team: Team,
        username: str,
        *,
        friendly_name: str | None = None,
        scopes: Sequence[str] | None = None,
        role: str | None = None,
    ) -> dict[str, Any]:
        """Update an API user (`friendly_name`, `scopes`) or a person (`role`) of the team.
        Raises `NotFound`, or `Refused` when the body has nothing for that kind of member."""
        with self.lock:
            user = self.api_users.get(username)
            if user is not None and self._owns(team, user):
                if friendly_name is None and scopes is None:
                    raise Refused("friendly_name or scopes is required")
                return self.update_api_user(
                    team, username, friendly_name=friendly_name, scopes=scopes
                )
            if username not in team.members:
                raise NotFound("Team member not found")
            if role is None:
                raise Refused("role is required")
            return self.set_member_role(team, username, role)

    def regenerate_api_user_token(self, team: Team, username: str) -> dict[str, Any]:
        """Give an API user a new token and revoke the old one. Raises `NotFound`."""
        with self.lock:
            user = self._api_user(team, username)
            self._new_token(user)
            return {"username": username, "tokens": [{"token": user.token}]}

    def _new_token(self, user: FakeApiUser) -> None:
        """Issue `user` a token that never expires, able to use its product (or its
        organization's products), and revoke the one it had."""
        with self.lock:
            if user.token:
                self.revoke(user.token)
            user.token = self.issue_token(user.username, product_id=user.product_id)
            record = self.tokens[user.token]
            record.org_id = user.org_id
            record.scopes = list(user.scopes)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Refused(f"role must be one of {', '.join(ROLES)}")


def _role_json(role: str) -> dict[str, str]:
    return {"id": _stable_id("role", role), "name": role}
