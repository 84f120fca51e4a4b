"""A small demo fleet for the quickstart and the standalone local cloud."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from ._fleet import LED_FUNCTION, TEMP_VARIABLE, door_function
from ._state import CloudState

__all__ = ["DEMO_DEVICE_ID", "DEMO_ORG", "DEMO_SIM_ICCIDS", "DEMO_TRACKER_IDS", "seed_demo"]

#: The demo's always-online device, "garage-door".
DEMO_DEVICE_ID = "0123456789abcdef01234567"
#: The SIM cards of the demo product's trackers, tracker-1 to tracker-3.
DEMO_SIM_ICCIDS = ("89014103271234567801", "89014103271234567802", "89014103271234567803")
#: The device ids of the demo product's trackers, tracker-1 to tracker-3.
DEMO_TRACKER_IDS = (
    "e00fce6800000000000000a1",
    "e00fce6800000000000000a2",
    "e00fce6800000000000000a3",
)
#: The slug of the demo account's organization.
DEMO_ORG = "acme-corp"


def seed_demo(cloud: CloudState) -> None:
    """A small demo fleet: two devices of the default account; a product, `demo-fleet` (4567),
    with three trackers (each with a SIM, a week of data usage, two days of vitals and location
    fixes around London: two each for tracker-1 and tracker-2, one for tracker-3) and two
    firmware versions (v3 current); an organization of the account (`acme-corp`, no products
    yet); and the public libraries `neopixel` (1.0.2, 1.0.3), `OneWire` and `Adafruit_DHT`."""
    cloud.add_device(
        "garage-door",
        id=DEMO_DEVICE_ID,
        platform="argon",
        functions={
            "door": door_function(cloud, DEMO_DEVICE_ID),
            "led": LED_FUNCTION,
        },
        variables={
            "temp": TEMP_VARIABLE,
            "door": "closed",
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
    cloud.add_firmware(product, 2, _firmware(2), title="First field release")
    cloud.add_firmware(
        product, 3, _firmware(3), title="Battery fix", description="Sleeps when idle", current=True
    )
    cloud.add_org(DEMO_ORG, name="Acme Corp")
    today = date.today()
    now = datetime.now(timezone.utc)
    for n in range(1, 4):
        tracker = cloud.add_device(
            f"tracker-{n}",
            id=DEMO_TRACKER_IDS[n - 1],
            product=product.id,
            firmware_version=3,
            groups=["north" if n % 2 else "south"],
            online=n != 3,
            owner=None,
            variables={"battery": 90.0 - n},
        )
        cloud.add_sim(
            DEMO_SIM_ICCIDS[n - 1],
            device=tracker,
            mb_limit=5,
            usage=[(today - timedelta(days=6 - day), 0.25 * n + 0.1 * day) for day in range(7)],
        )
        for days_ago in (2, 1):
            battery = {"charge": 92.0 - n - days_ago, "state": "discharging"}
            cloud.add_vitals(
                tracker,
                {"device": {"power": {"battery": battery}}},
                at=now - timedelta(days=days_ago),
            )
        for hours_ago, (lat, lng) in zip((2, 1), _TRACKS[n - 1], strict=False):
            cloud.add_location(tracker.id, lat, lng, at=now - timedelta(hours=hours_ago))
    cloud.add_library(
        "neopixel",
        "1.0.2",
        author="Adafruit",
        sentence="An implementation of the Adafruit NeoPixel library for Particle devices",
        category="Display",
        installs=52000,
        verified=True,
    )
    cloud.add_library(
        "neopixel",
        "1.0.3",
        author="Adafruit",
        sentence="An implementation of the Adafruit NeoPixel library for Particle devices",
        category="Display",
    )
    cloud.add_library(
        "OneWire",
        "2.0.4",
        author="Jim Studt, Paul Stoffregen",
        sentence="A library for Dallas 1-Wire devices",
        category="Communication",
        installs=31000,
        official=True,
    )
    cloud.add_library(
        "Adafruit_DHT",
        "0.0.4",
        author="Adafruit",
        sentence="Temperature and humidity from DHT11 and DHT22 sensors",
        category="Sensors",
        installs=18000,
    )


def _firmware(version: int) -> bytes:
    """A recognisable fake product firmware binary."""
    head = f"DEMO-FIRMWARE v{version}".encode()
    return head + bytes(2048 - len(head))


#: Where the trackers were an hour and two hours ago (lat, lng): around London; tracker-3's
#: one fix is the older one.
_TRACKS = (
    ((51.5007, -0.1246), (51.5081, -0.0759)),
    ((51.4769, -0.0005), (51.5033, -0.1195)),
    ((51.5194, -0.1270),),
)
