"""Soak test: an event stream left open for minutes, with the server dropping it periodically.

    python benchmarks/soak_events.py --minutes 10

A device of the bundled local cloud publishes a numbered event every `--interval` seconds.
The server ends every stream connection after `--drop-after` events and, on the first
`--silences` connections, goes silent (no events, no keep-alives) after a while, so both
reconnect paths (dropped and deaf) are exercised. At the end it checks that the consumer got
every event the server wrote to its connections, in order and without duplicates, and that
stream opens stayed within Particle's 100 per 5 minutes. Exit status 1 on any loss.
"""

from __future__ import annotations

import argparse
import sys
import time

import anyio

from aioparticle import ParticleClient, Reconnect
from aioparticle.testing import LocalCloud


async def soak(minutes: float, interval: float, drop_after: int, silences: int) -> int:
    async with LocalCloud(keepalive_interval=2.0) as cloud:
        device = cloud.add_device("soak-sensor")
        cloud.inject_stream(silent_after=drop_after // 2, times=silences)
        cloud.inject_stream(drop_after=drop_after)
        received: list[int] = []
        reconnects: list[Reconnect] = []
        deadline = time.monotonic() + minutes * 60

        async def publisher() -> None:
            n = 0
            while time.monotonic() < deadline:
                device.publish("soak/seq", str(n))
                n += 1
                await anyio.sleep(interval)

        async with (
            ParticleClient(cloud.token, base_url=cloud.url) as client,
            client.events.stream(
                device="mine", prefix="soak/", idle_timeout=6.0, on_reconnect=reconnects.append
            ) as events,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(publisher)
            last_report = time.monotonic()
            with anyio.move_on_after(minutes * 60 + 2):
                async for event in events:
                    received.append(int(event.data))
                    if time.monotonic() - last_report >= 30:
                        last_report = time.monotonic()
                        print(
                            f"  {len(received):>6} events, {events.reconnects} reconnects so far",
                            flush=True,
                        )
            tg.cancel_scope.cancel()
        delivered = [int(e.data) for e in cloud.delivered if e.name == "soak/seq"]
        published = sum(1 for e in cloud.events if e.name == "soak/seq")
        opens = [t.timestamp() for t in cloud.stream_opens]
    worst_window = max(
        (sum(1 for t in opens if start <= t < start + 300) for start in opens), default=0
    )
    missing = sorted(set(delivered) - set(received))
    in_order = received == sorted(received)
    unique = len(set(received)) == len(received)
    reasons: dict[str, int] = {}
    for info in reconnects:
        key = info.reason.split(":")[0]
        reasons[key] = reasons.get(key, 0) + 1
    print(
        f"ran {minutes:g} min: {published} events published, {len(delivered)} written by the "
        f"server to the stream, {len(received)} received"
    )
    print(f"reconnects: {len(reconnects)} ({', '.join(f'{k}: {v}' for k, v in reasons.items())})")
    print(f"lost while connected: {len(missing)}; in order: {in_order}; no duplicates: {unique}")
    print(f"stream opens: {len(opens)}; most in any 5-minute window: {worst_window} (limit 100)")
    ok = not missing and in_order and unique and worst_window <= 100 and len(reconnects) > 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between events")
    parser.add_argument("--drop-after", type=int, default=400, help="events per connection")
    parser.add_argument("--silences", type=int, default=3, help="connections that go deaf")
    args = parser.parse_args()
    return anyio.run(soak, args.minutes, args.interval, args.drop_after, args.silences)


if __name__ == "__main__":
    sys.exit(main())
