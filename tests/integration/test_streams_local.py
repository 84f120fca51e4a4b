"""The local cloud's event streams on the wire (reference section 1.7), over raw httpx.

Streams are read with `httpx_sse.aconnect_sse` for events, and as raw
`response.aiter_bytes()` where the exact framing matters. Negative checks
("this stream does not get that event") publish the unwanted events first and a wanted one
last: events reach a stream in publish order, so the first event read must be the wanted one.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from httpx_sse import ServerSentEvent, aconnect_sse

from aioparticle.testing import FakeDevice, FakeProduct, LocalCloud, PublishedEvent
from tests.integration.conftest import OTHER_USER, bearer

pytestmark = pytest.mark.anyio

KEEPALIVE = 0.2
GREETING = b":ok\n\n"
#: the longest any single read of a stream may take
READ_TIMEOUT = 2.0


@pytest.fixture
async def sse_cloud() -> AsyncIterator[LocalCloud]:
    """A local cloud sending keep-alives every 0.2 s (instead of 9 s)."""
    async with LocalCloud(keepalive_interval=KEEPALIVE) as cloud:
        yield cloud


@pytest.fixture
async def http(sse_cloud: LocalCloud) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sse_cloud.url, timeout=5.0) as client:
        yield client


@dataclass
class World:
    cloud: LocalCloud
    desk: FakeDevice  # owned by the default account, no product
    shelf: FakeDevice  # owned by the default account, no product
    theirs: FakeDevice  # owned by OTHER_USER
    tracker: FakeDevice  # in `acme_product` (org acme), unclaimed
    tracker2: FakeDevice  # in `acme_product` (org acme), unclaimed
    loner: FakeDevice  # in `lone_product` (no org), unclaimed
    acme_product: FakeProduct
    lone_product: FakeProduct


@pytest.fixture
def world(sse_cloud: LocalCloud) -> World:
    cloud = sse_cloud
    cloud.add_user(OTHER_USER)
    cloud.add_org("acme")
    acme = cloud.add_product(3001, slug="acme-trackers", org="acme")
    lone = cloud.add_product(3002, slug="lone-product")
    return World(
        cloud=cloud,
        desk=cloud.add_device("desk"),
        shelf=cloud.add_device("shelf"),
        theirs=cloud.add_device("theirs", owner=OTHER_USER),
        tracker=cloud.add_device("tracker", product=acme.id, owner=None),
        tracker2=cloud.add_device("tracker2", product=acme.id, owner=None),
        loner=cloud.add_device("loner", product=lone.id, owner=None),
        acme_product=acme,
        lone_product=lone,
    )


class Stream:
    """One open stream, read by a background task; every read here is bounded in time.

    A background reader that is cancelled at the end (instead of breaking out of httpx's
    iterators) leaves no half-consumed async generator behind, which trio would report.
    """

    def __init__(self, response: httpx.Response, items: MemoryObjectReceiveStream[Any]) -> None:
        self.response = response
        self._items = items
        #: every raw byte read so far (raw streams)
        self.buffer = b""

    async def next(self) -> Any:
        with anyio.fail_after(READ_TIMEOUT):
            return await self._items.receive()

    async def rest(self) -> list[Any]:
        """Every item until the server ends the stream."""
        with anyio.fail_after(READ_TIMEOUT):
            return [item async for item in self._items]

    async def read_until(self, done: Callable[[bytes], bool]) -> bytes:
        """Raw streams: read until `done(buffer)`; returns the whole buffer."""
        with anyio.fail_after(READ_TIMEOUT):
            while not done(self.buffer):
                self.buffer += await self._items.receive()
        return self.buffer


async def _pump(items: AsyncIterator[Any], send: MemoryObjectSendStream[Any]) -> None:
    async with send:
        async for item in items:
            await send.send(item)


@asynccontextmanager
async def _reading(
    response: httpx.Response, items: Callable[[], AsyncIterator[Any]]
) -> AsyncIterator[Stream]:
    send, receive = anyio.create_memory_object_stream[Any](math.inf)
    async with receive, anyio.create_task_group() as tg:
        tg.start_soon(_pump, items(), send)
        try:
            yield Stream(response, receive)
        finally:
            tg.cancel_scope.cancel()


@asynccontextmanager
async def open_raw(client: httpx.AsyncClient, path: str, token: str) -> AsyncIterator[Stream]:
    """A stream read as raw bytes (`response.aiter_bytes()`)."""
    async with AsyncExitStack() as stack:
        with anyio.fail_after(3):
            response = await stack.enter_async_context(
                client.stream("GET", path, headers=bearer(token))
            )
        assert response.status_code == 200, response.status_code
        async with _reading(response, response.aiter_bytes) as stream:
            yield stream


@asynccontextmanager
async def subscribe(client: httpx.AsyncClient, path: str, token: str) -> AsyncIterator[Stream]:
    """A stream read as events with `httpx_sse`; once this yields, the server has registered
    the subscriber, so anything published from then on reaches it."""
    async with AsyncExitStack() as stack:
        with anyio.fail_after(3):
            source = await stack.enter_async_context(
                aconnect_sse(client, "GET", path, headers=bearer(token))
            )
        assert source.response.status_code == 200, source.response.status_code
        async with _reading(source.response, source.aiter_sse) as stream:
            yield stream


def payload(event: ServerSentEvent) -> dict[str, object]:
    data = json.loads(event.data)
    assert isinstance(data, dict)
    return data


def wire_payload(event: PublishedEvent, *, product: int | None = None) -> str:
    """The exact `data:` line content the reference documents, in its key order."""
    body: dict[str, object] = {
        "data": event.data,
        "ttl": event.ttl,
        "published_at": event.published_at.isoformat(timespec="milliseconds").replace(
            "+00:00", "Z"
        ),
        "coreid": event.coreid,
    }
    if product is not None:
        body["productID"] = product
    return json.dumps(body, separators=(",", ":"))


def frames(buffer: bytes) -> list[bytes]:
    """Complete frames of a raw SSE byte buffer (each without its terminating blank line)."""
    return buffer.split(b"\n\n")[:-1]


# ---------------------------------------------------------------------- framing


async def test_greeting_is_the_first_bytes(sse_cloud: LocalCloud, http: httpx.AsyncClient) -> None:
    async with open_raw(http, "/v1/devices/events", sse_cloud.token) as stream:
        headers = stream.response.headers
        buffer = await stream.read_until(lambda b: len(b) >= len(GREETING))
    assert buffer[: len(GREETING)] == GREETING
    assert headers["content-type"].startswith("text/event-stream")
    assert headers["cache-control"] == "no-cache"


@pytest.mark.slow
async def test_keepalive_comments_arrive_when_idle(
    sse_cloud: LocalCloud, http: httpx.AsyncClient
) -> None:
    async with open_raw(http, "/v1/devices/events", sse_cloud.token) as stream:
        # the greeting and then three keep-alives, with nothing published
        buffer = await stream.read_until(lambda b: len(frames(b)) >= 4)
    assert frames(buffer)[:4] == [b":ok"] * 4
    assert set(frames(buffer)) == {b":ok"}


async def test_device_event_exact_frame(world: World, http: httpx.AsyncClient) -> None:
    desk = world.desk
    async with open_raw(http, "/v1/devices/events", world.cloud.token) as stream:
        await stream.read_until(lambda b: b.startswith(GREETING))
        desk.publish("temp", "21.5")
        buffer = await stream.read_until(lambda b: any(f.startswith(b"event:") for f in frames(b)))
    published = world.cloud.events[-1]
    assert published.name == "temp"
    expected = f"event: temp\ndata: {wire_payload(published)}".encode()
    events = [f for f in frames(buffer) if f != b":ok"]
    assert events[0] == expected
    data = json.loads(expected.split(b"data: ", 1)[1])
    assert data["data"] == "21.5"
    assert data["ttl"] == 60
    assert data["coreid"] == desk.id
    assert str(data["published_at"]).endswith("Z")
    assert "productID" not in data


async def test_event_through_httpx_sse(world: World, http: httpx.AsyncClient) -> None:
    async with subscribe(http, "/v1/devices/events", world.cloud.token) as events:
        world.desk.publish("temp", "21.5")
        event = await events.next()
    assert event.event == "temp"
    body = payload(event)
    assert body["data"] == "21.5"
    assert body["ttl"] == 60
    assert body["coreid"] == world.desk.id
    assert list(body) == ["data", "ttl", "published_at", "coreid"]


async def test_event_data_keeps_json_text_and_empty_data(
    world: World, http: httpx.AsyncClient
) -> None:
    async with subscribe(http, "/v1/devices/events", world.cloud.token) as events:
        world.desk.publish("reading", '{"t": 21.5, "unit": "°C"}', ttl=120)
        world.desk.publish("ping")
        first, second = await events.next(), await events.next()
    assert payload(first)["data"] == '{"t": 21.5, "unit": "°C"}'
    assert payload(first)["ttl"] == 120
    assert second.event == "ping"
    assert payload(second)["data"] == ""


# ---------------------------------------------------------------------- who gets what


@dataclass(frozen=True)
class Scope:
    """A stream path and which devices' events it must (not) deliver."""

    path: Callable[[World], str]
    wanted: Callable[[World], FakeDevice]
    unwanted: Callable[[World], list[FakeDevice]]
    product: int | None = None


