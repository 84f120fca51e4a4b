from __future__ import annotations

import json
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
