"""Models of organizations."""

from __future__ import annotations

from ._base import ParticleModel

__all__ = ["Organization"]


class Organization(ParticleModel):
    """An organization: it owns products, a team, service agreements, secrets and more. Its
    `id` or `slug` is what `org=` takes."""

    id: str
    """The organization's id."""
    slug: str | None = None
    """The organization's slug (also accepted by `org=`)."""
    name: str | None = None
    """The organization's name."""
