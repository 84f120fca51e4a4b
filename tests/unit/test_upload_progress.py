"""Upload progress: every upload (compile and flash sources, product firmware, library
archives, device lists, `client.request(files=...)`) takes `progress(sent, total)` like the
downloads do: sync or async, called at 0, at most once per 64 KiB, and at the total."""

from __future__ import annotations

import io
import itertools
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio.lowlevel
import httpx
import pytest
import respx

from aioparticle import InternalServerError, InvalidArgumentError, ParticleClient
from tests.conftest import API, TOKEN
from tests.unit._wire import expect_invalid

pytestmark = pytest.mark.anyio

STEP = 64 * 1024

Upload = Callable[..., Awaitable[Any]]

LIBRARY = {"data": {"id": "x", "type": "libraries", "attributes": {"name": "x"}}}
FIRMWARE = {"version": 4, "title": "v4", "product_id": 4567, "size": 1}
COMPILED = {"ok": True, "binary_id": "abc", "binary_url": "/v1/binaries/abc", "sizeInfo": ""}
FLASHED = {"id": "dev1", "status": "Update started"}
IMPORTED = {"updated": 1, "updatedDeviceIds": ["dev1"], "existingDeviceIds": []}

#: Each upload: the call (taking the file contents and `**kw`), its method, path and answer.
UPLOADS: dict[str, tuple[Callable[[ParticleClient, Any], Upload], str, str, Any]] = {
    "builds.compile": (
        lambda c, f: lambda **kw: c.builds.compile({"app.ino": f}, **kw),
        "POST",
        "/v1/binaries",
        COMPILED,
    ),
    "builds.flash": (
        lambda c, f: lambda **kw: c.builds.flash("dev1", {"app.bin": f}, **kw),
        "PUT",
        "/v1/devices/dev1",
        FLASHED,
    ),
    "products.firmware.upload": (
        lambda c, f: lambda **kw: c.products.firmware.upload(4, f, product=4567, title="v4", **kw),
        "POST",
        "/v1/products/4567/firmware",
        FIRMWARE,
    ),
    "libraries.upload": (
        lambda c, f: lambda **kw: c.libraries.upload(f, **kw),
        "POST",
        "/v1/libraries",
        LIBRARY,
    ),
    "devices.add": (
        lambda c, f: lambda **kw: c.devices.add(product=4567, file=f, **kw),
        "POST",
        "/v1/products/4567/devices",
        IMPORTED,
    ),
    "request": (
        lambda c, f: lambda **kw: c.request("POST", "/v1/custom", files={"file": f}, **kw),
        "POST",
        "/v1/custom",
        {"ok": True},
    ),
}


