"""Pydantic models of the Particle Cloud's responses."""

from ._base import ParticleModel, UTCDateTime
from .devices import ClaimResult, CoreInfo, Device, FunctionResult, UpdatedDevice, VariableValue

__all__ = [
    "ClaimResult",
    "CoreInfo",
    "Device",
    "FunctionResult",
    "ParticleModel",
    "UTCDateTime",
    "UpdatedDevice",
    "VariableValue",
]
