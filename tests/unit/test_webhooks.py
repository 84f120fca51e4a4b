"""`client.webhooks`: the wire shape of every call, both answer shapes, hidden credentials,
bad input."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from typing import Any

import pytest
import respx

from aioparticle import APIStatusError, ParticleClient, Webhook
from tests.conftest import load
from tests.unit._wire import (
    BAD_PRODUCTS,
    BadInput,
    bad_input,
    bad_input_grid,
    bad_segments,
    check_request,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

HOOK_ID = "5f1c0ffee5ba11ad0c0ffee1"
CREATED = {
    "ok": True,
    "id": HOOK_ID,
    "url": "https://example.com/ingest",
    "event": "temp",
    "name": "temp",
    "created_at": "2025-03-01T12:00:00.000Z",
    "hookUrl": f"https://api.particle.io/v1/webhooks/{HOOK_ID}",
}
#: credentials in the listing fixture, none of which may show in a repr
LISTED_SECRETS = ("basic-auth-password-4f2a", "header-credential-9c1e", "query-credential-77d3")
SCOPES = [(None, "/v1"), (4567, "/v1/products/4567"), ("acme", "/v1/products/acme")]


@pytest.mark.parametrize(("product", "prefix"), SCOPES)
async def test_list(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, load("webhooks/list.json"))
    hooks = await client.webhooks.list(product=product)
    check_request(only_request(api), "GET", f"{prefix}/webhooks")
    assert [h.id for h in hooks] == [HOOK_ID, "5f1c0ffee5ba11ad0c0ffee2"]
    assert all(isinstance(h, Webhook) for h in hooks)


async def test_a_listed_webhook_reads_every_field_and_keeps_unknown_ones(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, load("webhooks/list.json"))
    full, short = await client.webhooks.list()
    assert (full.event, full.request_type, full.device_id) == (
        "temp",
        "POST",
        "0123456789abcdef01234567",
    )
    assert full.created_at == datetime(2025, 3, 1, 12, tzinfo=timezone.utc)
    assert full.name == "temperature to the backend"
    assert full.disabled is False
    assert full.auth == {"username": "ingest", "password": "basic-auth-password-4f2a"}
    assert full.headers == {
        "Authorization": "Bearer header-credential-9c1e",
        "X-Source": "particle",
    }
    assert full.query == {"api_key": "query-credential-77d3"}
    assert full.json_ == {
        "value": "{{{PARTICLE_EVENT_VALUE}}}",
        "at": "{{{PARTICLE_PUBLISHED_AT}}}",
    }
    assert full.response_topic == "{{PARTICLE_DEVICE_ID}}/hook-response/temp"
    assert (full.no_defaults, full.reject_unauthorized) == (True, False)
    assert full.model_extra == {"counter": 17}
    # the other spellings: hookId, eventName, createdAt
    assert (short.id, short.event, short.request_type) == (
        "5f1c0ffee5ba11ad0c0ffee2",
        "door",
        "GET",
    )
    assert short.created_at == datetime(2025, 3, 2, 8, 30, tzinfo=timezone.utc)
    assert short.created_at.tzinfo is not None
    assert short.model_extra == {}


async def test_credentials_of_a_webhook_never_show_in_its_repr(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, load("webhooks/list.json"))
    hooks = await client.webhooks.list()
    for secret in LISTED_SECRETS:
        assert secret not in repr(hooks)
        assert secret not in str(hooks[0])
    assert "temp" in repr(hooks[0])  # the rest of the hook is there


@pytest.mark.parametrize(("product", "prefix"), SCOPES)
async def test_create_sends_event_url_and_request_type(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, CREATED)
    hook = await client.webhooks.create("temp", "https://example.com/ingest", product=product)
    check_request(
        only_request(api),
        "POST",
        f"{prefix}/webhooks",
        body={"event": "temp", "url": "https://example.com/ingest", "requestType": "POST"},
    )
    # the creation answer is flat: the hook's fields next to "ok"
    assert hook.id == HOOK_ID
    assert (hook.event, hook.url, hook.name) == ("temp", "https://example.com/ingest", "temp")
    assert hook.hook_url == f"https://api.particle.io/v1/webhooks/{HOOK_ID}"
    assert hook.created_at == datetime(2025, 3, 1, 12, tzinfo=timezone.utc)
    assert hook.model_extra == {}


async def test_create_sends_every_option_under_its_camel_case_name(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, CREATED)
    await client.webhooks.create(
        "temp/",
        "http://example.com/t/{{{PARTICLE_DEVICE_ID}}}",
        device="garage",
        request_type="PUT",
        auth={"username": "ingest", "password": "pw-1234"},
        headers={"Authorization": "Bearer abcd-1234", "X-Source": "{{PARTICLE_EVENT_NAME}}"},
        query={"v": "{{{PARTICLE_EVENT_VALUE}}}"},
        json={"value": "{{{PARTICLE_EVENT_VALUE}}}", "n": 1, "f": 1.5, "ok": True, "l": [None]},
        response_template="{{answer}}",
        response_topic="{{PARTICLE_DEVICE_ID}}/hook-response/temp",
        error_response_topic="{{PARTICLE_DEVICE_ID}}/hook-error/temp",
        reject_unauthorized=False,
        no_defaults=True,
    )
    check_request(
        only_request(api),
        "POST",
        "/v1/webhooks",
        body={
            "event": "temp/",
            "url": "http://example.com/t/{{{PARTICLE_DEVICE_ID}}}",
            "deviceId": "garage",
            "requestType": "PUT",
            "auth": {"username": "ingest", "password": "pw-1234"},
            "headers": {"Authorization": "Bearer abcd-1234", "X-Source": "{{PARTICLE_EVENT_NAME}}"},
            "query": {"v": "{{{PARTICLE_EVENT_VALUE}}}"},
            "json": {
                "value": "{{{PARTICLE_EVENT_VALUE}}}",
                "n": 1,
                "f": 1.5,
                "ok": True,
                "l": [None],
            },
            "responseTemplate": "{{answer}}",
            "responseTopic": "{{PARTICLE_DEVICE_ID}}/hook-response/temp",
            "errorResponseTopic": "{{PARTICLE_DEVICE_ID}}/hook-error/temp",
            "rejectUnauthorized": False,
            "noDefaults": True,
        },
    )


@pytest.mark.parametrize(
    ("kwargs", "extra"),
    [
        (
            {"form": {"temp": "{{{PARTICLE_EVENT_VALUE}}}"}},
            {"form": {"temp": "{{{PARTICLE_EVENT_VALUE}}}"}},
        ),
        ({"body": "t={{{PARTICLE_EVENT_VALUE}}}\n"}, {"body": "t={{{PARTICLE_EVENT_VALUE}}}\n"}),
        ({"request_type": "GET"}, {"requestType": "GET"}),
        (
            {"request_type": "DELETE", "no_defaults": False},
            {"requestType": "DELETE", "noDefaults": False},
        ),
        ({"reject_unauthorized": True}, {"rejectUnauthorized": True}),
        ({"json": {}}, {"json": {}}),
    ],
)
async def test_create_sends_only_what_is_given(
    client: ParticleClient, api: respx.MockRouter, kwargs: dict[str, Any], extra: dict[str, Any]
) -> None:
    reply(api, CREATED)
    await client.webhooks.create("temp", "https://example.com/ingest", **kwargs)
    body = {"event": "temp", "url": "https://example.com/ingest", "requestType": "POST", **extra}
    check_request(only_request(api), "POST", "/v1/webhooks", body=body)


async def test_create_is_not_retried(client: ParticleClient, api: respx.MockRouter) -> None:
    route = api.post("/v1/webhooks").respond(503, json={"error": "busy"})
    with pytest.raises(APIStatusError, match="503"):
        await client.webhooks.create("temp", "https://example.com/ingest")
    assert route.call_count == 1


async def test_a_refused_create_keeps_the_hooks_credentials_out_of_the_error(
    client: ParticleClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.post("/v1/webhooks").respond(400, json={"error": "bad hook pw-secret-1234"})
    with pytest.raises(APIStatusError) as caught:
        await client.webhooks.create(
            "temp",
            "https://example.com/ingest",
            auth={"username": "ingest", "password": "pw-secret-1234"},
            headers={"X-Api-Key": "header-key-5678"},
            query={"token": "query-token-9012"},
        )
    error = caught.value
    assert error.request is not None
    shown = f"{error} {error!r} {error.body} {error.request.content!r} {caplog.text}"
    for secret in ("pw-secret-1234", "header-key-5678", "query-token-9012"):
        assert secret not in shown


@pytest.mark.parametrize(("product", "prefix"), SCOPES)
async def test_delete(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, {"ok": True})
    assert await client.webhooks.delete("hook 1", product=product) is None
    check_request(only_request(api), "DELETE", f"{prefix}/webhooks/hook%201")


async def test_delete_raises_when_the_cloud_says_not_ok(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": False, "error": "nope"})
    with pytest.raises(Exception, match="nope"):
        await client.webhooks.delete(HOOK_ID)


def _create(**kwargs: Any) -> Any:
    return lambda c: c.webhooks.create("temp", "https://example.com/ingest", **kwargs)


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


BAD_IDS, BAD_ID_NAMES = bad_segments(257)
BAD_EVENTS: list[object] = [None, "", "a b", "tab\there", "é", "x" * 65, 5, b"temp"]
BAD_URLS: list[object] = [
    None,
    "",
    "example.com/ingest",
    "/relative/path",
    "ftp://example.com/file",
    "mailto:someone@example.com",
    "https://",
    "http://exa mple.com/",
    "https://example.com/\n",
    "x" * 2049,
    b"https://example.com",
]
BAD_MAPS: list[object] = [
    "k=v",
    ["k", "v"],
    {"k": 1},
    {"k": None},
    {1: "v"},
    {"k": b"v"},
    {"": "v"},
    {"k": "line\nbreak"},
]
BAD_JSON: list[object] = [
    "{}",
    ["a"],
    {1: "a"},
    {"a": {1: "b"}},
    {"a": float("nan")},
    {"a": float("inf")},
    {"a": object()},
    {"a": {1, 2}},
    {"a": b"bytes"},
]

BAD_INPUT = [
    *bad_input_grid(
        {"delete": lambda c, i: c.webhooks.delete(i)}, BAD_IDS, BAD_ID_NAMES, prefix="hook_id"
    ),
    *bad_input_grid(
        {
            "list": lambda c, p: c.webhooks.list(product=p),
            "create": lambda c, p: _create(product=p)(c),
            "delete": lambda c, p: c.webhooks.delete(HOOK_ID, product=p),
        },
        BAD_PRODUCTS,
        prefix="product",
    ),
    *bad_input_grid(
        {"create": lambda c, e: c.webhooks.create(e, "https://example.com/ingest")},
        BAD_EVENTS,
        prefix="event",
    ),
    *bad_input_grid({"create": lambda c, u: c.webhooks.create("temp", u)}, BAD_URLS, prefix="url"),
    *bad_input_grid(
        {"create": lambda c, t: _create(request_type=t)(c)},
        ["PATCH", "post", "", None, "HEAD"],
        prefix="request_type",
    ),
    *bad_input_grid(
        {
            "headers": lambda c, m: _create(headers=m)(c),
            "query": lambda c, m: _create(query=m)(c),
            "auth": lambda c, m: _create(auth=m)(c),
        },
        BAD_MAPS,
        prefix="map",
    ),
    *bad_input_grid(
        {"headers": lambda c, m: _create(headers=m)(c)},
        [{"X Space": "v"}, {"X:Colon": "v"}, {"Ä": "v"}],
        prefix="header-name",
    ),
    *bad_input_grid(
        {"auth": lambda c, m: _create(auth=m)(c)},
        [{}, {"password": "p"}, {"username": "u", "token": "t"}],
        prefix="auth-keys",
    ),
    *bad_input_grid(
        {
            "json": lambda c, j: _create(json=j)(c),
            "form": lambda c, j: _create(form=j)(c),
        },
        BAD_JSON,
        prefix="template",
    ),
    bad_input("json-too-deep", _create(json={"a": _nested(40)})),
    bad_input("json-and-form", _create(json={"a": "b"}, form={"a": "b"})),
    bad_input("json-and-body", _create(json={}, body="text")),
    bad_input("form-and-body", _create(form={}, body="")),
    bad_input("body-not-str", _create(body=b"bytes")),
    bad_input("body-control", _create(body="a\x00b")),
    bad_input("response_template-not-str", _create(response_template=1)),
    bad_input("response_topic-empty", _create(response_topic="")),
    bad_input("response_topic-newline", _create(response_topic="a\nb")),
    bad_input("error_response_topic-too-long", _create(error_response_topic="x" * 257)),
    bad_input("device-empty", _create(device="")),
    bad_input("device-not-str", _create(device=123)),
    bad_input("reject_unauthorized-str", _create(reject_unauthorized="false")),
    bad_input("no_defaults-int", _create(no_defaults=1)),
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


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (_create(request_type="PATCH"), "GET, POST, PUT, DELETE"),
        (lambda c: c.webhooks.create("temp", "ftp://x"), "absolute http:// or https:// URL"),
        (lambda c: c.webhooks.create("a b", "https://x"), "printable ASCII"),
        (_create(headers={"k": 1}), "mapping of str to str"),
        (_create(auth={"user": "u"}), "'username'"),
        (_create(json=["a"]), "JSON object"),
        (_create(json={}, body=""), "at most one of json=, form= and body="),
        (lambda c: c.webhooks.delete("a/b"), "hook_id must not contain '/'"),
    ],
)
async def test_bad_input_messages_name_what_is_allowed(
    client: ParticleClient, guard: respx.MockRouter, call: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        await call(client)
    assert message in str(caught.value)
