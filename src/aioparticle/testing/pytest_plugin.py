"""pytest fixtures for testing code that uses aioparticle against a local Particle Cloud.

Enable them in your `conftest.py`:

```python
pytest_plugins = ["aioparticle.testing.pytest_plugin"]
```

then, in any test (asyncio, trio or synchronous; async tests need your async plugin's
marker, e.g. anyio's `@pytest.mark.anyio` or pytest-asyncio's `@pytest.mark.asyncio`):

```python
@pytest.mark.anyio
async def test_reads_temperature(particle_cloud):
    particle_cloud.add_device("garage", variables={"temp": 21.5})
    async with ParticleClient(particle_cloud.token, base_url=particle_cloud.url) as client:
        assert (await client.devices.get_variable("garage", "temp")).result == 21.5
```

`particle_cloud` is a new, empty cloud for each test: nothing one test does can reach another.
Starting and stopping one costs about 20 ms. `particle_cloud_session` is one cloud for the
whole session, started the first time a test asks for it: tests that use it share its state
(devices, products, tokens, events, faults, logs), so each must not depend on what others
did, or must start it afresh with `particle_cloud_session.reset()`, which forgets everything
without restarting the server (the URL and `token` stay the same, so clients and the
environment keep working; call it while no request is under way):

```python
@pytest.fixture
def cloud(particle_cloud_session):
    particle_cloud_session.reset()
    return particle_cloud_session
```

`particle_env` and `particle_env_session` are the same clouds with `PARTICLE_ACCESS_TOKEN` and
`PARTICLE_API_URL` pointing at them (for the test, or for the whole session), for code that
builds its own `ParticleClient()`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._server import LocalCloud

__all__ = ["particle_cloud", "particle_cloud_session", "particle_env", "particle_env_session"]


@pytest.fixture
def particle_cloud() -> Iterator[LocalCloud]:
    """A fresh, empty `LocalCloud` running on 127.0.0.1 for the duration of one test."""
    with LocalCloud() as cloud:
        yield cloud


@pytest.fixture
def particle_env(particle_cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> LocalCloud:
    """`particle_cloud`, with `PARTICLE_ACCESS_TOKEN` and `PARTICLE_API_URL` pointing at it, so
    code that builds its own `ParticleClient()` talks to the local cloud."""
    monkeypatch.setenv("PARTICLE_ACCESS_TOKEN", particle_cloud.token)
    monkeypatch.setenv("PARTICLE_API_URL", particle_cloud.url)
    return particle_cloud


@pytest.fixture(scope="session")
def particle_cloud_session() -> Iterator[LocalCloud]:
    """One `LocalCloud` on 127.0.0.1 shared by every test of the session that asks for it:
    its state carries over from test to test (`reset()` starts it afresh)."""
    with LocalCloud() as cloud:
        yield cloud


@pytest.fixture(scope="session")
def particle_env_session(particle_cloud_session: LocalCloud) -> Iterator[LocalCloud]:
    """`particle_cloud_session`, with `PARTICLE_ACCESS_TOKEN` and `PARTICLE_API_URL` pointing at
    it for the rest of the session (restored when the session ends)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARTICLE_ACCESS_TOKEN", particle_cloud_session.token)
        patch.setenv("PARTICLE_API_URL", particle_cloud_session.url)
        yield particle_cloud_session