class Progress:
    """A sync progress callback that records its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, sent: int, total: int | None) -> None:
        self.calls.append((sent, total))


def body_of(size: int) -> bytes:
    return random.Random(size).randbytes(size)


@pytest.fixture(params=list(UPLOADS))
def upload_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def route(api: respx.MockRouter, name: str) -> respx.Route:
    _, method, path, answer = UPLOADS[name]
    return api.route(method=method, path=path).respond(200, json=answer)


def make(client: ParticleClient, name: str, contents: object) -> Upload:
    return UPLOADS[name][0](client, contents)


def sent_body(api: respx.MockRouter) -> bytes:
    request = api.calls.last.request
    return request.content if request.content else b""


@pytest.mark.parametrize("size", [0, 10, 3 * STEP + 123])
async def test_progress_reaches_the_total_the_body_was(
    api: respx.MockRouter, client: ParticleClient, upload_name: str, size: int
) -> None:
    route(api, upload_name)
    progress = Progress()
    await make(client, upload_name, body_of(size))(progress=progress)
    body_length = int(api.calls.last.request.headers["content-length"])
    assert body_length > size  # the multipart framing is part of what is sent
    calls = progress.calls
    assert calls[0] == (0, body_length)
    assert calls[-1] == (body_length, body_length)
    sent = [s for s, _ in calls]
    assert sent == sorted(sent)
    assert {total for _, total in calls} == {body_length}
    # bounded: at most one call per 64 KiB sent, besides the first and the last
    assert len(calls) <= body_length // STEP + 2


async def test_progress_of_a_file_on_disk_follows_it_in_steps(
    api: respx.MockRouter, client: ParticleClient, tmp_path: Path
) -> None:
    firmware = tmp_path / "app-v4.bin"
    firmware.write_bytes(body_of(10 * STEP))
    route(api, "products.firmware.upload")
    progress = Progress()
    await client.products.firmware.upload(4, firmware, product=4567, title="v4", progress=progress)
    total = int(api.calls.last.request.headers["content-length"])
    sent = [s for s, _ in progress.calls]
    assert sent[0] == 0 and sent[-1] == total
    assert len(sent) >= 10  # the file went out in steps, each reported
    assert all(b - a >= STEP for a, b in itertools.pairwise(sent[:-1]))


async def test_an_async_progress_callback_is_awaited(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    route(api, "libraries.upload")
    seen: list[int] = []

    async def progress(sent: int, total: int | None) -> None:
        await anyio.lowlevel.checkpoint()
        seen.append(sent)

    await client.libraries.upload(body_of(2 * STEP), progress=progress)
    total = int(api.calls.last.request.headers["content-length"])
    assert seen[0] == 0 and seen[-1] == total


async def test_a_one_shot_stream_has_no_total(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    class OneShot(io.RawIOBase):
        """A binary stream that cannot seek (its size unknown to httpx)."""

        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    route(api, "devices.add")
    progress = Progress()
    one_shot: Any = OneShot(b"dev1\ndev2\n")
    await client.devices.add(product=4567, file=one_shot, progress=progress)
    assert "content-length" not in api.calls.last.request.headers
    assert progress.calls[0] == (0, None)
    assert progress.calls[-1][1] is None
    assert progress.calls[-1][0] == len(sent_body(api))


async def test_a_retried_upload_reports_again_from_zero(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    api.post("/v1/binaries").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=COMPILED)]
    )
    progress = Progress()
    await client.builds.compile({"app.ino": b"void setup() {}"}, progress=progress)
    total = int(api.calls.last.request.headers["content-length"])
    assert progress.calls == [(0, total), (total, total), (0, total), (total, total)]


async def test_what_progress_raises_ends_the_upload(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    route(api, "products.firmware.upload")

    def progress(sent: int, total: int | None) -> None:
        if sent:
            raise RuntimeError("stop the upload")

    with pytest.raises(RuntimeError, match="stop the upload"):
        await client.products.firmware.upload(
            4, body_of(10), product=4567, title="v4", progress=progress
        )


async def test_an_upload_that_failed_still_reported_what_it_sent(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    api.post("/v1/products/4567/firmware").respond(500, json={"error": "disk full"})
    progress = Progress()
    with pytest.raises(InternalServerError):
        await client.products.firmware.upload(
            4, body_of(10), product=4567, title="v4", progress=progress
        )
    assert progress.calls[0][0] == 0 and progress.calls[-1][0] == progress.calls[-1][1]


@pytest.mark.parametrize(
    "progress",
    [
        pytest.param("not callable", id="a-str"),
        pytest.param(lambda: None, id="no-argument"),
        pytest.param(lambda sent: None, id="one-argument"),
        pytest.param(lambda sent, total, extra: None, id="three-arguments"),
    ],
)
async def test_a_progress_that_cannot_take_sent_and_total_is_refused_before_any_io(
    api: respx.MockRouter, client: ParticleClient, upload_name: str, progress: object
) -> None:
    route(api, upload_name)
    await expect_invalid(make(client, upload_name, b"x")(progress=progress), api)


async def test_progress_without_a_file_is_refused(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    await expect_invalid(client.devices.add("dev1", product=4567, progress=Progress()), api)
    await expect_invalid(client.request("POST", "/v1/x", json={}, progress=Progress()), api)


async def test_the_refusal_names_the_expected_arguments(client: ParticleClient) -> None:
    with pytest.raises(InvalidArgumentError, match=r"progress must be a callable taking the"):
        await client.libraries.upload(b"x", progress=lambda: None)  # type: ignore[arg-type,misc]


async def test_an_upload_without_progress_is_sent_as_before(api: respx.MockRouter) -> None:
    api.post("/v1/libraries").respond(200, json=LIBRARY)
    async with ParticleClient(TOKEN, base_url=API) as client:
        await client.libraries.upload(b"archive-bytes")
    assert b"archive-bytes" in sent_body(api)
