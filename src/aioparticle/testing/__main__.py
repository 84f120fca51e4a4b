"""Run the local Particle Cloud standalone: `python -m aioparticle.testing --port 8080`."""

# ruff: noqa: T201 - a command-line program prints

from __future__ import annotations

import argparse
import contextlib
import math
import random
import sys
import threading

from ._server import LocalCloud


def seed_demo(cloud: LocalCloud) -> None:
    """A small demo fleet: two devices of the default account and a product with three."""
    state = {"door": "closed"}

    def set_door(arg: str) -> int:
        if arg not in ("open", "closed"):
            return -1
        state["door"] = arg
        return 1

    cloud.add_device(
        "garage-door",
        id="0123456789abcdef01234567",
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aioparticle.testing", description="Run a local Particle Cloud on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=8080, help="port (0: any free port)")
    parser.add_argument("--empty", action="store_true", help="start without the demo devices")
    parser.add_argument(
        "--keepalive", type=float, default=9.0, help="seconds between event-stream keep-alives"
    )
    args = parser.parse_args(argv)
    cloud = LocalCloud(port=args.port, keepalive_interval=args.keepalive)
    if not args.empty:
        seed_demo(cloud)
    with cloud:
        print(f"Local Particle Cloud on {cloud.url}", flush=True)
        print(f"  export PARTICLE_API_URL={cloud.url}", flush=True)
        print(f"  export PARTICLE_ACCESS_TOKEN={cloud.token}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
