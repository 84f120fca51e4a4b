"""Models of access tokens and OAuth clients."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from ._base import ParticleModel, UTCDateTime

__all__ = ["AccessToken", "OAuthClient", "TokenInfo"]


class AccessToken(ParticleModel):
    """A newly issued access token. The token values never appear in `repr()`.

    Make a client of it with `client.with_options(access_token=token.access_token)` (sharing
    the client's connection pool) or `ParticleClient(token.access_token)`.
    """

    access_token: str = Field(repr=False)
    token_type: str = "bearer"  # noqa: S105 - a token kind, not a secret
    expires_in: int | None = None
    refresh_token: str | None = Field(default=None, repr=False)
    scope: str | None = None


class OAuthClient(ParticleModel):
    """An OAuth client of the account or of a product.

    `secret` is only ever returned by `oauth_clients.create` (an `OAuthClientWithSecret`),
    once: it is a `SecretStr`
    (shown as `**********` in `repr`, logs and messages); read it with
    `client.secret.get_secret_value()` and store it safely.
    """

    id: str
    name: str | None = None
    type: str | None = None  # "installed" or "web"; a str so that new kinds never break parsing
    redirect_uri: str | None = None
    scope: str | None = None
    product_id: int | None = None
    secret: SecretStr | None = None


class OAuthClientWithSecret(OAuthClient):
    """An OAuth client as `oauth_clients.create` answers: with its `secret`, which the cloud
    returns this once (never `None` here)."""

    secret: SecretStr


class TokenInfo(ParticleModel):
    """An access token as `auth.get_current_token()` and `auth.list_tokens()` describe it.

    `token` (listed tokens only) never appears in `repr()`; `expires_at` is `None` for a token
    that never expires; `client` is the OAuth client it was issued to.
    """

    token: str | None = Field(default=None, repr=False)
    expires_at: UTCDateTime | None = None
    client: str | None = None
    scopes: list[str] | None = None
    #: the organizations the token may act in (their shape is kept as sent)
    orgs: list[Any] | None = None
