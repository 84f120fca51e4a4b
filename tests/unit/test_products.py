"""Wire-level tests of `client.products` and its nested sub-clients (firmware, config,
locations; the team's are in test_teams.py): exact method, path, query, body and headers per
call, typed results, and every argument check that must fire before any request."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import aioparticle
from aioparticle import (
    APIError,
    DeviceLocation,
    LocationGeometry,
    NotFoundError,
    Page,
    ParticleClient,
    Product,
    ProductConfiguration,
    ProductFirmware,
)
from tests.conftest import TOKEN, load
from tests.unit._wire import (
    BAD_PRODUCTS,
    BadInput,
    OpenCall,
    bad_input,
    bad_input_grid,
    check_request,
    check_upload,
    expect_invalid,
    files_in,
    multipart_parts,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

DEV = "0123456789abcdef01234567"
DEV2 = "0123456789abcdef01234568"
PRODUCT_ID = 4567
SLUG = "my-product"

#: `product=` values and the path prefix each one must produce.
PRODUCTS = pytest.mark.parametrize(
    ("product", "prefix"),
    [(PRODUCT_ID, "/v1/products/4567"), (SLUG, "/v1/products/my-product")],
    ids=["product-id", "product-slug"],
)

UTC = timezone.utc

# --------------------------------------------------------------------------- bodies

PRODUCT_BODY = load("products/product.json")
OTHER_PRODUCT_BODY: dict[str, Any] = {"id": 12, "platform_id": 6, "name": "Lamps", "slug": "lamps"}
FIRMWARE_BODY = load("products/firmware_v3.json")
FIRMWARE_V2_BODY = load("products/firmware_v2.json")
CONFIG_BODY = load("products/config.json")
SCHEMA_BODY = load("products/config_schema.json")
POINT_BODY = load("products/location_point.json")


def location_body(device_id: str = DEV, name: str = "tracker-1") -> dict[str, Any]:
    """A tracker's location (a track, with an extra `battery` field) as the cloud sends it."""
    return {**load("products/location.json"), "device_id": device_id, "device_name": name}


# --------------------------------------------------------------------------- helpers


def as_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# =========================================================================== products


@pytest.mark.parametrize(
    "body",
    [
        {"products": [PRODUCT_BODY, OTHER_PRODUCT_BODY]},
        [PRODUCT_BODY, OTHER_PRODUCT_BODY],
    ],
    ids=["wrapped", "bare-array"],
)
async def test_products_list_returns_typed_products(
    client: ParticleClient, api: respx.MockRouter, body: Any
) -> None:
    reply(api, body)

    products = await client.products.list()

    check_request(only_request(api), "GET", "/v1/products")
    assert isinstance(products, list)
    assert all(isinstance(p, Product) for p in products)
    assert [p.id for p in products] == [PRODUCT_ID, 12]
    first, second = products
    assert first.slug == SLUG
    assert first.platform_id == 26
    assert first.org == "acme"
    assert first.groups == ["north", "south"]
    assert first.settings == {"quarantine": True, "location": {"opt_in": True}}
    assert first.device_protection == "active"
    assert first.model_extra == {"mystery": {"new": "field"}}
    assert second.groups == []
    assert second.description is None


async def test_products_list_of_none_is_empty(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"products": []})

    assert await client.products.list() == []
    check_request(only_request(api), "GET", "/v1/products")


@PRODUCTS
@pytest.mark.parametrize(
    "body", [{"product": PRODUCT_BODY}, PRODUCT_BODY], ids=["wrapped", "unwrapped"]
)
async def test_products_get_by_id_or_slug(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str, body: Any
) -> None:
    reply(api, body)

    got = await client.products.get(product)

    check_request(only_request(api), "GET", prefix)
    assert isinstance(got, Product)
    assert got.id == PRODUCT_ID
    assert got.name == "Trackers"
    assert got.description == "Asset trackers"
    assert got.subscription_id == 99
    assert got.model_extra == {"mystery": {"new": "field"}}


async def test_products_get_percent_encodes_the_slug(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"product": PRODUCT_BODY})

    await client.products.get("my product+é")

    check_request(only_request(api), "GET", "/v1/products/my%20product%2B%C3%A9")


async def test_product_zero_is_a_valid_id(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"product": {**PRODUCT_BODY, "id": 0}})

    got = await client.products.get(0)

    check_request(only_request(api), "GET", "/v1/products/0")
    assert got.id == 0


async def test_sub_clients_are_cached(client: ParticleClient) -> None:
    products = client.products
    assert products is client.products
    assert products.firmware is products.firmware
    assert products.team is products.team
    assert products.config is products.config
    assert products.locations is products.locations


