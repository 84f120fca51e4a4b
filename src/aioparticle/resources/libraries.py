"""The firmware library registry (a JSON:API service)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, overload

from .._exceptions import InvalidArgumentError
from .._files import file_part
from .._pagination import AsyncPaginator, page_parser
from .._parsing import parse_ack, parse_unwrapped
from .._paths import segment
from ..models.libraries import Library
from ._base import Resource
from ._checks import comma_list, short_text

if TYPE_CHECKING:
    from ..types import FileInput, ProgressCallback, StrPath

__all__ = ["Libraries"]

#: Longest library name accepted.
MAX_LIBRARY_NAME_LENGTH = 128

_parse_library_page = page_parser(Library, "data")
_parse_library = parse_unwrapped(Library, "data")


def _name(name: object) -> str:
    return segment(name, "library name", max_length=MAX_LIBRARY_NAME_LENGTH)


def _optional(value: object, what: str) -> str | None:
    return None if value is None else short_text(value, what, max_length=256)


class Libraries(Resource):
    """Firmware libraries: search, inspect, contribute, publish, download.

    Pagination uses `page`/`per_page` like every listing (sent as `page`/`limit`).
    """

    __slots__ = ()

    def list(
        self,
        *,
        filter: str | None = None,
        sort: str | None = None,
        architectures: Sequence[str] | None = None,
        category: str | None = None,
        scope: str | None = None,
        exclude_scopes: Sequence[str] | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> AsyncPaginator[Library]:
        """Search libraries (latest version of each). `scope` is one of `all`, `public`,
        `private`, `mine`, `official`, `verified`, `featured`."""
        params: dict[str, str | int | None] = {
            "filter": _optional(filter, "filter"),
            "sort": _optional(sort, "sort"),
            "architectures": None
            if architectures is None
            else comma_list(architectures, "architectures"),
            "category": _optional(category, "category"),
            "scope": _optional(scope, "scope"),
            "excludeScopes": None
            if exclude_scopes is None
            else comma_list(exclude_scopes, "exclude_scopes"),
        }
        return self._paginate(
            "/v1/libraries",
            _parse_library_page,
            params=params,
            page=page,
            per_page=per_page,
            size_param="limit",
        )

    async def get(self, name: str, *, version: str | None = None) -> Library:
        """One library: its latest version, or `version`."""
        params = {"version": _optional(version, "version")}
        return await self._request(
            "GET", f"/v1/libraries/{_name(name)}", params=params, parse=_parse_library
        )

    def list_versions(
        self, name: str, *, page: int | None = None, per_page: int | None = None
    ) -> AsyncPaginator[Library]:
        """Every version of a library, newest first."""
        path = f"/v1/libraries/{_name(name)}/versions"
        return self._paginate(
            path,
            _parse_library_page,
            page=page,
            per_page=per_page,
            size_param="limit",
        )

    async def upload(
        self, archive: FileInput, *, progress: ProgressCallback | None = None
    ) -> Library:
        """Contribute a library version from its `.tar.gz` archive (private until published).

        `progress(sent, total)` follows the upload."""
        part = file_part("file", archive, default_filename="archive.tar.gz", what="archive")
        return await self._request(
            "POST", "/v1/libraries", parts=[part], parse=_parse_library, progress=progress
        )

    async def publish(self, name: str) -> Library:
        """Make the latest contributed version of a library public."""
        return await self._request(
            "PATCH",
            f"/v1/libraries/{_name(name)}",
            json={"visibility": "public"},
            parse=_parse_library,
        )

    async def delete(self, name: str, *, force: str | None = None) -> None:
        """Delete a private library; a public one needs Particle's `force` key."""
        body = {} if force is None else {"force": short_text(force, "force", max_length=256)}
        await self._request("DELETE", f"/v1/libraries/{_name(name)}", json=body, parse=parse_ack)

    @overload
    async def download(
        self,
        source: str | Library,
        *,
        to: None = None,
        progress: ProgressCallback | None = None,
    ) -> bytes: ...
    @overload
    async def download(
        self,
        source: str | Library,
        *,
        to: StrPath,
        progress: ProgressCallback | None = None,
    ) -> Path: ...
    async def download(
        self,
        source: str | Library,
        *,
        to: StrPath | None = None,
        progress: ProgressCallback | None = None,
    ) -> bytes | Path:
        """Download a library archive: from a `Library` (its `links.download`), an absolute
        URL, or a path on the API origin. The access token is only sent to the API origin."""
        if isinstance(source, Library):
            url = source.links.download
            if not url:
                raise InvalidArgumentError(f"library {source.name!r} has no download link")
        elif isinstance(source, str):
            url = source
        else:
            raise InvalidArgumentError(
                f"source must be a Library or a URL, got {type(source).__name__}"
            )
        return await self._download("GET", url, to=to, progress=progress)
