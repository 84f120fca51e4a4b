"""Wire-level tests of `client.products.groups` (device groups of a product): exact method,
path, query, body and headers per call, typed results, both shapes of the impact answer, and
every argument check that must fire before any request. Membership changes on the devices
(`devices.set_groups`, `devices.update_groups`) are in test_devices.py."""

from __future__ import annotations

from typing import Any

import pytest
import respx

from aioparticle import (
    APIResponseValidationError,
    DeviceGroup,
    GroupsImpact,
    InternalServerError,
    NotFoundError,
    ParticleClient,
    ProductsGroups,
    VersionCount,
)
from tests.conftest import load
from tests.unit._wire import (
    BAD_PRODUCTS,
    BadInput,
    OpenCall,
    bad_input,
    bad_input_grid,
    check_request,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

PRODUCT_ID = 4567
SLUG = "my-product"

#: `product=` values and the path prefix each one must produce.
PRODUCTS = pytest.mark.parametrize(
    ("product", "prefix"),
    [(PRODUCT_ID, "/v1/products/4567"), (SLUG, "/v1/products/my-product")],
    ids=["product-id", "product-slug"],
)

GROUP = load("groups/group.json")
IMPACT = load("groups/impact.json")


async def test_the_sub_client_is_named_after_its_owner_and_attribute(
    client: ParticleClient,
) -> None:
    assert isinstance(client.products.groups, ProductsGroups)
    assert client.products.groups is client.products.groups


# --------------------------------------------------------------------------- list, get


@PRODUCTS
async def test_list_unwraps_the_groups(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, load("groups/list.json"))

    groups = await client.products.groups.list(product=product)

    check_request(only_request(api), "GET", f"{prefix}/groups")
    assert all(isinstance(g, DeviceGroup) for g in groups)
    assert [(g.name, g.color, g.fw_version) for g in groups] == [
        ("north", "#e74c3c", 3),
        ("beta_testers", "#2ecc71", None),
    ]
    assert groups[0].description == "Northern sites"
    assert groups[1].device_count is None


async def test_list_by_partial_name_sends_it_in_the_query(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"groups": []})

    groups = await client.products.groups.list(product=PRODUCT_ID, name="nor th&")

    request = only_request(api)
    check_request(request, "GET", "/v1/products/4567/groups", query=request.url.query)
    assert list(request.url.params.multi_items()) == [("name", "nor th&")]
    assert groups == []


@PRODUCTS
async def test_get_unwraps_the_group(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, GROUP)

    group = await client.products.groups.get("north", product=product)

    check_request(only_request(api), "GET", f"{prefix}/groups/north")
    assert group == DeviceGroup(
        name="north",
        description="Northern sites",
        color="#e74c3c",
        fw_version=3,
        device_count=12,
    )


async def test_get_keeps_unknown_fields(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"group": {"name": "north", "created_at": "2025-01-01T00:00:00Z"}})

    group = await client.products.groups.get("north", product=PRODUCT_ID)

    assert group.model_extra == {"created_at": "2025-01-01T00:00:00Z"}


async def test_get_unknown_group_raises_not_found(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": False, "error": "Group not found"}, status=404)

    with pytest.raises(NotFoundError, match="Group not found"):
        await client.products.groups.get("west", product=PRODUCT_ID)


# --------------------------------------------------------------------------- create, update, delete


@PRODUCTS
@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({}, {"name": "north"}),
        ({"color": "#E74C3C"}, {"name": "north", "color": "#E74C3C"}),
        ({"description": "line 1\nline 2"}, {"name": "north", "description": "line 1\nline 2"}),
        (
            {"color": "#e74c3c", "description": ""},
            {"name": "north", "color": "#e74c3c", "description": ""},
        ),
    ],
    ids=["name-only", "color", "description", "both"],
)
async def test_create_sends_only_what_is_given(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    kwargs: dict[str, str],
    body: dict[str, str],
) -> None:
    reply(api, {"group": {"name": "north", "description": "", "color": "#e74c3c"}}, status=201)

    group = await client.products.groups.create("north", product=product, **kwargs)

    check_request(only_request(api), "POST", f"{prefix}/groups", body=body)
    assert isinstance(group, DeviceGroup)
    assert group.name == "north"
    assert group.color == "#e74c3c"


