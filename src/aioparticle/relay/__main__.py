"""`python -m aioparticle.relay` (`aioparticle-relay`): one event stream relayed into Redis.

Every option has an environment variable (the option wins); the access token and the API
origin are `PARTICLE_ACCESS_TOKEN` and `PARTICLE_API_URL`, as for `ParticleClient()`. Give the
Redis URL by `AIOPARTICLE_RELAY_REDIS_URL` when it holds a password: a command line is
visible to every user of the machine. SIGINT and SIGTERM stop the relay cleanly (its
upstream stream closed, a `"stopped"` marker written).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable

import anyio

from .._client import ParticleClient
from .._exceptions import ParticleError
from . import DEFAULT_KEY, DEFAULT_MAXLEN, EventRelay

__all__ = ["build_parser", "main"]

_ENV = "AIOPARTICLE_RELAY_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(_ENV + name) or default


def _number(kind: Callable[[str], float | int], what: str) -> Callable[[str], float | int]:
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}: not a number: {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{what} must be positive, got {text!r}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aioparticle-relay",
        description=(
            "Relay one Particle event stream into a Redis Stream, for workers reading it "
            "with consumer groups (aioparticle.relay). Token and API origin: "
            "PARTICLE_ACCESS_TOKEN, PARTICLE_API_URL."
        ),
    )
    scope = parser.add_argument_group(
        "stream scope (as client.events.stream; default --device mine)"
    )
    scope.add_argument(
        "--prefix", default=_env("PREFIX"), help="event-name prefix ($AIOPARTICLE_RELAY_PREFIX)"
    )
    scope.add_argument(
        "--device",
        default=_env("DEVICE"),
        help="a device id, or 'mine' ($AIOPARTICLE_RELAY_DEVICE)",
    )
    scope.add_argument(
        "--product",
        default=_env("PRODUCT"),
        help="a product id or slug ($AIOPARTICLE_RELAY_PRODUCT)",
    )
    scope.add_argument(
        "--org", default=_env("ORG"), help="an organization ($AIOPARTICLE_RELAY_ORG)"
    )
    parser.add_argument(
        "--redis-url",
        default=_env("REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="the Redis URL ($AIOPARTICLE_RELAY_REDIS_URL; default redis://127.0.0.1:6379/0)",
    )
    parser.add_argument(
        "--key",
        default=_env("KEY", DEFAULT_KEY),
        help=f"the Redis Stream key ($AIOPARTICLE_RELAY_KEY; default {DEFAULT_KEY})",
    )
    parser.add_argument(
        "--maxlen",
        type=_number(int, "--maxlen"),
        default=_env("MAXLEN", str(DEFAULT_MAXLEN)),
        help=f"entries kept, about ($AIOPARTICLE_RELAY_MAXLEN; default {DEFAULT_MAXLEN})",
    )
    parser.add_argument(
        "--max-outage",
        type=_number(float, "--max-outage"),
        default=_env("MAX_OUTAGE", "60"),
        help=(
            "seconds to hold the upstream while Redis is down before dropping events "
            "($AIOPARTICLE_RELAY_MAX_OUTAGE; default 60)"
        ),
    )
    parser.add_argument(
        "--log-level",
        default=_env("LOG_LEVEL", "info"),
        choices=["debug", "info", "warning", "error"],
        help="($AIOPARTICLE_RELAY_LOG_LEVEL; default info)",
    )
    return parser


async def _relay(args: argparse.Namespace) -> None:
    """Relay until a signal or the stream's end; a `ParticleError` is raised as itself."""
    failures: list[ParticleError] = []
    device = args.device
    if not any((args.prefix, args.device, args.product, args.org)):
        device = "mine"
    async with (
        EventRelay(
            args.redis_url, key=args.key, maxlen=args.maxlen, max_outage=args.max_outage
        ) as relay,
        ParticleClient() as client,
        anyio.create_task_group() as tg,
    ):

        async def stop_on_signal() -> None:
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async for signum in signals:
                    logging.getLogger("aioparticle.relay").info(
                        "%s: stopping", signal.Signals(signum).name
                    )
                    tg.cancel_scope.cancel()
                    return

        async def run() -> None:
            try:
                await relay.run(
                    client, prefix=args.prefix, device=device, product=args.product, org=args.org
                )
            except ParticleError as exc:
                failures.append(exc)
            tg.cancel_scope.cancel()

        tg.start_soon(stop_on_signal)
        tg.start_soon(run)
    if failures:
        raise failures[0]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        asyncio.run(_relay(args))
    except ParticleError as exc:
        sys.stderr.write(f"{parser.prog}: error: {type(exc).__name__}: {exc}\n")
        return 1
    except KeyboardInterrupt:  # a second Ctrl-C
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
