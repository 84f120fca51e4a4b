"""Users: each account's profile, username, password, sign-up and verification, and MFA."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .._totp import totp_matches
from ._base import Denied, NotFound, Refused, StateBase
from .auth import FakeUser

__all__ = ["ACCOUNT_INFO_KEYS", "PendingMfa", "UsersMixin"]

#: The keys of an account's `account_info`.
ACCOUNT_INFO_KEYS = ("first_name", "last_name", "business_account", "company_name")


@dataclass(frozen=True)
class PendingMfa:
    """An MFA enrolment begun with `GET /v1/user/mfa-enable`, waiting for its first code."""

    username: str
    #: the base32 TOTP secret the account's codes will come from
    secret: str


def _check_account_info(info: dict[str, Any]) -> dict[str, Any]:
    for key, value in info.items():
        if key not in ACCOUNT_INFO_KEYS:
            raise Refused(f"Unknown account_info field: {key}")
        expected = bool if key == "business_account" else str
        if value is not None and not isinstance(value, expected):
            raise Refused(f"account_info.{key} must be a {expected.__name__}")
    return info


class UsersMixin(StateBase):
    """The accounts: what `/v1/user` and `/v1/users` read and change."""

    # ------------------------------------------------------------------ the current account

    def _account(self, username: str | None) -> FakeUser:
        """The account of a token (under the lock). A product's token has none."""
        if username is None:
            raise Denied("This endpoint needs the access token of a user")
        user = self.users.get(username)
        if user is None:
            raise NotFound("User not found")
        return user

    @staticmethod
    def _check_current_password(user: FakeUser, password: object) -> None:
        if user.password is None:
            raise Refused("This account signs in through single sign-on and has no password")
        if not isinstance(password, str) or not secrets.compare_digest(
            password.encode(), user.password.encode()
        ):
            raise Refused("Invalid password", status=403)

    def _teams(self) -> list[set[str]]:
        """The members of every product and organization."""
        return [p.members for p in self.products.values()] + [o.members for o in self.orgs.values()]

    def _revoke_account_tokens(self, username: str) -> None:
        for token, record in list(self.tokens.items()):
            if record.username == username:
                del self.tokens[token]

    def user_info(self, username: str | None) -> dict[str, Any]:
        """The account as `GET /v1/user` answers it."""
        with self.lock:
            user = self._account(username)
            owned = [d for d in self.devices.values() if d.owner == user.username]
            return {
                "username": user.username,
                "account_info": dict(user.account_info),
                "mfa": {"enabled": user.mfa_secret is not None},
                "memberships": [],
                "scim_provisioned": False,
                "no_password": user.password is None,
                "wifi_device_count": sum(1 for d in owned if not d.cellular),
                "cellular_device_count": sum(1 for d in owned if d.cellular),
            }

    def update_account_info(self, username: str | None, info: dict[str, Any]) -> dict[str, Any]:
        """Change the fields of `info` in the profile (a `None` clears one); the account."""
        with self.lock:
            user = self._account(username)
            for key, value in _check_account_info(info).items():
                if value is None:
                    user.account_info.pop(key, None)
                else:
                    user.account_info[key] = value
            return self.user_info(username)

    def change_username(
        self,
        username: str | None,
        new_username: str,
        current_password: object,
        *,
        invalidate_tokens: bool = False,
    ) -> None:
        """Move the account to `new_username` (its devices, teams, clients and tokens follow);
        `invalidate_tokens` revokes every token of the account instead."""
        with self.lock:
            user = self._account(username)
            self._check_current_password(user, current_password)
            if "@" not in new_username:
                raise Refused("username must be an email address")
            if new_username in self.users:
                raise Refused("That username is already taken")
            old = user.username
            if invalidate_tokens:
                self._revoke_account_tokens(old)
            del self.users[old]
            user.username = new_username
            self.users[new_username] = user
            self._rename_account(old, new_username)

    def _rename_account(self, old: str, new: str) -> None:
        for record in self.tokens.values():
            if record.username == old:
                record.username = new
        for device in self.devices.values():
            if device.owner == old:
                device.owner = new
        for members in self._teams():
            if old in members:
                members.discard(old)
                members.add(new)
        for client_id, client in list(self.clients.items()):
            if client.owner == old:
                self.clients[client_id] = client._replace(owner=new)
        if old in self.verification_tokens:
            self.verification_tokens[new] = self.verification_tokens.pop(old)
        for mfa_token, pending in list(self.mfa_enrollments.items()):
            if pending.username == old:
                self.mfa_enrollments[mfa_token] = PendingMfa(new, pending.secret)
        if self.username == old:
            self.username = new

    def change_password(
        self,
        username: str | None,
        new_password: str,
        current_password: object,
        *,
        invalidate_tokens: bool = False,
    ) -> None:
        """Set a new password; `invalidate_tokens` revokes every token of the account."""
        with self.lock:
            user = self._account(username)
            self._check_current_password(user, current_password)
            if not new_password:
                raise Refused("password must not be empty")
            user.password = new_password
            if self.username == user.username:
                self.password = new_password
            if invalidate_tokens:
                self._revoke_account_tokens(user.username)

    def delete_account(self, username: str | None, password: object) -> None:
        """Delete the account: its tokens are revoked, its devices unclaimed, its OAuth
        clients deleted and it leaves every team."""
        with self.lock:
            user = self._account(username)
            self._check_current_password(user, password)
            name = user.username
            del self.users[name]
            self._revoke_account_tokens(name)
            for device in self.devices.values():
                if device.owner == name:
                    device.owner = None
            for members in self._teams():
                members.discard(name)
            for client_id, client in list(self.clients.items()):
                if client.owner == name:
                    del self.clients[client_id]
            self.verification_tokens.pop(name, None)
            for mfa_token, pending in list(self.mfa_enrollments.items()):
                if pending.username == name:
                    del self.mfa_enrollments[mfa_token]

    def tracking_identity(self, username: str | None, *, full: bool) -> dict[str, Any]:
        """`{id}`, or with `full` `{id, email}`."""
        with self.lock:
            user = self._account(username)
            if full:
                return {"id": user.tracking_id, "email": user.username}
            return {"id": user.tracking_id}

    # ------------------------------------------------------------------ sign-up, no token

    def sign_up(
        self,
        username: str,
        password: str,
        *,
        account_info: dict[str, Any] | None = None,
        utm: dict[str, str] | None = None,
    ) -> str:
        """Create an unverified account; return the token of its verification e-mail (also
        kept in `verification_tokens[username]`)."""
        if "@" not in username:
            raise Refused("username must be an email address")
        if not password:
            raise Refused("password must not be empty")
        info = _check_account_info(dict(account_info or {}))
        with self.lock:
            if username in self.users:
                raise Refused("That username is already taken")
            self.users[username] = FakeUser(
                username,
                password,
                account_info={k: v for k, v in info.items() if v is not None},
                verified=False,
                utm=dict(utm or {}),
            )
            token = secrets.token_urlsafe(24)
            self.verification_tokens[username] = token
            return token

    def verify_account(self, token: str) -> None:
        """Mark the account whose verification e-mail carried `token` as verified."""
        with self.lock:
            for username, expected in list(self.verification_tokens.items()):
                if secrets.compare_digest(expected.encode(), token.encode()):
                    del self.verification_tokens[username]
                    self.users[username].verified = True
                    return
        raise Refused("Invalid or expired verification token")

    def request_password_reset(self, username: str) -> None:
        """Record the request (answered the same whether or not the account exists)."""
        with self.lock:
            self.password_resets.append(username)

    # ------------------------------------------------------------------ MFA

    def begin_mfa(self, username: str | None) -> dict[str, Any]:
        """Start an MFA enrolment: a new secret, the `mfa_token` naming it, a QR URL."""
        with self.lock:
            user = self._account(username)
            if user.mfa_secret is not None:
                raise Refused("MFA is already enabled for this account")
            secret = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
            mfa_token = secrets.token_urlsafe(24)
            self.mfa_enrollments[mfa_token] = PendingMfa(user.username, secret)
            label = quote(f"Particle:{user.username}", safe=":@")
            return {
                "mfa_token": mfa_token,
                "qr_url": f"otpauth://totp/{label}?secret={secret}&issuer=Particle",
                "secret": secret,
            }

    def confirm_mfa(
        self,
        username: str | None,
        mfa_token: str,
        otp: str,
        *,
        invalidate_tokens: bool = False,
    ) -> dict[str, Any]:
        """Turn MFA on if `otp` is the current code of the enrolment's secret."""
        with self.lock:
            user = self._account(username)
            pending = self.mfa_enrollments.get(mfa_token)
            if pending is None or pending.username != user.username:
                raise Refused("Invalid or expired mfa_token")
            if not totp_matches(pending.secret, otp):
                raise Refused("Invalid one-time password")
            del self.mfa_enrollments[mfa_token]
            user.mfa_secret = pending.secret
            if invalidate_tokens:
                self._revoke_account_tokens(user.username)
            return {"enrolled": True}

    def disable_mfa(self, username: str | None, current_password: object) -> None:
        """Turn MFA off."""
        with self.lock:
            user = self._account(username)
            self._check_current_password(user, current_password)
            if user.mfa_secret is None:
                raise Refused("MFA is not enabled for this account")
            user.mfa_secret = None
