"""Pydantic models of the Particle Cloud's responses."""

from ._base import ParticleModel, UTCDateTime
from .devices import ClaimResult, CoreInfo, Device, FunctionResult, UpdatedDevice, VariableValue
from .events import Event

__all__ = [
    "ClaimResult",
    "CoreInfo",
    "Device",
    "Event",
    "FunctionResult",
    "ParticleModel",
    "UTCDateTime",
    "UpdatedDevice",
    "VariableValue",
]
