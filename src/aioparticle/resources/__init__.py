"""Resource sub-clients of `ParticleClient`, one per API group."""

from .builds import Builds
from .customers import Customers
from .device_os import DeviceOs
from .devices import DeviceAttributes, Devices
from .events import Events
from .libraries import Libraries
from .products import (
    ProductConfig,
    ProductFirmwareClient,
    ProductLocations,
    Products,
    ProductTeam,
)
from .serial_numbers import SerialNumbers
from .sims import Sims

__all__ = [
    "Builds",
    "Customers",
    "DeviceAttributes",
    "DeviceOs",
    "Devices",
    "Events",
    "Libraries",
    "ProductConfig",
    "ProductFirmwareClient",
    "ProductLocations",
    "ProductTeam",
    "Products",
    "SerialNumbers",
    "Sims",
]
