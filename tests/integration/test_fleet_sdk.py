"""Products, SIMs, libraries and the cloud compiler through the SDK, over real HTTP against the
local Particle Cloud."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import date
from pathlib import Path

import pytest

from aioparticle import (
    BadRequestError,
    Library,
    NotFoundError,
    Page,
    ParticleClient,
    PermissionDeniedError,
    Product,
    ProductFirmware,
    Sim,
)
from aioparticle.testing import LocalCloud

from .conftest import OTHER_USER, PRODUCT_ID, PRODUCT_SLUG, Fleet

pytestmark = pytest.mark.anyio

ICCIDS = [f"8901410327123456{n:04d}" for n in range(1, 8)]


@pytest.fixture
def sims(fleet: Fleet) -> list[str]:
    """Seven SIMs: one in each of the five product units (with usage), two of the account."""
    cloud = fleet.cloud
    for n, unit in enumerate(fleet.units):
        cloud.add_sim(
            ICCIDS[n],
            device=unit,
            usage=[("2026-11-01", 1.5 + n), ("2026-11-02", 0.25)],
        )
    cloud.add_sim(ICCIDS[5], device=fleet.boat, usage=[("2026-11-03", 2.0)])
    cloud.add_sim(ICCIDS[6])
    return ICCIDS


# --------------------------------------------------------------------------- products


async def test_products_list_and_get_by_id_and_slug(fleet: Fleet, sdk: ParticleClient) -> None:
    fleet.cloud.add_product(777, slug="not-mine", members=[OTHER_USER])

    products = await sdk.products.list()

    assert [p.id for p in products] == [PRODUCT_ID]
    assert isinstance(products[0], Product)
    by_slug = await sdk.products.get(PRODUCT_SLUG)
    by_id = await sdk.products.get(PRODUCT_ID)
    assert by_slug == by_id
    assert (by_id.id, by_id.slug, by_id.name) == (PRODUCT_ID, PRODUCT_SLUG, "Fleet")
    assert by_id.groups == ["blue", "east", "north", "south"]
    with pytest.raises(PermissionDeniedError):
        await sdk.products.get("not-mine")


async def test_product_devices_walk_every_page_lazily(fleet: Fleet, sdk: ParticleClient) -> None:
    first = await sdk.devices.list(product=PRODUCT_SLUG, per_page=2)
    assert isinstance(first, Page)
    assert [d.name for d in first] == ["unit-1", "unit-2"]
    assert first.meta is not None and first.meta.total_pages == 3

    names = [d.name async for d in sdk.devices.list(product=PRODUCT_ID, per_page=2)]
    assert names == [f"unit-{n}" for n in range(1, 6)]
    sizes = [len(page) async for page in sdk.devices.list(product=PRODUCT_ID, per_page=2).pages()]
    assert sizes == [2, 2, 1]


async def test_product_firmware_upload_list_release_download(
    fleet: Fleet, sdk: ParticleClient, tmp_path: Path
) -> None:
    binary = bytes(range(256)) * 64
    source = tmp_path / "app-v4.bin"
    source.write_bytes(binary)

    uploaded = await sdk.products.firmware.upload(
        4, source, product=PRODUCT_ID, title="Battery fix", description="line one\nline two"
    )
    assert isinstance(uploaded, ProductFirmware)
    assert (uploaded.version, uploaded.title, uploaded.size) == (4, "Battery fix", len(binary))
    await sdk.products.firmware.upload(5, io.BytesIO(b"v5"), product=PRODUCT_ID, title="v5")

    listed = await sdk.products.firmware.list(product=PRODUCT_SLUG)
    assert [f.version for f in listed] == [5, 4]  # newest first
    await sdk.products.firmware.release(4, product=PRODUCT_ID, product_default=True)
    current = await sdk.products.firmware.get(4, product=PRODUCT_ID)
    assert current.current is True

    assert await sdk.products.firmware.download(4, product=PRODUCT_ID) == binary
    written = await sdk.products.firmware.download(4, product=PRODUCT_ID, to=tmp_path / "out.bin")
    assert written.read_bytes() == binary
    assert sorted(os.listdir(tmp_path)) == ["app-v4.bin", "out.bin"]
    with pytest.raises(NotFoundError):
        await sdk.products.firmware.download(9, product=PRODUCT_ID, to=tmp_path / "nine.bin")
    assert not (tmp_path / "nine.bin").exists()


async def test_product_team(fleet: Fleet, sdk: ParticleClient) -> None:
    await sdk.products.team.invite("new+member@example.com", product=PRODUCT_ID)
    names = {m.username for m in await sdk.products.team.list(product=PRODUCT_ID)}
    assert "new+member@example.com" in names

    await sdk.products.team.remove("new+member@example.com", product=PRODUCT_SLUG)
    names = {m.username for m in await sdk.products.team.list(product=PRODUCT_ID)}
    assert "new+member@example.com" not in names


# --------------------------------------------------------------------------- SIMs


async def test_sims_listing_and_usage(fleet: Fleet, sdk: ParticleClient, sims: list[str]) -> None:
    mine = await sdk.sims.list()
    assert sorted(s.iccid for s in mine) == sorted(sims[5:])

    walked = [s async for s in sdk.sims.list(product=PRODUCT_ID, per_page=2)]
    assert [s.iccid for s in walked] == sims[:5]
    assert all(isinstance(s, Sim) for s in walked)
    assert walked[0].device_id == fleet.units[0].id
    pages = [p async for p in sdk.sims.list(product=PRODUCT_ID, per_page=2).pages()]
    assert [len(p) for p in pages] == [2, 2, 1]

    one = await sdk.sims.list(product=PRODUCT_SLUG, device_name="unit-3")
    assert [s.iccid for s in one] == [sims[2]]

    usage = await sdk.sims.get_data_usage(sims[1], product=PRODUCT_ID)
    assert [d.date for d in usage.usage_by_day] == [date(2026, 11, 1), date(2026, 11, 2)]
    assert usage.usage_by_day[-1].mbs_used_cumulative == pytest.approx(2.75)
    own = await sdk.sims.get_data_usage(sims[5])
    assert own.usage_by_day[0].mbs_used == 2.0

    fleet_usage = await sdk.sims.get_fleet_data_usage(product=PRODUCT_ID)
    assert fleet_usage.total_active_sim_cards == 5
    expected = sum(1.5 + n + 0.25 for n in range(5))
    assert fleet_usage.total_mbs_used == pytest.approx(expected)


async def test_sim_check_deactivate_reactivate_remove(
    fleet: Fleet, sdk: ParticleClient, sims: list[str]
) -> None:
    assert await sdk.sims.check(sims[5]) == 200
    with pytest.raises(NotFoundError):
        await sdk.sims.check("89014103271234569999")

    await sdk.sims.deactivate(sims[5])
    assert fleet.cloud.sims[sims[5]].status != "active"
    await sdk.sims.reactivate(sims[5], mb_limit=50)
    assert fleet.cloud.sims[sims[5]].status == "active"
    await sdk.sims.set_data_limit(sims[0], 20, product=PRODUCT_ID)
    assert fleet.cloud.sims[sims[0]].mb_limit == 20

    await sdk.sims.remove(sims[6])
    assert sorted(s.iccid for s in await sdk.sims.list()) == [sims[5]]


# --------------------------------------------------------------------------- libraries


@pytest.fixture
def libraries(cloud: LocalCloud) -> LocalCloud:
    cloud.add_library("neopixel", "1.0.0", architectures=["argon", "boron"], installs=900)
    cloud.add_library("neopixel", "1.0.4", architectures=["argon", "boron"])
    for name in ("OneWire", "SparkJson", "Adafruit_DHT", "HttpClient"):
        cloud.add_library(name, "2.0.0")
    return cloud


async def test_libraries_list_get_versions(libraries: LocalCloud, sdk: ParticleClient) -> None:
    names = [lib.name async for lib in sdk.libraries.list(per_page=2)]
    assert sorted(names) == sorted(
        ["neopixel", "OneWire", "SparkJson", "Adafruit_DHT", "HttpClient"]
    )

    found = await sdk.libraries.list(filter="neo")
    assert [lib.name for lib in found] == ["neopixel"]
    lib = await sdk.libraries.get("neopixel")
    assert isinstance(lib, Library)
    assert (lib.name, lib.version, lib.architectures) == ("neopixel", "1.0.4", ["argon", "boron"])
    older = await sdk.libraries.get("neopixel", version="1.0.0")
    assert older.version == "1.0.0"
    versions = [v.version async for v in sdk.libraries.list_versions("neopixel")]
    assert versions == ["1.0.4", "1.0.0"]
    with pytest.raises(NotFoundError) as caught:
        await sdk.libraries.get("no-such-library")
    assert caught.value.errors


async def test_library_download_follows_its_link(
    libraries: LocalCloud, sdk: ParticleClient, tmp_path: Path
) -> None:
    lib = await sdk.libraries.get("neopixel")
    expected = libraries.find_library("neopixel")
    assert expected is not None

    data = await sdk.libraries.download(lib)
    assert data == expected.versions["1.0.4"].archive
    written = await sdk.libraries.download(lib, to=tmp_path / "neopixel.tar.gz")
    assert hashlib.sha256(written.read_bytes()).digest() == hashlib.sha256(data).digest()


# --------------------------------------------------------------------------- compiler


async def test_compile_then_download_the_binary(
    cloud: LocalCloud, sdk: ParticleClient, tmp_path: Path
) -> None:
    app = tmp_path / "app.ino"
    app.write_text("void setup() {}\nvoid loop() {}\n")

    result = await sdk.builds.compile(
        {"app.ino": app, "lib/sensor.h": b"#pragma once\n"}, platform_id=12
    )

    assert result.binary_id
    compiled = cloud.compiles[-1]
    assert compiled.part_names == ["file", "file2"]
    assert compiled.filenames == ["app.ino", "lib/sensor.h"]
    binary = await sdk.builds.download_binary(result.binary_id)
    assert binary == cloud.binaries[result.binary_id]
    written = await sdk.builds.download_binary(result.binary_id, to=tmp_path / "app.bin")
    assert written.read_bytes() == binary


async def test_compile_error_carries_the_compiler_messages(
    cloud: LocalCloud, sdk: ParticleClient
) -> None:
    with pytest.raises(BadRequestError) as caught:
        await sdk.builds.compile({"app.ino": b'#error "not today"\n'})

    assert any("app.ino" in message for message in caught.value.errors)


async def test_large_binary_streams_to_disk(
    cloud: LocalCloud, sdk: ParticleClient, tmp_path: Path
) -> None:
    blob = hashlib.sha256(b"seed").digest() * (8 * 1024 * 1024 // 32)  # 8 MiB
    binary_id = cloud.add_binary(blob)
    seen: list[tuple[int, int | None]] = []

    written = await sdk.builds.download_binary(
        binary_id, to=tmp_path / "big.bin", progress=lambda got, total: seen.append((got, total))
    )

    assert written.stat().st_size == len(blob)
    assert hashlib.sha256(written.read_bytes()).digest() == hashlib.sha256(blob).digest()
    assert seen[0] == (0, len(blob))
    assert seen[-1] == (len(blob), len(blob))
