"""The one request path: sub-clients, their names and labels, and what every call shares."""

from __future__ import annotations

import inspect
import re
import warnings

import httpx
import pytest
import respx

import aioparticle
from aioparticle import (
    APITimeoutError,
    InvalidArgumentError,
    MissingAccessTokenError,
    ParticleClient,
    RateLimitError,
)
from aioparticle._core import SubClient
from aioparticle.resources._base import Resource
from tests.conftest import API, TOKEN

pytestmark = pytest.mark.anyio


def sub_clients(owner: object, prefix: str = "") -> list[tuple[str, Resource]]:
    """Every sub-client reachable from `owner`, with its attribute path."""
    found = []
    for attr, value in vars(type(owner)).items():
        if isinstance(value, SubClient):
            child = getattr(owner, attr)
            path = f"{prefix}{attr}"
            found.append((path, child))
            found.extend(sub_clients(child, f"{path}."))
    return found


def test_every_sub_client_is_named_after_its_attribute_path() -> None:
    client = ParticleClient(TOKEN)
    found = sub_clients(client)
    assert {path for path, _ in found} >= {
        "devices",
        "events",
        "products",
        "products.firmware",
        "products.team",
        "products.config",
        "products.locations",
        "sims",
        "libraries",
    }
    for path, resource in found:
        assert isinstance(resource, Resource)
        assert resource._name == path
        assert repr(resource).startswith(f"<{type(resource).__name__} client.{path} of ")


def test_nested_sub_client_classes_are_named_owner_then_attribute() -> None:
    client = ParticleClient(TOKEN)
    for path, resource in sub_clients(client):
        if "." not in path:
            continue
        parent_path, attr = path.rsplit(".", 1)
        parent = dict(sub_clients(client))[parent_path]
        expected = type(parent).__name__ + "".join(w.title() for w in attr.split("_"))
        assert type(resource).__name__ == expected, path
        assert getattr(aioparticle, expected) is type(resource)


def test_sub_clients_are_cached_per_client_and_view() -> None:
    client = ParticleClient(TOKEN)
    view = client.with_options(timeout=5)
    assert client.products.firmware is client.products.firmware
    assert view.products.firmware is not client.products.firmware
    assert view.products.firmware._core is view._core


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("ProductFirmwareClient", "ProductsFirmware"),
        ("ProductTeam", "ProductsTeam"),
        ("ProductConfig", "ProductsConfig"),
        ("ProductLocations", "ProductsLocations"),
    ],
)
def test_old_nested_class_names_still_import_with_a_deprecation_warning(old: str, new: str) -> None:
    for module in (aioparticle, aioparticle.resources):
        with pytest.warns(DeprecationWarning, match=f"use {module.__name__}.{new}"):
            assert getattr(module, old) is getattr(aioparticle, new)
    with pytest.raises(AttributeError):
        aioparticle.NoSuchThing  # noqa: B018


@pytest.mark.parametrize(
    ("call", "label"),
    [
        (lambda c: c.products.firmware.list(product=None), "products.firmware.list()"),
        (lambda c: c.products.team.remove("a@b.c", product=None), "products.team.remove()"),
        (lambda c: c.products.config.get(product=None), "products.config.get()"),
        (lambda c: c.products.locations.get("0" * 24, product=None), "products.locations.get()"),
        (lambda c: c.devices.remove_owner("0" * 24, product=None), "devices.remove_owner()"),
        (lambda c: c.sims.get_fleet_data_usage(product=None), "sims.get_fleet_data_usage()"),
        (lambda c: c.customers.create("a@b.c", "pw", product=None), "customers.create()"),
    ],
)
async def test_a_missing_product_names_the_operation(
    client: ParticleClient, api: respx.MockRouter, call: object, label: str
) -> None:
    with pytest.raises(InvalidArgumentError, match="^" + re.escape(f"{label} needs product=")):
        coro = call(client)  # type: ignore[operator]
        await coro if inspect.isawaitable(coro) else coro  # locations.list() is a paginator
    assert len(api.calls) == 0


