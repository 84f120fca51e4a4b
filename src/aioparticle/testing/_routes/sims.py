"""SIM cards: listing, activating, releasing and importing them, and their data usage."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import SIM_ACTIONS, FakeProduct, FakeSim, Refused, Token
from ._common import (
    authenticate,
    bad_request,
    cloud,
    json_response,
    page_meta,
    paging,
    product_of,
    read_body,
    scope_of,
)

__all__ = ["ROUTES"]


def _sim(request: Request, *, claimable: bool = False) -> tuple[FakeSim, Token, FakeProduct | None]:
    """The SIM of the path, in the path's product if any (see `CloudState.sim_for`)."""
    token, product = scope_of(request)
    sim = cloud(request).sim_for(token, request.path_params["iccid"], product, claimable=claimable)
    return sim, token, product


async def list_sims(request: Request) -> Response:
    token = authenticate(request)
    return json_response(cloud(request).list_owned_sims(token.username))


async def list_product_sims(request: Request) -> Response:
    product, _ = product_of(request)
    query = request.query_params
    page, per_page = paging(query)
    sims, total = cloud(request).list_product_sims(
        product.id,
        iccid=query.get("iccid"),
        device_id=query["deviceId"].lower() if "deviceId" in query else None,
        device_name=query.get("deviceName"),
        page=page,
        per_page=per_page,
    )
    return json_response({"sims": sims, "meta": page_meta(page, per_page, total)})


async def check_sim(request: Request) -> Response:
    """`HEAD`: 200 for the user's own or a released SIM, 403 someone else's, 404 unknown."""
    token = authenticate(request)
    try:
        cloud(request).sim_for(token, request.path_params["iccid"], None, claimable=True)
    except Refused as exc:
        return Response(status_code=exc.status)
    return Response(status_code=200)


async def get_sim(request: Request) -> Response:
    sim, _, _ = _sim(request)
    return json_response({"sim": cloud(request).sim_json(sim)})


async def sim_status(request: Request) -> Response:
    """A cellular network status check: 202 while pending, 200 once complete."""
    sim, _, _ = _sim(request)
    body, complete = cloud(request).sim_status(sim)
    return json_response(body, 200 if complete else 202)


async def sim_data_usage(request: Request) -> Response:
    sim, _, _ = _sim(request)
    return json_response(cloud(request).sim_usage(sim))


async def fleet_data_usage(request: Request) -> Response:
    product, _ = product_of(request)
    return json_response(cloud(request).fleet_usage(product))


async def update_sim(request: Request) -> Response:
    authenticate(request)
    body = await read_body(request)
    sim, token, product = _sim(request, claimable=body.get("action") == "activate")
    action, mb_limit = body.get("action"), body.get("mb_limit")
    if action is None and mb_limit is None:
        raise bad_request("action or mb_limit is required")
    if action is not None and action not in SIM_ACTIONS:
        raise bad_request(f"Unknown action: {action}")
    if mb_limit is not None:
        if isinstance(mb_limit, str) and mb_limit.isdigit():
            mb_limit = int(mb_limit)
        if isinstance(mb_limit, bool) or not isinstance(mb_limit, int) or mb_limit < 1:
            raise bad_request("mb_limit must be a positive integer")
    country = body.get("country")
    if country is not None and not isinstance(country, str):
        raise bad_request("country must be a country code")
    cloud(request).update_sim(
        sim,
        username=token.username,
        product_scope=product is not None,
        action=action,
        country=country,
        mb_limit=mb_limit,
    )
    return json_response({"ok": True})


async def remove_sim(request: Request) -> Response:
    sim, _, _ = _sim(request)
    cloud(request).release_sim(sim)
    return json_response({"ok": True})


async def import_sims(request: Request) -> Response:
    product, token = product_of(request)
    body = await read_body(request)
    iccids, country = body.get("sims"), body.get("country")
    if (
        not isinstance(iccids, list)
        or not iccids
        or not all(isinstance(i, str) and i.strip() for i in iccids)
    ):
        raise bad_request("sims must be a non-empty list of ICCIDs")
    if country is not None and not isinstance(country, str):
        raise bad_request("country must be a country code")
    cloud(request).import_sims(product, iccids, username=token.username, country=country)
    return json_response({"ok": True})


# "data_usage" comes before the "{iccid}" routes, and the HEAD check before the GET (which
# would answer HEAD too)
ROUTES = [
    Route("/v1/sims", list_sims, methods=["GET"]),
    Route("/v1/sims/{iccid}", check_sim, methods=["HEAD"]),
    Route("/v1/sims/{iccid}", get_sim, methods=["GET"]),
    Route("/v1/sims/{iccid}/status", sim_status, methods=["GET"]),
    Route("/v1/sims/{iccid}", update_sim, methods=["PUT"]),
    Route("/v1/sims/{iccid}", remove_sim, methods=["DELETE"]),
    Route("/v1/sims/{iccid}/data_usage", sim_data_usage, methods=["GET"]),
    Route("/v1/products/{product}/sims", list_product_sims, methods=["GET"]),
    Route("/v1/products/{product}/sims", import_sims, methods=["POST"]),
    Route("/v1/products/{product}/sims/data_usage", fleet_data_usage, methods=["GET"]),
    Route("/v1/products/{product}/sims/{iccid}", get_sim, methods=["GET"]),
    Route("/v1/products/{product}/sims/{iccid}/status", sim_status, methods=["GET"]),
    Route("/v1/products/{product}/sims/{iccid}", update_sim, methods=["PUT"]),
    Route("/v1/products/{product}/sims/{iccid}", remove_sim, methods=["DELETE"]),
    Route("/v1/products/{product}/sims/{iccid}/data_usage", sim_data_usage, methods=["GET"]),
]
