"""The cloud compiler: build targets, compiling uploaded sources, binaries and flashing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._base import PLATFORMS, NotFound, Refused, StateBase, utcnow, version_key

__all__ = ["BuildsMixin", "CompileRequest", "FlashRequest", "UploadedFile", "fake_binary"]


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart upload: its part name (`file`, `file2`...), filename, bytes."""

    part: str
    filename: str
    data: bytes


class _Upload:
    """A request carrying uploaded files: their part names and filenames."""

    files: tuple[UploadedFile, ...]

    @property
    def part_names(self) -> list[str]:
        return [f.part for f in self.files]

    @property
    def filenames(self) -> list[str]:
        return [f.filename for f in self.files]


@dataclass(frozen=True)
class CompileRequest(_Upload):
    """One `POST /v1/binaries` the cloud compiler received (`ok` False when it was refused)."""

    files: tuple[UploadedFile, ...]
    fields: dict[str, str]
    username: str | None
    ok: bool
    binary_id: str | None
    at: datetime


@dataclass(frozen=True)
class FlashRequest(_Upload):
    """One flash a device received over `PUT .../devices/:device`: uploaded files (sources or a
    .bin) with their text fields, or a named `app` (`tinker`). `ok` False when refused."""

    device_id: str
    product_id: int | None
    files: tuple[UploadedFile, ...]
    fields: dict[str, str]
    app: str | None
    username: str | None
    ok: bool
    at: datetime


def fake_binary(sources: Iterable[tuple[str, bytes]], size: int = 4096) -> bytes:
    """The deterministic "firmware" the local compiler builds from `(filename, bytes)` sources:
    `FAKEBIN`, the sha256 of the sources, then 0xFF padding up to `size` bytes."""
    digest = hashlib.sha256()
    for filename, data in sources:
        digest.update(filename.encode() + b"\0" + data + b"\0")
    head = b"FAKEBIN" + digest.digest()
    return head + b"\xff" * max(0, size - len(head))


def _compile_errors(files: tuple[UploadedFile, ...]) -> list[str]:
    """The `#error` lines of the sources, as `file:line: text`."""
    errors = []
    for upload in files:
        if upload.filename.lower().endswith(".bin"):
            continue
        text = upload.data.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if "#error" in line:
                errors.append(f"{upload.filename}:{number}: {line.strip()}")
    return errors


def _refusal(files: tuple[UploadedFile, ...], *, platform_id: str | None = None) -> Refused | None:
    """Why the compiler refuses these sources (none, a bad `platform_id`, `#error` lines)."""
    if not files:
        return Refused("Nothing to compile")
    if platform_id is not None and not platform_id.strip().isdigit():
        return Refused(f"Invalid platform_id: {platform_id}")
    errors = _compile_errors(files)
    return Refused("Compiler failed", errors=errors) if errors else None


class BuildsMixin(StateBase):
    """The compiler: what it builds, the binaries it keeps, the flashes devices receive."""

    def add_binary(self, data: bytes) -> str:
        """Register a firmware binary for `GET /v1/binaries/:id`; return its id (the state's
        next binary id: the same sequence in every state)."""
        with self.lock:
            binary_id = self._hex_id("binary")
            self.binaries[binary_id] = bytes(data)
        return binary_id

    def binary(self, binary_id: str) -> bytes:
        """A compiled or registered binary. Raises `NotFound`."""
        with self.lock:
            data = self.binaries.get(binary_id)
        if data is None:
            raise NotFound("Binary not found")
        return data

    def compile(
        self, files: tuple[UploadedFile, ...], fields: dict[str, str], *, username: str | None
    ) -> CompileRequest:
        """Compile uploaded sources into a binary and record the request in `compiles`.
        Refused requests are recorded too, then raised as `Refused` (with the compiler's
        `errors` for sources with `#error` lines)."""
        failure = _refusal(files, platform_id=fields.get("platform_id"))
        with self.lock:
            binary_id = None
            if failure is None:
                binary_id = self.add_binary(fake_binary((f.filename, f.data) for f in files))
            request = CompileRequest(
                files=files,
                fields=fields,
                username=username,
                ok=failure is None,
                binary_id=binary_id,
                at=utcnow(),
            )
            self.compiles.append(request)
        if failure is not None:
            raise failure
        return request

    def flash(
        self,
        device_id: str,
        product_id: int | None,
        *,
        files: tuple[UploadedFile, ...],
        fields: dict[str, str],
        app: str | None,
        username: str | None,
    ) -> None:
        """Flash uploaded sources or binaries, or a named app (`tinker`), recording the request
        in `flashes`. Refused flashes are recorded too, then raised as `Refused`."""
        if app is not None:
            failure = None if app == "tinker" else Refused(f"Unknown app: {app}")
        else:
            failure = _refusal(files)
        with self.lock:
            self.flashes.append(
                FlashRequest(
                    device_id=device_id,
                    product_id=product_id,
                    files=files,
                    fields=fields,
                    app=app,
                    username=username,
                    ok=failure is None,
                    at=utcnow(),
                )
            )
        if failure is not None:
            raise failure

    def build_targets(self, *, featured: bool = False) -> dict[str, Any]:
        """The Device OS versions the compiler builds for, per platform, with each platform's
        default (its newest release); `featured`: only the defaults."""
        with self.lock:
            releases = sorted(
                self.device_os_versions, key=lambda r: version_key(r.version), reverse=True
            )
        by_version: dict[str, list[int]] = {}
        prereleases: dict[str, list[int]] = {}
        defaults: dict[str, str] = {}
        for release in releases:
            by_version.setdefault(release.version, []).append(release.platform_id)
            if release.prerelease:
                prereleases.setdefault(release.version, []).append(release.platform_id)
            else:
                defaults.setdefault(str(release.platform_id), release.version)
        targets = [
            {
                "version": version,
                "platforms": sorted(set(platforms)),
                "prereleases": sorted(set(prereleases.get(version, []))),
                "firmware_vendor": "Particle",
            }
            for version, platforms in by_version.items()
        ]
        if featured:
            targets = [t for t in targets if t["version"] in defaults.values()]
        return {"targets": targets, "platforms": dict(PLATFORMS), "default_versions": defaults}
