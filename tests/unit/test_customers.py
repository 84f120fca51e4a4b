"""Wire-level tests of `client.customers.create`: a form POST authenticated with the OAuth client
pair (never the bearer token), returning the customer's `AccessToken` without leaking secrets."""

from __future__ import annotations

import pytest
import respx

import aioparticle
from aioparticle import (
    AccessToken,
    APIStatusError,
    BadRequestError,
    ParticleClient,
)
from tests.conftest import API, TOKEN, load
from tests.unit._wire import BadInput, bad_input, bad_input_grid, check_request, only_request

pytestmark = pytest.mark.anyio

PRODUCT_ID = 4567
SLUG = "my-product"

PRODUCTS = pytest.mark.parametrize(
    ("product", "prefix"),
    [(PRODUCT_ID, "/v1/products/4567"), (SLUG, "/v1/products/my-product")],
    ids=["product-id", "product-slug"],
)

EMAIL = "carol+tracker@example.com"
PASSWORD = "hunter2 & =correct horse"
CLIENT_ID = "tracker-app-4567"
CLIENT_SECRET = "c0ffee5ecret9a8b7c6d5e4f3a2b1c0d"
CUSTOMER_TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
REFRESH_TOKEN = "f9e8d7c6b5a4938271605f4e3d2c1b0a98765432"

TOKEN_BODY = load("customers/token.json")


def expected_form(
    email: str = EMAIL,
    password: str = PASSWORD,
    client_id: str = "particle-api",
    client_secret: str = "particle-api",
) -> list[tuple[str, str]]:
    return [
        ("email", email),
        ("password", password),
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", client_secret),
    ]


