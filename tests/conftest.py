from __future__ import annotations

import io
import json
import os
import tarfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio.lowlevel
import pytest
import respx

from aioparticle import ParticleClient, _budget, _retry

pytest_plugins = ["aioparticle.testing.pytest_plugin", "pytester"]

API = "https://api.particle.io"
#: A token value distinctive enough to grep for in URLs, logs, reprs and messages.
TOKEN = "7f3c9e1d5b2a8e6f4c0d9b7a5e3c1f2d4b6a8c0e"
FIXTURES = Path(__file__).parent / "fixtures"

#: `AIOPARTICLE_TEST_TRANSPORT=aiohttp` runs every client of the integration tests (real HTTP
#: to the local cloud) with `transport="aiohttp"`; their trio runs are deselected (that
#: transport is asyncio only; its refusal under trio is tested in test_transport_aiohttp.py).
#: The unit tests keep the default transport in that mode: respx answers them from inside
#: httpx's own connection pool, which the aiohttp transport never reaches.
TEST_TRANSPORT = os.environ.get("AIOPARTICLE_TEST_TRANSPORT", "") or "httpx"
if TEST_TRANSPORT not in ("httpx", "aiohttp"):
    raise pytest.UsageError(
        f"AIOPARTICLE_TEST_TRANSPORT must be 'httpx' or 'aiohttp', got {TEST_TRANSPORT!r}"
    )
INTEGRATION = Path(__file__).parent / "integration"


def pytest_report_header(config: pytest.Config) -> str:
    if TEST_TRANSPORT == "httpx":
        return "aioparticle transport: httpx (default)"
    return (
        f"aioparticle transport: {TEST_TRANSPORT} for the clients of tests/integration (asyncio "
        "runs only); tests/unit keep the default transport (respx mocks httpx's own pool)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _trio_runs_of_bad_input_are_slow(items)
    if TEST_TRANSPORT == "httpx":
        return
    kept: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        trio = callspec is not None and callspec.params.get("anyio_backend") == "trio"
        if trio and INTEGRATION in Path(str(item.path)).parents:
            deselected.append(item)
        else:
            kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
        config.stash[_DESELECTED_TRIO] = len(deselected)
        worker_output = getattr(config, "workeroutput", None)  # a pytest-xdist worker
        if worker_output is not None:
            worker_output[_DESELECTED_TRIO_KEY] = len(deselected)


_DESELECTED_TRIO = pytest.StashKey[int]()
_DESELECTED_TRIO_KEY = "aioparticle_deselected_trio"


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """Under pytest-xdist the workers collect, not the main process: take their count (every
    worker collects, and deselects, the same tests)."""
    count = getattr(node, "workeroutput", {}).get(_DESELECTED_TRIO_KEY, 0)
    config = node.config
    config.stash[_DESELECTED_TRIO] = max(config.stash.get(_DESELECTED_TRIO, 0), count)


def _trio_runs_of_bad_input_are_slow(items: list[pytest.Item]) -> None:
    """Mark `slow` the trio run of every bad-input row (`tests.unit._wire.BadInput`) and of
    every integration test.

    The bad-input rows are more than half the suite, and each is refused before any I/O, by
    code that does not touch the event loop; an integration test's time goes to its local
    cloud, the same under either loop. `-m "not slow"` (the quick loop) keeps their asyncio
    run and every unit test's trio run; the full suite runs both.
    """
    from tests.unit._wire import BadInput  # here: that module imports this one

    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or callspec.params.get("anyio_backend") != "trio":
            continue
        if INTEGRATION in Path(str(item.path)).parents or any(
            isinstance(value, BadInput) for value in callspec.params.values()
        ):
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    count = config.stash.get(_DESELECTED_TRIO, 0)
    if count:
        terminalreporter.write_line(
            f"AIOPARTICLE_TEST_TRANSPORT={TEST_TRANSPORT}: {count} trio runs of integration tests "
            "deselected (that transport runs on asyncio only; its refusal under trio is "
            "tested in tests/integration/test_transport_aiohttp.py)",
            yellow=True,
        )


def load(name: str) -> Any:
    """A recorded response body from tests/fixtures."""
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every async test runs on asyncio and on trio."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARTICLE_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("PARTICLE_API_URL", raising=False)


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits are recorded instead of slept; the clock of the rate limits (`_budget`)
    moves by what was recorded, as if it had been slept, and stands still otherwise."""
    delays: list[float] = []
    now = [time.monotonic()]

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)
        now[0] += max(seconds, 0.0)
        await anyio.lowlevel.checkpoint()

    monkeypatch.setattr(_retry, "sleep", fake_sleep)
    # the module's own `time`, not the `time` module itself (the event loop keeps real time)
    monkeypatch.setattr(_budget, "time", SimpleNamespace(monotonic=lambda: now[0]))
    return delays


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    """respx router for the Particle API origin; unmatched requests fail the test."""
    with respx.mock(base_url=API, assert_all_called=False, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
async def client() -> AsyncIterator[ParticleClient]:
    async with ParticleClient(TOKEN, base_url=API) as particle:
        yield particle


def tar_gz(files: dict[str, bytes]) -> bytes:
    """A .tar.gz archive of `files` (path: content)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
