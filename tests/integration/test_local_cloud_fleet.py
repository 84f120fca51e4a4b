"""The local cloud's fleet routes over real HTTP: products, product firmware and team, SIM cards,
firmware libraries, the cloud compiler and flashing, Device OS versions and serial numbers."""

from __future__ import annotations

import hashlib
import io
import tarfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from aioparticle.testing import (
    DEMO_DEVICE_ID,
    DEMO_ORG,
    DEMO_SIM_ICCIDS,
    DEMO_TRACKER_IDS,
    FakeProduct,
    LocalCloud,
    make_library_archive,
    seed_demo,
)
from tests.conftest import tar_gz
from tests.integration.conftest import OTHER_USER, PRODUCT_ID, PRODUCT_SLUG, Fleet, bearer

pytestmark = pytest.mark.anyio

#: a product the default account is NOT a member of (OTHER_USER's)
FOREIGN_PRODUCT = 7777
UNKNOWN_PRODUCT = 999999
SIZE_INFO = (
    "   text\t   data\t    bss\t    dec\t    hex\tfilename\n"
    "   1234\t     56\t    789\t   2079\t    81f\tfirmware.elf\n"
)
MISSING_TOKEN = {
    "error": "invalid_request",
    "error_description": "The access token was not found",
}
INVALID_TOKEN = {
    "error": "invalid_token",
    "error_description": "The access token provided is invalid.",
}


@dataclass
class World:
    """`fleet` plus a foreign product and a few SIM cards."""

    fleet: Fleet
    foreign: FakeProduct

    @property
    def cloud(self) -> LocalCloud:
        return self.fleet.cloud

    @property
    def token(self) -> str:
        return self.fleet.cloud.token


@pytest.fixture
def world(fleet: Fleet) -> World:
    foreign = fleet.cloud.add_product(FOREIGN_PRODUCT, slug="foreign-product", members=[OTHER_USER])
    return World(fleet, foreign)


