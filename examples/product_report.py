"""Product report: every device of a product with its firmware and its SIM's data usage.

    python examples/product_report.py [--product PRODUCT]

Walks the product's device and SIM listings page by page, reads each SIM's data usage with
bounded concurrency, and prints one line per device plus the fleet's totals. Without
PARTICLE_ACCESS_TOKEN it runs on the bundled local Particle Cloud (`pip install
aioparticle[local-cloud]`) and its demo product. With PARTICLE_ACCESS_TOKEN set it reports on
--product (an id or slug), or on the first product of your account.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import AsyncExitStack

import anyio

from aioparticle import ParticleClient, ParticleError, ProductFirmware, Sim, SimDataUsage

#: SIM usage reads in flight at once: polite to the API's rate limits.
CONCURRENCY = 8


async def sim_usage(client: ParticleClient, product: int | str, sims: list[Sim]) -> dict[str, str]:
    """Megabytes used this billing period, by ICCID ("?" when the cloud could not say)."""
    used: dict[str, str] = {}
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def read(sim: Sim) -> None:
        async with limiter:
            try:
                usage: SimDataUsage = await client.sims.get_data_usage(sim.iccid, product=product)
            except ParticleError as exc:
                used[sim.iccid] = f"? ({type(exc).__name__})"
                return
        total = usage.usage_by_day[-1].mbs_used_cumulative if usage.usage_by_day else 0.0
        used[sim.iccid] = f"{total:.2f} MB"

    async with anyio.create_task_group() as tg:
        for sim in sims:
            tg.start_soon(read, sim)
    return used


def firmware_label(version: int | None, releases: dict[int, ProductFirmware]) -> str:
    if version is None:
        return "-"
    release = releases.get(version)
    if release is None:
        return f"v{version}"
    current = " (current)" if release.current else ""
    return f"v{version} {release.title or ''}{current}".strip()


async def report(client: ParticleClient, product: int | str | None) -> int:
    if product is None:
        products = await client.products.list()
        if not products:
            print("This account is not on the team of any product.")
            return 1
        product = products[0].id
    info = await client.products.get(product)
    print(f"Product {info.name} (id {info.id}, slug {info.slug})\n")

    releases = {fw.version: fw for fw in await client.products.firmware.list(product=product)}
    devices = [device async for device in client.devices.list(product=product, per_page=50)]
    sims = [sim async for sim in client.sims.list(product=product, per_page=50)]
    sim_of = {sim.device_id: sim for sim in sims if sim.device_id}
    used = await sim_usage(client, product, sims)

    print(f"{'device':<20} {'state':<8} {'firmware':<28} {'SIM':<22} {'data used'}")
    for device in sorted(devices, key=lambda d: d.name or d.id):
        sim = sim_of.get(device.id)
        print(
            f"{device.name or device.id:<20} "
            f"{'online' if device.online else 'offline':<8} "
            f"{firmware_label(device.firmware_version, releases):<28} "
            f"{sim.iccid if sim else '-':<22} "
            f"{used.get(sim.iccid, '-') if sim else '-'}"
        )

    fleet = await client.sims.get_fleet_data_usage(product=product)
    print(
        f"\n{len(devices)} device(s), {len(sims)} SIM(s); fleet data this period: "
        f"{fleet.total_mbs_used or 0:.2f} MB over {fleet.total_active_sim_cards or 0} active SIM(s)"
    )
    return 0


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--product", help="product id or slug (default: your first product)")
    args = parser.parse_args(argv)
    product: int | str | None = args.product
    if isinstance(product, str) and product.isdigit():
        product = int(product)
    async with AsyncExitStack() as stack:
        if os.environ.get("PARTICLE_ACCESS_TOKEN"):
            client = ParticleClient()
        else:
            try:
                from aioparticle.testing import LocalCloud, seed_demo
            except ImportError:
                print("Set PARTICLE_ACCESS_TOKEN, or: pip install 'aioparticle[local-cloud]'")
                return 2
            cloud = await stack.enter_async_context(LocalCloud())
            seed_demo(cloud)
            print(f"(using the local Particle Cloud at {cloud.url})\n")
            client = ParticleClient(cloud.token, base_url=cloud.url)
        await stack.enter_async_context(client)
        try:
            return await report(client, product)
        except ParticleError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(anyio.run(main, sys.argv[1:]))
