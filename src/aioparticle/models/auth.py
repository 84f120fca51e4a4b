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
    """The access token itself, to send as `Authorization: Bearer`; kept out of `repr()`."""
    token_type: str = "bearer"  # noqa: S105 - a token kind, not a secret
    """The kind of token: `"bearer"`."""
    expires_in: int | None = None
    """Seconds the token is valid for from its issue, as the cloud answers; `None` when not sent."""
    refresh_token: str | None = Field(default=None, repr=False)
    """The refresh token issued with the access token, when the cloud sends one; kept out of
    `repr()`."""
    scope: str | None = None
    """The scope the token is limited to, when the cloud sends one."""


class OAuthClient(ParticleModel):
    """An OAuth client of the account or of a product.

    `secret` is only ever returned by `oauth_clients.create`, once: it is a `SecretStr`
    (shown as `**********` in `repr`, logs and messages); read it with
    `client.secret.get_secret_value()` and store it safely.
    """

    id: str
    """The client's id (the `client_id` it authenticates with at the token endpoint)."""
    name: str | None = None
    """The client's name."""
    type: str | None = None  # "installed" or "web"; a str so that new kinds never break parsing
    """The kind of client, `"installed"` or `"web"` (a `str`, so a new kind still parses)."""
    redirect_uri: str | None = None
    """The redirect URI of a `"web"` client; `None` for other kinds."""
    scope: str | None = None
    """What tokens minted by the client may do, as a scope string; `None` when the cloud sends
    none."""
    product_id: int | None = None
    """The product the client belongs to; `None` for a client of the account."""
    secret: SecretStr | None = None
    """The client secret, a `SecretStr`: only in the answer to `oauth_clients.create`, `None`
    everywhere else."""


class TokenInfo(ParticleModel):
    """An access token as `auth.get_current_token()` and `auth.list_tokens()` describe it.

    `token` (listed tokens only) never appears in `repr()`; `expires_at` is `None` for a token
    that never expires; `client` is the OAuth client it was issued to.
    """

    token: str | None = Field(default=None, repr=False)
    """The token itself (listed tokens only, `None` otherwise); kept out of `repr()`."""
    expires_at: UTCDateTime | None = None
    """When the token expires (UTC); `None` for a token that never expires."""
    client: str | None = None
    """The id of the OAuth client the token was issued to."""
    scopes: list[str] | None = None
    """The scopes the token is limited to, as the cloud lists them; `None` when not sent."""
    orgs: list[Any] | None = None
    """The organizations the token may act in (their shape is kept as sent); `None` when not
    sent."""
