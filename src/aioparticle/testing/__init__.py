"""A local Particle Cloud for tests, demos and the quickstart (the `local-cloud` extra).

```python
from aioparticle import ParticleClient
from aioparticle.testing import LocalCloud

async with LocalCloud() as cloud:
    cloud.add_device("garage", variables={"temp": 21.5}, functions={"open": lambda arg: 1})
    async with ParticleClient(cloud.token, base_url=cloud.url) as client:
        print(await client.devices.get_variable("garage", "temp"))
```

pytest users enable the `particle_cloud` fixture with
`pytest_plugins = ["aioparticle.testing.pytest_plugin"]` in their `conftest.py`.
"""

from __future__ import annotations

try:
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "aioparticle.testing needs the 'local-cloud' extra: pip install 'aioparticle[local-cloud]'"
    ) from exc

from ._demo import DEMO_DEVICE_ID, DEMO_SIM_ICCIDS, seed_demo
from ._fleet import seed_fleet
from ._persist import StateFileError
from ._server import LocalCloud
from ._state import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    MFA_PASSWORD,
    MFA_SECRET,
    MFA_USERNAME,
    CloudState,
    CompileRequest,
    DeviceOsVersion,
    FakeApiUser,
    FakeDevice,
    FakeFirmware,
    FakeHook,
    FakeLedger,
    FakeLedgerInstance,
    FakeLedgerVersion,
    FakeLibrary,
    FakeLibraryVersion,
    FakeLogicFunction,
    FakeLogicRun,
    FakeOrg,
    FakeProduct,
    FakeSim,
    FakeUser,
    Fault,
    FirmwareRelease,
    FlashRequest,
    FunctionCall,
    HookDelivery,
    LoggedRequest,
    LogicExecution,
    LogicScript,
    PublishedEvent,
    StreamFault,
    TokenRequest,
    UploadedFile,
    make_library_archive,
)
from ._totp import totp

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "DEMO_DEVICE_ID",
    "DEMO_SIM_ICCIDS",
    "CloudState",
    "CompileRequest",
    "DeviceOsVersion",
    "FakeApiUser",
    "FakeDevice",
    "FakeFirmware",
    "FakeLedger",
    "FakeLedgerInstance",
    "FakeLedgerVersion",
    "FakeHook",
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
    "HookDelivery",
    "LocalCloud",
    "LoggedRequest",
    "LogicExecution",
    "LogicScript",
    "MFA_PASSWORD",
    "MFA_SECRET",
    "MFA_USERNAME",
    "PublishedEvent",
    "StateFileError",
    "StreamFault",
    "TokenRequest",
    "UploadedFile",
    "make_library_archive",
    "seed_demo",
    "seed_fleet",
    "totp",
]
