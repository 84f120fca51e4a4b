"""Resource sub-clients of `ParticleClient`, one per API group.

A nested sub-client's class is named after its owner's class and its attribute:
`client.products.firmware` is a `ProductsFirmware`.
"""

import warnings

from .auth import Auth
from .builds import Builds
from .customers import Customers
from .device_os import DeviceOs
from .devices import DeviceAttributes, Devices
from .diagnostics import Diagnostics
from .env_vars import EnvVars
from .events import Events
from .fleet import Fleet
from .integrations import Integrations
from .ledgers import Ledgers, LedgersInstances
from .libraries import Libraries
from .logic import Logic, LogicFunctions, LogicRuns
from .oauth_clients import OAuthClients
from .orgs import Orgs, OrgsTeam
from .products import (
    Products,
    ProductsConfig,
    ProductsFirmware,
    ProductsGroups,
    ProductsLocations,
    ProductsMetrics,
    ProductsTeam,
)
from .secrets import Secrets
from .serial_numbers import SerialNumbers
from .service_agreements import ServiceAgreements, ServiceAgreementsUsageReports
from .sims import Sims
from .users import Users
from .webhooks import Webhooks

__all__ = [
    "Auth",
    "Builds",
    "Customers",
    "DeviceAttributes",
    "DeviceOs",
    "Devices",
    "Diagnostics",
    "EnvVars",
    "Events",
    "Fleet",
    "Ledgers",
    "LedgersInstances",
    "Integrations",
    "Libraries",
    "Logic",
    "LogicFunctions",
    "LogicRuns",
    "OAuthClients",
    "Orgs",
    "OrgsTeam",
    "Products",
    "ProductsConfig",
    "ProductsFirmware",
    "ProductsGroups",
    "ProductsLocations",
    "ProductsMetrics",
    "ProductsTeam",
    "Secrets",
    "SerialNumbers",
    "ServiceAgreements",
    "ServiceAgreementsUsageReports",
    "Sims",
    "Users",
    "Webhooks",
]

#: Names the nested sub-clients had before they were named after their owner and attribute.
_RENAMED = {
    "ProductFirmwareClient": "ProductsFirmware",
    "ProductTeam": "ProductsTeam",
    "ProductConfig": "ProductsConfig",
    "ProductLocations": "ProductsLocations",
}


def renamed(module: str, name: str) -> object:
    """The class an old name stands for, with a `DeprecationWarning`; else `AttributeError`."""
    new = _RENAMED.get(name)
    if new is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    warnings.warn(
        f"{module}.{name} is deprecated; use {module}.{new}", DeprecationWarning, stacklevel=3
    )
    return globals()[new]


def __getattr__(name: str) -> object:
    return renamed(__name__, name)
