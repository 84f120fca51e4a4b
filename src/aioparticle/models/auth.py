"""Models of access tokens."""

from __future__ import annotations

from pydantic import Field

from ._base import ParticleModel

__all__ = ["AccessToken"]


class AccessToken(ParticleModel):
    """A newly issued access token. The token values never appear in `repr()`."""

    access_token: str = Field(repr=False)
    token_type: str = "bearer"  # noqa: S105 - a token kind, not a secret
    expires_in: int | None = None
    refresh_token: str | None = Field(default=None, repr=False)
    scope: str | None = None
