"""A small demo fleet for the quickstart and the standalone local cloud."""

from __future__ import annotations

import math
import random

from ._server import LocalCloud

__all__ = ["DEMO_DEVICE_ID", "seed_demo"]

#: The demo's always-online device, "garage-door".
DEMO_DEVICE_ID = "0123456789abcdef01234567"


def seed_demo(cloud: LocalCloud) -> None:
    """A small demo fleet: two devices of the default account and a product with three."""
    state = {"door": "closed"}

    def set_door(arg: str) -> int:
        if arg not in ("open", "closed"):
            return -1
        state["door"] = arg
        cloud.publish("door/state", arg, device=DEMO_DEVICE_ID)
        return 1

    cloud.add_device(
        "garage-door",
        id=DEMO_DEVICE_ID,
        platform="argon",
        functions={"door": set_door, "led": lambda arg: 1 if arg == "on" else 0},
        variables={
            "temp": lambda: round(20 + 2 * math.sin(random.random() * 6.28), 2),  # noqa: S311
            "door": lambda: state["door"],
            "uptime": 3600,
        },
        notes="left wall",
    )
    cloud.add_device(
        "boat-tracker",
        id="fedcba9876543210fedcba98",
        platform="boron",
        online=False,
        variables={"battery": 87.5},
    )
    product = cloud.add_product(4567, slug="demo-fleet", name="Demo fleet", platform="boron")
    for n in range(1, 4):
        cloud.add_device(
            f"tracker-{n}",
            product=product.id,
            firmware_version=3,
            groups=["north" if n % 2 else "south"],
            online=n != 3,
            owner=None,
            variables={"battery": 90.0 - n},
        )