def iso_z(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# ---------------------------------------------------------------------- auth and product access

#: (method, path) of every new authenticated route
AUTHENTICATED = [
    ("GET", "/v1/products"),
    ("GET", f"/v1/products/{PRODUCT_ID}"),
    ("GET", f"/v1/products/{PRODUCT_ID}/firmware"),
    ("POST", f"/v1/products/{PRODUCT_ID}/firmware"),
    ("GET", f"/v1/products/{PRODUCT_ID}/firmware/1"),
    ("PUT", f"/v1/products/{PRODUCT_ID}/firmware/1"),
    ("GET", f"/v1/products/{PRODUCT_ID}/firmware/1/binary"),
    ("PUT", f"/v1/products/{PRODUCT_ID}/firmware/release"),
    ("GET", f"/v1/products/{PRODUCT_ID}/team"),
    ("POST", f"/v1/products/{PRODUCT_ID}/team"),
    ("DELETE", f"/v1/products/{PRODUCT_ID}/team/a@example.com"),
    ("GET", "/v1/sims"),
    ("PUT", "/v1/sims/8901"),
    ("DELETE", "/v1/sims/8901"),
    ("GET", "/v1/sims/8901/data_usage"),
    ("GET", f"/v1/products/{PRODUCT_ID}/sims"),
    ("POST", f"/v1/products/{PRODUCT_ID}/sims"),
    ("GET", f"/v1/products/{PRODUCT_ID}/sims/data_usage"),
    ("GET", f"/v1/products/{PRODUCT_ID}/sims/8901/data_usage"),
    ("PUT", f"/v1/products/{PRODUCT_ID}/sims/8901"),
    ("DELETE", f"/v1/products/{PRODUCT_ID}/sims/8901"),
    ("GET", "/v1/libraries"),
    ("POST", "/v1/libraries"),
    ("GET", "/v1/libraries/neopixel"),
    ("PATCH", "/v1/libraries/neopixel"),
    ("DELETE", "/v1/libraries/neopixel"),
    ("GET", "/v1/libraries/neopixel/versions"),
    ("GET", "/v1/build_targets"),
    ("POST", "/v1/binaries"),
    ("GET", "/v1/binaries/0123456789abcdef01234567"),
    ("GET", "/v1/device-os/versions"),
    ("GET", "/v1/device-os/versions/5.9.0"),
    ("GET", "/v1/serial_numbers/P046AF1234"),
]


async def test_every_new_route_wants_a_bearer_token(world: World, raw: httpx.AsyncClient) -> None:
    for method, path in AUTHENTICATED:
        missing = await raw.request(method, path)
        invalid = await raw.request(method, path, headers=bearer("not-a-token"))
        # the deprecated query-string token is not honoured: only the Bearer header is
        in_query = await raw.request(method, path, params={"access_token": world.token})
        route = f"{method} {path}"
        assert missing.status_code == 401, route
        assert missing.json() == MISSING_TOKEN, route
        assert invalid.status_code == 401, route
        assert invalid.json() == INVALID_TOKEN, route
        assert in_query.status_code == 401, route


async def test_head_sim_check_wants_a_bearer_token(world: World, raw: httpx.AsyncClient) -> None:
    world.cloud.add_sim("8901")
    missing = await raw.head("/v1/sims/8901")
    invalid = await raw.head("/v1/sims/8901", headers=bearer("not-a-token"))
    assert (missing.status_code, invalid.status_code) == (401, 401)
    assert missing.content == invalid.content == b""


PRODUCT_ROUTES = [
    ("GET", ""),
    ("GET", "/firmware"),
    ("POST", "/firmware"),
    ("GET", "/firmware/1"),
    ("PUT", "/firmware/1"),
    ("GET", "/firmware/1/binary"),
    ("PUT", "/firmware/release"),
    ("GET", "/team"),
    ("POST", "/team"),
    ("DELETE", f"/team/{OTHER_USER}"),
    ("GET", "/sims"),
    ("POST", "/sims"),
    ("GET", "/sims/data_usage"),
    ("GET", "/sims/8901/data_usage"),
    ("PUT", "/sims/8901"),
    ("DELETE", "/sims/8901"),
]


async def test_product_routes_deny_non_members(world: World, raw: httpx.AsyncClient) -> None:
    world.cloud.add_firmware(world.foreign, 1, b"fw")
    world.cloud.add_sim("8901", product=world.foreign)
    for product in (FOREIGN_PRODUCT, "foreign-product"):
        for method, suffix in PRODUCT_ROUTES:
            route = f"{method} /v1/products/{product}{suffix}"
            response = await raw.request(
                method, f"/v1/products/{product}{suffix}", headers=bearer(world.token), json={}
            )
            assert response.status_code == 403, route
            body = response.json()
            assert body["ok"] is False, route
            assert body["error"] == "Permission Denied", route
            assert "info" in body, route
    # nothing changed
    assert world.foreign.members == {OTHER_USER}
    assert world.foreign.firmware[1].title == "Version 1"
    assert world.cloud.sims["8901"].product_id == FOREIGN_PRODUCT


async def test_product_routes_404_for_unknown_products(
    world: World, raw: httpx.AsyncClient
) -> None:
    for method, suffix in PRODUCT_ROUTES:
        response = await raw.request(
            method, f"/v1/products/{UNKNOWN_PRODUCT}{suffix}", headers=bearer(world.token), json={}
        )
        route = f"{method} {suffix}"
        assert response.status_code == 404, route
        assert response.json() == {"ok": False, "error": "Product not found"}, route


# ---------------------------------------------------------------------- products


async def test_list_products_only_the_users(world: World, raw: httpx.AsyncClient) -> None:
    world.cloud.add_org("acme")
    world.cloud.add_product(4300, slug="org-product", name="Org product", org="acme")
    mine = await raw.get("/v1/products", headers=bearer(world.token))
    theirs = await raw.get("/v1/products", headers=bearer(world.fleet.other_token))
    assert mine.status_code == 200
    assert mine.json() == {
        "products": [
            {
                "id": PRODUCT_ID,
                "platform_id": 13,
                "name": "Fleet",
                "slug": PRODUCT_SLUG,
                "description": "",
                "groups": ["blue", "east", "north", "south"],
                "device_count": 5,
            },
            {
                "id": 4300,
                "platform_id": 13,
                "name": "Org product",
                "slug": "org-product",
                "description": "",
                "groups": [],
                "device_count": 0,
                "org": "acme",
            },
        ]
    }
    assert [p["id"] for p in theirs.json()["products"]] == [FOREIGN_PRODUCT]


async def test_a_product_token_lists_its_own_product(world: World, raw: httpx.AsyncClient) -> None:
    token = world.cloud.issue_token(None, product_id=FOREIGN_PRODUCT)
    listed = await raw.get("/v1/products", headers=bearer(token))
    got = await raw.get(f"/v1/products/{FOREIGN_PRODUCT}", headers=bearer(token))
    other = await raw.get(f"/v1/products/{PRODUCT_ID}", headers=bearer(token))
    assert [p["slug"] for p in listed.json()["products"]] == ["foreign-product"]
    assert got.json()["product"]["id"] == FOREIGN_PRODUCT
    assert other.status_code == 403


@pytest.mark.parametrize("ref", [PRODUCT_ID, PRODUCT_SLUG], ids=["id", "slug"])
async def test_get_product_by_id_or_slug(world: World, raw: httpx.AsyncClient, ref: object) -> None:
    response = await raw.get(f"/v1/products/{ref}", headers=bearer(world.token))
    assert response.status_code == 200
    product = response.json()["product"]
    assert product["id"] == PRODUCT_ID
    assert product["slug"] == PRODUCT_SLUG
    assert product["groups"] == ["blue", "east", "north", "south"]
    assert "org" not in product


# ---------------------------------------------------------------------- product firmware


def firmware_path(suffix: str = "") -> str:
    return f"/v1/products/{PRODUCT_ID}/firmware{suffix}"


async def test_list_firmware_is_a_bare_array_newest_first(
    world: World, raw: httpx.AsyncClient
) -> None:
    empty = await raw.get(firmware_path(), headers=bearer(world.token))
    world.cloud.add_firmware(PRODUCT_ID, 2, b"v2" * 10, title="Two")
    world.cloud.add_firmware(PRODUCT_SLUG, 3, b"three", description="Third", current=True)
    world.fleet.units[0].firmware_version = 2
    listed = await raw.get(firmware_path(), headers=bearer(world.token))
    assert empty.status_code == 200
    assert empty.json() == []
    body = listed.json()
    for item in body:
        assert iso_z(item.pop("uploaded_at")) <= datetime.now(timezone.utc)
    assert body == [
        {
            "version": 3,
            "title": "Version 3",
            "description": "Third",
            "size": 5,
            "device_count": 4,
            "current": True,
            "mandatory": False,
            "uploaded_by": world.cloud.username,
            "product_id": PRODUCT_ID,
        },
        {
            "version": 2,
            "title": "Two",
            "description": "",
            "size": 20,
            "device_count": 1,
            "current": False,
            "mandatory": False,
            "uploaded_by": world.cloud.username,
            "product_id": PRODUCT_ID,
        },
    ]


async def test_get_firmware_and_its_binary(world: World, raw: httpx.AsyncClient) -> None:
    data = bytes(range(256)) * 40
    world.cloud.add_firmware(world.fleet.product, 5, data, title="Five")
    got = await raw.get(firmware_path("/5"), headers=bearer(world.token))
    binary = await raw.get(firmware_path("/5/binary"), headers=bearer(world.token))
    assert got.status_code == 200
    assert got.json()["version"] == 5
    assert got.json()["title"] == "Five"
    assert got.json()["size"] == len(data)
    assert binary.status_code == 200
    assert binary.headers["content-type"] == "application/octet-stream"
    assert binary.headers["content-length"] == str(len(data))
    assert binary.content == data


async def test_unknown_firmware_is_404(world: World, raw: httpx.AsyncClient) -> None:
    world.cloud.add_firmware(PRODUCT_ID, 1, b"x")
    for suffix, version in [
        ("/9", "9"),
        ("/9/binary", "9"),
        ("/nine", "nine"),
        ("/release", "release"),
    ]:
        response = await raw.get(firmware_path(suffix), headers=bearer(world.token))
        assert response.status_code == 404, suffix
        assert response.json() == {"ok": False, "error": f"Firmware version {version} not found"}


async def test_upload_firmware_multipart(world: World, raw: httpx.AsyncClient) -> None:
    response = await raw.post(
        firmware_path(),
        headers=bearer(world.token),
        files={"file": ("firmware.bin", b"\x00\x01binary\xff")},
        data={"version": "7", "title": "Seven", "description": "Lucky"},
    )
    assert response.status_code == 200
    body = response.json()
    assert iso_z(body.pop("uploaded_at"))
    assert body == {
        "version": 7,
        "title": "Seven",
        "description": "Lucky",
        "size": 9,
        "device_count": 0,
        "current": False,
        "mandatory": False,
        "uploaded_by": world.cloud.username,
        "product_id": PRODUCT_ID,
    }
    assert world.fleet.product.firmware[7].data == b"\x00\x01binary\xff"
    listed = await raw.get(firmware_path(), headers=bearer(world.token))
    assert [f["version"] for f in listed.json()] == [7]


async def test_upload_firmware_refuses_bad_uploads(world: World, raw: httpx.AsyncClient) -> None:
    world.cloud.add_firmware(PRODUCT_ID, 1, b"original")
    upload = {"file": ("f.bin", b"x")}
    no_file = {"description": (None, b"d")}  # still multipart: a text part only
    cases: list[tuple[Any, dict[str, str], str]] = [
        (no_file, {"version": "7", "title": "T"}, "Missing required field: file"),
        (upload, {"title": "T"}, "Missing required field: version"),
        (upload, {"version": "7"}, "Missing required field: title"),
        (upload, {"version": "7", "title": "  "}, "Missing required field: title"),
        (upload, {"version": "seven", "title": "T"}, "version must be an integer"),
        (upload, {"version": "1", "title": "T"}, "Firmware version 1 already exists"),
    ]
    for files, data, error in cases:
        response = await raw.post(
            firmware_path(), headers=bearer(world.token), files=files, data=data
        )
        assert response.status_code == 400, error
        assert response.json() == {"ok": False, "error": error}
    assert sorted(world.fleet.product.firmware) == [1]
    assert world.fleet.product.firmware[1].data == b"original"


async def test_upload_firmware_must_be_multipart(world: World, raw: httpx.AsyncClient) -> None:
    response = await raw.post(
        firmware_path(), headers=bearer(world.token), json={"version": 1, "title": "T"}
    )
    assert response.status_code == 400
    assert response.json()["ok"] is False


async def test_update_firmware_title_and_description(world: World, raw: httpx.AsyncClient) -> None:
    world.cloud.add_firmware(PRODUCT_ID, 4, b"x", title="Old", description="old")
    renamed = await raw.put(firmware_path("/4"), headers=bearer(world.token), json={"title": "New"})
    described = await raw.put(
        firmware_path("/4"), headers=bearer(world.token), json={"description": "new"}
    )
    refused = await raw.put(firmware_path("/4"), headers=bearer(world.token), json={"title": ""})
    missing = await raw.put(firmware_path("/5"), headers=bearer(world.token), json={"title": "X"})
    assert renamed.status_code == 200
    assert (renamed.json()["title"], renamed.json()["description"]) == ("New", "old")
    assert (described.json()["title"], described.json()["description"]) == ("New", "new")
    assert refused.status_code == 400
    assert refused.json() == {"ok": False, "error": "title must be a non-empty string"}
    assert missing.status_code == 404
    assert world.fleet.product.firmware[4].title == "New"


async def test_release_firmware_as_product_default(world: World, raw: httpx.AsyncClient) -> None:
    world.cloud.add_firmware(PRODUCT_ID, 1, b"1", current=True)
    world.cloud.add_firmware(PRODUCT_ID, 2, b"2")
    released = await raw.put(
        firmware_path("/release"),
        headers=bearer(world.token),
        json={"version": 2, "product_default": True, "intelligent": True},
    )
    to_groups = await raw.put(
        firmware_path("/release"),
        headers=bearer(world.token),
        json={"version": "1", "groups": ["north", "blue"]},
    )
    assert released.status_code == 200
    assert released.json() == {"ok": True}
    assert to_groups.json() == {"ok": True}
    listed = await raw.get(firmware_path(), headers=bearer(world.token))
    assert [(f["version"], f["current"]) for f in listed.json()] == [(2, True), (1, False)]
    releases = world.fleet.product.releases
    assert [(r.version, r.product_default, r.groups, r.intelligent) for r in releases] == [
        (2, True, (), True),
        (1, None, ("north", "blue"), None),
    ]
    assert releases[0].username == world.cloud.username


async def test_release_firmware_errors(world: World, raw: httpx.AsyncClient) -> None:
    world.cloud.add_firmware(PRODUCT_ID, 2, b"2", current=True)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({}, 400, "version is required"),
        ({"version": "two"}, 400, "version must be an integer"),
        ({"version": 2, "groups": "north"}, 400, "groups must be a list of group names"),
        ({"version": 2, "product_default": "yes"}, 400, "product_default must be a boolean"),
        ({"version": 9, "product_default": True}, 404, "Firmware version 9 not found"),
    ]
    for body, status, error in cases:
        response = await raw.put(firmware_path("/release"), headers=bearer(world.token), json=body)
        assert response.status_code == status, body
        assert response.json() == {"ok": False, "error": error}
    assert world.fleet.product.releases == []
    assert world.fleet.product.firmware[2].current is True


def test_add_firmware_refuses_duplicates_and_unknown_products(cloud: LocalCloud) -> None:
    product = cloud.add_product(1)
    cloud.add_firmware(product, 1, b"x")
    with pytest.raises(ValueError, match="already has firmware version 1"):
        cloud.add_firmware(product, 1, b"y")
    with pytest.raises(KeyError, match="no product"):
        cloud.add_firmware("nope", 1, b"y")


# ---------------------------------------------------------------------- product team


