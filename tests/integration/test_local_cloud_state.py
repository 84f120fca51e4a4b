"""`CloudState` ids: every state numbers its products, devices, orgs and binaries on its own."""

from __future__ import annotations

import re

import httpx
import pytest

from aioparticle.testing import CloudState, LocalCloud
from tests.integration.conftest import bearer

PARTICLE_ID = re.compile(r"[0-9a-f]{24}")


def _first_ids(state: CloudState) -> tuple[int, str, str, str]:
    """The ids of a new product, device, org and binary of `state`."""
    return (
        state.add_product().id,
        state.add_device().id,
        state.add_org("acme").id,
        state.add_binary(b"firmware"),
    )


def test_two_fresh_states_hand_out_the_same_ids() -> None:
    first, second = CloudState(), CloudState()

    product, device, org, binary = _first_ids(first)

    assert _first_ids(second) == (product, device, org, binary)
    assert product == 1001
    for hex_id in (device, org, binary):
        assert PARTICLE_ID.fullmatch(hex_id)
    assert first.add_device().id == second.add_device().id


def test_creating_in_one_state_does_not_advance_another() -> None:
    busy = CloudState()
    busy_ids = [_first_ids(busy) for _ in range(3)]
    fresh = CloudState()

    assert _first_ids(fresh) == busy_ids[0]
    assert busy.add_product().id == 1004
    assert fresh.add_product().id == 1002


def test_ids_of_one_state_are_unique() -> None:
    state = CloudState()
    ids = [_first_ids(state) for _ in range(50)]
    for column in zip(*ids, strict=True):
        assert len(set(column)) == len(column)
    assert len({d.name for d in state.devices.values()}) == 50


def test_explicit_ids_do_not_consume_the_counters() -> None:
    state = CloudState()
    state.add_product(4567)
    state.add_device(id="0123456789abcdef01234567")

    assert (state.add_product().id, state.add_device().id) == (
        CloudState().add_product().id,
        CloudState().add_device().id,
    )


@pytest.mark.anyio
async def test_two_running_clouds_compile_to_the_same_binary_id() -> None:
    binary_ids = []
    for _ in range(2):
        async with LocalCloud() as cloud, httpx.AsyncClient(base_url=cloud.url) as http:
            response = await http.post(
                "/v1/binaries",
                headers=bearer(cloud.token),
                files={"file": ("app.ino", b"void setup() {}\n")},
            )
            assert response.status_code == 200
            binary_ids.append(response.json()["binary_id"])
            assert cloud.compiles[0].binary_id == binary_ids[-1]
    assert binary_ids[0] == binary_ids[1]
