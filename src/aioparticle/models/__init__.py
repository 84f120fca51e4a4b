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
from .env_vars import (
    EnvVar,
    EnvVarChange,
    EnvVarOp,
    EnvVars,
    EnvVarsDiff,
    EnvVarsLatest,
    EnvVarsOnDevice,
    EnvVarsRolloutReview,
    EnvVarsSnapshot,
    RenderedEnvVars,
)
from .events import Event
from .integrations import Integration, IntegrationTestResult
from .ledgers import Ledger, LedgerInstance, LedgerInstanceVersion, LedgerScope
from .libraries import Library, LibraryLinks
from .logic import (
    LogicEvent,
    LogicExecution,
    LogicFunction,
    LogicFunctionStats,
    LogicRun,
    LogicRunLog,
    LogicSource,
    LogicTodayStats,
    LogicTrigger,
)
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
    "EnvVar",
    "EnvVarChange",
    "EnvVarOp",
    "EnvVars",
    "EnvVarsDiff",
    "EnvVarsLatest",
    "EnvVarsOnDevice",
    "EnvVarsRolloutReview",
    "EnvVarsSnapshot",
    "Event",
    "FlashResult",
    "FleetDataUsage",
    "FunctionResult",
    "Ledger",
    "LedgerInstance",
    "LedgerInstanceVersion",
    "LedgerScope",
    "Integration",
    "IntegrationTestResult",
    "Library",
    "LibraryLinks",
    "LocationGeometry",
    "LogicEvent",
    "LogicExecution",
    "LogicFunction",
    "LogicFunctionStats",
    "LogicRun",
    "LogicRunLog",
    "LogicSource",
    "LogicTodayStats",
    "LogicTrigger",
    "MfaConfirmation",
    "MfaEnrollment",
    "MfaStatus",
    "OAuthClient",
    "TokenInfo",
    "ParticleModel",
    "Product",
    "ProductConfiguration",
    "ProductFirmware",
    "RenderedEnvVars",
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
