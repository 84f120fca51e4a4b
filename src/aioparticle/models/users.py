"""Models of the current user's account: profile, MFA enrolment, tracking identity."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from ._base import ParticleModel

__all__ = [
    "AccountInfo",
    "MfaConfirmation",
    "MfaEnrollment",
    "MfaStatus",
    "TrackingIdentity",
    "User",
]


class AccountInfo(ParticleModel):
    """The profile of an account; also what `users.update` and `users.create` take
    (`AccountInfo(first_name="Ada")`, or a plain mapping of the same keys)."""

    first_name: str | None = None
    """The account holder's first name."""
    last_name: str | None = None
    """The account holder's last name."""
    business_account: bool | None = None
    """Whether the account is a business account."""
    company_name: str | None = None
    """The company's name (business accounts)."""


class MfaStatus(ParticleModel):
    """Whether multi-factor authentication is on for the account."""

    enabled: bool | None = None
    """Whether multi-factor authentication is on."""


class User(ParticleModel):
    """The account the access token belongs to."""

    username: str
    """The account's username: its e-mail address."""
    account_info: AccountInfo = Field(default_factory=AccountInfo)
    """The account's profile."""
    mfa: MfaStatus | None = None
    """Whether multi-factor authentication is on, when the cloud says."""
    memberships: list[Any] = Field(default_factory=list)
    """The account's memberships, in the shape the cloud sends."""
    scim_provisioned: bool | None = None
    """Whether the account is provisioned through SCIM."""
    no_password: bool | None = None
    """`True` for an account that signs in through single sign-on only."""
    wifi_device_count: int | None = None
    """How many Wi-Fi devices the account has."""
    cellular_device_count: int | None = None
    """How many cellular devices the account has."""
    tos: int | None = None
    """The version of the terms of service the account accepted."""


class MfaEnrollment(ParticleModel):
    """An MFA enrolment begun by `users.enable_mfa`: show `qr_url` (or `secret`) to an
    authenticator app, then pass `mfa_token` and its current code to `users.confirm_mfa`.

    `secret` is a `SecretStr` (read it with `get_secret_value()`); `mfa_token` and `qr_url`
    (whose QR code carries the secret) never appear in `repr()`.
    """

    mfa_token: str = Field(repr=False)
    """The token to pass to `users.confirm_mfa` with the app's current code; kept out of
    `repr()`."""
    qr_url: str | None = Field(default=None, repr=False)
    """The URL of a QR code that carries the secret, for an authenticator app; kept out of
    `repr()`."""
    secret: SecretStr | None = None
    """The authenticator app's secret, a `SecretStr`; `None` when the cloud sends none."""


class MfaConfirmation(ParticleModel):
    """The answer to `users.confirm_mfa`. `tokens`, when the cloud sends them, are
    credentials and never appear in `repr()`."""

    enrolled: bool | None = None
    """Whether the account is now enrolled in multi-factor authentication."""
    tokens: list[str] = Field(default_factory=list, repr=False)
    """The tokens the cloud sends with the confirmation, when any: credentials, kept out of
    `repr()`."""


class TrackingIdentity(ParticleModel):
    """The identity Particle's tools report analytics under; `email` only with `full=True`."""

    id: str
    """The identity's id, the one Particle's tools report analytics under."""
    email: str | None = None
    """The account's e-mail address; only with `full=True`, `None` otherwise."""