async def test_products_get_error_status_raises(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": False, "error": "Product not found"}, status=404)

    with pytest.raises(NotFoundError) as caught:
        await client.products.get(SLUG)

    assert caught.value.status_code == 404
    assert "Product not found" in str(caught.value)
    check_request(only_request(api), "GET", "/v1/products/my-product")


# =========================================================================== firmware


@PRODUCTS
@pytest.mark.parametrize(
    "body",
    [[FIRMWARE_BODY, FIRMWARE_V2_BODY], {"firmware": [FIRMWARE_BODY, FIRMWARE_V2_BODY]}],
    ids=["bare-array", "wrapped"],
)
async def test_firmware_list(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str, body: Any
) -> None:
    reply(api, body)

    versions = await client.products.firmware.list(product=product)

    check_request(only_request(api), "GET", f"{prefix}/firmware")
    assert isinstance(versions, list)
    assert all(isinstance(v, ProductFirmware) for v in versions)
    assert [v.version for v in versions] == [3, 2]
    v3, v2 = versions
    assert v3.title == "Release 3"
    assert v3.size == 123456
    assert v3.device_count == 42
    assert v3.current is True
    assert v3.product_default is True
    assert v3.groups == ["north"]
    assert v3.uploaded_at == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert v3.uploaded_by == {"username": "alice@example.com"}
    assert v3.model_extra == {"mystery": "kept"}
    # a timestamp without an offset is UTC, and still comes back timezone-aware
    assert v2.uploaded_at == datetime(2025, 2, 1, 8, 30, tzinfo=UTC)
    assert v2.uploaded_at is not None
    assert v2.uploaded_at.tzinfo is not None
    assert v2.description is None
    assert v2.groups == []


@PRODUCTS
@pytest.mark.parametrize(
    "body", [FIRMWARE_BODY, {"firmware": FIRMWARE_BODY}], ids=["unwrapped", "wrapped"]
)
async def test_firmware_get(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str, body: Any
) -> None:
    reply(api, body)

    firmware = await client.products.firmware.get(3, product=product)

    check_request(only_request(api), "GET", f"{prefix}/firmware/3")
    assert isinstance(firmware, ProductFirmware)
    assert firmware.version == 3
    assert firmware.name == "tracker-v3.bin"
    assert firmware.product_id == PRODUCT_ID
    assert firmware.uploaded_at is not None
    assert firmware.uploaded_at.tzinfo is not None


# --------------------------------------------------------------------------- upload

FIRMWARE_BYTES = b"\x00\x01\x02\xff\r\n--not-a-boundary\r\n\x7fELF binary"


@PRODUCTS
async def test_firmware_upload_from_bytes(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, FIRMWARE_BODY)

    firmware = await client.products.firmware.upload(
        3, FIRMWARE_BYTES, product=product, title="Release 3", description="multi\nline é"
    )

    check_upload(
        only_request(api),
        "POST",
        f"{prefix}/firmware",
        fields={"version": "3", "title": "Release 3", "description": "multi\nline é"},
        files=[("file", "firmware.bin", FIRMWARE_BYTES)],
    )
    assert isinstance(firmware, ProductFirmware)
    assert firmware.version == 3
    assert firmware.title == "Release 3"


async def test_firmware_upload_omits_description_when_none(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"firmware": FIRMWARE_BODY})

    firmware = await client.products.firmware.upload(
        7, b"bin", product=PRODUCT_ID, title="Seven", description=None
    )

    check_upload(
        only_request(api),
        "POST",
        "/v1/products/4567/firmware",
        fields={"title": "Seven", "version": "7"},
        files=[("file", "firmware.bin", b"bin")],
    )
    assert firmware.version == 3


async def test_firmware_upload_without_description_argument_omits_it(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, FIRMWARE_BODY)

    await client.products.firmware.upload(7, b"bin", product=SLUG, title="Seven")

    names = [name for name, *_ in multipart_parts(only_request(api))]
    assert sorted(names) == ["file", "title", "version"]


async def test_firmware_upload_empty_description_is_sent(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, FIRMWARE_BODY)

    await client.products.firmware.upload(7, b"bin", product=SLUG, title="t", description="")

    parts = {name: contents for name, _, _, contents in multipart_parts(only_request(api))}
    assert parts["description"] == b""


async def test_firmware_upload_from_path_uses_its_base_name(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    reply(api, FIRMWARE_BODY)
    source = tmp_path / "build" / "tracker v3.bin"
    source.parent.mkdir()
    source.write_bytes(FIRMWARE_BYTES)

    await client.products.firmware.upload(3, source, product=PRODUCT_ID, title="Release 3")

    check_upload(
        only_request(api),
        "POST",
        "/v1/products/4567/firmware",
        fields={"title": "Release 3", "version": "3"},
        files=[("file", "tracker v3.bin", FIRMWARE_BYTES)],
    )


async def test_firmware_upload_from_binary_file_object(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    reply(api, FIRMWARE_BODY)
    source = tmp_path / "app.bin"
    source.write_bytes(FIRMWARE_BYTES)

    with source.open("rb") as handle:
        await client.products.firmware.upload(3, handle, product=SLUG, title="Release 3")

    check_upload(
        only_request(api),
        "POST",
        "/v1/products/my-product/firmware",
        fields={"version": "3", "title": "Release 3"},
        files=[("file", "app.bin", FIRMWARE_BYTES)],
    )


async def test_firmware_upload_from_nameless_file_object_uses_default_name(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, FIRMWARE_BODY)

    await client.products.firmware.upload(
        3, io.BytesIO(FIRMWARE_BYTES), product=PRODUCT_ID, title="Release 3"
    )

    parts = multipart_parts(only_request(api))
    assert ("file", "firmware.bin", "application/octet-stream", FIRMWARE_BYTES) in parts


async def test_firmware_upload_error_is_raised(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": False, "error": "version already exists"}, status=400)

    with pytest.raises(aioparticle.BadRequestError) as caught:
        await client.products.firmware.upload(3, b"x", product=PRODUCT_ID, title="t")

    assert "version already exists" in str(caught.value)
    assert len(api.calls) == 1


# --------------------------------------------------------------------------- update


@PRODUCTS
@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"title": "New title"}, {"title": "New title"}),
        ({"description": "New\ndescription"}, {"description": "New\ndescription"}),
        ({"title": "T", "description": "D"}, {"title": "T", "description": "D"}),
        ({"title": "T", "description": None}, {"title": "T"}),
        ({"description": ""}, {"description": ""}),
    ],
    ids=["title-only", "description-only", "both", "description-None", "empty-description"],
)
async def test_firmware_update_sends_only_given_fields(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    kwargs: dict[str, Any],
    body: dict[str, Any],
) -> None:
    reply(api, {**FIRMWARE_BODY, **body})

    firmware = await client.products.firmware.update(3, product=product, **kwargs)

    check_request(only_request(api), "PUT", f"{prefix}/firmware/3", body=body)
    assert isinstance(firmware, ProductFirmware)
    for key, value in body.items():
        assert getattr(firmware, key) == value


# --------------------------------------------------------------------------- download