def team_path(suffix: str = "") -> str:
    return f"/v1/products/{PRODUCT_ID}/team{suffix}"


async def test_team_list_invite_and_remove(world: World, raw: httpx.AsyncClient) -> None:
    listed = await raw.get(team_path(), headers=bearer(world.token))
    before = await raw.get(f"/v1/products/{PRODUCT_ID}", headers=bearer(world.fleet.other_token))
    invited = await raw.post(
        team_path(), headers=bearer(world.token), json={"username": OTHER_USER}
    )
    after = await raw.get(f"/v1/products/{PRODUCT_ID}", headers=bearer(world.fleet.other_token))
    again = await raw.post(team_path(), headers=bearer(world.token), json={"username": OTHER_USER})
    plus = await raw.post(
        team_path(), headers=bearer(world.token), json={"username": "api+bot@example.com"}
    )
    listed_after = await raw.get(team_path(), headers=bearer(world.token))
    removed = await raw.delete(team_path("/api%2Bbot%40example.com"), headers=bearer(world.token))
    removed_again = await raw.delete(
        team_path("/api%2Bbot%40example.com"), headers=bearer(world.token)
    )

    assert listed.status_code == 200
    body = listed.json()
    assert body.keys() == {"ok", "team"} and body["ok"] is True
    (owner,) = body["team"]
    assert owner.keys() == {"_id", "username", "role"}
    assert owner["username"] == world.cloud.username
    assert len(owner["_id"]) == 24
    assert owner["role"]["name"] == "Administrator"  # who created the product
    assert before.status_code == 403
    assert invited.json() == {"ok": True, "invited": {"username": OTHER_USER}}
    assert after.status_code == 200
    assert again.status_code == 400
    assert again.json() == {"ok": False, "error": f"{OTHER_USER} is already a team member"}
    assert plus.json() == {"ok": True, "invited": {"username": "api+bot@example.com"}}
    team_after = listed_after.json()["team"]
    assert [m["username"] for m in team_after] == sorted(
        ["api+bot@example.com", world.cloud.username, OTHER_USER]
    )
    assert [m["role"]["name"] for m in team_after] == ["Developer", "Administrator", "Developer"]
    assert removed.status_code == 200
    assert removed.json() == {"ok": True}
    assert removed_again.status_code == 404
    assert removed_again.json() == {"ok": False, "error": "Team member not found"}
    assert world.fleet.product.members == {world.cloud.username, OTHER_USER}


async def test_team_invite_needs_a_username(world: World, raw: httpx.AsyncClient) -> None:
    response = await raw.post(team_path(), headers=bearer(world.token), json={"username": " "})
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "username is required"}


# ---------------------------------------------------------------------- SIM cards


ICCID_1, ICCID_2, ICCID_3 = "89014103270000000001", "89014103270000000002", "89014103270000000003"
MY_ICCID, THEIR_ICCID, FREE_ICCID = (
    "8934000000000000111",
    "8934000000000000222",
    "8934000000000000333",
)


@pytest.fixture
def sims(world: World) -> World:
    """Three product SIMs in unit-1..3, one SIM of the default user (in `boat`), one of
    OTHER_USER, one released SIM, and one SIM of the foreign product."""
    cloud, units = world.cloud, world.fleet.units
    cloud.add_sim(
        ICCID_1,
        device=units[0],
        mb_limit=10,
        usage=[("2025-03-01", 1.5), (date(2025, 3, 2), 0.25), ("2025-03-03", 2.0)],
    )
    cloud.add_sim(ICCID_2, device=units[1].id, usage=[("2025-03-02", 1.0)])
    cloud.add_sim(ICCID_3, product=PRODUCT_ID, status="inactive", carrier="Twilio")
    cloud.add_sim(MY_ICCID, device=world.fleet.boat, usage=[("2025-03-05", 3.125)], mb_limit=20)
    cloud.add_sim(THEIR_ICCID, owner=OTHER_USER)
    cloud.add_sim(FREE_ICCID, owner=None)
    cloud.add_sim("8901", product=world.foreign)
    return world


def test_add_sim_links_device_product_and_owner(sims: World) -> None:
    sim_1, mine, free = (sims.cloud.sims[i] for i in (ICCID_1, MY_ICCID, FREE_ICCID))
    assert (sim_1.product_id, sim_1.owner, sim_1.device_id) == (
        PRODUCT_ID,
        None,
        sims.fleet.units[0].id,
    )
    assert sims.fleet.units[0].iccid == ICCID_1
    assert (mine.product_id, mine.owner) == (None, sims.cloud.username)
    assert sims.fleet.boat.iccid == MY_ICCID
    assert (free.product_id, free.owner) == (None, None)
    assert sim_1.usage_by_day[1] == (date(2025, 3, 2), 0.25)
    assert sims.cloud.sims[ICCID_3].activated_on is None
    with pytest.raises(ValueError, match="already exists"):
        sims.cloud.add_sim(ICCID_1)
    with pytest.raises(KeyError, match="no device"):
        sims.cloud.add_sim("1", device="0" * 24)


async def test_user_sims_are_a_bare_array_of_the_users_own(
    sims: World, raw: httpx.AsyncClient
) -> None:
    mine = await raw.get("/v1/sims", headers=bearer(sims.token), params={"iccid": "nothing"})
    theirs = await raw.get("/v1/sims", headers=bearer(sims.fleet.other_token))
    assert mine.status_code == 200
    body = mine.json()
    assert isinstance(body, list)
    assert len(body) == 1
    assert iso_z(body[0].pop("activated_on")) <= datetime.now(timezone.utc)
    assert body == [
        {
            "iccid": MY_ICCID,
            "status": "active",
            "base_country_code": "US",
            "last_status_change_action": "activate",
            "device_id": sims.fleet.boat.id,
            "device_name": "boat",
            "carrier": "Particle",
            "product_id": None,
            "mb_limit": 20,
        }
    ]
    assert [s["iccid"] for s in theirs.json()] == [THEIR_ICCID]


async def test_product_sims_paginate_with_meta(sims: World, raw: httpx.AsyncClient) -> None:
    path = f"/v1/products/{PRODUCT_SLUG}/sims"
    everything = await raw.get(path, headers=bearer(sims.token))
    first = await raw.get(path, headers=bearer(sims.token), params={"per_page": 2})
    second = await raw.get(path, headers=bearer(sims.token), params={"per_page": 2, "page": 2})
    beyond = await raw.get(path, headers=bearer(sims.token), params={"per_page": 2, "page": 3})
    bad = await raw.get(path, headers=bearer(sims.token), params={"page": "x"})

    assert everything.json()["meta"] == {"page": 1, "per_page": 25, "total_pages": 1, "total": 3}
    assert [s["iccid"] for s in everything.json()["sims"]] == [ICCID_1, ICCID_2, ICCID_3]
    inactive = everything.json()["sims"][2]
    assert inactive["status"] == "inactive"
    assert inactive["activated_on"] is None
    assert inactive["carrier"] == "Twilio"
    assert inactive["device_id"] is None
    assert inactive["device_name"] is None
    assert inactive["product_id"] == PRODUCT_ID
    assert first.json()["meta"] == {"page": 1, "per_page": 2, "total_pages": 2, "total": 3}
    assert [s["iccid"] for s in first.json()["sims"]] == [ICCID_1, ICCID_2]
    assert second.json()["meta"] == {"page": 2, "per_page": 2, "total_pages": 2, "total": 3}
    assert [s["iccid"] for s in second.json()["sims"]] == [ICCID_3]
    assert beyond.json() == {
        "sims": [],
        "meta": {"page": 3, "per_page": 2, "total_pages": 2, "total": 3},
    }
    assert bad.status_code == 400
    assert bad.json() == {"ok": False, "error": "page and per_page must be integers"}


async def test_product_sims_filters(sims: World, raw: httpx.AsyncClient) -> None:
    unit = sims.fleet.units[1]
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({"iccid": "0000000002"}, [ICCID_2]),
        ({"iccid": "8901410327"}, [ICCID_1, ICCID_2, ICCID_3]),
        ({"deviceName": "unit-1"}, [ICCID_1]),
        ({"deviceName": "unit"}, [ICCID_1, ICCID_2]),
        ({"deviceName": "unit-4"}, []),
        ({"deviceId": unit.id[:8].upper()}, [ICCID_2]),
        ({"deviceName": "unit", "iccid": "0001"}, [ICCID_1]),
    ]
    for query, expected in cases:
        response = await raw.get(
            f"/v1/products/{PRODUCT_ID}/sims", headers=bearer(sims.token), params=query
        )
        assert [s["iccid"] for s in response.json()["sims"]] == expected, query
        assert response.json()["meta"]["total"] == len(expected), query