async def test_create_is_not_retried_on_503(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"error": "unavailable"}, status=503)

    with pytest.raises(InternalServerError, match="unavailable"):
        await client.products.groups.create("north", product=PRODUCT_ID)

    assert len(api.calls) == 1


@PRODUCTS
@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"new_name": "north-2"}, {"name": "north-2"}),
        ({"color": "#000000"}, {"color": "#000000"}),
        ({"description": "x"}, {"description": "x"}),
        (
            {"new_name": "n_2", "color": "#abcdef", "description": ""},
            {"name": "n_2", "color": "#abcdef", "description": ""},
        ),
    ],
    ids=["rename", "color", "description", "everything"],
)
async def test_update_sends_the_new_name_as_name(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    kwargs: dict[str, str],
    body: dict[str, str],
) -> None:
    reply(api, GROUP)

    group = await client.products.groups.update("north", product=product, **kwargs)

    check_request(only_request(api), "PUT", f"{prefix}/groups/north", body=body)
    assert group.device_count == 12


@PRODUCTS
@pytest.mark.parametrize("answer", [None, {"ok": True}], ids=["204", "ok-body"])
async def test_delete(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    answer: dict[str, bool] | None,
) -> None:
    reply(api, answer, status=204 if answer is None else 200)

    result = await client.products.groups.delete("beta_testers", product=product)

    check_request(only_request(api), "DELETE", f"{prefix}/groups/beta_testers")
    assert result is None


# --------------------------------------------------------------------------- impact


@PRODUCTS
@pytest.mark.parametrize(
    ("kwargs", "query"),
    [
        ({}, b"action=edit_groups_for_firmware&firmware_version=4"),
        (
            {"groups": ["north", "beta_testers"]},
            b"action=edit_groups_for_firmware&firmware_version=4&groups=north%2Cbeta_testers",
        ),
        (
            {"product_default": True},
            b"action=edit_groups_for_firmware&firmware_version=4&product_default=true",
        ),
        (
            {"groups": ["north"], "product_default": False},
            b"action=edit_groups_for_firmware&firmware_version=4&groups=north"
            b"&product_default=false",
        ),
    ],
    ids=["unrelease", "groups", "product-default", "both"],
)
async def test_get_impact_sends_everything_in_the_query(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    kwargs: dict[str, Any],
    query: bytes,
) -> None:
    reply(api, IMPACT)

    impact = await client.products.groups.get_impact(4, product=product, **kwargs)

    check_request(only_request(api), "GET", f"{prefix}/impact", query=query)
    assert isinstance(impact, GroupsImpact)
    assert impact.total == 7


@pytest.mark.parametrize(
    "body",
    [IMPACT, IMPACT["devices"], IMPACT["devices"]["firmware_update"]],
    ids=["wrapped-in-devices", "firmware-update-only", "bare"],
)
async def test_get_impact_accepts_the_answer_wrapped_or_not(
    client: ParticleClient, api: respx.MockRouter, body: dict[str, Any]
) -> None:
    reply(api, body)

    impact = await client.products.groups.get_impact(4, product=PRODUCT_ID, groups=["north"])

    assert impact == GroupsImpact(
        total=7,
        by_version=[VersionCount(version=2, total=4), VersionCount(version=3, total=3)],
    )


async def test_get_impact_of_nothing_is_zero(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"devices": {"firmware_update": {"total": 0, "by_version": []}}})

    impact = await client.products.groups.get_impact(4, product=PRODUCT_ID)

    assert impact.total == 0
    assert impact.by_version == []


async def test_get_impact_refuses_an_answer_that_is_not_an_impact(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"devices": {"firmware_update": {"total": "many"}}})

    with pytest.raises(APIResponseValidationError):
        await client.products.groups.get_impact(4, product=PRODUCT_ID)


# --------------------------------------------------------------------------- bad input

