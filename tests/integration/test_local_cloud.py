"""`LocalCloud` itself: lifecycle, sync use, the pytest plugin's fixtures and the CLI."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import textwrap
import time

import anyio
import httpx
import pytest
from anyio.streams.text import TextReceiveStream

from aioparticle import APIConnectionError, ParticleClient
from aioparticle.testing import LocalCloud
from tests.integration.conftest import bearer

URL_LINE = re.compile(r"^Local Particle Cloud on (http://127\.0\.0\.1:(\d+))$", re.MULTILINE)
TOKEN_LINE = re.compile(r"^\s*export PARTICLE_ACCESS_TOKEN=(\S+)$", re.MULTILINE)


# ---------------------------------------------------------------------- lifecycle


@pytest.mark.anyio
async def test_start_and_stop_take_under_a_second() -> None:
    started = time.monotonic()
    async with LocalCloud() as cloud:
        assert cloud.running
        cloud.add_device("garage", variables={"temp": 21.5})
        async with ParticleClient(cloud.token, base_url=cloud.url) as client:
            with anyio.fail_after(1):
                value = await client.devices.get_variable("garage", "temp")
    elapsed = time.monotonic() - started
    assert value.result == 21.5
    assert not cloud.running
    assert elapsed < 1.0


def test_port_is_closed_after_stop() -> None:
    with LocalCloud() as cloud:
        port = cloud.port
        assert port > 0
        assert cloud.url == f"http://127.0.0.1:{port}"
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


@pytest.mark.anyio
async def test_sdk_gets_a_connection_error_after_stop() -> None:
    async with LocalCloud() as cloud:
        url, token = cloud.url, cloud.token
        async with ParticleClient(token, base_url=url) as client:
            with anyio.fail_after(2):
                assert len(await client.devices.list()) == 0
    async with ParticleClient(token, base_url=url, max_retries=0) as client:
        with anyio.fail_after(2), pytest.raises(APIConnectionError) as info:
            await client.devices.list()
    assert "connection failed" in str(info.value)


def test_url_raises_when_not_running() -> None:
    cloud = LocalCloud()
    assert not cloud.running
    with pytest.raises(RuntimeError, match="not running"):
        _ = cloud.url
    assert "stopped" in repr(cloud)
    with cloud:
        assert cloud.url.startswith("http://127.0.0.1:")
        assert cloud.url in repr(cloud)
    with pytest.raises(RuntimeError, match="not running"):
        _ = cloud.url
    cloud.stop()  # idempotent


def test_start_twice_is_refused() -> None:
    with LocalCloud() as cloud, pytest.raises(RuntimeError, match="already running"):
        cloud.start()


def test_only_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LocalCloud(host="0.0.0.0")  # noqa: S104 - the point of the test


def test_sync_context_manager_with_httpx_client() -> None:
    with LocalCloud() as cloud:
        device = cloud.add_device("garage", variables={"temp": 21.5}, functions={"open": len})
        with httpx.Client(base_url=cloud.url, timeout=5.0) as http:
            listed = http.get("/v1/devices", headers=bearer(cloud.token))
            variable = http.get(f"/v1/devices/{device.id}/temp", headers=bearer(cloud.token))
            called = http.post(
                "/v1/devices/garage/open", json={"arg": "abc"}, headers=bearer(cloud.token)
            )
    assert listed.status_code == 200
    assert [d["name"] for d in listed.json()] == ["garage"]
    assert variable.json()["result"] == 21.5
    assert called.json()["return_value"] == 3
    assert [c.arg for c in device.calls] == ["abc"]
    assert not cloud.running


def test_state_survives_a_restart() -> None:
    cloud = LocalCloud()
    cloud.add_device("garage", variables={"temp": 21.5})  # seeded before start
    with cloud, httpx.Client(base_url=cloud.url, timeout=5.0) as http:
        first = http.get("/v1/devices/garage/temp", headers=bearer(cloud.token))
    with cloud, httpx.Client(base_url=cloud.url, timeout=5.0) as http:
        second = http.get("/v1/devices/garage/temp", headers=bearer(cloud.token))
    assert first.json()["result"] == second.json()["result"] == 21.5


# ---------------------------------------------------------------------- pytest plugin fixtures


def test_particle_cloud_fixture_is_running_and_empty(particle_cloud: LocalCloud) -> None:
    assert particle_cloud.running
    assert particle_cloud.devices == {}
    with httpx.Client(base_url=particle_cloud.url, timeout=5.0) as http:
        response = http.get("/v1/devices", headers=bearer(particle_cloud.token))
    assert response.json() == []


@pytest.mark.anyio
async def test_particle_env_lets_a_bare_client_reach_the_local_cloud(
    particle_env: LocalCloud,
) -> None:
    particle_env.add_device("garage", variables={"temp": 21.5})
    async with ParticleClient() as client:
        assert client.base_url == particle_env.url
        assert client.has_access_token
        with anyio.fail_after(3):
            listed = [d.name async for d in client.devices.list()]
            value = await client.devices.get_variable("garage", "temp")
    assert listed == ["garage"]
    assert value.result == 21.5


# ---------------------------------------------------------------------- the CLI


@pytest.mark.anyio
@pytest.mark.slow
async def test_cli_serves_the_demo_fleet() -> None:
    process = await anyio.open_process(
        [sys.executable, "-m", "aioparticle.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        output = ""
        with anyio.fail_after(4):
            async for text in TextReceiveStream(process.stdout):
                output += text
                if URL_LINE.search(output) and TOKEN_LINE.search(output):
                    break
        url_match, token_match = URL_LINE.search(output), TOKEN_LINE.search(output)
        assert url_match is not None
        assert token_match is not None
        url, port, token = url_match[1], int(url_match[2]), token_match[1]
        assert port > 0
        assert f"export PARTICLE_API_URL={url}" in output

        async with httpx.AsyncClient(base_url=url, timeout=3.0) as http:
            with anyio.fail_after(3):
                response = await http.get("/v1/devices", headers=bearer(token))
        assert response.status_code == 200
        names = {d["name"]: d for d in response.json()}
        assert set(names) == {"garage-door", "boat-tracker"}
        assert names["garage-door"]["online"] is True
        assert names["boat-tracker"]["online"] is False

        async with ParticleClient(token, base_url=url) as client:
            with anyio.fail_after(3):
                uptime = await client.devices.get_variable("garage-door", "uptime")
                door = await client.devices.call_function("garage-door", "door", "open")
                state = await client.devices.get_variable("garage-door", "door")
                fleet = [d.name async for d in client.devices.list(product="demo-fleet")]
        assert uptime.result == 3600
        assert door.return_value == 1
        assert state.result == "open"
        assert fleet == ["tracker-1", "tracker-2", "tracker-3"]
    finally:
        if process.returncode is None:
            process.terminate()
            with anyio.move_on_after(3):
                await process.wait()
            if process.returncode is None:
                process.kill()
        with anyio.fail_after(3):
            await process.aclose()


# ---------------------------------------------------------------------- a user's own suite

USER_CONFTEST = """
pytest_plugins = ["aioparticle.testing.pytest_plugin"]
"""

USER_TESTS = """
import httpx
import pytest

