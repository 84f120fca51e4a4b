"""Generated fleets and the device behaviours a state file can rebuild by name."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from ._state import CloudState

__all__ = [
    "FUNCTION_BEHAVIOURS",
    "LED_FUNCTION",
    "TEMP_VARIABLE",
    "door_function",
    "VARIABLE_BEHAVIOURS",
    "FunctionBehaviour",
    "VariableBehaviour",
    "function_behaviour",
    "seed_fleet",
    "variable_behaviour",
]

Value = bool | int | float | str


class FunctionBehaviour:
    """A device function the local cloud knows by `name`: a state file keeps the name and the
    restored device gets the same behaviour back (a plain callable cannot be stored)."""

    def __init__(self, name: str, run: Callable[[str], int]) -> None:
        self.behaviour = name
        self._run = run

    def __call__(self, arg: str) -> int:
        return self._run(arg)

    def __repr__(self) -> str:
        return f"<function behaviour {self.behaviour!r}>"


class VariableBehaviour:
    """A variable computed at each read that the local cloud knows by `name` (see
    `FunctionBehaviour`); `returns` gives the Device OS type a listing shows before any read."""

    def __init__(self, name: str, read: Callable[[], Value], returns: type) -> None:
        self.behaviour = name
        self._read = read
        # what `FakeDevice.variable_type` reads for a callable that has not been read yet
        self.__annotations__ = {"return": returns}

    def __call__(self) -> Value:
        return self._read()

    def __repr__(self) -> str:
        return f"<variable behaviour {self.behaviour!r}>"


def _led(arg: str) -> int:
    return 1 if arg == "on" else 0


def _temp() -> float:
    return round(20 + 2 * math.sin(random.random() * 6.28), 2)  # noqa: S311 - a fake sensor


def door_function(cloud: CloudState, device_id: str) -> FunctionBehaviour:
    """The demo's `door` function of device `device_id`: `open` or `closed` sets its `door`
    variable and publishes `door/state` (returns 1); anything else returns -1."""

    def set_door(arg: str) -> int:
        if arg not in ("open", "closed"):
            return -1
        with cloud.lock:
            device = cloud.devices.get(device_id)
            if device is not None:
                device.variables["door"] = arg
        cloud.publish("door/state", arg, device=device_id)
        return 1

    return FunctionBehaviour("door", set_door)


#: `led`: `on` returns 1, anything else 0.
LED_FUNCTION = FunctionBehaviour("led", _led)
#: `temp`: a reading around 21.0, new at each read.
TEMP_VARIABLE = VariableBehaviour("temp", _temp, float)

#: Function behaviours by name: each makes the callable of one device of a cloud.
FUNCTION_BEHAVIOURS: dict[str, Callable[[CloudState, str], FunctionBehaviour]] = {
    "led": lambda cloud, device_id: LED_FUNCTION,
    "door": door_function,
}
#: Variable behaviours by name, made like `FUNCTION_BEHAVIOURS`.
VARIABLE_BEHAVIOURS: dict[str, Callable[[CloudState, str], VariableBehaviour]] = {
    "temp": lambda cloud, device_id: TEMP_VARIABLE,
}


def function_behaviour(cloud: CloudState, device_id: str, name: str) -> FunctionBehaviour:
    """The function behaviour `name` for device `device_id` of `cloud`; a name the local cloud
    does not know (a callable a test added) gives a function returning 0."""
    make = FUNCTION_BEHAVIOURS.get(name)
    if make is None:
        return FunctionBehaviour(name, lambda arg: 0)
    return make(cloud, device_id)


def variable_behaviour(cloud: CloudState, device_id: str, name: str) -> VariableBehaviour | None:
    """The variable behaviour `name` for device `device_id` of `cloud` (None if unknown)."""
    make = VARIABLE_BEHAVIOURS.get(name)
    return None if make is None else make(cloud, device_id)


_SANDBOX_PLATFORMS = ("argon", "boron", "p2", "msom")
_PRODUCT_PLATFORMS = ("boron", "argon", "bsom", "p2")


def seed_fleet(cloud: CloudState, *, devices: int, products: int = 0) -> None:
    """A generated fleet: `products` products and `devices` devices, all owned by the default
    account (so `client.devices.list()` lists every one).

    Products are numbered from 1001 (`Fleet 1`, slug `fleet-1`, ...), their platforms cycling
    through boron, argon, bsom and p2. Devices are named `device-1` ... `device-N` (the number
    zero-padded to the width of N) with 24-hex-digit ids; with products, device n belongs to
    product ((n - 1) mod products) + 1, round-robin, and is in group `north` (odd n) or `south`
    (even n); without, they are the account's own devices, cycling through argon, boron, p2
    and msom. Every tenth device is offline. Each has the function `led` (`on` returns 1,
    anything else 0) and the variables `temp` (a reading around 21.0, new at each read) and
    `uptime` (seconds), and a cellular one also `battery` (percent).
    """
    if devices < 0 or products < 0:
        raise ValueError("devices and products must not be negative")
    fleet = [
        cloud.add_product(
            None,
            name=f"Fleet {n}",
            slug=f"fleet-{n}",
            platform=_PRODUCT_PLATFORMS[(n - 1) % len(_PRODUCT_PLATFORMS)],
        )
        for n in range(1, products + 1)
    ]
    width = len(str(devices))
    functions = {"led": LED_FUNCTION}
    with cloud.lock:
        for n in range(1, devices + 1):
            product = fleet[(n - 1) % products] if fleet else None
            device = cloud.add_device(
                f"device-{n:0{width}d}",
                platform=_SANDBOX_PLATFORMS[(n - 1) % len(_SANDBOX_PLATFORMS)],
                product=None if product is None else product.id,
                online=n % 10 != 0,
                groups=() if product is None else ("north" if n % 2 else "south",),
                functions=functions,
                variables={"temp": TEMP_VARIABLE, "uptime": 3600 + 97 * n},
            )
            if device.cellular:
                device.variables["battery"] = float(100 - n % 60)
