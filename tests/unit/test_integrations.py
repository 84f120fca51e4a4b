"""`client.integrations`: the wire shape of every call and scope, the flattened settings,
hidden credentials, bad input."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from typing import Any

import pytest
import respx

from aioparticle import APIStatusError, Integration, IntegrationTestResult, ParticleClient
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

INTEGRATION_ID = "6a2b0ffee5ba11ad0c0ffee1"
SETTINGS: dict[str, Any] = {
    "integration_type": "Webhook",
    "url": "https://example.com/ingest",
    "requestType": "PUT",
    "json": {"value": "{{{PARTICLE_EVENT_VALUE}}}"},
}
ANSWER = {
    "id": INTEGRATION_ID,
    "event": "temp",
    "created_at": "2025-03-01T12:00:00.000Z",
    **SETTINGS,
}
SCOPES = [
    ({}, "/v1"),
    ({"product": 4567}, "/v1/products/4567"),
    ({"product": "acme"}, "/v1/products/acme"),
    ({"org": "my-org"}, "/v1/orgs/my-org"),
]
SCOPE_IDS = ["user", "product-id", "product-slug", "org"]


@pytest.mark.parametrize(("scope", "prefix"), SCOPES, ids=SCOPE_IDS)
async def test_list(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    reply(api, load("integrations/list.json"))
    found = await client.integrations.list(**scope)
    check_request(only_request(api), "GET", f"{prefix}/integrations")
    assert [i.id for i in found] == [INTEGRATION_ID, "6a2b0ffee5ba11ad0c0ffee2"]
    assert all(isinstance(i, Integration) for i in found)


async def test_listed_integrations_keep_every_setting(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, load("integrations/list.json"))
    webhook, azure = await client.integrations.list()
    assert (webhook.event, webhook.device_id, webhook.integration_type) == (
        "temp",
        "0123456789abcdef01234567",
        "Webhook",
    )
    assert (webhook.url, webhook.request_type, webhook.disabled) == (
        "https://example.com/ingest",
        "PUT",
        False,
    )
    assert webhook.created_at == datetime(2025, 3, 1, 12, tzinfo=timezone.utc)
    assert webhook.headers == {"Authorization": "Bearer header-credential-9c1e"}
    assert webhook.model_extra == {"json": {"value": "{{{PARTICLE_EVENT_VALUE}}}"}}
    # an integration type the SDK knows nothing of: its settings are kept
    assert azure.integration_type == "AzureIotHub"
    assert azure.updated_at == datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
    assert azure.model_extra == {
        "hub_name": "fleet-hub",
        "policy_name": "particle",
        "policy_key": "azure-policy-key-31b7",
    }
    # `settings` gives them back in the shape create() takes
    assert azure.settings == {
        "integration_type": "AzureIotHub",
        "hub_name": "fleet-hub",
        "policy_name": "particle",
        "policy_key": "azure-policy-key-31b7",
    }
    assert webhook.settings == {
        "integration_type": "Webhook",
        "url": "https://example.com/ingest",
        "requestType": "PUT",
        "disabled": False,
        "headers": {"Authorization": "Bearer header-credential-9c1e"},
        "json": {"value": "{{{PARTICLE_EVENT_VALUE}}}"},
    }


async def test_settings_never_show_in_a_repr(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, load("integrations/list.json"))
    found = await client.integrations.list()
    for secret in ("header-credential-9c1e", "azure-policy-key-31b7", "fleet-hub"):
        assert secret not in repr(found)
        assert secret not in str(found[1])
    assert "AzureIotHub" in repr(found[1])


@pytest.mark.parametrize(("scope", "prefix"), SCOPES, ids=SCOPE_IDS)
async def test_create_flattens_the_settings_next_to_the_event(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    reply(api, ANSWER)
    created = await client.integrations.create("temp", SETTINGS, **scope)
    check_request(
        only_request(api), "POST", f"{prefix}/integrations", body={"event": "temp", **SETTINGS}
    )
    assert created.id == INTEGRATION_ID
    assert created.request_type == "PUT"
    assert created.created_at == datetime(2025, 3, 1, 12, tzinfo=timezone.utc)


async def test_create_sends_the_device_filter_as_lower_case_deviceid(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": True, "integration": ANSWER})  # a wrapped answer parses too
    created = await client.integrations.create("temp", {"integration_type": "X"}, device="garage")
    check_request(
        only_request(api),
        "POST",
        "/v1/integrations",
        body={"event": "temp", "deviceid": "garage", "integration_type": "X"},
    )
    assert created.id == INTEGRATION_ID
    assert created.model_extra == {"json": {"value": "{{{PARTICLE_EVENT_VALUE}}}"}}


async def test_create_is_not_retried(client: ParticleClient, api: respx.MockRouter) -> None:
    route = api.post("/v1/integrations").respond(503, json={"error": "busy"})
    with pytest.raises(APIStatusError, match="503"):
        await client.integrations.create("temp", SETTINGS)
    assert route.call_count == 1


async def test_a_refused_create_keeps_credential_settings_out_of_the_error(
    client: ParticleClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.post("/v1/integrations").respond(400, json={"error": "bad key azure-key-1234"})
    with pytest.raises(APIStatusError) as caught:
        await client.integrations.create(
            "temp",
            {
                "integration_type": "AzureIotHub",
                "policy_key": "azure-key-1234",
                "auth": {"username": "u", "password": "basic-pw-5678"},
            },
        )
    error = caught.value
    assert error.request is not None
    shown = f"{error} {error!r} {error.body} {error.request.content!r} {caplog.text}"
    assert "azure-key-1234" not in shown
    assert "basic-pw-5678" not in shown


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"event": "temp2"}, {"event": "temp2"}),
        ({"device": "boat"}, {"deviceid": "boat"}),
        ({"settings": {"disabled": True}}, {"disabled": True}),
        (
            {"event": "t", "device": "d", "settings": {"url": "https://x.example"}},
            {"event": "t", "deviceid": "d", "url": "https://x.example"},
        ),
    ],
)
@pytest.mark.parametrize(("scope", "prefix"), SCOPES, ids=SCOPE_IDS)
async def test_update_sends_only_what_is_given(
    client: ParticleClient,
    api: respx.MockRouter,
    kwargs: dict[str, Any],
    body: dict[str, Any],
    scope: dict[str, Any],
    prefix: str,
) -> None:
    reply(api, {**ANSWER, "event": "temp2"})
    updated = await client.integrations.update("int 1", **kwargs, **scope)
    check_request(only_request(api), "PUT", f"{prefix}/integrations/int%201", body=body)
    assert updated.event == "temp2"


@pytest.mark.parametrize(("scope", "prefix"), SCOPES, ids=SCOPE_IDS)
async def test_delete(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    reply(api, {"ok": True})
    assert await client.integrations.delete(INTEGRATION_ID, **scope) is None
    check_request(only_request(api), "DELETE", f"{prefix}/integrations/{INTEGRATION_ID}")


BAD_IDS, BAD_ID_NAMES = bad_segments(257)
BAD_SETTINGS: list[object] = [
    None,
    "integration_type=Webhook",
    [("integration_type", "Webhook")],
    {1: "x"},
    {"url": float("nan")},
    {"url": object()},
    {"event": "other"},
    {"deviceid": "other"},
    {"deviceId": "other"},
    {"DeviceID": "other"},
    {"Event": "other"},
]

BAD_INPUT = [
    *bad_input_grid(
        {
            "update": lambda c, i: c.integrations.update(i, event="temp"),
            "delete": lambda c, i: c.integrations.delete(i),
        },
        BAD_IDS,
        BAD_ID_NAMES,
        prefix="integration_id",
    ),
    *bad_input_grid(
        {
            "list": lambda c, p: c.integrations.list(product=p),
            "create": lambda c, p: c.integrations.create("temp", SETTINGS, product=p),
            "update": lambda c, p: c.integrations.update("i", event="temp", product=p),
            "delete": lambda c, p: c.integrations.delete("i", product=p),
        },
        BAD_PRODUCTS,
        prefix="product",
    ),
    *bad_input_grid(
        {
            "list": lambda c, o: c.integrations.list(org=o),
            "create": lambda c, o: c.integrations.create("temp", SETTINGS, org=o),
            "delete": lambda c, o: c.integrations.delete("i", org=o),
        },
        ["", "a/b", "..", "x\n", 5],
        prefix="org",
    ),
    *bad_input_grid(
        {
            "list": lambda c, s: c.integrations.list(**s),
            "create": lambda c, s: c.integrations.create("temp", SETTINGS, **s),
            "update": lambda c, s: c.integrations.update("i", event="temp", **s),
            "delete": lambda c, s: c.integrations.delete("i", **s),
        },
        [{"product": 4567, "org": "my-org"}, {"product": "acme", "org": "my-org"}],
        ["id", "slug"],
        prefix="product-and-org",
    ),
    *bad_input_grid(
        {
            "create": lambda c, s: c.integrations.create("temp", s),
            "update": lambda c, s: c.integrations.update("i", settings=s),
        },
        BAD_SETTINGS[1:],  # None is a missing update; create's None is below
        prefix="settings",
    ),
    bad_input("create-settings-None", lambda c: c.integrations.create("temp", None)),
    *bad_input_grid(
        {
            "create": lambda c, e: c.integrations.create(e, SETTINGS),
            "update": lambda c, e: c.integrations.update("i", event=e),
        },
        ["", "a b", "x" * 65, 5],
        prefix="event",
    ),
    bad_input("create-event-None", lambda c: c.integrations.create(None, SETTINGS)),
    bad_input("create-device-empty", lambda c: c.integrations.create("t", SETTINGS, device="")),
    bad_input("update-device-control", lambda c: c.integrations.update("i", device="a\x00")),
    bad_input("update-nothing", lambda c: c.integrations.update("i")),
    bad_input("update-empty-settings", lambda c: c.integrations.update("i", settings={})),
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
        (lambda c: c.integrations.list(product=1, org="o"), "pass product= or org=, not both"),
        (lambda c: c.integrations.create("t", {"deviceId": "d"}), "pass the event as event="),
        (lambda c: c.integrations.create("t", ["a"]), "must be a JSON object"),
        (lambda c: c.integrations.update("i"), "needs event=, settings= or device="),
        (lambda c: c.integrations.delete(".."), "integration_id must not be '..'"),
    ],
)
async def test_bad_input_messages_name_what_is_allowed(
    client: ParticleClient, guard: respx.MockRouter, call: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        await call(client)


# --------------------------------------------------------------------------- get and test


@pytest.mark.parametrize(("scope", "prefix"), SCOPES, ids=SCOPE_IDS)
async def test_get_unwraps_the_integration(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    reply(api, {"integration": {**ANSWER, "disabled": True}})
    found = await client.integrations.get(INTEGRATION_ID, **scope)
    check_request(only_request(api), "GET", f"{prefix}/integrations/{INTEGRATION_ID}")
    assert isinstance(found, Integration)
    assert (found.id, found.event, found.disabled) == (INTEGRATION_ID, "temp", True)
    assert found.settings["url"] == "https://example.com/ingest"


TEST_SCOPES = SCOPES[:3]


@pytest.mark.parametrize(("scope", "prefix"), TEST_SCOPES, ids=SCOPE_IDS[:3])
async def test_test_sends_nothing_but_what_is_given(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    reply(api, {"pass": True, "data": "accepted", "error": None})
    result = await client.integrations.test(INTEGRATION_ID, **scope)
    check_request(
        only_request(api), "POST", f"{prefix}/integrations/{INTEGRATION_ID}/test", body={}
    )
    assert isinstance(result, IntegrationTestResult)
    assert (result.pass_, result.data, result.error) == (True, "accepted", None)


async def test_test_sends_the_data_and_the_device_id(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"pass": False, "data": None, "error": "HTTP 500", "attempts": 1})
    result = await client.integrations.test(
        INTEGRATION_ID, data='{"t": 21.5}', device="garage", product="acme"
    )
    check_request(
        only_request(api),
        "POST",
        f"/v1/products/acme/integrations/{INTEGRATION_ID}/test",
        body={"data": '{"t": 21.5}', "device_id": "garage"},
    )
    assert (result.pass_, result.error) == (False, "HTTP 500")
    assert result.model_extra == {"attempts": 1}
    assert result.model_dump()["pass"] is False


async def test_test_is_not_retried(client: ParticleClient, api: respx.MockRouter) -> None:
    route = api.post(f"/v1/integrations/{INTEGRATION_ID}/test").respond(503)
    with pytest.raises(APIStatusError, match="503"):
        await client.integrations.test(INTEGRATION_ID)
    assert route.call_count == 1


GET_TEST_BAD_IDS, GET_TEST_BAD_ID_NAMES = bad_segments(300)

BAD_GET_AND_TEST = [
    *bad_input_grid(
        {
            "get": lambda c, v: c.integrations.get(v),
            "test": lambda c, v: c.integrations.test(v),
        },
        GET_TEST_BAD_IDS,
        GET_TEST_BAD_ID_NAMES,
        prefix="id",
    ),
    *bad_input_grid(
        {
            "get": lambda c, p: c.integrations.get(INTEGRATION_ID, product=p),
            "test": lambda c, p: c.integrations.test(INTEGRATION_ID, product=p),
        },
        BAD_PRODUCTS,
        prefix="product",
    ),
    bad_input(
        "get-product-and-org",
        lambda c: c.integrations.get(INTEGRATION_ID, product=1, org="o"),
    ),
    bad_input("get-bad-org", lambda c: c.integrations.get(INTEGRATION_ID, org="a/b")),
    *bad_input_grid(
        {"test": lambda c, v: c.integrations.test(INTEGRATION_ID, data=v)},
        [1, b"x", "x" * 1025, "a\x00b"],
        ["int", "bytes", "too-long", "nul"],
        prefix="data",
    ),
    *bad_input_grid(
        {"test": lambda c, v: c.integrations.test(INTEGRATION_ID, device=v)},
        ["", 1, "a\nb"],
        prefix="device",
    ),
]


@pytest.mark.parametrize("case", BAD_GET_AND_TEST)
async def test_get_and_test_refuse_bad_input_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
