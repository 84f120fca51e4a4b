"""Device OS: the Device OS versions, per platform."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._common import authenticate, bad_request, cloud, json_response, paging

__all__ = ["ROUTES"]


def _platform(request: Request) -> int | None:
    """The `platform_id` query parameter, if any."""
    value = request.query_params.get("platform_id")
    if not value:
        return None
    if not value.isdigit():
        raise bad_request("platform_id must be an integer")
    return int(value)


async def list_device_os_versions(request: Request) -> Response:
    authenticate(request)
    platform = _platform(request)
    internal = request.query_params.get("internal_version")
    if internal and not internal.isdigit():
        raise bad_request("internal_version must be an integer")
    page, per_page = paging(request.query_params)
    releases = cloud(request).list_device_os(
        platform=platform,
        internal_version=int(internal) if internal else None,
        page=page,
        per_page=per_page,
    )
    return json_response(releases)


async def get_device_os_version(request: Request) -> Response:
    authenticate(request)
    platform = _platform(request)
    release = cloud(request).device_os_json(request.path_params["version"], platform=platform)
    return json_response(release)


ROUTES = [
    Route("/v1/device-os/versions", list_device_os_versions, methods=["GET"]),
    Route("/v1/device-os/versions/{version}", get_device_os_version, methods=["GET"]),
]
