"""Wire-level tests of `client.orgs` (list, get, list_products) and `client.products.create`
(in the sandbox or an organization)."""

from __future__ import annotations

import pytest
import respx

from aioparticle import (
    InternalServerError,
    Organization,
    ParticleClient,
    PermissionDeniedError,
    Product,
)
from tests.unit._wire import (
    BadInput,
    bad_input,
    bad_input_grid,
    bad_segments,
    check_request,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

ORG = {"id": "5e1c0a2b3d4f5a6b7c8d9e0f", "slug": "acme-corp", "name": "Acme Corp"}
ORGS = pytest.mark.parametrize(
    ("org", "prefix"),
    [
        ("acme-corp", "/v1/orgs/acme-corp"),
        ("5e1c0a2b3d4f5a6b7c8d9e0f", "/v1/orgs/5e1c0a2b3d4f5a6b7c8d9e0f"),
        ("Acme Corp+", "/v1/orgs/Acme%20Corp%2B"),
    ],
    ids=["slug", "id", "encoded"],
)
ORG_PRODUCT = {
    "id": 20341,
    "platform_id": 26,
    "name": "Trackers",
    "slug": "trackers-v101",
    "description": "Asset trackers",
    "org": "acme-corp",
    "organization_id": "5e1c0a2b3d4f5a6b7c8d9e0f",
    "groups": ["north"],
    "settings": {"location": {"opt_in": True}, "known_application": {"opt_in": False}},
}


# --------------------------------------------------------------------------- orgs


async def test_list_unwraps_the_organizations(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"organizations": [ORG, {"id": "x1", "slug": "tiny", "name": "Tiny", "plan": 3}]})

    orgs = await client.orgs.list()

    check_request(only_request(api), "GET", "/v1/orgs")
    assert all(isinstance(o, Organization) for o in orgs)
    assert [(o.id, o.slug, o.name) for o in orgs] == [
        ("5e1c0a2b3d4f5a6b7c8d9e0f", "acme-corp", "Acme Corp"),
        ("x1", "tiny", "Tiny"),
    ]
    assert orgs[0].model_extra == {}
    assert orgs[1].model_extra == {"plan": 3}  # fields the SDK does not know are kept


async def test_list_of_none_is_empty(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"organizations": []})
    assert await client.orgs.list() == []


@ORGS
async def test_get_unwraps_the_organization(
    client: ParticleClient, api: respx.MockRouter, org: str, prefix: str
) -> None:
    reply(api, {"organization": ORG})

    found = await client.orgs.get(org)

    check_request(only_request(api), "GET", prefix)
    assert found == Organization(**ORG)


async def test_get_of_a_foreign_org_raises(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"ok": False, "error": "Permission Denied"}, 403)

    with pytest.raises(PermissionDeniedError):
        await client.orgs.get("acme-corp")


@ORGS
async def test_list_products_unwraps_the_products(
    client: ParticleClient, api: respx.MockRouter, org: str, prefix: str
) -> None:
    reply(api, {"products": [ORG_PRODUCT]})

    products = await client.orgs.list_products(org)

    check_request(only_request(api), "GET", f"{prefix}/products")
    (product,) = products
    assert isinstance(product, Product)
    assert (product.id, product.slug, product.platform_id, product.org) == (
        20341,
        "trackers-v101",
        26,
        "acme-corp",
    )
    assert product.settings["location"] == {"opt_in": True}
    assert product.model_extra == {"organization_id": "5e1c0a2b3d4f5a6b7c8d9e0f"}


# --------------------------------------------------------------------------- products.create


@pytest.mark.parametrize(
    ("org", "path"),
    [(None, "/v1/user/products"), ("acme-corp", "/v1/orgs/acme-corp/products")],
    ids=["sandbox", "org"],
)
async def test_create_product_posts_the_product_object(
    client: ParticleClient, api: respx.MockRouter, org: str | None, path: str
) -> None:
    reply(api, {"product": ORG_PRODUCT})

    product = await client.products.create("Trackers", platform_id=26, org=org)

    check_request(
        only_request(api), "POST", path, body={"product": {"name": "Trackers", "platform_id": 26}}
    )
    assert isinstance(product, Product)
    assert product.id == 20341


async def test_create_product_sends_the_description_and_location_setting(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"product": ORG_PRODUCT})

    await client.products.create(
        "Trackers",
        platform_id=26,
        description="Asset trackers\nfor the north depot",
        location_opt_in=False,
        org="acme-corp",
    )

    check_request(
        only_request(api),
        "POST",
        "/v1/orgs/acme-corp/products",
        body={
            "product": {
                "name": "Trackers",
                "platform_id": 26,
                "description": "Asset trackers\nfor the north depot",
                "settings": {"location": {"opt_in": False}},
            }
        },
    )


async def test_create_product_is_not_retried_once_sent(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"error": "try again"}, 503)

    with pytest.raises(InternalServerError):
        await client.products.create("Trackers", platform_id=26)

    assert len(api.calls) == 1


# --------------------------------------------------------------------------- bad input

_BAD_ORGS, _BAD_ORG_IDS = bad_segments(257)

BAD_INPUT = [
    *bad_input_grid(
        {
            "get": lambda c, org: c.orgs.get(org),
            "list_products": lambda c, org: c.orgs.list_products(org),
        },
        _BAD_ORGS,
        _BAD_ORG_IDS,
        prefix="org",
    ),
    *bad_input_grid(  # org=None is the sandbox
        {"products.create": lambda c, org: c.products.create("P", platform_id=6, org=org)},
        _BAD_ORGS[1:],
        _BAD_ORG_IDS[1:],
        prefix="org",
    ),
    *bad_input_grid(
        {"create": lambda c, name: c.products.create(name, platform_id=6)},
        [None, "", "a\nb", "x" * 257, 5],
        ["None", "empty", "newline", "too-long", "int"],
        prefix="name",
    ),
    *bad_input_grid(
        {"create": lambda c, platform: c.products.create("P", platform_id=platform)},
        [None, -1, True, "13", 1.5],
        prefix="platform_id",
    ),
    bad_input(
        "location_opt_in-str",
        lambda c: c.products.create("P", platform_id=6, location_opt_in="yes"),
    ),
    bad_input("description-int", lambda c: c.products.create("P", platform_id=6, description=5)),
    bad_input(
        "description-nul", lambda c: c.products.create("P", platform_id=6, description="a\x00")
    ),
]


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    reply(api, {"product": ORG_PRODUCT, "organization": ORG, "products": []})
    return api


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
