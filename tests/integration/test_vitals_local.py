"""Device vitals and SIM status checks against the local cloud over real HTTP: a refresh that
reports later (record and event), the history as JSON and CSV, typed errors, and a SIM status
check that completes while `wait_for_status` polls."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import anyio
import pytest

from aioparticle import (
    BadRequestError,
    DeviceOfflineError,
    DeviceVitalsRecord,
    NotFoundError,
    ParticleClient,
    PollTimeoutError,
    Sim,
    SimStatusCheck,
)
from tests.integration.conftest import PRODUCT_ID, PRODUCT_SLUG, Fleet

pytestmark = pytest.mark.anyio

ICCID = "89014103211118510720"
EARLIER = {"device": {"power": {"battery": {"charge": 40.0, "state": "charging"}}}}
LATER = {"device": {"power": {"battery": {"charge": 55.5, "state": "charging"}}}}


@pytest.fixture
def sleeps() -> list[float]:
    """Polls here wait for real: the local cloud reports vitals after a real delay."""
    return []


async def test_refresh_and_wait_returns_the_new_report_and_the_stream_carries_it(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    cloud, garage = fleet.cloud, fleet.garage
    old = cloud.add_vitals(garage, EARLIER, at=datetime.now(timezone.utc) - timedelta(hours=1))
    assert old.at.microsecond % 1000 == 0  # kept as the wire shows it
    cloud.vitals_refresh_delay = 0.3
    seen: list[DeviceVitalsRecord | None] = []

    with anyio.fail_after(10):
        async with sdk.events.stream(prefix="spark/device/diagnostics", device="mine") as events:
            record = await sdk.diagnostics.refresh_and_wait(
                garage.id, interval=0.1, deadline=5, on_progress=seen.append
            )
            event = await events.__anext__()

    assert record.device_id == garage.id
    assert record.updated_at is not None and record.updated_at > old.at
    assert record.payload.device is not None and record.payload.device.system is not None
    assert record.payload.device.power is not None
    assert record.payload.device.power.battery is not None
    assert record.payload.device.power.battery.charge == 87.5
    # the looks before the report still saw the old one
    assert len(seen) >= 2
    assert seen[0] is not None and seen[0].updated_at == old.at
    assert seen[-1] == record
    assert event.name == "spark/device/diagnostics/update"
    assert event.device_id == garage.id
    assert json.loads(event.data) == record.payload.model_dump(exclude_none=True)
    assert len(cloud.vitals[garage.id]) == 2


async def test_refresh_and_wait_on_a_device_without_reports_in_a_product(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    unit = fleet.units[0]
    fleet.cloud.vitals_payloads[unit.id] = LATER
    fleet.cloud.vitals_refresh_delay = 0.05
    with pytest.raises(NotFoundError):
        await sdk.diagnostics.get_last(unit.id, product=PRODUCT_SLUG)

    with anyio.fail_after(10):
        record = await sdk.diagnostics.refresh_and_wait(
            unit.id, product=PRODUCT_ID, interval=0.05, deadline=5
        )

    assert record.payload.model_dump(exclude_none=True) == LATER
    assert await sdk.diagnostics.get_last(unit.name, product=PRODUCT_ID) == record


async def test_refresh_of_an_offline_device_is_a_device_offline_error(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with pytest.raises(DeviceOfflineError):
        await sdk.diagnostics.refresh(fleet.boat.id)
    with pytest.raises(DeviceOfflineError):
        await sdk.diagnostics.refresh_and_wait(fleet.boat.id, interval=0.05, deadline=1)
    assert fleet.boat.id not in fleet.cloud.vitals


async def test_refresh_and_wait_times_out_when_no_report_comes(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    fleet.cloud.vitals_refresh_delay = 60
    with pytest.raises(PollTimeoutError) as caught:
        await sdk.diagnostics.refresh_and_wait(fleet.garage.id, interval=0.05, deadline=0.3)
    assert caught.value.last is None  # the device never had a report


async def test_history_json_and_csv_with_a_window(
    fleet: Fleet, sdk: ParticleClient, tmp_path: Path
) -> None:
    cloud, garage = fleet.cloud, fleet.garage
    now = datetime.now(timezone.utc).replace(microsecond=0)
    cloud.add_vitals(garage, EARLIER, at=now - timedelta(days=2))
    cloud.add_vitals(garage, LATER, at=now - timedelta(days=1))
    cloud.add_vitals(garage, {"service": {"device": {"status": "ok"}}}, at=now)

    everything = await sdk.diagnostics.list(garage.id)
    window = await sdk.diagnostics.list(garage.id, start_date=now - timedelta(days=2), end_date=now)
    as_text = await sdk.diagnostics.list(
        garage.name, start_date=(now - timedelta(days=1, hours=1)).isoformat()
    )

    assert [r.updated_at for r in everything] == [
        now - timedelta(days=2),
        now - timedelta(days=1),
        now,
    ]
    # start included, end excluded
    assert [r.payload.model_dump(exclude_none=True) for r in window] == [EARLIER, LATER]
    assert [r.updated_at for r in as_text] == [now - timedelta(days=1), now]

    data = await sdk.diagnostics.download_csv(garage.id, end_date=now)
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == [
        "updated_at",
        "deviceID",
        "device.power.battery.charge",
        "device.power.battery.state",
    ]
    assert [row[1:] for row in rows[1:]] == [
        [garage.id, "40.0", "charging"],
        [garage.id, "55.5", "charging"],
    ]

    path = await sdk.diagnostics.download_csv(garage.id, to=tmp_path / "vitals.csv")
    assert path == tmp_path / "vitals.csv"
    assert path.read_text().splitlines()[0].endswith("service.device.status")
    assert len(path.read_text().splitlines()) == 4


async def test_history_with_a_bad_date_is_a_bad_request(fleet: Fleet, sdk: ParticleClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        await sdk.diagnostics.list(fleet.garage.id, start_date="yesterday")
    assert caught.value.status_code == 400
    assert caught.value.body == {
        "error": "bad_request",
        "description": "start_date and end_date must be ISO8601 formatted",
    }
    with pytest.raises(BadRequestError):
        await sdk.diagnostics.download_csv(
            fleet.garage.id, start_date=datetime.now(timezone.utc) - timedelta(days=40)
        )


async def test_another_accounts_device_is_refused(fleet: Fleet, sdk: ParticleClient) -> None:
    with pytest.raises(NotFoundError):
        await sdk.diagnostics.get_last(fleet.foreign.id, product=PRODUCT_ID)
    assert fleet.cloud.vitals == {}


@pytest.mark.slow
async def test_sim_status_completes_while_waiting(fleet: Fleet, sdk: ParticleClient) -> None:
    cloud = fleet.cloud
    cloud.add_sim(ICCID, device=fleet.units[1])
    seen: list[SimStatusCheck] = []

    with anyio.fail_after(10):
        check = await sdk.sims.wait_for_status(
            ICCID, product=PRODUCT_SLUG, interval=0.05, deadline=5, on_progress=seen.append
        )

    assert [c.meta.state for c in seen] == ["pending", "pending", "complete"]
    assert seen[0].sim_status.connected is None
    assert check.complete
    assert check.sim_status.connected is True
    assert check.sim_status.gsm_connection is True
    assert check.sim_status.data_connection is True
    assert check.meta.method == "async"
    assert check.meta.task_id == seen[0].meta.task_id
    assert check.meta.check_again_after is not None


async def test_sim_status_of_an_offline_device_and_get_one_sim(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    cloud = fleet.cloud
    cloud.sim_status_polls = 0
    cloud.add_sim(ICCID, device=fleet.boat)

    check = await sdk.sims.get_status(ICCID)
    sim = await sdk.sims.get(ICCID)

    assert check.complete
    assert check.sim_status.connected is False
    assert check.sim_status.gsm_connection is True
    assert isinstance(sim, Sim)
    assert sim.iccid == ICCID
    assert sim.device_id == fleet.boat.id
    assert (sim.model_extra or {})["last_device_id"] == fleet.boat.id
    with pytest.raises(NotFoundError):
        await sdk.sims.get(ICCID, product=PRODUCT_ID)
