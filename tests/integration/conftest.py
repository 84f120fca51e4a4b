"""Fixtures for the integration tests: the SDK against the local cloud over real HTTP.

The `particle_cloud` fixture comes from the shipped pytest plugin, enabled exactly as the
documentation tells users to (`pytest_plugins = ["aioparticle.testing.pytest_plugin"]`, in the
root `tests/conftest.py` because pytest only honours `pytest_plugins` there).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest

from aioparticle import ParticleClient
from aioparticle.testing import FakeDevice, FakeProduct, LocalCloud
from tests.conftest import TEST_TRANSPORT
from tests.integration._redis import RedisServer

#: The product the `fleet` fixture creates (its id and slug both address it).
PRODUCT_ID = 4242
PRODUCT_SLUG = "fleet-product"
#: A second account of the local cloud, owning devices the default account must not reach.
OTHER_USER = "someone-else@example.com"


@dataclass
class Fleet:
    """What the `fleet` fixture seeded."""

    cloud: LocalCloud
    #: online, owned by the default account; variables `temp` (21.5), `door` ("closed"),
    #: `counter` (a callable: 1, 2, 3, ... per read); functions `open` (returns len(arg)),
    #: `fail` (raises)
    garage: FakeDevice
    #: offline, owned by the default account; variable `battery`, function `wake`
    boat: FakeDevice
    #: online, owned by OTHER_USER
    foreign: FakeDevice
    #: online, unclaimed (owner None), not in a product
    stray: FakeDevice
    #: PRODUCT_ID / PRODUCT_SLUG, the default account is a team member
    product: FakeProduct
    #: five devices of `product`, named unit-1 .. unit-5 (see the fixture for groups)
    units: list[FakeDevice]
    #: the access token of OTHER_USER
    other_token: str


class _OneLineServerErrors(logging.Filter):
    """Log the local cloud's unhandled server errors as one line instead of a traceback.

    When a route of the local cloud crashes, uvicorn logs the exception with its traceback from
    the server thread. On CPython 3.11 formatting a traceback runs `ast.parse` (for the `^^^`
    markers), and before 3.11.8 the AST recursion counter is shared between threads, so that
    can collide with pytest parsing source for its own failure report in the main thread:
    `SystemError: AST constructor recursion depth mismatch` as an INTERNALERROR that aborts
    the whole run. The crash itself stays visible: the test fails on the 500 it caused, and the
    log line names the exception and where it was raised.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None:
            return True
        tb = exc.__traceback__
        where = ""
        while tb is not None:
            code = tb.tb_frame.f_code
            where = f" at {os.path.basename(code.co_filename)}:{tb.tb_lineno} in {code.co_name}"
            tb = tb.tb_next
        record.msg = f"{record.getMessage().strip()}: {type(exc).__name__}: {exc}{where}"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


@pytest.fixture(autouse=True, scope="session")
def _one_line_server_errors() -> Iterator[None]:
    server_log = logging.getLogger("uvicorn.error")
    one_line = _OneLineServerErrors()
    server_log.addFilter(one_line)
    yield
    server_log.removeFilter(one_line)


@pytest.fixture(autouse=True)
def _test_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under `AIOPARTICLE_TEST_TRANSPORT=aiohttp`, every `ParticleClient` a test makes without
    an `http_client` or a `transport` of its own uses that transport."""
    if TEST_TRANSPORT == "httpx":
        return
    init = ParticleClient.__init__

    @functools.wraps(init)
    def with_transport(self: ParticleClient, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("http_client") is None and "transport" not in kwargs:
            kwargs["transport"] = TEST_TRANSPORT
        init(self, *args, **kwargs)

    monkeypatch.setattr(ParticleClient, "__init__", with_transport)


def _counter() -> Callable[[], int]:
    count = 0

    def read() -> int:
        nonlocal count
        count += 1
        return count

    return read


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A `redis-server` of its own per test module on a free port of 127.0.0.1, nothing saved
    to disk (`tests/integration/_redis.py`; tests using it skip without the binary)."""
    server = RedisServer()
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A `redis-server` of the test's own, which it may stop and start again."""
    server = RedisServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def cloud(particle_cloud: LocalCloud) -> LocalCloud:
    """The plugin's `particle_cloud`: a fresh, empty local cloud per test."""
    return particle_cloud


@pytest.fixture
def fleet(cloud: LocalCloud) -> Fleet:
    """A local cloud seeded with personal devices, a foreign one, an unclaimed one and a
    product of five devices."""
    door = {"state": "closed"}

    def fail(arg: str) -> int:
        raise RuntimeError("firmware crashed")

    garage = cloud.add_device(
        "garage",
        variables={"temp": 21.5, "door": lambda: door["state"], "counter": _counter()},
        functions={"open": len, "fail": fail},
        notes="left wall",
    )
    boat = cloud.add_device(
        "boat", platform="boron", online=False, variables={"battery": 87.5}, functions={"wake": len}
    )
    other_token = cloud.add_user(OTHER_USER)
    foreign = cloud.add_device(
        "neighbour", owner=OTHER_USER, variables={"temp": 3.0}, functions={"open": len}
    )
    stray = cloud.add_device("stray", owner=None)
    product = cloud.add_product(PRODUCT_ID, slug=PRODUCT_SLUG, name="Fleet")
    groups = [["north"], ["north", "blue"], ["south"], ["south", "blue"], ["east"]]
    units = [
        cloud.add_device(
            f"unit-{n}",
            product=PRODUCT_ID,
            owner=None,
            firmware_version=3,
            groups=groups[n - 1],
            variables={"battery": 90.0 - n},
            functions={"reboot": lambda arg: 7},
        )
        for n in range(1, 6)
    ]
    return Fleet(cloud, garage, boat, foreign, stray, product, units, other_token)


#: The OAuth client of the `fleet` product (`product_client` fixture).
PRODUCT_CLIENT_ID = "fleet-backend"
PRODUCT_CLIENT_SECRET = "fleet-backend-secret-5a7c9e"


@pytest.fixture
async def product_client(fleet: Fleet) -> AsyncIterator[ParticleClient]:
    """A `ParticleClient` of the default account whose OAuth client pair is the `fleet`
    product's own client (what `customers.create` and `customers.create_token` use)."""
    fleet.cloud.add_oauth_client(PRODUCT_CLIENT_ID, PRODUCT_CLIENT_SECRET, product=PRODUCT_ID)
    async with ParticleClient(
        fleet.cloud.token,
        base_url=fleet.cloud.url,
        client_id=PRODUCT_CLIENT_ID,
        client_secret=PRODUCT_CLIENT_SECRET,
    ) as client:
        yield client


@pytest.fixture
async def sdk(cloud: LocalCloud) -> AsyncIterator[ParticleClient]:
    """A `ParticleClient` of the default account pointed at the local cloud, closed after."""
    async with ParticleClient(cloud.token, base_url=cloud.url) as client:
        yield client


@pytest.fixture
async def raw(cloud: LocalCloud) -> AsyncIterator[httpx.AsyncClient]:
    """A bare `httpx.AsyncClient` on the local cloud, with no credentials."""
    async with httpx.AsyncClient(base_url=cloud.url, timeout=5.0) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    """The only way the SDK sends a token: the `Authorization: Bearer` header."""
    return {"Authorization": f"Bearer {token}"}


async def wait_until(condition: Callable[[], bool], limit: float = 2.0) -> None:
    """Poll `condition` until it holds, failing the test after `limit` seconds."""
    with anyio.fail_after(limit):
        while not condition():
            await anyio.sleep(0.01)
