"""A small demo fleet for the quickstart and the standalone local cloud."""

from __future__ import annotations

from datetime import date, timedelta

from ._fleet import LED_FUNCTION, TEMP_VARIABLE, door_function
from ._state import CloudState

__all__ = ["DEMO_DEVICE_ID", "DEMO_SIM_ICCIDS", "seed_demo"]

#: The demo's always-online device, "garage-door".
DEMO_DEVICE_ID = "0123456789abcdef01234567"
#: The SIM cards of the demo product's trackers, tracker-1 to tracker-3.
DEMO_SIM_ICCIDS = ("89014103271234567801", "89014103271234567802", "89014103271234567803")


def seed_demo(cloud: CloudState) -> None:
    """A small demo fleet: two devices of the default account and a product with three
    trackers (each with a SIM and a week of data usage, two firmware versions, v3 current),
    plus the public libraries `neopixel` (1.0.2, 1.0.3), `OneWire` and `Adafruit_DHT`."""
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
    today = date.today()
    for n in range(1, 4):
        tracker = cloud.add_device(
            f"tracker-{n}",
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
