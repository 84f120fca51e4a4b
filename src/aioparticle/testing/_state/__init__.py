"""The local cloud's world: accounts, tokens, products, devices, events, hooks and faults.

Everything here is plain Python guarded by one lock, so a test can seed and drive the cloud from
its own thread while the HTTP server reads it from the server thread. `CloudState` combines one
mixin per API group (the modules of this package); the routes only parse requests, call one of
its methods and answer.
"""

from __future__ import annotations

from ._base import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    MFA_PASSWORD,
    MFA_SECRET,
    MFA_USERNAME,
    PLATFORMS,
    Denied,
    NotFound,
    Refused,
    iso,
    page_of,
    platform_id,
    utcnow,
    version_key,
)
from .auth import (
    MFA_TOKEN_LIFETIME,
    PUBLIC_CLIENTS,
    AuthMixin,
    FakeUser,
    OAuthClient,
    OAuthRefused,
    Token,
    TokenRequest,
)
from .builds import BuildsMixin, CompileRequest, FlashRequest, UploadedFile, fake_binary
from .customers import CustomersMixin, FakeCustomer
from .device_os import DeviceOsMixin, DeviceOsVersion
from .devices import DeviceChanges, DevicesMixin, FakeDevice, FunctionCall, VariableSource
from .diagnostics import DIAGNOSTICS_EVENT, DiagnosticsMixin, VitalsRecord, default_vitals
from .env_vars import EnvScope, EnvScopeKey, EnvSnapshot, EnvVarsMixin
from .events import EventsMixin, PublishedEvent, Subscriber
from .faults import Fault, FaultsMixin, StreamFault
from .groups import DEFAULT_GROUP_COLOR, FakeGroup, GroupsMixin
from .ledgers import (
    LEDGER_SCOPES,
    LEDGER_SET_MODES,
    FakeLedger,
    FakeLedgerInstance,
    FakeLedgerVersion,
    LedgersMixin,
)
from .libraries import (
    LIBRARY_SCOPES,
    LIBRARY_SORTS,
    FakeLibrary,
    FakeLibraryVersion,
    LibrariesMixin,
    make_library_archive,
    read_library_properties,
)
from .logic import (
    FakeLogicFunction,
    FakeLogicRun,
    LogicExecution,
    LogicMixin,
    LogicScript,
    default_logic_script,
)
from .metrics import CallRecord, MetricsFilter, MetricsMixin
from .products import FakeFirmware, FakeOrg, FakeProduct, FirmwareRelease, ProductsMixin
from .rate_limits import LoggedRequest, RateLimitsMixin
from .secrets import FakeSecret, SecretsMixin
from .serial_numbers import SerialNumbersMixin
from .service_agreements import (
    FakeNotification,
    FakeServiceAgreement,
    FakeUsageReport,
    ServiceAgreementsMixin,
)
from .sims import SIM_ACTIONS, FakeSim, SimsMixin, SimStatusCheck
from .teams import FakeApiUser, TeamsMixin
from .tracking import LocationFix, TrackingMixin
from .users import PendingMfa, UsersMixin
from .webhooks import FakeHook, HookDelivery, WebhooksMixin, is_loopback_url

__all__ = [
    "DIAGNOSTICS_EVENT",
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "MFA_PASSWORD",
    "MFA_SECRET",
    "MFA_USERNAME",
    "LEDGER_SCOPES",
    "LEDGER_SET_MODES",
    "LIBRARY_SCOPES",
    "LIBRARY_SORTS",
    "MFA_TOKEN_LIFETIME",
    "PLATFORMS",
    "PUBLIC_CLIENTS",
    "SIM_ACTIONS",
    "CallRecord",
    "DEFAULT_GROUP_COLOR",
    "CloudState",
    "CompileRequest",
    "Denied",
    "DeviceChanges",
    "DeviceOsVersion",
    "EnvScope",
    "EnvScopeKey",
    "EnvSnapshot",
    "FakeApiUser",
    "FakeCustomer",
    "FakeNotification",
    "FakeSecret",
    "FakeServiceAgreement",
    "FakeUsageReport",
    "FakeDevice",
    "FakeHook",
    "FakeFirmware",
    "FakeGroup",
    "FakeLedger",
    "FakeLedgerInstance",
    "FakeLedgerVersion",
    "FakeLibrary",
    "FakeLibraryVersion",
    "FakeLogicFunction",
    "FakeLogicRun",
    "FakeOrg",
    "FakeProduct",
    "FakeSim",
    "FakeUser",
    "Fault",
    "FirmwareRelease",
    "FlashRequest",
    "FunctionCall",
    "LocationFix",
    "LoggedRequest",
    "LogicExecution",
    "MetricsFilter",
    "LogicScript",
    "HookDelivery",
    "NotFound",
    "OAuthClient",
    "OAuthRefused",
    "PendingMfa",
    "PublishedEvent",
    "Refused",
    "SimStatusCheck",
    "StreamFault",
    "Subscriber",
    "Token",
    "TokenRequest",
    "UploadedFile",
    "VariableSource",
    "VitalsRecord",
    "default_vitals",
    "fake_binary",
    "is_loopback_url",
    "iso",
    "make_library_archive",
    "page_of",
    "platform_id",
    "read_library_properties",
    "utcnow",
    "default_logic_script",
    "version_key",
]

#: The names the single-module state had for these.
_PLATFORMS = PLATFORMS
_platform = platform_id


class CloudState(
    DiagnosticsMixin,
    MetricsMixin,
    CustomersMixin,
    ServiceAgreementsMixin,
    SecretsMixin,
    EnvVarsMixin,
    LedgersMixin,
    WebhooksMixin,
    TeamsMixin,
    AuthMixin,
    UsersMixin,
    GroupsMixin,
    DevicesMixin,
    SerialNumbersMixin,
    SimsMixin,
    LogicMixin,
    ProductsMixin,
    TrackingMixin,
    EventsMixin,
    LibrariesMixin,
    BuildsMixin,
    DeviceOsMixin,
    FaultsMixin,
    RateLimitsMixin,
):
    """The data behind a local cloud.

    Ids it hands out (products without an id, devices, organizations, binaries) come from its
    own counters: two fresh states hand out the same ids, independently of each other.
    """

    def __init__(self) -> None:
        super().__init__()
        for client_id, secret in PUBLIC_CLIENTS.items():
            self.add_oauth_client(client_id, secret)
        self.token = self.add_user(DEFAULT_USERNAME, DEFAULT_PASSWORD)
        self.add_user(MFA_USERNAME, MFA_PASSWORD, mfa_secret=MFA_SECRET)
        self._seed_device_os()
