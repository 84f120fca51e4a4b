"""`client.customers` against the local cloud over real HTTP: a customer is created, listed,
given a token that reaches their devices, given a new password, and deleted."""

from __future__ import annotations

import anyio
import httpx
import pytest

from aioparticle import (
    AuthenticationError,
    BadRequestError,
    LoginError,
    NotFoundError,
    ParticleClient,
    PermissionDeniedError,
)
from tests.integration.conftest import PRODUCT_ID, PRODUCT_SLUG, Fleet, bearer

pytestmark = pytest.mark.anyio

EMAIL = "carol+tracker@example.com"


async def test_a_customer_lives_and_is_deleted(
    fleet: Fleet, sdk: ParticleClient, product_client: ParticleClient, raw: httpx.AsyncClient
) -> None:
    cloud = fleet.cloud
    with anyio.fail_after(5):
        first = await product_client.customers.create(EMAIL, "first-password", product=PRODUCT_ID)
        fleet.units[0].owner = EMAIL  # the customer claims a device of the product

        page = await sdk.customers.list(product=PRODUCT_SLUG)
        (customer,) = page.items
        assert (customer.username, customer.devices) == (EMAIL, [fleet.units[0].id])
        assert [d["id"] for d in page.extra["devices"]] == [fleet.units[0].id]
        assert page.extra["devices"][0]["product_id"] == PRODUCT_ID

        # a token minted for the customer acts as the customer: it sees their device only
        minted = await product_client.customers.create_token(EMAIL, expires_in=600)
        assert minted.access_token != first.access_token
        as_customer = sdk.with_options(access_token=minted.access_token)
        assert [d.id for d in await as_customer.devices.list()] == [fleet.units[0].id]
        with pytest.raises(PermissionDeniedError):
            await as_customer.customers.list(product=PRODUCT_ID)  # not a team member

        await sdk.customers.set_password(EMAIL, "second-password", product=PRODUCT_ID)
        assert cloud.customers[(PRODUCT_ID, EMAIL)].password == "second-password"

        await sdk.customers.delete(EMAIL, product=PRODUCT_ID)
        assert (await sdk.customers.list(product=PRODUCT_ID)).items == []
        for token in (first.access_token, minted.access_token):  # both revoked
            answer = await raw.get("/v1/devices", headers=bearer(token))
            assert answer.status_code == 401
        with pytest.raises(AuthenticationError):
            await as_customer.devices.list()
        with pytest.raises(NotFoundError):
            await sdk.customers.delete(EMAIL, product=PRODUCT_ID)


async def test_a_customer_without_a_password_gets_tokens_from_the_product_client(
    fleet: Fleet, sdk: ParticleClient, product_client: ParticleClient
) -> None:
    with anyio.fail_after(5):
        await product_client.customers.create(EMAIL, product=PRODUCT_ID, no_password=True)
        minted = await product_client.customers.create_token(EMAIL)
        assert minted.expires_in is not None and minted.expires_in > 0
        with pytest.raises(BadRequestError, match="no password"):
            await sdk.customers.set_password(EMAIL, "a-password", product=PRODUCT_ID)


async def test_customer_tokens_need_the_products_client_and_a_customer(
    fleet: Fleet, sdk: ParticleClient, product_client: ParticleClient
) -> None:
    with anyio.fail_after(5):
        # refusals of the token endpoint are login errors (status 400 here)
        with pytest.raises(LoginError, match="No such customer") as caught:
            await product_client.customers.create_token("nobody@example.com")
        assert caught.value.status_code == 400
        # the default client pair belongs to no product
        with pytest.raises(LoginError, match="product"):
            await sdk.customers.create_token(EMAIL)
        # and the product's client cannot make customers of another product
        fleet.cloud.add_product(77, slug="other")
        with pytest.raises(PermissionDeniedError):
            await product_client.customers.create(EMAIL, "pw-123456", product=77)
        assert len(fleet.cloud.customers) == 0
