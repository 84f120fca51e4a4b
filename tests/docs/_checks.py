"""The named checks and setups that README.md and docs/**/*.md samples ask for.

- `<!-- sample: module check=NAME -->`: `async def NAME(module, cloud)` drives the imported
  module (a web app, a conftest, ...) against the local cloud, and fails if it misbehaves.
- `<!-- sample: setup=NAME -->`: `def NAME(cloud)` prepares the cloud (and the sample's
  working directory, the current one) before the fragment runs.

The cloud is a fresh `LocalCloud` seeded with the demo fleet (`seed_demo`).
"""

from __future__ import annotations

from aioparticle.testing import LocalCloud

__all__: list[str] = []
