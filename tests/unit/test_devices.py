"""Wire-level tests of `client.devices` (resources/devices.py): exact method, path, query, body
and headers per call, typed results, and every check made before any request.

The module has four parts, each opened by a `# ===` banner: the everyday operations (list, get,
updates, ping and claim, remove, variables and functions, retries); the less common ones (adding
devices to a product, self-provisioning, claim codes, device unprotect, public keys and
manufacturing backups); the fleet operations (group membership, quarantine, forced updates,
the extended import, the fleet fields of a device); and one table of the bad input that every
operation must refuse.
"""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from aioparticle import (
    APIError,
    APIResponseValidationError,
    APIStatusError,
    ClaimCode,
    ClaimResult,
    Device,
    DeviceImportResult,
    Devices,
    FunctionResult,
    InternalServerError,
    InvalidArgumentError,
    NotFoundError,
    Page,
    PageMeta,
    ParticleClient,
    UnprotectResult,
    UpdatedDevice,
    VariableValue,
)
from aioparticle.resources import devices as devices_module
from tests.conftest import load
from tests.unit._wire import (
    BadInput,
    OpenCall,
    bad_input,
    bad_input_grid,
    bad_segments,
    check_request,
    check_upload,
    files_in,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

DEV = "0123456789abcdef01234567"
PRODUCT_ID = 4567
SLUG = "my-product"
ICCID = "89314404000123456789"
NOW_MS = 1_700_000_000_123

#: A public key as PEM text, newlines and all.
PUBLIC_KEY = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE0e5Pq1dKHbsZVxHk2sPkLNfOa+Wx\n"
    "/u1Q==\n"
    "-----END PUBLIC KEY-----\n"
)

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


# =========================================================================== everyday operations


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
    assert page.meta == PageMeta()  # no metadata: every field None
    assert page.meta.total_pages is None
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


async def test_product_slug_and_device_names_are_encoded(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, load("variable.json"))

    await client.devices.get_variable("my dev é", "temp_1-a", product="acme pro")

    check_request(
        only_request(api),
        "GET",
        "/v1/products/acme%20pro/devices/my%20dev%20%C3%A9/temp_1-a",
    )


@pytest.mark.parametrize(
    "name", ["temp é", "temp 1", "🌡", "a+b", "a:b", "a.b", "a" * 65, "événement"]
)
@pytest.mark.parametrize("operation", ["get_variable", "call_function"])
async def test_variable_and_function_names_outside_particles_set_are_refused(
    client: ParticleClient, api: respx.MockRouter, name: str, operation: str
) -> None:
    call = getattr(client.devices, operation)
    with pytest.raises(InvalidArgumentError) as caught:
        await call(DEV, name)
    message = str(caught.value)
    assert "letters, digits, '_' and '-'" in message or "at most 64" in message
    assert len(api.calls) == 0


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


