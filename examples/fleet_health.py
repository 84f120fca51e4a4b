"""Fleet health: a product's device groups, its devices' vitals, and its quarantine.

    python examples/fleet_health.py [--product PRODUCT] [--approve]

Prints the product's groups with their members, refreshes the vitals of every online device
(waiting, bounded, for each new report) and shows the last known vitals of the others, then
lists the devices waiting in quarantine. With `--approve` it lets the quarantined devices into
the product. Without PARTICLE_ACCESS_TOKEN it runs on the bundled local Particle Cloud (`pip
install aioparticle[local-cloud]`) and a demo product with groups, vitals and a quarantined device;
with PARTICLE_ACCESS_TOKEN it reports on --product (an id or slug).
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import AsyncExitStack

import anyio

from aioparticle import (
    Device,
    DeviceVitalsRecord,
    NotFoundError,
    ParticleClient,
    ParticleError,
    PollTimeoutError,
)

#: Vitals refreshes in flight at once, and how long each may take.
CONCURRENCY = 4
REFRESH_DEADLINE = 20.0


def vitals_line(record: DeviceVitalsRecord | None) -> str:
    """Battery, signal and uptime of a vitals report, as far as the device reported them."""
    if record is None:
        return "no vitals"
    device = record.payload.device if record.payload is not None else None
    parts = []
    power = device.power if device is not None else None
    if power is not None and power.battery is not None and power.battery.charge is not None:
        parts.append(f"battery {power.battery.charge}%")
    network = device.network if device is not None else None
    if network is not None and network.signal is not None and network.signal.strength is not None:
        parts.append(f"signal {network.signal.strength}%")
    system = device.system if device is not None else None
    if system is not None and system.uptime is not None:
        parts.append(f"up {system.uptime}s")
    when = record.updated_at.strftime("%H:%M:%S") if record.updated_at else "?"
    return f"{', '.join(parts) or 'reported'} (at {when})"


async def vitals_of(client: ParticleClient, product: int | str, device: Device) -> str:
    try:
        if device.online:
            record = await client.diagnostics.refresh_and_wait(
                device.id, product=product, deadline=REFRESH_DEADLINE
            )
            return "fresh  " + vitals_line(record)
        return "last   " + vitals_line(
            await client.diagnostics.get_last(device.id, product=product)
        )
    except NotFoundError:
        return "last   no vitals"
    except PollTimeoutError:
        return f"fresh  no report within {REFRESH_DEADLINE:g}s"


async def report(client: ParticleClient, product: int | str, *, approve: bool) -> None:
    groups = await client.products.groups.list(product=product)
    print(f"Groups of product {product} ({len(groups)}):")
    for group in groups:
        members = [
            d.name or d.id async for d in client.devices.list(product=product, groups=[group.name])
        ]
        print(f"  {group.name:<10} {group.color or '':<8} {', '.join(members) or '(no devices)'}")

    devices = [d async for d in client.devices.list(product=product, quarantined=False)]
    print(f"\nVitals of its {len(devices)} device(s):")
    lines: dict[str, str] = {}
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def one(device: Device) -> None:
        async with limiter:
            lines[device.id] = await vitals_of(client, product, device)

    async with anyio.create_task_group() as group:
        for device in devices:
            group.start_soon(one, device)
    for device in devices:
        state = "online " if device.online else "offline"
        print(f"  {device.name or device.id:<12} {state}  {lines[device.id]}")

    waiting = [d async for d in client.devices.list(product=product, quarantined=True)]
    print(f"\nIn quarantine ({len(waiting)}):")
    for device in waiting:
        print(f"  {device.id}  {device.name or '(unnamed)'}")
    if approve:
        for device in waiting:
            await client.devices.approve(device.id, product=product)
            print(f"  approved {device.id}")
        if waiting:
            left = [d async for d in client.devices.list(product=product, quarantined=True)]
            print(f"  left in quarantine: {len(left)}")


def seed(cloud: object) -> int:
    """The demo product with groups, vitals and a device waiting in quarantine."""
    from aioparticle.testing import LocalCloud, seed_demo

    assert isinstance(cloud, LocalCloud)
    seed_demo(cloud)
    product = 4567
    trackers = [d for d in cloud.devices.values() if d.product_id == product]
    for n, tracker in enumerate(sorted(trackers, key=lambda d: d.name or "")):
        vitals = {
            "device": {
                "power": {"battery": {"charge": 90 - 7 * n, "state": "discharging"}},
                "network": {"signal": {"strength": 70 - 10 * n, "strength_units": "%"}},
                "system": {"uptime": 3600 * (n + 1)},
            }
        }
        cloud.add_vitals(tracker, vitals)  # the last report
        cloud.vitals_payloads[tracker.id] = vitals  # what a refresh reports
    cloud.add_device("tracker-new", product=product, quarantined=True)
    return product


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--product", help="product id or slug (real cloud)")
    parser.add_argument("--approve", action="store_true", help="approve quarantined devices")
    args = parser.parse_args(argv)
    async with AsyncExitStack() as stack:
        if os.environ.get("PARTICLE_ACCESS_TOKEN"):
            if not args.product:
                print("--product is required with PARTICLE_ACCESS_TOKEN")
                return 2
            client = await stack.enter_async_context(ParticleClient())
            product: int | str = int(args.product) if args.product.isdigit() else args.product
            approve = args.approve
        else:
            try:
                from aioparticle.testing import LocalCloud
            except ImportError:
                print(
                    "PARTICLE_ACCESS_TOKEN is not set and the local cloud is not installed:\n"
                    "  pip install 'aioparticle[local-cloud]'   (or set PARTICLE_ACCESS_TOKEN)"
                )
                return 2
            cloud = await stack.enter_async_context(LocalCloud())
            product = seed(cloud)
            client = await stack.enter_async_context(
                ParticleClient(cloud.token, base_url=cloud.url)
            )
            approve = True
            print(
                f"PARTICLE_ACCESS_TOKEN is not set: using the local Particle Cloud at {cloud.url}\n"
            )
        await report(client, product, approve=approve)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(anyio.run(main, sys.argv[1:]))
    except ParticleError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
