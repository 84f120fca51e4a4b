"""Quickstart: list your devices, read a variable, call a function.

    PARTICLE_ACCESS_TOKEN=... python examples/quickstart.py [DEVICE] [VARIABLE] [FUNCTION] [ARG]

With no DEVICE it lists the devices and reads the first variable of the first online device.
Calling a function has effects on the device, so it only happens when FUNCTION is named.
"""

from __future__ import annotations

import asyncio
import os
import sys

from aioparticle import DeviceOfflineError, ParticleClient, ParticleError


async def main(argv: list[str]) -> int:
    if not os.environ.get("PARTICLE_ACCESS_TOKEN"):
        print("Set PARTICLE_ACCESS_TOKEN to a Particle access token (`particle token create`).")
        return 2
    device_id, variable, function, arg = (argv + [None] * 4)[:4]
    async with ParticleClient() as client:
        devices = await client.devices.list()
        print(f"{len(devices)} device(s):")
        for device in devices:
            state = "online " if device.online else "offline"
            print(f"  {state}  {device.id}  {device.name or '(unnamed)'}")
        if device_id is None:
            online = [d for d in devices if d.online]
            if not online:
                print("No device is online; nothing more to do.")
                return 0
            device_id = online[0].id
        details = await client.devices.get(device_id)
        print(
            f"\n{details.name} exposes variables {sorted(details.variables)} "
            f"and functions {details.functions}"
        )
        variable = variable or next(iter(sorted(details.variables)), None)
        try:
            if variable:
                value = await client.devices.get_variable(device_id, variable)
                print(f"  {variable} = {value.result!r}")
            if function:
                result = await client.devices.call_function(device_id, function, arg or "")
                print(f"  {function}({arg or ''!r}) returned {result.return_value}")
        except DeviceOfflineError:
            print(f"  {details.name} is offline or did not answer in time.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(sys.argv[1:])))
    except ParticleError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