@PRODUCTS
async def test_firmware_download_returns_the_raw_bytes(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    # a body that looks like JSON (and says so) must still come back byte for byte
    raw = b'{"ok": true, "version": 3}\n\xff\xfe'
    api.route().respond(200, content=raw, headers={"Content-Type": "application/json"})

    data = await client.products.firmware.download(3, product=product)

    check_request(only_request(api), "GET", f"{prefix}/firmware/3/binary", accept="*/*")
    assert type(data) is bytes
    assert data == raw


async def test_firmware_download_of_json_text_is_not_decoded(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, content=b"[1, 2, 3]", headers={"Content-Type": "application/json"})

    data = await client.products.firmware.download(9, product=SLUG)

    check_request(
        only_request(api), "GET", "/v1/products/my-product/firmware/9/binary", accept="*/*"
    )
    assert data == b"[1, 2, 3]"


@pytest.mark.parametrize("as_str", [False, True], ids=["Path", "str"])
async def test_firmware_download_to_a_path(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path, as_str: bool
) -> None:
    raw = bytes(range(256)) * 300
    api.route().respond(200, content=raw, headers={"Content-Type": "application/octet-stream"})
    target = tmp_path / "fw-v3.bin"

    written = await client.products.firmware.download(
        3, product=PRODUCT_ID, to=str(target) if as_str else target
    )

    check_request(only_request(api), "GET", "/v1/products/4567/firmware/3/binary", accept="*/*")
    assert isinstance(written, Path)
    assert written == target
    assert target.read_bytes() == raw
    assert files_in(tmp_path) == ["fw-v3.bin"]


async def test_firmware_download_to_a_path_replaces_an_existing_file(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(200, content=b"new")
    target = tmp_path / "fw.bin"
    target.write_bytes(b"old contents")

    await client.products.firmware.download(3, product=PRODUCT_ID, to=target)

    assert target.read_bytes() == b"new"


async def test_firmware_download_error_leaves_no_file(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    reply(api, {"ok": False, "error": "Firmware not found"}, status=404)
    target = tmp_path / "fw.bin"

    with pytest.raises(NotFoundError) as caught:
        await client.products.firmware.download(3, product=PRODUCT_ID, to=target)

    assert "Firmware not found" in str(caught.value)
    assert files_in(tmp_path) == []
    assert len(api.calls) == 1


# --------------------------------------------------------------------------- release


@PRODUCTS
@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({}, {"version": 3}),
        ({"product_default": True}, {"version": 3, "product_default": True}),
        ({"product_default": False}, {"version": 3, "product_default": False}),
        ({"groups": ["north", "south"]}, {"version": 3, "groups": ["north", "south"]}),
        ({"groups": ("east",)}, {"version": 3, "groups": ["east"]}),
        ({"intelligent": True}, {"version": 3, "intelligent": True}),
        ({"intelligent": False}, {"version": 3, "intelligent": False}),
        (
            {"product_default": True, "groups": ["a"], "intelligent": False},
            {"version": 3, "product_default": True, "groups": ["a"], "intelligent": False},
        ),
        (
            {"product_default": None, "groups": None, "intelligent": None},
            {"version": 3},
        ),
    ],
    ids=[
        "version-only",
        "default-true",
        "default-false",
        "groups",
        "groups-tuple",
        "intelligent-true",
        "intelligent-false",
        "all",
        "all-None",
    ],
)
async def test_firmware_release_body(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    kwargs: dict[str, Any],
    body: dict[str, Any],
) -> None:
    reply(api, {"ok": True})

    result = await client.products.firmware.release(3, product=product, **kwargs)

    check_request(only_request(api), "PUT", f"{prefix}/firmware/release", body=body)
    assert result is None


async def test_firmware_release_accepts_an_empty_reply(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, status=204)

    assert await client.products.firmware.release(3, product=SLUG, groups=["a"]) is None


async def test_firmware_release_not_ok_raises(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": False, "error": "no such version"})

    with pytest.raises(APIError, match="no such version"):
        await client.products.firmware.release(3, product=PRODUCT_ID, product_default=True)


# =========================================================================== config

CONFIG_PATHS = pytest.mark.parametrize(
    ("product", "device", "path"),
    [
        (PRODUCT_ID, None, "/v1/products/4567/config"),
        (SLUG, None, "/v1/products/my-product/config"),
        (PRODUCT_ID, DEV, f"/v1/products/4567/config/{DEV}"),
        (SLUG, DEV, f"/v1/products/my-product/config/{DEV}"),
    ],
    ids=["product-id", "product-slug", "device-product-id", "device-product-slug"],
)


@CONFIG_PATHS
async def test_config_get(
    client: ParticleClient, api: respx.MockRouter, product: int | str, device: str | None, path: str
) -> None:
    reply(api, CONFIG_BODY)

    config = await client.products.config.get(product=product, device=device)

    check_request(only_request(api), "GET", path)
    assert isinstance(config, ProductConfiguration)
    assert config.configuration == CONFIG_BODY["configuration"]
    assert config.model_extra == {"pending": False}


@CONFIG_PATHS
async def test_config_get_schema_asks_for_the_schema(
    client: ParticleClient, api: respx.MockRouter, product: int | str, device: str | None, path: str
) -> None:
    reply(api, SCHEMA_BODY)

    schema = await client.products.config.get_schema(product=product, device=device)

    check_request(only_request(api), "GET", path, accept="application/schema+json")
    assert type(schema) is dict
    assert schema == SCHEMA_BODY


async def test_config_get_schema_does_not_change_later_requests(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().mock(
        side_effect=[httpx.Response(200, json=SCHEMA_BODY), httpx.Response(200, json=CONFIG_BODY)]
    )

    await client.products.config.get_schema(product=PRODUCT_ID)
    await client.products.config.get(product=PRODUCT_ID)

    assert len(api.calls) == 2
    check_request(api.calls[1].request, "GET", "/v1/products/4567/config")


async def test_config_get_schema_that_is_not_an_object_raises(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, ["not", "a", "schema"])

    with pytest.raises(aioparticle.APIResponseValidationError):
        await client.products.config.get_schema(product=PRODUCT_ID)


NEW_CONFIG: dict[str, Any] = {
    "location": {"radius": 25.5, "interval_min": 60, "lock": True, "tags": ["a", "b"]},
    "imu_trig": {"motion": "disable"},
    "note": None,
}


@CONFIG_PATHS
async def test_config_set_sends_the_mapping_as_the_whole_body(
    client: ParticleClient, api: respx.MockRouter, product: int | str, device: str | None, path: str
) -> None:
    reply(api, {"configuration": NEW_CONFIG})

    config = await client.products.config.set(NEW_CONFIG, product=product, device=device)

    check_request(only_request(api), "PUT", path, body=NEW_CONFIG)
    assert isinstance(config, ProductConfiguration)
    assert config.configuration == NEW_CONFIG


async def test_config_set_empty_mapping_sends_an_empty_object(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"configuration": {}})

    config = await client.products.config.set({}, product=PRODUCT_ID)

    check_request(only_request(api), "PUT", "/v1/products/4567/config", body={})
    assert config.configuration == {}


# =========================================================================== locations

START = datetime(2025, 3, 1, 0, 0, tzinfo=UTC)
END = datetime(2025, 3, 31, 23, 59, 59, tzinfo=UTC)


@PRODUCTS
async def test_locations_list_without_options_sends_no_query(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, {"locations": [location_body()], "meta": {"page": 1, "total_pages": 1}})

    page = await client.products.locations.list(product=product)

    check_request(only_request(api), "GET", f"{prefix}/locations")
    assert isinstance(page, Page)
    assert len(page) == 1
    location = page[0]
    assert isinstance(location, DeviceLocation)
    assert location.device_id == DEV
    assert location.product_id == PRODUCT_ID
    assert location.device_name == "tracker-1"
    assert location.groups == ["north"]
    assert location.gps_lock is True
    assert location.online is False
    assert location.last_heard == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert location.timestamps == [
        datetime(2025, 3, 1, 11, 0, tzinfo=UTC),
        datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
    ]
    assert all(t.tzinfo is not None for t in location.timestamps)
    assert isinstance(location.geometry, LocationGeometry)
    assert location.geometry.type == "LineString"
    assert location.geometry.coordinates == [[-71.06, 42.36], [-71.05, 42.37]]
    assert location.model_extra == {"battery": 87}
    assert page.next_page is None


@PRODUCTS
async def test_locations_list_sends_every_option(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, {"locations": [], "meta": {"page": 2, "per_page": 50, "total_pages": 2}})

    page = await client.products.locations.list(
        product=product,
        date_range=(START, END),
        rect_bl=(42.1, -71.5),
        rect_tr=(42.9, -70.5),
        device_id="abc",
        device_name="tracker",
        groups=["north", "south"],
        page=2,
        per_page=50,
    )

    request = only_request(api)
    check_request(
        request,
        "GET",
        f"{prefix}/locations",
        query=(
            b"date_range=2025-03-01T00%3A00%3A00Z%2C2025-03-31T23%3A59%3A59Z"
            b"&rect_bl=42.1%2C-71.5&rect_tr=42.9%2C-70.5"
            b"&device_id=abc&device_name=tracker"
            b"&groups%5B0%5D=north&groups%5B1%5D=south"
            b"&per_page=50&page=2"
        ),
    )
    assert list(request.url.params.multi_items()) == [
        ("date_range", "2025-03-01T00:00:00Z,2025-03-31T23:59:59Z"),
        ("rect_bl", "42.1,-71.5"),
        ("rect_tr", "42.9,-70.5"),
        ("device_id", "abc"),
        ("device_name", "tracker"),
        ("groups[0]", "north"),
        ("groups[1]", "south"),
        ("per_page", "50"),
        ("page", "2"),
    ]
    assert page.number == 2
    assert len(page) == 0


@pytest.mark.parametrize(
    ("kwargs", "params"),
    [
        ({"date_range": "2025-03-01T00:00:00Z,2025-03-02T00:00:00Z"},
         [("date_range", "2025-03-01T00:00:00Z,2025-03-02T00:00:00Z")]),
        ({"date_range": (START, START)},
         [("date_range", "2025-03-01T00:00:00Z,2025-03-01T00:00:00Z")]),
        ({"rect_bl": "42.1,-71.5", "rect_tr": "42.9,-70.5"},
         [("rect_bl", "42.1,-71.5"), ("rect_tr", "42.9,-70.5")]),
        ({"rect_bl": (-90, -180), "rect_tr": (90, 180)},
         [("rect_bl", "-90,-180"), ("rect_tr", "90,180")]),
        ({"rect_bl": (0, 0.5), "rect_tr": "1,1"},
         [("rect_bl", "0,0.5"), ("rect_tr", "1,1")]),
        ({"device_id": DEV}, [("device_id", DEV)]),
        ({"device_name": "boat & co"}, [("device_name", "boat & co")]),
        ({"groups": ["only"]}, [("groups[0]", "only")]),
        ({"groups": ("a", "b", "c")},
         [("groups[0]", "a"), ("groups[1]", "b"), ("groups[2]", "c")]),
        ({"per_page": 100}, [("per_page", "100")]),
        ({"page": 3}, [("page", "3")]),
        ({"date_range": None, "rect_bl": None, "rect_tr": None, "device_id": None,
          "device_name": None, "groups": None, "page": None, "per_page": None}, []),
    ],
    ids=[
        "date-range-str",
        "date-range-instant",
        "rect-str",
        "rect-extremes",
        "rect-mixed",
        "device-id",
        "device-name",
        "one-group",
        "groups-tuple",
        "per-page",
        "page",
        "all-None",
    ],
)  # fmt: skip
async def test_locations_list_single_options(
    client: ParticleClient,
    api: respx.MockRouter,
    kwargs: dict[str, Any],
    params: list[tuple[str, str]],
) -> None:
    reply(api, {"locations": []})

    await client.products.locations.list(product=PRODUCT_ID, **kwargs)

    request = only_request(api)
    check_request(request, "GET", "/v1/products/4567/locations", query=request.url.query)
    assert list(request.url.params.multi_items()) == params
    # the indexed group names keep their brackets percent-encoded on the wire
    assert b"[" not in request.url.raw_path
    assert b"]" not in request.url.raw_path


async def test_locations_list_groups_query_is_indexed_and_encoded(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"locations": []})

    await client.products.locations.list(product=SLUG, groups=["a", "b"])

    check_request(
        only_request(api),
        "GET",
        "/v1/products/my-product/locations",
        query=b"groups%5B0%5D=a&groups%5B1%5D=b",
    )


async def test_locations_list_date_range_keeps_other_offsets_exact(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"locations": []})
    start = datetime(2025, 3, 1, 9, 15, 30, tzinfo=timezone(timedelta(hours=2)))
    end = datetime(2025, 3, 1, 23, 0, tzinfo=timezone(timedelta(hours=-5)))

    await client.products.locations.list(product=PRODUCT_ID, date_range=(start, end))

    request = only_request(api)
    sent = dict(request.url.params.multi_items())["date_range"]
    first, second = sent.split(",")
    assert as_instant(first) == start
    assert as_instant(second) == end
    # a '+' offset must travel percent-encoded, or the server would read a space
    assert b"+" not in request.url.query


