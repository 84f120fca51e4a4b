"""Quickstart: list devices, read a variable, call a function, stream a few events.

    python examples/quickstart.py

Without PARTICLE_ACCESS_TOKEN it starts the bundled local Particle Cloud (needs
`pip install aioparticle[local-cloud]`) with a small demo fleet, and logs in to it with the demo
account's username and password. With PARTICLE_ACCESS_TOKEN set it talks to the real Particle
Cloud: it only reads, unless you name a function to call:

    PARTICLE_ACCESS_TOKEN=... python examples/quickstart.py [DEVICE] [FUNCTION] [ARG]
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import AsyncExitStack

import anyio

from aioparticle import DeviceOfflineError, ParticleClient, ParticleError, PasswordLogin


async def tour(
    client: ParticleClient,
    device_id: str | None,
    function: str | None,
    arg: str,
    *,
    simulate: object = None,
) -> None:
    devices = await client.devices.list()
    print(f"Your devices ({len(devices)}):")
    for device in devices:
        state = "online " if device.online else "offline"
        print(f"  {state}  {device.id}  {device.name or '(unnamed)'}")

    online = [d for d in devices if d.online]
    if device_id is None:
        if not online:
            print("\nNo device is online; nothing more to show.")
            return
        device_id = online[0].id
    details = await client.devices.get(device_id)
    print(
        f"\n{details.name} exposes variables {sorted(details.variables)} "
        f"and functions {details.functions}"
    )

    try:
        for variable in sorted(details.variables)[:3]:
            value = await client.devices.get_variable(device_id, variable)
            print(f"  read   {variable} = {value.result!r}")
        if function:
            result = await client.devices.call_function(device_id, function, arg)
            print(f"  called {function}({arg!r}) -> {result.return_value}")
    except DeviceOfflineError:
        print(f"  {details.name} is offline or did not answer in time.")

    print("\nStreaming your devices' events (up to 5, for at most 10 s):")
    received = 0
    with anyio.move_on_after(10):
        async with client.events.stream(device="mine") as events:
            if callable(simulate):
                simulate()
            async for event in events:
                when = event.published_at.strftime("%H:%M:%S") if event.published_at else "?"
                print(f"  {when}  {event.name:<14} {event.data!r:<12} from {event.device_id}")
                received += 1
                if received == 5:
                    break
    if not received:
        print("  (no events in 10 s)")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("device", nargs="?", help="device id or name (default: the first online)")
    parser.add_argument("function", nargs="?", help="a function of the device to call")
    parser.add_argument("arg", nargs="?", default="", help="the function's argument")
    return parser.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse_args(argv)
    device_id, function, arg = args.device, args.function, args.arg
    async with AsyncExitStack() as stack:
        simulate = None
        if os.environ.get("PARTICLE_ACCESS_TOKEN"):
            client = ParticleClient()
            print(f"Using the Particle Cloud at {client.base_url}\n")
        else:
            try:
                from aioparticle.testing import DEMO_DEVICE_ID, LocalCloud, seed_demo
            except ImportError:
                print(
                    "PARTICLE_ACCESS_TOKEN is not set and the local cloud is not installed:\n"
                    "  pip install 'aioparticle[local-cloud]'   (or set PARTICLE_ACCESS_TOKEN)"
                )
                return 2
            cloud = await stack.enter_async_context(LocalCloud())
            seed_demo(cloud)
            # log in with a username and password; the client renews its token by itself
            login = PasswordLogin(cloud.username, cloud.password)
            client = ParticleClient(auth=login, base_url=cloud.url)
            print(
                f"PARTICLE_ACCESS_TOKEN is not set: using the local Particle Cloud at "
                f"{cloud.url}\n(set PARTICLE_ACCESS_TOKEN to use your real devices)\n"
                f"Logging in as {login.username}\n"
            )
            device_id, function, arg = (
                device_id or DEMO_DEVICE_ID,
                function or "door",
                arg or "open",
            )
            garage = cloud.devices[DEMO_DEVICE_ID]

            def simulate() -> None:  # the demo device publishes a few readings
                for n, temp in enumerate(("21.4", "21.6", "21.9", "22.1")):
                    garage.publish("temp", temp)
                    if n == 1:
                        garage.publish("door/state", "closed")

        await stack.enter_async_context(client)
        await tour(client, device_id, function, arg or "", simulate=simulate)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(anyio.run(main, sys.argv[1:]))
    except ParticleError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
