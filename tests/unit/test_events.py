"""`client.events`: publish on the wire, stream paths, and input validation before any I/O."""

from __future__ import annotations

import json

import pytest
import respx

import aioparticle
from aioparticle import APIError, InternalServerError, InvalidArgumentError, ParticleClient
from aioparticle.resources.events import stream_path
from tests.conftest import TOKEN

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
    ],
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
    request = route.calls.last.request
    assert request.method == "POST"
    assert request.url.raw_path == path.encode()
    assert json.dumps(json.loads(request.content), sort_keys=True) == json.dumps(
        body, sort_keys=True
    )
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == f"aioparticle/{aioparticle.__version__}"


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


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("", {}),
        (None, {}),
        ("x" * 65, {}),
        ("spark/custom", {}),
        ("SPARK", {}),
        ("bad\nname", {}),
        ("ok", {"data": "é" * 513}),
        ("ok", {"data": 5}),
        ("ok", {"ttl": -1}),
        ("ok", {"ttl": True}),
        ("ok", {"private": "yes"}),
        ("ok", {"product": "a/b"}),
    ],
)
async def test_publish_rejects_bad_input_before_io(
    client: ParticleClient, api: respx.MockRouter, name: object, kwargs: dict[str, object]
) -> None:
    with pytest.raises(InvalidArgumentError):
        await client.events.publish(name, **kwargs)  # type: ignore[arg-type]
    assert not api.calls


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


@pytest.mark.parametrize(
    "kwargs",
    [
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
    ],
)
async def test_bad_stream_scopes_rejected(
    client: ParticleClient, kwargs: dict[str, object]
) -> None:
    with pytest.raises(InvalidArgumentError):
        client.events.stream(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs", [{"idle_timeout": 0}, {"dedupe": -1}, {"dedupe": True}, {"buffer": 0}]
)
async def test_bad_stream_options_rejected(
    client: ParticleClient, kwargs: dict[str, object]
) -> None:
    with pytest.raises(InvalidArgumentError):
        client.events.stream(device="mine", **kwargs)  # type: ignore[arg-type]
