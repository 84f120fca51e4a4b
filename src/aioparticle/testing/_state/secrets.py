"""Cloud secrets of sandboxes and organizations: values stored, never answered."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._base import NotFound, Refused, iso, utcnow
from .orgs import OrgsMixin

if TYPE_CHECKING:
    from .auth import Token

__all__ = ["SECRET_NAME", "FakeSecret", "SecretsMixin"]

#: The names the cloud accepts: uppercase letters, digits and `_`, not starting with a digit.
SECRET_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


@dataclass
class FakeSecret:
    """A secret of a sandbox (`space` "user:<username>") or an organization ("org:<id>"):
    its value, who set it, when it was last read, and what uses it (`integrations`: ids,
    `logic_functions`: ids)."""

    space: str
    name: str
    value: str
    created_by: str | None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    updated_by: str | None = None
    last_accessed_at: datetime | None = None
    integrations: dict[str, str] = field(default_factory=dict)
    logic_functions: list[str] = field(default_factory=list)


class SecretsMixin(OrgsMixin):
    """Secrets by `(space, name)` in `cloud_secrets`. The HTTP API describes them and never
    answers a value; tests read one with `read_secret` (which, like a use in the cloud,
    stamps `last_accessed_at`)."""

    def __init__(self) -> None:
        super().__init__()
        self.cloud_secrets: dict[tuple[str, str], FakeSecret] = {}

    def secret_json(self, secret: FakeSecret) -> dict[str, Any]:
        key = "org_integration_id" if secret.space.startswith("org:") else "id"
        return {
            "name": secret.name,
            "created_at": iso(secret.created_at),
            "updated_at": iso(secret.updated_at),
            "created_by": secret.created_by,
            "updated_by": secret.updated_by,
            "last_accessed_at": iso(secret.last_accessed_at),
            "integrations": [
                {"name": name, key: ident} for ident, name in secret.integrations.items()
            ],
            "logic_functions": list(secret.logic_functions),
        }

    def list_secrets(self, token: Token, org_ref: str | None) -> list[dict[str, Any]]:
        with self.lock:
            space = self.space_of(token, org_ref)
            return [
                self.secret_json(s)
                for (where, _), s in sorted(self.cloud_secrets.items())
                if where == space
            ]

    def get_secret(self, token: Token, org_ref: str | None, name: str) -> dict[str, Any]:
        with self.lock:
            return self.secret_json(self._secret(self.space_of(token, org_ref), name))

    def put_secret(
        self, token: Token, org_ref: str | None, name: str, value: object
    ) -> dict[str, Any]:
        """Create or update a secret. Raises `Refused` for a bad name or value."""
        if not SECRET_NAME.fullmatch(name):
            raise Refused(
                f"Invalid secret name {name!r}: use uppercase letters, digits and underscores, "
                "not starting with a digit"
            )
        if not isinstance(value, str) or not value:
            raise Refused("secret.value is required")
        who = token.username
        with self.lock:
            space = self.space_of(token, org_ref)
            found = self.cloud_secrets.get((space, name))
            if found is None:
                found = FakeSecret(space, name, value, who, updated_by=who)
                self.cloud_secrets[(space, name)] = found
            else:
                found.value, found.updated_by, found.updated_at = value, who, utcnow()
            return self.secret_json(found)

    def delete_secret(self, token: Token, org_ref: str | None, name: str) -> None:
        with self.lock:
            space = self.space_of(token, org_ref)
            self._secret(space, name)
            del self.cloud_secrets[(space, name)]

    def read_secret(self, name: str, *, org: str | None = None, user: str | None = None) -> str:
        """The value of a secret of organization `org` (slug or id), or of `user`'s sandbox
        (the default account's without either), as the cloud would use it: stamps
        `last_accessed_at`. Raises `KeyError`."""
        with self.lock:
            if org is not None:
                found = self.find_org(org)
                if found is None:
                    raise KeyError(f"no organization {org!r}")
                space = f"org:{found.id}"
            else:
                space = f"user:{user or self.username}"
            secret = self.cloud_secrets[(space, name)]
            secret.last_accessed_at = utcnow()
            return secret.value

    def _secret(self, space: str, name: str) -> FakeSecret:
        found = self.cloud_secrets.get((space, name))
        if found is None:
            raise NotFound(f"Secret {name} not found")
        return found
