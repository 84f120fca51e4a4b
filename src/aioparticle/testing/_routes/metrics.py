"""Fleet health: a product's online devices, events, integrations, functions and variables."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import MetricsFilter, utcnow
from .._state.diagnostics import parse_date
from ._common import HttpError, bad_request, cloud, json_response, product_of

__all__ = ["ROUTES"]

DEFAULT_BUCKET_SIZE = 900
MIN_BUCKET_SIZE = 15


def _int(text: str | None, what: str) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise bad_request(f"{what} must be a number") from None


def _query(request: Request) -> MetricsFilter:
    query = request.query_params
    try:
        now = utcnow().replace(microsecond=0)
        end = parse_date(query["end_date"]) if "end_date" in query else now
        start = parse_date(query["start_date"]) if "start_date" in query else end
    except ValueError:
        raise bad_request("start_date and end_date must be ISO8601 formatted") from None
    if end < start:
        raise bad_request("end_date must not be before start_date")
    size = _int(query.get("bucket_size"), "bucket_size")
    if size is None:
        size = DEFAULT_BUCKET_SIZE
    if size <= MIN_BUCKET_SIZE:
        raise bad_request(f"bucket_size must be greater than {MIN_BUCKET_SIZE}")
    return MetricsFilter(
        start=start,
        end=end,
        bucket_size=size,
        product_fw=_int(query.get("product_fw"), "product_fw"),
        device_os_version=query.get("device_os_version"),
        device_group=query.get("device_group"),
    )


async def metric(request: Request) -> Response:
    product, _ = product_of(request)
    name = request.path_params["metric"]
    if name not in ("online", "events", "integration", "functions", "variables"):
        raise HttpError(404, {"error": "Not Found", "ok": False})
    return json_response(cloud(request).product_metric(product, name, _query(request)))


ROUTES = [Route("/v1/products/{product}/metrics/{metric}", metric, methods=["GET"])]
