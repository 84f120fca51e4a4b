"""Every public object shows a short, informative `repr` (never `<... object at 0x...>`) and
never a secret: the client, its sub-clients, paginators and their iterators, pages, event
streams, hubs and subscriptions, fleet runs and their results, rate limits, token providers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import respx
from pydantic import BaseModel

import aioparticle
from aioparticle import (
    AsyncPaginator,
    ClientCredentials,
    EventHub,
    EventStream,
    FleetProgress,
    FleetReport,
    FleetResult,
    FleetRun,
    MalformedFrame,
    Page,
    PageMeta,
    ParticleClient,
    PasswordLogin,
    RateLimit,
    Reconnect,
    Subscription,
)
from aioparticle._core import SubClient
from aioparticle.resources._base import Resource
from tests.conftest import API, TOKEN

pytestmark = pytest.mark.anyio

CLIENT_SECRET = "c0ffee-client-secret-5a7c9e1b"
PASSWORD = "correct-horse-battery-staple"
SECRETS = (TOKEN, CLIENT_SECRET, PASSWORD)

DEFAULT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")


def check(value: object, *expected: str) -> str:
    """`repr(value)`: short, not the default, secret-free, and holding `expected`."""
    text = repr(value)
    assert not DEFAULT_REPR.search(text), text
    assert len(text) <= 200, text
    for secret in SECRETS:
        assert secret not in text, text
    for part in expected:
        assert part in text, f"{part!r} not in {text!r}"
    return text


def sub_clients(owner: object, prefix: str = "") -> dict[str, Resource]:
    """Every sub-client reachable from `owner` by attribute (`devices`, `products.firmware`)."""
    found: dict[str, Resource] = {}
    for name in dir(type(owner)):
        if isinstance(getattr(type(owner), name, None), SubClient):
            resource = getattr(owner, name)
            found[prefix + name] = resource
            found.update(sub_clients(resource, f"{prefix}{name}."))
    return found


def exported_classes() -> set[type]:
    """The classes of `aioparticle.__all__` whose instances users hold (not the models, whose
    reprs are pydantic's; not exceptions; not protocols or TypedDicts)."""
    found = set()
    for name in aioparticle.__all__:
        value = getattr(aioparticle, name)
        if not isinstance(value, type) or issubclass(value, (BaseException, BaseModel)):
            continue
        if getattr(value, "_is_protocol", False) or issubclass(value, dict):
            continue
        found.add(value)
    return found


@pytest.fixture
async def secret_client() -> AsyncIterator[ParticleClient]:
    async with ParticleClient(
        TOKEN, base_url=API, client_id="backend", client_secret=CLIENT_SECRET
    ) as client:
        yield client


async def test_every_public_class_has_an_informative_secret_free_repr(
    secret_client: ParticleClient,
) -> None:
    client = secret_client
    stream = client.events.stream(device="mine", prefix="temp")
    hub = client.events.hub(device="mine")
    run = client.fleet.get_variable("temp", devices=["d1", "d2"])
    progress = FleetProgress(done=2, total=2, ok=1, offline=1)
    result: FleetResult[int] = FleetResult("d1", "ok", value=3)
    instances: list[object] = [
        client,
        client.with_options(timeout=5),
        ParticleClient(auth=ClientCredentials("backend", CLIENT_SECRET), base_url=API),
        ParticleClient(auth=PasswordLogin("ada@example.com", PASSWORD), base_url=API),
        ParticleClient(auth=fetch_token, base_url=API),
        ClientCredentials("backend", CLIENT_SECRET),
        PasswordLogin("ada@example.com", PASSWORD),
        *sub_clients(client).values(),
        client.devices.list(product="my-fleet", per_page=100),
        Page([1, 2], meta=PageMeta(page=1, total_pages=3)),
        stream,
        hub,
        hub.subscribe(prefix="temp"),
        Reconnect(1, "the server ended the stream", 2.5),
        MalformedFrame("bad", "x" * 10_000, "not JSON"),
        run,
        result,
        progress,
        FleetReport([result], progress),
        RateLimit(),
    ]
    for value in instances:
        check(value)
    missing = {cls.__name__ for cls in exported_classes()} - {
        type(value).__name__ for value in instances
    }
    assert missing == set()


async def test_the_client_shows_its_origin_and_hides_its_token(
    secret_client: ParticleClient,
) -> None:
    check(secret_client, "ParticleClient(", "https://api.particle.io", "access_token='***'")
    provided = ParticleClient(auth=PasswordLogin("ada@example.com", PASSWORD), base_url=API)
    check(provided, "PasswordLogin(username='ada@example.com', password='***')")
    check(ClientCredentials("backend", CLIENT_SECRET), "client_id='backend'", "'***'")


async def fetch_token() -> str:
    return TOKEN


async def test_a_function_providing_tokens_shows_by_its_name() -> None:
    text = check(
        ParticleClient(auth=fetch_token, base_url=API), "auth=<token provider fetch_token>"
    )
    assert " at 0x" not in text


async def test_a_sub_client_shows_its_attribute_path(secret_client: ParticleClient) -> None:
    check(secret_client.products.firmware, "ProductsFirmware", "client.products.firmware")
    check(ParticleClient.devices, "<SubClient .devices: Devices>")


async def test_a_paginator_shows_its_route_page_size_and_filters(
    secret_client: ParticleClient,
) -> None:
    paginator = secret_client.devices.list(product="my-fleet", per_page=100, groups=["north"])
    assert isinstance(paginator, AsyncPaginator)
    check(
        paginator,
        "<AsyncPaginator GET /v1/products/my-fleet/devices per_page=100",
        "filtered by groups",
    )
    assert "north" not in repr(paginator)  # filter values are not shown
    check(paginator.pages(), "<pages of GET /v1/products/my-fleet/devices", "fetched=0")
    check(paginator.__aiter__(), "<items of GET /v1/products/my-fleet/devices", "pages_fetched=0")
    check(secret_client.devices.list(), "<AsyncPaginator GET /v1/devices")
    check(secret_client.libraries.list(per_page=20), "GET /v1/libraries limit=20")


async def test_a_paginator_iterator_says_when_it_is_done(
    secret_client: ParticleClient, api: respx.MockRouter
) -> None:
    api.get("/v1/devices").respond(200, json=[{"id": "d1", "platform_id": 12}])
    pages = secret_client.devices.list().pages()
    assert [len(page) async for page in pages] == [1]
    check(pages, "fetched=1 done")


async def test_event_stream_hub_and_subscription_show_scope_and_state(
    secret_client: ParticleClient,
) -> None:
    stream = secret_client.events.stream(device="mine", prefix="temp")
    assert isinstance(stream, EventStream)
    check(stream, "<EventStream /v1/devices/events/temp idle events=0 reconnects=0>")
    hub = secret_client.events.hub(device="mine")
    assert isinstance(hub, EventHub)
    subscription = hub.subscribe(prefix="temp", device="d1", where=lambda event: True)
    assert isinstance(subscription, Subscription)
    check(hub, "<EventHub /v1/devices/events idle subscribers=1")
    check(subscription, "<Subscription prefix='temp' device='d1' where=", " open ", "dropped=0")
    subscription.close()
    check(subscription, " closed ")
    check(hub, "subscribers=0")


async def test_fleet_objects_show_their_counts(secret_client: ParticleClient) -> None:
    run = secret_client.fleet.get_variable("temp", devices=["d1", "d2"])
    assert isinstance(run, FleetRun)
    check(run, "<FleetRun 0/2 done")
    progress = FleetProgress(done=2, total=2, ok=1, offline=1)
    results = [FleetResult("d1", "ok", value=3), FleetResult("d2", "offline")] * 500
    text = check(FleetReport(results, progress), "<FleetReport 1000 results: ok=1 offline=1")
    assert "d1" not in text  # a thousand results are counted, not listed


def test_a_malformed_frame_shows_its_data_cut_short() -> None:
    text = check(MalformedFrame("bad", "x" * 10_000, "not JSON"), "10000 chars", "'not JSON'")
    assert "x" * 61 not in text


def test_rate_limits_show_their_figures() -> None:
    check(RateLimit(requests=100, per=60), "RateLimit(requests=100, per=60")
