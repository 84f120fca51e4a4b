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
from .integrations import Integration
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
from .users import (
    AccountInfo,
    MfaConfirmation,
    MfaEnrollment,
    MfaStatus,
    TrackingIdentity,
    User,
)
from .webhooks import Webhook

__all__ = [
    "AccessToken",
    "AccountInfo",
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
    "FlashResult",
    "FleetDataUsage",
    "FunctionResult",
    "Integration",
    "Library",
    "LibraryLinks",
    "LocationGeometry",
    "MfaConfirmation",
    "MfaEnrollment",
    "MfaStatus",
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
    "TrackingIdentity",
    "UTCDateTime",
    "UnprotectResult",
    "UpdatedDevice",
    "User",
    "VariableValue",
    "Webhook",
]
