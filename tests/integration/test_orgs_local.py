"""`client.orgs` and `client.products.create` against the local cloud over real HTTP."""

from __future__ import annotations

import anyio
import pytest

from aioparticle import NotFoundError, ParticleClient, PermissionDeniedError
from aioparticle.testing import LocalCloud
from tests.integration.conftest import OTHER_USER

pytestmark = pytest.mark.anyio


async def test_orgs_are_listed_with_their_products(cloud: LocalCloud, sdk: ParticleClient) -> None:
    acme = cloud.add_org("acme-corp", name="Acme Corp")
    cloud.add_org("elsewhere", members=[OTHER_USER])
    cloud.add_product(501, slug="acme-trackers", org="acme-corp")
    cloud.add_product(502, slug="sandbox-thing")
    with anyio.fail_after(5):
        orgs = await sdk.orgs.list()
        assert [(o.id, o.slug, o.name) for o in orgs] == [(acme.id, "acme-corp", "Acme Corp")]
        assert await sdk.orgs.get(acme.id) == orgs[0]
        products = await sdk.orgs.list_products("acme-corp")
        assert [(p.id, p.slug, p.org) for p in products] == [(501, "acme-trackers", "acme-corp")]
        with pytest.raises(PermissionDeniedError):
            await sdk.orgs.get("elsewhere")
        with pytest.raises(NotFoundError):
            await sdk.orgs.list_products("no-such-org")


async def test_a_product_is_created_in_an_org_and_in_the_sandbox(
    cloud: LocalCloud, sdk: ParticleClient
) -> None:
    cloud.add_org("acme-corp")
    with anyio.fail_after(5):
        made = await sdk.products.create(
            "Depot Trackers",
            platform_id=26,
            description="North",
            location_opt_in=True,
            org="acme-corp",
        )
        assert (made.name, made.platform_id, made.org, made.description) == (
            "Depot Trackers",
            26,
            "acme-corp",
            "North",
        )
        assert made.settings == {"location": {"opt_in": True}}
        assert [p.id for p in await sdk.orgs.list_products("acme-corp")] == [made.id]
        # the creator is on its team: the product is theirs to use
        assert (await sdk.products.get(made.id)).slug == made.slug

        own = await sdk.products.create("Bench", platform_id=32)
        assert own.org is None
        assert {p.id for p in await sdk.products.list()} == {made.id, own.id}