async def test_locations_list_walks_every_page_by_total_pages(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    pages = [
        [location_body(DEV, "t1"), location_body(DEV2, "t2")],
        [location_body("0123456789abcdef01234569", "t3"), location_body("c" * 24, "t4")],
        [location_body("d" * 24, "t5")],
    ]
    api.route().mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "locations": items,
                    "meta": {"page": n, "per_page": 2, "total_pages": 3, "devices_found": 5},
                },
            )
            for n, items in enumerate(pages, 1)
        ]
    )

    names = [
        location.device_name
        async for location in client.products.locations.list(
            product=PRODUCT_ID, groups=["north"], per_page=2
        )
    ]

    assert names == ["t1", "t2", "t3", "t4", "t5"]
    assert len(api.calls) == 3
    path = "/v1/products/4567/locations"
    base = b"groups%5B0%5D=north&per_page=2"
    check_request(api.calls[0].request, "GET", path, query=base)
    check_request(api.calls[1].request, "GET", path, query=base + b"&page=2")
    check_request(api.calls[2].request, "GET", path, query=base + b"&page=3")


async def test_locations_list_pages_carry_their_meta(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "locations": [location_body(DEV, f"p{n}")],
                    "meta": {"page": n, "per_page": 1, "total_pages": 2, "devices_found": 2},
                },
            )
            for n in (1, 2)
        ]
    )

    pages = [page async for page in client.products.locations.list(product=SLUG).pages()]

    assert [p.number for p in pages] == [1, 2]
    assert [[loc.device_name for loc in p] for p in pages] == [["p1"], ["p2"]]
    for p in pages:
        assert p.meta is not None
        assert p.meta.total_pages == 2
        assert p.meta.model_extra == {"devices_found": 2}
    assert [c.request.url.query for c in api.calls] == [b"", b"page=2"]