SCOPES = {
    "mine": Scope(
        lambda w: "/v1/devices/events",
        lambda w: w.desk,
        lambda w: [w.theirs, w.tracker, w.loner],
    ),
    "device": Scope(
        lambda w: f"/v1/devices/{w.desk.id}/events",
        lambda w: w.desk,
        lambda w: [w.shelf, w.theirs, w.tracker],
    ),
    "device-by-name": Scope(
        lambda w: "/v1/devices/shelf/events",
        lambda w: w.shelf,
        lambda w: [w.desk, w.theirs],
    ),
    "product": Scope(
        lambda w: "/v1/products/3001/events",
        lambda w: w.tracker2,
        lambda w: [w.loner, w.desk, w.theirs],
        product=3001,
    ),
    "product-by-slug": Scope(
        lambda w: "/v1/products/acme-trackers/events",
        lambda w: w.tracker,
        lambda w: [w.loner, w.desk],
        product=3001,
    ),
    "product-device": Scope(
        lambda w: f"/v1/products/3001/devices/{w.tracker.id}/events",
        lambda w: w.tracker,
        lambda w: [w.tracker2, w.loner, w.desk],
        product=3001,
    ),
    "org": Scope(
        lambda w: "/v1/orgs/acme/events",
        lambda w: w.tracker2,
        lambda w: [w.loner, w.desk, w.theirs],
        product=3001,
    ),
    "org-device": Scope(
        lambda w: f"/v1/orgs/acme/devices/{w.tracker.id}/events",
        lambda w: w.tracker,
        lambda w: [w.tracker2, w.loner, w.desk],
        product=3001,
    ),
    "org-product": Scope(
        lambda w: "/v1/orgs/acme/products/3001/events",
        lambda w: w.tracker,
        lambda w: [w.loner, w.desk],
        product=3001,
    ),
    "org-product-by-slug": Scope(
        lambda w: "/v1/orgs/acme/products/acme-trackers/events",
        lambda w: w.tracker2,
        lambda w: [w.loner],
        product=3001,
    ),
}


