"""Resource sub-clients of `ParticleClient`, one per API group."""

from .devices import DeviceAttributes, Devices
from .events import Events

__all__ = ["DeviceAttributes", "Devices", "Events"]
