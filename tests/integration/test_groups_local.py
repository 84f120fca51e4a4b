"""Device groups, quarantine and the other fleet additions end to end: the SDK against the local
cloud over real HTTP (the `fleet` product: unit-1 .. unit-5 in groups north, blue, south, east,
all running firmware 3)."""

from __future__ import annotations

import anyio
import httpx
import pytest

from aioparticle import (
    BadRequestError,
    DeviceGroup,
    DeviceImportResult,
    GroupsImpact,
    NotFoundError,
    ParticleClient,
    PermissionDeniedError,
    UpdatedDevice,
    VersionCount,
)
from aioparticle.testing import LocalCloud
from tests.integration.conftest import PRODUCT_ID, PRODUCT_SLUG, Fleet, bearer

pytestmark = pytest.mark.anyio


async def _names_in(sdk: ParticleClient, *groups: str) -> list[str]:
    return [d.name or "" async for d in sdk.devices.list(product=PRODUCT_ID, groups=list(groups))]


# ---------------------------------------------------------------------- groups


async def test_the_groups_devices_carry_are_listed(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        groups = await sdk.products.groups.list(product=PRODUCT_SLUG)
        blue = await sdk.products.groups.get("blue", product=PRODUCT_ID)
        partial = await sdk.products.groups.list(product=PRODUCT_ID, name="or")
    assert [g.name for g in groups] == ["blue", "east", "north", "south"]
    assert all(isinstance(g, DeviceGroup) and g.color for g in groups)
    assert blue.device_count == 2
    assert blue.fw_version is None
    assert [g.name for g in partial] == ["north"]


async def test_group_lifecycle(fleet: Fleet, sdk: ParticleClient) -> None:
    units = fleet.units
    with anyio.fail_after(5):
        created = await sdk.products.groups.create(
            "beta_testers", product=PRODUCT_ID, color="#e74c3c", description="early firmware"
        )
        # one device, absolute: unit-1 leaves north
        single = await sdk.devices.set_groups(units[0].id, ["beta_testers"], product=PRODUCT_ID)
        # many devices: add and remove, other memberships kept
        await sdk.devices.update_groups(
            [units[2].id, units[3].id], product=PRODUCT_SLUG, add=["beta_testers"], remove=["south"]
        )
        kept = (list(units[0].groups), list(units[3].groups))
        beta = await _names_in(sdk, "beta_testers")
        south = await _names_in(sdk, "south")
        counted = await sdk.products.groups.get("beta_testers", product=PRODUCT_ID)

        renamed = await sdk.products.groups.update(
            "beta_testers", product=PRODUCT_ID, new_name="beta", color="#000000"
        )
        after_rename = await _names_in(sdk, "beta")
        left_behind = await _names_in(sdk, "beta_testers")

        await sdk.products.groups.delete("beta", product=PRODUCT_ID)
        remaining = [g.name for g in await sdk.products.groups.list(product=PRODUCT_ID)]
        with pytest.raises(NotFoundError):
            await sdk.products.groups.get("beta", product=PRODUCT_ID)

    assert (created.name, created.color, created.description) == (
        "beta_testers",
        "#e74c3c",
        "early firmware",
    )
    assert isinstance(single, UpdatedDevice)
    assert single.groups == ["beta_testers"]
    assert kept == (["beta_testers"], ["blue", "beta_testers"])
    assert beta == ["unit-1", "unit-3", "unit-4"]
    assert south == []
    assert counted.device_count == 3
    assert (renamed.name, renamed.color, renamed.device_count) == ("beta", "#000000", 3)
    assert after_rename == ["unit-1", "unit-3", "unit-4"]
    assert left_behind == []
    assert remaining == ["blue", "east", "north", "south"]
    assert units[0].groups == []
    assert units[3].groups == ["blue"]


async def test_set_groups_creates_unknown_groups(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        await sdk.devices.set_groups(fleet.units[4].id, ["east", "roof"], product=PRODUCT_ID)
        roof = await sdk.products.groups.get("roof", product=PRODUCT_ID)
        cleared = await sdk.devices.set_groups(fleet.units[4].id, [], product=PRODUCT_ID)
        east = await _names_in(sdk, "east")
    assert roof.device_count == 1
    assert cleared.groups == []
    assert east == []


async def test_group_refusals(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        with pytest.raises(BadRequestError, match="already exists"):
            await sdk.products.groups.create("north", product=PRODUCT_ID)
        with pytest.raises(BadRequestError, match="already exists"):
            await sdk.products.groups.update("north", product=PRODUCT_ID, new_name="south")
        with pytest.raises(NotFoundError):
            await sdk.products.groups.delete("west", product=PRODUCT_ID)
        with pytest.raises(NotFoundError):
            await sdk.devices.update_groups([fleet.garage.id], product=PRODUCT_ID, add=["north"])
    assert fleet.garage.groups == []


async def test_group_statuses_on_the_wire(
    fleet: Fleet, cloud: LocalCloud, raw: httpx.AsyncClient
) -> None:
    path = f"/v1/products/{PRODUCT_ID}/groups"
    with anyio.fail_after(3):
        created = await raw.post(path, json={"name": "west"}, headers=bearer(cloud.token))
        deleted = await raw.delete(f"{path}/west", headers=bearer(cloud.token))
        bad = await raw.post(path, json={"name": "West Side"}, headers=bearer(cloud.token))
    assert created.status_code == 201
    assert created.json()["group"]["name"] == "west"
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert bad.status_code == 400


async def test_impact_counts_the_devices_a_release_would_update(
    fleet: Fleet, cloud: LocalCloud, sdk: ParticleClient
) -> None:
    units = fleet.units
    units[1].firmware_version = 2  # north, blue
    units[3].development = True  # south, blue: never updated by a release
    with anyio.fail_after(3):
        blue = await sdk.products.groups.get_impact(4, product=PRODUCT_ID, groups=["blue"])
        north_east = await sdk.products.groups.get_impact(
            4, product=PRODUCT_SLUG, groups=["north", "east"]
        )
        everyone = await sdk.products.groups.get_impact(4, product=PRODUCT_ID, product_default=True)
        to_three = await sdk.products.groups.get_impact(
            3, product=PRODUCT_ID, groups=["north", "south"]
        )
        nothing = await sdk.products.groups.get_impact(4, product=PRODUCT_ID)
    assert isinstance(blue, GroupsImpact)
    assert blue == GroupsImpact(total=1, by_version=[VersionCount(version=2, total=1)])
    assert north_east.total == 3
    assert north_east.by_version == [
        VersionCount(version=2, total=1),
        VersionCount(version=3, total=2),
    ]
    assert everyone.total == 4
    assert to_three == GroupsImpact(total=1, by_version=[VersionCount(version=2, total=1)])
    assert nothing.total == 0


async def test_a_release_to_a_group_shows_as_its_firmware_version(
    fleet: Fleet, cloud: LocalCloud, sdk: ParticleClient
) -> None:
    cloud.add_firmware(PRODUCT_ID, 4, b"firmware v4", title="v4")
    with anyio.fail_after(3):
        await sdk.products.firmware.release(4, product=PRODUCT_ID, groups=["east"])
        east = await sdk.products.groups.get("east", product=PRODUCT_ID)
        listed = {g.name: g.fw_version for g in await sdk.products.groups.list(product=PRODUCT_ID)}
    assert east.fw_version == 4
    assert listed == {"blue": None, "east": 4, "north": None, "south": None}


# ---------------------------------------------------------------------- quarantine


async def test_quarantined_devices_are_approved_or_denied(
    fleet: Fleet, cloud: LocalCloud, sdk: ParticleClient
) -> None:
    waiting = cloud.add_device(
        "newcomer", product=PRODUCT_ID, owner=None, quarantined=True, serial_number="P046AB12"
    )
    intruder = cloud.add_device("intruder", product=PRODUCT_ID, owner=None, quarantined=True)
    with anyio.fail_after(5):
        quarantined = [d async for d in sdk.devices.list(product=PRODUCT_ID, quarantined=True)]
        admitted = [d.name async for d in sdk.devices.list(product=PRODUCT_ID, quarantined=False)]
        by_serial = [
            d.name async for d in sdk.devices.list(product=PRODUCT_ID, serial_number="046A")
        ]

        approved = await sdk.devices.approve(waiting.id, product=PRODUCT_SLUG)
        await sdk.devices.deny(intruder.id, product=PRODUCT_ID)

        still_waiting = [d.id async for d in sdk.devices.list(product=PRODUCT_ID, quarantined=True)]
        members = [d.name async for d in sdk.devices.list(product=PRODUCT_ID)]
        newcomer = await sdk.devices.get(waiting.id, product=PRODUCT_ID)
        with pytest.raises(NotFoundError):
            await sdk.devices.get(intruder.id, product=PRODUCT_ID)

    assert [(d.name, d.quarantined, d.denied) for d in quarantined] == [
        ("newcomer", True, False),
        ("intruder", True, False),
    ]
    assert admitted == ["unit-1", "unit-2", "unit-3", "unit-4", "unit-5"]
    assert by_serial == ["newcomer"]
    assert isinstance(approved, DeviceImportResult)
    assert approved.updated == 1
    assert approved.updated_device_ids == [waiting.id]
    assert still_waiting == []
    assert members == ["unit-1", "unit-2", "unit-3", "unit-4", "unit-5", "newcomer"]
    assert newcomer.quarantined is False
    assert (waiting.quarantined, waiting.product_id) == (False, PRODUCT_ID)
    assert (intruder.denied, intruder.product_id) == (True, None)


async def test_deny_answers_204(fleet: Fleet, cloud: LocalCloud, raw: httpx.AsyncClient) -> None:
    intruder = cloud.add_device("intruder", product=PRODUCT_ID, owner=None, quarantined=True)
    with anyio.fail_after(3):
        answer = await raw.request(
            "DELETE",
            f"/v1/products/{PRODUCT_ID}/devices/{intruder.id}",
            json={"deny": True},
            headers=bearer(cloud.token),
        )
    assert answer.status_code == 204
    assert intruder.denied is True


async def test_a_quarantined_device_is_in_no_count(
    fleet: Fleet, cloud: LocalCloud, sdk: ParticleClient
) -> None:
    cloud.add_device("newcomer", product=PRODUCT_ID, owner=None, quarantined=True, groups=["east"])
    with anyio.fail_after(3):
        east = await sdk.products.groups.get("east", product=PRODUCT_ID)
        impact = await sdk.products.groups.get_impact(4, product=PRODUCT_ID, groups=["east"])
    assert east.device_count == 1
    assert impact.total == 1


async def test_add_many_devices_and_claim_them(
    fleet: Fleet, cloud: LocalCloud, sdk: ParticleClient
) -> None:
    loose = cloud.add_device("loose", owner=None, serial_number="P046LOOSE")
    with anyio.fail_after(3):
        result = await sdk.devices.add(
            product=PRODUCT_ID,
            device_ids=[loose.id, fleet.units[0].id, "not-a-device"],
            import_sims=False,
            claim_user=cloud.username,
        )
        from_file = await sdk.devices.add(
            product=PRODUCT_SLUG, file=f"{fleet.stray.id}\n\nP046LOOSE\n".encode()
        )
        with pytest.raises(BadRequestError, match="team"):
            await sdk.devices.add(
                product=PRODUCT_ID, device_ids=[fleet.boat.id], claim_user="x@y.z"
            )
    assert result.updated_device_ids == [loose.id]
    assert result.existing_device_ids == [fleet.units[0].id]
    assert result.invalid_device_ids == ["not-a-device"]
    assert loose.product_id == PRODUCT_ID
    assert loose.owner == cloud.username
    assert from_file.updated_device_ids == [fleet.stray.id]
    assert from_file.existing_device_ids == [loose.id]
    assert fleet.boat.product_id is None


# ---------------------------------------------------------------------- forced updates, publish


async def test_force_updates_is_stored_and_echoed(fleet: Fleet, sdk: ParticleClient) -> None:
    unit = fleet.units[2]
    with anyio.fail_after(3):
        forced = await sdk.devices.force_updates(unit.id, product=PRODUCT_ID)
        seen = await sdk.devices.get(unit.id, product=PRODUCT_SLUG)
        released = await sdk.devices.force_updates(unit.id, False, product=PRODUCT_ID)
        mine = await sdk.devices.force_updates(fleet.garage.id)
    assert forced.firmware_updates_forced is True
    assert seen.firmware_updates_forced is True
    assert released.firmware_updates_forced is False
    assert unit.firmware_updates_forced is False
    assert mine.firmware_updates_forced is True
    assert fleet.garage.firmware_updates_forced is True


async def test_publish_as_a_device_of_the_product(
    fleet: Fleet, cloud: LocalCloud, sdk: ParticleClient
) -> None:
    unit = fleet.units[1]
    with anyio.fail_after(3):
        await sdk.events.publish("maintenance", "due", product=PRODUCT_ID, as_device=unit.id)
        with pytest.raises(PermissionDeniedError):
            await sdk.events.publish("maintenance", product=PRODUCT_ID, as_device=fleet.garage.id)
        await sdk.events.publish("fleet-wide", product=PRODUCT_SLUG)
    sent = [(e.name, e.data, e.coreid, e.product_id) for e in cloud.events]
    assert sent == [
        ("maintenance", "due", unit.id, PRODUCT_ID),
        ("fleet-wide", "", "api", PRODUCT_ID),
    ]
