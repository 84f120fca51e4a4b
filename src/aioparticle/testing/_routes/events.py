"""Events: the server-sent event streams (public, user, device, product, org) and publishing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from .._state import CloudState, Denied, PublishedEvent, StreamFault, Subscriber
from ._common import (
    HttpError,
    authenticate,
    cloud,
    denied,
    device_of,
    json_response,
    not_found,
    product_of,
    read_body,
    scope_of,
)

__all__ = ["ROUTES"]

Accepts = Callable[[PublishedEvent], bool]


async def public_stream_without_prefix(request: Request) -> Response:
    authenticate(request)
    raise HttpError(
        400,
        {"ok": False, "error": "An event name prefix is required for the public event stream"},
    )


async def public_stream(request: Request) -> Response:
    authenticate(request)
    prefix = request.path_params["prefix"]
    if not prefix:
        return await public_stream_without_prefix(request)
    return await _sse(request, lambda e: not e.private and e.name.startswith(prefix))


async def mine_stream(request: Request) -> Response:
    token = authenticate(request)
    prefix = request.path_params.get("prefix", "")
    user = token.username
    return await _sse(
        request, lambda e: user is not None and e.owner == user and e.name.startswith(prefix)
    )


async def device_stream(request: Request) -> Response:
    device, _, _ = device_of(request)
    return await _sse(request, _from_device(device.id, request))


async def product_stream(request: Request) -> Response:
    product, _ = product_of(request)
    return await _sse(request, _in_products({product.id}, request), with_product=True)


async def product_device_stream(request: Request) -> Response:
    device, _, _ = device_of(request)
    return await _sse(request, _from_device(device.id, request), with_product=True)


async def org_stream(request: Request) -> Response:
    products = _org_products(request)
    return await _sse(request, _in_products(products, request), with_product=True)


async def org_device_stream(request: Request) -> Response:
    products = _org_products(request)
    device = cloud(request).find_device(request.path_params["device"])
    if device is None or device.product_id not in products:
        raise not_found("Device not found")
    return await _sse(request, _from_device(device.id, request), with_product=True)


async def org_product_stream(request: Request) -> Response:
    products = _org_products(request)
    product = cloud(request).find_product(request.path_params["product"])
    if product is None or product.id not in products:
        raise not_found("Product not found")
    return await _sse(request, _in_products({product.id}, request), with_product=True)


async def publish(request: Request) -> Response:
    token, product = scope_of(request)
    body = await read_body(request)
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise HttpError(400, {"ok": False, "error": "Event name is required"})
    private = body.get("private", True) not in (False, "false")
    ttl = int(body.get("ttl") or 60)
    as_device = body.get("as_device_id")
    if as_device is not None and product is not None:
        if not isinstance(as_device, str) or not as_device:
            raise HttpError(400, {"ok": False, "error": "as_device_id must be a device id"})
        data = str(body.get("data") or "")
        cloud(request).publish_as_device(product, as_device, name, data, ttl=ttl, private=private)
        return json_response({"ok": True})
    cloud(request).publish(
        name,
        str(body.get("data") or ""),
        device="api",
        ttl=ttl,
        private=private,
        owner=token.username,
        product_id=product.id if product is not None else None,
    )
    return json_response({"ok": True})


def _org_products(request: Request) -> set[int]:
    """The ids of the products of the path's organization (404 unknown, 403 not a member)."""
    token = authenticate(request)
    try:
        return cloud(request).org_product_ids(
            token.username, request.path_params["org"], org_id=token.org_id
        )
    except Denied:
        raise denied(request) from None


def _from_device(device_id: str, request: Request) -> Accepts:
    prefix = request.path_params.get("prefix", "")
    return lambda e: e.coreid == device_id and e.name.startswith(prefix)


def _in_products(product_ids: set[int], request: Request) -> Accepts:
    prefix = request.path_params.get("prefix", "")
    return lambda e: e.product_id in product_ids and e.name.startswith(prefix)


