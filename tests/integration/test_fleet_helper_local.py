"""`client.fleet` against the local Particle Cloud over real HTTP: a product of many devices,
some offline, some without the variable, unknown ids, a rate-limit storm, the concurrency
bound and leaving a run early."""

from __future__ import annotations

from dataclasses import dataclass

import anyio
import pytest

from aioparticle import (
    ClientClosedError,
    DeviceNotFoundError,
    DeviceOfflineError,
    FleetProgress,
    FleetResult,
    NotFoundError,
    ParticleClient,
    UnknownVariableError,
    VariableValue,
)
from aioparticle.testing import FakeDevice, LocalCloud

pytestmark = pytest.mark.anyio

PRODUCT = 5150
SLUG = "big-fleet"
#: ids no device has
UNKNOWN = ["f" * 24, "e" * 24, "d" * 24]
SIZE = 60


@dataclass
class Product:
    devices: list[FakeDevice]

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.devices]

    def expected(self, device: FakeDevice) -> str:
        if not device.online:
            return "offline"
        return "ok" if "temp" in device.variables else "error"


@pytest.fixture
def product(cloud: LocalCloud) -> Product:
    """60 devices of one product, owned by the default account: every 6th offline, every 10th
    (counting from the 5th) without the `temp` variable, the others reading 0.5 * n."""
    cloud.add_product(PRODUCT, slug=SLUG, name="Big fleet")
    devices = [
        cloud.add_device(
            f"unit-{n:02d}",
            product=PRODUCT,
            online=n % 6 != 0,
            variables={} if n % 10 == 5 else {"temp": 0.5 * n},
            groups=["even" if n % 2 == 0 else "odd"],
        )
        for n in range(SIZE)
    ]
    return Product(devices)


def check_results(
    product: Product, results: list[FleetResult[VariableValue]], devices: list[FakeDevice]
) -> None:
    by_id = {r.device_id: r for r in results}
    assert len(by_id) == len(results) == len(devices)
    for device in devices:
        result = by_id[device.id]
        assert result.status == product.expected(device), device.name
        if result.status == "ok":
            assert isinstance(result.value, VariableValue)
            assert result.value.result == device.variables["temp"]
        elif result.status == "offline":
            assert isinstance(result.error, DeviceOfflineError)
        else:
            assert isinstance(result.error, UnknownVariableError)


async def test_a_variable_is_read_over_a_products_listing(
    product: Product, sdk: ParticleClient
) -> None:
    seen: list[FleetProgress] = []

    async with sdk.fleet.get_variable(
        "temp", product=SLUG, concurrency=8, on_progress=seen.append
    ) as results:
        got = [result async for result in results]

    check_results(product, got, product.devices)
    assert all(r.device is not None and r.device.name is not None for r in got)
    offline = sum(not d.online for d in product.devices)
    missing = sum(d.online and "temp" not in d.variables for d in product.devices)
    assert seen[-1] == FleetProgress(
        done=SIZE, total=SIZE, ok=SIZE - offline - missing, offline=offline, failed=missing
    )
    assert [p.done for p in seen] == list(range(1, SIZE + 1))
    assert all(p.total == SIZE for p in seen)  # known from the listing's first page


async def test_a_group_of_the_product_is_read(product: Product, sdk: ParticleClient) -> None:
    report = await sdk.fleet.get_variable("temp", product=PRODUCT, groups=["even"]).collect()

    evens = product.devices[::2]
    check_results(product, report.results, evens)


async def test_a_list_with_unknown_ids_and_someone_elses_device(
    cloud: LocalCloud, product: Product, sdk: ParticleClient
) -> None:
    cloud.add_user("other@example.com")
    foreign = cloud.add_device("theirs", owner="other@example.com", variables={"temp": 1.0})
    ids = [*UNKNOWN[:2], *product.ids[:12], foreign.id, UNKNOWN[2]]

    report = await sdk.fleet.get_variable("temp", devices=ids, concurrency=5).collect()

    unknown = [r for r in report if r.device_id in (*UNKNOWN, foreign.id)]
    assert {r.status for r in unknown} == {"not_found"}
    assert all(isinstance(r.error, DeviceNotFoundError) for r in unknown)  # 403 in user scope
    known = [r for r in report if r.device_id in product.ids]
    check_results(product, known, product.devices[:12])
    assert report.progress.total == len(ids)


