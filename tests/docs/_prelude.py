"""What every fragment sample of README.md and docs/**/*.md may use without defining it.

A fragment is the body of `async def sample(client: ParticleClient) -> None:`; this module's
text is copied above it (its own imports after), and it runs against a fresh local cloud seeded
with the demo fleet (`aioparticle.testing.seed_demo`):

- `client`: a `ParticleClient` of the demo account on that cloud (`PARTICLE_ACCESS_TOKEN` and
  `PARTICLE_API_URL` point at it too, so `ParticleClient()` reaches the same cloud);
- every name of `aioparticle` (`from aioparticle import *`);
- the modules `asyncio`, `anyio` and `os`; `Path`; `datetime`, `date`, `timedelta`, `timezone`;
- the demo fleet's names below (`device_id`, `product`, ...).

Anything else a fragment uses it defines or imports itself.
"""

from __future__ import annotations

import asyncio
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import anyio

from aioparticle import *  # noqa: F403
from aioparticle.testing import DEFAULT_PASSWORD, DEFAULT_USERNAME, DEMO_DEVICE_ID, DEMO_SIM_ICCIDS

#: the demo's always-online device, "garage-door" (variables temp, door, uptime; functions
#: door ("open"/"closed") and led ("on"/"off"))
device_id: str = DEMO_DEVICE_ID
#: the demo product's slug (its id is 4567): trackers tracker-1 (north), tracker-2 (south),
#: tracker-3 (north, offline), firmware versions 2 and 3
product: str = "demo-fleet"
#: the SIM card of tracker-1
iccid: str = DEMO_SIM_ICCIDS[0]
#: the demo account's username and password
username: str = DEFAULT_USERNAME
password: str = DEFAULT_PASSWORD

# the names a fragment is given, used here so that a linter of this file sees them used
__all__ = ["Path", "anyio", "asyncio", "date", "datetime", "device_id", "iccid", "os"]
__all__ += ["password", "product", "timedelta", "timezone", "username"]
