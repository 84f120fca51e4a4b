"""The current user's account (`/v1/user`) and sign-up (`/v1/users`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._exceptions import InvalidArgumentError
from .._parsing import parse_ack, parse_model
from .._paths import check_text
from ..models.users import AccountInfo, MfaConfirmation, MfaEnrollment, TrackingIdentity, User
from ._base import Resource
from ._checks import flag, short_text

if TYPE_CHECKING:
    from ..types import JSONObject, JSONValue

__all__ = ["Users"]

#: Longest username accepted: usernames are e-mail addresses (RFC 5321 path limit).
MAX_USERNAME_LENGTH = 254
#: Longest password, MFA token or verification token accepted.
MAX_PASSWORD_LENGTH = 1024
MAX_TOKEN_LENGTH = 4096
#: Longest text field of `account_info`.
MAX_ACCOUNT_TEXT_LENGTH = 256
#: Most `utm` fields, and the longest key and value accepted.
MAX_UTM_FIELDS = 32
MAX_UTM_KEY_LENGTH = 64
MAX_UTM_VALUE_LENGTH = 256

#: The keys of `account_info`: three text fields and one flag.
ACCOUNT_INFO_KEYS = ("first_name", "last_name", "business_account", "company_name")

_OTP = re.compile(r"[0-9]{6,8}")

_parse_user = parse_model(User)
_parse_enrollment = parse_model(MfaEnrollment)
_parse_confirmation = parse_model(MfaConfirmation)
_parse_identity = parse_model(TrackingIdentity)


def _username(value: object, what: str) -> str:
    text = short_text(value, what, max_length=MAX_USERNAME_LENGTH)
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or any(char.isspace() for char in text):
        raise InvalidArgumentError(
            f"{what} must be an e-mail address (name@domain, without spaces), got {text!r}"
        )
    return text


def _password(value: object, what: str) -> str:
    # the messages never quote the value: it is a secret
    return short_text(value, what, max_length=MAX_PASSWORD_LENGTH)


def _otp(value: object) -> str:
    text = short_text(value, "otp", max_length=MAX_TOKEN_LENGTH)
    if not _OTP.fullmatch(text):
        raise InvalidArgumentError(
            "otp must be the current code of the authenticator app: 6 to 8 digits"
        )
    return text


def _account_info(value: object) -> dict[str, JSONValue]:
    """The `account_info` object of a body: known keys only, `None` values left out."""
    fields: list[tuple[object, object]]
    if isinstance(value, AccountInfo):
        fields = list(value.model_dump(exclude_none=True).items())
    elif isinstance(value, Mapping):
        fields = list(value.items())
    else:
        raise InvalidArgumentError(
            f"account_info must be an AccountInfo or a mapping, got {type(value).__name__}"
        )
    allowed = ", ".join(ACCOUNT_INFO_KEYS)
    body: dict[str, JSONValue] = {}
    for key, item in fields:
        if not isinstance(key, str) or key not in ACCOUNT_INFO_KEYS:
            raise InvalidArgumentError(f"account_info: unknown key {key!r} (allowed: {allowed})")
        if item is None:
            continue
        what = f"account_info[{key!r}]"
        if key == "business_account":
            body[key] = flag(item, what)
        else:
            body[key] = check_text(item, what, max_length=MAX_ACCOUNT_TEXT_LENGTH, allow_empty=True)
    if not body:
        raise InvalidArgumentError(f"account_info must set at least one of {allowed}")
    return body


def _utm(value: object) -> dict[str, JSONValue]:
    """The `utm` object of a sign-up: campaign field names mapped to text."""
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            "utm must be a mapping of campaign fields to str values (e.g. "
            f"{{'utm_source': 'newsletter'}}), got {type(value).__name__}"
        )
    if len(value) > MAX_UTM_FIELDS:
        raise InvalidArgumentError(f"utm has {len(value)} fields, at most {MAX_UTM_FIELDS}")
    fields: dict[str, JSONValue] = {}
    for key, item in value.items():
        name = short_text(key, "a utm key", max_length=MAX_UTM_KEY_LENGTH)
        fields[name] = short_text(item, f"utm[{name!r}]", max_length=MAX_UTM_VALUE_LENGTH)
    return fields


class Users(Resource):
    """The account the access token belongs to: its profile, username, password, MFA and
    deletion; and, without any token, sign-up, e-mail verification and password resets.

    Passwords, one-time codes and MFA or verification tokens are kept out of every error
    message, and an error keeps no copy of a request that carried one.
    """

    __slots__ = ()

    async def get(self) -> User:
        """The account: username, profile, MFA status, device counts."""
        return await self._request("GET", "/v1/user", _parse_user)

    async def update(self, *, account_info: AccountInfo | JSONObject) -> User:
        """Change the profile; the keys given are changed, the others kept.

        `account_info` is an `AccountInfo` or a mapping of `first_name`, `last_name`,
        `company_name` (str) and `business_account` (bool); `None` values are not sent.
        """
        body: dict[str, JSONValue] = {"account_info": _account_info(account_info)}
        return await self._request("PUT", "/v1/user", _parse_user, json=body)

    async def change_username(
        self, new_username: str, *, current_password: str, invalidate_tokens: bool = False
    ) -> None:
        """Change the account's username (its e-mail address).

        `invalidate_tokens=True` revokes every access token of the account, this client's
        included. Not retried once sent.
        """
        password = _password(current_password, "current_password")
        body: dict[str, JSONValue] = {
            "username": _username(new_username, "new_username"),
            "current_password": password,
        }
        if flag(invalidate_tokens, "invalidate_tokens"):
            body["invalidate_tokens"] = True
        await self._request(
            "PUT", "/v1/user", parse_ack, json=body, idempotent=False, secrets=(password,)
        )

    async def change_password(
        self, new_password: str, *, current_password: str, invalidate_tokens: bool = False
    ) -> None:
        """Change the account's password.

        `invalidate_tokens=True` revokes every access token of the account, this client's
        included. Not retried once sent.
        """
        new = _password(new_password, "new_password")
        current = _password(current_password, "current_password")
        body: dict[str, JSONValue] = {"password": new, "current_password": current}
        if flag(invalidate_tokens, "invalidate_tokens"):
            body["invalidate_tokens"] = True
        await self._request(
            "PUT", "/v1/user", parse_ack, json=body, idempotent=False, secrets=(new, current)
        )

    async def create(
        self,
        username: str,
        password: str,
        *,
        account_info: AccountInfo | JSONObject | None = None,
        utm: Mapping[str, str] | None = None,
    ) -> None:
        """Sign up a new account; the cloud e-mails it a verification link (see `verify`).

        Sends no access token (a client without one can call it). `utm` holds campaign
        fields (`{"utm_source": ...}`); an empty mapping is not sent. Not retried once sent.
        """
        secret = _password(password, "password")
        body: dict[str, JSONValue] = {
            "username": _username(username, "username"),
            "password": secret,
        }
        if account_info is not None:
            body["account_info"] = _account_info(account_info)
        if utm is not None:
            fields = _utm(utm)
            if fields:
                body["utm"] = fields
        await self._request(
            "POST", "/v1/users", parse_ack, json=body, auth="none", secrets=(secret,)
        )

    async def verify(self, token: str) -> None:
        """Verify a new account with the token of its verification e-mail.

        Sends no access token (a client without one can call it). Not retried once sent.
        """
        secret = short_text(token, "token", max_length=MAX_TOKEN_LENGTH)
        await self._request(
            "POST",
            "/v1/user/verify",
            parse_ack,
            json={"token": secret},
            auth="none",
            secrets=(secret,),
        )

    async def delete(self, *, password: str) -> None:
        """Delete the account for good, revoking its tokens. Not retried once sent."""
        secret = _password(password, "password")
        await self._request(
            "DELETE",
            "/v1/user",
            parse_ack,
            json={"password": secret},
            idempotent=False,
            secrets=(secret,),
        )

    async def reset_password(self, username: str) -> None:
        """Ask the cloud to e-mail a password-reset link to `username`.

        Sends no access token (a client without one can call it). Not retried once sent.
        """
        body: dict[str, JSONValue] = {"username": _username(username, "username")}
        await self._request("POST", "/v1/user/password-reset", parse_ack, json=body, auth="none")

    async def enable_mfa(self) -> MfaEnrollment:
        """Begin enrolling the account in MFA; finish with `confirm_mfa`."""
        return await self._request("GET", "/v1/user/mfa-enable", _parse_enrollment)

    async def confirm_mfa(
        self, mfa_token: str, otp: str, *, invalidate_tokens: bool = False
    ) -> MfaConfirmation:
        """Finish an MFA enrolment with the `mfa_token` of `enable_mfa` and the authenticator
        app's current code (`otp`, 6 to 8 digits, a str).

        `invalidate_tokens=True` revokes every access token of the account, this client's
        included. Not retried once sent.
        """
        token = short_text(mfa_token, "mfa_token", max_length=MAX_TOKEN_LENGTH)
        code = _otp(otp)
        body: dict[str, JSONValue] = {"mfa_token": token, "otp": code}
        if flag(invalidate_tokens, "invalidate_tokens"):
            body["invalidate_tokens"] = True
        return await self._request(
            "POST", "/v1/user/mfa-enable", _parse_confirmation, json=body, secrets=(token, code)
        )

    async def disable_mfa(self, *, current_password: str) -> None:
        """Turn MFA off for the account. Not retried once sent."""
        secret = _password(current_password, "current_password")
        await self._request(
            "PUT",
            "/v1/user/mfa-disable",
            parse_ack,
            json={"current_password": secret},
            idempotent=False,
            secrets=(secret,),
        )

    async def get_tracking_identity(self, *, full: bool = False) -> TrackingIdentity:
        """The identity Particle's tools report analytics under: its `id`, and with
        `full=True` the account's `email` too."""
        params = None if flag(full, "full") else {"tracking": "1"}
        return await self._request("GET", "/v1/user/identify", _parse_identity, params=params)
