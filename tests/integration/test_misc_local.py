"""Integration get and test, firmware delete and the mandatory flag, configuration schemas,
the fleet's latest locations, Logic stats, and Logic and ledgers in a product: the SDK against
the local cloud over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone

import anyio
import pytest

from aioparticle import (
    ConflictError,
    NotFoundError,
    ParticleClient,
    PermissionDeniedError,
    UnprocessableEntityError,
)
from tests._loopback import LoopbackServer, Reply, Seen, serve
from tests.integration.conftest import PRODUCT_ID, PRODUCT_SLUG, Fleet

pytestmark = pytest.mark.anyio


@pytest.fixture
async def receiver() -> AsyncIterator[LoopbackServer]:
    """A web server on 127.0.0.1 answering `{"stored": true}`, or 500 on `/broken`."""

    def answer(seen: Seen) -> Reply:
        if seen.target.startswith("/broken"):
            return Reply(500, b'{"error": "disk full"}')
        return Reply(200, b'{"stored": true}')

    async with serve(answer) as server:
        yield server


# --------------------------------------------------------------------------- integrations


async def test_an_integration_is_read_back_and_disabled_by_a_setting(
    fleet: Fleet, sdk: ParticleClient, receiver: LoopbackServer
) -> None:
    with anyio.fail_after(10):
        created = await sdk.integrations.create(
            "temp", {"integration_type": "Webhook", "url": f"{receiver.url}/in"}
        )
        found = await sdk.integrations.get(created.id)
        assert (found.id, found.event, found.url, found.disabled) == (
            created.id,
            "temp",
            f"{receiver.url}/in",
            None,
        )
        await sdk.integrations.update(created.id, settings={"disabled": True})
        assert (await sdk.integrations.get(created.id)).disabled is True
        with pytest.raises(NotFoundError):
            await sdk.integrations.get(created.id, product=PRODUCT_ID)


async def test_testing_an_integration_sends_one_event_to_its_target(
    fleet: Fleet, sdk: ParticleClient, receiver: LoopbackServer
) -> None:
    with anyio.fail_after(10):
        ok = await sdk.integrations.create(
            "temp",
            {
                "integration_type": "Webhook",
                "url": f"{receiver.url}/ok",
                "json": {"v": "{{{PARTICLE_EVENT_VALUE}}}", "d": "{{{PARTICLE_DEVICE_ID}}}"},
            },
            product=PRODUCT_SLUG,
        )
        passed = await sdk.integrations.test(ok.id, data="42", device="unit-1", product=PRODUCT_ID)
        default = await sdk.integrations.test(ok.id, product=PRODUCT_SLUG)
        broken = await sdk.integrations.create(
            "temp", {"integration_type": "Webhook", "url": f"{receiver.url}/broken"}
        )
        failed = await sdk.integrations.test(broken.id)
        other = await sdk.integrations.create("temp", {"integration_type": "AzureIotHub"})
        not_delivered = await sdk.integrations.test(other.id)
        with pytest.raises(NotFoundError):
            await sdk.integrations.test(ok.id)  # not a sandbox integration

    assert (passed.pass_, passed.data, passed.error) == (True, '{"stored": true}', None)
    assert default.pass_ is True
    assert [(s.target, s.body) for s in receiver.seen[:2]] == [
        ("/ok", b'{"v":"42","d":"unit-1"}'),
        ("/ok", b'{"v":"test-event","d":"api"}'),
    ]
    assert failed.pass_ is False
    assert failed.data == '{"error": "disk full"}'
    assert "500" in str(failed.error)
    assert not_delivered.pass_ is False
    assert "AzureIotHub" in str(not_delivered.error)
    assert len(receiver.seen) == 3


# --------------------------------------------------------------------------- firmware


async def test_unreleased_firmware_is_deleted_and_released_firmware_is_kept(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with anyio.fail_after(10):
        draft = await sdk.products.firmware.upload(
            7, b"\x00draft", product=PRODUCT_SLUG, title="Draft", mandatory=True
        )
        assert draft.model_extra is not None and draft.model_extra["mandatory"] is True
        changed = await sdk.products.firmware.update(7, product=PRODUCT_ID, mandatory=False)
        assert changed.model_extra is not None and changed.model_extra["mandatory"] is False
        await sdk.products.firmware.upload(8, b"\x00rel", product=PRODUCT_ID, title="Release")
        await sdk.products.firmware.release(8, product=PRODUCT_ID, groups=["north"])

        assert await sdk.products.firmware.delete(7, product=PRODUCT_SLUG) is None
        with pytest.raises(ConflictError, match="released"):
            await sdk.products.firmware.delete(8, product=PRODUCT_ID)
        with pytest.raises(NotFoundError):
            await sdk.products.firmware.delete(7, product=PRODUCT_ID)
        versions = [f.version for f in await sdk.products.firmware.list(product=PRODUCT_ID)]
    assert versions == [8]


# --------------------------------------------------------------------------- schemas


SCHEMA = {"type": "object", "properties": {"rate": {"type": "integer"}}}


async def test_a_schema_is_set_refused_when_invalid_and_deleted(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    unit = fleet.units[0].id
    config = sdk.products.config
    with anyio.fail_after(10):
        default = await config.get_schema(product=PRODUCT_ID)
        assert await config.set_schema(SCHEMA, product=PRODUCT_SLUG) == SCHEMA
        assert await config.get_schema(product=PRODUCT_ID) == SCHEMA
        assert await config.get_schema(product=PRODUCT_ID, device=unit) == SCHEMA

        device_schema = {"type": "object", "title": "unit"}
        assert await config.set_schema(device_schema, product=PRODUCT_ID, device=unit) == (
            device_schema
        )
        assert await config.get_schema(product=PRODUCT_ID, device=unit) == device_schema

        with pytest.raises(UnprocessableEntityError) as caught:
            await config.set_schema({"properties": {"rate": 5}}, product=PRODUCT_ID)
        assert await config.get_schema(product=PRODUCT_ID) == SCHEMA  # unchanged

        await config.delete_schema(product=PRODUCT_ID, device=unit)
        assert await config.get_schema(product=PRODUCT_ID, device=unit) == SCHEMA
        await config.delete_schema(product=PRODUCT_SLUG)
        assert await config.get_schema(product=PRODUCT_ID) == default
        with pytest.raises(NotFoundError):
            await config.set_schema(SCHEMA, product=PRODUCT_ID, device=fleet.garage.id)

    error = caught.value
    assert error.status_code == 422
    assert error.body == {
        "message": "Invalid Schema",
        "description": "The schema does not follow the JSON Schema specification",
        "violations": error.violations,
    }
    assert [(v["keyword"], v["dataPath"]) for v in error.violations] == [
        ("required", ""),
        ("type", ".properties['rate']"),
    ]
    assert "Invalid Schema: The schema does not follow" in str(error)
    assert "should have required property 'type'" in str(error)


# --------------------------------------------------------------------------- locations


async def test_the_fleet_locations_are_each_devices_latest(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    cloud = fleet.cloud
    t0 = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)
    unit1, unit2, unit3 = (u.id for u in fleet.units[:3])
    cloud.add_location(unit1, 42.0, -71.0, at=t0)
    cloud.add_location(unit1, 42.5, -71.5, at=t0 + timedelta(hours=1))
    cloud.add_location(unit2, 10.0, 20.0, at=t0)
    cloud.add_location(unit3, -33.9, 151.2, at=t0, gps_lock=False)
    locations = sdk.products.locations
    with anyio.fail_after(10):
        every = await locations.list_latest(product=PRODUCT_SLUG)
        one = await locations.list_latest(product=PRODUCT_ID, device_id=unit2)
        named = await locations.list_latest(product=PRODUCT_ID, device_name="unit-3")
        grouped = await locations.list_latest(product=PRODUCT_ID, groups=["blue", "east"])

    by_id = {loc.device_id: loc for loc in every}
    assert set(by_id) == {unit1, unit2, unit3}
    latest = by_id[unit1]
    assert latest.geometry is not None
    assert (latest.geometry.type, latest.geometry.coordinates) == ("Point", [-71.5, 42.5])
    assert latest.timestamps == [t0 + timedelta(hours=1)]
    assert (latest.device_name, latest.product_id, latest.groups) == (
        "unit-1",
        PRODUCT_ID,
        ["north"],
    )
    assert by_id[unit3].gps_lock is False
    assert [loc.device_id for loc in one] == [unit2]
    assert [loc.device_name for loc in named] == ["unit-3"]
    assert [loc.device_id for loc in grouped] == [unit2]  # unit-4 and unit-5 never reported


async def test_the_locations_listing_filters_by_time_rectangle_and_device_and_pages(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    cloud = fleet.cloud
    t0 = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)
    unit1, unit2, unit3 = (u.id for u in fleet.units[:3])
    cloud.add_location(unit1, 42.0, -71.0, at=t0)
    cloud.add_location(unit1, 42.5, -71.5, at=t0 + timedelta(hours=1))
    cloud.add_location(unit1, 43.0, -72.0, at=t0 + timedelta(days=2))
    cloud.add_location(unit2, 10.0, 20.0, at=t0)
    cloud.add_location(unit3, -33.9, 151.2, at=t0, gps_lock=False)
    locations = sdk.products.locations
    window = (t0, t0 + timedelta(days=1))
    with anyio.fail_after(10):
        every = [loc async for loc in locations.list(product=PRODUCT_SLUG, date_range=window)]
        boxed = [
            loc
            async for loc in locations.list(
                product=PRODUCT_ID, rect_bl=(40.0, -75.0), rect_tr=(45.0, -70.0)
            )
        ]
        first = await locations.list(product=PRODUCT_ID, per_page=2)
        pages = [len(page) async for page in locations.list(product=PRODUCT_ID, per_page=2).pages()]
        named = [loc async for loc in locations.list(product=PRODUCT_ID, device_name="unit-2")]
        one = await locations.get(unit1, product=PRODUCT_ID, date_range=window)
        point = await locations.get(unit3, product=PRODUCT_ID)
        with pytest.raises(NotFoundError):
            await locations.get(fleet.units[4].id, product=PRODUCT_ID)  # never reported

    by_id = {loc.device_id: loc for loc in every}
    assert set(by_id) == {unit1, unit2, unit3}
    track = by_id[unit1]  # the fix two days later is outside the window
    assert track.geometry is not None
    assert track.geometry.type == "LineString"
    assert track.geometry.coordinates == [[-71.0, 42.0], [-71.5, 42.5]]
    assert track.timestamps == [t0, t0 + timedelta(hours=1)]
    assert [loc.device_id for loc in boxed] == [unit1]
    assert boxed[0].geometry is not None
    assert len(boxed[0].geometry.coordinates) == 3
    assert first.meta.total_pages == 2
    assert first.meta.model_extra == {"devices_found": 3}
    assert pages == [2, 1]
    assert [loc.device_name for loc in named] == ["unit-2"]
    assert one.geometry is not None
    assert one.geometry.coordinates == track.geometry.coordinates
    assert point.geometry is not None
    assert (point.geometry.type, point.geometry.coordinates) == ("Point", [151.2, -33.9])
    assert point.gps_lock is False


# --------------------------------------------------------------------------- Logic


async def test_logic_stats_count_the_runs_per_day(fleet: Fleet, sdk: ParticleClient) -> None:
    cloud = fleet.cloud
    with anyio.fail_after(10):
        function = await sdk.logic.functions.create("counter", "export default function () {}")
    day1 = datetime(2025, 3, 1, 23, 59, tzinfo=timezone.utc)
    day2 = datetime(2025, 3, 2, 0, 1, tzinfo=timezone.utc)
    for status, at in [
        ("Success", day1),
        ("Exception", day1),
        ("Success", day2),
        ("Success", day2),
        ("Timeout", day2),
    ]:
        cloud.add_logic_run(function.id, status=status, started_at=at)
    with anyio.fail_after(10):
        stats = await sdk.logic.functions.get_stats(function.id)
        with pytest.raises(NotFoundError):
            await sdk.logic.functions.get_stats(function.id, product=PRODUCT_ID)
    assert [(s.date, s.success, s.failure, s.timeout) for s in stats] == [
        (date(2025, 3, 1), 1, 1, 0),
        (date(2025, 3, 2), 2, 0, 1),
    ]


async def test_a_product_keeps_its_own_logic_functions(fleet: Fleet, sdk: ParticleClient) -> None:
    functions = sdk.logic.functions
    with anyio.fail_after(10):
        created = await functions.create(
            "relay",
            "export default function main() {}",
            logic_triggers=[{"type": "Event", "event_name": "temp"}],
            product=PRODUCT_SLUG,
        )
        assert created.owner_id == f"product:{PRODUCT_ID}"
        assert [f.id for f in await functions.list(product=PRODUCT_ID)] == [created.id]
        assert await functions.list() == []
        with pytest.raises(NotFoundError):
            await functions.get(created.id)

        fleet.units[0].publish("temp", "21")  # a product event fires the product's trigger
        fleet.garage.publish("temp", "22")  # a sandbox event does not
        runs = await sdk.logic.runs.list(created.id, product=PRODUCT_ID)
        assert len(runs) == 1
        logs = await sdk.logic.runs.get_logs(created.id, runs[0].id, product=PRODUCT_ID)
        assert logs[0].args[1]["device_id"] == fleet.units[0].id
        stats = await functions.get_stats(created.id, product=PRODUCT_ID)
        assert [s.success for s in stats] == [1]

        result = await sdk.logic.execute("export default function main() {}", product=PRODUCT_ID)
        assert result.status == "Success"
        updated = await functions.update(created.id, enabled=False, product=PRODUCT_SLUG)
        assert updated.enabled is False
        await functions.delete(created.id, product=PRODUCT_ID)
        assert await functions.list(product=PRODUCT_ID) == []

    execution = fleet.cloud.logic_executions[-1]
    assert (execution.username, execution.org_id, execution.product_id) == (None, None, PRODUCT_ID)


async def test_product_logic_and_ledgers_are_for_its_team_only(fleet: Fleet) -> None:
    async with ParticleClient(fleet.other_token, base_url=fleet.cloud.url) as outsider:
        with anyio.fail_after(10):
            with pytest.raises(PermissionDeniedError):
                await outsider.logic.functions.list(product=PRODUCT_ID)
            with pytest.raises(PermissionDeniedError):
                await outsider.ledgers.get("anything", product=PRODUCT_ID)
            with pytest.raises(NotFoundError):
                await outsider.logic.functions.list(product=999)


# --------------------------------------------------------------------------- ledgers


async def test_a_product_keeps_its_own_ledgers(fleet: Fleet, sdk: ParticleClient) -> None:
    unit = fleet.units[0].id
    with anyio.fail_after(10):
        ledger = await sdk.ledgers.create(
            "unit-state", scope="Device", direction="CloudOnly", product=PRODUCT_SLUG
        )
        assert ledger.name == "unit-state"
        assert [x.name async for x in sdk.ledgers.list(product=PRODUCT_ID)] == ["unit-state"]
        assert [x.name async for x in sdk.ledgers.list()] == []
        with pytest.raises(NotFoundError):
            await sdk.ledgers.get("unit-state")

        await sdk.ledgers.instances.set("unit-state", unit, {"mode": "eco"}, product=PRODUCT_ID)
        merged = await sdk.ledgers.instances.set(
            "unit-state", unit, {"rate": 5}, set_mode="Merge", product=PRODUCT_ID
        )
        assert merged.data == {"mode": "eco", "rate": 5}
        got = await sdk.ledgers.instances.get("unit-state", unit, product=PRODUCT_SLUG)
        assert got.data == {"mode": "eco", "rate": 5}
        versions = [
            v
            async for v in sdk.ledgers.instances.list_versions(
                "unit-state", unit, product=PRODUCT_ID
            )
        ]
        assert [v.data for v in versions] == [{"mode": "eco"}]
        assert versions[0].version_id is not None
        old = await sdk.ledgers.instances.get_version(
            "unit-state", unit, versions[0].version_id, product=PRODUCT_ID
        )
        assert old.data == {"mode": "eco"}
        instances = [i async for i in sdk.ledgers.instances.list("unit-state", product=PRODUCT_ID)]
        assert len(instances) == 1

        await sdk.ledgers.update("unit-state", description="per unit", product=PRODUCT_ID)
        assert (await sdk.ledgers.get("unit-state", product=PRODUCT_ID)).description == ("per unit")
        await sdk.ledgers.instances.delete("unit-state", unit, product=PRODUCT_ID)
        await sdk.ledgers.archive("unit-state", product=PRODUCT_ID)
        assert [x.name async for x in sdk.ledgers.list(product=PRODUCT_ID)] == []