async def _sse(request: Request, accepts: Accepts, *, with_product: bool = False) -> Response:
    """Open an event stream of the events `accepts` takes, unless a stream fault refuses it."""
    state = cloud(request)
    fault = state.take_stream_fault(request.url.path)
    if fault is not None and fault.status is not None:
        headers = {"retry-after": fault.retry_after} if fault.retry_after else None
        raise HttpError(
            fault.status,
            {
                "ok": False,
                "error": "Too many requests" if fault.status in (429, 529) else "Stream refused",
            },
            headers,
        )
    subscriber = Subscriber(asyncio.get_running_loop(), accepts, with_product=with_product)
    state.subscribe(subscriber)
    keepalive: float = request.app.state.keepalive_interval
    return StreamingResponse(
        _frames(state, subscriber, fault, keepalive),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


async def _frames(
    state: CloudState, subscriber: Subscriber, fault: StreamFault | None, keepalive: float
) -> AsyncIterator[bytes]:
    """The stream's frames: a greeting, keep-alives, the events (as the fault scripts them)."""
    sent = 0
    silent = fault is not None and fault.silent_after == 0
    try:
        yield b":ok\n\n"
        if fault is not None:
            for frame in fault.malformed:
                yield frame.encode()
        while True:
            try:
                event = await asyncio.wait_for(subscriber.queue.get(), keepalive)
            except asyncio.TimeoutError:
                if not silent:
                    yield b":ok\n\n"
                continue
            if event is None:
                return
            if silent:
                continue
            payload = json.dumps(
                event.payload(with_product=subscriber.with_product), separators=(",", ":")
            )
            yield f"event: {event.name}\ndata: {payload}\n\n".encode()
            sent += 1
            state.record_delivery(event)
            if fault is not None:
                if fault.drop_after is not None and sent >= fault.drop_after:
                    return
                if fault.silent_after is not None and sent >= fault.silent_after:
                    silent = True
    finally:
        state.unsubscribe(subscriber)


# every stream route comes before the device and product routes sharing its prefix
ROUTES = [
    Route("/v1/events", public_stream_without_prefix, methods=["GET"]),
    Route("/v1/events/{prefix:path}", public_stream, methods=["GET"]),
    Route("/v1/devices/events", mine_stream, methods=["GET"]),
    Route("/v1/devices/events/{prefix:path}", mine_stream, methods=["GET"]),
    Route("/v1/devices/events", publish, methods=["POST"]),
    Route("/v1/devices/{device}/events", device_stream, methods=["GET"]),
    Route("/v1/devices/{device}/events/{prefix:path}", device_stream, methods=["GET"]),
    Route("/v1/products/{product}/events", product_stream, methods=["GET"]),
    Route("/v1/products/{product}/events/{prefix:path}", product_stream, methods=["GET"]),
    Route("/v1/products/{product}/events", publish, methods=["POST"]),
    Route("/v1/products/{product}/devices/{device}/events", product_device_stream, methods=["GET"]),
    Route(
        "/v1/products/{product}/devices/{device}/events/{prefix:path}",
        product_device_stream,
        methods=["GET"],
    ),
    Route("/v1/orgs/{org}/events", org_stream, methods=["GET"]),
    Route("/v1/orgs/{org}/events/{prefix:path}", org_stream, methods=["GET"]),
    Route("/v1/orgs/{org}/devices/{device}/events", org_device_stream, methods=["GET"]),
    Route(
        "/v1/orgs/{org}/devices/{device}/events/{prefix:path}", org_device_stream, methods=["GET"]
    ),
    Route("/v1/orgs/{org}/products/{product}/events", org_product_stream, methods=["GET"]),
    Route(
        "/v1/orgs/{org}/products/{product}/events/{prefix:path}",
        org_product_stream,
        methods=["GET"],
    ),
]