def test_request_signature_names_every_option() -> None:
    parameters = inspect.signature(ParticleClient.request).parameters
    assert list(parameters) == [
        "self",
        "method",
        "path",
        "params",
        "json",
        "data",
        "headers",
        "idempotent",
        "files",
        "progress",
        "model",
    ]
    assert all(
        p.kind is p.KEYWORD_ONLY
        for name, p in parameters.items()
        if name
        not in {
            "self",
            "method",
            "path",
        }
    )


async def test_request_refuses_an_unknown_keyword_before_any_io(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    with pytest.raises(TypeError, match="timeout"):
        await client.request("GET", "/v1/user", timeout=3)  # type: ignore[call-arg]
    assert len(api.calls) == 0


async def test_request_and_sub_clients_send_the_same_request(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    route = api.get("/v1/devices/0123456789abcdef01234567/temp").respond(
        json={"name": "temp", "result": 21.5, "coreInfo": {}}
    )
    await client.devices.get_variable("0123456789abcdef01234567", "temp")
    await client.request("GET", "/v1/devices/0123456789abcdef01234567/temp")
    first, second = (call.request for call in route.calls)
    assert first.url == second.url
    assert dict(first.headers) == dict(second.headers)


async def test_stream_open_failures_are_typed_like_any_call(api: respx.MockRouter) -> None:
    api.get("/v1/devices/events").mock(side_effect=httpx.ConnectTimeout("slow"))
    async with ParticleClient(TOKEN, base_url=API) as client:
        stream = client.events.stream(device="mine", reconnect=False)
        with pytest.raises(APITimeoutError, match=r"timed out: slow \[GET /v1/devices/events\]"):
            await stream.__aenter__()
        await stream.aclose()


async def test_stream_open_keeps_the_rate_limit_error_and_its_retry_after(
    api: respx.MockRouter,
) -> None:
    api.get("/v1/devices/events").respond(429, headers={"Retry-After": "7"}, json={})
    async with ParticleClient(TOKEN, base_url=API) as client:
        stream = client.events.stream(device="mine", reconnect=False)
        with pytest.raises(RateLimitError) as caught:
            await stream.__aenter__()
        await stream.aclose()
    assert caught.value.retry_after == 7.0
    assert len(api.calls) == 1  # the stream paces its own reopens: the core does not retry it


async def test_every_kind_of_call_needs_a_token_and_says_so(api: respx.MockRouter) -> None:
    async with ParticleClient(base_url=API) as client:
        with pytest.raises(MissingAccessTokenError, match="PARTICLE_ACCESS_TOKEN"):
            await client.devices.get("0123456789abcdef01234567")
        with pytest.raises(MissingAccessTokenError, match="PARTICLE_ACCESS_TOKEN"):
            await client.builds.download_binary("0123456789abcdef01234567")
        with pytest.raises(MissingAccessTokenError, match="PARTICLE_ACCESS_TOKEN"):
            await client.events.stream(device="mine").__aenter__()
    assert len(api.calls) == 0


def test_the_deprecation_of_old_names_is_silent_for_new_ones() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert aioparticle.ProductsTeam is aioparticle.resources.ProductsTeam


def test_resources_reach_the_core_only_through_their_base_class() -> None:
    """No resource module touches httpx, sleeps, or reads a private attribute of the client."""
    import ast
    from pathlib import Path

    package = Path(aioparticle.__file__).parent / "resources"
    for module in sorted(package.glob("*.py")):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [alias.name for alias in node.names]
                source = getattr(node, "module", None) or ""
                assert "httpx" not in names and not source.startswith("httpx"), module.name
                assert not source.endswith("_client"), module.name
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
                # self._client.<anything> or self._core.<private>
                assert node.value.attr != "_client", f"{module.name}: {ast.unparse(node)}"
                if node.value.attr == "_core":
                    assert not node.attr.startswith("_"), f"{module.name}: {ast.unparse(node)}"
            if isinstance(node, ast.Name):
                assert node.id not in {"sleep", "ParticleClient"}, module.name
