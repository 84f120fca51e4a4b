"""The named checks and setups that README.md and docs/**/*.md samples ask for.

- `<!-- sample: setup=NAME -->`: `def NAME(cloud: LocalCloud) -> None` prepares the cloud
  (and the sample's working directory, the current one, and the environment, restored after
  the sample) before the fragment runs.
- `<!-- sample: module check=NAME -->`: `async def NAME(module, cloud)` drives the imported
  module (a web app, ...) against the local cloud and fails if it misbehaves.

The cloud is a fresh `LocalCloud` seeded with the demo fleet (`seed_demo`), and
`PARTICLE_API_URL` / `PARTICLE_ACCESS_TOKEN` point at it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import httpx

from aioparticle.testing import LocalCloud

__all__ = [
    "asgi_app",
    "firmware_files",
    "product_backend",
    "quarantined_device",
    "redis_server",
    "report_ready",
    "stripe_key",
]

#: The OAuth client of the demo product that `product_backend` creates.
BACKEND_CLIENT_ID = "demo-fleet-backend"
BACKEND_CLIENT_SECRET = "demo-fleet-backend-secret-3f9a"


# ---------------------------------------------------------------------- setups


def firmware_files(cloud: LocalCloud) -> None:
    """The files a firmware or compile sample uploads: app-v4.bin, app-v5.bin (product
    firmware) and app.ino (an application source)."""
    for version in (4, 5):
        head = f"APP v{version}".encode()
        Path(f"app-v{version}.bin").write_bytes(head + bytes(1024 - len(head)))
    Path("app.ino").write_text(
        'void setup() { Particle.variable("temp", 21.5); }\nvoid loop() {}\n', encoding="utf-8"
    )


def quarantined_device(cloud: LocalCloud) -> None:
    """Two devices waiting in the demo product's quarantine: serial numbers P046AB0000001 (an
    expected one) and P046ZZ9999999."""
    for n, serial in enumerate(("P046AB0000001", "P046ZZ9999999"), start=1):
        cloud.add_device(
            f"newcomer-{n}", product=4567, owner=None, quarantined=True, serial_number=serial
        )


def report_ready(cloud: LocalCloud) -> None:
    """Usage reports are available at their first look (instead of the second)."""
    cloud.usage_report_polls = 1


def stripe_key(cloud: LocalCloud) -> None:
    """`STRIPE_KEY` in the environment, as a deployment would set it."""
    os.environ["STRIPE_KEY"] = "sk_test_example_not_a_real_key"


def product_backend(cloud: LocalCloud) -> None:
    """An OAuth client of the demo product, given to the process as
    `PARTICLE_CLIENT_ID` / `PARTICLE_CLIENT_SECRET`."""
    cloud.add_oauth_client(BACKEND_CLIENT_ID, BACKEND_CLIENT_SECRET, product=4567)
    os.environ["PARTICLE_CLIENT_ID"] = BACKEND_CLIENT_ID
    os.environ["PARTICLE_CLIENT_SECRET"] = BACKEND_CLIENT_SECRET


#: the redis-server the samples share (started by the first that asks, stopped at exit)
_REDIS: list[str] = []


def redis_server(cloud: LocalCloud) -> None:
    """A `redis-server` on 127.0.0.1 (one for the whole run, nothing saved to disk), given to
    the sample as `REDIS_URL`."""
    if not _REDIS:
        from tests.integration._redis import start_redis, stop_redis

        if shutil.which("redis-server") is None:
            raise RuntimeError("this sample needs redis-server (apt-get install redis-server)")
        directory = tempfile.TemporaryDirectory(prefix="aioparticle-samples-redis-")
        started = start_redis(directory.name)
        if started is None:
            raise RuntimeError("redis-server did not start")
        process, port = started

        def stop(process: subprocess.Popen[bytes] = process) -> None:
            stop_redis(process)
            directory.cleanup()

        atexit.register(stop)
        _REDIS.append(f"redis://127.0.0.1:{port}/0")
    os.environ["REDIS_URL"] = _REDIS[0]


# ---------------------------------------------------------------------- checks


async def asgi_app(module: ModuleType, cloud: LocalCloud) -> None:
    """A web app (`app`, ASGI) whose lifespan opens a `ParticleClient`: started, asked
    `GET /devices`, which must answer 200 with JSON, then shut down cleanly."""
    app: Any = module.app
    to_app, app_inbox = anyio.create_memory_object_stream[dict[str, Any]](2)
    from_app, outbox = anyio.create_memory_object_stream[dict[str, Any]](2)

    async def lifespan() -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        await app(scope, app_inbox.receive, from_app.send)

    async with to_app, app_inbox, from_app, outbox, anyio.create_task_group() as group:
        group.start_soon(lifespan)
        await to_app.send({"type": "lifespan.startup"})
        started = await outbox.receive()
        assert started["type"] == "lifespan.startup.complete", started
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
                answer = await http.get("/devices")
            assert answer.status_code == 200, answer.text
            answer.json()
        finally:
            await to_app.send({"type": "lifespan.shutdown"})
            stopped = await outbox.receive()
        assert stopped["type"] == "lifespan.shutdown.complete", stopped
