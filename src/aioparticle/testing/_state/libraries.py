"""Firmware libraries: their versions and visibility, search, contributed archives."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._base import Denied, NotFound, Refused, StateBase, page_of, utcnow, version_key

__all__ = [
    "LIBRARY_SCOPES",
    "LIBRARY_SORTS",
    "FakeLibrary",
    "FakeLibraryVersion",
    "LibrariesMixin",
    "make_library_archive",
    "read_library_properties",
]

LIBRARY_SCOPES = ("all", "public", "private", "mine", "official", "verified", "featured")
LIBRARY_SORTS = ("name", "-name", "popularity", "-popularity")


@dataclass
class FakeLibraryVersion:
    """One version of a firmware library: its archive and its `library.properties` fields."""

    version: str
    archive: bytes
    attributes: dict[str, Any]
    visibility: str = "public"
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class FakeLibrary:
    """A firmware library. `owner` (None: Particle's) may publish and delete it and sees its
    private versions; `installs` drives the `popularity` sort."""

    name: str
    owner: str | None = None
    official: bool = False
    verified: bool = False
    featured: bool = False
    installs: int = 0
    versions: dict[str, FakeLibraryVersion] = field(default_factory=dict)

    def visible_versions(self, username: str | None) -> list[FakeLibraryVersion]:
        """The versions `username` may see, newest first."""
        mine = username is not None and self.owner == username
        found = [v for v in self.versions.values() if v.visibility == "public" or mine]
        return sorted(found, key=lambda v: version_key(v.version), reverse=True)

    def latest(self, username: str | None) -> FakeLibraryVersion | None:
        """The newest version `username` may see."""
        visible = self.visible_versions(username)
        return visible[0] if visible else None


def _in_scope(
    scope: str, library: FakeLibrary, version: FakeLibraryVersion, username: str | None
) -> bool:
    """Whether `library`, seen at `version` by `username`, is in a `LIBRARY_SCOPES` scope."""
    return {
        "all": True,
        "public": version.visibility == "public",
        "private": version.visibility == "private",
        "mine": username is not None and library.owner == username,
        "official": library.official,
        "verified": library.verified,
        "featured": library.featured,
    }[scope]


def _resource(
    library: FakeLibrary, version: FakeLibraryVersion, username: str | None
) -> dict[str, Any]:
    """The JSON:API resource of `version` as `username` sees it (without its links)."""
    attributes: dict[str, Any] = {
        **version.attributes,
        "name": library.name,
        "version": version.version,
        "visibility": version.visibility,
        "mine": username is not None and library.owner == username,
        "official": library.official,
        "verified": library.verified,
        "featured": library.featured,
        "installs": library.installs,
    }
    return {"id": library.name, "type": "libraries", "attributes": attributes}


class LibrariesMixin(StateBase):
    """Firmware libraries: adding, searching, contributing, publishing and deleting them."""

    def add_library(
        self,
        name: str,
        version: str = "1.0.0",
        *,
        archive: bytes | None = None,
        architectures: Iterable[str] = ("*",),
        visibility: str = "public",
        official: bool = False,
        verified: bool = False,
        featured: bool = False,
        owner: str | None = None,
        installs: int = 0,
        author: str = "Local Cloud <libraries@example.com>",
        sentence: str | None = None,
        paragraph: str = "",
        url: str | None = None,
        repository: str | None = None,
        license: str = "MIT",
        category: str = "Other",
        **attributes: object,
    ) -> FakeLibrary:
        """Add a version of a firmware library (creating the library on its first version).

        `archive` defaults to a real `.tar.gz` holding `library.properties` and a header.
        Library-level settings (`owner`, `official`, `verified`, `featured`, `installs`) come
        from the first call; later calls only add versions. Extra keyword arguments become
        attributes of the version. Raises `ValueError` if the version exists."""
        architectures = list(architectures)
        attrs: dict[str, Any] = {
            "author": author,
            "sentence": sentence if sentence is not None else f"The {name} library",
            "paragraph": paragraph,
            "url": url if url is not None else f"https://github.com/example/{name}",
            "repository": repository if repository is not None else f"example/{name}",
            "architectures": architectures,
            "license": license,
            "category": category,
            **attributes,
        }
        if archive is None:
            properties = {
                "author": author,
                "sentence": attrs["sentence"],
                "architectures": ",".join(architectures),
                "license": license,
            }
            archive = make_library_archive(name, version, properties=properties)
        with self.lock:
            library = self.libraries.get(name)
            if library is None:
                library = FakeLibrary(
                    name=name,
                    owner=owner,
                    official=official,
                    verified=verified,
                    featured=featured,
                    installs=installs,
                )
                self.libraries[name] = library
            if version in library.versions:
                raise ValueError(f"library {name} already has version {version}")
            library.versions[version] = FakeLibraryVersion(
                version=version, archive=archive, attributes=attrs, visibility=visibility
            )
            return library

    def find_library(self, name: str) -> FakeLibrary | None:
        """A library by name (exact, else case-insensitive)."""
        with self.lock:
            found = self.libraries.get(name)
            if found is not None:
                return found
            folded = name.casefold()
            return next((v for k, v in self.libraries.items() if k.casefold() == folded), None)

    def _visible_library(self, name: str, username: str | None) -> FakeLibrary:
        """Library `name` if `username` may see a version of it. Raises `NotFound`."""
        library = self.find_library(name)
        if library is None or library.latest(username) is None:
            raise NotFound(f"Library {name} not found")
        return library

    def _owned_library(self, name: str, username: str | None) -> FakeLibrary:
        """Library `name` if `username` owns it. Raises `NotFound` or `Denied`."""
        library = self._visible_library(name, username)
        if username is None or library.owner != username:
            raise Denied(f"The library {library.name} belongs to someone else")
        return library

    def search_libraries(
        self,
        username: str | None,
        *,
        text: str = "",
        scope: str = "all",
        excluded: Iterable[str] = (),
        sort: str = "name",
        architectures: set[str] | None = None,
        category: str = "",
        page: int = 1,
        limit: int,
    ) -> list[dict[str, Any]]:
        """One page of the libraries `username` sees, at their latest visible version: whose
        name contains `text` (casefolded), in `scope` and none of the `excluded` scopes,
        supporting any of `architectures`, in `category` (casefolded); sorted by `sort`
        (`LIBRARY_SORTS`)."""
        excluded = list(excluded)
        with self.lock:
            found: list[tuple[FakeLibrary, FakeLibraryVersion]] = []
            for library in self.libraries.values():
                version = library.latest(username)
                if version is None or text not in library.name.casefold():
                    continue
                supported = set(version.attributes.get("architectures") or ["*"])
                if architectures and "*" not in supported and not architectures & supported:
                    continue
                if category and str(version.attributes.get("category", "")).casefold() != category:
                    continue
                if not _in_scope(scope, library, version, username) or any(
                    _in_scope(name, library, version, username) for name in excluded
                ):
                    continue
                found.append((library, version))
            found.sort(key=lambda pair: pair[0].name.casefold(), reverse=sort == "-name")
            if sort.endswith("popularity"):
                found.sort(key=lambda pair: pair[0].installs, reverse=sort == "popularity")
            return [_resource(lib, v, username) for lib, v in page_of(found, page, limit)]

    def library_json(
        self, name: str, username: str | None, version: str | None = None
    ) -> dict[str, Any]:
        """Library `name` at `version` (None: its latest) as `username` sees it. Raises
        `NotFound`."""
        with self.lock:
            library = self._visible_library(name, username)
            found = library.latest(username)
            if version:
                visible = library.visible_versions(username)
                found = next((v for v in visible if v.version == version), None)
            if found is None:
                raise NotFound(f"Version {version} of library {library.name} not found")
            return _resource(library, found, username)

    def list_library_versions(
        self, name: str, username: str | None, *, page: int = 1, limit: int
    ) -> list[dict[str, Any]]:
        """One page of the versions of library `name` `username` sees, newest first. Raises
        `NotFound`."""
        with self.lock:
            library = self._visible_library(name, username)
            versions = page_of(library.visible_versions(username), page, limit)
            return [_resource(library, v, username) for v in versions]

    def library_archive(
        self, name: str, version: str, *, path: str, authorization: str | None
    ) -> bytes:
        """The archive of a version of library `name` (any visibility), recording the download
        in `archive_requests`. Raises `NotFound`."""
        with self.lock:
            self.archive_requests.append((path, authorization))
            library = self.find_library(name)
            found = library.versions.get(version) if library is not None else None
            if found is None:
                raise NotFound(f"Version {version} of library {name} not found")
            return found.archive

    def contribute_library(
        self,
        username: str,
        name: str,
        version: str,
        archive: bytes,
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        """Add a private version to library `name` of `username` (creating the library).
        Raises `Denied` for someone else's library, `Refused` for an existing version."""
        with self.lock:
            library = self.find_library(name)
            if library is not None and library.owner != username:
                raise Denied(f"The library {library.name} belongs to someone else")
            if library is None:
                library = self.libraries[name] = FakeLibrary(name=name, owner=username)
            if version in library.versions:
                raise Refused(f"Version {version} of {library.name} already exists")
            contributed = library.versions[version] = FakeLibraryVersion(
                version=version, archive=archive, attributes=attributes, visibility="private"
            )
            return _resource(library, contributed, username)

    def publish_library(self, name: str, username: str | None) -> dict[str, Any]:
        """Make the latest version of `username`'s library `name` public. Raises `NotFound` or
        `Denied`."""
        with self.lock:
            library = self._owned_library(name, username)
            version = library.latest(username)
            assert version is not None
            version.visibility = "public"
            return _resource(library, version, username)

    def delete_library(self, name: str, username: str | None, *, force: bool) -> None:
        """Delete `username`'s library `name`; one with a public version only with `force`.
        Raises `NotFound`, `Denied` or `Refused`."""
        with self.lock:
            library = self._owned_library(name, username)
            public = any(v.visibility == "public" for v in library.versions.values())
            if public and not force:
                raise Refused("Deleting a public library requires force")
            del self.libraries[library.name]


def make_library_archive(
    name: str,
    version: str,
    *,
    properties: Mapping[str, str] | None = None,
    files: Mapping[str, bytes] | None = None,
) -> bytes:
    """A library `.tar.gz` as `POST /v1/libraries` expects: `library.properties` (`name`,
    `version`, then `properties`) plus `files` (default: `src/<name>.h`)."""
    lines = [f"name={name}", f"version={version}"]
    lines += [f"{key}={value}" for key, value in (properties or {}).items()]
    contents = {"library.properties": ("\n".join(lines) + "\n").encode()}
    contents.update(files if files is not None else {f"src/{name}.h": b"#pragma once\n"})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in contents.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def read_library_properties(archive: bytes) -> dict[str, str]:
    """The `library.properties` of a library archive. Raises `ValueError` if unreadable."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
            members = [
                m
                for m in tar.getmembers()
                if m.isfile() and m.name.rsplit("/", 1)[-1] == "library.properties"
            ]
            if not members:
                raise ValueError("library.properties is missing from the archive")
            member = min(members, key=lambda m: m.name.count("/"))
            extracted = tar.extractfile(member)
            if extracted is None:
                raise ValueError("library.properties is not a file")
            text = extracted.read().decode("utf-8")
    except (tarfile.TarError, OSError, EOFError, UnicodeDecodeError) as exc:
        raise ValueError(f"the archive is not a readable .tar.gz: {exc}") from None
    properties: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        if equals:
            properties[key.strip()] = value.strip()
    return properties