async def test_locations_list_starting_on_the_last_page_makes_one_request(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(
        api,
        {"locations": [location_body()], "meta": {"page": 3, "per_page": 2, "total_pages": 3}},
    )

    found = [loc async for loc in client.products.locations.list(product=PRODUCT_ID, page=3)]

    assert len(found) == 1
    check_request(only_request(api), "GET", "/v1/products/4567/locations", query=b"page=3")


async def test_awaiting_locations_list_fetches_only_the_first_page(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"locations": [location_body()], "meta": {"page": 1, "total_pages": 4}})

    page = await client.products.locations.list(product=PRODUCT_ID)

    assert len(api.calls) == 1
    assert page.next_page == 2


@PRODUCTS
@pytest.mark.parametrize(
    "body", [{"location": POINT_BODY}, POINT_BODY], ids=["wrapped", "unwrapped"]
)
async def test_locations_get_one_device(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str, body: Any
) -> None:
    reply(api, body)

    location = await client.products.locations.get(DEV, product=product)

    check_request(only_request(api), "GET", f"{prefix}/locations/{DEV}")
    assert isinstance(location, DeviceLocation)
    assert location.device_id == DEV
    assert location.online is True
    assert location.last_heard == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert location.geometry is not None
    assert location.geometry.type == "Point"
    assert location.geometry.coordinates == [-71.06, 42.36]
    assert location.timestamps == []


async def test_locations_get_sends_the_range_options(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"location": location_body()})

    location = await client.products.locations.get(
        DEV, product=SLUG, date_range=(START, END), rect_bl=(1, 2), rect_tr="3,4"
    )

    request = only_request(api)
    check_request(
        request,
        "GET",
        f"/v1/products/my-product/locations/{DEV}",
        query=(
            b"date_range=2025-03-01T00%3A00%3A00Z%2C2025-03-31T23%3A59%3A59Z"
            b"&rect_bl=1%2C2&rect_tr=3%2C4"
        ),
    )
    assert location.geometry is not None
    assert location.geometry.type == "LineString"
    assert location.model_extra == {"battery": 87}


async def test_locations_get_with_a_string_range(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, POINT_BODY)

    await client.products.locations.get(DEV, product=PRODUCT_ID, date_range="a,b")

    check_request(
        only_request(api),
        "GET",
        f"/v1/products/4567/locations/{DEV}",
        query=b"date_range=a%2Cb",
    )


# =========================================================================== bad input


async def test_firmware_title_and_description_at_their_limits_are_accepted(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, FIRMWARE_BODY)
    title, description = "t" * 256, "d" * 65_536

    await client.products.firmware.update(
        3, product=PRODUCT_ID, title=title, description=description
    )

    check_request(
        only_request(api),
        "PUT",
        "/v1/products/4567/firmware/3",
        body={"title": title, "description": description},
    )


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={"ok": True})
    return api


