"""Accounts: users, OAuth clients and access tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import NamedTuple

from ._base import DEFAULT_PASSWORD, StateBase, utcnow

__all__ = ["PUBLIC_CLIENTS", "AuthMixin", "OAuthClient", "Token"]

PUBLIC_CLIENTS = {"particle-api": "particle-api", "particle": "particle"}


@dataclass
class Token:
    username: str | None
    product_id: int | None = None
    expires_at: datetime | None = None


class OAuthClient(NamedTuple):
    """An OAuth client: its secret and, for a product's client, the product id."""

    secret: str
    product_id: int | None = None


class AuthMixin(StateBase):
    """Accounts, OAuth clients and the tokens they are issued."""

    def add_user(
        self, username: str, password: str = DEFAULT_PASSWORD, *, token: str | None = None
    ) -> str:
        """Create an account; return an access token for it."""
        with self.lock:
            self.users[username] = password
            return self.issue_token(username, token=token)

    def issue_token(
        self,
        username: str | None,
        *,
        token: str | None = None,
        product_id: int | None = None,
        expires_in: int | None = None,
    ) -> str:
        token = token or secrets.token_hex(20)
        expires_at = None
        if expires_in:
            expires_at = datetime.fromtimestamp(utcnow().timestamp() + expires_in, timezone.utc)
        with self.lock:
            self.tokens[token] = Token(username, product_id, expires_at)
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

    def check_password(self, username: str | None, password: str | None) -> bool:
        """Whether `username` is an account whose password is `password`."""
        with self.lock:
            if username is None or username not in self.users:
                return False
            return self.users[username] == password