@pytest.mark.parametrize("scope", SCOPES.values(), ids=SCOPES.keys())
async def test_stream_reaches_only_matching_events(
    world: World, http: httpx.AsyncClient, scope: Scope
) -> None:
    wanted = scope.wanted(world)
    async with subscribe(http, scope.path(world), world.cloud.token) as events:
        for device in scope.unwanted(world):
            device.publish("temp", f"from {device.name}")
        wanted.publish("temp", f"from {wanted.name}")
        event = await events.next()
    assert event.event == "temp"
    assert event.data == wire_payload(world.cloud.events[-1], product=scope.product)
    body = payload(event)
    assert body["coreid"] == wanted.id
    assert body["data"] == f"from {wanted.name}"
    if scope.product is None:
        assert "productID" not in body
    else:
        assert body["productID"] == scope.product


async def test_public_stream_gets_only_public_events(world: World, http: httpx.AsyncClient) -> None:
    async with subscribe(http, "/v1/events/temp", world.cloud.token) as events:
        world.desk.publish("temp", "private one")  # private by default
        world.theirs.publish("temp", "private two", private=True)
        world.desk.publish("humidity", "public, other prefix", private=False)
        world.theirs.publish("temperature", "public", private=False)
        event = await events.next()
    assert event.event == "temperature"
    body = payload(event)
    assert body["data"] == "public"
    assert body["coreid"] == world.theirs.id  # anyone's public events


