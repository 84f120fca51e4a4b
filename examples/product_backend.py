"""Product backend: a service that runs on its product's OAuth client, never on a person's token.

    python examples/product_backend.py

The backend holds one `ParticleClient(auth=ClientCredentials(...))` for its whole life: the
first call obtains a product token, and the client renews it by itself (before it expires, or
once when the cloud refuses it, one renewal for every request in flight), so request handlers
never see a token expire. Here it answers a burst of simulated requests (fleet status, battery
levels) while its tokens live two seconds each.

Without credentials it runs on the bundled local Particle Cloud (`pip install
aioparticle[local-cloud]`): an OAuth client is created for the demo product first, as an admin
would once. Against the real cloud, give the product and its OAuth client:

    PARTICLE_PRODUCT=my-product PARTICLE_CLIENT_ID=... PARTICLE_CLIENT_SECRET=... \\
        python examples/product_backend.py
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass

import anyio

from aioparticle import (
    ClientCredentials,
    DeviceOfflineError,
    LoginError,
    ParticleClient,
    ParticleError,
)

#: Simulated requests the backend answers, and how many it serves at once.
REQUESTS = 60
CONCURRENCY = 20


@dataclass
class FleetStatus:
    online: int
    offline: int


class ProductBackend:
    """What a web app (FastAPI, Starlette, aiohttp) would create in its lifespan and share
    across request handlers."""

    def __init__(self, client: ParticleClient, product: int | str) -> None:
        self.client = client
        self.product = product

    async def fleet_status(self) -> FleetStatus:
        online = offline = 0
        async for device in self.client.devices.list(product=self.product):
            if device.online:
                online += 1
            else:
                offline += 1
        return FleetStatus(online, offline)

    async def battery(self, device_id: str) -> float | None:
        try:
            value = await self.client.devices.get_variable(
                device_id, "battery", product=self.product
            )
        except DeviceOfflineError:
            return None
        return float(value.result)


async def serve_requests(backend: ProductBackend) -> None:
    """Answer a burst of requests, some after the product token has expired."""
    devices = [d async for d in backend.client.devices.list(product=backend.product)]
    status = await backend.fleet_status()
    print(f"Fleet: {status.online} online, {status.offline} offline")
    answered = offline = 0
    limiter = anyio.CapacityLimiter(CONCURRENCY)
    started = time.monotonic()

    async def handle(n: int) -> None:
        nonlocal answered, offline
        await anyio.sleep(n * 0.05)  # requests arrive over three seconds
        async with limiter:
            device = devices[n % len(devices)]
            level = await backend.battery(device.id)
            answered += 1
            offline += level is None

    async with anyio.create_task_group() as group:
        for n in range(REQUESTS):
            group.start_soon(handle, n)
    print(
        f"Answered {answered} battery requests in {time.monotonic() - started:.1f} s "
        f"({offline} for offline devices)"
    )


async def main(argv: list[str]) -> int:
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args(argv)
    async with AsyncExitStack() as stack:
        product = os.environ.get("PARTICLE_PRODUCT")
        client_id = os.environ.get("PARTICLE_CLIENT_ID")
        client_secret = os.environ.get("PARTICLE_CLIENT_SECRET")
        cloud = None
        if not (product and client_id and client_secret):
            try:
                from aioparticle.testing import LocalCloud, seed_demo
            except ImportError:
                print(
                    "Set PARTICLE_PRODUCT, PARTICLE_CLIENT_ID and PARTICLE_CLIENT_SECRET, or "
                    "install the local cloud: pip install 'aioparticle[local-cloud]'"
                )
                return 2
            cloud = await stack.enter_async_context(LocalCloud())
            seed_demo(cloud)
            cloud.token_lifetime = 2  # short-lived tokens, to show that nobody notices
            product = "demo-fleet"
            async with ParticleClient(cloud.token, base_url=cloud.url) as admin:
                created = await admin.oauth_clients.create("backend", "installed", product=product)
            assert created.secret is not None
            client_id, client_secret = created.id, created.secret.get_secret_value()
            print(f"Using the local Particle Cloud at {cloud.url}")
            print(f"Created OAuth client {client_id!r} for product {product!r}\n")

        client = await stack.enter_async_context(
            ParticleClient(
                auth=ClientCredentials(client_id, client_secret),
                base_url=cloud.url if cloud is not None else None,
            )
        )
        print(f"Backend client: {client!r}")
        await serve_requests(ProductBackend(client, product))
        if cloud is not None:
            issued = sum(r.ok for r in cloud.token_requests)
            print(f"Product tokens obtained: {issued} (each lived 2 s; no request failed)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(anyio.run(main, sys.argv[1:]))
    except LoginError as error:
        print(f"the OAuth client was refused: {error}", file=sys.stderr)
        sys.exit(1)
    except ParticleError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
