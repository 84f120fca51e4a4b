"""Run the local Particle Cloud standalone: `python -m aioparticle.testing --port 8080`."""

# ruff: noqa: T201 - a command-line program prints

from __future__ import annotations

import argparse
import contextlib
import sys
import threading

from ._demo import seed_demo
from ._server import LocalCloud


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