#: Every product-only operation, with the product left open.
PRODUCT_ONLY: dict[str, OpenCall] = {
    "firmware.list": lambda c, p: c.products.firmware.list(product=p),
    "firmware.get": lambda c, p: c.products.firmware.get(3, product=p),
    "firmware.upload": lambda c, p: c.products.firmware.upload(3, b"x", product=p, title="t"),
    "firmware.update": lambda c, p: c.products.firmware.update(3, product=p, title="t"),
    "firmware.download": lambda c, p: c.products.firmware.download(3, product=p),
    "firmware.release": lambda c, p: c.products.firmware.release(3, product=p),
    "config.get": lambda c, p: c.products.config.get(product=p),
    "config.get-device": lambda c, p: c.products.config.get(product=p, device=DEV),
    "config.get_schema": lambda c, p: c.products.config.get_schema(product=p),
    "config.get_schema-device": lambda c, p: c.products.config.get_schema(product=p, device=DEV),
    "config.set": lambda c, p: c.products.config.set({"a": 1}, product=p),
    "config.set-device": lambda c, p: c.products.config.set({"a": 1}, product=p, device=DEV),
    "locations.list": lambda c, p: c.products.locations.list(product=p),
    "locations.get": lambda c, p: c.products.locations.get(DEV, product=p),
}
#: More malformed products, checked on `products.get` (the same check serves every call).
MORE_BAD_PRODUCTS = [False, ".", "a?b", "a#b", "a\\b", b"1", "x" * 257]

#: Every operation on one firmware version, with the version left open.
VERSION_CALLS: dict[str, OpenCall] = {
    "get": lambda c, v: c.products.firmware.get(v, product=PRODUCT_ID),
    "upload": lambda c, v: c.products.firmware.upload(v, b"x", product=PRODUCT_ID, title="t"),
    "update": lambda c, v: c.products.firmware.update(v, product=PRODUCT_ID, title="t"),
    "download": lambda c, v: c.products.firmware.download(v, product=PRODUCT_ID),
    "release": lambda c, v: c.products.firmware.release(v, product=SLUG, product_default=True),
}

BAD_UPLOAD_TEXT: list[dict[str, Any]] = [
    {"title": None},
    {"title": ""},
    {"title": "a\nb"},
    {"title": "x" * 257},
    {"title": 5},
    {"title": "t", "description": "a\x00b"},
    {"title": "t", "description": "x" * 65_537},
    {"title": "t", "description": b"bytes"},
]
BAD_UPDATE_TEXT: list[dict[str, Any]] = [
    {"title": ""},
    {"title": "a\x07b"},
    {"title": "x" * 257},
    {"description": "a\x1bb"},
    {"description": "x" * 65_537},
    {"title": 1},
]
NO_UPDATE: list[dict[str, Any]] = [
    {},
    {"title": None},
    {"description": None},
    {"title": None, "description": None},
]
BAD_RELEASE_OPTIONS: list[dict[str, Any]] = [
    {"product_default": "true"},
    {"product_default": 1},
    {"intelligent": "yes"},
    {"intelligent": 0},
    {"groups": "north"},
    {"groups": []},
    {"groups": [""]},
    {"groups": ["a\nb"]},
    {"groups": [1]},
    {"groups": [None]},
]


BAD_DEVICE_IDS = ["", ".", "..", "a/b", "a?b", "a#b", "a\\b", "a\x00b", "a\nb", "x" * 257, 123]

#: Every operation taking a device id, with the id left open.
DEVICE_CALLS: dict[str, OpenCall] = {
    "config.get": lambda c, d: c.products.config.get(product=PRODUCT_ID, device=d),
    "config.get_schema": lambda c, d: c.products.config.get_schema(product=PRODUCT_ID, device=d),
    "config.set": lambda c, d: c.products.config.set({}, product=PRODUCT_ID, device=d),
    "locations.get": lambda c, d: c.products.locations.get(d, product=PRODUCT_ID),
}

#: Both location queries, with their options left open.
LOCATION_CALLS: dict[str, OpenCall] = {
    "locations.list": lambda c, kwargs: c.products.locations.list(product=PRODUCT_ID, **kwargs),
    "locations.get": lambda c, kwargs: c.products.locations.get(DEV, product=PRODUCT_ID, **kwargs),
}
#: `locations.list()` returns a paginator: it refuses when called, before anything is awaited.
EAGER = {"locations.list"}

NAIVE_START = datetime(2025, 3, 1)
NAIVE_END = datetime(2025, 3, 2)

BAD_DATE_RANGES = [
    (NAIVE_START, NAIVE_END),
    (END, START),
    (START, START - timedelta(microseconds=1)),
    (START,),
    (START, END, END),
    (START, "2025-03-02T00:00:00Z"),
    ("2025-03-01T00:00:00Z", END),
    (1, 2),
    START,
    12345,
    "",
    "2025-03-01\n",
    "x" * 129,
    b"2025-03-01,2025-03-02",
]
BAD_DATE_RANGE_IDS = [
    "naive",
    "end-before-start",
    "end-1us-before-start",
    "one-item",
    "three-items",
    "end-str",
    "start-str",
    "ints",
    "bare-datetime",
    "int",
    "empty-str",
    "control-char",
    "too-long",
    "bytes",
]

BAD_POINTS = [
    (90.5, 0),
    (-91, 0),
    (0, 180.01),
    (0, -181),
    (float("nan"), 0),
    (0, float("inf")),
    ("42.1", "-71.5"),
    (True, 0),
    (0, None),
    (42.1,),
    (1, 2, 3),
    42.1,
    "",
    "1,2\n",
    "x" * 65,
]
#: A bad corner next to a good one, for each corner.
BAD_RECTANGLES: dict[str, dict[str, Any]] = {
    f"{corner}-{bad!r}": {"rect_bl": (10.0, 10.0), "rect_tr": (10.0, 10.0), corner: bad}
    for corner in ["rect_bl", "rect_tr"]
    for bad in BAD_POINTS
}
ONE_CORNER_ALONE: list[dict[str, Any]] = [
    {"rect_bl": (1, 2)},
    {"rect_tr": (1, 2)},
    {"rect_bl": "1,2"},
    {"rect_tr": "1,2", "rect_bl": None},
]

BAD_LOCATION_FILTERS: list[dict[str, Any]] = [
    {"device_id": ""},
    {"device_id": "a\nb"},
    {"device_id": 5},
    {"device_id": "x" * 257},
    {"device_name": ""},
    {"device_name": "a\x00b"},
    {"device_name": ["a"]},
    {"groups": "north"},
    {"groups": []},
    {"groups": [""]},
    {"groups": ["a\nb"]},
    {"groups": [1]},
    {"page": 0},
    {"page": -1},
    {"page": True},
    {"page": "2"},
    {"per_page": 0},
    {"per_page": True},
    {"per_page": 2.0},
    {"per_page": "10"},
]

