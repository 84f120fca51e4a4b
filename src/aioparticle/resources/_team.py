"""The team operations shared by a product's team and an organization's team."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._exceptions import InvalidArgumentError
from .._parsing import parse_ack, parse_unwrapped
from .._paths import check_text, segment
from ..models.teams import ApiUser, ApiUserWithToken, TeamMember
from ._base import Resource
from ._checks import short_text

if TYPE_CHECKING:
    from ..types import JSONValue

__all__ = [
    "MAX_FRIENDLY_NAME_LENGTH",
    "MAX_SCOPE_LENGTH",
    "MAX_USERNAME_LENGTH",
    "ROLES",
    "TeamBase",
]

#: Longest username (an e-mail address) accepted.
MAX_USERNAME_LENGTH = 254
#: Longest API-user name accepted.
MAX_FRIENDLY_NAME_LENGTH = 256
#: Longest scope name accepted.
MAX_SCOPE_LENGTH = 128
#: Longest role name accepted.
MAX_ROLE_LENGTH = 64
#: The roles Particle documents for a team member (others are sent as given).
ROLES = ("Administrator", "Developer", "View-only", "Support")

_ROLE_NAMES = ", ".join(repr(role) for role in ROLES)

_parse_team = parse_unwrapped(list[TeamMember], "team")
_parse_api_user = parse_unwrapped(ApiUser, "created", "updated")
_parse_api_user_with_token = parse_unwrapped(ApiUserWithToken, "created", "updated")


def _username_segment(username: object) -> str:
    return segment(username, "username", max_length=MAX_USERNAME_LENGTH)


def _friendly_name(value: object) -> str:
    return short_text(value, "friendly_name", max_length=MAX_FRIENDLY_NAME_LENGTH)


def _role(value: object) -> str:
    if not isinstance(value, str) or not value:
        got = "an empty str" if isinstance(value, str) else type(value).__name__
        raise InvalidArgumentError(f"role must be a role name ({_ROLE_NAMES}), got {got}")
    return check_text(value, "role", max_length=MAX_ROLE_LENGTH)


def _scopes(value: object) -> list[str]:
    """A non-empty sequence (not a bare `str`) of non-empty scope names."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidArgumentError(
            "scopes must be a list of scope names, such as ['devices:list'], "
            f"got {type(value).__name__}"
        )
    scopes = [
        check_text(scope, f"scopes[{n}]", max_length=MAX_SCOPE_LENGTH)
        for n, scope in enumerate(value)
    ]
    if not scopes:
        raise InvalidArgumentError("scopes must name at least one scope, such as 'devices:list'")
    return scopes


class TeamBase(Resource):
    """The people and API users of one team, under `<prefix>/team`.

    A subclass names the scope: its public methods take the scope keyword (`product=`,
    `org=`), turn it into the path prefix and call the operation here. Human members and API
    users share the routes; API users have verbs of their own.
    """

    __slots__ = ()

    async def _list_members(self, prefix: str) -> list[TeamMember]:
        return await self._request("GET", f"{prefix}/team", _parse_team)

    async def _invite(self, prefix: str, username: object, role: object) -> None:
        body: dict[str, JSONValue] = {
            "username": short_text(username, "username", max_length=MAX_USERNAME_LENGTH)
        }
        if role is not None:
            body["role"] = _role(role)
        await self._request("POST", f"{prefix}/team", parse_ack, json=body)

    async def _remove(self, prefix: str, username: object) -> None:
        path = f"{prefix}/team/{_username_segment(username)}"
        await self._request("DELETE", path, parse_ack)

    async def _create_api_user(
        self, prefix: str, friendly_name: object, scopes: object
    ) -> ApiUserWithToken:
        body: dict[str, JSONValue] = {
            "friendly_name": _friendly_name(friendly_name),
            "scopes": _scopes(scopes),
        }
        return await self._request("POST", f"{prefix}/team", _parse_api_user_with_token, json=body)

    async def _update_api_user(
        self, prefix: str, username: object, friendly_name: object, scopes: object
    ) -> ApiUser:
        path = f"{prefix}/team/{_username_segment(username)}"
        body: dict[str, JSONValue] = {}
        if friendly_name is not None:
            body["friendly_name"] = _friendly_name(friendly_name)
        if scopes is not None:
            body["scopes"] = _scopes(scopes)
        if not body:
            raise InvalidArgumentError(
                f"{self._name}.update_api_user() needs friendly_name= or scopes="
            )
        # Not retried once sent: the first attempt may have rotated the token, and a repeat
        # that does not rotate it again would answer without the one valid token.
        return await self._request("PUT", path, _parse_api_user, json=body, idempotent=False)

    async def _regenerate_token(self, prefix: str, username: object) -> ApiUserWithToken:
        # Retried like any PUT: every attempt answers with the token valid after it.
        path = f"{prefix}/team/{_username_segment(username)}/token"
        return await self._request("PUT", path, _parse_api_user_with_token)
