"""What every fragment sample of README.md and docs/**/*.md may use without defining it.

A fragment is the body of `async def sample(client: ParticleClient) -> None:`; this module's
text is copied above it (its own imports after), and it runs against a fresh local cloud seeded
with the demo fleet (`aioparticle.testing.seed_demo`):

- `client`: a `ParticleClient` of the demo account on that cloud (`PARTICLE_ACCESS_TOKEN` and
  `PARTICLE_API_URL` point at it too, so `ParticleClient()` reaches the same cloud);
- every name of `aioparticle` (`from aioparticle import *`);
- the modules `asyncio`, `anyio` and `os`; `Path`; `datetime`, `date`, `timedelta`, `timezone`;
- the names below: the demo fleet's ids (`device_id`, `product`, `tracker_id`, `iccid`,
  `org`, ...), the demo account's `username` and `password`, and the `port` of a small web
  server on 127.0.0.1.

Anything else a fragment uses it defines or imports itself.
"""

from __future__ import annotations

import asyncio
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import anyio

from aioparticle import *  # noqa: F403
from aioparticle.testing import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    DEMO_DEVICE_ID,
    DEMO_ORG,
    DEMO_SIM_ICCIDS,
    DEMO_TRACKER_IDS,
)

#: the demo's always-online device of the account, "garage-door" (variables temp, door,
#: uptime; functions door ("open" or "closed": publishes door/state) and led ("on"/"off"))
device_id: str = DEMO_DEVICE_ID
#: the demo product's slug; its id is 4567 (`product_id`)
product: str = "demo-fleet"
product_id: int = 4567
#: tracker-1, a device of the demo product (online, group "north", firmware v3)
tracker_id: str = DEMO_TRACKER_IDS[0]
#: the SIM card of tracker-1
iccid: str = DEMO_SIM_ICCIDS[0]
#: the slug of the demo account's organization
org: str = DEMO_ORG
#: the demo account's username and password
username: str = DEFAULT_USERNAME
password: str = DEFAULT_PASSWORD
#: the port of a small web server on 127.0.0.1 (a webhook's target) answering every request
#: with 200 and `{"ok": true}`
port: int = int(os.environ.get("AIOPARTICLE_SAMPLE_WEB_PORT", "8080"))

# every name a fragment is given, listed so that linters of this file see them used
__all__ = ["Path", "anyio", "asyncio", "date", "datetime", "device_id", "iccid", "org", "os"]
__all__ += ["password", "port", "product", "product_id", "timedelta", "timezone", "tracker_id"]
__all__ += ["username"]
