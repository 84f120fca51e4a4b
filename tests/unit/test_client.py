"""ParticleClient configuration, lifecycle, views and the `request()` escape hatch."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import aioparticle
import aioparticle._client
from aioparticle import (
    ClientClosedError,
    EventLoopError,
    InvalidArgumentError,
    MissingAccessTokenError,
    ParticleClient,
    VariableValue,
)
from tests.conftest import API, TOKEN, load
from tests.unit._wire import multipart_parts

pytestmark = pytest.mark.anyio


async def test_token_and_base_url_from_environment(
    monkeypatch: pytest.MonkeyPatch, api: respx.MockRouter
) -> None:
    monkeypatch.setenv("PARTICLE_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("PARTICLE_API_URL", "https://particle.example.com/")
    with respx.mock(base_url="https://particle.example.com") as other:
        route = other.get("/v1/devices").respond(json=[])
        async with ParticleClient() as client:
            assert client.base_url == "https://particle.example.com"
            await client.devices.list()
    assert route.calls.last.request.headers["authorization"] == "Bearer env-token"


async def test_explicit_arguments_win_over_environment(
    monkeypatch: pytest.MonkeyPatch, api: respx.MockRouter
) -> None:
    monkeypatch.setenv("PARTICLE_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("PARTICLE_API_URL", "https://elsewhere.example.com")
    route = api.get("/v1/devices").respond(json=[])
    async with ParticleClient(TOKEN, base_url=API) as client:
        await client.devices.list()
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"


def test_default_base_url() -> None:
    assert ParticleClient(TOKEN).base_url == "https://api.particle.io"


async def test_default_headers(client: ParticleClient, api: respx.MockRouter) -> None:
    route = api.get("/v1/devices/abc/temp").respond(json=load("variable.json"))
    await client.devices.get_variable("abc", "temp")
    headers = route.calls.last.request.headers
    assert headers["user-agent"] == f"aioparticle/{aioparticle.__version__}"
    assert headers["accept"] == "application/json"
    assert headers["authorization"] == f"Bearer {TOKEN}"


async def test_custom_default_headers_on_every_request(api: respx.MockRouter) -> None:
    route = api.get("/v1/devices").respond(json=[])
    context = {"X-Particle-Tool": "fleet-tool@1.2.0", "X-Particle-Project": "demo; env=test"}
    async with ParticleClient(TOKEN, base_url=API, default_headers=context) as client:
        await client.devices.list()
    sent = route.calls.last.request.headers
    assert sent["x-particle-tool"] == "fleet-tool@1.2.0"
    assert sent["x-particle-project"] == "demo; env=test"


@pytest.mark.parametrize(
    "url",
    [
        "http://api.particle.io",
        "http://10.0.0.5:8080",
        "ftp://api.particle.io",
        "not a url",
        "https://user:pass@api.particle.io",
        "https://api.particle.io/?x=1",
        "https://",
    ],
)
def test_unsafe_or_invalid_base_url_refused(url: str) -> None:
    with pytest.raises(InvalidArgumentError):
        ParticleClient(TOKEN, base_url=url)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "http://localhost:9000", "http://[::1]:7000", "http://127.5.6.7"],
)
def test_plain_http_allowed_for_loopback(url: str) -> None:
    assert ParticleClient(TOKEN, base_url=url).base_url == url


def test_plain_http_to_other_host_needs_explicit_opt_in() -> None:
    client = ParticleClient(TOKEN, base_url="http://cloud.lan:8080", allow_insecure_http=True)
    assert client.base_url == "http://cloud.lan:8080"


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1.0}, "timeout"),
        ({"connect_timeout": 0}, "connect_timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_retry_after": 0}, "max_retry_after"),
    ],
)
def test_invalid_options_refused(kwargs: dict[str, object], needle: str) -> None:
    with pytest.raises(InvalidArgumentError, match=needle):
        ParticleClient(TOKEN, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("token", ["", " padded ", "two words", "line\nbreak", "tøken"])
def test_malformed_token_refused_without_echoing_it(token: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        ParticleClient(token)
    if token.strip():
        assert token.strip() not in str(info.value)


async def test_call_without_token_fails_before_io(api: respx.MockRouter) -> None:
    client = ParticleClient(base_url=API)
    assert not client.has_access_token
    with pytest.raises(MissingAccessTokenError, match="PARTICLE_ACCESS_TOKEN"):
        await client.devices.get("abc")
    assert not api.calls
    await client.aclose()


async def test_closed_client_raises_at_once(api: respx.MockRouter) -> None:
    client = ParticleClient(TOKEN, base_url=API)
    await client.aclose()
    await client.aclose()  # idempotent
    assert client.is_closed
    with pytest.raises(ClientClosedError):
        await client.devices.get("abc")
    with pytest.raises(ClientClosedError):
        async with client:
            pass
    assert not api.calls
    assert "closed" in repr(client)


async def test_context_manager_closes_owned_pool() -> None:
    async with ParticleClient(TOKEN) as client:
        http = client._core.shared.http
        assert not http.is_closed
    assert http.is_closed


async def test_injected_http_client_used_and_never_closed(api: respx.MockRouter) -> None:
    route = api.get("/v1/devices/abc").respond(json=load("device.json"))
    async with httpx.AsyncClient(headers={"X-Trace": "1"}) as http:
        async with ParticleClient(TOKEN, base_url=API, http_client=http) as client:
            await client.devices.get("abc")
        assert not http.is_closed
        assert route.calls.last.request.headers["x-trace"] == "1"
        with pytest.raises(ClientClosedError):
            await client.devices.get("abc")


async def test_closed_injected_http_client_gives_clear_error(api: respx.MockRouter) -> None:
    http = httpx.AsyncClient()
    client = ParticleClient(TOKEN, base_url=API, http_client=http)
    await http.aclose()
    with pytest.raises(ClientClosedError):
        await client.devices.get("abc")


def test_limits_with_injected_client_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        ParticleClient(TOKEN, http_client=httpx.AsyncClient(), limits=httpx.Limits())


def test_pool_limits_configurable() -> None:
    limits = httpx.Limits(max_connections=7, max_keepalive_connections=3)
    client = ParticleClient(TOKEN, limits=limits)
    pool = client._core.shared.http._transport._pool  # type: ignore[attr-defined]
    assert pool._max_connections == 7
    assert pool._max_keepalive_connections == 3
    assert client._core.shared.limiter.total_tokens == 7


async def test_with_options_shares_pool_and_overrides(api: respx.MockRouter) -> None:
    route = api.get("/v1/devices/abc").respond(json=load("device.json"))
    async with ParticleClient(TOKEN, base_url=API) as client:
        view = client.with_options(timeout=5, max_retries=0, access_token="other-token")
        assert view._core.shared is client._core.shared
        assert view.timeout == 5.0 and view.max_retries == 0
        assert client.timeout == 30.0 and client.max_retries == 2
        assert view.devices is not client.devices
        await view.devices.get("abc")
        assert route.calls.last.request.headers["authorization"] == "Bearer other-token"
        await client.devices.get("abc")
        assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
        await view.aclose()  # a view never closes the shared pool
        assert not client.is_closed
        await view.devices.get("abc")
    with pytest.raises(ClientClosedError):
        await view.devices.get("abc")


async def test_with_options_merges_default_headers(api: respx.MockRouter) -> None:
    route = api.get("/v1/devices").respond(json=[])
    async with ParticleClient(TOKEN, base_url=API, default_headers={"X-A": "1"}) as client:
        await client.with_options(default_headers={"X-B": "2"}).devices.list()
    sent = route.calls.last.request.headers
    assert sent["x-a"] == "1" and sent["x-b"] == "2"


async def test_request_escape_hatch_json(client: ParticleClient, api: respx.MockRouter) -> None:
    route = api.post("/v1/some/endpoint").respond(json={"ok": True, "n": 3})
    body = await client.request(
        "post",
        "v1/some/endpoint",
        params={"a": 1, "flag": True, "off": False, "skip": None, "list": ["x", "y"]},
        json={"k": [1, 2]},
        headers={"X-Extra": "yes"},
    )
    assert body == {"ok": True, "n": 3}
    request = route.calls.last.request
    assert request.method == "POST"
    assert request.url.path == "/v1/some/endpoint"
    assert request.url.query == b"a=1&flag=true&off=false&list=x%2Cy"
    assert json.loads(request.content) == {"k": [1, 2]}
    assert request.headers["x-extra"] == "yes"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_request_with_model(client: ParticleClient, api: respx.MockRouter) -> None:
    api.get("/v1/devices/abc/temp").respond(json=load("variable.json"))
    value = await client.request("GET", "/v1/devices/abc/temp", model=VariableValue)
    assert isinstance(value, VariableValue)
    assert value.result == 21.5


async def test_request_form_body(client: ParticleClient, api: respx.MockRouter) -> None:
    route = api.post("/v1/form").respond(json={})
    await client.request("POST", "/v1/form", data={"arg": "on", "x": "1"})
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.content == b"arg=on&x=1"


async def test_request_multipart_from_bytes_path_and_file(
    client: ParticleClient, api: respx.MockRouter, tmp_path: object
) -> None:
    from pathlib import Path

    source = Path(str(tmp_path)) / "app.ino"
    source.write_bytes(b"void setup() {}")
    route = api.post("/v1/upload").respond(json={"ok": True})
    with open(source, "rb") as handle:
        await client.request(
            "POST",
            "/v1/upload",
            files={"file": b"raw-bytes", "file2": source, "file3": handle},
        )
    request = route.calls.last.request
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    content = request.content
    assert b'name="file"; filename="file"' in content and b"raw-bytes" in content
    assert b'name="file2"; filename="app.ino"' in content
    assert b'name="file3"; filename="app.ino"' in content
    assert content.count(b"void setup() {}") == 2


async def test_request_head_and_empty_bodies(client: ParticleClient, api: respx.MockRouter) -> None:
    api.head("/v1/sims/8931").respond(200)
    api.delete("/v1/thing").respond(204)
    assert await client.request("HEAD", "/v1/sims/8931") is None
    assert await client.request("DELETE", "/v1/thing") is None


@pytest.mark.parametrize(
    "path",
    [
        "https://evil.example.com/v1/devices",
        "//evil.example.com/v1/devices",
        "/v1/devices?access_token=x",
        "/v1/devices#frag",
        "/v1/../oauth/token",
        "/v1/./devices",
        "/v1/dev\nices",
        "",
        "\\evil",
    ],
)
async def test_request_rejects_paths_that_leave_the_api(
    client: ParticleClient, api: respx.MockRouter, path: str
) -> None:
    with pytest.raises(InvalidArgumentError):
        await client.request("GET", path)
    assert not api.calls


async def test_request_rejects_two_bodies(client: ParticleClient, api: respx.MockRouter) -> None:
    with pytest.raises(InvalidArgumentError):
        await client.request("POST", "/v1/x", json={}, data={"a": "b"})
    with pytest.raises(InvalidArgumentError):
        await client.request("GE T", "/v1/x")
    assert not api.calls


async def test_redirect_is_not_followed(client: ParticleClient, api: respx.MockRouter) -> None:
    api.get("/v1/devices/abc").respond(302, headers={"Location": "https://evil.example.com/"})
    with pytest.raises(aioparticle.APIStatusError) as info:
        await client.devices.get("abc")
    assert info.value.status_code == 302
    assert len(api.calls) == 1


def test_repr_hides_token() -> None:
    client = ParticleClient(TOKEN)
    text = repr(client)
    assert TOKEN not in text
    assert "access_token='***'" in text
    assert TOKEN not in repr(client.devices)
    assert TOKEN not in repr(client._core.auth)
    view = client.with_options(access_token="another-secret-token")
    assert "another-secret-token" not in repr(view)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Particle-Tool": "tool\r\nX-Injected: 1"},
        {"X-Particle-Tool": "tool\n"},
        {"X-Particle-Tool": "to\x00ol"},
        {"Bad Header": "v"},
        {"X-Colon:": "v"},
        {"X-Number": 5},
    ],
)
def test_bad_default_headers_are_refused_at_construction(headers: dict[str, object]) -> None:
    with pytest.raises(InvalidArgumentError, match="default_headers"):
        ParticleClient(TOKEN, default_headers=headers)  # type: ignore[arg-type]
    client = ParticleClient(TOKEN)
    with pytest.raises(InvalidArgumentError, match="default_headers"):
        client.with_options(default_headers=headers)  # type: ignore[arg-type]


def test_a_client_used_from_a_second_event_loop_says_so() -> None:
    import asyncio

    import anyio

    async def fetch(client: ParticleClient) -> object:
        return await client.request("GET", "/v1/user")

    with respx.mock(base_url=API) as router:
        router.get("/v1/user").respond(json={"username": "me"})
        client = ParticleClient(TOKEN, base_url=API)
        assert asyncio.run(fetch(client)) == {"username": "me"}
        with pytest.raises(EventLoopError, match="one client per event loop") as info:
            asyncio.run(fetch(client))
        assert isinstance(info.value, RuntimeError)
        with pytest.raises(EventLoopError):
            anyio.run(fetch, client, backend="trio")
        assert router.calls.call_count == 1


async def test_request_files_are_named_by_their_key(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    firmware = tmp_path / "firmware-v2.bin"
    firmware.write_bytes(b"\x00\x01")
    route = api.post("/v1/x").respond(json={})
    await client.request("POST", "/v1/x", files={"binary": firmware, "raw": b"abc"})
    parts = multipart_parts(route.calls.last.request)
    assert [(p.name, p.filename) for p in parts] == [
        ("binary", "firmware-v2.bin"),
        ("raw", "raw"),
    ]


def test_clients_share_one_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    # building a TLS context loads a certificate store (tens of milliseconds): once per process
    made: list[object] = []
    real = httpx.create_ssl_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        context = real(*args, **kwargs)
        made.append(context)
        return context

    monkeypatch.setattr(httpx, "create_ssl_context", counting)
    monkeypatch.setattr(aioparticle._client, "_tls_context", None)
    clients = [ParticleClient(TOKEN, base_url=API) for _ in range(3)]
    assert len(made) == 1
    for client in clients:  # every pool verifies certificates with that one context
        pool = client._core.shared.http._transport._pool  # type: ignore[attr-defined]
        assert pool._ssl_context is made[0]
        assert made[0].verify_mode == ssl.CERT_REQUIRED