#: Every call with an argument `client.products` and its sub-clients must refuse before any
#: request (a download to a bad target and a text-mode upload, which need a scratch folder,
#: follow in their own tests).
BAD_INPUT = [
    # products
    *bad_input_grid(
        {"products.get": lambda c, p: c.products.get(p)},
        [None, *BAD_PRODUCTS, *MORE_BAD_PRODUCTS],
        prefix="product",
    ),
    *bad_input_grid(PRODUCT_ONLY, [None], ["None"], prefix="product", eager=EAGER),
    *bad_input_grid(PRODUCT_ONLY, BAD_PRODUCTS, prefix="product", eager=EAGER),
    # firmware
    *bad_input_grid(VERSION_CALLS, [0, -1, True, False, "1", 1.5, None], prefix="firmware-version"),
    *bad_input_grid(
        {
            "firmware.upload": lambda c, kwargs: c.products.firmware.upload(
                3, b"x", product=PRODUCT_ID, **kwargs
            )
        },
        BAD_UPLOAD_TEXT,
    ),
    *bad_input_grid(
        {
            "firmware.upload-file": lambda c, file: c.products.firmware.upload(
                3, file, product=PRODUCT_ID, title="t"
            )
        },
        ["firmware.bin", None, 5, ["a"]],
    ),
    *bad_input_grid(
        {
            "firmware.update": lambda c, kwargs: c.products.firmware.update(
                3, product=PRODUCT_ID, **kwargs
            )
        },
        BAD_UPDATE_TEXT,
    ),
    *bad_input_grid(
        {
            "firmware.update-no-change": lambda c, kwargs: c.products.firmware.update(
                3, product=PRODUCT_ID, **kwargs
            )
        },
        NO_UPDATE,
    ),
    *bad_input_grid(
        {
            "firmware.release": lambda c, kwargs: c.products.firmware.release(
                3, product=PRODUCT_ID, **kwargs
            )
        },
        BAD_RELEASE_OPTIONS,
    ),
    # config
    *bad_input_grid(
        {"config.set": lambda c, config: c.products.config.set(config, product=PRODUCT_ID)},
        [None, [("a", 1)], "{}", 5],
    ),
    *bad_input_grid(DEVICE_CALLS, BAD_DEVICE_IDS, prefix="device-id"),
    # locations
    bad_input(
        "device-id-locations.get-None",
        lambda c: c.products.locations.get(None, product=PRODUCT_ID),
    ),
    *bad_input_grid(
        LOCATION_CALLS,
        [{"date_range": bad} for bad in BAD_DATE_RANGES],
        [f"date_range-{name}" for name in BAD_DATE_RANGE_IDS],
        eager=EAGER,
    ),
    *bad_input_grid(
        LOCATION_CALLS, list(BAD_RECTANGLES.values()), list(BAD_RECTANGLES), eager=EAGER
    ),
    *bad_input_grid(LOCATION_CALLS, ONE_CORNER_ALONE, eager=EAGER),
    *bad_input_grid(
        {"locations.list": LOCATION_CALLS["locations.list"]}, BAD_LOCATION_FILTERS, eager=EAGER
    ),
]


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)


async def test_firmware_upload_rejects_a_text_mode_file(
    client: ParticleClient, guard: respx.MockRouter, tmp_path: Path
) -> None:
    text_file = tmp_path / "fw.txt"
    text_file.write_text("text")
    with text_file.open() as handle:
        await expect_invalid(
            client.products.firmware.upload(3, handle, product=PRODUCT_ID, title="t"), guard
        )


async def test_firmware_download_to_missing_directory_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, tmp_path: Path
) -> None:
    await expect_invalid(
        client.products.firmware.download(3, product=PRODUCT_ID, to=tmp_path / "nope" / "fw.bin"),
        guard,
    )
    await expect_invalid(
        client.products.firmware.download(3, product=PRODUCT_ID, to=tmp_path), guard
    )


# =========================================================================== firmware delete,
# the mandatory flag, configuration schemas, latest locations

SCHEMA_TYPE = "application/schema+json"
NEW_SCHEMA: dict[str, Any] = {
    "$schema": "https://particle.io/draft-07/schema#",
    "type": "object",
    "properties": {"rate": {"type": "integer", "minimum": 1}},
}


def check_schema_request(
    request: httpx.Request, method: str, path: str, body: dict[str, Any]
) -> None:
    """A request carrying a JSON Schema (or `{}`) typed `application/schema+json`."""
    assert request.method == method
    assert request.url.raw_path == path.encode("ascii")
    assert request.url.query == b""
    assert request.headers.get_list("content-type") == [SCHEMA_TYPE]
    assert request.headers.get_list("accept") == ["application/json"]
    assert request.headers.get_list("authorization") == [f"Bearer {TOKEN}"]
    assert json.loads(request.content) == body


@PRODUCTS
async def test_firmware_delete(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, None, 204)

    assert await client.products.firmware.delete(3, product=product) is None

    check_request(only_request(api), "DELETE", f"{prefix}/firmware/3")


async def test_firmware_delete_of_a_released_version_is_a_conflict(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": False, "error": "Firmware version 3 has been released"}, 409)

    with pytest.raises(aioparticle.ConflictError, match="has been released"):
        await client.products.firmware.delete(3, product=SLUG)


@pytest.mark.parametrize(("mandatory", "text"), [(True, "true"), (False, "false")])
async def test_firmware_upload_sends_mandatory_as_a_text_part(
    client: ParticleClient, api: respx.MockRouter, mandatory: bool, text: str
) -> None:
    reply(api, {**FIRMWARE_BODY, "mandatory": mandatory})

    firmware = await client.products.firmware.upload(
        3, FIRMWARE_BYTES, product=SLUG, title="Release 3", mandatory=mandatory
    )

    check_upload(
        only_request(api),
        "POST",
        "/v1/products/my-product/firmware",
        fields={"version": "3", "title": "Release 3", "mandatory": text},
        files=[("file", "firmware.bin", FIRMWARE_BYTES)],
    )
    assert firmware.model_extra == {"mystery": "kept", "mandatory": mandatory}


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"mandatory": True}, {"mandatory": True}),
        ({"mandatory": False}, {"mandatory": False}),
        ({"title": "T", "mandatory": True}, {"title": "T", "mandatory": True}),
    ],
    ids=["mandatory", "not-mandatory", "title-and-mandatory"],
)
async def test_firmware_update_sends_mandatory_only_when_given(
    client: ParticleClient, api: respx.MockRouter, kwargs: dict[str, Any], body: dict[str, Any]
) -> None:
    reply(api, FIRMWARE_BODY)

    await client.products.firmware.update(3, product=PRODUCT_ID, **kwargs)

    check_request(only_request(api), "PUT", "/v1/products/4567/firmware/3", body=body)


