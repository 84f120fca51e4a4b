"""Models of product and organization teams: members, their roles, API users."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, model_validator

from ._base import ParticleModel

__all__ = ["ApiUser", "ApiUserToken", "TeamMember", "TeamRole"]


class TeamRole(ParticleModel):
    """A team member's role (`Administrator`, `Developer`, `View-only`, `Support`, ...)."""

    id: str | None = None
    """The role's id."""
    name: str | None = None
    """The role's name, such as `"Administrator"` or `"Developer"`."""


class TeamMember(ParticleModel):
    """A member of a product's or an organization's team (`is_programmatic` marks an API user).

    `role` is a `TeamRole`, or the role's name when the cloud sends a plain string.
    """

    username: str
    """The member's e-mail address (for an API user, a generated `...@api.particle.io` address)."""
    id: str | None = Field(default=None, alias="_id")
    """The member's id (`_id` on the wire)."""
    role: TeamRole | str | None = None
    """The member's role: a `TeamRole`, or the role's name when the cloud sends a plain string."""
    friendly_name: str | None = None
    """The API user's name (API users only)."""
    is_programmatic: bool | None = None
    """`True` for an API user."""
    scopes: list[str] = Field(default_factory=list)
    """The scopes an API user is limited to (empty for people)."""
    product_id: int | None = None
    """The id of the product an API user belongs to, when the cloud sends it."""
    no_mfa: bool | None = None
    """The wire field `no_mfa` as sent by the cloud."""
    scim_provisioned: bool | None = None
    """Whether the member's account is provisioned through SCIM."""
    no_password: bool | None = None
    """`True` for an account that signs in through single sign-on only."""


class ApiUserToken(ParticleModel):
    """One access token of an API user (shown as `**********` in `repr`, logs and messages)."""

    token: SecretStr
    """The access token, a `SecretStr`."""


class ApiUser(ParticleModel):
    """An API user as created or updated: a programmatic team member with explicit scopes.

    `token` is the API user's one valid access token (the first of `tokens`), a `SecretStr`:
    read it with `user.token.get_secret_value()` and store it safely, the cloud never shows it
    again (`regenerate_token` makes a new one). It is `None` when the answer carries no token
    (an update that did not rotate it).
    """

    username: str
    """The API user's generated username (`<friendly-name>+<random>@api.particle.io`)."""
    is_programmatic: bool | None = None
    """`True`: an API user is a programmatic team member."""
    friendly_name: str | None = None
    """The API user's name."""
    scopes: list[str] = Field(default_factory=list)
    """The scopes the API user is limited to."""
    token: SecretStr | None = None
    """The API user's one valid access token (the first of `tokens`), a `SecretStr`; `None` when
    the answer carries none."""
    tokens: list[ApiUserToken] = Field(default_factory=list, repr=False)
    """The access tokens in the answer; kept out of `repr()`."""

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
