"""Models of the firmware library registry (a JSON:API service)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ._base import ParticleModel

__all__ = ["Library", "LibraryLinks"]


class LibraryLinks(ParticleModel):
    """Links of a library version: `download` is the URL of its `.tar.gz` archive."""

    download: str | None = None


class Library(ParticleModel):
    """One version of a firmware library, flattened from its JSON:API resource.

    `id` and `type` come from the resource, the rest from its `attributes`; `links.download`
    is what `libraries.download` fetches.
    """

    id: str | None = None
    type: str | None = None
    name: str
    version: str | None = None
    author: str | None = None
    maintainer: str | None = None
    sentence: str | None = None
    paragraph: str | None = None
    category: str | None = None
    url: str | None = None
    repository: str | None = None
    license: str | None = None
    architectures: list[str] = Field(default_factory=list)
    dependencies: dict[str, Any] = Field(default_factory=dict)
    visibility: str | None = None
    mine: bool | None = None
    official: bool | None = None
    verified: bool | None = None
    installs: int | None = None
    links: LibraryLinks = Field(default_factory=LibraryLinks)

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
