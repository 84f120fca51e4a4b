"""Base class of the resource sub-clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._client import ParticleClient

__all__ = ["Resource"]


class Resource:
    """A group of API operations, sharing the client's connection pool and configuration."""

    __slots__ = ("_client",)

    def __init__(self, client: ParticleClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"