async def test_public_stream_needs_a_prefix(world: World, http: httpx.AsyncClient) -> None:
    with anyio.fail_after(3):
        response = await http.get("/v1/events", headers=bearer(world.cloud.token))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["ok"] is False


async def test_public_stream_with_an_empty_prefix_is_refused_too(
    world: World, http: httpx.AsyncClient
) -> None:
    # `/v1/events/` has no prefix either: it must not open the unfiltered public firehose
    with anyio.fail_after(3):
        async with http.stream("GET", "/v1/events/", headers=bearer(world.cloud.token)) as response:
            status, kind = response.status_code, response.headers.get("content-type", "")
    assert status == 400
    assert kind.startswith("application/json")


async def test_prefix_filter(world: World, http: httpx.AsyncClient) -> None:
    async with subscribe(http, "/v1/devices/events/temp", world.cloud.token) as events:
        for name in ("humidity", "te", "Temp", "temp", "temperature", "temp/inside", "xtemp"):
            world.desk.publish(name, name)
        world.desk.publish("temp", "last")
        received = [await events.next() for _ in range(4)]
    assert [e.event for e in received] == ["temp", "temperature", "temp/inside", "temp"]
    assert payload(received[-1])["data"] == "last"


async def test_prefix_with_an_encoded_slash(world: World, http: httpx.AsyncClient) -> None:
    path = "/v1/devices/events/spark%2Fstatus"
    async with subscribe(http, path, world.cloud.token) as events:
        assert events.response.request.url.raw_path == path.encode()
        world.desk.publish("temp", "21.5")
        world.desk.publish("spark", "not status")
        world.desk.go_offline()
        offline = await events.next()
        world.desk.publish("temp", "22.0")
        world.desk.go_online()
        online = await events.next()
    assert offline.event == "spark/status"
    assert payload(offline)["data"] == "offline"
    assert payload(offline)["coreid"] == world.desk.id
    assert online.event == "spark/status"
    assert payload(online)["data"] == "online"


async def test_device_stream_with_prefix(world: World, http: httpx.AsyncClient) -> None:
    path = f"/v1/devices/{world.desk.id}/events/door"
    async with subscribe(http, path, world.cloud.token) as events:
        world.shelf.publish("door", "shelf")
        world.desk.publish("temp", "desk temp")
        world.desk.publish("door/open", "desk door")
        event = await events.next()
    assert event.event == "door/open"
    assert payload(event)["coreid"] == world.desk.id


async def test_product_stream_with_prefix(world: World, http: httpx.AsyncClient) -> None:
    async with subscribe(http, "/v1/products/3001/events/gps", world.cloud.token) as events:
        world.tracker.publish("battery", "80")
        world.loner.publish("gps", "elsewhere")
        world.tracker2.publish("gps", "1,2")
        event = await events.next()
    assert event.event == "gps"
    assert payload(event)["coreid"] == world.tracker2.id
    assert payload(event)["productID"] == 3001


async def test_one_publish_reaches_two_subscribers(world: World, http: httpx.AsyncClient) -> None:
    token = world.cloud.token
    async with (
        subscribe(http, "/v1/devices/events", token) as first,
        subscribe(http, f"/v1/devices/{world.desk.id}/events/temp", token) as second,
    ):
        world.desk.publish("temp", "21.5")
        one, two = await first.next(), await second.next()
    assert one.event == two.event == "temp"
    assert one.data == two.data == wire_payload(world.cloud.events[-1])


async def test_concurrent_readers_in_a_task_group(world: World, http: httpx.AsyncClient) -> None:
    received: dict[str, list[str]] = {}
    ready = anyio.Event()
    opened = 0

    async def reader(name: str, path: str) -> None:
        nonlocal opened
        async with subscribe(http, path, world.cloud.token) as events:
            opened += 1
            if opened == 3:
                ready.set()
            received[name] = [(await events.next()).event for _ in range(2)]

    with anyio.fail_after(4):
        async with anyio.create_task_group() as tg:
            tg.start_soon(reader, "mine", "/v1/devices/events")
            tg.start_soon(reader, "desk", f"/v1/devices/{world.desk.id}/events")
            tg.start_soon(reader, "org", "/v1/orgs/acme/events")
            await ready.wait()
            world.desk.publish("a")
            world.tracker.publish("b")
            world.desk.publish("c")
            world.tracker2.publish("d")
    assert received == {"mine": ["a", "c"], "desk": ["a", "c"], "org": ["b", "d"]}


