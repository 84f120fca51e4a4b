"""Service agreements (JSON:API): list, notifications, usage reports (create, get) and the
signed download of a report's file, served as if from another origin."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import Denied
from ._common import authenticate, bad_request, cloud, denied, json_response, read_body

__all__ = ["ROUTES"]

#: The server's other loopback name: a report's file is served "elsewhere", as the cloud
#: serves it from storage on another host (a client must not send its token there).
_OTHER_NAME = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}


def _files_origin(request: Request) -> str:
    url = request.url
    host = _OTHER_NAME.get(url.hostname or "", "localhost")
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{host}{port}"


async def list_agreements(request: Request) -> Response:
    token = authenticate(request)
    try:
        data = cloud(request).agreements_of(token, request.path_params.get("org"))
    except Denied:
        raise denied(request) from None
    return json_response({"data": data})


async def list_notifications(request: Request) -> Response:
    token = authenticate(request)
    try:
        data = cloud(request).notifications_of(
            token, request.path_params.get("org"), request.path_params["agreement"]
        )
    except Denied:
        raise denied(request) from None
    return json_response({"data": data})


async def create_report(request: Request) -> Response:
    token = authenticate(request)
    body = await read_body(request)
    if not body:
        raise bad_request("A JSON body is required")
    state = cloud(request)
    try:
        report = state.create_usage_report(
            token, request.path_params.get("org"), request.path_params["agreement"], body
        )
    except Denied:
        raise denied(request) from None
    return json_response({"data": state.usage_report_json(report, _files_origin(request))}, 202)


async def get_report(request: Request) -> Response:
    token = authenticate(request)
    state = cloud(request)
    try:
        report = state.read_usage_report(
            token, request.path_params.get("org"), request.path_params["report"]
        )
    except Denied:
        raise denied(request) from None
    return json_response({"data": state.usage_report_json(report, _files_origin(request))})


async def download_report(request: Request) -> Response:
    data = cloud(request).usage_report_file(
        request.path_params["report"],
        request.query_params.get("signature"),
        request.headers.get("authorization"),
        request.url.path,
    )
    return Response(data, media_type="text/csv")


_AGREEMENTS = "/service_agreements"
_ONE = "/service_agreements/{agreement}"

ROUTES = [
    Route(f"/v1/user{_AGREEMENTS}", list_agreements, methods=["GET"]),
    Route(f"/v1/orgs/{{org}}{_AGREEMENTS}", list_agreements, methods=["GET"]),
    Route(f"/v1/user{_ONE}/notifications", list_notifications, methods=["GET"]),
    Route(f"/v1/orgs/{{org}}{_ONE}/notifications", list_notifications, methods=["GET"]),
    Route(f"/v1/user{_ONE}/usage_reports", create_report, methods=["POST"]),
    Route(f"/v1/orgs/{{org}}{_ONE}/usage_reports", create_report, methods=["POST"]),
    Route("/v1/user/usage_reports/{report}", get_report, methods=["GET"]),
    Route("/v1/orgs/{org}/usage_reports/{report}", get_report, methods=["GET"]),
    Route("/files/usage_reports/{report}.csv", download_report, methods=["GET"]),
]
