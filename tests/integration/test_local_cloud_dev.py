"""The local cloud as a development tool, in process: the CLI's option checks and state-file
errors, `LocalCloud(token=, latency=, state_file=)`, a clean stop with requests under way,
`reset()`, and the session fixtures as a user's suite sees them."""

from __future__ import annotations

import logging
import sqlite3
import textwrap
import time
from pathlib import Path

import anyio
import httpx
import pytest

import aioparticle
from aioparticle import ParticleClient
from aioparticle.testing import LocalCloud, StateFileError, seed_fleet
from aioparticle.testing.__main__ import main
from tests.integration.conftest import bearer

SECRET_TOKEN = "sekrit-but-short"


# ---------------------------------------------------------------------- the CLI's checks


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--latency", "-1"], "argument --latency: must be a number of seconds from 0 to 600"),
        (["--latency", "nan"], "argument --latency: must be a number of seconds from 0 to 600"),
        (["--latency", "soon"], "argument --latency: must be a number of seconds from 0 to 600"),
        (["--keepalive", "0"], "argument --keepalive: must be a number of seconds more than 0"),
        (["--devices", "-5"], "argument --devices: must be a whole number from 0 to 100,000"),
        (["--devices", "100001"], "argument --devices: must be a whole number from 0 to 100,000"),
        (["--products", "many"], "argument --products: must be a whole number from 0 to 10,000"),
        (["--port", "70000"], "argument --port: must be a whole number from 0 to 65,535"),
        (["--token", "a b"], "8 to 256 characters among letters, digits and - . _ ~ + / ="),
        (["--empty", "--devices", "3"], "not allowed with argument --empty"),
        (["--empty", "--products", "3"], "not allowed with argument --empty"),
    ],
)
def test_bad_options_are_refused_naming_what_is_allowed(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_refused_token_is_not_repeated(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--token", SECRET_TOKEN + " !"])
    assert "sekrit" not in capsys.readouterr().err


def test_help_explains_every_option_and_the_fleet(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for option in ("--port", "--token", "--empty", "--devices", "--products", "--state"):
        assert option in text
    for option in ("--latency", "--keepalive"):
        assert option in text
    assert "round-robin" in text
    assert "127.0.0.1" in text
    assert "export PARTICLE_ACCESS_TOKEN" in text


def _not_a_database(path: Path) -> None:
    path.write_text("these are my notes, not a database\n" * 100)


def _another_programs_database(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")


def _a_newer_state_file(path: Path) -> None:
    LocalCloud(state_file=path).stop()  # makes a state file
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'version'")


def _a_damaged_state_file(path: Path) -> None:
    cloud = LocalCloud(state_file=path)
    cloud.add_device("garage")
    cloud.stop()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE devices SET variables = '{not json'")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_not_a_database, "not a local cloud state file (not an SQLite database)"),
        (_another_programs_database, "an SQLite database of another program"),
        (_a_newer_state_file, "written by a newer aioparticle (format 99"),
        (_a_damaged_state_file, "damaged (JSONDecodeError"),
    ],
)
def test_an_unusable_state_file_is_a_clear_error(
    tmp_path: Path, make: object, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "state.sqlite"
    make(path)  # type: ignore[operator]
    before = path.read_bytes()
    assert main(["--state", str(path), "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert f"error: --state: state file {path}: {message}" in err
    assert "Traceback" not in err
    assert path.read_bytes() == before  # left as it was


def test_a_state_file_in_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StateFileError, match="cannot create it"):
        LocalCloud(state_file=tmp_path / "missing" / "state.sqlite")


# ---------------------------------------------------------------------- LocalCloud's options


def test_a_fixed_token_replaces_the_random_one() -> None:
    cloud = LocalCloud(token="fixed-token-0123")
    with cloud, httpx.Client(base_url=cloud.url, timeout=5.0) as http:
        assert cloud.token == "fixed-token-0123"
        assert http.get("/v1/devices", headers=bearer("fixed-token-0123")).status_code == 200
    assert len([t for t in cloud.tokens.values() if t.username == cloud.username]) == 1


def test_bad_token_and_latency_are_refused_before_starting() -> None:
    with pytest.raises(ValueError, match="8 to 256 characters") as info:
        LocalCloud(token=SECRET_TOKEN + " !")
    assert "sekrit" not in str(info.value)
    with pytest.raises(ValueError, match="latency"):
        LocalCloud(latency=-0.5)


@pytest.mark.anyio
async def test_latency_delays_every_response() -> None:
    async with (
        LocalCloud(latency=0.15) as cloud,
        ParticleClient(cloud.token, base_url=cloud.url) as client,
    ):
        started = time.monotonic()
        with anyio.fail_after(5):
            await client.devices.list()
            await client.products.list()
        assert time.monotonic() - started >= 0.3


def test_a_generated_fleet_of_ten_thousand_devices() -> None:
    cloud = LocalCloud()
    seed_fleet(cloud, devices=10_000, products=7)
    assert len(cloud.devices) == 10_000
    assert len({d.id for d in cloud.devices.values()}) == 10_000
    per_product = [
        sum(d.product_id == p for d in cloud.devices.values()) for p in range(1001, 1008)
    ]
    assert per_product == [1429] * 4 + [1428] * 3  # round-robin: 10,000 = 7 * 1428 + 4
    first = next(iter(cloud.devices.values()))
    assert first.name == "device-00001"


# ---------------------------------------------------------------------- a clean stop


@pytest.mark.anyio
async def test_stopping_with_requests_under_way_is_prompt_and_quiet(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cloud = LocalCloud(latency=0.3)
    cloud.add_device("garage", variables={"temp": 21.5})
    answers: list[int] = []
    with caplog.at_level(logging.DEBUG):
        cloud.start()
        async with httpx.AsyncClient(base_url=cloud.url, timeout=5.0) as http:

            async def call() -> None:
                response = await http.get("/v1/devices/garage/temp", headers=bearer(cloud.token))
                answers.append(response.status_code)

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(call)
                await anyio.sleep(0.1)  # the call waits on the latency
                started = time.monotonic()
                await anyio.to_thread.run_sync(cloud.stop)
                took = time.monotonic() - started
    assert answers == [503]
    assert took < 0.5
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# ---------------------------------------------------------------------- the state file


def test_a_restart_keeps_the_events_and_goes_on_counting_ids(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    cloud = LocalCloud(state_file=path)
    garage = cloud.add_device(
        "garage",
        variables={"temp": 21.5, "computed": lambda: 7},
        functions={"open": lambda arg: 5},
    )
    with cloud:
        garage.publish("door/state", "open")
        cloud.publish("deploy", "v2")
    assert not cloud.restored

    again = LocalCloud(state_file=path)
    assert again.restored
    assert again.events == cloud.events
    (restored,) = again.devices.values()
    assert (restored.id, restored.name) == (garage.id, "garage")
    assert restored.variables == {"temp": 21.5}  # a computed variable is Python code: left out
    assert restored.call_function("open", "x") == 0  # a function the cloud does not know
    assert again.token == cloud.token
    assert again.add_device("shed").id not in (garage.id,)


# ---------------------------------------------------------------------- reset and the fixtures


def test_reset_forgets_everything_but_keeps_the_token() -> None:
    with LocalCloud() as cloud, httpx.Client(base_url=cloud.url, timeout=5.0) as http:
        cloud.add_device("garage")
        cloud.add_product(None)
        cloud.publish("x")
        token = cloud.token
        cloud.reset()
        listed = http.get("/v1/devices", headers=bearer(token))
        assert (cloud.devices, cloud.products, cloud.events) == ({}, {}, [])
        assert listed.json() == []
        assert cloud.token == token


USER_CONFTEST = """
pytest_plugins = ["aioparticle.testing.pytest_plugin"]
"""

USER_TESTS = """
import os

import httpx

SEEN = []


def test_first(particle_cloud_session):
    particle_cloud_session.add_device("garage")
    SEEN.append(particle_cloud_session)


def test_second_sees_the_same_cloud(particle_cloud_session, particle_env_session):
    assert particle_cloud_session is SEEN[0]
    assert [d.name for d in particle_cloud_session.devices.values()] == ["garage"]
    assert os.environ["PARTICLE_API_URL"] == particle_cloud_session.url
    particle_cloud_session.reset()
    with httpx.Client(base_url=os.environ["PARTICLE_API_URL"]) as http:
        token = os.environ["PARTICLE_ACCESS_TOKEN"]
        listed = http.get("/v1/devices", headers={"Authorization": f"Bearer {token}"})
    assert listed.json() == []
"""


@pytest.mark.slow
def test_the_session_fixture_is_one_cloud_for_two_tests(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the suite runs this checkout's aioparticle, wherever pytester puts it
    monkeypatch.setenv("PYTHONPATH", str(Path(aioparticle.__file__).parents[1]))
    pytester.makeconftest(textwrap.dedent(USER_CONFTEST))
    pytester.makepyfile(test_user_suite=textwrap.dedent(USER_TESTS))
    result = pytester.runpytest_subprocess(
        "-p", "no:asyncio", "-p", "no:cacheprovider", "-W", "error", "-v", timeout=60
    )
    result.assert_outcomes(passed=2)