async def test_other_account_stream_does_not_get_my_events(
    world: World, http: httpx.AsyncClient
) -> None:
    other_token = world.cloud.add_user("watcher@example.com")
    watched = world.cloud.add_device("watched", owner="watcher@example.com")
    async with subscribe(http, "/v1/devices/events", other_token) as events:
        world.desk.publish("temp", "mine")
        watched.publish("temp", "theirs")
        event = await events.next()
    assert payload(event)["coreid"] == watched.id


# ---------------------------------------------------------------------- publishing over HTTP


async def test_api_publish_reaches_the_mine_stream(world: World, http: httpx.AsyncClient) -> None:
    token = world.cloud.token
    async with subscribe(http, "/v1/devices/events", token) as events:
        with anyio.fail_after(3):
            response = await http.post(
                "/v1/devices/events",
                json={"name": "deploy/done", "data": "v1.2.3", "private": True},
                headers=bearer(token),
            )
        assert response.status_code == 200
        assert response.json() == {"ok": True}
        event = await events.next()
    assert event.event == "deploy/done"
    body = payload(event)
    assert body["data"] == "v1.2.3"
    assert body["ttl"] == 60
    assert str(body["published_at"]).endswith("Z")
    assert event.data == wire_payload(world.cloud.events[-1])


async def test_api_publish_public_reaches_the_public_stream(
    world: World, http: httpx.AsyncClient
) -> None:
    token = world.cloud.token
    async with subscribe(http, "/v1/events/news", token) as events:
        with anyio.fail_after(3):
            private = await http.post(
                "/v1/devices/events",
                json={"name": "news", "data": "secret", "private": True},
                headers=bearer(token),
            )
            public = await http.post(
                "/v1/devices/events",
                json={"name": "news", "data": "hello", "private": False},
                headers=bearer(token),
            )
        assert private.status_code == public.status_code == 200
        event = await events.next()
    assert payload(event)["data"] == "hello"


async def test_api_publish_to_a_product(world: World, http: httpx.AsyncClient) -> None:
    token = world.cloud.token
    async with subscribe(http, "/v1/products/3001/events", token) as events:
        with anyio.fail_after(3):
            other = await http.post(
                "/v1/products/3002/events",
                json={"name": "cfg", "data": "lone"},
                headers=bearer(token),
            )
            mine = await http.post(
                "/v1/products/3001/events",
                json={"name": "cfg", "data": "acme"},
                headers=bearer(token),
            )
        assert other.status_code == mine.status_code == 200
        event = await events.next()
    assert payload(event)["data"] == "acme"
    assert payload(event)["productID"] == 3001


async def test_publish_without_a_name_or_token_is_refused(
    world: World, http: httpx.AsyncClient
) -> None:
    with anyio.fail_after(3):
        nameless = await http.post(
            "/v1/devices/events", json={"data": "x"}, headers=bearer(world.cloud.token)
        )
        anonymous = await http.post("/v1/devices/events", json={"name": "x"})
    assert nameless.status_code == 400
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "invalid_request"
    assert world.cloud.events == []


# ---------------------------------------------------------------------- refusals


async def test_unknown_token_gets_a_json_401_before_any_stream(
    world: World, http: httpx.AsyncClient
) -> None:
    with anyio.fail_after(3):
        async with http.stream(
            "GET", "/v1/devices/events", headers=bearer("not-a-token")
        ) as response:
            body = await response.aread()
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert not body.startswith(b":")
    assert json.loads(body)["error"] == "invalid_token"


async def test_missing_token_on_a_stream(world: World, http: httpx.AsyncClient) -> None:
    with anyio.fail_after(3):
        response = await http.get("/v1/devices/events")
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The access token was not found",
    }