async def test_call_function_answer_without_return_value_is_a_validation_error(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    """`FunctionResult.return_value` is an `int`: every successful call carries the handler's
    value, so an answer without one is not what the API documents."""
    reply(api, {"id": DEV, "name": "garage-door", "connected": True})

    with pytest.raises(APIResponseValidationError, match="return_value"):
        await client.devices.call_function(DEV, "open")


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


# =========================================================================== less common operations
# adding devices to a product, self-provisioning, claim codes, unprotect, public keys, backups

IMPORT_RESULT = load("devices/import_result.json")


# --------------------------------------------------------------------------- add


@PRODUCTS
async def test_add_one_device_sends_its_id_as_json(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    api.route().respond(json=IMPORT_RESULT)

    result = await client.devices.add(DEV, product=product)

    check_request(only_request(api), "POST", f"{prefix}/devices", body={"id": DEV})
    assert isinstance(result, DeviceImportResult)
    assert result.ok is True
    assert result.updated == 2
    assert result.updated_device_ids == [DEV, "fedcba9876543210fedcba98"]
    assert result.existing_device_ids == ["aaaaaaaaaaaaaaaaaaaaaaaa"]
    assert result.non_member_device_ids == ["bbbbbbbbbbbbbbbbbbbbbbbb"]
    assert result.invalid_device_ids == ["not-a-device"]


async def test_add_accepts_a_serial_number_or_iccid_in_the_body(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json={"ok": True})

    await client.devices.add(ICCID, product=PRODUCT_ID)

    check_request(only_request(api), "POST", "/v1/products/4567/devices", body={"id": ICCID})


DEVICE_LIST = f"{DEV}\nfedcba9876543210fedcba98\n{ICCID}\n".encode()


@PRODUCTS
async def test_add_file_bytes_is_one_multipart_part(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    api.route().respond(json=IMPORT_RESULT)

    result = await client.devices.add(product=product, file=DEVICE_LIST)

    check_upload(
        only_request(api),
        "POST",
        f"{prefix}/devices",
        fields={},
        files=[("file", "file", DEVICE_LIST)],
    )
    assert result.updated == 2


async def test_add_file_path_uses_its_base_name(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(json=IMPORT_RESULT)
    listing = tmp_path / "devices.txt"
    listing.write_bytes(DEVICE_LIST)

    await client.devices.add(product=PRODUCT_ID, file=listing)

    check_upload(
        only_request(api),
        "POST",
        "/v1/products/4567/devices",
        fields={},
        files=[("file", "devices.txt", DEVICE_LIST)],
    )


async def test_add_file_object_uses_its_base_name(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(json=IMPORT_RESULT)
    listing = tmp_path / "fleet.csv"
    listing.write_bytes(DEVICE_LIST)

    with listing.open("rb") as handle:
        await client.devices.add(product=SLUG, file=handle)

    check_upload(
        only_request(api),
        "POST",
        "/v1/products/my-product/devices",
        fields={},
        files=[("file", "fleet.csv", DEVICE_LIST)],
    )


async def test_add_nameless_file_object_uses_the_default_name(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json=IMPORT_RESULT)

    await client.devices.add(product=PRODUCT_ID, file=io.BytesIO(DEVICE_LIST))

    check_upload(
        only_request(api),
        "POST",
        "/v1/products/4567/devices",
        fields={},
        files=[("file", "file", DEVICE_LIST)],
    )


# --------------------------------------------------------------------------- provision


@pytest.mark.parametrize("product", [PRODUCT_ID, 0, SLUG], ids=["int", "zero", "slug"])
async def test_provision_sends_the_product_id_as_given(
    client: ParticleClient, api: respx.MockRouter, product: int | str
) -> None:
    api.route().respond(json=load("device.json"))

    device = await client.devices.provision(product=product)

    check_request(only_request(api), "POST", "/v1/devices", body={"product_id": product})
    assert isinstance(device, Device)
    assert device.id == DEV
    assert device.product_id == 4567


async def test_provision_keeps_an_int_product_an_int_on_the_wire(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json=load("device.json"))

    await client.devices.provision(product=PRODUCT_ID)

    assert only_request(api).content.replace(b" ", b"") == b'{"product_id":4567}'


# --------------------------------------------------------------------------- claim codes

CLAIM_CODE = {"claim_code": "rCf2EwQlsBdNpS7Lbo2oFL", "device_ids": [DEV]}


@SCOPES
async def test_create_claim_code_sends_an_empty_object(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    api.route().respond(json=CLAIM_CODE)

    code = await client.devices.create_claim_code(product=product)

    check_request(only_request(api), "POST", f"{prefix}/device_claims", body={})
    assert isinstance(code, ClaimCode)
    assert code.claim_code == "rCf2EwQlsBdNpS7Lbo2oFL"
    assert code.device_ids == [DEV]


@SCOPES
async def test_create_claim_code_with_iccid(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    api.route().respond(json={"claim_code": "abc"})

    code = await client.devices.create_claim_code(iccid=ICCID, product=product)

    check_request(only_request(api), "POST", f"{prefix}/device_claims", body={"iccid": ICCID})
    assert code.claim_code == "abc"
    assert code.device_ids == []


async def test_create_claim_code_for_a_customer_uses_the_view_token(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json=CLAIM_CODE)
    customer = client.with_options(access_token="customer-token-1234")

    await customer.devices.create_claim_code(product=PRODUCT_ID)

    request = only_request(api)
    assert request.url.raw_path == b"/v1/products/4567/device_claims"
    assert request.headers["authorization"] == "Bearer customer-token-1234"


# --------------------------------------------------------------------------- unprotect

UNPROTECT_SCOPES = pytest.mark.parametrize(
    ("scope", "prefix"),
    [
        ({}, "/v1"),
        ({"product": PRODUCT_ID}, "/v1/products/4567"),
        ({"product": SLUG}, "/v1/products/my-product"),
        ({"org": "acme-corp"}, "/v1/orgs/acme-corp"),
    ],
    ids=["user", "product-id", "product-slug", "org"],
)


@UNPROTECT_SCOPES
async def test_unprotect_prepare_sends_only_the_action(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    api.route().respond(json={"ok": True, "server_nonce": "c2VydmVyLW5vbmNl"})

    result = await client.devices.unprotect(DEV, "prepare", **scope)

    check_request(
        only_request(api), "PUT", f"{prefix}/devices/{DEV}/unprotect", body={"action": "prepare"}
    )
    assert isinstance(result, UnprotectResult)
    assert result.ok is True
    assert result.server_nonce == "c2VydmVyLW5vbmNl"


@UNPROTECT_SCOPES
async def test_unprotect_confirm_sends_every_value_given(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    api.route().respond(json={"ok": True, "device_protected": False})

    result = await client.devices.unprotect(
        DEV,
        "confirm",
        server_nonce="c2VydmVy",
        device_nonce="ZGV2aWNl",
        device_signature="c2lnbmF0dXJlKw==",
        device_public_key_fingerprint="ZmluZ2VycHJpbnQ=",
        **scope,
    )

    check_request(
        only_request(api),
        "PUT",
        f"{prefix}/devices/{DEV}/unprotect",
        body={
            "action": "confirm",
            "server_nonce": "c2VydmVy",
            "device_nonce": "ZGV2aWNl",
            "device_signature": "c2lnbmF0dXJlKw==",
            "device_public_key_fingerprint": "ZmluZ2VycHJpbnQ=",
        },
    )
    assert result.device_protected is False


@pytest.mark.parametrize(
    "given",
    [
        {"server_nonce": "cw=="},
        {"device_nonce": "ZA=="},
        {"device_signature": "cw=="},
        {"device_public_key_fingerprint": "Zg=="},
        {"server_nonce": "cw==", "device_signature": "cw=="},
        {"device_nonce": "ZA==", "device_public_key_fingerprint": "Zg=="},
    ],
    ids=["server_nonce", "device_nonce", "signature", "fingerprint", "two", "other-two"],
)
async def test_unprotect_sends_only_the_keys_given(
    client: ParticleClient, api: respx.MockRouter, given: dict[str, str]
) -> None:
    api.route().respond(json={"ok": True})

    await client.devices.unprotect(DEV, "confirm", **given)

    check_request(
        only_request(api),
        "PUT",
        f"/v1/devices/{DEV}/unprotect",
        body={"action": "confirm", **given},
    )


# --------------------------------------------------------------------------- public keys


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(devices_module, "_epoch_ms", lambda: NOW_MS)
    return NOW_MS


@pytest.mark.parametrize("algorithm", ["rsa", "ecc"])
async def test_send_public_key_sends_exactly_the_provisioning_body(
    client: ParticleClient, api: respx.MockRouter, fixed_clock: int, algorithm: str
) -> None:
    api.route().respond(json={"ok": True})

    result = await client.devices.send_public_key(DEV, PUBLIC_KEY, algorithm=algorithm)  # type: ignore[arg-type]

    check_request(
        only_request(api),
        "POST",
        f"/v1/provisioning/{DEV}",
        body={
            "deviceID": DEV,
            "publicKey": PUBLIC_KEY,
            "filename": "particle-api",
            "order": "manual_1700000000123",
            "algorithm": algorithm,
        },
    )
    assert result is None


async def test_send_public_key_defaults_to_rsa(
    client: ParticleClient, api: respx.MockRouter, fixed_clock: int
) -> None:
    api.route().respond(json={"ok": True})

    await client.devices.send_public_key(DEV, PUBLIC_KEY)

    assert json.loads(only_request(api).content)["algorithm"] == "rsa"


async def test_send_public_key_order_uses_the_current_time(
    client: ParticleClient, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.route().respond(json={"ok": True})
    stamps = iter([1_600_000_000_001, 1_600_000_000_999])
    monkeypatch.setattr(devices_module, "_epoch_ms", lambda: next(stamps))

    await client.devices.send_public_key(DEV, PUBLIC_KEY)
    await client.devices.send_public_key(DEV, PUBLIC_KEY)

    orders = [json.loads(call.request.content)["order"] for call in api.calls]
    assert orders == ["manual_1600000000001", "manual_1600000000999"]


@pytest.mark.parametrize("as_type", [bytes, bytearray], ids=["bytes", "bytearray"])
async def test_send_public_key_decodes_bytes(
    client: ParticleClient, api: respx.MockRouter, fixed_clock: int, as_type: type
) -> None:
    api.route().respond(json={"ok": True})

    await client.devices.send_public_key(DEV, as_type(PUBLIC_KEY.encode("ascii")))

    sent = json.loads(only_request(api).content)
    assert sent["publicKey"] == PUBLIC_KEY
    assert isinstance(sent["publicKey"], str)


async def test_send_public_key_refused_by_the_cloud_raises(
    client: ParticleClient, api: respx.MockRouter, fixed_clock: int
) -> None:
    api.route().respond(json={"ok": False, "error": "key rejected"})

    with pytest.raises(APIError):
        await client.devices.send_public_key(DEV, PUBLIC_KEY)


# --------------------------------------------------------------------------- manufacturing backup

BACKUP = b"PK\x03\x04\x14\x00\x00\x00backup\x00\xff\xfe"


async def test_download_manufacturing_backup_returns_the_bytes(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, content=BACKUP, headers={"content-type": "application/zip"})

    data = await client.devices.download_manufacturing_backup(DEV)

    check_request(only_request(api), "PUT", f"/v1/devices/{DEV}/backup_files", accept="*/*")
    assert data == BACKUP
    assert isinstance(data, bytes)


async def test_download_manufacturing_backup_does_not_decode_json(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, content=b'{"ok": false}', headers={"content-type": "text/json"})

    data = await client.devices.download_manufacturing_backup(DEV)

    assert data == b'{"ok": false}'


async def test_download_manufacturing_backup_to_a_file(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(200, content=BACKUP)
    progress: list[tuple[int, int | None]] = []

    written = await client.devices.download_manufacturing_backup(
        DEV, to=str(tmp_path / "backup.zip"), progress=lambda r, t: progress.append((r, t))
    )

    check_request(only_request(api), "PUT", f"/v1/devices/{DEV}/backup_files", accept="*/*")
    assert written == tmp_path / "backup.zip"
    assert isinstance(written, Path)
    assert written.read_bytes() == BACKUP
    assert files_in(tmp_path) == ["backup.zip"]
    assert progress[0] == (0, len(BACKUP))
    assert progress[-1] == (len(BACKUP), len(BACKUP))


async def test_download_manufacturing_backup_not_found_raises(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(404, json={"error": "No backup files for this device"})

    with pytest.raises(NotFoundError) as caught:
        await client.devices.download_manufacturing_backup(DEV, to=tmp_path / "backup.zip")

    assert "No backup files for this device" in str(caught.value)
    assert files_in(tmp_path) == []
    assert len(api.calls) == 1


# =========================================================================== fleet operations


# --------------------------------------------------------------------------- group membership


@PRODUCTS
@pytest.mark.parametrize(
    "groups", [["north", "beta_testers"], [], ("a-1",)], ids=["two", "none", "tuple"]
)
async def test_set_groups_replaces_the_memberships(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    groups: list[str],
) -> None:
    reply(api, {"id": DEV, "groups": list(groups), "updated_at": "2025-03-01T12:00:00.000Z"})

    result = await client.devices.set_groups(DEV, groups, product=product)

    check_request(
        only_request(api), "PUT", f"{prefix}/devices/{DEV}", body={"groups": list(groups)}
    )
    assert isinstance(result, UpdatedDevice)
    assert result.id == DEV
    assert result.groups == list(groups)
    assert result.updated_at == datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


@PRODUCTS
@pytest.mark.parametrize(
    ("kwargs", "metadata"),
    [
        ({"add": ["north"]}, {"add": ["north"]}),
        ({"remove": ["south", "blue"]}, {"remove": ["south", "blue"]}),
        ({"add": ["north"], "remove": ["south"]}, {"add": ["north"], "remove": ["south"]}),
    ],
    ids=["add", "remove", "both"],
)
async def test_update_groups_sends_the_batch_action(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    kwargs: dict[str, list[str]],
    metadata: dict[str, list[str]],
) -> None:
    reply(api, {"ok": True})

    result = await client.devices.update_groups(
        [DEV, "fedcba9876543210fedcba98"], product=product, **kwargs
    )

    check_request(
        only_request(api),
        "PUT",
        f"{prefix}/devices",
        body={
            "action": "groups",
            "devices": [DEV, "fedcba9876543210fedcba98"],
            "metadata": metadata,
        },
    )
    assert result is None


async def test_update_groups_not_ok_raises_api_error(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": False, "error": "device not in product"})

    with pytest.raises(APIError, match="device not in product"):
        await client.devices.update_groups([DEV], product=PRODUCT_ID, add=["north"])


# --------------------------------------------------------------------------- quarantine


@PRODUCTS
@pytest.mark.parametrize(("quarantined", "wire"), [(True, b"true"), (False, b"false")])
async def test_list_quarantined_and_serial_number_filters(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    quarantined: bool,
    wire: bytes,
) -> None:
    reply(api, {"devices": [{"id": DEV, "quarantined": quarantined, "denied": False}]})

    page = await client.devices.list(
        product=product, quarantined=quarantined, serial_number="P046AB", per_page=10
    )

    check_request(
        only_request(api),
        "GET",
        f"{prefix}/devices",
        query=b"serialNumber=P046AB&quarantined=" + wire + b"&per_page=10",
    )
    assert [(d.id, d.quarantined, d.denied) for d in page] == [(DEV, quarantined, False)]


@pytest.mark.parametrize(
    "sort_attr", ["deviceName", "deviceId", "firmwareVersion", "lastConnection"]
)
async def test_list_accepts_the_documented_sort_attributes(
    client: ParticleClient, api: respx.MockRouter, sort_attr: str
) -> None:
    reply(api, {"devices": []})

    await client.devices.list(product=PRODUCT_ID, sort_attr=sort_attr)

    check_request(
        only_request(api),
        "GET",
        "/v1/products/4567/devices",
        query=b"sortAttr=" + sort_attr.encode(),
    )


@PRODUCTS
async def test_approve_posts_the_id_and_returns_the_import_result(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, IMPORT_RESULT)

    result = await client.devices.approve(DEV, product=product)

    check_request(only_request(api), "POST", f"{prefix}/devices", body={"id": DEV})
    assert isinstance(result, DeviceImportResult)
    assert result.updated_device_ids == [DEV, "fedcba9876543210fedcba98"]


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, {"ok": True}), (204, None), (200, [])],
    ids=["ok-body", "no-body", "not-an-object"],
)
async def test_approve_accepts_any_success_answer(
    client: ParticleClient, api: respx.MockRouter, status: int, body: Any
) -> None:
    reply(api, body, status=status)

    result = await client.devices.approve(DEV, product=PRODUCT_ID)

    assert isinstance(result, DeviceImportResult)
    assert result.updated is None
    assert result.updated_device_ids == []


async def test_approve_is_not_retried_on_503(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"error": "unavailable"}, status=503)

    with pytest.raises(InternalServerError):
        await client.devices.approve(DEV, product=PRODUCT_ID)

    assert len(api.calls) == 1


@PRODUCTS
@pytest.mark.parametrize("answer", [None, {"ok": True}], ids=["204", "ok-body"])
async def test_deny_deletes_with_deny_true(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    answer: dict[str, bool] | None,
) -> None:
    reply(api, answer, status=204 if answer is None else 200)

    result = await client.devices.deny(DEV, product=product)

    check_request(only_request(api), "DELETE", f"{prefix}/devices/{DEV}", body={"deny": True})
    assert result is None


# --------------------------------------------------------------------------- forced updates


@SCOPES
@pytest.mark.parametrize(("args", "forced"), [((), True), ((True,), True), ((False,), False)])
async def test_force_updates(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str | None,
    prefix: str,
    args: tuple[bool, ...],
    forced: bool,
) -> None:
    reply(api, {"id": DEV, "firmware_updates_forced": forced})

    result = await client.devices.force_updates(DEV, *args, product=product)

    check_request(
        only_request(api),
        "PUT",
        f"{prefix}/devices/{DEV}",
        body={"firmware_updates_forced": forced},
    )
    assert result.firmware_updates_forced is forced


# --------------------------------------------------------------------------- add (extended)


@PRODUCTS
@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"device_ids": [DEV, ICCID]}, {"ids": [DEV, ICCID]}),
        ({"device_ids": (DEV,), "import_sims": True}, {"ids": [DEV], "import_sims": True}),
        (
            {"device_ids": [DEV], "import_sims": False, "claim_user": "ops@example.com"},
            {"ids": [DEV], "import_sims": False, "claim_user": "ops@example.com"},
        ),
    ],
    ids=["ids", "import-sims", "claim-user"],
)
async def test_add_many_ids_as_json(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    kwargs: dict[str, Any],
    body: dict[str, Any],
) -> None:
    reply(api, {**IMPORT_RESULT, "protectedDeviceIds": ["cccccccccccccccccccccccc"]})

    result = await client.devices.add(product=product, **kwargs)

    check_request(only_request(api), "POST", f"{prefix}/devices", body=body)
    assert result.updated == 2
    assert result.protected_device_ids == ["cccccccccccccccccccccccc"]


async def test_add_one_id_with_options(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, IMPORT_RESULT)

    await client.devices.add(DEV, product=PRODUCT_ID, import_sims=True, claim_user="a@b.c")

    check_request(
        only_request(api),
        "POST",
        "/v1/products/4567/devices",
        body={"id": DEV, "import_sims": True, "claim_user": "a@b.c"},
    )


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"import_sims": True}, {"import_sims": "true"}),
        ({"import_sims": False}, {"import_sims": "false"}),
        (
            {"claim_user": "ops@example.com", "import_sims": True},
            {"claim_user": "ops@example.com", "import_sims": "true"},
        ),
    ],
    ids=["import-sims", "no-sims", "claim-user"],
)
async def test_add_file_sends_the_options_as_text_parts(
    client: ParticleClient,
    api: respx.MockRouter,
    kwargs: dict[str, Any],
    fields: dict[str, str],
) -> None:
    reply(api, IMPORT_RESULT)

    await client.devices.add(product=PRODUCT_ID, file=DEVICE_LIST, **kwargs)

    check_upload(
        only_request(api),
        "POST",
        "/v1/products/4567/devices",
        fields=fields,
        files=[("file", "file", DEVICE_LIST)],
    )


# --------------------------------------------------------------------------- device fields


async def test_get_parses_the_fleet_fields(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(
        api,
        {
            "id": DEV,
            "quarantined": True,
            "denied": False,
            "firmware_updates_enabled": True,
            "firmware_updates_forced": False,
            "mobile_secret": "S3CR3T-MOBILE",
            "device_protection": {"status": "active"},
            "pinned_build_target": "5.8.0",
            "default_build_target": "5.9.0",
            "targeted_firmware_release_version": 7,
        },
    )

    device = await client.devices.get(DEV, product=PRODUCT_ID)

    assert device.model_extra == {}
    assert device.quarantined is True
    assert device.denied is False
    assert device.firmware_updates_enabled is True
    assert device.firmware_updates_forced is False
    assert device.device_protection is not None
    assert device.device_protection.status == "active"
    assert device.pinned_build_target == "5.8.0"
    assert device.default_build_target == "5.9.0"
    assert device.targeted_firmware_release_version == 7
    assert device.mobile_secret is not None
    assert device.mobile_secret.get_secret_value() == "S3CR3T-MOBILE"
    assert "S3CR3T" not in repr(device)
    assert "S3CR3T" not in str(device)


@pytest.mark.parametrize(
    ("field", "value", "instead"),
    [
        ("connected", True, "online"),
        ("last_iccid", ICCID, "iccid"),
        ("current_build_target", "5.8.0", "system_firmware_version"),
    ],
)
async def test_deprecated_fields_parse_quietly_and_warn_when_read(
    client: ParticleClient, api: respx.MockRouter, field: str, value: object, instead: str
) -> None:
    reply(api, {"id": DEV, field: value})

    device = await client.devices.get(DEV)  # no warning while parsing (warnings are errors)

    assert device.model_extra == {}
    assert device.model_dump()[field] == value
    with pytest.warns(DeprecationWarning, match=rf"Device\.{instead}"):
        assert getattr(device, field) == value


# =========================================================================== bad input


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


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={"ok": True, "claim_code": "x", **load("device.json")})
    return api


async def test_update_with_unknown_attribute_raises_type_error(
    client: ParticleClient, guard: respx.MockRouter
) -> None:
    with pytest.raises(TypeError, match="colour"):
        await client.devices.update(DEV, name="x", colour="red")  # type: ignore[call-arg]
    assert len(guard.calls) == 0


BAD_IDS, BAD_ID_NAMES = bad_segments(257, ("events", "events"))

#: Every operation with the device id in the URL path, with the id left open.
DEVICE_ID_CALLS: dict[str, OpenCall] = {
    "get": lambda c, dev: c.devices.get(dev),
    "get-product": lambda c, dev: c.devices.get(dev, product=PRODUCT_ID),
    "rename": lambda c, dev: c.devices.rename(dev, "front-door"),
    "set_notes": lambda c, dev: c.devices.set_notes(dev, "n", product=SLUG),
    "signal": lambda c, dev: c.devices.signal(dev, True),
    "ping": lambda c, dev: c.devices.ping(dev),
    "ping-product": lambda c, dev: c.devices.ping(dev, product=PRODUCT_ID),
    "claim": lambda c, dev: c.devices.claim(dev),
    "claim-transfer": lambda c, dev: c.devices.claim(dev, request_transfer=True),
    "remove": lambda c, dev: c.devices.remove(dev),
    "remove-product": lambda c, dev: c.devices.remove(dev, product=PRODUCT_ID, deny=True),
    "get_variable": lambda c, dev: c.devices.get_variable(dev, "temp"),
    "call_function": lambda c, dev: c.devices.call_function(dev, "open", "x"),
    "update": lambda c, dev: c.devices.update(dev, name="front-door"),
    "update-product": lambda c, dev: c.devices.update(dev, product=PRODUCT_ID, development=True),
    "remove_owner": lambda c, dev: c.devices.remove_owner(dev, product=PRODUCT_ID),
    "set_development": lambda c, dev: c.devices.set_development(dev, product=PRODUCT_ID),
    "lock_firmware": lambda c, dev: c.devices.lock_firmware(dev, 3, product=PRODUCT_ID),
    "unlock_firmware": lambda c, dev: c.devices.unlock_firmware(dev, product=PRODUCT_ID),
    "unprotect": lambda c, dev: c.devices.unprotect(dev, "prepare"),
    "unprotect-product": lambda c, dev: c.devices.unprotect(dev, "confirm", product=PRODUCT_ID),
    "unprotect-org": lambda c, dev: c.devices.unprotect(dev, "prepare", org="acme-corp"),
    "send_public_key": lambda c, dev: c.devices.send_public_key(dev, PUBLIC_KEY),
    "send_public_key-ecc": lambda c, dev: c.devices.send_public_key(
        dev, PUBLIC_KEY, algorithm="ecc"
    ),
    "download_manufacturing_backup": lambda c, dev: c.devices.download_manufacturing_backup(dev),
    "download_manufacturing_backup-to": lambda c, dev: c.devices.download_manufacturing_backup(
        dev, to="unused-backup.zip"
    ),
    "set_groups": lambda c, dev: c.devices.set_groups(dev, ["north"], product=PRODUCT_ID),
    "deny": lambda c, dev: c.devices.deny(dev, product=PRODUCT_ID),
    "force_updates": lambda c, dev: c.devices.force_updates(dev),
    "force_updates-product": lambda c, dev: c.devices.force_updates(dev, False, product=SLUG),
}

#: Variable and function names, with the name left open.
MEMBER_CALLS: dict[str, OpenCall] = {
    "get_variable": lambda c, name: c.devices.get_variable(DEV, name),
    "get_variable-product": lambda c, name: c.devices.get_variable(DEV, name, product=SLUG),
    "call_function": lambda c, name: c.devices.call_function(DEV, name),
    "call_function-product": lambda c, name: c.devices.call_function(
        DEV, name, "x", product=PRODUCT_ID
    ),
}

#: The everyday operations that take a product, with the product left open.
PRODUCT_CALLS: dict[str, OpenCall] = {
    "get": lambda c, p: c.devices.get(DEV, product=p),
    "rename": lambda c, p: c.devices.rename(DEV, "front-door", product=p),
    "set_notes": lambda c, p: c.devices.set_notes(DEV, "n", product=p),
    "signal": lambda c, p: c.devices.signal(DEV, True, product=p),
    "ping": lambda c, p: c.devices.ping(DEV, product=p),
    "remove": lambda c, p: c.devices.remove(DEV, product=p),
    "get_variable": lambda c, p: c.devices.get_variable(DEV, "temp", product=p),
    "call_function": lambda c, p: c.devices.call_function(DEV, "open", product=p),
    "update": lambda c, p: c.devices.update(DEV, product=p, name="front-door"),
    "remove_owner": lambda c, p: c.devices.remove_owner(DEV, product=p),
    "set_development": lambda c, p: c.devices.set_development(DEV, product=p),
    "lock_firmware": lambda c, p: c.devices.lock_firmware(DEV, 3, product=p),
    "unlock_firmware": lambda c, p: c.devices.unlock_firmware(DEV, product=p),
    "force_updates": lambda c, p: c.devices.force_updates(DEV, product=p),
}
BAD_PRODUCTS = [-1, True, "", "a/b", "..", "events\n", 1.5]
#: The everyday operations that exist only in a product (so `product=None` is refused).
PRODUCT_ONLY_CALLS = ["remove_owner", "set_development", "lock_firmware", "unlock_firmware"]

#: Adding and provisioning devices, with the (required) product left open.
MEMBERSHIP_CALLS: dict[str, OpenCall] = {
    "add": lambda c, p: c.devices.add(DEV, product=p),
    "add-file": lambda c, p: c.devices.add(product=p, file=DEVICE_LIST),
    "provision": lambda c, p: c.devices.provision(product=p),
    "add-ids": lambda c, p: c.devices.add(product=p, device_ids=[DEV]),
    "approve": lambda c, p: c.devices.approve(DEV, product=p),
    "deny": lambda c, p: c.devices.deny(DEV, product=p),
    "set_groups": lambda c, p: c.devices.set_groups(DEV, ["north"], product=p),
    "update_groups": lambda c, p: c.devices.update_groups([DEV], product=p, add=["north"]),
}
#: Claim codes and unprotect, with the (optional) product left open.
SCOPED_CALLS: dict[str, OpenCall] = {
    "create_claim_code": lambda c, p: c.devices.create_claim_code(product=p),
    "unprotect": lambda c, p: c.devices.unprotect(DEV, "prepare", product=p),
}
MORE_BAD_PRODUCTS = [None, True, -1, "", ".", "..", "a/b", "a?b", "a#b", "a\x00b", "x" * 257, 1.5]
MORE_BAD_PRODUCT_NAMES = [
    "None",
    "bool",
    "negative",
    "empty",
    "dot",
    "dotdot",
    "slash",
    "question",
    "hash",
    "nul",
    "too-long",
    "float",
]

#: `list()` filters and paging, which only a product's listing has.
PRODUCT_ONLY_LIST_OPTIONS: list[dict[str, Any]] = [
    {"device_id": "abc"},
    {"device_name": "x"},
    {"groups": ["a"]},
    {"sort_attr": "name"},
    {"sort_dir": "asc"},
    {"page": 1},
    {"per_page": 10},
    {"quarantined": True},
    {"quarantined": False},
    {"serial_number": "P046"},
]
BAD_LIST_OPTIONS: list[dict[str, Any]] = [
    {"product": PRODUCT_ID, "sort_dir": "up"},
    {"product": PRODUCT_ID, "groups": "abc"},
    {"product": PRODUCT_ID, "groups": []},
    {"product": PRODUCT_ID, "groups": ["a,b"]},
    {"product": PRODUCT_ID, "page": 0},
    {"product": PRODUCT_ID, "per_page": 0},
    {"product": PRODUCT_ID, "per_page": True},
    {"product": PRODUCT_ID, "device_id": ""},
    {"product": PRODUCT_ID, "device_name": "a\nb"},
    {"product": PRODUCT_ID, "quarantined": "true"},
    {"product": PRODUCT_ID, "quarantined": 1},
    {"product": PRODUCT_ID, "serial_number": ""},
    {"product": PRODUCT_ID, "serial_number": "a\x00b"},
    {"page": 0},
    {"per_page": 0},
    *({"product": bad} for bad in BAD_PRODUCTS),
]

#: `update()` attributes that only a product's device has.
PRODUCT_ONLY_ATTRIBUTES: list[dict[str, Any]] = [
    {"development": True},
    {"flash": True},
    {"desired_firmware_version": 3},
    {"desired_firmware_version": None},
    {"name": "front-door", "flash": False},
]
BAD_ATTRIBUTES: list[dict[str, Any]] = [
    {"name": ""},
    {"name": "a\nb"},
    {"name": "x" * 257},
    {"notes": None},
    {"signal": "1"},
    {"development": 1},
    {"flash": "yes"},
    {"desired_firmware_version": 0},
    {"desired_firmware_version": True},
]

#: `unprotect()` with each of its optional values left open.
UNPROTECT_VALUE_CALLS: dict[str, OpenCall] = {
    f"unprotect-{key}": lambda c, value, key=key: c.devices.unprotect(
        DEV, "confirm", **{key: value}
    )
    for key in ["server_nonce", "device_nonce", "device_signature", "device_public_key_fingerprint"]
}

#: `add` puts the id in the JSON body, where only text checks apply (`None` means "use file=").
BAD_BODY_IDS = ["", "a\x00b", "a\nb", "x" * 257, 123, b"bytes"]
BAD_BODY_ID_NAMES = ["empty", "nul", "newline", "too-long", "int", "bytes"]

#: Every call with an argument `client.devices` must refuse before any request.
BAD_INPUT = [
    # ids, names and products in the URL path
    *bad_input_grid(DEVICE_ID_CALLS, BAD_IDS, BAD_ID_NAMES, prefix="device-id"),
    *bad_input_grid(
        MEMBER_CALLS, [*BAD_IDS, "x" * 65], [*BAD_ID_NAMES, "over-64"], prefix="member-name"
    ),
    *bad_input_grid(PRODUCT_CALLS, BAD_PRODUCTS, prefix="product"),
    *bad_input_grid(
        {name: PRODUCT_CALLS[name] for name in PRODUCT_ONLY_CALLS},
        [None],
        ["None"],
        prefix="product",
    ),
    *bad_input_grid(MEMBERSHIP_CALLS, MORE_BAD_PRODUCTS, MORE_BAD_PRODUCT_NAMES, prefix="product"),
    # `None` is the user scope for these
    *bad_input_grid(
        SCOPED_CALLS, MORE_BAD_PRODUCTS[1:], MORE_BAD_PRODUCT_NAMES[1:], prefix="product"
    ),
    # `list()` returns a paginator: it refuses when called, before anything is awaited
    *bad_input_grid(
        {"list-needs-product": lambda c, kwargs: c.devices.list(**kwargs)},
        PRODUCT_ONLY_LIST_OPTIONS,
        eager={"list-needs-product"},
    ),
    *bad_input_grid(
        {"list": lambda c, kwargs: c.devices.list(**kwargs)}, BAD_LIST_OPTIONS, eager={"list"}
    ),
    # updates
    bad_input("update-nothing", lambda c: c.devices.update(DEV)),
    bad_input("update-nothing-product", lambda c: c.devices.update(DEV, product=PRODUCT_ID)),
    *bad_input_grid(
        {"update-needs-product": lambda c, attributes: c.devices.update(DEV, **attributes)},
        PRODUCT_ONLY_ATTRIBUTES,
    ),
    *bad_input_grid(
        {"update": lambda c, attributes: c.devices.update(DEV, product=PRODUCT_ID, **attributes)},
        BAD_ATTRIBUTES,
    ),
    bad_input("signal-str", lambda c: c.devices.signal(DEV, "1")),
    bad_input("signal-int", lambda c: c.devices.signal(DEV, 1)),
    bad_input("signal-None", lambda c: c.devices.signal(DEV, None)),
    bad_input("claim-transfer-str", lambda c: c.devices.claim(DEV, request_transfer="yes")),
    bad_input("deny-int", lambda c: c.devices.remove(DEV, product=PRODUCT_ID, deny=1)),
    bad_input("deny-True-needs-product", lambda c: c.devices.remove(DEV, deny=True)),
    bad_input("deny-False-needs-product", lambda c: c.devices.remove(DEV, deny=False)),
    bad_input(
        "development-str", lambda c: c.devices.set_development(DEV, "true", product=PRODUCT_ID)
    ),
    bad_input("lock-0", lambda c: c.devices.lock_firmware(DEV, 0, product=1)),
    bad_input("lock-negative", lambda c: c.devices.lock_firmware(DEV, -3, product=1)),
    bad_input("lock-bool", lambda c: c.devices.lock_firmware(DEV, True, product=1)),
    bad_input("lock-str", lambda c: c.devices.lock_firmware(DEV, "3", product=1)),
    bad_input("lock-flash-str", lambda c: c.devices.lock_firmware(DEV, 3, product=1, flash="yes")),
    bad_input("rename-empty", lambda c: c.devices.rename(DEV, "")),
    bad_input("rename-too-long", lambda c: c.devices.rename(DEV, "x" * 257)),
    bad_input("notes-None", lambda c: c.devices.set_notes(DEV, None)),
    bad_input("notes-too-long", lambda c: c.devices.set_notes(DEV, "x" * 65_537)),
    # variables and functions
    *bad_input_grid(
        {"call_function-arg": lambda c, arg: c.devices.call_function(DEV, "open", arg)},
        ["é" * 513, "x" * 1025, None, 5],
    ),
    # add and provision
    *bad_input_grid(
        {"add": lambda c, bad: c.devices.add(bad, product=PRODUCT_ID)},
        BAD_BODY_IDS,
        BAD_BODY_ID_NAMES,
        prefix="body-id",
    ),
    bad_input(
        "add-id-and-file",
        lambda c: c.devices.add(DEV, product=PRODUCT_ID, file=DEVICE_LIST),
    ),
    bad_input("add-neither-id-nor-file", lambda c: c.devices.add(product=PRODUCT_ID)),
    bad_input("add-id-and-ids", lambda c: c.devices.add(DEV, product=PRODUCT_ID, device_ids=[DEV])),
    bad_input(
        "add-ids-and-file",
        lambda c: c.devices.add(product=PRODUCT_ID, device_ids=[DEV], file=DEVICE_LIST),
    ),
    *bad_input_grid(
        {
            "add-ids": lambda c, ids: c.devices.add(product=PRODUCT_ID, device_ids=ids),
            "update_groups-ids": lambda c, ids: c.devices.update_groups(
                ids, product=PRODUCT_ID, add=["north"]
            ),
        },
        [DEV, [], [DEV, ""], [DEV, "a\nb"], [DEV, 5], [DEV, "x" * 257]],
        ["bare-str", "empty", "empty-id", "newline", "int", "too-long"],
    ),
    *bad_input_grid(
        {
            "add-import_sims": lambda c, v: c.devices.add(DEV, product=1, import_sims=v),
            "add-file-import_sims": lambda c, v: c.devices.add(
                product=1, file=DEVICE_LIST, import_sims=v
            ),
        },
        ["true", 1],
    ),
    *bad_input_grid(
        {
            "add-claim_user": lambda c, v: c.devices.add(DEV, product=1, claim_user=v),
            "add-file-claim_user": lambda c, v: c.devices.add(
                product=1, file=DEVICE_LIST, claim_user=v
            ),
        },
        ["", "a\nb", 5],
    ),
    *bad_input_grid(
        {"approve": lambda c, bad: c.devices.approve(bad, product=PRODUCT_ID)},
        BAD_BODY_IDS,
        BAD_BODY_ID_NAMES,
        prefix="body-id",
    ),
    # group membership: names of lowercase letters, digits, "-" and "_", in real sequences
    *bad_input_grid(
        {
            "set_groups": lambda c, name: c.devices.set_groups(DEV, [name], product=PRODUCT_ID),
            "update_groups-add": lambda c, name: c.devices.update_groups(
                [DEV], product=PRODUCT_ID, add=["north", name]
            ),
            "update_groups-remove": lambda c, name: c.devices.update_groups(
                [DEV], product=PRODUCT_ID, remove=[name]
            ),
        },
        ["", "North", "a b", "a/b", "a,b", "é", "a\nb", "x" * 257, None, 5],
        [
            "empty",
            "uppercase",
            "space",
            "slash",
            "comma",
            "accent",
            "newline",
            "too-long",
            "None",
            "int",
        ],
        prefix="group-name",
    ),
    bad_input("set_groups-bare-str", lambda c: c.devices.set_groups(DEV, "north", product=1)),
    bad_input("set_groups-None", lambda c: c.devices.set_groups(DEV, None, product=1)),
    bad_input("update_groups-nothing", lambda c: c.devices.update_groups([DEV], product=1)),
    bad_input(
        "update_groups-add-bare-str",
        lambda c: c.devices.update_groups([DEV], product=1, add="north"),
    ),
    bad_input(
        "update_groups-remove-empty",
        lambda c: c.devices.update_groups([DEV], product=1, remove=[]),
    ),
    bad_input(
        "update_groups-add-empty",
        lambda c: c.devices.update_groups([DEV], product=1, add=[], remove=["north"]),
    ),
    *bad_input_grid(
        {"force_updates": lambda c, v: c.devices.force_updates(DEV, v)},
        ["true", 1, None],
    ),
    *bad_input_grid(
        {"add-file": lambda c, file: c.devices.add(product=PRODUCT_ID, file=file)},
        ["devices.txt", 5, io.StringIO("text mode")],
        ["str", "int", "text-file"],
    ),
    # claim codes
    *bad_input_grid(
        {"create_claim_code-iccid": lambda c, iccid: c.devices.create_claim_code(iccid=iccid)},
        [
            "",
            "abc",
            "123456789",
            "8931440400012345678901234567",
            "8931 4404",
            "8931\x00",
            8931440400,
        ],
        ["empty", "letters", "too-short", "too-long", "space", "nul", "int"],
    ),
    # unprotect
    bad_input(
        "unprotect-product-and-org",
        lambda c: c.devices.unprotect(DEV, "prepare", product=PRODUCT_ID, org="acme-corp"),
    ),
    *bad_input_grid(
        {"unprotect-action": lambda c, action: c.devices.unprotect(DEV, action)},
        ["PREPARE", "Confirm", "remove", "", None, 1, True],
    ),
    *bad_input_grid(
        {"unprotect-org": lambda c, org: c.devices.unprotect(DEV, "prepare", org=org)},
        ["", ".", "..", "a/b", "a?b", "a#b", "a\\b", "a\x00b", "x" * 257, 5],
    ),
    *bad_input_grid(UNPROTECT_VALUE_CALLS, ["", "a\x00b", "a\nb", "x" * 4097, 5, b"bytes"]),
    # public keys
    *bad_input_grid(
        {
            "send_public_key-algorithm": lambda c, algorithm: c.devices.send_public_key(
                DEV, PUBLIC_KEY, algorithm=algorithm
            )
        },
        ["RSA", "dsa", "", None, 1],
    ),
    *bad_input_grid(
        {"send_public_key-key": lambda c, key: c.devices.send_public_key(DEV, key)},
        ["", b"", " \n", None, 5, "k\x00ey", "é".encode(), "x" * 16_385],
        ["empty", "empty-bytes", "blank", "None", "int", "nul", "non-ascii-bytes", "too-long"],
    ),
]


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
