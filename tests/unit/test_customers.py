"""Wire-level tests of `client.customers`: `create` and `create_token` (form POSTs authenticated
with the OAuth client pair, never the bearer token, returning the customer's `AccessToken`
without leaking secrets), the paged listing, deletion and password changes."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
import respx

import aioparticle
from aioparticle import (
    AccessToken,
    APIError,
    APIStatusError,
    BadRequestError,
    Customer,
    InternalServerError,
    ParticleClient,
)
from tests.conftest import API, TOKEN, load
from tests.unit._wire import (
    BAD_PRODUCTS,
    BadInput,
    bad_input,
    bad_input_grid,
    check_request,
    only_request,
    queries,
    reply,
    reply_by_page,
)

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


# --------------------------------------------------------------------------- no password


async def test_create_without_a_password_sends_no_password_true(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(201, json=TOKEN_BODY)

    token = await client.customers.create(EMAIL, product=PRODUCT_ID, no_password=True)

    check_request(
        only_request(api),
        "POST",
        "/v1/products/4567/customers",
        form=[
            ("email", EMAIL),
            ("no_password", "true"),
            ("grant_type", "client_credentials"),
            ("client_id", "particle-api"),
            ("client_secret", "particle-api"),
        ],
        token=None,
    )
    assert token.access_token == CUSTOMER_TOKEN


# --------------------------------------------------------------------------- list

CUSTOMERS_PAGE_1 = load("customers/list_page1.json")
CUSTOMERS_PAGE_2 = load("customers/list_page2.json")


@PRODUCTS
async def test_list_gets_the_first_page_and_keeps_the_devices_beside_it(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, CUSTOMERS_PAGE_1)

    page = await client.customers.list(product=product)

    check_request(only_request(api), "GET", f"{prefix}/customers")
    assert [c.username for c in page] == ["carol+tracker@example.com", "dave@example.com"]
    carol = page[0]
    assert isinstance(carol, Customer)
    assert carol.id == "5f1a2b3c4d5e6f7a8b9c0d1e"
    assert carol.full_name == "Carol Example"
    assert carol.devices == ["e00fce68b1a2c3d4e5f60718"]
    assert carol.model_extra == {}
    assert page[1].full_name is None
    assert page.extra == {"devices": CUSTOMERS_PAGE_1["devices"]}
    assert page.meta is not None and page.meta.total_pages == 2
    assert page.next_page == 2


async def test_list_sends_page_and_per_page_and_walks_every_page(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply_by_page(api, {"1": CUSTOMERS_PAGE_1, "2": CUSTOMERS_PAGE_2})

    pages = [p async for p in client.customers.list(product=SLUG, page=1, per_page=2).pages()]

    assert queries(api) == [b"per_page=2&page=1", b"per_page=2&page=2"]
    assert [[c.username for c in p] for p in pages] == [
        ["carol+tracker@example.com", "dave@example.com"],
        ["erin@example.com"],
    ]
    assert pages[1][0].devices == []  # null is an empty list
    assert pages[1].extra == {"devices": []}


async def test_list_iterates_items_across_pages(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply_by_page(api, {None: CUSTOMERS_PAGE_1, "2": CUSTOMERS_PAGE_2})

    emails = [c.username async for c in client.customers.list(product=PRODUCT_ID)]

    assert emails == ["carol+tracker@example.com", "dave@example.com", "erin@example.com"]
    assert queries(api) == [b"", b"page=2"]


# --------------------------------------------------------------------------- delete


@PRODUCTS
async def test_delete_encodes_the_email_as_one_segment(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, {"ok": True})

    assert await client.customers.delete(EMAIL, product=product) is None

    check_request(only_request(api), "DELETE", f"{prefix}/customers/carol%2Btracker%40example.com")


async def test_delete_not_confirmed_raises(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"ok": False, "error": "Customer not deleted"})

    with pytest.raises(APIError, match="Customer not deleted"):
        await client.customers.delete(EMAIL, product=PRODUCT_ID)


# --------------------------------------------------------------------------- set_password


async def test_set_password_puts_the_password_with_the_team_token(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": True})

    assert await client.customers.set_password(EMAIL, PASSWORD, product=SLUG) is None

    check_request(
        only_request(api),
        "PUT",
        "/v1/products/my-product/customers/carol%2Btracker%40example.com",
        body={"password": PASSWORD},
    )


async def test_set_password_error_hides_the_password_everywhere(
    client: ParticleClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    # a retried failure (PUT is idempotent) whose body echoes the password each time
    reply(api, {"error": f"could not store {PASSWORD}"}, 503)

    with caplog.at_level(logging.DEBUG), pytest.raises(InternalServerError) as caught:
        await client.customers.set_password(EMAIL, PASSWORD, product=PRODUCT_ID)

    error = caught.value
    assert len(api.calls) == 3
    assert "could not store [redacted]" in str(error)
    assert error.request is not None and error.request.content == b""  # no body kept
    for text in (str(error), repr(error), repr(error.body), caplog.text):
        assert PASSWORD not in text
    assert "retrying PUT" in caplog.text


# --------------------------------------------------------------------------- create_token


def token_form(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [
        ("grant_type", "client_credentials"),
        ("scope", f"customer={EMAIL}"),
        *extra,
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ]


async def test_create_token_posts_the_customer_scope_with_the_client_pair(
    api: respx.MockRouter,
) -> None:
    reply(api, TOKEN_BODY)

    async with ParticleClient(
        TOKEN, base_url=API, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    ) as particle:
        token = await particle.customers.create_token(EMAIL)

    check_request(only_request(api), "POST", "/oauth/token", form=token_form(), token=None)
    # '+' and '@' inside the scope are encoded, not read as a space
    assert b"scope=customer%3Dcarol%2Btracker%40example.com" in only_request(api).content
    assert isinstance(token, AccessToken)
    assert token.access_token == CUSTOMER_TOKEN
    for text in (repr(token), str(token)):
        assert CUSTOMER_TOKEN not in text
        assert REFRESH_TOKEN not in text


@pytest.mark.parametrize(
    ("options", "extra"),
    [
        ({"expires_in": 3600}, [("expires_in", "3600")]),
        ({"expires_in": 0}, [("expires_in", "0")]),
        (
            {"expires_at": datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)},
            [("expires_at", "2030-01-02T03:04:05Z")],
        ),
        (
            {"expires_at": datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))},
            [("expires_at", "2030-01-02T01:04:05Z")],  # the same instant, in UTC
        ),
        ({"expires_at": "2030-01-02T03:04:05Z"}, [("expires_at", "2030-01-02T03:04:05Z")]),
    ],
    ids=["expires_in", "expires_in-0", "expires_at-utc", "expires_at-offset", "expires_at-str"],
)
async def test_create_token_sends_the_lifetime_asked_for(
    api: respx.MockRouter, options: dict[str, object], extra: list[tuple[str, str]]
) -> None:
    reply(api, TOKEN_BODY)

    async with ParticleClient(
        base_url=API, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    ) as particle:
        await particle.customers.create_token(EMAIL, **options)  # type: ignore[arg-type]

    check_request(only_request(api), "POST", "/oauth/token", form=token_form(*extra), token=None)


async def test_create_token_is_never_retried_once_sent(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    reply(api, {"error": "server_error", "error_description": f"bad {CLIENT_SECRET}"}, 503)

    async with ParticleClient(
        TOKEN, base_url=API, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    ) as particle:
        with caplog.at_level(logging.DEBUG), pytest.raises(InternalServerError) as caught:
            await particle.customers.create_token(EMAIL)

    assert len(api.calls) == 1
    error = caught.value
    assert error.request is not None and error.request.content == b""  # the form had the secret
    for text in (str(error), repr(error), repr(error.body), caplog.text):
        assert CLIENT_SECRET not in text
        assert TOKEN not in text


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
    bad_input("password-missing", lambda c: c.customers.create(EMAIL, product=PRODUCT_ID)),
    bad_input(
        "password-and-no_password",
        lambda c: c.customers.create(EMAIL, PASSWORD, product=PRODUCT_ID, no_password=True),
    ),
    bad_input(
        "no_password-str",
        lambda c: c.customers.create(EMAIL, product=PRODUCT_ID, no_password="true"),
    ),
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
    # list, delete, set_password: the product, then the e-mail as a path segment
    bad_input("list-product-None", lambda c: c.customers.list(product=None), eager=True),
    *bad_input_grid(
        {
            "list": lambda c, product: c.customers.list(product=product),
            "delete": lambda c, product: c.customers.delete(EMAIL, product=product),
            "set_password": lambda c, product: c.customers.set_password(
                EMAIL, PASSWORD, product=product
            ),
        },
        BAD_PRODUCTS,
        prefix="product",
        eager={"list"},
    ),
    *bad_input_grid(
        {"list": lambda c, size: c.customers.list(product=PRODUCT_ID, per_page=size)},
        [0, 101, True, "10"],
        prefix="per_page",
        eager={"list"},
    ),
    *bad_input_grid(
        {
            "delete": lambda c, email: c.customers.delete(email, product=PRODUCT_ID),
            "set_password": lambda c, email: c.customers.set_password(
                email, PASSWORD, product=PRODUCT_ID
            ),
            "create_token": lambda c, email: c.customers.create_token(email),
        },
        [None, "", "a\nb@example.com", "x" * 255, 5],
        ["None", "empty", "newline", "too-long", "int"],
        prefix="email",
    ),
    *bad_input_grid(
        {
            "delete": lambda c, email: c.customers.delete(email, product=PRODUCT_ID),
            "set_password": lambda c, email: c.customers.set_password(
                email, PASSWORD, product=PRODUCT_ID
            ),
        },
        ["a/b@example.com", "..", "a?b@example.com", "a#b@example.com"],
        ["slash", "dotdot", "question", "hash"],
        prefix="email-segment",
    ),
    *bad_input_grid(
        {
            "set_password": lambda c, password: c.customers.set_password(
                EMAIL, password, product=PRODUCT_ID
            )
        },
        [None, "", "pass\x00word", "p" * 1025, b"password"],
        ["None", "empty", "nul", "too-long", "bytes"],
        prefix="password",
    ),
    *bad_input_grid(
        {"create_token": lambda c, value: c.customers.create_token(EMAIL, expires_in=value)},
        [-1, True, "3600", 1.5],
        prefix="expires_in",
    ),
    *bad_input_grid(
        {"create_token": lambda c, value: c.customers.create_token(EMAIL, expires_at=value)},
        [datetime(2030, 1, 1), 1893456000, "x\n"],
        ["naive", "int", "newline"],
        prefix="expires_at",
    ),
]


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