async def test_sim_data_usage_in_both_scopes(sims: World, raw: httpx.AsyncClient) -> None:
    product = await raw.get(
        f"/v1/products/{PRODUCT_ID}/sims/{ICCID_1}/data_usage", headers=bearer(sims.token)
    )
    user = await raw.get(f"/v1/sims/{MY_ICCID}/data_usage", headers=bearer(sims.token))
    empty = await raw.get(
        f"/v1/products/{PRODUCT_ID}/sims/{ICCID_3}/data_usage", headers=bearer(sims.token)
    )
    assert product.status_code == 200
    assert product.json() == {
        "iccid": ICCID_1,
        "usage_by_day": [
            {"date": "2025-03-01", "mbs_used": 1.5, "mbs_used_cumulative": 1.5},
            {"date": "2025-03-02", "mbs_used": 0.25, "mbs_used_cumulative": 1.75},
            {"date": "2025-03-03", "mbs_used": 2.0, "mbs_used_cumulative": 3.75},
        ],
        "quota": 10,
        "used": 3.75,
    }
    assert user.json() == {
        "iccid": MY_ICCID,
        "usage_by_day": [{"date": "2025-03-05", "mbs_used": 3.125, "mbs_used_cumulative": 3.125}],
        "quota": 20,
        "used": 3.125,
    }
    assert empty.json() == {"iccid": ICCID_3, "usage_by_day": [], "used": 0}


async def test_sim_data_usage_errors(sims: World, raw: httpx.AsyncClient) -> None:
    cases = [
        (f"/v1/sims/{THEIR_ICCID}/data_usage", 403, "Permission Denied"),
        (f"/v1/sims/{ICCID_1}/data_usage", 403, "Permission Denied"),  # a product's SIM
        (f"/v1/sims/{FREE_ICCID}/data_usage", 403, "Permission Denied"),  # a released SIM
        ("/v1/sims/123/data_usage", 404, "SIM not found"),
        (f"/v1/products/{PRODUCT_ID}/sims/{MY_ICCID}/data_usage", 404, "SIM not found"),
        (f"/v1/products/{PRODUCT_ID}/sims/8901/data_usage", 404, "SIM not found"),
    ]
    for path, status, error in cases:
        response = await raw.get(path, headers=bearer(sims.token))
        assert response.status_code == status, path
        assert response.json() == {"ok": False, "error": error}, path


async def test_fleet_data_usage(sims: World, raw: httpx.AsyncClient) -> None:
    response = await raw.get(
        f"/v1/products/{PRODUCT_SLUG}/sims/data_usage", headers=bearer(sims.token)
    )
    assert response.status_code == 200
    assert response.json() == {
        "total_mbs_used": 4.75,
        "total_active_sim_cards": 2,
        "usage_by_day": [
            {"date": "2025-03-01", "mbs_used": 1.5, "mbs_used_cumulative": 1.5},
            {"date": "2025-03-02", "mbs_used": 1.25, "mbs_used_cumulative": 2.75},
            {"date": "2025-03-03", "mbs_used": 2.0, "mbs_used_cumulative": 4.75},
        ],
    }


async def test_head_sim_check(sims: World, raw: httpx.AsyncClient) -> None:
    cases = [
        (MY_ICCID, 200),
        (FREE_ICCID, 200),  # released: may be activated
        (THEIR_ICCID, 403),
        (ICCID_1, 403),  # a product's
        ("123", 404),
    ]
    for iccid, status in cases:
        response = await raw.head(f"/v1/sims/{iccid}", headers=bearer(sims.token))
        assert response.status_code == status, iccid
        assert response.content == b"", iccid


async def test_update_sim_actions_and_limits(sims: World, raw: httpx.AsyncClient) -> None:
    sim = sims.cloud.sims[MY_ICCID]
    path = f"/v1/sims/{MY_ICCID}"

    deactivated = await raw.put(path, headers=bearer(sims.token), json={"action": "deactivate"})
    assert deactivated.json() == {"ok": True}
    assert (sim.status, sim.last_status_change_action) == ("inactive", "deactivate")

    reactivated = await raw.put(
        path, headers=bearer(sims.token), json={"action": "reactivate", "mb_limit": 50}
    )
    assert reactivated.json() == {"ok": True}
    assert (sim.status, sim.last_status_change_action, sim.mb_limit) == (
        "active",
        "reactivate",
        50,
    )

    limited = await raw.put(path, headers=bearer(sims.token), json={"mb_limit": 75})
    assert limited.json() == {"ok": True}
    assert (sim.status, sim.mb_limit) == ("active", 75)

    activated = await raw.put(
        path,
        headers=bearer(sims.token),
        json={"action": "activate", "country": "DE", "promoCode": "FREE"},
    )
    assert activated.json() == {"ok": True}
    assert (sim.status, sim.base_country_code, sim.last_status_change_action) == (
        "active",
        "DE",
        "activate",
    )
    listed = await raw.get("/v1/sims", headers=bearer(sims.token))
    assert listed.json()[0]["mb_limit"] == 75
    assert listed.json()[0]["base_country_code"] == "DE"


async def test_update_product_sim(sims: World, raw: httpx.AsyncClient) -> None:
    response = await raw.put(
        f"/v1/products/{PRODUCT_ID}/sims/{ICCID_3}",
        headers=bearer(sims.token),
        json={"action": "activate", "country": "FR"},
    )
    assert response.json() == {"ok": True}
    sim = sims.cloud.sims[ICCID_3]
    assert (sim.status, sim.base_country_code, sim.owner) == ("active", "FR", None)
    assert sim.activated_on is not None


async def test_update_sim_errors(sims: World, raw: httpx.AsyncClient) -> None:
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        (f"/v1/sims/{MY_ICCID}", {"action": "explode"}, 400, "Unknown action: explode"),
        (f"/v1/sims/{MY_ICCID}", {}, 400, "action or mb_limit is required"),
        (f"/v1/sims/{MY_ICCID}", {"mb_limit": 0}, 400, "mb_limit must be a positive integer"),
        (f"/v1/sims/{MY_ICCID}", {"mb_limit": "lots"}, 400, "mb_limit must be a positive integer"),
        (f"/v1/sims/{THEIR_ICCID}", {"action": "deactivate"}, 403, "Permission Denied"),
        (f"/v1/sims/{THEIR_ICCID}", {"action": "activate"}, 403, "Permission Denied"),
        (f"/v1/sims/{FREE_ICCID}", {"action": "deactivate"}, 403, "Permission Denied"),
        ("/v1/sims/123", {"action": "activate"}, 404, "SIM not found"),
        (f"/v1/products/{PRODUCT_ID}/sims/{MY_ICCID}", {"mb_limit": 5}, 404, "SIM not found"),
    ]
    before = {iccid: (s.status, s.mb_limit, s.owner) for iccid, s in sims.cloud.sims.items()}
    for path, body, status, error in cases:
        response = await raw.put(path, headers=bearer(sims.token), json=body)
        assert response.status_code == status, (path, body)
        assert response.json() == {"ok": False, "error": error}, (path, body)
    after = {iccid: (s.status, s.mb_limit, s.owner) for iccid, s in sims.cloud.sims.items()}
    assert after == before


async def test_activating_a_released_sim_claims_it(sims: World, raw: httpx.AsyncClient) -> None:
    response = await raw.put(
        f"/v1/sims/{FREE_ICCID}", headers=bearer(sims.token), json={"action": "activate"}
    )
    listed = await raw.get("/v1/sims", headers=bearer(sims.token))
    theirs = await raw.head(f"/v1/sims/{FREE_ICCID}", headers=bearer(sims.fleet.other_token))
    assert response.json() == {"ok": True}
    assert sorted(s["iccid"] for s in listed.json()) == sorted([MY_ICCID, FREE_ICCID])
    assert theirs.status_code == 403


async def test_remove_sims_releases_them(sims: World, raw: httpx.AsyncClient) -> None:
    mine = await raw.delete(f"/v1/sims/{MY_ICCID}", headers=bearer(sims.token))
    product = await raw.delete(
        f"/v1/products/{PRODUCT_ID}/sims/{ICCID_2}", headers=bearer(sims.token)
    )
    foreign = await raw.delete(f"/v1/sims/{THEIR_ICCID}", headers=bearer(sims.token))
    unknown = await raw.delete(f"/v1/products/{PRODUCT_ID}/sims/123", headers=bearer(sims.token))
    assert mine.json() == product.json() == {"ok": True}
    assert foreign.status_code == 403
    assert unknown.status_code == 404
    assert (await raw.get("/v1/sims", headers=bearer(sims.token))).json() == []
    listed = await raw.get(f"/v1/products/{PRODUCT_ID}/sims", headers=bearer(sims.token))
    assert [s["iccid"] for s in listed.json()["sims"]] == [ICCID_1, ICCID_3]
    # released: anyone may check it and activate it again
    check = await raw.head(f"/v1/sims/{ICCID_2}", headers=bearer(sims.fleet.other_token))
    assert check.status_code == 200
    released = sims.cloud.sims[MY_ICCID]
    assert (released.owner, released.product_id, released.status) == (None, None, "inactive")