from aioparticle import ParticleClient

pytestmark = pytest.mark.anyio


async def test_reads_temperature(particle_cloud):
    particle_cloud.add_device("garage", variables={"temp": 21.5})
    async with ParticleClient(particle_cloud.token, base_url=particle_cloud.url) as client:
        assert (await client.devices.get_variable("garage", "temp")).result == 21.5


async def test_code_building_its_own_client(particle_env):
    particle_env.add_device("garage", functions={"open": lambda arg: 1})
    async with ParticleClient() as client:
        assert (await client.devices.call_function("garage", "open", "now")).return_value == 1
    (garage,) = particle_env.devices.values()
    assert [call.arg for call in garage.calls] == ["now"]


def test_synchronous(particle_cloud):
    with httpx.Client(base_url=particle_cloud.url) as http:
        response = http.get(
            "/v1/devices", headers={"Authorization": f"Bearer {particle_cloud.token}"}
        )
    assert response.json() == []
"""


@pytest.mark.slow
def test_a_user_can_enable_the_plugin_in_their_conftest(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(textwrap.dedent(USER_CONFTEST))
    pytester.makepyfile(test_user_suite=textwrap.dedent(USER_TESTS))
    # pytest-asyncio happens to be installed here and warns about its own unset option;
    # a user of anyio does not need it
    result = pytester.runpytest_subprocess(
        "-p", "anyio", "-p", "no:asyncio", "-p", "no:cacheprovider", "-W", "error", "-v", timeout=60
    )
    # anyio runs each async test on every installed backend (asyncio and trio here)
    result.stdout.fnmatch_lines_random(
        [
            "*test_reads_temperature?asyncio? PASSED*",
            "*test_reads_temperature?trio? PASSED*",
            "*test_code_building_its_own_client?asyncio? PASSED*",
            "*test_code_building_its_own_client?trio? PASSED*",
            "*test_synchronous PASSED*",
        ]
    )
    result.assert_outcomes(passed=5)
    assert result.ret == 0