@pytest.mark.parametrize(
    "path",
    [
        "/v1/devices/{theirs}/events",
        "/v1/orgs/acme/events",
        "/v1/products/3001/events",
    ],
    ids=["foreign-device", "org", "product"],
)
async def test_streams_the_token_may_not_open(
    world: World, http: httpx.AsyncClient, path: str
) -> None:
    outsider = world.cloud.add_user("outsider@example.com")
    with anyio.fail_after(3):
        response = await http.get(path.format(theirs=world.theirs.id), headers=bearer(outsider))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "Permission Denied"


# ---------------------------------------------------------------------- stream faults


async def test_stream_dropped_after_two_events(world: World, http: httpx.AsyncClient) -> None:
    fault = world.cloud.inject_stream("/v1/devices/events", drop_after=2)
    async with subscribe(http, "/v1/devices/events", world.cloud.token) as events:
        for n in range(3):
            world.desk.publish("tick", str(n))
        received = await events.rest()
    assert [payload(e)["data"] for e in received] == ["0", "1"]
    assert fault.hits == 1


@pytest.mark.slow
async def test_stream_silent_after_one_event(world: World, http: httpx.AsyncClient) -> None:
    world.cloud.inject_stream("/v1/devices/events", silent_after=1)
    async with open_raw(http, "/v1/devices/events", world.cloud.token) as stream:
        await stream.read_until(lambda b: b.startswith(GREETING))
        world.desk.publish("tick", "0")
        before = await stream.read_until(
            lambda b: any(f.startswith(b"event: tick\n") for f in frames(b))
        )
        world.desk.publish("tick", "1")
        # five keep-alive intervals of silence: no event, no keep-alive, no end of stream
        with anyio.move_on_after(5 * KEEPALIVE) as silence:
            await stream.next()
    assert silence.cancelled_caught
    assert stream.buffer == before
    assert [f for f in frames(before) if f != b":ok"] == [
        f"event: tick\ndata: {wire_payload(world.cloud.events[0])}".encode()
    ]


async def test_stream_malformed_frame_right_after_the_greeting(
    world: World, http: httpx.AsyncClient
) -> None:
    malformed = "data: {broken\n\n"
    world.cloud.inject_stream("/v1/devices/events", malformed=[malformed])
    expected = GREETING + malformed.encode()
    async with open_raw(http, "/v1/devices/events", world.cloud.token) as stream:
        buffer = await stream.read_until(lambda b: len(b) >= len(expected))
        assert buffer[: len(expected)] == expected
        # the stream goes on normally afterwards
        world.desk.publish("temp", "21.5")
        buffer = await stream.read_until(lambda b: b"event: temp\n" in b)
    assert f"data: {wire_payload(world.cloud.events[-1])}".encode() in buffer


@pytest.mark.parametrize("status", [429, 529])
async def test_stream_refused_with_rate_limit(
    world: World, http: httpx.AsyncClient, status: int
) -> None:
    fault = world.cloud.inject_stream("/v1/devices/events", status=status, retry_after=5, times=1)
    with anyio.fail_after(3):
        async with http.stream(
            "GET", "/v1/devices/events", headers=bearer(world.cloud.token)
        ) as response:
            body = await response.aread()
    assert response.status_code == status
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"].startswith("application/json")
    assert json.loads(body)["ok"] is False
    assert fault.hits == 1
    # `times=1`: the next connection is a normal stream
    async with subscribe(http, "/v1/devices/events", world.cloud.token) as events:
        assert events.response.status_code == 200
        world.desk.publish("back")
        assert (await events.next()).event == "back"


async def test_stream_fault_only_applies_to_its_path(world: World, http: httpx.AsyncClient) -> None:
    fault = world.cloud.inject_stream("/v1/products/*", status=503)
    async with subscribe(http, "/v1/devices/events", world.cloud.token) as events:
        world.desk.publish("fine")
        assert (await events.next()).event == "fine"
    with anyio.fail_after(3):
        refused = await http.get("/v1/products/3001/events", headers=bearer(world.cloud.token))
    assert refused.status_code == 503
    assert fault.hits == 1


async def test_stopping_the_cloud_ends_open_streams() -> None:
    async with LocalCloud(keepalive_interval=KEEPALIVE) as cloud:
        async with httpx.AsyncClient(base_url=cloud.url, timeout=5.0) as client:
            async with subscribe(client, "/v1/devices/events", cloud.token) as events:
                await anyio.to_thread.run_sync(cloud.stop)
                assert await events.rest() == []