async def test_import_sims_into_a_product(sims: World, raw: httpx.AsyncClient) -> None:
    response = await raw.post(
        f"/v1/products/{PRODUCT_ID}/sims",
        headers=bearer(sims.token),
        json={"sims": ["8955000000000000001", FREE_ICCID, MY_ICCID], "country": "GB"},
    )
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    listed = await raw.get(
        f"/v1/products/{PRODUCT_ID}/sims", headers=bearer(sims.token), params={"per_page": 100}
    )
    by_iccid = {s["iccid"]: s for s in listed.json()["sims"]}
    assert set(by_iccid) == {ICCID_1, ICCID_2, ICCID_3, "8955000000000000001", FREE_ICCID, MY_ICCID}
    for iccid in ("8955000000000000001", FREE_ICCID, MY_ICCID):
        assert by_iccid[iccid]["status"] == "active"
        assert by_iccid[iccid]["base_country_code"] == "GB"
        assert by_iccid[iccid]["product_id"] == PRODUCT_ID
    assert (await raw.get("/v1/sims", headers=bearer(sims.token))).json() == []


async def test_import_sims_errors_change_nothing(sims: World, raw: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"sims": [], "country": "US"}, "sims must be a non-empty list of ICCIDs"),
        ({"sims": "8955", "country": "US"}, "sims must be a non-empty list of ICCIDs"),
        ({"sims": ["8955", ""]}, "sims must be a non-empty list of ICCIDs"),
        ({"sims": ["8955"], "country": 1}, "country must be a country code"),
        ({"sims": ["8955", THEIR_ICCID]}, f"SIM {THEIR_ICCID} belongs to another account"),
        ({"sims": ["8955", "8901"]}, "SIM 8901 belongs to another product"),
    ]
    for body, error in cases:
        response = await raw.post(
            f"/v1/products/{PRODUCT_ID}/sims", headers=bearer(sims.token), json=body
        )
        assert response.status_code == 400, body
        assert response.json() == {"ok": False, "error": error}, body
    assert "8955" not in sims.cloud.sims
    assert sims.cloud.sims[THEIR_ICCID].owner == OTHER_USER
    assert sims.cloud.sims["8901"].product_id == FOREIGN_PRODUCT


# ---------------------------------------------------------------------- firmware libraries


@pytest.fixture
def libraries(world: World) -> World:
    cloud = world.cloud
    cloud.add_library("neopixel", "1.0.2", installs=500, category="Display", verified=True)
    cloud.add_library("neopixel", "1.0.10", category="Display", author="Adafruit")
    cloud.add_library(
        "OneWire", "2.0.4", installs=900, official=True, architectures=["particle-argon"]
    )
    cloud.add_library("Adafruit_DHT", "0.0.4", installs=100, category="Sensors", featured=True)
    cloud.add_library(
        "secret-sauce", "0.1.0", visibility="private", owner=cloud.username, installs=1
    )
    cloud.add_library("their-lib", "3.0.0", visibility="private", owner=OTHER_USER)
    return world


def lib_names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def test_list_libraries_latest_version_per_library(
    libraries: World, raw: httpx.AsyncClient
) -> None:
    response = await raw.get("/v1/libraries", headers=bearer(libraries.token))
    assert lib_names(response) == ["Adafruit_DHT", "neopixel", "OneWire", "secret-sauce"]
    neopixel = response.json()["data"][1]
    base = libraries.cloud.url
    assert neopixel == {
        "id": "neopixel",
        "type": "libraries",
        "attributes": {
            "name": "neopixel",
            "version": "1.0.10",
            "author": "Adafruit",
            "sentence": "The neopixel library",
            "paragraph": "",
            "url": "https://github.com/example/neopixel",
            "repository": "example/neopixel",
            "architectures": ["*"],
            "license": "MIT",
            "category": "Display",
            "visibility": "public",
            "mine": False,
            "official": False,
            "verified": True,
            "featured": False,
            "installs": 500,
        },
        "links": {"download": f"{base}/v1/libraries/neopixel/archive/1.0.10.tar.gz"},
    }
    secret = response.json()["data"][3]["attributes"]
    assert (secret["visibility"], secret["mine"]) == ("private", True)


async def test_list_libraries_pages(libraries: World, raw: httpx.AsyncClient) -> None:
    headers = bearer(libraries.token)
    first = await raw.get("/v1/libraries", headers=headers, params={"limit": 3})
    second = await raw.get("/v1/libraries", headers=headers, params={"limit": 3, "page": 2})
    third = await raw.get("/v1/libraries", headers=headers, params={"limit": 3, "page": 3})
    bad = await raw.get("/v1/libraries", headers=headers, params={"limit": "many"})
    assert lib_names(first) == ["Adafruit_DHT", "neopixel", "OneWire"]
    assert lib_names(second) == ["secret-sauce"]
    assert lib_names(third) == []
    assert bad.status_code == 400
    assert bad.json() == {"errors": [{"message": "page and limit must be integers"}]}


async def test_list_libraries_query(libraries: World, raw: httpx.AsyncClient) -> None:
    everything = ["Adafruit_DHT", "neopixel", "OneWire", "secret-sauce"]
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({"filter": "PIX"}, ["neopixel"]),
        ({"filter": "a"}, ["Adafruit_DHT", "secret-sauce"]),
        ({"sort": "-name"}, ["secret-sauce", "OneWire", "neopixel", "Adafruit_DHT"]),
        ({"sort": "popularity"}, ["OneWire", "neopixel", "Adafruit_DHT", "secret-sauce"]),
        ({"sort": "-popularity"}, ["secret-sauce", "Adafruit_DHT", "neopixel", "OneWire"]),
        ({"architectures": "particle-argon"}, everything),
        (
            {"architectures": "particle-boron,particle-p2"},
            ["Adafruit_DHT", "neopixel", "secret-sauce"],
        ),
        ({"category": "display"}, ["neopixel"]),
        ({"scope": "all"}, everything),
        ({"scope": "public"}, ["Adafruit_DHT", "neopixel", "OneWire"]),
        ({"scope": "private"}, ["secret-sauce"]),
        ({"scope": "mine"}, ["secret-sauce"]),
        ({"scope": "official"}, ["OneWire"]),
        ({"scope": "verified"}, ["neopixel"]),
        ({"scope": "featured"}, ["Adafruit_DHT"]),
        ({"excludeScopes": "mine,official"}, ["Adafruit_DHT", "neopixel"]),
        ({"scope": "public", "excludeScopes": "verified", "filter": "d"}, ["Adafruit_DHT"]),
        ({"sort": "popularity", "limit": "2", "page": "2"}, ["Adafruit_DHT", "secret-sauce"]),
    ]
    for query, expected in cases:
        response = await raw.get("/v1/libraries", headers=bearer(libraries.token), params=query)
        assert lib_names(response) == expected, query


async def test_list_libraries_rejects_unknown_options(
    libraries: World, raw: httpx.AsyncClient
) -> None:
    cases = [
        ({"scope": "everything"}, "Unknown scope: everything"),
        ({"excludeScopes": "public,nope"}, "Unknown scope: nope"),
        ({"sort": "date"}, "Unknown sort: date"),
    ]
    for query, message in cases:
        response = await raw.get("/v1/libraries", headers=bearer(libraries.token), params=query)
        assert response.status_code == 400, query
        assert response.json() == {"errors": [{"message": message}]}, query


async def test_other_users_see_only_public_libraries(
    libraries: World, raw: httpx.AsyncClient
) -> None:
    theirs = await raw.get("/v1/libraries", headers=bearer(libraries.fleet.other_token))
    assert lib_names(theirs) == ["Adafruit_DHT", "neopixel", "OneWire", "their-lib"]
    hidden = await raw.get(
        "/v1/libraries/secret-sauce", headers=bearer(libraries.fleet.other_token)
    )
    assert hidden.status_code == 404
    assert hidden.json() == {"errors": [{"message": "Library secret-sauce not found"}]}


async def test_get_library_latest_or_one_version(libraries: World, raw: httpx.AsyncClient) -> None:
    headers = bearer(libraries.token)
    latest = await raw.get("/v1/libraries/neopixel", headers=headers)
    older = await raw.get("/v1/libraries/neopixel", headers=headers, params={"version": "1.0.2"})
    folded = await raw.get("/v1/libraries/onewire", headers=headers)
    missing_version = await raw.get(
        "/v1/libraries/neopixel", headers=headers, params={"version": "9.9.9"}
    )
    missing = await raw.get("/v1/libraries/nope", headers=headers)
    assert latest.status_code == 200
    assert latest.json()["data"]["attributes"]["version"] == "1.0.10"
    assert older.json()["data"]["attributes"]["version"] == "1.0.2"
    assert older.json()["data"]["links"]["download"].endswith("/neopixel/archive/1.0.2.tar.gz")
    assert folded.json()["data"]["id"] == "OneWire"
    assert missing_version.status_code == 404
    assert missing_version.json() == {
        "errors": [{"message": "Version 9.9.9 of library neopixel not found"}]
    }
    assert missing.status_code == 404
    assert missing.json() == {"errors": [{"message": "Library nope not found"}]}


