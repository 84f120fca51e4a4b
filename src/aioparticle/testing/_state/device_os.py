"""Device OS: the releases of Device OS for each platform."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ._base import NotFound, StateBase, iso, page_of, platform_id, version_key

__all__ = ["DeviceOsMixin", "DeviceOsVersion"]

_DEVICE_OS_SEED: list[tuple[str, tuple[str, ...], datetime]] = [
    ("4.2.0", ("argon", "boron"), datetime(2023, 9, 20, tzinfo=timezone.utc)),
    ("5.8.0", ("argon", "boron", "tracker"), datetime(2024, 4, 10, tzinfo=timezone.utc)),
    ("5.9.0", ("argon", "boron", "tracker"), datetime(2024, 8, 22, tzinfo=timezone.utc)),
    ("6.3.0-rc.1", ("boron", "tracker"), datetime(2025, 1, 15, tzinfo=timezone.utc)),
]


@dataclass(frozen=True)
class DeviceOsVersion:
    """A Device OS release for one platform; a version with `-` (e.g. `6.3.0-rc.1`) is a
    prerelease."""

    version: str
    platform_id: int
    internal_version: int
    module_version: int | None = None
    release_date: datetime | None = None

    @property
    def prerelease(self) -> bool:
        return "-" in self.version


def _device_os_json(release: DeviceOsVersion) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": release.version,
        "internal_version": release.internal_version,
        "platform_id": release.platform_id,
        "module_version": release.module_version,
    }
    if release.release_date is not None:
        body["release_date"] = iso(release.release_date)
    return body


class DeviceOsMixin(StateBase):
    """The Device OS releases, newest first."""

    def _seed_device_os(self) -> None:
        """The releases every local cloud starts with."""
        for version, platforms, released in _DEVICE_OS_SEED:
            for platform in platforms:
                self.add_device_os_version(version, platform, release_date=released)

    def add_device_os_version(
        self,
        version: str,
        platform: int | str,
        *,
        internal_version: int | None = None,
        module_version: int | None = None,
        release_date: datetime | None = None,
    ) -> DeviceOsVersion:
        """Add a Device OS release for one platform (listed by `/v1/device-os/versions` and
        `/v1/build_targets`). `internal_version` defaults to major*1000 + minor*100 + patch."""
        if internal_version is None:
            numbers = [int(n) for n in re.findall(r"\d+", version.split("-")[0])[:3]]
            major, minor, patch = [*numbers, 0, 0, 0][:3]
            internal_version = major * 1000 + minor * 100 + patch
        release = DeviceOsVersion(
            version=version,
            platform_id=platform_id(platform),
            internal_version=internal_version,
            module_version=module_version if module_version is not None else internal_version,
            release_date=release_date,
        )
        with self.lock:
            self.device_os_versions.append(release)
            self.device_os_versions.sort(
                key=lambda v: (version_key(v.version), -v.platform_id), reverse=True
            )
        return release

    def list_device_os(
        self,
        *,
        platform: int | None = None,
        internal_version: int | None = None,
        page: int = 1,
        per_page: int,
    ) -> list[dict[str, Any]]:
        """One page of the releases, newest first, for one platform and/or internal version."""
        with self.lock:
            releases = [
                r
                for r in self.device_os_versions
                if (platform is None or r.platform_id == platform)
                and (internal_version is None or r.internal_version == internal_version)
            ]
        return [_device_os_json(r) for r in page_of(releases, page, per_page)]

    def device_os_json(self, version: str, *, platform: int | None = None) -> dict[str, Any]:
        """Release `version` for `platform` (None: the lowest platform id having it). Raises
        `NotFound`."""
        with self.lock:
            release = next(
                (
                    r
                    for r in sorted(self.device_os_versions, key=lambda r: r.platform_id)
                    if r.version == version and (platform is None or r.platform_id == platform)
                ),
                None,
            )
        if release is None:
            raise NotFound(f"Device OS version {version} not found")
        return _device_os_json(release)