#: Names outside lowercase letters, digits, `-` and `_` (and values that are not names at all).
BAD_NAMES = ["", "North", "a b", "a/b", "a.b", "..", "é", "a\nb", "x" * 257, None, 5]
BAD_NAME_IDS = [
    "empty",
    "uppercase",
    "space",
    "slash",
    "dot",
    "dotdot",
    "accent",
    "newline",
    "too-long",
    "None",
    "int",
]
BAD_COLORS = ["red", "#fff", "e74c3c", "#e74c3g", "#e74c3c0", "", "#e74c3c\n", 0xE74C3C]

NAME_CALLS: dict[str, OpenCall] = {
    "get": lambda c, name: c.products.groups.get(name, product=PRODUCT_ID),
    "create": lambda c, name: c.products.groups.create(name, product=PRODUCT_ID),
    "update": lambda c, name: c.products.groups.update(name, product=PRODUCT_ID, color="#000000"),
    "update-new_name": lambda c, name: c.products.groups.update(
        "north", product=PRODUCT_ID, new_name=name
    ),
    "delete": lambda c, name: c.products.groups.delete(name, product=PRODUCT_ID),
    "get_impact-groups": lambda c, name: c.products.groups.get_impact(
        4, product=PRODUCT_ID, groups=["north", name]
    ),
}
COLOR_CALLS: dict[str, OpenCall] = {
    "create": lambda c, color: c.products.groups.create("north", product=PRODUCT_ID, color=color),
    "update": lambda c, color: c.products.groups.update("north", product=PRODUCT_ID, color=color),
}
PRODUCT_CALLS: dict[str, OpenCall] = {
    "list": lambda c, p: c.products.groups.list(product=p),
    "get": lambda c, p: c.products.groups.get("north", product=p),
    "create": lambda c, p: c.products.groups.create("north", product=p),
    "update": lambda c, p: c.products.groups.update("north", product=p, description="x"),
    "delete": lambda c, p: c.products.groups.delete("north", product=p),
    "get_impact": lambda c, p: c.products.groups.get_impact(4, product=p),
}

BAD_INPUT = [
    *bad_input_grid(NAME_CALLS, BAD_NAMES, BAD_NAME_IDS, prefix="name"),
    *bad_input_grid(COLOR_CALLS, BAD_COLORS, prefix="color"),
    *bad_input_grid(PRODUCT_CALLS, [None, *BAD_PRODUCTS], prefix="product"),
    bad_input("update-nothing", lambda c: c.products.groups.update("north", product=PRODUCT_ID)),
    bad_input(
        "list-name-newline",
        lambda c: c.products.groups.list(product=PRODUCT_ID, name="a\nb"),
    ),
    *bad_input_grid(
        {
            "create-description": lambda c, d: c.products.groups.create(
                "north", product=PRODUCT_ID, description=d
            ),
            "update-description": lambda c, d: c.products.groups.update(
                "north", product=PRODUCT_ID, description=d
            ),
        },
        [5, "a\x00b", "x" * 65_537],
        ["int", "nul", "too-long"],
    ),
    *bad_input_grid(
        {
            "get_impact-version": lambda c, v: c.products.groups.get_impact(v, product=PRODUCT_ID),
        },
        [0, -1, True, "4", None],
    ),
    *bad_input_grid(
        {
            "get_impact-groups": lambda c, g: c.products.groups.get_impact(
                4, product=PRODUCT_ID, groups=g
            )
        },
        ["north", [], ("north", 5)],
        ["bare-str", "empty", "not-a-name"],
    ),
    *bad_input_grid(
        {
            "get_impact-product_default": lambda c, d: c.products.groups.get_impact(
                4, product=PRODUCT_ID, product_default=d
            )
        },
        ["true", 1],
    ),
]


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={**GROUP, **IMPACT})
    return api


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)


async def test_a_bad_name_is_refused_with_the_allowed_set(
    client: ParticleClient, guard: respx.MockRouter
) -> None:
    with pytest.raises(ValueError, match="lowercase letters, digits, '-' and '_'"):
        await client.products.groups.create("Beta Testers", product=PRODUCT_ID)
    assert len(guard.calls) == 0
