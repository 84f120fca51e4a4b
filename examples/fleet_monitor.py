"""Fleet monitor: print devices going online and offline; resync after each reconnect.

    python examples/fleet_monitor.py [--product PRODUCT] [--duration SECONDS]

One `spark/status` event stream (your devices, or a product's) feeds a table of transitions.
Particle cannot replay events published while a stream is down, so after each reconnect the
monitor re-reads the device list and prints what changed meanwhile. Without
PARTICLE_ACCESS_TOKEN it runs for 5 s on the bundled local Particle Cloud (`pip install
aioparticle[local-cloud]`), whose devices come and go and whose stream drops once. With
PARTICLE_ACCESS_TOKEN set it watches your real fleet until Ctrl-C or --duration.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
from contextlib import AsyncExitStack
from datetime import datetime
from typing import TYPE_CHECKING

import anyio

from aioparticle import Device, EventStream, ParticleClient, ParticleError, Reconnect

if TYPE_CHECKING:
    from aioparticle.testing import FakeDevice, LocalCloud


def clock(when: datetime | None = None) -> str:
    return (when or datetime.now()).astimezone().strftime("%H:%M:%S")


class FleetMonitor:
    """The last known online state of every device of one scope, kept current by events."""

    def __init__(self, client: ParticleClient, product: int | str | None) -> None:
        self.client = client
        self.product = product
        self.online: dict[str, bool] = {}
        self.names: dict[str, str] = {}

    async def fetch(self) -> list[Device]:
        listing = self.client.devices.list(product=self.product)  # every page for a product
        devices = [device async for device in listing]
        self.names.update({d.id: d.name for d in devices if d.name})
        return devices

    def update(self, when: str, device_id: str, online: bool, note: str = "") -> bool:
        """Record a device's state and print it if it changed; return whether it did."""
        if self.online.get(device_id) == online:
            return False
        self.online[device_id] = online
        name, state = self.names.get(device_id, device_id), "online" if online else "offline"
        print(f"{when}  {name:<24}  {state:<8} {note}".rstrip())
        return True

    async def start(self) -> None:
        devices = await self.fetch()
        print(f"{'time':<8}  {'device':<24}  state")
        print(f"{'-' * 8}  {'-' * 24}  {'-' * 8}")
        for device in sorted(devices, key=lambda d: d.name or d.id):
            self.update(clock(), device.id, device.online, "(initial)")

    async def resync(self, info: Reconnect) -> None:
        """`on_reconnect`: re-read the device list; print what changed while we were away."""
        down = f"reconnect #{info.attempt}, {info.downtime:.1f} s down: {info.reason}"
        print(f"{clock()}  -- stream re-established ({down})")
        try:
            devices = await self.fetch()
        except ParticleError as error:
            print(f"{clock()}  -- resync failed, states may be stale: {error}")
            return
        note = "(missed; found by resync)"
        changed = [d for d in devices if self.update(clock(), d.id, d.online, note)]
        print(f"{clock()}  -- resync: {len(changed)} device(s) changed while the stream was down")

    async def watch(self, events: EventStream) -> None:
        async for event in events:
            # spark/status/safe-mode and other sub-events share the prefix: skip them
            if event.name != "spark/status" or event.data not in ("online", "offline"):
                continue
            self.update(clock(event.published_at), event.device_id or "?", event.data == "online")


def flip(device: FakeDevice) -> None:
    if device.online:
        device.go_offline()  # publishes spark/status "offline"
    else:
        device.go_online()


async def simulate(cloud: LocalCloud, device_ids: list[str], reconnected: anyio.Event) -> None:
    """The local demo: flip a device every 0.5 s. The cloud ends the first stream after two
    events (`inject_stream` in `main`); the third flip then happens while it is down."""
    devices = itertools.cycle([cloud.devices[device_id] for device_id in device_ids])
    for device in itertools.islice(devices, 2):
        await anyio.sleep(0.5)
        flip(device)
    await anyio.sleep(0.2)  # the client waits at least 0.5 s before reconnecting
    device = next(devices)
    print(f"{'':8}  [demo] the stream is down; {device.name} changes state meanwhile")
    flip(device)
    await reconnected.wait()
    for device in devices:
        await anyio.sleep(0.5)
        flip(device)


async def monitor(
    client: ParticleClient, product: int | str | None, cloud: LocalCloud | None
) -> None:
    """Print the fleet, then every transition, until cancelled (with a summary at the end)."""
    fleet = FleetMonitor(client, product)
    await fleet.start()
    reconnected = anyio.Event()  # the local demo waits for it

    async def on_reconnect(info: Reconnect) -> None:
        await fleet.resync(info)
        reconnected.set()

    events = client.events.stream(
        device="mine" if product is None else None,
        product=product,
        prefix="spark/status",
        on_reconnect=on_reconnect,
        dedupe=32,  # skip an event seen again right after a reconnect
    )
    failure: ParticleError | None = None
    try:
        async with events, anyio.create_task_group() as tasks:
            if cloud is not None and fleet.online:
                tasks.start_soon(simulate, cloud, list(fleet.online), reconnected)
            try:
                await fleet.watch(events)
            except ParticleError as error:  # raised below, not wrapped in an ExceptionGroup
                failure = error
            tasks.cancel_scope.cancel()
        if failure is not None:
            raise failure
    finally:
        online = sum(fleet.online.values())
        print(
            f"\nStopped: {events.events_received} status event(s), {events.reconnects} "
            f"reconnect(s); {online} of {len(fleet.online)} device(s) online."
        )


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--product", help="watch a product's devices (id or slug)")
    parser.add_argument("--duration", type=float, metavar="SECONDS", help="stop after a while")
    args = parser.parse_args(argv)
    product = int(args.product) if args.product and args.product.isdigit() else args.product
    duration: float | None = args.duration
    async with AsyncExitStack() as stack:
        cloud = None
        if os.environ.get("PARTICLE_ACCESS_TOKEN"):
            client = ParticleClient()
            print(f"Using the Particle Cloud at {client.base_url}")
        else:
            try:
                from aioparticle.testing import LocalCloud, seed_demo
            except ImportError:
                print("Set PARTICLE_ACCESS_TOKEN, or: pip install 'aioparticle[local-cloud]'")
                return 2
            cloud = await stack.enter_async_context(LocalCloud())
            seed_demo(cloud)
            cloud.inject_stream(drop_after=2, times=1)  # the first stream ends after 2 events
            client = ParticleClient(cloud.token, base_url=cloud.url)
            print(f"No PARTICLE_ACCESS_TOKEN: using the local Particle Cloud at {cloud.url}")
            duration = 5.0 if duration is None else duration
        await stack.enter_async_context(client)
        until = "Ctrl-C" if duration is None else f"{duration:g} s, or Ctrl-C"
        scope = "your devices" if product is None else f"product {product}"
        print(f"Watching {scope} (until {until})\n")
        with anyio.move_on_after(math.inf if duration is None else duration):
            await monitor(client, product, cloud)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(anyio.run(main, sys.argv[1:]))
    except KeyboardInterrupt:
        pass  # the summary was printed on the way out
    except ParticleError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
