"""Models of the firmware library registry (a JSON:API service)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ._base import ParticleModel

__all__ = ["Library", "LibraryLinks"]


class LibraryLinks(ParticleModel):
    """Links of a library version: `download` is the URL of its `.tar.gz` archive."""

    download: str | None = None
    """The URL of the version's `.tar.gz` archive (what `libraries.download` fetches)."""


class Library(ParticleModel):
    """One version of a firmware library, flattened from its JSON:API resource.

    `id` and `type` come from the resource, the rest from its `attributes`; `links.download`
    is what `libraries.download` fetches.
    """

    id: str | None = None
    """The id of the library's JSON:API resource."""
    type: str | None = None
    """The type of the library's JSON:API resource."""
    name: str
    """The library's name (the resource `id` when the attributes carry no name)."""
    version: str | None = None
    """The library version, such as `"1.2.3"`."""
    author: str | None = None
    """The library's author, as the registry lists it."""
    maintainer: str | None = None
    """The library's maintainer, as the registry lists it."""
    sentence: str | None = None
    """A one-sentence summary of the library."""
    paragraph: str | None = None
    """A longer description of the library."""
    category: str | None = None
    """The library's category."""
    url: str | None = None
    """The URL of the library's home page."""
    repository: str | None = None
    """The URL of the library's source repository."""
    license: str | None = None
    """The library's license."""
    architectures: list[str] = Field(default_factory=list)
    """The architectures the library supports (a `null` on the wire reads as empty)."""
    dependencies: dict[str, Any] = Field(default_factory=dict)
    """The libraries this one depends on, as the registry sends them (a `null` reads as empty)."""
    visibility: str | None = None
    """The library's visibility, such as `"public"` or `"private"`."""
    mine: bool | None = None
    """Whether the library belongs to the account."""
    official: bool | None = None
    """Whether the registry marks the library as official."""
    verified: bool | None = None
    """Whether the registry marks the library as verified."""
    installs: int | None = None
    """How many times the library was installed, as the registry counts."""
    links: LibraryLinks = Field(default_factory=LibraryLinks)
    """The version's links; `links.download` is its archive."""

    @field_validator("architectures", "dependencies", "links", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any, info: ValidationInfo) -> Any:
        # the registry sends `null` for a library without dependencies (or architectures)
        if value is None:
            return {"architectures": [], "dependencies": {}, "links": {}}[info.field_name or ""]
        return value

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("attributes"), dict):
            flat = {k: v for k, v in value.items() if k != "attributes"}
            for key, item in value["attributes"].items():
                flat.setdefault(key, item)
            if "name" not in flat and isinstance(flat.get("id"), str):
                flat["name"] = flat["id"]
            return flat
        return value
