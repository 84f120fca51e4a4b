"""`client.oauth_clients` against the local cloud over real HTTP: a created client mints tokens."""

from __future__ import annotations

import anyio
import httpx
import pytest

from aioparticle import BadRequestError, NotFoundError, ParticleClient
from tests.integration.conftest import PRODUCT_ID, PRODUCT_SLUG, Fleet

pytestmark = pytest.mark.anyio


async def test_a_product_client_is_created_listed_updated_and_deleted(
    fleet: Fleet, sdk: ParticleClient, raw: httpx.AsyncClient
) -> None:
    with anyio.fail_after(5):
        created = await sdk.oauth_clients.create("Fleet backend", "installed", product=PRODUCT_SLUG)
        assert created.product_id == PRODUCT_ID
        assert created.secret is not None
        secret = created.secret.get_secret_value()
        listed = await sdk.oauth_clients.list(product=PRODUCT_ID)
        assert [(c.id, c.name, c.secret) for c in listed] == [(created.id, "Fleet backend", None)]
        assert await sdk.oauth_clients.list() == []  # the user's own clients are apart
        # the new client's pair mints a token for its product
        minted = await raw.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(created.id, secret),
        )
        assert minted.status_code == 200
        renamed = await sdk.oauth_clients.update(
            created.id, name="renamed", scope="none", product=PRODUCT_ID
        )
        assert (renamed.name, renamed.scope, renamed.secret) == ("renamed", "none", None)
        await sdk.oauth_clients.delete(created.id, product=PRODUCT_ID)
        assert await sdk.oauth_clients.list(product=PRODUCT_ID) == []
        with pytest.raises(NotFoundError):
            await sdk.oauth_clients.delete(created.id, product=PRODUCT_ID)


async def test_a_users_clients_are_their_own(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(5):
        mine = await sdk.oauth_clients.create(
            "site", "web", redirect_uri="https://example.com/cb", scope="*:*"
        )
        assert (mine.type, mine.redirect_uri) == ("web", "https://example.com/cb")
        assert [c.id for c in await sdk.oauth_clients.list()] == [mine.id]
        other = sdk.with_options(access_token=fleet.other_token)
        assert await other.oauth_clients.list() == []
        with pytest.raises(NotFoundError):
            await other.oauth_clients.update(mine.id, name="taken")


async def test_the_cloud_refuses_a_web_client_without_a_redirect(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with anyio.fail_after(5), pytest.raises(BadRequestError, match="redirect_uri"):
        await sdk.oauth_clients.create("site", "web")
