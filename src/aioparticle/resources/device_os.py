"""Device OS versions."""

from __future__ import annotations

from .._exceptions import InvalidArgumentError
from .._pagination import AsyncPaginator, page_parser
from .._parsing import parse_model
from .._paths import segment
from ..models.misc import DeviceOsVersion
from ._base import Resource
from ._checks import positive_int

__all__ = ["DeviceOs"]

_parse_versions = page_parser(DeviceOsVersion, "versions")
_parse_version = parse_model(DeviceOsVersion)


def _platform(platform_id: object) -> int:
    if isinstance(platform_id, bool) or not isinstance(platform_id, int) or platform_id < 0:
        raise InvalidArgumentError(f"platform_id must be an int >= 0, got {platform_id!r}")
    return platform_id


class DeviceOs(Resource):
    """Device OS releases, per platform."""

    __slots__ = ()

    def list(
        self,
        *,
        platform_id: int | None = None,
        internal_version: int | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> AsyncPaginator[DeviceOsVersion]:
        """Device OS versions, optionally for one platform or one internal version number."""
        params = {
            "platform_id": None if platform_id is None else _platform(platform_id),
            "internal_version": None
            if internal_version is None
            else positive_int(internal_version, "internal_version"),
        }
        return self._paginate(
            "/v1/device-os/versions",
            _parse_versions,
            params=params,
            page=page,
            per_page=per_page,
        )

    async def get(self, version: str, *, platform_id: int | None = None) -> DeviceOsVersion:
        """One Device OS version (such as `"6.1.1"`), optionally for one platform."""
        path = f"/v1/device-os/versions/{segment(version, 'version', max_length=64)}"
        params = {"platform_id": None if platform_id is None else _platform(platform_id)}
        return await self._request("GET", path, params=params, parse=_parse_version)
