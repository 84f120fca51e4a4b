"""Wire-level tests of `client.devices`: exact method, path, query, body and headers per call."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
import respx

import aioparticle
from aioparticle import (
    APIError,
    APIStatusError,
    ClaimResult,
    Device,
    Devices,
    FunctionResult,
    InternalServerError,
    InvalidArgumentError,
    Page,
    ParticleClient,
    UpdatedDevice,
    VariableValue,
)
from tests.conftest import TOKEN, load
from tests.unit._wire import expect_invalid, only_request

pytestmark = pytest.mark.anyio

DEV = "0123456789abcdef01234567"
PRODUCT_ID = 4567
SLUG = "my-product"

_NO_BODY = object()

#: `product=` values and the path prefix each one must produce.
PRODUCTS = pytest.mark.parametrize(
    ("product", "prefix"),
    [(PRODUCT_ID, "/v1/products/4567"), (SLUG, "/v1/products/my-product")],
    ids=["product-id", "product-slug"],
)
#: User scope plus both product forms.
SCOPES = pytest.mark.parametrize(
    ("product", "prefix"),
    [(None, "/v1"), (PRODUCT_ID, "/v1/products/4567"), (SLUG, "/v1/products/my-product")],
    ids=["user", "product-id", "product-slug"],
)


def _canonical(value: object) -> str:
    # Python says 1 == True and 1 == 1.0; the JSON text does not, so compare that.
    return json.dumps(value, sort_keys=True)


def check_request(
    request: httpx.Request,
    method: str,
    path: str,
    *,
    query: bytes = b"",
    body: Any = _NO_BODY,
) -> None:
    """Assert the whole request as it went on the wire."""
    assert request.method == method
    raw_path, _, raw_query = request.url.raw_path.partition(b"?")
    assert raw_path == path.encode("ascii")
    assert request.url.query == query
    assert raw_query == query
    headers = request.headers
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["user-agent"] == f"aioparticle/{aioparticle.__version__}"
    assert headers["accept"] == "application/json"
    if body is _NO_BODY:
        assert request.content == b""
        assert "content-type" not in headers
    else:
        assert headers["content-type"] == "application/json"
        sent = json.loads(request.content)
        assert sent == body
        assert _canonical(sent) == _canonical(body)


def reply(api: respx.MockRouter, body: Any = None, status: int = 200) -> respx.Route:
    """Answer every request with `body` (JSON)."""
    if body is None:
        return api.route().respond(status)
    return api.route().respond(status, json=body)


# --------------------------------------------------------------------------- list


async def test_list_user_scope_returns_every_device_from_one_request(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, load("device_list.json"))

    page = await client.devices.list()

    check_request(only_request(api), "GET", "/v1/devices")
    assert isinstance(page, Page)
    assert [d.id for d in page] == [DEV, "fedcba9876543210fedcba98"]
    assert all(isinstance(d, Device) for d in page)
    assert page.meta is None
    assert page.next_page is None
    second = page[1]
    assert second.name == "boat-tracker"
    assert second.online is False
    assert second.cellular is True
    assert second.iccid == "89314404000123456789"
    assert second.last_handshake_at is None
    assert page[0].last_heard == datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


async def test_list_user_scope_iteration_makes_one_request(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, load("device_list.json"))

    names = [device.name async for device in client.devices.list()]

    check_request(only_request(api), "GET", "/v1/devices")
    assert names == ["garage-door", "boat-tracker"]


@PRODUCTS
async def test_list_product_scope_without_options_sends_no_query(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, load("product_devices_page1.json"))

    page = await client.devices.list(product=product)

    check_request(only_request(api), "GET", f"{prefix}/devices")
    assert [d.name for d in page] == ["tracker-1", "tracker-2"]
    assert page.number == 1
    assert page.meta is not None
    assert page.meta.total == 3


@PRODUCTS
@pytest.mark.parametrize("sort_dir", ["asc", "desc"])
async def test_list_product_scope_sends_every_filter(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    sort_dir: str,
) -> None:
    reply(api, load("product_devices_page2.json"))

    page = await client.devices.list(
        product=product,
        device_id="abc",
        device_name="x",
        groups=["a", "b"],
        sort_attr="firmwareVersion",
        sort_dir=sort_dir,  # type: ignore[arg-type]
        page=2,
        per_page=50,
    )

    check_request(
        only_request(api),
        "GET",
        f"{prefix}/devices",
        query=(
            b"deviceId=abc&deviceName=x&groups=a%2Cb&sortAttr=firmwareVersion&sortDir="
            + sort_dir.encode()
            + b"&per_page=50&page=2"
        ),
    )
    assert page.number == 2
    assert [d.name for d in page] == ["tracker-3"]


async def test_list_filter_values_are_query_encoded(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"devices": []})

    await client.devices.list(product=PRODUCT_ID, device_name="my dev é&x=1", groups=["north"])

    request = only_request(api)
    # httpx writes a space as "+" (0.28) or "%20" (0.27); both decode to the same value
    expected = request.url.query.replace(b"%20", b"+")
    check_request(request, "GET", "/v1/products/4567/devices", query=request.url.query)
    assert expected == b"deviceName=my+dev+%C3%A9%26x%3D1&groups=north"
    assert list(request.url.params.multi_items()) == [
        ("deviceName", "my dev é&x=1"),
        ("groups", "north"),
    ]


async def test_list_product_async_for_walks_both_pages(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().mock(
        side_effect=[
            httpx.Response(200, json=load("product_devices_page1.json")),
            httpx.Response(200, json=load("product_devices_page2.json")),
        ]
    )

    devices = [device async for device in client.devices.list(product=PRODUCT_ID)]

    assert [d.name for d in devices] == ["tracker-1", "tracker-2", "tracker-3"]
    assert all(isinstance(d, Device) for d in devices)
    assert len(api.calls) == 2
    check_request(api.calls[0].request, "GET", "/v1/products/4567/devices")
    check_request(api.calls[1].request, "GET", "/v1/products/4567/devices", query=b"page=2")


async def test_list_product_later_pages_keep_the_filters(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().mock(
        side_effect=[
            httpx.Response(200, json=load("product_devices_page1.json")),
            httpx.Response(200, json=load("product_devices_page2.json")),
        ]
    )

    ids = [d.id async for d in client.devices.list(product=SLUG, groups=["north"], per_page=2)]

    assert len(ids) == 3
    assert len(api.calls) == 2
    path = "/v1/products/my-product/devices"
    check_request(api.calls[0].request, "GET", path, query=b"groups=north&per_page=2")
    check_request(api.calls[1].request, "GET", path, query=b"groups=north&per_page=2&page=2")


async def test_list_product_pages_yields_two_pages(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().mock(
        side_effect=[
            httpx.Response(200, json=load("product_devices_page1.json")),
            httpx.Response(200, json=load("product_devices_page2.json")),
        ]
    )

    pages = [page async for page in client.devices.list(product=PRODUCT_ID).pages()]

    assert len(pages) == 2
    assert all(isinstance(p, Page) for p in pages)
    assert [p.number for p in pages] == [1, 2]
    assert [len(p) for p in pages] == [2, 1]
    for p in pages:
        assert p.meta is not None
        assert p.meta.total_pages == 2
    assert len(api.calls) == 2
    assert api.calls[1].request.url.query == b"page=2"


async def test_awaiting_product_list_fetches_only_the_first_page(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, load("product_devices_page1.json"))

    page = await client.devices.list(product=PRODUCT_ID)

    check_request(only_request(api), "GET", "/v1/products/4567/devices")
    assert [d.id for d in page] == [DEV, "0123456789abcdef01234568"]
    assert page.next_page == 2
    assert page.meta is not None
    assert page.meta.total_pages == 2
    tracker2 = page[1]
    assert tracker2.development is True
    assert tracker2.desired_firmware_version == 2
    assert tracker2.owner is None
    assert tracker2.groups == []


async def test_breaking_out_of_async_for_stops_requests(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().mock(
        side_effect=[
            httpx.Response(200, json=load("product_devices_page1.json")),
            httpx.Response(200, json=load("product_devices_page2.json")),
        ]
    )

    seen = []
    async for device in client.devices.list(product=PRODUCT_ID):
        seen.append(device.name)
        break

    assert seen == ["tracker-1"]
    assert len(api.calls) == 1


async def test_short_page_without_meta_stops(client: ParticleClient, api: respx.MockRouter) -> None:
    devices = load("product_devices_page1.json")["devices"]
    reply(api, {"devices": devices})

    names = [d.name async for d in client.devices.list(product=PRODUCT_ID, per_page=5)]

    check_request(only_request(api), "GET", "/v1/products/4567/devices", query=b"per_page=5")
    assert names == ["tracker-1", "tracker-2"]


async def test_full_page_without_meta_asks_for_the_next(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    devices = load("product_devices_page1.json")["devices"]
    api.route().mock(
        side_effect=[
            httpx.Response(200, json={"devices": devices}),
            httpx.Response(200, json={"devices": []}),
        ]
    )

    names = [d.name async for d in client.devices.list(product=PRODUCT_ID, per_page=2)]

    assert names == ["tracker-1", "tracker-2"]
    assert [c.request.url.query for c in api.calls] == [b"per_page=2", b"per_page=2&page=2"]


# --------------------------------------------------------------------------- get


@SCOPES
async def test_get(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, load("device.json"))

    device = await client.devices.get(DEV, product=product)

    check_request(only_request(api), "GET", f"{prefix}/devices/{DEV}")
    assert isinstance(device, Device)
    assert device.id == DEV
    assert device.name == "garage-door"
    assert device.product_id == 4567
    assert device.online is True
    assert device.functions == ["open", "close", "digitalwrite"]
    assert device.variables == {
        "temp": "double",
        "door": "string",
        "count": "int32",
        "armed": "bool",
    }
    assert device.groups == ["north", "doors"]
    assert device.firmware_version == 3
    assert device.desired_firmware_version is None
    assert device.last_heard == datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert device.last_handshake_at == datetime(2025, 3, 1, 11, 58, 12, 123000, tzinfo=timezone.utc)


async def test_get_keeps_unknown_fields(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {**load("device.json"), "brand_new_field": {"x": 1}})

    device = await client.devices.get(DEV)

    assert device.model_extra == {"brand_new_field": {"x": 1}}


@pytest.mark.parametrize(
    ("device_id", "path"),
    [
        ("my dev é", "/v1/devices/my%20dev%20%C3%A9"),
        ("100%", "/v1/devices/100%25"),
        ("a+b&c=d;e", "/v1/devices/a%2Bb%26c%3Dd%3Be"),
        ("%2F", "/v1/devices/%252F"),
    ],
)
async def test_device_id_is_sent_as_one_encoded_segment(
    client: ParticleClient, api: respx.MockRouter, device_id: str, path: str
) -> None:
    reply(api, load("device.json"))

    await client.devices.get(device_id)

    check_request(only_request(api), "GET", path)


async def test_product_slug_and_member_names_are_encoded(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, load("variable.json"))

    await client.devices.get_variable("my dev é", "temp é%", product="acme pro")

    check_request(
        only_request(api),
        "GET",
        "/v1/products/acme%20pro/devices/my%20dev%20%C3%A9/temp%20%C3%A9%25",
    )


# --------------------------------------------------------------------------- PUT updates


def check_updated(result: UpdatedDevice) -> None:
    assert isinstance(result, UpdatedDevice)
    assert result.id == DEV
    assert result.name == "front-door"
    assert result.updated_at == datetime(2025, 3, 1, 12, 5, tzinfo=timezone.utc)


@SCOPES
async def test_rename(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, load("updated_device.json"))

    result = await client.devices.rename(DEV, "front-door", product=product)

    check_request(only_request(api), "PUT", f"{prefix}/devices/{DEV}", body={"name": "front-door"})
    check_updated(result)


@SCOPES
@pytest.mark.parametrize("notes", ["left wall, second shelf? maybe/not é", ""])
async def test_set_notes(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str | None,
    prefix: str,
    notes: str,
) -> None:
    reply(api, load("updated_device.json"))

    result = await client.devices.set_notes(DEV, notes, product=product)

    check_request(only_request(api), "PUT", f"{prefix}/devices/{DEV}", body={"notes": notes})
    check_updated(result)


MULTILINE_NOTES = "Installed 2025-03-01\n\tleft wall, behind the shelf\r\nbattery: 3.7V"


@SCOPES
async def test_set_notes_accepts_multiline_text(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    # Notes are free text in a JSON body (multi-line in the Console); JSON escapes newlines and
    # tabs, so nothing about them endangers the request. They must be sent as given.
    reply(api, load("updated_device.json"))

    await client.devices.set_notes(DEV, MULTILINE_NOTES, product=product)

    check_request(
        only_request(api), "PUT", f"{prefix}/devices/{DEV}", body={"notes": MULTILINE_NOTES}
    )


async def test_update_accepts_multiline_notes(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, load("updated_device.json"))

    await client.devices.update(DEV, notes=MULTILINE_NOTES)

    check_request(only_request(api), "PUT", f"/v1/devices/{DEV}", body={"notes": MULTILINE_NOTES})


@SCOPES
@pytest.mark.parametrize(("on", "wire"), [(True, "1"), (False, "0")])
async def test_signal(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str | None,
    prefix: str,
    on: bool,
    wire: str,
) -> None:
    reply(api, {"id": DEV, "signaling": on})

    result = await client.devices.signal(DEV, on, product=product)

    check_request(only_request(api), "PUT", f"{prefix}/devices/{DEV}", body={"signal": wire})
    assert isinstance(result, UpdatedDevice)
    assert result.signaling is on


@SCOPES
async def test_update_user_attributes(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, load("updated_device.json"))

    result = await client.devices.update(
        DEV, product=product, name="front-door", notes="n", signal=True
    )

    check_request(
        only_request(api),
        "PUT",
        f"{prefix}/devices/{DEV}",
        body={"name": "front-door", "notes": "n", "signal": "1"},
    )
    check_updated(result)


@PRODUCTS
@pytest.mark.parametrize(
    ("attributes", "body"),
    [
        (
            {"development": True, "desired_firmware_version": None, "flash": False},
            {"development": True, "desired_firmware_version": None, "flash": False},
        ),
        ({"desired_firmware_version": None}, {"desired_firmware_version": None}),
        (
            {"desired_firmware_version": 5, "flash": True, "signal": False},
            {"desired_firmware_version": 5, "flash": True, "signal": "0"},
        ),
        (
            {"development": False, "name": "front-door"},
            {"development": False, "name": "front-door"},
        ),
    ],
    ids=["all-product-attrs", "null-version", "version-and-flash", "mixed"],
)
async def test_update_product_attributes(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    attributes: dict[str, Any],
    body: dict[str, Any],
) -> None:
    reply(api, load("updated_device.json"))

    result = await client.devices.update(DEV, product=product, **attributes)

    request = only_request(api)
    check_request(request, "PUT", f"{prefix}/devices/{DEV}", body=body)
    if "desired_firmware_version" in body and body["desired_firmware_version"] is None:
        # the explicit null must be on the wire, not dropped like an unset option
        assert "desired_firmware_version" in json.loads(request.content)
    check_updated(result)


@PRODUCTS
@pytest.mark.parametrize(
    ("development", "expected"), [((), True), ((True,), True), ((False,), False)]
)
async def test_set_development(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    development: tuple[bool, ...],
    expected: bool,
) -> None:
    reply(api, {"id": DEV, "development": expected})

    result = await client.devices.set_development(DEV, *development, product=product)

    check_request(
        only_request(api), "PUT", f"{prefix}/devices/{DEV}", body={"development": expected}
    )
    assert result.development is expected


@PRODUCTS
@pytest.mark.parametrize(
    ("flash", "body"),
    [
        (None, {"desired_firmware_version": 3}),
        (True, {"desired_firmware_version": 3, "flash": True}),
        (False, {"desired_firmware_version": 3, "flash": False}),
    ],
)
async def test_lock_firmware(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    flash: bool | None,
    body: dict[str, Any],
) -> None:
    reply(api, {"id": DEV, "desired_firmware_version": 3})

    if flash is None:
        result = await client.devices.lock_firmware(DEV, 3, product=product)
    else:
        result = await client.devices.lock_firmware(DEV, 3, product=product, flash=flash)

    check_request(only_request(api), "PUT", f"{prefix}/devices/{DEV}", body=body)
    assert result.desired_firmware_version == 3


@PRODUCTS
async def test_unlock_firmware_sends_explicit_null(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, {"id": DEV, "desired_firmware_version": None})

    result = await client.devices.unlock_firmware(DEV, product=product)

    request = only_request(api)
    check_request(
        request, "PUT", f"{prefix}/devices/{DEV}", body={"desired_firmware_version": None}
    )
    assert json.loads(request.content) == {"desired_firmware_version": None}
    assert isinstance(result, UpdatedDevice)
    assert result.desired_firmware_version is None


# --------------------------------------------------------------------------- ping, claim


@SCOPES
@pytest.mark.parametrize(
    ("body", "online"), [(load("ping.json"), True), ({"online": False}, False)]
)
async def test_ping(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str | None,
    prefix: str,
    body: dict[str, Any],
    online: bool,
) -> None:
    reply(api, body)

    result = await client.devices.ping(DEV, product=product)

    check_request(only_request(api), "PUT", f"{prefix}/devices/{DEV}/ping")
    assert type(result) is bool
    assert result is online


@pytest.mark.parametrize(("kwargs", "transfer"), [({}, False), ({"request_transfer": True}, True)])
async def test_claim(
    client: ParticleClient, api: respx.MockRouter, kwargs: dict[str, bool], transfer: bool
) -> None:
    reply(api, load("claim.json"))

    result = await client.devices.claim(DEV, **kwargs)

    check_request(
        only_request(api),
        "POST",
        "/v1/devices",
        body={"id": DEV, "request_transfer": transfer},
    )
    assert isinstance(result, ClaimResult)
    assert result.ok is True
    assert result.device_id == DEV
    assert result.claimed is True
    assert result.user_id == "5e1f0000000000000000beef"
    assert result.transfer_id is None


# --------------------------------------------------------------------------- remove


@pytest.mark.parametrize("body", [{"ok": True}, None], ids=["ok-body", "empty-204"])
async def test_remove_user_scope_sends_no_body(
    client: ParticleClient, api: respx.MockRouter, body: dict[str, bool] | None
) -> None:
    reply(api, body, status=200 if body is not None else 204)

    result = await client.devices.remove(DEV)

    check_request(only_request(api), "DELETE", f"/v1/devices/{DEV}")
    assert result is None


@PRODUCTS
@pytest.mark.parametrize(
    ("kwargs", "body"),
    [({}, {}), ({"deny": True}, {"deny": True}), ({"deny": False}, {"deny": False})],
    ids=["no-deny", "deny", "deny-false"],
)
async def test_remove_product_scope_sends_json_body(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    kwargs: dict[str, bool],
    body: dict[str, bool],
) -> None:
    reply(api, {"ok": True})

    result = await client.devices.remove(DEV, product=product, **kwargs)

    check_request(only_request(api), "DELETE", f"{prefix}/devices/{DEV}", body=body)
    assert result is None


@PRODUCTS
async def test_remove_owner(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, {"ok": True})

    result = await client.devices.remove_owner(DEV, product=product)

    check_request(only_request(api), "DELETE", f"{prefix}/devices/{DEV}/owner")
    assert result is None


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.remove(DEV),
        lambda d: d.remove(DEV, product=PRODUCT_ID),
        lambda d: d.remove(DEV, product=SLUG, deny=True),
        lambda d: d.remove_owner(DEV, product=PRODUCT_ID),
    ],
    ids=["remove-user", "remove-product", "remove-deny", "remove_owner"],
)
async def test_remove_not_ok_body_raises_api_error(
    client: ParticleClient, api: respx.MockRouter, call: Callable[[Devices], Awaitable[None]]
) -> None:
    reply(api, {"ok": False, "error": "device is not yours"})

    with pytest.raises(APIError) as caught:
        await call(client.devices)

    assert not isinstance(caught.value, APIStatusError)
    assert "device is not yours" in caught.value.message
    assert caught.value.method == "DELETE"
    assert len(api.calls) == 1


# --------------------------------------------------------------------------- variables, functions


@SCOPES
async def test_get_variable(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, load("variable.json"))

    value = await client.devices.get_variable(DEV, "temp", product=product)

    check_request(only_request(api), "GET", f"{prefix}/devices/{DEV}/temp")
    assert isinstance(value, VariableValue)
    assert value.name == "temp"
    assert value.result == 21.5
    assert type(value.result) is float
    assert value.core_info is not None
    assert value.core_info.device_id == DEV
    assert value.core_info.name == "garage-door"
    assert value.core_info.connected is True
    assert value.core_info.last_app == ""
    assert value.core_info.last_handshake_at == datetime(
        2025, 3, 1, 11, 58, 12, 123000, tzinfo=timezone.utc
    )


@SCOPES
@pytest.mark.parametrize(("args", "arg"), [((), ""), (("on",), "on"), (("a b/é?",), "a b/é?")])
async def test_call_function(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str | None,
    prefix: str,
    args: tuple[str, ...],
    arg: str,
) -> None:
    reply(api, load("function.json"))

    result = await client.devices.call_function(DEV, "open", *args, product=product)

    check_request(only_request(api), "POST", f"{prefix}/devices/{DEV}/open", body={"arg": arg})
    assert isinstance(result, FunctionResult)
    assert result.id == DEV
    assert result.name == "garage-door"
    assert result.connected is True
    assert result.return_value == 1


async def test_call_function_accepts_exactly_1024_utf8_bytes(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, load("function.json"))
    arg = "é" * 512  # 1024 bytes of UTF-8

    await client.devices.call_function(DEV, "open", arg)

    check_request(only_request(api), "POST", f"/v1/devices/{DEV}/open", body={"arg": arg})


# --------------------------------------------------------------------------- retries


async def test_get_variable_is_retried_on_503(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    api.route().mock(
        side_effect=[
            httpx.Response(503, json={"error": "unavailable"}),
            httpx.Response(200, json=load("variable.json")),
        ]
    )

    value = await client.devices.get_variable(DEV, "temp")

    assert value.result == 21.5
    assert len(api.calls) == 2
    for call in api.calls:
        check_request(call.request, "GET", f"/v1/devices/{DEV}/temp")
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    ("call", "method"),
    [
        (lambda d: d.call_function(DEV, "open", "x"), "POST"),
        (lambda d: d.signal(DEV, True), "PUT"),
        (lambda d: d.signal(DEV, False, product=PRODUCT_ID), "PUT"),
        (lambda d: d.claim(DEV), "POST"),
        (lambda d: d.update(DEV, signal=True), "PUT"),
        (lambda d: d.update(DEV, product=PRODUCT_ID, flash=True), "PUT"),
        (lambda d: d.lock_firmware(DEV, 3, product=PRODUCT_ID, flash=True), "PUT"),
    ],
    ids=[
        "call_function",
        "signal",
        "signal-product",
        "claim",
        "update-signal",
        "update-flash",
        "lock-flash",
    ],
)
async def test_calls_that_act_on_the_device_are_not_retried_on_503(
    client: ParticleClient,
    api: respx.MockRouter,
    sleeps: list[float],
    call: Callable[[Devices], Awaitable[object]],
    method: str,
) -> None:
    reply(api, {"error": "unavailable"}, status=503)

    with pytest.raises(InternalServerError) as caught:
        await call(client.devices)

    assert caught.value.status_code == 503
    assert only_request(api).method == method
    assert sleeps == []


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (lambda d: d.get(DEV), load("device.json")),
        (lambda d: d.rename(DEV, "front-door"), load("updated_device.json")),
        (lambda d: d.update(DEV, notes="n"), load("updated_device.json")),
        (lambda d: d.lock_firmware(DEV, 3, product=PRODUCT_ID), load("updated_device.json")),
        (lambda d: d.unlock_firmware(DEV, product=PRODUCT_ID), load("updated_device.json")),
        (lambda d: d.ping(DEV), load("ping.json")),
        (lambda d: d.remove(DEV, product=PRODUCT_ID), {"ok": True}),
    ],
    ids=["get", "rename", "update-notes", "lock", "unlock", "ping", "remove"],
)
async def test_idempotent_calls_are_retried_on_503(
    client: ParticleClient,
    api: respx.MockRouter,
    call: Callable[[Devices], Awaitable[object]],
    body: object,
) -> None:
    api.route().mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=body)],
    )

    await call(client.devices)

    assert len(api.calls) == 2
    first, second = (c.request for c in api.calls)
    assert (first.method, first.url, first.content) == (second.method, second.url, second.content)


# --------------------------------------------------------------------------- validation

BAD_IDS = [
    None,
    "",
    ".",
    "..",
    "a/b",
    "a?b",
    "a#b",
    "a\\b",
    "a\x00b",
    "a\nb",
    "x" * 257,
    "events",
    123,
]
BAD_ID_NAMES = [
    "None",
    "empty",
    "dot",
    "dotdot",
    "slash",
    "question",
    "hash",
    "backslash",
    "nul",
    "newline",
    "too-long",
    "events",
    "int",
]

DeviceCall = Callable[[Devices, Any], Awaitable[object]]

DEVICE_CALLS: dict[str, DeviceCall] = {
    "get": lambda d, dev: d.get(dev),
    "get-product": lambda d, dev: d.get(dev, product=PRODUCT_ID),
    "rename": lambda d, dev: d.rename(dev, "front-door"),
    "set_notes": lambda d, dev: d.set_notes(dev, "n", product=SLUG),
    "signal": lambda d, dev: d.signal(dev, True),
    "ping": lambda d, dev: d.ping(dev),
    "ping-product": lambda d, dev: d.ping(dev, product=PRODUCT_ID),
    "claim": lambda d, dev: d.claim(dev),
    "claim-transfer": lambda d, dev: d.claim(dev, request_transfer=True),
    "remove": lambda d, dev: d.remove(dev),
    "remove-product": lambda d, dev: d.remove(dev, product=PRODUCT_ID, deny=True),
    "get_variable": lambda d, dev: d.get_variable(dev, "temp"),
    "call_function": lambda d, dev: d.call_function(dev, "open", "x"),
    "update": lambda d, dev: d.update(dev, name="front-door"),
    "update-product": lambda d, dev: d.update(dev, product=PRODUCT_ID, development=True),
    "remove_owner": lambda d, dev: d.remove_owner(dev, product=PRODUCT_ID),
    "set_development": lambda d, dev: d.set_development(dev, product=PRODUCT_ID),
    "lock_firmware": lambda d, dev: d.lock_firmware(dev, 3, product=PRODUCT_ID),
    "unlock_firmware": lambda d, dev: d.unlock_firmware(dev, product=PRODUCT_ID),
}


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json=load("device.json"))
    return api


@pytest.mark.parametrize("bad", BAD_IDS, ids=BAD_ID_NAMES)
@pytest.mark.parametrize("call", list(DEVICE_CALLS.values()), ids=list(DEVICE_CALLS))
async def test_bad_device_id_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, call: DeviceCall, bad: object
) -> None:
    await expect_invalid(call(client.devices, bad), guard)


MEMBER_CALLS: dict[str, DeviceCall] = {
    "get_variable": lambda d, name: d.get_variable(DEV, name),
    "get_variable-product": lambda d, name: d.get_variable(DEV, name, product=SLUG),
    "call_function": lambda d, name: d.call_function(DEV, name),
    "call_function-product": lambda d, name: d.call_function(DEV, name, "x", product=PRODUCT_ID),
}


@pytest.mark.parametrize("bad", [*BAD_IDS, "x" * 65], ids=[*BAD_ID_NAMES, "over-64"])
@pytest.mark.parametrize("call", list(MEMBER_CALLS.values()), ids=list(MEMBER_CALLS))
async def test_bad_variable_or_function_name_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, call: DeviceCall, bad: object
) -> None:
    await expect_invalid(call(client.devices, bad), guard)


async def test_64_character_names_are_accepted(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, load("variable.json"))
    name = "v" * 64

    await client.devices.get_variable(DEV, name)

    check_request(only_request(api), "GET", f"/v1/devices/{DEV}/{name}")


async def test_256_character_device_id_is_accepted(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, load("device.json"))
    device_id = "d" * 256

    await client.devices.get(device_id)

    check_request(only_request(api), "GET", f"/v1/devices/{device_id}")


@pytest.mark.parametrize("arg", ["é" * 513, "x" * 1025, None, 5])
async def test_bad_function_arg_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, arg: object
) -> None:
    await expect_invalid(client.devices.call_function(DEV, "open", arg), guard)  # type: ignore[arg-type]


ProductCall = Callable[[Devices, Any], Awaitable[object]]

PRODUCT_CALLS: dict[str, ProductCall] = {
    "get": lambda d, p: d.get(DEV, product=p),
    "rename": lambda d, p: d.rename(DEV, "front-door", product=p),
    "set_notes": lambda d, p: d.set_notes(DEV, "n", product=p),
    "signal": lambda d, p: d.signal(DEV, True, product=p),
    "ping": lambda d, p: d.ping(DEV, product=p),
    "remove": lambda d, p: d.remove(DEV, product=p),
    "get_variable": lambda d, p: d.get_variable(DEV, "temp", product=p),
    "call_function": lambda d, p: d.call_function(DEV, "open", product=p),
    "update": lambda d, p: d.update(DEV, product=p, name="front-door"),
    "remove_owner": lambda d, p: d.remove_owner(DEV, product=p),
    "set_development": lambda d, p: d.set_development(DEV, product=p),
    "lock_firmware": lambda d, p: d.lock_firmware(DEV, 3, product=p),
    "unlock_firmware": lambda d, p: d.unlock_firmware(DEV, product=p),
}
BAD_PRODUCTS = [-1, True, "", "a/b", "..", "events\n", 1.5]


@pytest.mark.parametrize("bad", BAD_PRODUCTS, ids=repr)
@pytest.mark.parametrize("call", list(PRODUCT_CALLS.values()), ids=list(PRODUCT_CALLS))
async def test_bad_product_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, call: ProductCall, bad: object
) -> None:
    await expect_invalid(call(client.devices, bad), guard)


PRODUCT_ONLY_CALLS = ["remove_owner", "set_development", "lock_firmware", "unlock_firmware"]


@pytest.mark.parametrize("name", PRODUCT_ONLY_CALLS)
async def test_product_only_calls_need_a_product(
    client: ParticleClient, guard: respx.MockRouter, name: str
) -> None:
    await expect_invalid(PRODUCT_CALLS[name](client.devices, None), guard)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"device_id": "abc"},
        {"device_name": "x"},
        {"groups": ["a"]},
        {"sort_attr": "name"},
        {"sort_dir": "asc"},
        {"page": 1},
        {"per_page": 10},
    ],
    ids=lambda kw: next(iter(kw)),
)
async def test_list_filters_need_a_product(
    client: ParticleClient, guard: respx.MockRouter, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidArgumentError):
        client.devices.list(**kwargs)
    assert len(guard.calls) == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"product": PRODUCT_ID, "sort_dir": "up"},
        {"product": PRODUCT_ID, "groups": "abc"},
        {"product": PRODUCT_ID, "groups": []},
        {"product": PRODUCT_ID, "groups": ["a,b"]},
        {"product": PRODUCT_ID, "page": 0},
        {"product": PRODUCT_ID, "per_page": 0},
        {"product": PRODUCT_ID, "per_page": True},
        {"product": PRODUCT_ID, "device_id": ""},
        {"product": PRODUCT_ID, "device_name": "a\nb"},
        {"page": 0},
        {"per_page": 0},
        *({"product": bad} for bad in BAD_PRODUCTS),
    ],
    ids=repr,
)
async def test_bad_list_arguments_are_rejected(
    client: ParticleClient, guard: respx.MockRouter, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        client.devices.list(**kwargs)
    assert isinstance(caught.value, ValueError)
    assert len(guard.calls) == 0


async def test_update_without_attributes_raises_value_error(
    client: ParticleClient, guard: respx.MockRouter
) -> None:
    await expect_invalid(client.devices.update(DEV), guard)
    await expect_invalid(client.devices.update(DEV, product=PRODUCT_ID), guard)


async def test_update_with_unknown_attribute_raises_type_error(
    client: ParticleClient, guard: respx.MockRouter
) -> None:
    with pytest.raises(TypeError, match="colour"):
        await client.devices.update(DEV, name="x", colour="red")  # type: ignore[call-arg]
    assert len(guard.calls) == 0


@pytest.mark.parametrize(
    "attributes",
    [
        {"development": True},
        {"flash": True},
        {"desired_firmware_version": 3},
        {"desired_firmware_version": None},
        {"name": "front-door", "flash": False},
    ],
    ids=repr,
)
async def test_update_product_attributes_need_a_product(
    client: ParticleClient, guard: respx.MockRouter, attributes: dict[str, Any]
) -> None:
    await expect_invalid(client.devices.update(DEV, **attributes), guard)


@pytest.mark.parametrize(
    "attributes",
    [
        {"name": ""},
        {"name": "a\nb"},
        {"name": "x" * 257},
        {"notes": None},
        {"signal": "1"},
        {"development": 1},
        {"flash": "yes"},
        {"desired_firmware_version": 0},
        {"desired_firmware_version": True},
    ],
    ids=repr,
)
async def test_update_bad_attribute_values_are_rejected(
    client: ParticleClient, guard: respx.MockRouter, attributes: dict[str, Any]
) -> None:
    await expect_invalid(client.devices.update(DEV, product=PRODUCT_ID, **attributes), guard)


@pytest.mark.parametrize("deny", [True, False])
async def test_remove_deny_needs_a_product(
    client: ParticleClient, guard: respx.MockRouter, deny: bool
) -> None:
    await expect_invalid(client.devices.remove(DEV, deny=deny), guard)


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.signal(DEV, "1"),
        lambda d: d.signal(DEV, 1),
        lambda d: d.signal(DEV, None),
        lambda d: d.claim(DEV, request_transfer="yes"),
        lambda d: d.remove(DEV, product=PRODUCT_ID, deny=1),
        lambda d: d.set_development(DEV, "true", product=PRODUCT_ID),
        lambda d: d.lock_firmware(DEV, 0, product=1),
        lambda d: d.lock_firmware(DEV, -3, product=1),
        lambda d: d.lock_firmware(DEV, True, product=1),
        lambda d: d.lock_firmware(DEV, "3", product=1),
        lambda d: d.lock_firmware(DEV, 3, product=1, flash="yes"),
        lambda d: d.rename(DEV, ""),
        lambda d: d.rename(DEV, "x" * 257),
        lambda d: d.set_notes(DEV, None),
        lambda d: d.set_notes(DEV, "x" * 65_537),
    ],
    ids=[
        "signal-str",
        "signal-int",
        "signal-None",
        "claim-transfer-str",
        "deny-int",
        "development-str",
        "lock-0",
        "lock-negative",
        "lock-bool",
        "lock-str",
        "lock-flash-str",
        "rename-empty",
        "rename-too-long",
        "notes-None",
        "notes-too-long",
    ],
)
async def test_bad_argument_values_are_rejected(
    client: ParticleClient, guard: respx.MockRouter, call: Callable[[Devices], Awaitable[object]]
) -> None:
    await expect_invalid(call(client.devices), guard)
