"""`client.events`: publish on the wire, stream paths, and input validation before any I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from aioparticle import APIError, InternalServerError, InvalidArgumentError, ParticleClient
from aioparticle.resources.events import stream_path
from tests.unit._wire import BadInput, bad_input, bad_input_grid, check_request

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("kwargs", "path", "body"),
    [
        ({}, "/v1/devices/events", {"name": "door/open", "private": True}),
        (
            {"data": "left", "private": False, "ttl": 60},
            "/v1/devices/events",
            {"name": "door/open", "data": "left", "private": False, "ttl": 60},
        ),
        (
            {"data": "", "product": 4567},
            "/v1/products/4567/events",
            {"name": "door/open", "data": "", "private": True},
        ),
        (
            {"product": "my-fleet"},
            "/v1/products/my-fleet/events",
            {"name": "door/open", "private": True},
        ),
        (
            {"data": "left", "product": 4567, "as_device": "0123456789abcdef01234567"},
            "/v1/products/4567/events",
            {
                "name": "door/open",
                "data": "left",
                "private": True,
                "as_device_id": "0123456789abcdef01234567",
            },
        ),
    ],
    ids=["sandbox", "sandbox-options", "product-id", "product-slug", "product-as-device"],
)
async def test_publish_wire_shape(
    client: ParticleClient,
    api: respx.MockRouter,
    kwargs: dict[str, object],
    path: str,
    body: dict[str, object],
) -> None:
    route = api.post(path).respond(json={"ok": True})
    assert await client.events.publish("door/open", **kwargs) is None  # type: ignore[arg-type]
    check_request(route.calls.last.request, "POST", path, body=body)


async def test_publish_not_retried_and_not_ok_raises(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    route = api.post("/v1/devices/events").respond(503)
    with pytest.raises(InternalServerError):
        await client.events.publish("x")
    assert route.call_count == 1
    api.post("/v1/products/1/events").respond(json={"ok": False, "error": "nope"})
    with pytest.raises(APIError, match="nope"):
        await client.events.publish("x", product=1)


async def test_publish_accepts_limits_exactly(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    route = api.post("/v1/devices/events").respond(json={"ok": True})
    await client.events.publish("n" * 64, "é" * 512)
    assert json.loads(route.calls.last.request.content)["data"] == "é" * 512


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"prefix": "temp"}, "/v1/events/temp"),
        ({"prefix": "spark/status"}, "/v1/events/spark%2Fstatus"),
        ({"device": "mine"}, "/v1/devices/events"),
        ({"device": "MINE", "prefix": "a b"}, "/v1/devices/events/a%20b"),
        ({"device": "abc"}, "/v1/devices/abc/events"),
        ({"device": "abc", "prefix": "t"}, "/v1/devices/abc/events/t"),
        ({"product": 12}, "/v1/products/12/events"),
        ({"product": "slug", "device": "abc"}, "/v1/products/slug/devices/abc/events"),
        ({"org": "acme"}, "/v1/orgs/acme/events"),
        ({"org": "acme", "device": "abc"}, "/v1/orgs/acme/devices/abc/events"),
        (
            {"org": "acme", "product": 12, "prefix": "x?#"},
            "/v1/orgs/acme/products/12/events/x%3F%23",
        ),
    ],
)
def test_stream_paths(kwargs: dict[str, object], path: str) -> None:
    assert stream_path(**kwargs) == path  # type: ignore[arg-type]


# --------------------------------------------------------------------------- bad input

BAD_STREAM_SCOPES: list[dict[str, Any]] = [
    {},
    {"prefix": ""},
    {"prefix": ".."},
    {"prefix": "x" * 65},
    {"prefix": "bad\x00"},
    {"device": "mine", "product": 1},
    {"device": "mine", "org": "acme"},
    {"device": "abc", "product": 1, "org": "acme"},
    {"device": "a/b"},
    {"device": ""},
    {"device": "events"},
    {"org": "a/b"},
    {"product": -1},
]
BAD_STREAM_OPTIONS: list[dict[str, Any]] = [
    {"idle_timeout": 0},
    {"dedupe": -1},
    {"dedupe": True},
    {"buffer": 0},
]

#: Every call with an argument `client.events` must refuse before any I/O.
BAD_INPUT = [
    bad_input("publish-name-empty", lambda c: c.events.publish("")),
    bad_input("publish-name-None", lambda c: c.events.publish(None)),
    bad_input("publish-name-too-long", lambda c: c.events.publish("x" * 65)),
    bad_input("publish-name-spark-prefix", lambda c: c.events.publish("spark/custom")),
    bad_input("publish-name-SPARK", lambda c: c.events.publish("SPARK")),
    bad_input("publish-name-newline", lambda c: c.events.publish("bad\nname")),
    bad_input("publish-name-space", lambda c: c.events.publish("door open")),
    bad_input("publish-name-non-ascii", lambda c: c.events.publish("température")),
    bad_input("publish-name-emoji", lambda c: c.events.publish("temp🌡")),
    bad_input("publish-name-tab", lambda c: c.events.publish("a\tb")),
    bad_input("publish-data-too-long", lambda c: c.events.publish("ok", data="é" * 513)),
    bad_input("publish-data-int", lambda c: c.events.publish("ok", data=5)),
    bad_input("publish-ttl-negative", lambda c: c.events.publish("ok", ttl=-1)),
    bad_input("publish-ttl-bool", lambda c: c.events.publish("ok", ttl=True)),
    bad_input("publish-private-str", lambda c: c.events.publish("ok", private="yes")),
    bad_input("publish-product-slash", lambda c: c.events.publish("ok", product="a/b")),
    bad_input(
        "publish-as_device-needs-product",
        lambda c: c.events.publish("ok", as_device="0123456789abcdef01234567"),
    ),
    *bad_input_grid(
        {"publish-as_device": lambda c, dev: c.events.publish("ok", product=1, as_device=dev)},
        ["", "a\nb", "x" * 257, 5],
        ["empty", "newline", "too-long", "int"],
    ),
    # `stream()` refuses when called, before it connects
    *bad_input_grid(
        {"stream": lambda c, kwargs: c.events.stream(**kwargs)}, BAD_STREAM_SCOPES, eager={"stream"}
    ),
    *bad_input_grid(
        {"stream-options": lambda c, kwargs: c.events.stream(device="mine", **kwargs)},
        BAD_STREAM_OPTIONS,
        eager={"stream-options"},
    ),
]


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={"ok": True})
    return api


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)


async def test_event_names_may_use_any_printable_ascii(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    route = api.post("/v1/devices/events").respond(json={"ok": True})
    name = "a/b:c+d!~#%" + "x" * 53
    await client.events.publish(name)
    assert json.loads(route.calls.last.request.content)["name"] == name


async def test_a_refused_event_name_message_says_what_is_allowed(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    with pytest.raises(InvalidArgumentError, match="printable ASCII characters without spaces"):
        await client.events.publish("door open")
    assert len(api.calls) == 0
