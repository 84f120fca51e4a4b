"""Wire-level tests of `client.serial_numbers`: the lookup and every check made before it."""

from __future__ import annotations

import pytest
import respx

from aioparticle import ParticleClient, SerialNumberInfo
from tests.conftest import load
from tests.unit._wire import BadInput, bad_input_grid, check_request, only_request, reply

pytestmark = pytest.mark.anyio

DEV = "0123456789abcdef01234567"
SERIAL = "P046AF1234567890"


# --------------------------------------------------------------------------- get


async def test_serial_number_lookup(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, load("serial_numbers/serial_number.json"))

    info = await client.serial_numbers.get(SERIAL)

    check_request(only_request(api), "GET", f"/v1/serial_numbers/{SERIAL}")
    assert isinstance(info, SerialNumberInfo)
    assert info.serial_number == SERIAL
    assert info.device_id == DEV
    assert info.platform_id == 13
    assert info.iccid == "89014103211118510720"


async def test_serial_number_lookup_without_sim(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"serial_number": SERIAL, "device_id": DEV})

    info = await client.serial_numbers.get(SERIAL)

    check_request(only_request(api), "GET", f"/v1/serial_numbers/{SERIAL}")
    assert info.device_id == DEV
    assert info.platform_id is None
    assert info.iccid is None


async def test_serial_number_is_percent_encoded(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"serial_number": "ab c+d", "device_id": DEV})

    await client.serial_numbers.get("ab c+d")

    check_request(only_request(api), "GET", "/v1/serial_numbers/ab%20c%2Bd")


async def test_64_character_serial_number_is_accepted(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"serial_number": "S" * 64})

    await client.serial_numbers.get("S" * 64)

    check_request(only_request(api), "GET", f"/v1/serial_numbers/{'S' * 64}")


# --------------------------------------------------------------------------- bad input

BAD_SERIALS = [
    None,
    "",
    ".",
    "..",
    "a/b",
    "x?y",
    "#",
    "a\\b",
    "a\x00b",
    "a\nb",
    "a\x7fb",
    "S" * 65,
    5,
]

#: Every call with an argument `client.serial_numbers` must refuse before any request.
BAD_INPUT = bad_input_grid({"get": lambda c, serial: c.serial_numbers.get(serial)}, BAD_SERIALS)


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={"version": "6.1.1", "serial_number": SERIAL})
    return api


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
