"""The public surface: what `import aioparticle` offers, and that it is typed."""

from __future__ import annotations

import importlib.resources

import aioparticle
from aioparticle import ParticleClient


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in dir(aioparticle) if not name.startswith("_")}
    # subpackages and modules, imported on purpose
    public -= {"models", "resources", "types", "testing", "ratelimit_redis", "relay"}
    assert set(aioparticle.__all__) - {"__version__"} == public
    for name in aioparticle.__all__:
        assert getattr(aioparticle, name) is not None


def test_py_typed_is_shipped() -> None:
    assert importlib.resources.files("aioparticle").joinpath("py.typed").is_file()


def test_version_is_pep440() -> None:
    parts = aioparticle.__version__.split(".")
    assert len(parts) >= 3 and all(p.isdigit() for p in parts[:3])


def test_exception_hierarchy() -> None:
    assert issubclass(aioparticle.InvalidArgumentError, ValueError)
    assert issubclass(aioparticle.DeviceOfflineError, aioparticle.NotFoundError)
    assert issubclass(aioparticle.UnknownVariableError, aioparticle.NotFoundError)
    assert issubclass(aioparticle.UnknownFunctionError, aioparticle.NotFoundError)
    assert issubclass(aioparticle.NotFoundError, aioparticle.APIStatusError)
    assert issubclass(aioparticle.APITimeoutError, aioparticle.APIConnectionError)
    assert issubclass(aioparticle.APIStatusError, aioparticle.APIError)
    assert issubclass(aioparticle.APIError, aioparticle.ParticleError)
    assert issubclass(aioparticle.ClientClosedError, RuntimeError)


def test_resources_are_cached_per_client() -> None:
    client = ParticleClient("t")
    assert client.devices is client.devices
    assert isinstance(client.devices, aioparticle.Devices)
