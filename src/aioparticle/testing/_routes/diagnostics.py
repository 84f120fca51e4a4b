"""Device vitals: refresh, the last report and the history (JSON or CSV)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import Refused
from ._common import HttpError, cloud, device_of, errors_as, json_response

__all__ = ["ROUTES"]


def _history_error(exc: Refused) -> HttpError:
    """The history's own error shape: `{"error": "bad_request", "description": ...}`."""
    if exc.status == 400:
        return HttpError(400, {"error": "bad_request", "description": exc.message})
    return HttpError(exc.status, {"ok": False, "error": exc.message})


async def refresh(request: Request) -> Response:
    device, _, _ = device_of(request)
    cloud(request).refresh_vitals(device)
    return json_response({"ok": True}, 202)


async def last(request: Request) -> Response:
    device, _, _ = device_of(request)
    return json_response(cloud(request).last_vitals(device))


@errors_as(_history_error)
async def history(request: Request) -> Response:
    device, _, _ = device_of(request)
    state = cloud(request)
    query = request.query_params
    records = state.vitals_history(device, query.get("start_date"), query.get("end_date"))
    if "text/csv" in request.headers.get("accept", "").lower():
        return Response(state.vitals_csv(records), media_type="text/csv")
    return json_response(state.vitals_json(records))


ROUTES = [
    Route("/v1/diagnostics/{device}/update", refresh, methods=["POST"]),
    Route("/v1/diagnostics/{device}/last", last, methods=["GET"]),
    Route("/v1/diagnostics/{device}", history, methods=["GET"]),
    Route("/v1/products/{product}/diagnostics/{device}/update", refresh, methods=["POST"]),
    Route("/v1/products/{product}/diagnostics/{device}/last", last, methods=["GET"]),
    Route("/v1/products/{product}/diagnostics/{device}", history, methods=["GET"]),
]