@CONFIG_PATHS
async def test_config_set_schema_sends_the_schema_as_schema_json(
    client: ParticleClient, api: respx.MockRouter, product: int | str, device: str | None, path: str
) -> None:
    reply(api, NEW_SCHEMA)

    stored = await client.products.config.set_schema(NEW_SCHEMA, product=product, device=device)

    check_schema_request(only_request(api), "PUT", path, NEW_SCHEMA)
    assert stored == NEW_SCHEMA


@pytest.mark.parametrize("status", [200, 202, 204])
async def test_config_set_schema_without_an_answer_returns_the_schema_sent(
    client: ParticleClient, api: respx.MockRouter, status: int
) -> None:
    reply(api, None, status)

    stored = await client.products.config.set_schema(NEW_SCHEMA, product=SLUG)

    assert stored == NEW_SCHEMA


async def test_config_set_schema_refused_as_invalid_is_an_unprocessable_entity_error(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    violations = [
        {
            "keyword": "type",
            "dataPath": ".properties.rate",
            "schemaPath": "#/definitions/type",
            "params": {"type": "object"},
            "message": "should be object",
        }
    ]
    body = {
        "message": "Invalid Schema",
        "description": "The schema does not follow the JSON Schema specification",
        "violations": violations,
    }
    reply(api, body, 422)

    with pytest.raises(aioparticle.UnprocessableEntityError) as caught:
        await client.products.config.set_schema({"type": 1}, product=SLUG)

    error = caught.value
    assert error.violations == violations
    assert error.description == body["description"]
    text = str(error)
    assert "Invalid Schema: The schema does not follow the JSON Schema specification" in text
    assert ".properties.rate: should be object" in text


@CONFIG_PATHS
async def test_config_delete_schema_sends_an_empty_schema_json_object(
    client: ParticleClient, api: respx.MockRouter, product: int | str, device: str | None, path: str
) -> None:
    reply(api, None, 204)

    assert await client.products.config.delete_schema(product=product, device=device) is None

    check_schema_request(only_request(api), "DELETE", path, {})


@PRODUCTS
async def test_locations_list_latest_without_filters(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, {"locations": [POINT_BODY, {**POINT_BODY, "device_id": DEV2}]})

    found = await client.products.locations.list_latest(product=product)

    check_request(only_request(api), "GET", f"{prefix}/fleet_locations")
    assert [(x.device_id, type(x)) for x in found] == [
        (POINT_BODY["device_id"], DeviceLocation),
        (DEV2, DeviceLocation),
    ]
    assert isinstance(found[0].geometry, LocationGeometry)


async def test_locations_list_latest_sends_the_filters_as_list_does(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"locations": []})

    found = await client.products.locations.list_latest(
        product=SLUG, device_id=DEV, device_name="track er", groups=["north", "a&b"]
    )

    check_request(
        only_request(api),
        "GET",
        "/v1/products/my-product/fleet_locations",
        query=(
            f"device_id={DEV}&device_name=track+er".encode()
            + b"&groups%5B0%5D=north&groups%5B1%5D=a%26b"
        ),
    )
    assert found == []


BAD_MISC_INPUT = [
    *bad_input_grid(
        {
            "firmware-delete": lambda c, v: c.products.firmware.delete(v, product=SLUG),
        },
        [0, -1, True, "3", None, 1.5],
    ),
    *bad_input_grid(
        {
            "firmware-delete": lambda c, p: c.products.firmware.delete(3, product=p),
            "set-schema": lambda c, p: c.products.config.set_schema(NEW_SCHEMA, product=p),
            "delete-schema": lambda c, p: c.products.config.delete_schema(product=p),
            "list-latest": lambda c, p: c.products.locations.list_latest(product=p),
        },
        [None, *BAD_PRODUCTS],
        prefix="product",
    ),
    *bad_input_grid(
        {
            "upload": lambda c, v: c.products.firmware.upload(
                3, b"x", product=SLUG, title="t", mandatory=v
            ),
            "update": lambda c, v: c.products.firmware.update(3, product=SLUG, mandatory=v),
        },
        ["true", 1, 0],
        prefix="mandatory",
    ),
    *bad_input_grid(
        {"set-schema": lambda c, v: c.products.config.set_schema(v, product=SLUG)},
        [None, "{}", [("type", "object")], b"{}"],
        prefix="schema",
    ),
    *bad_input_grid(
        {
            "set-schema": lambda c, d: c.products.config.set_schema(
                NEW_SCHEMA, product=SLUG, device=d
            ),
            "delete-schema": lambda c, d: c.products.config.delete_schema(product=SLUG, device=d),
        },
        ["", "a/b", "..", 123],
        prefix="device",
    ),
    *bad_input_grid(
        {
            "groups": lambda c, v: c.products.locations.list_latest(product=SLUG, groups=v),
        },
        ["north", [], [""], [1]],
        prefix="list-latest",
    ),
    bad_input(
        "list-latest-device-id",
        lambda c: c.products.locations.list_latest(product=SLUG, device_id=""),
    ),
    bad_input(
        "list-latest-device-name",
        lambda c: c.products.locations.list_latest(product=SLUG, device_name="a\nb"),
    ),
]


@pytest.mark.parametrize("case", BAD_MISC_INPUT)
async def test_bad_input_of_delete_schemas_and_latest_locations(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
