"""Pydantic models of the Particle Cloud's responses."""

from ._base import ParticleModel, UTCDateTime
from .auth import AccessToken, OAuthClient, TokenInfo
from .builds import BuildTarget, BuildTargets, CompileResult, FlashResult
from .devices import (
    ClaimCode,
    ClaimResult,
    CoreInfo,
    Device,
    DeviceImportResult,
    FunctionResult,
    UnprotectResult,
    UpdatedDevice,
    VariableValue,
)
from .events import Event
from .libraries import Library, LibraryLinks
from .misc import DeviceOsVersion, SerialNumberInfo
from .products import (
    DeviceLocation,
    LocationGeometry,
    Product,
    ProductConfiguration,
    ProductFirmware,
)
from .sims import DataUsageDay, FleetDataUsage, Sim, SimDataUsage
from .teams import ApiUser, ApiUserToken, TeamMember, TeamRole

__all__ = [
    "AccessToken",
    "ApiUser",
    "ApiUserToken",
    "BuildTarget",
    "BuildTargets",
    "ClaimCode",
    "ClaimResult",
    "CompileResult",
    "CoreInfo",
    "DataUsageDay",
    "Device",
    "DeviceImportResult",
    "DeviceLocation",
    "DeviceOsVersion",
    "Event",
    "FleetDataUsage",
    "FlashResult",
    "FunctionResult",
    "Library",
    "LibraryLinks",
    "LocationGeometry",
    "OAuthClient",
    "TokenInfo",
    "ParticleModel",
    "Product",
    "ProductConfiguration",
    "ProductFirmware",
    "SerialNumberInfo",
    "Sim",
    "SimDataUsage",
    "TeamMember",
    "TeamRole",
    "UTCDateTime",
    "UnprotectResult",
    "UpdatedDevice",
    "VariableValue",
]
