"""Accounts: users, OAuth clients and access tokens."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, NamedTuple

from .._totp import totp_matches
from ._base import DEFAULT_PASSWORD, NotFound, Refused, StateBase, iso, utcnow

__all__ = [
    "MFA_TOKEN_LIFETIME",
    "PUBLIC_CLIENTS",
    "AuthMixin",
    "FakeUser",
    "OAuthClient",
    "OAuthRefused",
    "Token",
    "TokenRequest",
    "oauth_client_json",
]

#: Seconds the `mfa_token` of a login on an MFA account stays usable.
MFA_TOKEN_LIFETIME = 300

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
    #: an organization's API user's token: the organization whose products it may use
    org_id: str | None = None
    #: a customer's token: the product the customer (`username`) belongs to
    customer_of: int | None = None


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


class OAuthRefused(Refused):
    """A refusal of the token endpoint, in OAuth's words: `{"error", "error_description"}`
    (plus `extra` keys such as the `mfa_token`), with a `Retry-After` when locked out."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str,
        *,
        extra: dict[str, str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(description, status=status)
        self.error = error
        self.extra = extra or {}
        self.retry_after = retry_after

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.message, **self.extra}


@dataclass(frozen=True)
class TokenRequest:
    """One request the token endpoint answered: its grant, client, account (password grant),
    source IP and whether it issued a token."""

    grant_type: str | None
    client_id: str | None
    username: str | None
    source: str
    ok: bool


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
    """Accounts, OAuth clients and the tokens they are issued.

    The token endpoint's rules: a password grant on an MFA account answers `mfa_required`
    with an `mfa_token` (usable for `MFA_TOKEN_LIFETIME` seconds) that the `urn:custom:mfa-otp`
    grant redeems with a current TOTP code; an account without a password (single sign-on
    only) is refused; `lockout_after` failed token requests in a row from one source IP lock
    it out for `lockout_seconds` (429 with `Retry-After`). `token_requests` records every
    request answered.
    """

    def grant_token(
        self, form: dict[str, str], client_id: str | None, client_secret: str | None, source: str
    ) -> dict[str, Any]:
        """Answer a token request (`form` holds the grant's fields) from `source` (an IP).

        Returns the token body; raises `OAuthRefused`.
        """
        grant = form.get("grant_type")
        username = form.get("username") if grant == "password" else None
        with self.lock:
            now = time.monotonic()
            locked = self.locked_until.get(source, 0.0)
            if locked > now:
                self.token_requests.append(TokenRequest(grant, client_id, username, source, False))
                raise OAuthRefused(
                    429,
                    "too_many_requests",
                    "Too many failed login attempts from this address; try again later",
                    retry_after=max(1, round(locked - now)),
                )
            try:
                body = self._grant(form, client_id, client_secret)
            except OAuthRefused as refused:
                if refused.error != "mfa_required":
                    failures = self.login_failures.get(source, 0) + 1
                    self.login_failures[source] = failures
                    if failures >= self.lockout_after:
                        self.locked_until[source] = now + self.lockout_seconds
                        self.login_failures[source] = 0
                self.token_requests.append(TokenRequest(grant, client_id, username, source, False))
                raise
            self.login_failures.pop(source, None)
            self.token_requests.append(TokenRequest(grant, client_id, username, source, True))
            return body

    def _grant(
        self, form: dict[str, str], client_id: str | None, client_secret: str | None
    ) -> dict[str, Any]:
        client = self.authenticate_client(client_id, client_secret)
        if client is None:
            raise OAuthRefused(401, "invalid_client", "Client authentication failed")
        grant = form.get("grant_type")
        try:
            expires_in = int(form.get("expires_in") or 7776000)
        except ValueError:
            raise OAuthRefused(400, "invalid_request", "expires_in must be a number") from None
        if grant == "password":
            username = form.get("username") or ""
            user = self.users.get(username)
            if user is not None and user.password is None:
                raise OAuthRefused(
                    400,
                    "invalid_grant",
                    "This account signs in with single sign-on (SSO); log in through your "
                    "identity provider",
                )
            if not self.check_password(username, form.get("password")):
                raise OAuthRefused(400, "invalid_grant", "User credentials are invalid")
            assert user is not None
            if user.mfa_secret is not None:
                mfa_token = secrets.token_hex(20)
                self.mfa_logins[mfa_token] = (
                    username,
                    expires_in,
                    time.monotonic() + MFA_TOKEN_LIFETIME,
                )
                raise OAuthRefused(
                    403,
                    "mfa_required",
                    "Multi-factor authentication required",
                    extra={"mfa_token": mfa_token},
                )
            return self._token_body(username, None, expires_in, client_id)
        if grant == "urn:custom:mfa-otp":
            pending = self.mfa_logins.get(form.get("mfa_token") or "")
            if pending is None or pending[2] <= time.monotonic():
                raise OAuthRefused(400, "invalid_grant", "Invalid or expired MFA token")
            username, expires_in, _ = pending
            user = self.users.get(username)
            if (
                user is None
                or user.mfa_secret is None
                or not totp_matches(user.mfa_secret, form.get("otp") or "")
            ):
                raise OAuthRefused(
                    400, "invalid_grant", "Invalid or expired one-time password (OTP)"
                )
            del self.mfa_logins[form["mfa_token"]]
            return self._token_body(username, None, expires_in, client_id)
        if grant == "client_credentials":
            scope = form.get("scope") or ""
            if scope.startswith("customer="):
                expires_in = self._expires_at(form, expires_in)
                return self._customer_grant(client, client_id, scope[9:], expires_in)
            return self._token_body(
                client.owner if client.product_id is None else None,
                client.product_id,
                expires_in,
                client_id,
                scope=form.get("scope"),
            )
        raise OAuthRefused(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")

    def _expires_at(self, form: dict[str, str], expires_in: int) -> int:
        """The lifetime a form's `expires_at` (ISO 8601) asks for, else `expires_in`."""
        text = form.get("expires_at")
        if not text:
            return expires_in
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise OAuthRefused(400, "invalid_request", "expires_at must be ISO 8601") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = round(when.timestamp() - utcnow().timestamp())
        if seconds <= 0:
            raise OAuthRefused(400, "invalid_request", "expires_at is in the past")
        return seconds

    def _customer_grant(
        self, client: OAuthClient, client_id: str | None, email: str, expires_in: int
    ) -> dict[str, Any]:
        """The token of a customer of the client's product (`scope=customer=<email>`): the
        customers mixin issues it."""
        raise OAuthRefused(400, "invalid_scope", f"Unsupported scope: customer={email}")

    def _token_body(
        self,
        username: str | None,
        product_id: int | None,
        expires_in: int,
        client_id: str | None,
        *,
        scope: str | None = None,
    ) -> dict[str, Any]:
        token = self.issue_token(
            username, product_id=product_id, expires_in=expires_in, client_id=client_id
        )
        record = self.tokens[token]
        if scope:
            record.scopes = [scope]
        lifetime = (
            0
            if record.expires_at is None
            else max(1, round(record.expires_at.timestamp() - utcnow().timestamp()))
        )
        return {
            "token_type": "bearer",
            "access_token": token,
            "expires_in": lifetime,
            "refresh_token": secrets.token_hex(20),
        }

    # ------------------------------------------------------------- tokens of an account

    def token_info(self, token: str) -> dict[str, Any]:
        """How `GET /v1/access_tokens/current` describes a token."""
        with self.lock:
            record = self.tokens[token]
            return {
                "expires_at": iso(record.expires_at),
                "client": record.client_id,
                "scopes": list(record.scopes),
                "orgs": [],
            }

    def tokens_of(self, username: str) -> list[dict[str, Any]]:
        """The live tokens of an account, as `GET /v1/access_tokens` lists them."""
        with self.lock:
            return [
                {"token": token, "expires_at": iso(record.expires_at), "client": record.client_id}
                for token, record in self.tokens.items()
                if record.username == username and self.lookup_token(token) is not None
            ]

    def revoke_all(self, username: str) -> int:
        """Revoke every token of an account; return how many."""
        with self.lock:
            doomed = [t for t, record in self.tokens.items() if record.username == username]
            for token in doomed:
                del self.tokens[token]
            return len(doomed)

    def basic_user(self, header: str, otp: str | None) -> str:
        """The account an `Authorization: Basic` header with its username and password names
        (and, for an MFA account, a current `otp`). Raises `OAuthRefused`."""
        scheme, _, encoded = header.partition(" ")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except ValueError:
            decoded = ""
        username, _, password = decoded.partition(":")
        if scheme.lower() != "basic" or not self.check_password(username, password):
            raise OAuthRefused(401, "invalid_grant", "User credentials are invalid")
        user = self.users[username]
        if user.mfa_secret is not None and not totp_matches(user.mfa_secret, otp or ""):
            raise OAuthRefused(
                403, "invalid_grant", "A current one-time password (otp) is required"
            )
        return username

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