async def test_a_run_through_the_products_routes_finds_unknown_ids_not_found(
    product: Product, sdk: ParticleClient
) -> None:
    async def read(device_id: str) -> float:
        value = await sdk.devices.get_variable(device_id, "temp", product=PRODUCT)
        return float(value.result)

    report = await sdk.fleet.run(read, devices=[product.ids[1], *UNKNOWN]).collect()

    assert report.values == {product.ids[1]: 0.5}
    assert [type(r.error) for r in report.by_status("not_found")] == [NotFoundError] * 3


async def test_a_filtered_listing_is_read_through_the_products_routes(
    cloud: LocalCloud, sdk: ParticleClient
) -> None:
    cloud.add_product(PRODUCT, slug=SLUG)
    unowned = [
        cloud.add_device(f"free-{n}", product=PRODUCT, owner=None, variables={"temp": float(n)})
        for n in range(6)
    ]
    cloud.add_device("kept-out", product=PRODUCT, variables={"temp": 99.0})
    listing = sdk.devices.list(product=PRODUCT, device_name="free-", per_page=4)

    report = await sdk.fleet.get_variable("temp", devices=listing, product=PRODUCT).collect()

    # devices the account does not own (read through the product), and only those listed
    assert report.values.keys() == {d.id for d in unowned}
    assert {v.result for v in report.values.values()} == {0.0, 1.0, 2.0, 3.0, 4.0, 5.0}
    assert report.progress.total == 6  # from the listing's metadata, then confirmed


async def test_a_rate_limit_storm_is_ridden_out_with_retry_after(
    cloud: LocalCloud, product: Product, sdk: ParticleClient, sleeps: list[float]
) -> None:
    storm = cloud.inject(
        f"/v1/products/{PRODUCT}/devices/*/temp", statuses=[429] * 25, retry_after=1
    )
    patient = sdk.with_options(max_retries=30)  # enough for one device to meet the whole storm

    report = await patient.fleet.get_variable("temp", product=PRODUCT, concurrency=10).collect()

    assert storm.hits == 25
    # each 429 waited for exactly its Retry-After; every other wait is the client's rate
    # limit resuming at its even pace (1/30 s) after the hold, never a burst at the cloud
    assert sleeps.count(1.0) == 25
    assert all(s == 1.0 or s == pytest.approx(300 / 9_000) for s in sleeps)
    check_results(product, report.results, product.devices)


async def test_the_concurrency_bound_holds_over_real_http(
    cloud: LocalCloud, product: Product, sdk: ParticleClient
) -> None:
    cloud.inject(f"/v1/products/{PRODUCT}/devices/*/temp", latency=0.02)
    now = most = 0

    async def read(device_id: str) -> VariableValue:
        nonlocal now, most
        now += 1
        most = max(most, now)
        try:
            return await sdk.devices.get_variable(device_id, "temp", product=PRODUCT)
        finally:
            now -= 1

    online = [d.id for d in product.devices if d.online and "temp" in d.variables]
    report = await sdk.fleet.run(read, devices=online, concurrency=6).collect()

    assert most == 6
    assert report.progress.ok == len(online)


async def test_leaving_a_run_early_cancels_its_reads_and_the_client_goes_on(
    cloud: LocalCloud, product: Product, sdk: ParticleClient
) -> None:
    cloud.inject(f"/v1/products/{PRODUCT}/devices/*/temp", latency=0.3)
    online = [d.id for d in product.devices if d.online and "temp" in d.variables]

    started = anyio.current_time()
    async with sdk.fleet.get_variable("temp", devices=online, concurrency=4) as results:
        async for result in results:
            assert result.ok
            break
    elapsed = anyio.current_time() - started

    # the whole run would take about 12 rounds of 0.3 s; leaving cancels the 3 reads in flight
    assert elapsed < 1.5
    cloud.clear_faults()
    value = await sdk.devices.get_variable(online[0], "temp")
    assert value.result == product.devices[1].variables["temp"]


async def test_closing_the_client_ends_a_run_with_reads_in_flight(
    cloud: LocalCloud, product: Product, sdk: ParticleClient
) -> None:
    cloud.inject(f"/v1/products/{PRODUCT}/devices/*/temp", latency=0.2)
    online = [d.id for d in product.devices if d.online and "temp" in d.variables]
    after_close = 0

    with anyio.fail_after(5), pytest.raises(ClientClosedError):
        async with sdk.fleet.get_variable(
            "temp", product=PRODUCT, concurrency=4, buffer=0
        ) as results:
            async for result in results:
                if sdk.is_closed:
                    after_close += 1
                assert result.status != "error", result.error
                await sdk.aclose()

    assert after_close <= 4  # at most the reads in flight when it closed
    assert len(online) > 8
