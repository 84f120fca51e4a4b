"""Accounts: users, OAuth clients and access tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, NamedTuple

from ._base import DEFAULT_PASSWORD, NotFound, Refused, StateBase, utcnow

__all__ = [
    "PUBLIC_CLIENTS",
    "AuthMixin",
    "FakeUser",
    "OAuthClient",
    "Token",
    "oauth_client_json",
]

PUBLIC_CLIENTS = {"particle-api": "particle-api", "particle": "particle"}


@dataclass
class FakeUser:
    """An account of the local cloud.

    `password` is `None` for an account that signs in through single sign-on only (the
    password grant is refused for it); `mfa_secret` is the base32 TOTP secret of an account with
    MFA on (codes: `aioparticle.testing.totp(secret)`).
    """

    username: str
    password: str | None = DEFAULT_PASSWORD
    mfa_secret: str | None = None
    account_info: dict[str, Any] = field(default_factory=dict)
    verified: bool = True
    #: the id `GET /v1/user/identify` answers with
    tracking_id: str = field(default_factory=lambda: secrets.token_hex(12))
    #: the campaign (`utm`) fields the account signed up with
    utm: dict[str, str] = field(default_factory=dict)


@dataclass
class Token:
    username: str | None
    product_id: int | None = None
    expires_at: datetime | None = None
    #: the OAuth client the token was issued to
    client_id: str | None = None
    scopes: list[str] = field(default_factory=list)


class OAuthClient(NamedTuple):
    """An OAuth client: its secret, for a product's client the product id, and, for one made
    through the API, its owner and what it was created with."""

    secret: str
    product_id: int | None = None
    owner: str | None = None
    name: str | None = None
    type: str = "installed"
    scope: str | None = None
    redirect_uri: str | None = None


def oauth_client_json(client_id: str, client: OAuthClient) -> dict[str, Any]:
    """A client as the cloud lists it: never its secret."""
    body: dict[str, Any] = {"id": client_id, "name": client.name, "type": client.type}
    if client.product_id is not None:
        body["product_id"] = client.product_id
    if client.scope is not None:
        body["scope"] = client.scope
    if client.redirect_uri is not None:
        body["redirect_uri"] = client.redirect_uri
    return body


class AuthMixin(StateBase):
    """Accounts, OAuth clients and the tokens they are issued."""

    def add_user(
        self,
        username: str,
        password: str | None = DEFAULT_PASSWORD,
        *,
        token: str | None = None,
        mfa_secret: str | None = None,
    ) -> str:
        """Create an account; return an access token for it. `password=None` makes an account
        that signs in through single sign-on only; `mfa_secret` (base32) turns MFA on."""
        with self.lock:
            self.users[username] = FakeUser(username, password, mfa_secret)
            return self.issue_token(username, token=token)

    def issue_token(
        self,
        username: str | None,
        *,
        token: str | None = None,
        product_id: int | None = None,
        expires_in: int | None = None,
        client_id: str | None = None,
    ) -> str:
        """Store a token; `expires_in` seconds (0 or `None`: never), capped by
        `token_lifetime` when a test set one."""
        token = token or secrets.token_hex(20)
        lifetime = self.token_lifetime
        if lifetime is not None and (not expires_in or expires_in > lifetime):
            expires_in = lifetime
        expires_at = None
        if expires_in:
            expires_at = datetime.fromtimestamp(utcnow().timestamp() + expires_in, timezone.utc)
        with self.lock:
            self.tokens[token] = Token(username, product_id, expires_at, client_id)
        return token

    def revoke(self, token: str) -> None:
        with self.lock:
            self.tokens.pop(token, None)

    def lookup_token(self, token: str) -> Token | None:
        with self.lock:
            found = self.tokens.get(token)
            if found is not None and found.expires_at is not None and found.expires_at <= utcnow():
                return None
            return found

    def add_oauth_client(self, client_id: str, secret: str, *, product: int | None = None) -> None:
        """Register an OAuth client (a product's, for the client-credentials grant)."""
        with self.lock:
            self.clients[client_id] = OAuthClient(secret, product)

    def authenticate_client(self, client_id: str | None, secret: str | None) -> OAuthClient | None:
        """The client `client_id` if `secret` is its secret, else None."""
        with self.lock:
            known = self.clients.get(client_id or "")
        if known is None or known.secret != secret:
            return None
        return known

    def list_oauth_clients(self, owner: str | None, product_id: int | None) -> list[dict[str, Any]]:
        """The clients of a product (`product_id`), or the ones `owner` made for themselves."""
        with self.lock:
            return [
                oauth_client_json(client_id, client)
                for client_id, client in self.clients.items()
                if _in_scope(client, owner, product_id)
            ]

    def create_oauth_client(
        self,
        owner: str | None,
        product_id: int | None,
        *,
        name: str,
        type: str,
        scope: str | None = None,
        redirect_uri: str | None = None,
    ) -> dict[str, Any]:
        """Make a client; the answer is the only one that carries its secret."""
        if type not in ("installed", "web"):
            raise Refused("type must be installed or web")
        if type == "web" and not redirect_uri:
            raise Refused("redirect_uri is required for a web client")
        client_id = f"{name.lower().replace(' ', '-')[:40]}-{self._next_id('oauth-client')}"
        client = OAuthClient(
            secrets.token_hex(20), product_id, owner, name, type, scope, redirect_uri
        )
        with self.lock:
            self.clients[client_id] = client
        return {**oauth_client_json(client_id, client), "secret": client.secret}

    def update_oauth_client(
        self,
        owner: str | None,
        product_id: int | None,
        client_id: str,
        *,
        name: str | None = None,
        scope: str | None = None,
    ) -> dict[str, Any]:
        """Rename a client or change its scope. Raises `NotFound` outside the caller's scope."""
        with self.lock:
            client = self._scoped_client(owner, product_id, client_id)
            client = client._replace(
                name=client.name if name is None else name,
                scope=client.scope if scope is None else scope,
            )
            self.clients[client_id] = client
            return oauth_client_json(client_id, client)

    def delete_oauth_client(
        self, owner: str | None, product_id: int | None, client_id: str
    ) -> None:
        """Forget a client. Raises `NotFound` outside the caller's scope."""
        with self.lock:
            self._scoped_client(owner, product_id, client_id)
            del self.clients[client_id]

    def _scoped_client(
        self, owner: str | None, product_id: int | None, client_id: str
    ) -> OAuthClient:
        client = self.clients.get(client_id)
        if client is None or not _in_scope(client, owner, product_id):
            raise NotFound("OAuth client not found")
        return client

    def check_password(self, username: str | None, password: str | None) -> bool:
        """Whether `username` is an account whose password is `password`."""
        with self.lock:
            user = self.users.get(username or "")
            return user is not None and user.password is not None and user.password == password


def _in_scope(client: OAuthClient, owner: str | None, product_id: int | None) -> bool:
    if product_id is not None:
        return client.product_id == product_id
    return client.product_id is None and owner is not None and client.owner == owner
