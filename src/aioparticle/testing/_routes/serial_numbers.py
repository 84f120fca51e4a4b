"""Serial numbers: `GET /v1/serial_numbers/:serial`, the device behind a serial number."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._common import authenticate, cloud, json_response

__all__ = ["ROUTES"]


async def lookup_serial_number(request: Request) -> Response:
    authenticate(request)
    found = cloud(request).lookup_serial_number(request.path_params["serial"])
    return json_response({"ok": True, **found})


ROUTES = [Route("/v1/serial_numbers/{serial}", lookup_serial_number, methods=["GET"])]
