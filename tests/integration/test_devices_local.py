"""The SDK's device operations end to end against the local cloud, over real HTTP."""

from __future__ import annotations

from datetime import datetime, timezone

import anyio
import httpx
import pytest

from aioparticle import (
    ClaimResult,
    Device,
    FunctionResult,
    NotFoundError,
    Page,
    ParticleClient,
    PermissionDeniedError,
    UpdatedDevice,
    VariableValue,
)
from aioparticle.testing import LocalCloud
from tests.integration.conftest import OTHER_USER, PRODUCT_ID, PRODUCT_SLUG, Fleet, bearer

pytestmark = pytest.mark.anyio

#: product= given as the numeric id and as the slug must address the same product.
BY_ID_AND_SLUG = pytest.mark.parametrize("product", [PRODUCT_ID, PRODUCT_SLUG], ids=["id", "slug"])


# ---------------------------------------------------------------------- user scope: reading


async def test_list_returns_exactly_the_accounts_devices(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        page = await sdk.devices.list()
        streamed = [device async for device in sdk.devices.list()]
    assert isinstance(page, Page)
    assert all(isinstance(device, Device) for device in page)
    # foreign, unclaimed and product-only (unowned) devices are not the account's
    assert sorted(d.id for d in page) == sorted([fleet.garage.id, fleet.boat.id])
    assert [d.id for d in streamed] == [d.id for d in page]
    garage = next(d for d in page if d.id == fleet.garage.id)
    boat = next(d for d in page if d.id == fleet.boat.id)
    assert garage.name == "garage"
    assert garage.online is True
    with pytest.warns(DeprecationWarning, match=r"Device\.online"):
        assert garage.connected is True  # deprecated by Particle, still parsed
    assert garage.platform_id == 12
    assert garage.last_heard is not None
    assert garage.last_heard.tzinfo is not None
    assert garage.notes == "left wall"
    assert boat.online is False
    assert boat.platform_id == 13
    assert boat.cellular is True


async def test_list_reflects_a_device_added_while_running(
    cloud: LocalCloud, sdk: ParticleClient
) -> None:
    with anyio.fail_after(3):
        assert len(await sdk.devices.list()) == 0
        added = cloud.add_device("late")
        assert [d.id for d in await sdk.devices.list()] == [added.id]


@pytest.mark.parametrize("by", ["id", "name"])
async def test_get_by_id_and_by_name(fleet: Fleet, sdk: ParticleClient, by: str) -> None:
    ref = fleet.garage.id if by == "id" else "garage"
    with anyio.fail_after(3):
        device = await sdk.devices.get(ref)
    assert isinstance(device, Device)
    assert device.id == fleet.garage.id
    assert device.name == "garage"
    assert device.online is True
    assert sorted(device.functions) == ["fail", "open"]
    assert device.variables == {"counter": "int32", "door": "string", "temp": "double"}
    assert device.notes == "left wall"
    assert device.groups == []


async def test_get_offline_device_lists_no_functions_or_variables(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with anyio.fail_after(3):
        device = await sdk.devices.get("boat")
    assert device.id == fleet.boat.id
    assert device.online is False
    assert device.functions == []
    assert device.variables == {}


async def test_get_variable_value(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        temp = await sdk.devices.get_variable(fleet.garage.id, "temp")
        door = await sdk.devices.get_variable("garage", "door")
    assert isinstance(temp, VariableValue)
    assert temp.name == "temp"
    assert temp.result == 21.5
    assert isinstance(temp.result, float)
    assert temp.core_info is not None
    assert temp.core_info.device_id == fleet.garage.id
    assert temp.core_info.name == "garage"
    assert temp.core_info.connected is True
    assert door.result == "closed"
    assert fleet.garage.reads == ["temp", "door"]


async def test_get_variable_callable_is_evaluated_per_read(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with anyio.fail_after(3):
        first = await sdk.devices.get_variable(fleet.garage.id, "counter")
        second = await sdk.devices.get_variable(fleet.garage.id, "counter")
        fleet.garage.variables["counter"] = lambda: 100
        third = await sdk.devices.get_variable(fleet.garage.id, "counter")
    assert (first.result, second.result, third.result) == (1, 2, 100)
    assert isinstance(first.result, int)
    assert not isinstance(first.result, bool)
    assert fleet.garage.reads == ["counter", "counter", "counter"]


async def test_call_function_returns_value_and_device_records_the_call(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with anyio.fail_after(3):
        result = await sdk.devices.call_function(fleet.garage.id, "open", "now please")
        empty = await sdk.devices.call_function("garage", "open")
    assert isinstance(result, FunctionResult)
    assert result.return_value == len("now please")
    assert result.id == fleet.garage.id
    assert result.name == "garage"
    assert result.connected is True
    assert empty.return_value == 0
    calls = fleet.garage.calls
    assert [(c.device_id, c.name, c.arg) for c in calls] == [
        (fleet.garage.id, "open", "now please"),
        (fleet.garage.id, "open", ""),
    ]


async def test_call_function_with_unicode_argument(fleet: Fleet, sdk: ParticleClient) -> None:
    arg = "température=21,5°C & ok"
    with anyio.fail_after(3):
        result = await sdk.devices.call_function(fleet.garage.id, "open", arg)
    assert result.return_value == len(arg)
    assert fleet.garage.calls[-1].arg == arg


# ---------------------------------------------------------------------- user scope: changing


async def test_rename(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        updated = await sdk.devices.rename(fleet.garage.id, "garage-2")
        fetched = await sdk.devices.get("garage-2")
    assert isinstance(updated, UpdatedDevice)
    assert updated.id == fleet.garage.id
    assert updated.name == "garage-2"
    assert updated.updated_at is not None
    assert fleet.garage.name == "garage-2"
    assert fetched.id == fleet.garage.id


async def test_set_notes_and_clear_them(fleet: Fleet, sdk: ParticleClient) -> None:
    notes = "line one\nline two\twith a tab"
    with anyio.fail_after(3):
        updated = await sdk.devices.set_notes(fleet.garage.id, notes)
        assert fleet.garage.notes == notes
        assert updated.notes == notes
        assert (await sdk.devices.get(fleet.garage.id)).notes == notes
        await sdk.devices.set_notes(fleet.garage.id, "")
    assert fleet.garage.notes == ""


async def test_signal_on_and_off(fleet: Fleet, sdk: ParticleClient) -> None:
    assert fleet.garage.signaling is False
    with anyio.fail_after(3):
        on = await sdk.devices.signal(fleet.garage.id, True)
        assert fleet.garage.signaling is True
        off = await sdk.devices.signal(fleet.garage.id, False)
    assert fleet.garage.signaling is False
    assert (on.signaling, off.signaling) == (True, False)


async def test_update_several_attributes(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        updated = await sdk.devices.update(
            fleet.garage.id, name="garage-door", notes="right wall", signal=True
        )
    assert fleet.garage.name == "garage-door"
    assert fleet.garage.notes == "right wall"
    assert fleet.garage.signaling is True
    assert (updated.name, updated.notes, updated.signaling) == ("garage-door", "right wall", True)


async def test_ping_online_and_offline(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        assert await sdk.devices.ping(fleet.garage.id) is True
        assert await sdk.devices.ping("boat") is False
        fleet.boat.go_online()
        assert await sdk.devices.ping(fleet.boat.id) is True
        fleet.garage.go_offline()
        assert await sdk.devices.ping(fleet.garage.id) is False
    assert fleet.garage.pings == 2
    assert fleet.boat.pings == 2


async def test_claim_an_unclaimed_online_device(fleet: Fleet, sdk: ParticleClient) -> None:
    assert fleet.stray.owner is None
    with anyio.fail_after(3):
        result = await sdk.devices.claim(fleet.stray.id)
        listed = [d.id async for d in sdk.devices.list()]
        fetched = await sdk.devices.get("stray")
    assert isinstance(result, ClaimResult)
    assert result.ok is True
    assert result.claimed is True
    assert result.device_id == fleet.stray.id
    assert fleet.stray.owner == fleet.cloud.username
    assert fleet.stray.id in listed
    assert fetched.id == fleet.stray.id


async def test_remove_unclaims(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        assert await sdk.devices.remove(fleet.garage.id) is None
        listed = [d.id async for d in sdk.devices.list()]
        with pytest.raises(PermissionDeniedError):
            await sdk.devices.get(fleet.garage.id)
    assert fleet.garage.owner is None
    assert listed == [fleet.boat.id]


async def test_remove_then_claim_again(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        await sdk.devices.remove(fleet.garage.id)
        await sdk.devices.claim(fleet.garage.id)
        assert (await sdk.devices.get_variable(fleet.garage.id, "temp")).result == 21.5
    assert fleet.garage.owner == fleet.cloud.username


async def test_another_account_sees_only_its_devices(fleet: Fleet) -> None:
    async with ParticleClient(fleet.other_token, base_url=fleet.cloud.url) as other:
        with anyio.fail_after(3):
            listed = [d.id async for d in other.devices.list()]
            value = await other.devices.get_variable("neighbour", "temp")
    assert listed == [fleet.foreign.id]
    assert value.result == 3.0
    assert fleet.foreign.owner == OTHER_USER


async def test_claim_a_foreign_device_is_refused(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3), pytest.raises(PermissionDeniedError) as info:
        await sdk.devices.claim(fleet.foreign.id)
    assert info.value.errors == ["That belongs to someone else."]
    assert fleet.foreign.owner == OTHER_USER


async def test_claim_with_transfer_request(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        result = await sdk.devices.claim(fleet.foreign.id, request_transfer=True)
    assert result.transfer_id
    assert result.device_id == fleet.foreign.id
    assert fleet.foreign.owner == OTHER_USER  # the owner has not accepted yet


async def test_claim_an_offline_or_unknown_device_is_not_found(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    offline = fleet.cloud.add_device("asleep", owner=None, online=False)
    with anyio.fail_after(3):
        with pytest.raises(NotFoundError):
            await sdk.devices.claim(offline.id)
        with pytest.raises(NotFoundError):
            await sdk.devices.claim("ffffffffffffffffffffffff")
    assert offline.owner is None


async def test_listing_and_getting_a_device_do_not_read_its_variables(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    # `counter` is a callable variable: "a callable producing the value at each read".
    # Listing devices or getting one is not a read of the variable (the real cloud does not
    # query the device for those), so it must neither call it nor count as a read.
    with anyio.fail_after(3):
        await sdk.devices.list()
        await sdk.devices.get(fleet.garage.id)
        first = await sdk.devices.get_variable(fleet.garage.id, "counter")
    assert fleet.garage.reads == ["counter"]
    assert first.result == 1


async def test_a_failing_variable_callable_does_not_break_the_device_list(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    def broken_sensor() -> float:
        raise RuntimeError("sensor unplugged")

    fleet.garage.variables["humidity"] = broken_sensor
    with anyio.fail_after(3):
        listed = [d.id async for d in sdk.devices.list()]
        device = await sdk.devices.get(fleet.boat.id)
    assert fleet.garage.id in listed
    assert device.id == fleet.boat.id


async def test_function_argument_as_args_and_as_a_form(
    fleet: Fleet, cloud: LocalCloud, raw: httpx.AsyncClient
) -> None:
    # reference: the JS client sends `args`, the docs name it `arg`; forms are accepted too
    path = f"/v1/devices/{fleet.garage.id}/open"
    with anyio.fail_after(3):
        plural = await raw.post(path, json={"args": "abc"}, headers=bearer(cloud.token))
        form = await raw.post(path, data={"arg": "abcd"}, headers=bearer(cloud.token))
    assert plural.json()["return_value"] == 3
    assert form.json()["return_value"] == 4
    assert [c.arg for c in fleet.garage.calls] == ["abc", "abcd"]


# ---------------------------------------------------------------------- product scope: listing


async def test_product_list_paginated_items(fleet: Fleet, sdk: ParticleClient) -> None:
    requests = fleet.cloud.inject(f"/v1/products/{PRODUCT_ID}/devices", method="GET")
    with anyio.fail_after(3):
        ids = [d.id async for d in sdk.devices.list(product=PRODUCT_ID, per_page=2)]
    assert ids == [u.id for u in fleet.units]
    assert requests.hits == 3


@BY_ID_AND_SLUG
async def test_product_list_pages(fleet: Fleet, sdk: ParticleClient, product: int | str) -> None:
    with anyio.fail_after(3):
        pages = [page async for page in sdk.devices.list(product=product, per_page=2).pages()]
    assert len(pages) == 3
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [page.number for page in pages] == [1, 2, 3]
    for page in pages:
        assert page.meta is not None
        assert page.meta.total_pages == 3
        assert page.meta.total == 5
        assert page.meta.per_page == 2
    assert [d.id for page in pages for d in page] == [u.id for u in fleet.units]
    assert pages[-1].next_page is None
    # product-scope items carry fleet fields
    first = pages[0][0]
    assert first.product_id == PRODUCT_ID
    assert first.firmware_version == 3
    assert first.groups == ["north"]
    assert first.development is False
    assert first.owner is None


async def test_product_list_first_page_by_await(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        first = await sdk.devices.list(product=PRODUCT_ID, per_page=2)
        third = await sdk.devices.list(product=PRODUCT_ID, per_page=2, page=3)
    assert [d.name for d in first] == ["unit-1", "unit-2"]
    assert first.next_page == 2
    assert [d.name for d in third] == ["unit-5"]
    assert third.number == 3
    assert third.next_page is None


async def test_product_list_breaking_early_stops_fetching(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    requests = fleet.cloud.inject(f"/v1/products/{PRODUCT_ID}/devices", method="GET")
    seen = []
    with anyio.fail_after(3):
        async for device in sdk.devices.list(product=PRODUCT_ID, per_page=2):
            seen.append(device.name)
            break
    assert seen == ["unit-1"]
    assert requests.hits == 1

    with anyio.fail_after(3):
        async for page in sdk.devices.list(product=PRODUCT_ID, per_page=2).pages():
            if page.number == 2:
                break
    assert requests.hits == 3


async def test_product_list_default_page_size_holds_everything(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with anyio.fail_after(3):
        pages = [page async for page in sdk.devices.list(product=PRODUCT_SLUG).pages()]
    assert len(pages) == 1
    assert pages[0].meta is not None
    assert pages[0].meta.total_pages == 1
    assert len(pages[0]) == 5


async def test_product_list_filter_device_name(fleet: Fleet, sdk: ParticleClient) -> None:
    fleet.units[3].name = "pump-4"
    with anyio.fail_after(3):
        units = [d.name async for d in sdk.devices.list(product=PRODUCT_ID, device_name="unit")]
        pump = [d.name async for d in sdk.devices.list(product=PRODUCT_ID, device_name="pump-4")]
    assert units == ["unit-1", "unit-2", "unit-3", "unit-5"]
    assert pump == ["pump-4"]


async def test_product_list_filter_device_id(fleet: Fleet, sdk: ParticleClient) -> None:
    target = fleet.units[2]
    with anyio.fail_after(3):
        found = [d.id async for d in sdk.devices.list(product=PRODUCT_ID, device_id=target.id)]
    assert found == [target.id]


async def test_product_list_filter_groups(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        blue = [d.name async for d in sdk.devices.list(product=PRODUCT_ID, groups=["blue"])]
        either = [
            d.name async for d in sdk.devices.list(product=PRODUCT_ID, groups=["east", "south"])
        ]
        none = [d.name async for d in sdk.devices.list(product=PRODUCT_ID, groups=["west"])]
    assert blue == ["unit-2", "unit-4"]
    assert either == ["unit-3", "unit-4", "unit-5"]
    assert none == []


async def test_product_list_sort(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(3):
        desc = [
            d.name
            async for d in sdk.devices.list(
                product=PRODUCT_ID, sort_attr="deviceName", sort_dir="desc"
            )
        ]
        asc = [
            d.name
            async for d in sdk.devices.list(
                product=PRODUCT_ID, sort_attr="deviceName", sort_dir="asc", per_page=2
            )
        ]
    assert desc == ["unit-5", "unit-4", "unit-3", "unit-2", "unit-1"]
    assert asc == ["unit-1", "unit-2", "unit-3", "unit-4", "unit-5"]


async def test_product_list_sort_by_last_connection(fleet: Fleet, sdk: ParticleClient) -> None:
    # sortAttr=lastConnection with a device that never connected (last_heard None)
    for n, unit in enumerate(fleet.units, start=1):
        unit.last_heard = datetime(2025, 1, n, tzinfo=timezone.utc)
    never = fleet.cloud.add_device("never", product=PRODUCT_ID, owner=None, online=False)
    assert never.last_heard is None
    with anyio.fail_after(3):
        newest_first = [
            d.name
            async for d in sdk.devices.list(
                product=PRODUCT_ID, sort_attr="lastConnection", sort_dir="desc"
            )
        ]
    assert newest_first == ["unit-5", "unit-4", "unit-3", "unit-2", "unit-1", "never"]


async def test_product_list_sort_by_firmware_version(fleet: Fleet, sdk: ParticleClient) -> None:
    for version, unit in zip([4, 2, 5, 1, 3], fleet.units, strict=True):
        unit.firmware_version = version
    with anyio.fail_after(3):
        names = [
            d.name
            async for d in sdk.devices.list(
                product=PRODUCT_ID, sort_attr="firmwareVersion", sort_dir="asc"
            )
        ]
    assert names == ["unit-4", "unit-2", "unit-5", "unit-1", "unit-3"]


async def test_product_list_filters_combine_with_pagination(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with anyio.fail_after(3):
        pages = [
            [d.name for d in page]
            async for page in sdk.devices.list(
                product=PRODUCT_ID,
                groups=["north", "south"],
                sort_attr="deviceName",
                sort_dir="desc",
                per_page=3,
            ).pages()
        ]
    assert pages == [["unit-4", "unit-3", "unit-2"], ["unit-1"]]


# ---------------------------------------------------------------------- product scope: devices


@BY_ID_AND_SLUG
async def test_product_get(fleet: Fleet, sdk: ParticleClient, product: int | str) -> None:
    unit = fleet.units[1]
    with anyio.fail_after(3):
        by_id = await sdk.devices.get(unit.id, product=product)
        by_name = await sdk.devices.get("unit-2", product=product)
    assert by_id.id == by_name.id == unit.id
    assert by_id.product_id == PRODUCT_ID
    assert by_id.firmware_product_id == PRODUCT_ID
    assert by_id.groups == ["north", "blue"]
    assert by_id.development is False
    assert by_id.quarantined is False
    assert by_id.denied is False
    assert by_id.owner is None
    assert by_id.desired_firmware_version is None
    assert by_id.functions == ["reboot"]
    assert by_id.variables == {"battery": "double"}


@BY_ID_AND_SLUG
async def test_product_get_variable(fleet: Fleet, sdk: ParticleClient, product: int | str) -> None:
    unit = fleet.units[0]
    with anyio.fail_after(3):
        value = await sdk.devices.get_variable(unit.id, "battery", product=product)
    assert value.result == 89.0
    assert value.name == "battery"
    assert value.core_info is not None
    assert value.core_info.device_id == unit.id
    assert unit.reads == ["battery"]


@BY_ID_AND_SLUG
async def test_product_call_function(fleet: Fleet, sdk: ParticleClient, product: int | str) -> None:
    unit = fleet.units[4]
    with anyio.fail_after(3):
        result = await sdk.devices.call_function(unit.id, "reboot", "soft", product=product)
    assert result.return_value == 7
    assert result.id == unit.id
    assert [(c.name, c.arg) for c in unit.calls] == [("reboot", "soft")]


async def test_product_device_outside_the_product_is_not_found(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with anyio.fail_after(3), pytest.raises(NotFoundError) as info:
        await sdk.devices.get(fleet.garage.id, product=PRODUCT_ID)
    assert info.value.status_code == 404


@BY_ID_AND_SLUG
async def test_product_ping(fleet: Fleet, sdk: ParticleClient, product: int | str) -> None:
    fleet.units[2].go_offline()
    with anyio.fail_after(3):
        assert await sdk.devices.ping(fleet.units[0].id, product=product) is True
        assert await sdk.devices.ping(fleet.units[2].id, product=product) is False


async def test_remove_owner(fleet: Fleet, sdk: ParticleClient) -> None:
    unit = fleet.units[0]
    unit.owner = fleet.cloud.username
    with anyio.fail_after(3):
        assert (await sdk.devices.get(unit.id, product=PRODUCT_ID)).owner == fleet.cloud.username
        assert await sdk.devices.remove_owner(unit.id, product=PRODUCT_SLUG) is None
        after = await sdk.devices.get(unit.id, product=PRODUCT_ID)
    assert unit.owner is None
    assert unit.product_id == PRODUCT_ID  # still in the product
    assert after.owner is None


async def test_set_development(fleet: Fleet, sdk: ParticleClient) -> None:
    unit = fleet.units[1]
    with anyio.fail_after(3):
        on = await sdk.devices.set_development(unit.id, product=PRODUCT_ID)
        assert unit.development is True
        assert (await sdk.devices.get(unit.id, product=PRODUCT_ID)).development is True
        off = await sdk.devices.set_development(unit.id, False, product=PRODUCT_SLUG)
    assert unit.development is False
    assert (on.development, off.development) == (True, False)


async def test_lock_and_unlock_firmware(fleet: Fleet, sdk: ParticleClient) -> None:
    unit = fleet.units[2]
    with anyio.fail_after(3):
        locked = await sdk.devices.lock_firmware(unit.id, 5, product=PRODUCT_ID)
        assert unit.desired_firmware_version == 5
        assert unit.firmware_version == 3  # not flashed
        fetched = await sdk.devices.get(unit.id, product=PRODUCT_ID)
        assert fetched.desired_firmware_version == 5
        unlocked = await sdk.devices.unlock_firmware(unit.id, product=PRODUCT_SLUG)
    assert unit.desired_firmware_version is None
    assert locked.desired_firmware_version == 5
    assert unlocked.desired_firmware_version is None
    assert unlocked.id == unit.id


async def test_lock_firmware_and_flash(fleet: Fleet, sdk: ParticleClient) -> None:
    unit = fleet.units[3]
    with anyio.fail_after(3):
        await sdk.devices.lock_firmware(unit.id, 6, product=PRODUCT_ID, flash=True)
    assert unit.desired_firmware_version == 6
    assert unit.firmware_version == 6


async def test_product_update_and_rename(fleet: Fleet, sdk: ParticleClient) -> None:
    unit = fleet.units[4]
    with anyio.fail_after(3):
        await sdk.devices.rename(unit.id, "unit-five", product=PRODUCT_SLUG)
        await sdk.devices.update(
            unit.id, product=PRODUCT_ID, notes="roof", development=True, desired_firmware_version=4
        )
    assert unit.name == "unit-five"
    assert unit.notes == "roof"
    assert unit.development is True
    assert unit.desired_firmware_version == 4


async def test_product_remove_and_deny(fleet: Fleet, sdk: ParticleClient) -> None:
    removed, denied = fleet.units[0], fleet.units[1]
    with anyio.fail_after(3):
        await sdk.devices.remove(removed.id, product=PRODUCT_ID)
        await sdk.devices.remove(denied.id, product=PRODUCT_SLUG, deny=True)
        remaining = [d.id async for d in sdk.devices.list(product=PRODUCT_ID)]
    assert removed.product_id is None
    assert removed.denied is False
    assert denied.product_id is None
    assert denied.denied is True
    assert remaining == [u.id for u in fleet.units[2:]]
