"""Resource sub-clients of `ParticleClient`, one per API group."""

from .devices import DeviceAttributes, Devices

__all__ = ["DeviceAttributes", "Devices"]
