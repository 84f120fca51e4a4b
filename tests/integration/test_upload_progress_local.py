"""Upload progress against the local cloud over real HTTP: every upload's `progress(sent,
total)` starts at 0 and reaches the body's length, which the server received in full."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from aioparticle import ParticleClient
from tests.conftest import tar_gz
from tests.integration.conftest import PRODUCT_ID, Fleet

pytestmark = pytest.mark.anyio

STEP = 64 * 1024


def big(size: int) -> bytes:
    return random.Random(size).randbytes(size)


#: Each upload as run against the `fleet` cloud, with `tmp_path` for files on disk.
UPLOADS: dict[str, Callable[[ParticleClient, Fleet, Path], Callable[..., Awaitable[Any]]]] = {
    "builds.compile": lambda sdk, fleet, tmp: (
        lambda **kw: sdk.builds.compile(
            {"app.ino": b"void setup() {}\nvoid loop() {}\n", "blob.h": big(5 * STEP)}, **kw
        )
    ),
    "builds.flash": lambda sdk, fleet, tmp: (
        lambda **kw: sdk.builds.flash(
            fleet.garage.id, {"app.ino": b"void setup() {}\n", "data.h": big(3 * STEP)}, **kw
        )
    ),
    "products.firmware.upload": lambda sdk, fleet, tmp: (
        lambda **kw: sdk.products.firmware.upload(
            9, _written(tmp / "v9.bin", big(10 * STEP + 7)), product=PRODUCT_ID, title="v9", **kw
        )
    ),
    "libraries.upload": lambda sdk, fleet, tmp: (
        lambda **kw: sdk.libraries.upload(
            tar_gz(
                {
                    "library.properties": b"name=progressed\nversion=1.0.0\n",
                    "src/blob.h": big(4 * STEP),
                }
            ),
            **kw,
        )
    ),
    "devices.add": lambda sdk, fleet, tmp: (
        lambda **kw: sdk.devices.add(product=PRODUCT_ID, file=f"{fleet.stray.id}\n".encode(), **kw)
    ),
}


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", list(UPLOADS))
async def test_upload_progress_reaches_the_total(
    fleet: Fleet, sdk: ParticleClient, tmp_path: Path, name: str
) -> None:
    calls: list[tuple[int, int | None]] = []

    async def progress(sent: int, total: int | None) -> None:
        calls.append((sent, total))

    with anyio.fail_after(20):
        await UPLOADS[name](sdk, fleet, tmp_path)(progress=progress)
    total = calls[-1][1]
    assert total is not None
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)
    assert [s for s, _ in calls] == sorted(s for s, _ in calls)
    assert len(calls) <= total // STEP + 2
