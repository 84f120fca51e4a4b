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
    last_name: str | None = None
    business_account: bool | None = None
    company_name: str | None = None


class MfaStatus(ParticleModel):
    """Whether multi-factor authentication is on for the account."""

    enabled: bool | None = None


class User(ParticleModel):
    """The account the access token belongs to."""

    username: str
    account_info: AccountInfo = Field(default_factory=AccountInfo)
    mfa: MfaStatus | None = None
    memberships: list[Any] = Field(default_factory=list)
    scim_provisioned: bool | None = None
    #: `True` for an account that signs in through single sign-on only
    no_password: bool | None = None
    wifi_device_count: int | None = None
    cellular_device_count: int | None = None
    #: the version of the terms of service the account accepted
    tos: int | None = None


class MfaEnrollment(ParticleModel):
    """An MFA enrolment begun by `users.enable_mfa`: show `qr_url` (or `secret`) to an
    authenticator app, then pass `mfa_token` and its current code to `users.confirm_mfa`.

    `secret` is a `SecretStr` (read it with `get_secret_value()`); `mfa_token` and `qr_url`
    (whose QR code carries the secret) never appear in `repr()`.
    """

    mfa_token: str = Field(repr=False)
    qr_url: str | None = Field(default=None, repr=False)
    secret: SecretStr | None = None


class MfaConfirmation(ParticleModel):
    """The answer to `users.confirm_mfa`. `tokens`, when the cloud sends them, are
    credentials and never appear in `repr()`."""

    enrolled: bool | None = None
    tokens: list[str] = Field(default_factory=list, repr=False)


class TrackingIdentity(ParticleModel):
    """The identity Particle's tools report analytics under; `email` only with `full=True`."""

    id: str
    email: str | None = None