async def test_library_versions_newest_first(libraries: World, raw: httpx.AsyncClient) -> None:
    libraries.cloud.add_library("neopixel", "1.0.9")
    headers = bearer(libraries.token)
    everything = await raw.get("/v1/libraries/neopixel/versions", headers=headers)
    paged = await raw.get(
        "/v1/libraries/neopixel/versions", headers=headers, params={"limit": 2, "page": 2}
    )
    missing = await raw.get("/v1/libraries/nope/versions", headers=headers)
    versions = [item["attributes"]["version"] for item in everything.json()["data"]]
    assert versions == ["1.0.10", "1.0.9", "1.0.2"]
    assert {item["id"] for item in everything.json()["data"]} == {"neopixel"}
    assert [item["attributes"]["version"] for item in paged.json()["data"]] == ["1.0.2"]
    assert missing.status_code == 404
    assert missing.json() == {"errors": [{"message": "Library nope not found"}]}


async def test_library_archive_needs_no_token_and_records_auth(
    libraries: World, raw: httpx.AsyncClient
) -> None:
    listed = await raw.get("/v1/libraries/neopixel", headers=bearer(libraries.token))
    download = listed.json()["data"]["links"]["download"]
    assert download.startswith(libraries.cloud.url)
    anonymous = await raw.get(download)
    with_token = await raw.get(download, headers=bearer(libraries.token))
    unknown = await raw.get("/v1/libraries/neopixel/archive/7.7.7.tar.gz")
    assert anonymous.status_code == 200
    assert anonymous.headers["content-type"] == "application/gzip"
    assert anonymous.content == libraries.cloud.libraries["neopixel"].versions["1.0.10"].archive
    with tarfile.open(fileobj=io.BytesIO(anonymous.content), mode="r:gz") as archive:
        properties = archive.extractfile("library.properties")
        assert properties is not None
        text = properties.read().decode()
    assert "name=neopixel\nversion=1.0.10\n" in text
    assert with_token.content == anonymous.content
    assert unknown.status_code == 404
    assert unknown.json() == {
        "errors": [{"message": "Version 7.7.7 of library neopixel not found"}]
    }
    assert libraries.cloud.archive_requests == [
        ("/v1/libraries/neopixel/archive/1.0.10.tar.gz", None),
        ("/v1/libraries/neopixel/archive/1.0.10.tar.gz", f"Bearer {libraries.token}"),
        ("/v1/libraries/neopixel/archive/7.7.7.tar.gz", None),
    ]


async def test_contribute_a_library(libraries: World, raw: httpx.AsyncClient) -> None:
    archive = make_library_archive(
        "sensor-kit",
        "0.2.0",
        properties={
            "author": "Me <me@example.com>",
            "sentence": "Sensors",
            "architectures": "particle-boron, particle-argon",
            "dependencies.neopixel": "1.0.10",
        },
    )
    response = await raw.post(
        "/v1/libraries",
        headers=bearer(libraries.token),
        files={"file": ("archive.tar.gz", archive, "application/gzip")},
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["id"] == "sensor-kit"
    assert data["type"] == "libraries"
    assert data["attributes"] == {
        "name": "sensor-kit",
        "version": "0.2.0",
        "author": "Me <me@example.com>",
        "sentence": "Sensors",
        "architectures": ["particle-boron", "particle-argon"],
        "dependencies": {"neopixel": "1.0.10"},
        "visibility": "private",
        "mine": True,
        "official": False,
        "verified": False,
        "featured": False,
        "installs": 0,
    }
    assert data["links"]["download"] == (
        f"{libraries.cloud.url}/v1/libraries/sensor-kit/archive/0.2.0.tar.gz"
    )
    library = libraries.cloud.libraries["sensor-kit"]
    assert library.owner == libraries.cloud.username
    assert library.versions["0.2.0"].archive == archive
    mine = await raw.get("/v1/libraries", headers=bearer(libraries.token), params={"scope": "mine"})
    theirs = await raw.get("/v1/libraries/sensor-kit", headers=bearer(libraries.fleet.other_token))
    assert lib_names(mine) == ["secret-sauce", "sensor-kit"]
    assert theirs.status_code == 404


async def test_contribute_finds_properties_in_a_folder(
    libraries: World, raw: httpx.AsyncClient
) -> None:
    archive = tar_gz(
        {
            "lib/README.md": b"# lib",
            "lib/library.properties": b"# comment\nname=foldered\nversion=1.2.3\nlicense=BSD\n",
        }
    )
    response = await raw.post(
        "/v1/libraries",
        headers=bearer(libraries.token),
        files={"file": ("archive.tar.gz", archive)},
    )
    attributes = response.json()["data"]["attributes"]
    assert (attributes["name"], attributes["version"], attributes["license"]) == (
        "foldered",
        "1.2.3",
        "BSD",
    )
    assert attributes["architectures"] == ["*"]


async def test_contribute_errors(libraries: World, raw: httpx.AsyncClient) -> None:
    cases: list[tuple[str, bytes, int, str]] = [
        ("file", b"not a tarball", 400, "the archive is not a readable .tar.gz: "),
        (
            "file",
            tar_gz({"README.md": b"hi"}),
            400,
            "library.properties is missing from the archive",
        ),
        (
            "file",
            tar_gz({"library.properties": b"version=1.0.0\n"}),
            400,
            "library.properties has an invalid name: ''",
        ),
        (
            "file",
            make_library_archive("x", "one"),
            400,
            "library.properties has an invalid version: 'one'",
        ),
        (
            "file",
            make_library_archive("neopixel", "1.0.2"),
            403,
            "The library neopixel belongs to someone else",
        ),
        (
            "file",
            make_library_archive("secret-sauce", "0.1.0"),
            400,
            "Version 0.1.0 of secret-sauce already exists",
        ),
        (
            "archive",
            make_library_archive("x", "1.0.0"),
            400,
            "A library archive is required in the file part",
        ),
    ]
    before = {name: sorted(lib.versions) for name, lib in libraries.cloud.libraries.items()}
    for part, archive, status, message in cases:
        response = await raw.post(
            "/v1/libraries",
            headers=bearer(libraries.token),
            files={part: ("archive.tar.gz", archive)},
        )
        assert response.status_code == status, message
        (error,) = response.json()["errors"]
        assert error["message"].startswith(message)
    after = {name: sorted(lib.versions) for name, lib in libraries.cloud.libraries.items()}
    assert after == before


async def test_contribute_must_be_multipart(libraries: World, raw: httpx.AsyncClient) -> None:
    response = await raw.post("/v1/libraries", headers=bearer(libraries.token), json={"name": "x"})
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "Upload the library as multipart/form-data"}]}


async def test_publish_a_library(libraries: World, raw: httpx.AsyncClient) -> None:
    headers = bearer(libraries.token)
    published = await raw.patch(
        "/v1/libraries/secret-sauce", headers=headers, json={"visibility": "public"}
    )
    assert published.status_code == 200
    attributes = published.json()["data"]["attributes"]
    assert (attributes["version"], attributes["visibility"], attributes["mine"]) == (
        "0.1.0",
        "public",
        True,
    )
    theirs = await raw.get(
        "/v1/libraries/secret-sauce", headers=bearer(libraries.fleet.other_token)
    )
    assert theirs.status_code == 200
    assert theirs.json()["data"]["attributes"]["mine"] is False


async def test_publish_errors(libraries: World, raw: httpx.AsyncClient) -> None:
    cases: list[tuple[str, dict[str, str], int, str]] = [
        ("secret-sauce", {"visibility": "private"}, 400, "visibility must be 'public'"),
        ("secret-sauce", {}, 400, "visibility must be 'public'"),
        ("neopixel", {"visibility": "public"}, 403, "The library neopixel belongs to someone else"),
        ("their-lib", {"visibility": "public"}, 404, "Library their-lib not found"),
        ("nope", {"visibility": "public"}, 404, "Library nope not found"),
    ]
    for name, body, status, message in cases:
        response = await raw.patch(
            f"/v1/libraries/{name}", headers=bearer(libraries.token), json=body
        )
        assert response.status_code == status, (name, body)
        assert response.json() == {"errors": [{"message": message}]}, (name, body)
    assert libraries.cloud.libraries["secret-sauce"].versions["0.1.0"].visibility == "private"


async def test_delete_libraries(libraries: World, raw: httpx.AsyncClient) -> None:
    cloud, headers = libraries.cloud, bearer(libraries.token)
    cloud.add_library("my-public", "1.0.0", owner=cloud.username)
    private = await raw.request("DELETE", "/v1/libraries/secret-sauce", headers=headers, json={})
    unforced = await raw.request("DELETE", "/v1/libraries/my-public", headers=headers, json={})
    still_there = await raw.get("/v1/libraries/my-public", headers=headers)
    forced = await raw.request(
        "DELETE", "/v1/libraries/my-public", headers=headers, json={"force": "my-public"}
    )
    not_mine = await raw.request(
        "DELETE", "/v1/libraries/neopixel", headers=headers, json={"force": "x"}
    )
    gone = await raw.get("/v1/libraries/secret-sauce", headers=headers)
    assert private.status_code == 200
    assert private.json() == {"ok": True}
    assert unforced.status_code == 400
    assert unforced.json() == {"errors": [{"message": "Deleting a public library requires force"}]}
    assert still_there.status_code == 200
    assert forced.json() == {"ok": True}
    assert not_mine.status_code == 403
    assert not_mine.json() == {
        "errors": [{"message": "The library neopixel belongs to someone else"}]
    }
    assert gone.status_code == 404
    assert set(cloud.libraries) == {"neopixel", "OneWire", "Adafruit_DHT", "their-lib"}


