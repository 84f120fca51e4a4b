"""Access tokens: logging in (password, MFA, client credentials), inspecting and revoking."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING
from urllib.parse import quote

from pydantic import TypeAdapter

from .._auth import (
    DEFAULT_EXPIRES_IN,
    TOKEN_PATH,
    check_token,
    otp_form,
    password_form,
)
from .._exceptions import InvalidArgumentError
from .._parsing import parse_ack, parse_adapter, parse_model
from ..models.auth import AccessToken, TokenInfo
from ._base import Resource

if TYPE_CHECKING:
    from ..types import QueryValue

__all__ = ["Auth"]

_parse_token = parse_model(AccessToken)
_parse_info = parse_model(TokenInfo)
_parse_infos = parse_adapter(TypeAdapter(list[TokenInfo]))


class Auth(Resource):
    """Access tokens: log in, finish an MFA login, mint a token from the OAuth client,
    describe the token in use, list and revoke tokens.

    The token endpoint (`POST /oauth/token`) is sent a form with the client's OAuth client pair
    (`client_id`/`client_secret` of the constructor or of `with_options`) and never a bearer
    token. A login is never retried once it may have reached the server: ten failed token
    requests in a row lock the source IP out for 30 minutes. Failures raise a `LoginError`:
    `InvalidCredentialsError`, `MfaRequiredError` (finish with `login_otp`), `InvalidOtpError`,
    `SsoRequiredError` or `LoginRateLimitError`.

    A token becomes a client with `client.with_options(access_token=token.access_token)`; a
    client that should log in (and renew its token) by itself takes a provider instead:
    `ParticleClient(auth=PasswordLogin(...))` or `ParticleClient(auth=ClientCredentials(...))`.
    """

    __slots__ = ()

    async def login(
        self, username: str, password: str, *, expires_in: int | None = DEFAULT_EXPIRES_IN
    ) -> AccessToken:
        """Log in with an account's username (e-mail) and password.

        `expires_in` is the lifetime asked for, in seconds (90 days by default; `0`: a token
        that never expires; `None`: the cloud's default). On an account with MFA this raises
        `MfaRequiredError`, whose `mfa_token` and the current one-time code finish the login
        with `login_otp`.
        """
        form = password_form(username, password, expires_in)
        return await self._request(
            "POST",
            TOKEN_PATH,
            _parse_token,
            data=form,
            auth="client",
            secrets=(form["password"],),
        )

    async def login_otp(self, mfa_token: str, otp: str) -> AccessToken:
        """Finish a login on an MFA account: the `mfa_token` of the `MfaRequiredError` and the
        current one-time code. The lifetime asked for by `login` applies."""
        form = otp_form(mfa_token, otp)
        return await self._request(
            "POST",
            TOKEN_PATH,
            _parse_token,
            data=form,
            auth="client",
            secrets=(form["mfa_token"], form["otp"]),
        )

    async def login_client_credentials(self) -> AccessToken:
        """A token acting as the owner of the client's OAuth client (`client_id` and
        `client_secret`): for a product's client, a token of the product."""
        return await self._request(
            "POST",
            TOKEN_PATH,
            _parse_token,
            data={"grant_type": "client_credentials"},
            auth="client",
        )

    async def delete_token(self, token: str) -> None:
        """Revoke `token` (authenticated with the client's own token).

        The wire puts the token in the path: it is shown as `[redacted]` in errors and logs.
        """
        value = check_token(token)
        if value == "current":
            raise InvalidArgumentError(
                "to revoke the token in use call auth.delete_current_token(); 'current' is not "
                "a token"
            )
        if value in (".", "..") or any(c in value for c in "/\\?#%"):
            raise InvalidArgumentError(
                "token must be an access token (letters, digits and . _ ~ + = -), without / "
                "\\ ? # %"
            )
        await self._request(
            "DELETE",
            f"/v1/access_tokens/{quote(value, safe='')}",
            parse_ack,
            secrets=(value,),
        )

    async def delete_current_token(self) -> None:
        """Revoke the token this client authenticates with."""
        await self._request("DELETE", "/v1/access_tokens/current", parse_ack)

    async def delete_all_tokens(self) -> None:
        """Revoke every active token of the account (this client's included)."""
        await self._request("DELETE", "/v1/access_tokens", parse_ack)

    async def get_current_token(self) -> TokenInfo:
        """Describe the token this client authenticates with: its expiry, client and scopes."""
        return await self._request("GET", "/v1/access_tokens/current", _parse_info)

    async def list_tokens(
        self, username: str, password: str, *, otp: str | None = None
    ) -> list[TokenInfo]:
        """Every access token of the account (an older route: it authenticates with the
        account's username and password over HTTP Basic, not with a token; `otp` is the
        current one-time code of an MFA account, sent in the query as the route requires).

        Particle has been retiring Basic-auth routes: a refusal raises the usual typed error.
        """
        form = password_form(username, password, None)
        if ":" in form["username"]:
            raise InvalidArgumentError("username must not contain ':' (it is sent over HTTP Basic)")
        basic = base64.b64encode(f"{form['username']}:{form['password']}".encode()).decode()
        params: dict[str, QueryValue | None] = {}
        secrets = [form["password"], basic]
        if otp is not None:
            params["otp"] = otp_form("-", otp)["otp"]
            secrets.append(otp)
        return await self._request(
            "GET",
            "/v1/access_tokens",
            _parse_infos,
            params=params,
            headers={"Authorization": f"Basic {basic}"},
            auth="none",
            secrets=tuple(secrets),
        )