@PRODUCTS
async def test_create_sends_the_form_with_the_default_client_pair(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    api.route().respond(200, json=TOKEN_BODY)

    token = await client.customers.create(EMAIL, PASSWORD, product=product)

    # a form POST, authenticated by the client pair in the form and never by the bearer token
    check_request(
        only_request(api), "POST", f"{prefix}/customers", form=expected_form(), token=None
    )
    assert isinstance(token, AccessToken)
    assert token.access_token == CUSTOMER_TOKEN
    assert token.refresh_token == REFRESH_TOKEN
    assert token.token_type == "bearer"
    assert token.expires_in == 7776000
    assert token.scope == "customer=carol+tracker@example.com"
    assert token.model_extra == {"customer_id": "cust_123"}


async def test_create_percent_encodes_the_form_values(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, json=TOKEN_BODY)

    await client.customers.create(EMAIL, PASSWORD, product=PRODUCT_ID)

    body = only_request(api).content
    # '+', '&', '=' and '@' inside values must not be read as separators or spaces
    assert b"carol%2Btracker%40example.com" in body
    assert b"&password=hunter2" in body
    assert b"%26" in body
    assert b"%3Dcorrect" in body


async def test_create_uses_a_custom_client_pair(api: respx.MockRouter) -> None:
    api.route().respond(200, json=TOKEN_BODY)

    async with ParticleClient(
        TOKEN, base_url=API, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    ) as particle:
        token = await particle.customers.create(EMAIL, PASSWORD, product=SLUG)

    check_request(
        only_request(api),
        "POST",
        "/v1/products/my-product/customers",
        form=expected_form(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
        token=None,
    )
    assert token.access_token == CUSTOMER_TOKEN


async def test_create_uses_the_client_pair_of_a_with_options_view(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, json=TOKEN_BODY)

    view = client.with_options(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    await view.customers.create(EMAIL, PASSWORD, product=PRODUCT_ID)

    check_request(
        only_request(api),
        "POST",
        "/v1/products/4567/customers",
        form=expected_form(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
        token=None,
    )


async def test_create_works_without_an_access_token(api: respx.MockRouter) -> None:
    api.route().respond(200, json=TOKEN_BODY)

    async with ParticleClient(base_url=API) as particle:
        assert particle.has_access_token is False
        token = await particle.customers.create(EMAIL, PASSWORD, product=PRODUCT_ID)

    check_request(
        only_request(api), "POST", "/v1/products/4567/customers", form=expected_form(), token=None
    )
    assert token.access_token == CUSTOMER_TOKEN


async def test_access_token_repr_hides_the_tokens(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, json=TOKEN_BODY)

    token = await client.customers.create(EMAIL, PASSWORD, product=PRODUCT_ID)

    for text in (repr(token), str(token)):
        assert CUSTOMER_TOKEN not in text
        assert REFRESH_TOKEN not in text
        assert "7776000" in text  # the harmless fields are still shown


async def test_create_without_refresh_token(client: ParticleClient, api: respx.MockRouter) -> None:
    api.route().respond(
        200, json={"token_type": "bearer", "access_token": CUSTOMER_TOKEN, "expires_in": 3600}
    )

    token = await client.customers.create(EMAIL, PASSWORD, product=PRODUCT_ID)

    assert token.refresh_token is None
    assert token.expires_in == 3600
    assert CUSTOMER_TOKEN not in repr(token)


async def test_create_error_does_not_leak_the_secret_or_the_password(
    api: respx.MockRouter,
) -> None:
    # the error echoes the submitted client secret in its message, and both secrets elsewhere
    api.route().respond(
        400,
        json={
            "error": "invalid_client",
            "error_description": f"Client authentication failed for secret {CLIENT_SECRET}",
            "client_secret": CLIENT_SECRET,
            "password": PASSWORD,
        },
    )

    async with ParticleClient(
        TOKEN, base_url=API, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    ) as particle:
        with pytest.raises(BadRequestError) as caught:
            await particle.customers.create(EMAIL, PASSWORD, product=PRODUCT_ID)

    error = caught.value
    assert isinstance(error, APIStatusError)
    assert error.status_code == 400
    assert error.error == "invalid_client"
    assert "Client authentication failed" in str(error)
    for text in (str(error), repr(error), error.message, str(error.error_description)):
        assert CLIENT_SECRET not in text
        assert PASSWORD not in text
        assert TOKEN not in text
    assert CLIENT_SECRET not in repr(error.body)
    # POST is not retried
    assert len(api.calls) == 1


async def test_create_error_echoing_the_password_does_not_show_it(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(
        400, json={"error": "invalid_password", "error_description": f"bad password {PASSWORD}"}
    )

    with pytest.raises(BadRequestError) as caught:
        await client.customers.create(EMAIL, PASSWORD, product=PRODUCT_ID)

    error = caught.value
    assert "bad password [redacted]" in str(error)
    for text in (str(error), repr(error), str(error.error_description), repr(error.body)):
        assert PASSWORD not in text


async def test_create_ordinary_error_message(client: ParticleClient, api: respx.MockRouter) -> None:
    api.route().respond(400, json={"error": "Customer already exists"})

    with pytest.raises(BadRequestError) as caught:
        await client.customers.create(EMAIL, PASSWORD, product=SLUG)

    assert "Customer already exists" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert caught.value.path == "/v1/products/my-product/customers"


async def test_create_response_without_access_token_raises(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, json={"ok": True})

    with pytest.raises(aioparticle.APIResponseValidationError):
        await client.customers.create(EMAIL, PASSWORD, product=PRODUCT_ID)


# --------------------------------------------------------------------------- bad input


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json=TOKEN_BODY)
    return api


#: Every call with an argument `client.customers` must refuse before any request.
BAD_INPUT = [
    bad_input("product-None", lambda c: c.customers.create(EMAIL, PASSWORD, product=None)),
    *bad_input_grid(
        {"product": lambda c, product: c.customers.create(EMAIL, PASSWORD, product=product)},
        [-1, True, "", "a/b", "..", ".", "a?b", "x\n", 1.5],
    ),
    bad_input("email-None", lambda c: c.customers.create(None, PASSWORD, product=PRODUCT_ID)),
    bad_input("email-empty", lambda c: c.customers.create("", PASSWORD, product=PRODUCT_ID)),
    bad_input(
        "email-newline",
        lambda c: c.customers.create("a\nb@example.com", PASSWORD, product=PRODUCT_ID),
    ),
    bad_input(
        "email-too-long", lambda c: c.customers.create("x" * 255, PASSWORD, product=PRODUCT_ID)
    ),
    bad_input("email-int", lambda c: c.customers.create(5, PASSWORD, product=PRODUCT_ID)),
    bad_input("password-None", lambda c: c.customers.create(EMAIL, None, product=PRODUCT_ID)),
    bad_input("password-empty", lambda c: c.customers.create(EMAIL, "", product=PRODUCT_ID)),
    bad_input(
        "password-nul", lambda c: c.customers.create(EMAIL, "pass\x00word", product=PRODUCT_ID)
    ),
    bad_input(
        "password-too-long", lambda c: c.customers.create(EMAIL, "p" * 1025, product=PRODUCT_ID)
    ),
    bad_input(
        "password-bytes", lambda c: c.customers.create(EMAIL, b"password", product=PRODUCT_ID)
    ),
]


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