def test_add_library_refuses_duplicate_versions(cloud: LocalCloud) -> None:
    library = cloud.add_library("x", "1.0.0", official=True)
    assert cloud.add_library("x", "1.1.0", official=False) is library
    assert library.official is True  # library-level settings come from the first call
    with pytest.raises(ValueError, match=r"already has version 1\.0\.0"):
        cloud.add_library("x", "1.0.0")


# ---------------------------------------------------------------------- cloud compiler


async def test_build_targets(cloud: LocalCloud, raw: httpx.AsyncClient) -> None:
    everything = await raw.get("/v1/build_targets", headers=bearer(cloud.token))
    featured = await raw.get(
        "/v1/build_targets", headers=bearer(cloud.token), params={"featured": "true"}
    )
    body = everything.json()
    assert everything.status_code == 200
    assert body["targets"] == [
        {
            "version": "6.3.0-rc.1",
            "platforms": [13, 26],
            "prereleases": [13, 26],
            "firmware_vendor": "Particle",
        },
        {
            "version": "5.9.0",
            "platforms": [12, 13, 26],
            "prereleases": [],
            "firmware_vendor": "Particle",
        },
        {
            "version": "5.8.0",
            "platforms": [12, 13, 26],
            "prereleases": [],
            "firmware_vendor": "Particle",
        },
        {
            "version": "4.2.0",
            "platforms": [12, 13],
            "prereleases": [],
            "firmware_vendor": "Particle",
        },
    ]
    assert body["platforms"]["boron"] == 13
    assert body["platforms"]["argon"] == 12
    assert body["platforms"]["tracker"] == 26
    assert body["default_versions"] == {"12": "5.9.0", "13": "5.9.0", "26": "5.9.0"}
    assert [t["version"] for t in featured.json()["targets"]] == ["5.9.0"]
    assert featured.json()["default_versions"] == body["default_versions"]


async def test_compile_records_parts_and_returns_a_binary(
    cloud: LocalCloud, raw: httpx.AsyncClient
) -> None:
    sources = [
        ("file", ("src/app.ino", b"void setup() {}\nvoid loop() {}\n")),
        ("file2", ("src/helper.h", b"#pragma once\n")),
        ("file3", ("project.properties", b"name=app\n")),
    ]
    response = await raw.post(
        "/v1/binaries",
        headers=bearer(cloud.token),
        files=sources,
        data={"platform_id": "13", "build_target_version": "5.9.0"},
    )
    assert response.status_code == 200
    body = response.json()
    binary_id = body["binary_id"]
    assert len(binary_id) == 24
    assert int(binary_id, 16) >= 0
    assert body["ok"] is True
    assert body["binary_url"] == f"/v1/binaries/{binary_id}"
    expires = iso_z(body["expires_at"]) - datetime.now(timezone.utc)
    assert timedelta(hours=23) < expires <= timedelta(days=1)
    assert body["sizeInfo"] == SIZE_INFO

    (compiled,) = cloud.compiles
    assert compiled.ok is True
    assert compiled.binary_id == binary_id
    assert compiled.part_names == ["file", "file2", "file3"]
    assert compiled.filenames == ["src/app.ino", "src/helper.h", "project.properties"]
    assert compiled.fields == {"platform_id": "13", "build_target_version": "5.9.0"}
    assert compiled.username == cloud.username
    assert compiled.files[1].data == b"#pragma once\n"

    binary = await raw.get(body["binary_url"], headers=bearer(cloud.token))
    assert binary.status_code == 200
    assert binary.headers["content-type"] == "application/octet-stream"
    assert binary.headers["content-length"] == "4096"
    digest = hashlib.sha256()
    for _, (filename, data) in sources:
        digest.update(filename.encode() + b"\0" + data + b"\0")
    assert binary.content.startswith(b"FAKEBIN" + digest.digest())
    assert len(binary.content) == 4096

    # the same sources compile to the same bytes; other sources to others
    again = await raw.post(
        "/v1/binaries", headers=bearer(cloud.token), files=sources, data={"latest": "true"}
    )
    other = await raw.post(
        "/v1/binaries", headers=bearer(cloud.token), files={"file": ("a.ino", b"// other")}
    )
    assert again.json()["binary_id"] != binary_id
    assert cloud.binaries[again.json()["binary_id"]] == binary.content
    assert cloud.binaries[other.json()["binary_id"]] != binary.content
    assert [c.fields for c in cloud.compiles] == [
        {"platform_id": "13", "build_target_version": "5.9.0"},
        {"latest": "true"},
        {},
    ]


async def test_compile_without_files(cloud: LocalCloud, raw: httpx.AsyncClient) -> None:
    multipart = await raw.post(
        "/v1/binaries",
        headers=bearer(cloud.token),
        files={"platform_id": (None, b"13")},
    )
    json_body = await raw.post("/v1/binaries", headers=bearer(cloud.token), json={"latest": True})
    assert multipart.status_code == json_body.status_code == 400
    assert multipart.json() == json_body.json() == {"ok": False, "error": "Nothing to compile"}
    assert [(c.ok, c.files, c.fields, c.binary_id) for c in cloud.compiles] == [
        (False, (), {"platform_id": "13"}, None),
        (False, (), {"latest": "True"}, None),
    ]
    assert cloud.binaries == {}


async def test_compile_errors_report_the_error_lines(
    cloud: LocalCloud, raw: httpx.AsyncClient
) -> None:
    response = await raw.post(
        "/v1/binaries",
        headers=bearer(cloud.token),
        files=[
            ("file", ("app.ino", b"#error boom\nvoid setup() {}\n")),
            ("file2", ("lib/x.h", b"#pragma once\n  #error not supported here\n")),
        ],
        data={"platform_id": "13"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "output": "Compiler failed",
        "errors": ["app.ino:1: #error boom", "lib/x.h:2: #error not supported here"],
    }
    (compiled,) = cloud.compiles
    assert (compiled.ok, compiled.binary_id, compiled.filenames) == (
        False,
        None,
        ["app.ino", "lib/x.h"],
    )


async def test_compile_refuses_a_bad_platform_id(cloud: LocalCloud, raw: httpx.AsyncClient) -> None:
    response = await raw.post(
        "/v1/binaries",
        headers=bearer(cloud.token),
        files={"file": ("a.ino", b"")},
        data={"platform_id": "boron"},
    )
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "Invalid platform_id: boron"}


async def test_download_a_large_registered_binary(
    cloud: LocalCloud, raw: httpx.AsyncClient
) -> None:
    data = bytes(range(256)) * 2000  # 500 KiB, several chunks
    binary_id = cloud.add_binary(data)
    chunks: list[bytes] = []
    async with raw.stream("GET", f"/v1/binaries/{binary_id}", headers=bearer(cloud.token)) as r:
        assert r.status_code == 200
        assert r.headers["content-length"] == str(len(data))
        async for chunk in r.aiter_raw():
            chunks.append(chunk)
    unknown = await raw.get("/v1/binaries/ffffffffffffffffffffffff", headers=bearer(cloud.token))
    assert b"".join(chunks) == data
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error": "Binary not found"}


# ---------------------------------------------------------------------- flashing


async def test_flash_sources_in_user_and_product_scope(
    world: World, raw: httpx.AsyncClient
) -> None:
    garage, unit = world.fleet.garage, world.fleet.units[2]
    user = await raw.put(
        "/v1/devices/garage",
        headers=bearer(world.token),
        files=[("file", ("src/app.ino", b"void setup(){}")), ("file2", ("src/a.h", b""))],
        data={"build_target_version": "5.9.0"},
    )
    product = await raw.put(
        f"/v1/products/{PRODUCT_SLUG}/devices/{unit.id}",
        headers=bearer(world.token),
        files={"file": ("firmware.bin", b"\x00" * 64)},
        data={"latest": "true"},
    )
    assert user.status_code == product.status_code == 200
    assert user.json() == {"ok": True, "id": garage.id, "status": "Update started"}
    assert product.json() == {"ok": True, "id": unit.id, "status": "Update started"}
    first, second = world.cloud.flashes
    assert (first.device_id, first.product_id, first.app, first.ok) == (garage.id, None, None, True)
    assert first.part_names == ["file", "file2"]
    assert first.filenames == ["src/app.ino", "src/a.h"]
    assert first.fields == {"build_target_version": "5.9.0"}
    assert first.username == world.cloud.username
    assert (second.device_id, second.product_id, second.fields) == (
        unit.id,
        PRODUCT_ID,
        {"latest": "true"},
    )
    assert second.files[0].data == b"\x00" * 64
    assert world.cloud.compiles == []


