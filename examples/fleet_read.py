"""Fleet read: one cloud variable of every device of a product, many reads at once.

    python examples/fleet_read.py [--product PRODUCT] [--variable NAME] [--group GROUP]
                                  [--concurrency N]

Reads the variable of each device of the product (of one group with --group) with at most
--concurrency reads in flight, printing progress as results come in, then the values and a line
for each device that was offline, unknown or failed. One device's failure never stops the
others. Without PARTICLE_ACCESS_TOKEN it runs on the bundled local Particle Cloud (`pip install
aioparticle[local-cloud]`) with a demo product of 40 devices, some of them offline and some running
firmware without the variable; with PARTICLE_ACCESS_TOKEN it reads --product (an id or slug).
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import AsyncExitStack

import anyio

from aioparticle import FleetProgress, ParticleClient, ParticleError

#: The demo product of the local cloud.
DEMO_PRODUCT = 4711


def show_progress(progress: FleetProgress) -> None:
    """Print a line every 10 results, and for the last one."""
    if progress.done % 10 == 0 or progress.done == progress.total:
        total = "?" if progress.total is None else progress.total
        print(
            f"  {progress.done}/{total} done: {progress.ok} ok, {progress.offline} offline, "
            f"{progress.not_found} not found, {progress.failed} failed"
        )


async def read(
    client: ParticleClient,
    product: int | str,
    variable: str,
    *,
    group: str | None,
    concurrency: int,
) -> None:
    where = f"product {product}" + (f", group {group}" if group else "")
    print(f"Reading {variable!r} from the devices of {where} ({concurrency} at a time):")
    values: dict[str, bool | int | float | str] = {}
    others: dict[str, str] = {}
    names: dict[str, str] = {}
    async with client.fleet.get_variable(
        variable,
        product=product,
        groups=[group] if group else None,
        concurrency=concurrency,
        on_progress=show_progress,
    ) as results:
        async for result in results:  # in the order the reads complete
            names[result.device_id] = (result.device and result.device.name) or result.device_id
            if result.ok:
                values[result.device_id] = result.unwrap().result
            else:
                others[result.device_id] = f"{result.status:<9} {type(result.error).__name__}"

    print(f"\nValues ({len(values)}):")
    for device_id in sorted(values, key=names.__getitem__):
        print(f"  {names[device_id]:<12} {values[device_id]!r}")
    if others:
        print(f"\nNo value ({len(others)}):")
        for device_id in sorted(others, key=names.__getitem__):
            print(f"  {names[device_id]:<12} {others[device_id]}")


def seed(cloud: object) -> int:
    """A demo product of 40 devices: every 7th offline, every 9th without `temp`."""
    from aioparticle.testing import LocalCloud

    assert isinstance(cloud, LocalCloud)
    cloud.add_product(DEMO_PRODUCT, slug="demo-sensors", name="Demo sensors")
    for n in range(1, 41):
        cloud.add_device(
            f"sensor-{n:02d}",
            product=DEMO_PRODUCT,
            online=n % 7 != 0,
            variables={} if n % 9 == 0 else {"temp": round(18 + n * 0.25, 2)},
            groups=["north" if n <= 20 else "south"],
        )
    # a little latency per read, as a real fleet has: concurrency is what makes it quick
    cloud.inject(f"/v1/products/{DEMO_PRODUCT}/devices/*/temp", latency=0.02)
    return DEMO_PRODUCT


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--product", help="product id or slug (real cloud)")
    parser.add_argument("--variable", default="temp", help="variable to read (default: temp)")
    parser.add_argument("--group", help="only the devices of this group")
    parser.add_argument("--concurrency", type=int, default=10, help="reads in flight at once")
    args = parser.parse_args(argv)
    async with AsyncExitStack() as stack:
        if os.environ.get("PARTICLE_ACCESS_TOKEN"):
            if not args.product:
                print("--product is required with PARTICLE_ACCESS_TOKEN")
                return 2
            client = await stack.enter_async_context(ParticleClient())
            product: int | str = int(args.product) if args.product.isdigit() else args.product
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
            print(
                f"PARTICLE_ACCESS_TOKEN is not set: using the local Particle Cloud at {cloud.url}\n"
            )
        await read(client, product, args.variable, group=args.group, concurrency=args.concurrency)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(anyio.run(main, sys.argv[1:]))
    except ParticleError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
