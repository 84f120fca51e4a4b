"""Cloud secrets of the sandbox or an organization."""

from __future__ import annotations

from pydantic import SecretStr

from .._exceptions import InvalidArgumentError
from .._parsing import parse_ack, parse_unwrapped
from .._paths import segment
from ..models.secrets import Secret
from ._base import Resource
from ._checks import org_prefix

__all__ = ["Secrets"]

#: Longest secret name accepted in a path.
MAX_SECRET_NAME_LENGTH = 256

_parse_secrets = parse_unwrapped(list[Secret], "secrets")
_parse_secret = parse_unwrapped(Secret, "secret")


def _base(org: str | None) -> str:
    return f"{'/v1' if org is None else org_prefix(org)}/secrets"


def _name(name: object) -> str:
    return segment(name, "secret name", max_length=MAX_SECRET_NAME_LENGTH)


def _value(value: object) -> str:
    """The value as text; never echoed in a message."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not isinstance(value, str):
        raise InvalidArgumentError(
            f"a secret value must be a str or a pydantic SecretStr, got {type(value).__name__}"
        )
    if not value:
        raise InvalidArgumentError("a secret value must not be empty")
    return value


class Secrets(Resource):
    """Cloud secrets of the sandbox or, with `org=`, of an organization: values that
    integrations and Logic functions read in the cloud. A value is written, never read back.

    Names are checked by the cloud (Particle's tools accept uppercase letters, digits and `_`,
    not starting with a digit); here only as far as a name must be one safe path segment.
    """

    __slots__ = ()

    async def list(self, *, org: str | None = None) -> list[Secret]:
        """Every secret, described (never with its value)."""
        return await self._request("GET", _base(org), parse=_parse_secrets)

    async def get(self, name: str, *, org: str | None = None) -> Secret:
        """One secret, described (never with its value)."""
        return await self._request("GET", f"{_base(org)}/{_name(name)}", parse=_parse_secret)

    async def set(self, name: str, value: str | SecretStr, *, org: str | None = None) -> Secret:
        """Create a secret, or give an existing one a new value. The value (a `str` or a
        `SecretStr`) is scrubbed from error messages and logs, and an error keeps no copy of
        the request body."""
        path = f"{_base(org)}/{_name(name)}"
        text = _value(value)
        return await self._request(
            "PUT", path, json={"secret": {"value": text}}, parse=_parse_secret, secrets=(text,)
        )

    async def delete(self, name: str, *, org: str | None = None) -> None:
        """Delete a secret."""
        await self._request("DELETE", f"{_base(org)}/{_name(name)}", parse=parse_ack)
