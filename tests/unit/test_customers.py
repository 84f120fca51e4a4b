"""Wire-level tests of `client.customers.create`: a form POST authenticated with the OAuth client
pair (never the bearer token), returning the customer's `AccessToken` without leaking secrets."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import respx

import aioparticle
from aioparticle import (
    AccessToken,
    APIStatusError,
    BadRequestError,
    ParticleClient,
)
from tests.conftest import API, TOKEN
from tests.unit._wire import expect_invalid, only_request

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

TOKEN_BODY: dict[str, Any] = {
    "token_type": "bearer",
    "access_token": CUSTOMER_TOKEN,
    "expires_in": 7776000,
    "refresh_token": REFRESH_TOKEN,
    "scope": "customer=carol+tracker@example.com",
    "customer_id": "cust_123",
}


def check_form_request(request: httpx.Request, path: str, form: list[tuple[str, str]]) -> None:
    """A form-encoded POST to `path` with exactly the pairs `form`, and no bearer token."""
    assert request.method == "POST"
    raw_path, _, raw_query = request.url.raw_path.partition(b"?")
    assert raw_path == path.encode("ascii")
    assert raw_query == b""
    assert request.url.query == b""
    headers = request.headers
    assert "authorization" not in headers
    assert headers["user-agent"] == f"aioparticle/{aioparticle.__version__}"
    assert headers["accept"] == "application/json"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    sent = parse_qsl(request.content.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    assert sorted(sent) == sorted(form)
    # the caller's own bearer token goes nowhere: not in a header, not in the form
    assert TOKEN not in request.content.decode("ascii")


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

    check_form_request(only_request(api), f"{prefix}/customers", expected_form())
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

    check_form_request(
        only_request(api),
        "/v1/products/my-product/customers",
        expected_form(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
    )
    assert token.access_token == CUSTOMER_TOKEN


async def test_create_uses_the_client_pair_of_a_with_options_view(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, json=TOKEN_BODY)

    view = client.with_options(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    await view.customers.create(EMAIL, PASSWORD, product=PRODUCT_ID)

    check_form_request(
        only_request(api),
        "/v1/products/4567/customers",
        expected_form(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
    )


async def test_create_works_without_an_access_token(api: respx.MockRouter) -> None:
    api.route().respond(200, json=TOKEN_BODY)

    async with ParticleClient(base_url=API) as particle:
        assert particle.has_access_token is False
        token = await particle.customers.create(EMAIL, PASSWORD, product=PRODUCT_ID)

    check_form_request(only_request(api), "/v1/products/4567/customers", expected_form())
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


async def test_create_needs_a_product(client: ParticleClient, guard: respx.MockRouter) -> None:
    await expect_invalid(client.customers.create(EMAIL, PASSWORD, product=None), guard)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, True, "", "a/b", "..", ".", "a?b", "x\n", 1.5], ids=repr)
async def test_create_rejects_bad_products(
    client: ParticleClient, guard: respx.MockRouter, bad: object
) -> None:
    await expect_invalid(client.customers.create(EMAIL, PASSWORD, product=bad), guard)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (None, PASSWORD),
        ("", PASSWORD),
        ("a\nb@example.com", PASSWORD),
        ("x" * 255, PASSWORD),
        (5, PASSWORD),
        (EMAIL, None),
        (EMAIL, ""),
        (EMAIL, "pass\x00word"),
        (EMAIL, "p" * 1025),
        (EMAIL, b"password"),
    ],
    ids=[
        "email-None",
        "email-empty",
        "email-newline",
        "email-too-long",
        "email-int",
        "password-None",
        "password-empty",
        "password-nul",
        "password-too-long",
        "password-bytes",
    ],
)
async def test_create_rejects_bad_credentials(
    client: ParticleClient, guard: respx.MockRouter, email: object, password: object
) -> None:
    await expect_invalid(
        client.customers.create(email, password, product=PRODUCT_ID),  # type: ignore[arg-type]
        guard,
    )
