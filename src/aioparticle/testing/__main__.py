"""Run the local Particle Cloud standalone: `python -m aioparticle.testing` or `aioparticle-cloud`.

`aioparticle-cloud --help` tells everything; the README's "The local Particle Cloud" shows a
development loop with it.
"""

# ruff: noqa: T201 - a command-line program prints

from __future__ import annotations

import argparse
import math
import os
import shlex
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from ._demo import seed_demo
from ._fleet import seed_fleet
from ._persist import StateFileError
from ._server import LocalCloud, check_token

__all__ = ["main"]

MAX_DEVICES = 100_000
MAX_PRODUCTS = 10_000
MAX_LATENCY = 600.0

_DESCRIPTION = """\
Run a local Particle Cloud on 127.0.0.1 (never on another address): the Particle Cloud API
and its event streams, answered from memory, for developing and testing code that uses
aioparticle (or any Particle client) without devices, an account or a network.

On start it prints its URL and two lines to paste into a shell:
  export PARTICLE_API_URL=http://127.0.0.1:8080
  export PARTICLE_ACCESS_TOKEN=...
ParticleClient() reads both. Run in the background, the same lines can be eval'd:
  aioparticle-cloud --token dev-token-0123456789 > cloud.log &
  eval "$(grep '^  export ' cloud.log)"

Ctrl-C (SIGINT) or SIGTERM stops it: requests under way end at once, the state file (if any)
is written, and it exits with status 0.
"""

_EPILOG = f"""\
the fleet:
  Without --devices/--products (and without --empty) it serves the demo fleet: the devices
  garage-door (online; functions door and led, variables temp, door, uptime) and boat-tracker
  (offline), and the product demo-fleet (4567) with three trackers.
  --devices N --products M serves a generated fleet instead: M products numbered from 1001
  (name "Fleet k", slug fleet-k) and N devices device-1 .. device-N (zero-padded), with
  24-hex-digit ids, all owned by the account of the token. With products, device n belongs to
  product ((n - 1) mod M) + 1 (round-robin: 10 devices over 3 products gives 4, 3 and 3) and
  is in group north (odd n) or south (even n); without, they are the account's own devices.
  Every tenth device is offline. Each has the function led (arg "on" returns 1, anything else
  0) and the variables temp (a new reading at each read), uptime, and battery (cellular ones).
  Limits: up to {MAX_DEVICES:,} devices and {MAX_PRODUCTS:,} products.

the state file:
  --state FILE keeps the cloud's data in an SQLite file across restarts: the accounts and
  their passwords, every access token, OAuth clients, organizations, products (team, firmware,
  releases, device groups), devices (name, owner, product, online, notes, groups, firmware,
  variables and functions) and the history of published events. It is written soon after
  every request that may change something (POST, PUT, PATCH, DELETE) and when the cloud
  stops. A new (or missing) file is seeded from --devices/--products/--empty (or the demo);
  an existing one is loaded as it is and those options are ignored. Without --token the
  token saved in the file is used again. Not kept: webhooks and integrations, SIM cards,
  libraries, ledgers, Logic, environment variables, secrets, logs and faults (so the demo's
  SIMs and libraries are gone after a restart). The file holds tokens and passwords: it is
  created readable by its owner only.

examples:
  aioparticle-cloud --token dev-token-0123456789 --state dev.sqlite
  aioparticle-cloud --devices 10000 --products 10 --latency 0.05 --port 0
"""


def _prog() -> str:
    if os.path.basename(sys.argv[0]) == "__main__.py":
        return "python -m aioparticle.testing"
    return os.path.basename(sys.argv[0]) or "aioparticle-cloud"


def _integer(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low:,} to {high:,} (got {text!r})"
            )
        return value

    return parse


