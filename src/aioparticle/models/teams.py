"""Models of product and organization teams: members, their roles, API users."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, model_validator

from ._base import ParticleModel

__all__ = ["ApiUser", "ApiUserToken", "TeamMember", "TeamRole"]


class TeamRole(ParticleModel):
    """A team member's role (`Administrator`, `Developer`, `View-only`, `Support`, ...)."""

    id: str | None = None
    name: str | None = None


class TeamMember(ParticleModel):
    """A member of a product's or an organization's team (`is_programmatic` marks an API user).

    `role` is a `TeamRole`, or the role's name when the cloud sends a plain string.
    """

    username: str
    id: str | None = Field(default=None, alias="_id")
    role: TeamRole | str | None = None
    friendly_name: str | None = None
    is_programmatic: bool | None = None
    scopes: list[str] = Field(default_factory=list)
    product_id: int | None = None
    no_mfa: bool | None = None
    scim_provisioned: bool | None = None
    no_password: bool | None = None


class ApiUserToken(ParticleModel):
    """One access token of an API user (shown as `**********` in `repr`, logs and messages)."""

    token: SecretStr


class ApiUser(ParticleModel):
    """An API user as created or updated: a programmatic team member with explicit scopes.

    `token` is the API user's one valid access token (the first of `tokens`), a `SecretStr`:
    read it with `user.token.get_secret_value()` and store it safely, the cloud never shows it
    again (`regenerate_token` makes a new one). It is `None` when the answer carries no token
    (an update that did not rotate it); the answers that always carry one are an
    `ApiUserWithToken`.
    """

    username: str
    is_programmatic: bool | None = None
    friendly_name: str | None = None
    scopes: list[str] = Field(default_factory=list)
    token: SecretStr | None = None
    tokens: list[ApiUserToken] = Field(default_factory=list, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _first_token(cls, data: Any) -> Any:
        """Lift `tokens[0].token` to `token`."""
        if isinstance(data, dict) and "token" not in data:
            tokens = data.get("tokens")
            if isinstance(tokens, list) and tokens and isinstance(tokens[0], dict):
                first = tokens[0].get("token")
                if first is not None:
                    return {**data, "token": first}
        return data


class ApiUserWithToken(ApiUser):
    """An API user with its access token, as `create_api_user` and `regenerate_token` answer
    (the cloud always sends the token there): `token` is never `None`."""

    token: SecretStr
