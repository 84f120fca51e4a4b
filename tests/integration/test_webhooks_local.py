"""Webhooks and integrations against the local cloud over real HTTP: created with the SDK, they
make real requests to a receiver on 127.0.0.1, and its answers come back on the event stream."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, urlsplit

import anyio
import pytest

from aioparticle import BadRequestError, Event, EventStream, NotFoundError, ParticleClient
from aioparticle.testing import HookDelivery, LocalCloud
from tests._loopback import LoopbackServer, Reply, Seen, serve
from tests.integration.conftest import PRODUCT_ID, PRODUCT_SLUG, Fleet, wait_until

pytestmark = pytest.mark.anyio

USER_AGENT = "ParticleBot/1.1 (https://docs.particle.io/webhooks)"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def receiver() -> AsyncIterator[LoopbackServer]:
    """A web server on 127.0.0.1 answering every request with `{"answer": 42}`."""
    async with serve(lambda seen: Reply(200, b'{"answer": 42}')) as server:
        yield server


def _port(server: LoopbackServer) -> int:
    port = urlsplit(server.url).port
    assert port is not None
    return port


def _standard_headers(server: LoopbackServer, body: bytes) -> dict[str, str]:
    """The headers every hook request carries."""
    return {
        "host": f"127.0.0.1:{_port(server)}",
        "accept": "*/*",
        "accept-encoding": "gzip, deflate",
        "connection": "keep-alive",
        "user-agent": USER_AGENT,
        "content-length": str(len(body)),
    }


async def _next(events: EventStream, prefix: str) -> Event:
    """The next event of the stream whose name starts with `prefix`."""
    async for event in events:
        if event.name.startswith(prefix):
            return event
    raise AssertionError("the stream ended")


def _published_at(cloud: LocalCloud, name: str) -> str:
    event = next(e for e in cloud.events if e.name == name)
    return event.published_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _delivered(cloud: LocalCloud) -> int:
    """How many delivery attempts the cloud recorded (a receiver sees a request before)."""
    with cloud.lock:
        return len(cloud.hook_deliveries)


def _deliveries(cloud: LocalCloud, hook_id: str) -> list[HookDelivery]:
    with cloud.lock:
        return [d for d in cloud.hook_deliveries if d.hook_id == hook_id]


async def test_a_device_event_makes_the_templated_request_and_the_answer_comes_back(
    fleet: Fleet, sdk: ParticleClient, receiver: LoopbackServer
) -> None:
    cloud = fleet.cloud
    with anyio.fail_after(10):
        hook = await sdk.webhooks.create(
            "sensor/",
            f"{receiver.url}/ingest/{{{{{{PARTICLE_DEVICE_ID}}}}}}",
            headers={
                "Authorization": "Bearer receiver-token",
                "X-Event": "{{{PARTICLE_EVENT_NAME}}}",
            },
            query={"source": "particle", "name": "{{PARTICLE_EVENT_NAME}}"},
            json={
                "value": "{{{PARTICLE_EVENT_VALUE}}}",
                "device": "{{{PARTICLE_DEVICE_ID}}}",
                "at": "{{{PARTICLE_PUBLISHED_AT}}}",
                "escaped": "{{PARTICLE_EVENT_NAME}}",
                "fixed": 7,
            },
        )
        async with sdk.events.stream(device="mine") as events:
            fleet.garage.publish("sensor/temp", "21.5")
            sent = await _next(events, "hook-sent/")
            answer = await _next(events, "hook-response/")

    # the request the hook describes, templates filled from the event
    assert len(receiver.seen) == 1
    seen = receiver.seen[0]
    assert seen.method == "POST"
    assert seen.target == f"/ingest/{fleet.garage.id}?source=particle&name=sensor%26%23x2F%3Btemp"
    body = json.dumps(
        {
            "value": "21.5",
            "device": fleet.garage.id,
            "at": _published_at(cloud, "sensor/temp"),
            "escaped": "sensor&#x2F;temp",  # {{...}} HTML-escapes, as mustache does
            "fixed": 7,
        },
        separators=(",", ":"),
    ).encode()
    assert seen.body == body
    assert seen.headers == {
        **_standard_headers(receiver, body),
        "content-type": "application/json",
        "authorization": "Bearer receiver-token",
        "x-event": "sensor/temp",
    }
    # the cloud's own events: from particle-internal, on the owner's stream
    assert (sent.name, sent.data, sent.device_id) == (
        "hook-sent/sensor/temp",
        "",
        "particle-internal",
    )
    assert (answer.name, answer.data) == ("hook-response/sensor/temp/0", '{"answer": 42}')
    assert answer.device_id == "particle-internal"
    # the attempt is recorded as sent
    (delivery,) = _deliveries(cloud, hook.id)
    assert (delivery.method, delivery.status, delivery.error, delivery.ok) == (
        "POST",
        200,
        None,
        True,
    )
    assert delivery.url == f"{receiver.url}{seen.target}"
    assert delivery.headers == seen.headers
    assert delivery.body == body
    assert (delivery.event, delivery.device_id) == ("sensor/temp", fleet.garage.id)
    assert delivery.response == '{"answer": 42}'


async def test_an_event_published_through_the_api_triggers_the_hook(
    fleet: Fleet, sdk: ParticleClient, receiver: LoopbackServer
) -> None:
    with anyio.fail_after(10):
        await sdk.webhooks.create(
            "door",
            f"{receiver.url}/door",
            body="{{{PARTICLE_EVENT_VALUE}}} from {{{PARTICLE_DEVICE_ID}}}",
        )
        async with sdk.events.stream(device="mine") as events:
            await sdk.events.publish("door/open", "front")
            answer = await _next(events, "hook-response/")
    (seen,) = receiver.seen
    assert (seen.method, seen.target, seen.body) == ("POST", "/door", b"front from api")
    # a raw body carries no content type of its own
    assert seen.headers == _standard_headers(receiver, b"front from api")
    assert answer.name == "hook-response/door/open/0"


async def test_without_a_template_the_event_goes_as_form_fields_or_query_parameters(
    fleet: Fleet, sdk: ParticleClient, receiver: LoopbackServer
) -> None:
    cloud = fleet.cloud
    with anyio.fail_after(10):
        for request_type in ("PUT", "GET"):
            await sdk.webhooks.create(
                "temp", f"{receiver.url}/{request_type.lower()}", request_type=request_type
            )
        await sdk.webhooks.create("temp", f"{receiver.url}/bare", no_defaults=True)
        fleet.garage.publish("temp", "21.5")
        await wait_until(lambda: len(receiver.seen) == 3, 5)
    defaults = {
        "event": "temp",
        "data": "21.5",
        "published_at": _published_at(cloud, "temp"),
        "coreid": fleet.garage.id,
    }
    by_path = {urlsplit(s.target).path: s for s in receiver.seen}
    put = by_path["/put"]
    assert put.method == "PUT"
    assert put.headers["content-type"] == FORM
    assert dict(parse_qsl(put.body.decode(), strict_parsing=True)) == defaults
    get = by_path["/get"]
    assert (get.method, get.body) == ("GET", b"")
    assert "content-type" not in get.headers
    assert dict(parse_qsl(urlsplit(get.target).query, strict_parsing=True)) == defaults
    bare = by_path["/bare"]
    assert (bare.method, bare.target, bare.body) == ("POST", "/bare", b"")
    assert bare.headers == _standard_headers(receiver, b"")


async def test_form_templates_basic_auth_and_json_event_data(
    fleet: Fleet, sdk: ParticleClient, receiver: LoopbackServer
) -> None:
    with anyio.fail_after(10):
        await sdk.webhooks.create(
            "reading",
            f"{receiver.url}/form",
            auth={"username": "ingest", "password": "s3cret"},
            form={
                "temp": "{{{temp}}}",
                "room": "{{{place.room}}}",
                "raw": "{{{PARTICLE_EVENT_VALUE}}}",
            },
        )
        fleet.garage.publish("reading", '{"temp": 21.5, "place": {"room": "lab"}}')
        await wait_until(lambda: len(receiver.seen) == 1, 5)
    seen = receiver.seen[0]
    assert seen.headers["authorization"] == "Basic " + base64.b64encode(b"ingest:s3cret").decode()
    assert seen.headers["content-type"] == FORM
    assert dict(parse_qsl(seen.body.decode(), strict_parsing=True)) == {
        "temp": "21.5",
        "room": "lab",
        "raw": '{"temp": 21.5, "place": {"room": "lab"}}',
    }


async def test_a_failing_receiver_gives_a_hook_error(fleet: Fleet, sdk: ParticleClient) -> None:
    async with serve(lambda seen: Reply(503, b"try later", {})) as failing:
        with anyio.fail_after(10):
            hook = await sdk.webhooks.create("temp", f"{failing.url}/down")
            async with sdk.events.stream(device="mine") as events:
                fleet.garage.publish("temp", "21.5")
                error = await _next(events, "hook-")
                if error.name.startswith("hook-sent/"):
                    error = await _next(events, "hook-")
    assert (error.name, error.data, error.device_id) == (
        "hook-error/temp/0",
        "try later",
        "particle-internal",
    )
    (delivery,) = _deliveries(fleet.cloud, hook.id)
    assert (delivery.status, delivery.response, delivery.ok) == (503, "try later", False)


async def test_an_unreachable_receiver_gives_a_hook_error(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with anyio.fail_after(10):
        hook = await sdk.webhooks.create("temp", f"http://127.0.0.1:{port}/nobody")
        async with sdk.events.stream(device="mine") as events:
            fleet.garage.publish("temp", "21.5")
            error = await _next(events, "hook-error/")
    assert error.name == "hook-error/temp/0"
    assert "ConnectError" in error.data
    (delivery,) = _deliveries(fleet.cloud, hook.id)
    assert delivery.status is None
    assert delivery.error is not None and "ConnectError" in delivery.error


async def test_response_and_error_topics_and_the_response_template(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    def answer(seen: Seen) -> Reply:
        if seen.target == "/ok":
            return Reply(200, b'{"forecast": "sunny", "high": 25}')
        return Reply(404, b"no such city", {})

    async with serve(answer) as server:
        with anyio.fail_after(10):
            await sdk.webhooks.create(
                "weather",
                f"{server.url}/ok",
                response_topic="{{{PARTICLE_DEVICE_ID}}}/forecast",
                response_template="{{forecast}}, up to {{high}}",
            )
            await sdk.webhooks.create(
                "weather", f"{server.url}/missing", error_response_topic="weather-failed"
            )
            async with sdk.events.stream(device="mine") as events:
                fleet.garage.publish("weather", "Paris")
                got: dict[str, str] = {}
                while len(got) < 2:
                    event = await _next(events, "")
                    if event.name != "weather" and not event.name.startswith("hook-sent/"):
                        got[event.name] = event.data
        await anyio.sleep(0.2)
    assert got == {
        f"{fleet.garage.id}/forecast/0": "sunny, up to 25",
        "weather-failed/0": "no such city",
    }
    # the outcome events trigger no hook, though "weather-failed" starts like their event
    assert [d.event for d in fleet.cloud.hook_deliveries] == ["weather", "weather"]


async def test_a_long_answer_comes_back_in_parts_of_512_bytes(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    long_answer = bytes(ord("a") + n % 26 for n in range(1300))
    async with serve(lambda seen: Reply(200, long_answer, {})) as server:
        with anyio.fail_after(10):
            await sdk.webhooks.create("temp", server.url)
            async with sdk.events.stream(device="mine") as events:
                fleet.garage.publish("temp", "1")
                parts = [await _next(events, "hook-response/") for _ in range(3)]
    assert [p.name for p in parts] == [f"hook-response/temp/{n}" for n in range(3)]
    assert [len(p.data) for p in parts] == [512, 512, 276]
    assert "".join(p.data for p in parts).encode() == long_answer


async def test_the_device_filter_and_the_prefix_choose_the_events(
    fleet: Fleet, sdk: ParticleClient, receiver: LoopbackServer
) -> None:
    cloud = fleet.cloud
    with anyio.fail_after(10):
        by_name = await sdk.webhooks.create("temp", f"{receiver.url}/by-name", device="garage")
        by_id = await sdk.webhooks.create("temp", f"{receiver.url}/by-id", device=fleet.boat.id)
        fleet.garage.publish("temperature", "1")  # a prefix match
        fleet.garage.publish("tem", "2")  # too short
        fleet.garage.publish("high_temp", "3")  # the prefix is at the start only
        fleet.boat.publish("temp", "4")
        fleet.foreign.publish("temp", "5")  # another account's device
        fleet.units[0].publish("temp", "6")  # a product device nobody owns
        await wait_until(lambda: _delivered(fleet.cloud) == 2, 5)
        await anyio.sleep(0.2)  # time for a stray delivery to show up
    assert [(d.event, d.device_id) for d in _deliveries(cloud, by_name.id)] == [
        ("temperature", fleet.garage.id)
    ]
    assert [(d.event, d.device_id) for d in _deliveries(cloud, by_id.id)] == [
        ("temp", fleet.boat.id)
    ]
    assert len(receiver.seen) == 2


async def test_a_product_webhook_fires_for_the_products_devices_only(
    fleet: Fleet, sdk: ParticleClient, receiver: LoopbackServer
) -> None:
    cloud = fleet.cloud
    with anyio.fail_after(10):
        product_hook = await sdk.webhooks.create(
            "temp", f"{receiver.url}/product", product=PRODUCT_SLUG
        )
        user_hook = await sdk.webhooks.create("temp", f"{receiver.url}/user")
        assert [h.id for h in await sdk.webhooks.list(product=PRODUCT_ID)] == [product_hook.id]
        assert [h.id for h in await sdk.webhooks.list()] == [user_hook.id]
        async with sdk.events.stream(product=PRODUCT_ID) as events:
            fleet.units[2].publish("temp", "1")
            answer = await _next(events, "hook-response/")
            await sdk.events.publish("temp", "2", product=PRODUCT_ID)
            await _next(events, "hook-response/")
        fleet.garage.publish("temp", "3")
        await wait_until(lambda: _delivered(fleet.cloud) == 3, 5)
    assert answer.name == "hook-response/temp/0"
    assert [(d.device_id, d.event) for d in _deliveries(cloud, product_hook.id)] == [
        (fleet.units[2].id, "temp"),
        ("api", "temp"),
    ]
    assert [d.device_id for d in _deliveries(cloud, user_hook.id)] == [fleet.garage.id]


async def test_another_accounts_webhooks_are_its_own(
    fleet: Fleet, sdk: ParticleClient, receiver: LoopbackServer
) -> None:
    other = sdk.with_options(access_token=fleet.other_token)
    with anyio.fail_after(10):
        theirs = await other.webhooks.create("temp", f"{receiver.url}/theirs")
        assert await sdk.webhooks.list() == []
        with pytest.raises(NotFoundError):
            await sdk.webhooks.delete(theirs.id)
        fleet.garage.publish("temp", "mine")
        fleet.foreign.publish("temp", "theirs")
        await wait_until(lambda: _delivered(fleet.cloud) == 1, 5)
        await anyio.sleep(0.2)
    assert [d.device_id for d in _deliveries(fleet.cloud, theirs.id)] == [fleet.foreign.id]


async def test_deleting_a_webhook_stops_its_deliveries(
    fleet: Fleet, sdk: ParticleClient, receiver: LoopbackServer
) -> None:
    cloud = fleet.cloud
    with anyio.fail_after(10):
        doomed = await sdk.webhooks.create("temp", f"{receiver.url}/doomed")
        kept = await sdk.webhooks.create("temp", f"{receiver.url}/kept")
        fleet.garage.publish("temp", "1")
        await wait_until(lambda: len(receiver.seen) == 2, 5)
        await sdk.webhooks.delete(doomed.id)
        assert [h.id for h in await sdk.webhooks.list()] == [kept.id]
        fleet.garage.publish("temp", "2")
        await wait_until(lambda: len(_deliveries(cloud, kept.id)) == 2, 5)
        await anyio.sleep(0.2)
        with pytest.raises(NotFoundError):
            await sdk.webhooks.delete(doomed.id)
    assert len(_deliveries(cloud, doomed.id)) == 1
    assert sorted(urlsplit(s.target).path for s in receiver.seen) == ["/doomed", "/kept", "/kept"]


OFF_LOOPBACK = [
    "https://example.com/ingest",
    "http://10.0.0.1/ingest",
    "http://192.168.1.10:8080/",
    "http://[2001:db8::1]/",
    "http://localhost.example.com/",
    "http://{{host}}/",
    "http://127.0.0.1:{{port}}/",
]


async def test_a_url_off_the_loopback_interface_is_refused(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with anyio.fail_after(10):
        for url in OFF_LOOPBACK:
            with pytest.raises(BadRequestError, match="loopback"):
                await sdk.webhooks.create("temp", url)
            with pytest.raises(BadRequestError, match="loopback"):
                await sdk.integrations.create("temp", {"integration_type": "Webhook", "url": url})
        assert await sdk.webhooks.list() == []
        assert await sdk.integrations.list() == []
    fleet.garage.publish("temp", "1")
    assert fleet.cloud.hook_deliveries == []


async def test_a_hook_whose_url_leaves_loopback_is_never_sent(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with anyio.fail_after(10):
        hook = await sdk.webhooks.create("temp", "http://127.0.0.1:9/")
        with fleet.cloud.lock:  # changed behind the API's back
            fleet.cloud.webhooks[hook.id].settings["url"] = "http://example.com/"
        async with sdk.events.stream(device="mine") as events:
            fleet.garage.publish("temp", "1")
            error = await _next(events, "hook-")
    assert (error.name, error.data) == (
        "hook-error/temp/0",
        "refused: 'http://example.com/' is not on a loopback host",
    )
    (delivery,) = _deliveries(fleet.cloud, hook.id)
    assert (delivery.status, delivery.url) == (None, "http://example.com/")


async def test_every_loopback_host_is_accepted(fleet: Fleet, sdk: ParticleClient) -> None:
    urls = ["http://localhost:9/", "http://[::1]:9/", "http://127.0.0.2:9/", "https://127.0.0.1/"]
    with anyio.fail_after(10):
        for url in urls:
            await sdk.webhooks.create("temp", url)
        assert [hook.url for hook in await sdk.webhooks.list()] == urls


async def test_an_integration_of_type_webhook_delivers(
    fleet: Fleet, sdk: ParticleClient, receiver: LoopbackServer
) -> None:
    cloud = fleet.cloud
    with anyio.fail_after(10):
        integration = await sdk.integrations.create(
            "temp",
            {
                "integration_type": "Webhook",
                "url": f"{receiver.url}/integration",
                "requestType": "PUT",
                "headers": {"X-Api-Key": "integration-key"},
                "json": {"v": "{{{PARTICLE_EVENT_VALUE}}}"},
            },
            device="garage",
        )
        assert (integration.integration_type, integration.device_id) == ("Webhook", "garage")
        assert integration.request_type == "PUT"
        async with sdk.events.stream(device="mine") as events:
            fleet.garage.publish("temp", "21.5")
            answer = await _next(events, "hook-response/")
        fleet.boat.publish("temp", "3")  # not the integration's device
        # another event and request type; the other settings stay
        updated = await sdk.integrations.update(
            integration.id, event="door", settings={"requestType": "POST"}
        )
        assert (updated.event, updated.request_type, updated.url) == (
            "door",
            "POST",
            f"{receiver.url}/integration",
        )
        fleet.garage.publish("door", "open")
        await wait_until(lambda: _delivered(fleet.cloud) == 2, 5)
        disabled = await sdk.integrations.update(integration.id, settings={"disabled": True})
        assert disabled.disabled is True
        fleet.garage.publish("door", "closed")  # a disabled integration sends nothing
        await anyio.sleep(0.2)
        await sdk.integrations.delete(integration.id)
        assert await sdk.integrations.list() == []
    assert answer.name == "hook-response/temp/0"
    first, second = receiver.seen
    assert (first.method, first.target, first.body) == ("PUT", "/integration", b'{"v":"21.5"}')
    assert first.headers["x-api-key"] == "integration-key"
    assert (second.method, second.body) == ("POST", b'{"v":"open"}')
    assert [d.event for d in _deliveries(cloud, integration.id)] == ["temp", "door"]


async def test_other_integration_types_are_stored_and_listed_only(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    cloud = fleet.cloud
    org = cloud.add_org("acme-org")
    with anyio.fail_after(10):
        azure = await sdk.integrations.create(
            "telemetry",
            {"integration_type": "AzureIotHub", "hub_name": "fleet", "policy_key": "k-1234"},
            product=PRODUCT_ID,
        )
        in_org = await sdk.integrations.create(
            "telemetry", {"integration_type": "GoogleCloudPubSub", "topic": "t"}, org=org.slug
        )
        assert azure.model_extra == {"hub_name": "fleet", "policy_key": "k-1234"}
        assert [i.id for i in await sdk.integrations.list(product=PRODUCT_SLUG)] == [azure.id]
        assert [i.id for i in await sdk.integrations.list(org="acme-org")] == [in_org.id]
        assert await sdk.integrations.list() == []
        fleet.units[0].publish("telemetry", "1")
        with pytest.raises(BadRequestError, match="integration_type"):
            await sdk.integrations.create("telemetry", {"url": "http://127.0.0.1:9/"})
        with pytest.raises(NotFoundError):
            await sdk.integrations.delete(azure.id)  # not in the sandbox
        await sdk.integrations.delete(azure.id, product=PRODUCT_ID)
    assert cloud.hook_deliveries == []


@pytest.mark.slow
async def test_a_slow_receiver_times_out_and_pending_deliveries_are_bounded(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    cloud = fleet.cloud
    cloud.hook_timeout = 0.5
    cloud.max_pending_deliveries = 2
    release = anyio.Event()

    async def slow(seen: Seen) -> Reply:
        await release.wait()
        return Reply(200, b"late")

    async with serve(slow) as server:
        with anyio.fail_after(10):
            hook = await sdk.webhooks.create("temp", f"{server.url}/slow")
            for n in range(3):
                fleet.garage.publish("temp", str(n))
            await wait_until(lambda: len(_deliveries(cloud, hook.id)) == 3, 5)
            release.set()
    dropped, *timed_out = _deliveries(cloud, hook.id)
    assert dropped.error is not None and dropped.error.startswith("dropped: 2 deliveries")
    assert [d.error for d in timed_out] == ["timed out after 0.5 s"] * 2
    assert all(d.status is None for d in timed_out)


async def test_a_stopped_cloud_contacts_nobody(
    fleet: Fleet, sdk: ParticleClient, receiver: LoopbackServer
) -> None:
    with anyio.fail_after(10):
        hook = await sdk.webhooks.create("temp", f"{receiver.url}/after-stop")
        await anyio.to_thread.run_sync(fleet.cloud.stop)
    fleet.garage.publish("temp", "1")
    (delivery,) = _deliveries(fleet.cloud, hook.id)
    assert delivery.error == "the local cloud is not serving: not sent"
    assert receiver.seen == []