def _seconds(low: float, high: float, *, low_included: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        above = value >= low if low_included else value > low
        if not (math.isfinite(value) and above and value <= high):
            allowed = f"from {low:g}" if low_included else f"more than {low:g}"
            raise argparse.ArgumentTypeError(
                f"must be a number of seconds {allowed} to {high:g} (got {text!r})"
            )
        return value

    return parse


#: The environment variable read for the token when --token is not given.
TOKEN_ENV = "AIOPARTICLE_CLOUD_TOKEN"  # noqa: S105 - a variable name, not a token


def _token(text: str) -> str:
    try:
        return check_token(text)
    except ValueError as exc:  # the message never repeats the token
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_prog(),
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port",
        type=_integer(0, 65535),
        default=8080,
        help="the port on 127.0.0.1 (default 8080; 0: any free port, printed on start)",
    )
    parser.add_argument(
        "--token",
        type=_token,
        metavar="TOKEN",
        help="a fixed access token for the default account (developer@example.com), so clients "
        "keep working across restarts: 8 to 256 letters, digits and - . _ ~ + / = "
        f"(default: ${TOKEN_ENV}, which keeps it out of the process list; else the state "
        "file's token; else a new random one)",
    )
    fleet = parser.add_mutually_exclusive_group()
    fleet.add_argument(
        "--empty", action="store_true", help="start with no devices and no products (no demo)"
    )
    fleet.add_argument(
        "--devices",
        type=_integer(0, MAX_DEVICES),
        metavar="N",
        help="a generated fleet of N devices instead of the demo (see 'the fleet' below)",
    )
    parser.add_argument(
        "--products",
        type=_integer(0, MAX_PRODUCTS),
        metavar="N",
        help="N generated products the devices are spread over (see 'the fleet' below)",
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="keep the state in this SQLite file across restarts (see 'the state file' below)",
    )
    parser.add_argument(
        "--latency",
        type=_seconds(0.0, MAX_LATENCY, low_included=True),
        default=0.0,
        metavar="SECONDS",
        help=f"seconds added before every response, from 0 to {MAX_LATENCY:g} (default 0)",
    )
    parser.add_argument(
        "--keepalive",
        type=_seconds(0.0, 3600.0, low_included=False),
        default=9.0,
        metavar="SECONDS",
        help="seconds between the keep-alive comments of an event stream (default 9)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.token is None and os.environ.get(TOKEN_ENV):
        try:
            args.token = check_token(os.environ[TOKEN_ENV])
        except ValueError as exc:  # the message never repeats the token
            parser.error(f"${TOKEN_ENV}: {exc}")
    if args.empty and args.products:
        parser.error("argument --products: not allowed with argument --empty")
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _serve(parser, args, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(parser: argparse.ArgumentParser, args: argparse.Namespace, stop: threading.Event) -> int:
    try:
        cloud = LocalCloud(
            port=args.port,
            keepalive_interval=args.keepalive,
            token=args.token,
            latency=args.latency,
            state_file=args.state,
        )
    except StateFileError as exc:
        print(f"{parser.prog}: error: --state: {exc}", file=sys.stderr, flush=True)
        return 1
    seeding = args.empty or args.devices is not None or args.products is not None
    if cloud.restored:
        if seeding:
            print(
                f"{parser.prog}: note: the state comes from {args.state}; --empty, --devices "
                "and --products only seed a new state file",
                file=sys.stderr,
                flush=True,
            )
    elif args.devices is not None or args.products is not None:
        seed_fleet(cloud, devices=args.devices or 0, products=args.products or 0)
    elif not args.empty:
        seed_demo(cloud)
    try:
        cloud.start()
    except OSError as exc:
        print(
            f"{parser.prog}: error: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}",
            file=sys.stderr,
            flush=True,
        )
        return 1
    try:
        where = ""
        if args.state:
            where = f"; state {'restored from' if cloud.restored else 'kept in'} {args.state}"
        print(f"Local Particle Cloud on {cloud.url}", flush=True)
        print(f"  export PARTICLE_API_URL={shlex.quote(cloud.url)}", flush=True)
        print(f"  export PARTICLE_ACCESS_TOKEN={shlex.quote(cloud.token)}", flush=True)
        print(
            f"{_count(len(cloud.devices), 'device')}, "
            f"{_count(len(cloud.products), 'product')}{where}. "
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        saved = _stop(cloud, parser.prog)
    if not saved:
        return 1
    print("Stopped.", flush=True)
    return 0


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"


def _stop(cloud: LocalCloud, prog: str) -> bool:
    """Stop the cloud; whether its state file (if any) could be written."""
    try:
        cloud.stop()
    except StateFileError as exc:
        print(f"{prog}: error: --state: {exc}", file=sys.stderr, flush=True)
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
