"""`client.oauth_clients`: the wire shape of every call, the once-shown secret, bad input."""

from __future__ import annotations

import logging

import pytest
import respx
from pydantic import SecretStr

from aioparticle import (
    APIResponseValidationError,
    OAuthClient,
    OAuthClientWithSecret,
    ParticleClient,
)
from tests.unit._wire import BadInput, bad_input, check_request, only_request, reply

pytestmark = pytest.mark.anyio

CLIENT = {"id": "acme-backend-1234", "name": "backend", "type": "installed"}
SECRET = "5f0c1e9a7b3d2c4e6f8a0b1c2d3e4f5a6b7c8d9e"


@pytest.mark.parametrize(("product", "prefix"), [(None, "/v1"), (4567, "/v1/products/4567")])
async def test_list(
    client: ParticleClient, api: respx.MockRouter, product: int | None, prefix: str
) -> None:
    reply(api, {"ok": True, "clients": [CLIENT, {**CLIENT, "id": "web-1", "type": "web"}]})
    clients = await client.oauth_clients.list(product=product)
    check_request(only_request(api), "GET", f"{prefix}/clients")
    assert [c.id for c in clients] == ["acme-backend-1234", "web-1"]
    assert all(isinstance(c, OAuthClient) and c.secret is None for c in clients)


@pytest.mark.parametrize(
    ("args", "kwargs", "body"),
    [
        (("backend", "installed"), {}, {"name": "backend", "type": "installed"}),
        (
            ("site", "web"),
            {"redirect_uri": "https://example.com/cb", "scope": "*:*"},
            {
                "name": "site",
                "type": "web",
                "redirect_uri": "https://example.com/cb",
                "scope": "*:*",
            },
        ),
    ],
)
@pytest.mark.parametrize(("product", "prefix"), [(None, "/v1"), ("acme", "/v1/products/acme")])
async def test_create_returns_the_secret_once_and_masked(
    client: ParticleClient,
    api: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    args: tuple[str, str],
    kwargs: dict[str, str],
    body: dict[str, str],
    product: str | None,
    prefix: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    reply(api, {"ok": True, "client": {**CLIENT, "secret": SECRET}})
    created = await client.oauth_clients.create(*args, **kwargs, product=product)  # type: ignore[arg-type]
    check_request(only_request(api), "POST", f"{prefix}/clients", body=body)
    assert isinstance(created, OAuthClientWithSecret)  # its secret is typed SecretStr
    assert isinstance(created.secret, SecretStr)
    assert created.secret.get_secret_value() == SECRET
    assert SECRET not in repr(created) and SECRET not in str(created)
    assert SECRET not in caplog.text


async def test_create_accepts_an_unwrapped_answer(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {**CLIENT, "secret": SECRET})
    created = await client.oauth_clients.create("backend", "installed")
    assert created.id == "acme-backend-1234"
    assert created.secret is not None


async def test_a_create_answer_without_the_secret_is_a_validation_error(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": True, "client": CLIENT})
    with pytest.raises(APIResponseValidationError, match="secret"):
        await client.oauth_clients.create("backend", "installed")


async def test_create_is_not_retried(client: ParticleClient, api: respx.MockRouter) -> None:
    route = api.post("/v1/clients").respond(503, json={"error": "busy"})
    with pytest.raises(Exception, match="503"):
        await client.oauth_clients.create("backend", "installed")
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"name": "renamed"}, {"name": "renamed"}),
        ({"scope": "none"}, {"scope": "none"}),
        ({"name": "n", "scope": "s", "product": 4567}, {"name": "n", "scope": "s"}),
    ],
)
async def test_update(
    client: ParticleClient, api: respx.MockRouter, kwargs: dict[str, object], body: object
) -> None:
    reply(api, {"ok": True, "client": {**CLIENT, "name": "renamed"}})
    updated = await client.oauth_clients.update("acme-backend-1234", **kwargs)  # type: ignore[arg-type]
    prefix = "/v1/products/4567" if "product" in kwargs else "/v1"
    check_request(only_request(api), "PUT", f"{prefix}/clients/acme-backend-1234", body=body)
    assert updated.name == "renamed"


@pytest.mark.parametrize(("product", "prefix"), [(None, "/v1"), (4567, "/v1/products/4567")])
async def test_delete(
    client: ParticleClient, api: respx.MockRouter, product: int | None, prefix: str
) -> None:
    reply(api, {"ok": True})
    assert await client.oauth_clients.delete("a b", product=product) is None
    check_request(only_request(api), "DELETE", f"{prefix}/clients/a%20b")


BAD_INPUT = [
    bad_input("create-name-empty", lambda c: c.oauth_clients.create("", "installed")),
    bad_input("create-name-None", lambda c: c.oauth_clients.create(None, "installed")),
    bad_input("create-name-newline", lambda c: c.oauth_clients.create("a\nb", "installed")),
    bad_input("create-name-too-long", lambda c: c.oauth_clients.create("x" * 257, "installed")),
    bad_input("create-type-other", lambda c: c.oauth_clients.create("n", "desktop")),
    bad_input(
        "create-redirect-installed",
        lambda c: c.oauth_clients.create("n", "installed", redirect_uri="https://x"),
    ),
    bad_input("create-scope-control", lambda c: c.oauth_clients.create("n", "web", scope="\x00")),
    bad_input("create-product-slash", lambda c: c.oauth_clients.create("n", "web", product="a/b")),
    bad_input("update-nothing", lambda c: c.oauth_clients.update("id")),
    bad_input("update-id-empty", lambda c: c.oauth_clients.update("", name="n")),
    bad_input("update-id-dotdot", lambda c: c.oauth_clients.update("..", name="n")),
    bad_input("update-id-slash", lambda c: c.oauth_clients.update("a/b", name="n")),
    bad_input("update-id-query", lambda c: c.oauth_clients.update("a?b", name="n")),
    bad_input("delete-id-None", lambda c: c.oauth_clients.delete(None)),
    bad_input("delete-id-hash", lambda c: c.oauth_clients.delete("a#b")),
    bad_input("delete-id-control", lambda c: c.oauth_clients.delete("a\tb")),
    bad_input("list-product-dot", lambda c: c.oauth_clients.list(product=".")),
]


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={"ok": True})
    return api


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
