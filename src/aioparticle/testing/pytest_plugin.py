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
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._server import LocalCloud

__all__ = ["particle_cloud", "particle_env"]


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