async def test_flash_tinker_and_json_updates(world: World, raw: httpx.AsyncClient) -> None:
    garage = world.fleet.garage
    tinker = await raw.put(
        "/v1/devices/garage", headers=bearer(world.token), json={"app": "tinker"}
    )
    unknown = await raw.put(
        f"/v1/devices/{garage.id}", headers=bearer(world.token), json={"app": "doom"}
    )
    renamed = await raw.put(
        f"/v1/devices/{garage.id}", headers=bearer(world.token), json={"name": "shed"}
    )
    assert tinker.json() == {"ok": True, "id": garage.id, "status": "Update started"}
    assert unknown.status_code == 400
    assert unknown.json() == {"ok": False, "error": "Unknown app: doom"}
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "shed"
    assert garage.name == "shed"
    assert [(f.app, f.ok, f.files) for f in world.cloud.flashes] == [
        ("tinker", True, ()),
        ("doom", False, ()),
    ]


async def test_flash_errors(world: World, raw: httpx.AsyncClient) -> None:
    headers = bearer(world.token)
    failed = await raw.put(
        "/v1/devices/garage", headers=headers, files={"file": ("app.ino", b"#error nope")}
    )
    empty = await raw.put("/v1/devices/garage", headers=headers, files={"latest": (None, b"true")})
    foreign = await raw.put(
        f"/v1/devices/{world.fleet.foreign.id}",
        headers=headers,
        files={"file": ("app.ino", b"")},
    )
    not_in_product = await raw.put(
        f"/v1/products/{PRODUCT_ID}/devices/{world.fleet.garage.id}",
        headers=headers,
        files={"file": ("app.ino", b"")},
    )
    assert failed.status_code == 400
    assert failed.json() == {
        "ok": False,
        "output": "Compiler failed",
        "errors": ["app.ino:1: #error nope"],
    }
    assert empty.status_code == 400
    assert empty.json() == {"ok": False, "error": "Nothing to compile"}
    assert foreign.status_code == 403
    assert foreign.json()["error"] == "Permission Denied"
    assert not_in_product.status_code == 404
    assert [(f.ok, f.filenames) for f in world.cloud.flashes] == [
        (False, ["app.ino"]),
        (False, []),
    ]


# ---------------------------------------------------------------------- Device OS versions


async def test_list_device_os_versions(cloud: LocalCloud, raw: httpx.AsyncClient) -> None:
    headers = bearer(cloud.token)
    boron = await raw.get("/v1/device-os/versions", headers=headers, params={"platform_id": 13})
    internal = await raw.get(
        "/v1/device-os/versions", headers=headers, params={"internal_version": 5900}
    )
    paged = await raw.get(
        "/v1/device-os/versions", headers=headers, params={"per_page": 3, "page": 2}
    )
    everything = await raw.get("/v1/device-os/versions", headers=headers)
    bad = await raw.get("/v1/device-os/versions", headers=headers, params={"platform_id": "x"})
    assert boron.status_code == 200
    assert boron.json() == [
        {
            "version": "6.3.0-rc.1",
            "internal_version": 6300,
            "platform_id": 13,
            "module_version": 6300,
            "release_date": "2025-01-15T00:00:00.000Z",
        },
        {
            "version": "5.9.0",
            "internal_version": 5900,
            "platform_id": 13,
            "module_version": 5900,
            "release_date": "2024-08-22T00:00:00.000Z",
        },
        {
            "version": "5.8.0",
            "internal_version": 5800,
            "platform_id": 13,
            "module_version": 5800,
            "release_date": "2024-04-10T00:00:00.000Z",
        },
        {
            "version": "4.2.0",
            "internal_version": 4200,
            "platform_id": 13,
            "module_version": 4200,
            "release_date": "2023-09-20T00:00:00.000Z",
        },
    ]
    assert [(v["version"], v["platform_id"]) for v in internal.json()] == [
        ("5.9.0", 12),
        ("5.9.0", 13),
        ("5.9.0", 26),
    ]
    assert len(everything.json()) == 10
    assert paged.json() == everything.json()[3:6]
    assert bad.status_code == 400
    assert bad.json() == {"ok": False, "error": "platform_id must be an integer"}


async def test_get_device_os_version(cloud: LocalCloud, raw: httpx.AsyncClient) -> None:
    cloud.add_device_os_version("7.0.0", "p2", internal_version=7001, module_version=7002)
    headers = bearer(cloud.token)
    tracker = await raw.get(
        "/v1/device-os/versions/5.8.0", headers=headers, params={"platform_id": 26}
    )
    any_platform = await raw.get("/v1/device-os/versions/5.8.0", headers=headers)
    added = await raw.get("/v1/device-os/versions/7.0.0", headers=headers)
    wrong_platform = await raw.get(
        "/v1/device-os/versions/4.2.0", headers=headers, params={"platform_id": 26}
    )
    unknown = await raw.get("/v1/device-os/versions/9.9.9", headers=headers)
    assert tracker.json() == {
        "version": "5.8.0",
        "internal_version": 5800,
        "platform_id": 26,
        "module_version": 5800,
        "release_date": "2024-04-10T00:00:00.000Z",
    }
    assert any_platform.json()["platform_id"] == 12
    assert added.json() == {
        "version": "7.0.0",
        "internal_version": 7001,
        "platform_id": 32,
        "module_version": 7002,
    }
    assert wrong_platform.status_code == 404
    assert wrong_platform.json() == {"ok": False, "error": "Device OS version 4.2.0 not found"}
    assert unknown.status_code == 404


# ---------------------------------------------------------------------- serial numbers


async def test_lookup_serial_number(cloud: LocalCloud, raw: httpx.AsyncClient) -> None:
    cellular = cloud.add_device(
        "tracker", platform="tracker", serial_number="T26ABC123", iccid="8934000000000000999"
    )
    wifi = cloud.add_device("argon", owner=OTHER_USER, serial_number="ARGHAB456")
    headers = bearer(cloud.token)
    found = await raw.get("/v1/serial_numbers/T26ABC123", headers=headers)
    lower = await raw.get("/v1/serial_numbers/t26abc123", headers=headers)
    not_mine = await raw.get("/v1/serial_numbers/ARGHAB456", headers=headers)
    unknown = await raw.get("/v1/serial_numbers/NOPE", headers=headers)
    assert found.status_code == 200
    assert found.json() == {
        "ok": True,
        "serial_number": "T26ABC123",
        "device_id": cellular.id,
        "platform_id": 26,
        "iccid": "8934000000000000999",
    }
    assert lower.json() == found.json()
    # works for devices the user does not own; no iccid key without a SIM
    assert not_mine.json() == {
        "ok": True,
        "serial_number": "ARGHAB456",
        "device_id": wifi.id,
        "platform_id": 12,
    }
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error": "Serial number not found"}


# ---------------------------------------------------------------------- the demo


async def test_demo_seeds_fleet_data() -> None:
    cloud = LocalCloud()
    seed_demo(cloud)
    async with cloud, httpx.AsyncClient(base_url=cloud.url, timeout=5.0) as http:
        headers = bearer(cloud.token)
        devices = await http.get("/v1/devices", headers=headers)
        firmware = await http.get("/v1/products/demo-fleet/firmware", headers=headers)
        sims = await http.get("/v1/products/demo-fleet/sims", headers=headers)
        usage = await http.get("/v1/products/4567/sims/data_usage", headers=headers)
        libraries = await http.get("/v1/libraries", headers=headers)
        neopixel = await http.get("/v1/libraries/neopixel/versions", headers=headers)
    # the existing demo content is unchanged
    assert sorted(d["name"] for d in devices.json()) == ["boat-tracker", "garage-door"]
    assert DEMO_DEVICE_ID in cloud.devices
    assert [(f["version"], f["current"], f["device_count"]) for f in firmware.json()] == [
        (3, True, 3),
        (2, False, 0),
    ]
    listed = sims.json()["sims"]
    assert [s["iccid"] for s in listed] == list(DEMO_SIM_ICCIDS)
    assert [s["device_name"] for s in listed] == ["tracker-1", "tracker-2", "tracker-3"]
    trackers = {d.name: d for d in cloud.devices.values() if d.product_id == 4567}
    assert [trackers[f"tracker-{n}"].iccid for n in (1, 2, 3)] == list(DEMO_SIM_ICCIDS)
    assert [trackers[f"tracker-{n}"].id for n in (1, 2, 3)] == list(DEMO_TRACKER_IDS)
    assert [(o.slug, o.name) for o in cloud.orgs.values()] == [(DEMO_ORG, "Acme Corp")]
    assert [len(cloud.vitals[tracker]) for tracker in DEMO_TRACKER_IDS] == [2, 2, 2]
    fixes = [
        sum(fix.device_id == tracker for fix in cloud.locations) for tracker in DEMO_TRACKER_IDS
    ]
    assert fixes == [2, 2, 1]
    assert usage.json()["total_active_sim_cards"] == 3
    assert len(usage.json()["usage_by_day"]) == 7
    assert usage.json()["total_mbs_used"] > 0
    assert lib_names(libraries) == ["Adafruit_DHT", "neopixel", "OneWire"]
    assert [v["attributes"]["version"] for v in neopixel.json()["data"]] == ["1.0.3", "1.0.2"]
