"""Binary downloads (`builds.download_binary`, `products.firmware.download`): raw bytes, files
written through a temporary file, progress, retries, cancellation and bounded memory."""

from __future__ import annotations

import gzip
import hashlib
import random
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

from aioparticle import (
    APIConnectionError,
    ClientClosedError,
    InternalServerError,
    InvalidArgumentError,
    NotFoundError,
    ParticleClient,
)
from tests._loopback import Reply, Seen, serve
from tests.conftest import API, TOKEN
from tests.unit._wire import BadInput, bad_input, check_request, files_in

pytestmark = pytest.mark.anyio

BINARY_ID = "5f1e2d3c4b5a69788796a5b4"
CHUNK = 64 * 1024

Download = Callable[..., Awaitable[Any]]

#: Each download operation and the path it fetches.
OPERATIONS: dict[str, tuple[Callable[[ParticleClient], Download], str]] = {
    "download_binary": (
        lambda c: lambda **kw: c.builds.download_binary(BINARY_ID, **kw),
        f"/v1/binaries/{BINARY_ID}",
    ),
    "firmware.download": (
        lambda c: lambda **kw: c.products.firmware.download(3, product=4567, **kw),
        "/v1/products/4567/firmware/3/binary",
    ),
}


@pytest.fixture(params=list(OPERATIONS))
def operation(request: pytest.FixtureRequest) -> tuple[Callable[[ParticleClient], Download], str]:
    return OPERATIONS[request.param]


@pytest.fixture
def download(
    client: ParticleClient, operation: tuple[Callable[[ParticleClient], Download], str]
) -> Download:
    """`await download(to=..., progress=...)` runs the operation on the `client` fixture."""
    return operation[0](client)


@pytest.fixture
def path(operation: tuple[Callable[[ParticleClient], Download], str]) -> str:
    return operation[1]


def body_of(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def read(path: Path) -> bytes:
    return path.read_bytes()


def write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


async def chunks(*pieces: bytes, fail: bool = False) -> AsyncIterator[bytes]:
    """A streamed body without Content-Length, with a checkpoint between pieces."""
    for piece in pieces:
        yield piece
        await anyio.lowlevel.checkpoint()
    if fail:
        raise httpx.ReadError("connection reset mid-body")


def split(data: bytes, size: int = CHUNK) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


class Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, received: int, total: int | None) -> None:
        self.calls.append((received, total))


# --------------------------------------------------------------------------- raw bytes


@pytest.mark.parametrize(
    "body",
    [
        b"\x00\x01\xff\xfe not json {",
        b'{"ok": false, "error": "this is not an error"}',
        b"[1, 2, 3]",
        b"",
    ],
    ids=["invalid-json", "json-object", "json-array", "empty"],
)
async def test_body_is_returned_verbatim_and_never_json_decoded(
    download: Download, path: str, api: respx.MockRouter, body: bytes
) -> None:
    api.route().respond(200, content=body, headers={"content-type": "application/json"})

    data = await download()

    assert data == body
    assert type(data) is bytes
    assert len(api.calls) == 1
    check_request(api.calls[0].request, "GET", path, accept="*/*")


@pytest.mark.parametrize("as_str", [False, True], ids=["path", "str"])
async def test_to_writes_the_file_and_returns_its_path(
    download: Download, path: str, api: respx.MockRouter, tmp_path: Path, as_str: bool
) -> None:
    body = b'{"valid": "json"}\x00' + body_of(5000)
    api.route().respond(200, content=body)
    target = tmp_path / "firmware.bin"

    written = await download(to=str(target) if as_str else target)

    assert isinstance(written, Path)
    assert written == target
    assert read(target) == body
    assert files_in(tmp_path) == ["firmware.bin"]
    check_request(api.calls[0].request, "GET", path, accept="*/*")


# --------------------------------------------------------------------------- progress


@pytest.mark.parametrize("to_file", [False, True], ids=["bytes", "file"])
async def test_progress_with_content_length_reaches_size_of_size(
    download: Download, api: respx.MockRouter, tmp_path: Path, to_file: bool
) -> None:
    body = body_of(3 * CHUNK + 1234)
    size = len(body)
    api.route().respond(200, content=body)
    progress = Progress()

    result = await download(to=tmp_path / "out.bin" if to_file else None, progress=progress)

    assert (read(result) if to_file else result) == body
    calls = progress.calls
    assert calls[0] == (0, size)
    assert calls[-1] == (size, size)
    assert all(total == size for _, total in calls)
    received = [r for r, _ in calls]
    assert received == sorted(set(received))
    assert len(calls) >= 3


async def test_gzip_encoded_body_is_decoded_and_progress_has_no_total(
    download: Download, api: respx.MockRouter, tmp_path: Path
) -> None:
    body = b"\x00" * (3 * CHUNK)  # compresses to a few hundred bytes
    packed = gzip.compress(body)
    api.route().respond(200, content=packed, headers={"content-encoding": "gzip"})
    progress = Progress()

    written = await download(to=tmp_path / "out.bin", progress=progress)

    assert api.calls[0].response.headers["content-length"] == str(len(packed))
    assert read(written) == body
    # the compressed length is no total for the decoded bytes handed out
    assert progress.calls[0] == (0, None)
    assert progress.calls[-1] == (len(body), None)


async def test_progress_without_content_length_reports_no_total(
    download: Download, api: respx.MockRouter, tmp_path: Path
) -> None:
    body = body_of(2 * CHUNK + 99)
    api.route().mock(return_value=httpx.Response(200, content=chunks(*split(body, 50_000))))
    progress = Progress()

    written = await download(to=tmp_path / "out.bin", progress=progress)

    assert "content-length" not in api.calls[0].response.headers
    assert read(written) == body
    calls = progress.calls
    assert calls[0] == (0, None)
    assert calls[-1] == (len(body), None)
    assert all(total is None for _, total in calls)
    received = [r for r, _ in calls]
    assert received == sorted(set(received))
    assert len(calls) >= 3


# --------------------------------------------------------------------------- errors and retries


async def test_not_found_raises_and_leaves_no_file(
    download: Download, api: respx.MockRouter, tmp_path: Path, sleeps: list[float]
) -> None:
    api.route().respond(404, json={"ok": False, "error": "Firmware not found"})

    with pytest.raises(NotFoundError) as caught:
        await download(to=tmp_path / "out.bin")

    assert caught.value.status_code == 404
    assert "Firmware not found" in str(caught.value)
    assert caught.value.body == {"ok": False, "error": "Firmware not found"}
    assert files_in(tmp_path) == []
    assert len(api.calls) == 1
    assert sleeps == []


async def test_server_error_page_raises_after_retries_and_leaves_no_file(
    download: Download, api: respx.MockRouter, tmp_path: Path, sleeps: list[float]
) -> None:
    page = b"<html><head><title>Internal Server Error</title></head><body>oops</body></html>"
    api.route().respond(500, content=page, headers={"content-type": "text/html"})

    with pytest.raises(InternalServerError) as caught:
        await download(to=tmp_path / "out.bin")

    assert caught.value.status_code == 500
    assert "Internal Server Error" in str(caught.value)
    assert "<html>" not in str(caught.value)
    assert files_in(tmp_path) == []
    assert len(api.calls) == 3
    assert len(sleeps) == 2


async def test_error_without_to_raises_too(download: Download, api: respx.MockRouter) -> None:
    api.route().respond(404, json={"error": "Not Found"})

    with pytest.raises(NotFoundError):
        await download()


@pytest.mark.parametrize("to_file", [False, True], ids=["bytes", "file"])
async def test_503_then_200_is_retried_and_keeps_only_the_second_body(
    download: Download,
    path: str,
    api: respx.MockRouter,
    tmp_path: Path,
    sleeps: list[float],
    to_file: bool,
) -> None:
    body = body_of(CHUNK + 10)
    api.route().mock(
        side_effect=[
            httpx.Response(503, content=b"first body, not the file", headers={"retry-after": "1"}),
            httpx.Response(200, content=body),
        ]
    )
    target = tmp_path / "out.bin"

    result = await download(to=target if to_file else None)

    assert (read(target) if to_file else result) == body
    assert len(sleeps) == 1
    assert sleeps[0] > 0
    assert len(api.calls) == 2
    for call in api.calls:
        check_request(call.request, "GET", path, accept="*/*")
    assert files_in(tmp_path) == (["out.bin"] if to_file else [])


@pytest.mark.parametrize("to_file", [False, True], ids=["bytes", "file"])
async def test_transport_error_mid_body_restarts_from_the_beginning(
    download: Download,
    api: respx.MockRouter,
    tmp_path: Path,
    sleeps: list[float],
    to_file: bool,
) -> None:
    body = body_of(4 * CHUNK + 777)
    pieces = split(body)
    api.route().mock(
        side_effect=[
            httpx.Response(200, content=chunks(*pieces[:2], fail=True)),
            httpx.Response(200, content=chunks(*pieces)),
        ]
    )
    progress = Progress()
    target = tmp_path / "out.bin"

    result = await download(to=target if to_file else None, progress=progress)

    data = read(target) if to_file else result
    assert len(data) == len(body)
    assert data == body
    assert len(api.calls) == 2
    assert len(sleeps) == 1
    received = [r for r, _ in progress.calls]
    restart = received.index(0, 1)
    assert received[:restart] == [0, CHUNK, 2 * CHUNK]
    assert received[restart:] == sorted(set(received[restart:]))
    assert progress.calls[-1] == (len(body), None)
    assert files_in(tmp_path) == (["out.bin"] if to_file else [])


async def test_transport_errors_on_every_attempt_raise_and_leave_no_file(
    download: Download, api: respx.MockRouter, tmp_path: Path, sleeps: list[float]
) -> None:
    pieces = split(body_of(3 * CHUNK))
    api.route().mock(
        side_effect=[httpx.Response(200, content=chunks(*pieces[:1], fail=True)) for _ in range(3)]
    )

    with pytest.raises(APIConnectionError) as caught:
        await download(to=tmp_path / "out.bin")

    assert isinstance(caught.value.__cause__, httpx.ReadError)
    assert TOKEN not in str(caught.value)
    assert len(api.calls) == 3
    assert len(sleeps) == 2
    assert files_in(tmp_path) == []


async def test_existing_file_is_replaced_only_on_success(
    download: Download, api: respx.MockRouter, tmp_path: Path
) -> None:
    target = tmp_path / "firmware.bin"
    write(target, b"old firmware")
    pieces = split(body_of(2 * CHUNK))
    api.route().mock(
        side_effect=[
            httpx.Response(404, json={"error": "Not Found"}),
            *(httpx.Response(200, content=chunks(*pieces[:1], fail=True)) for _ in range(3)),
            httpx.Response(200, content=b"new firmware"),
        ]
    )

    with pytest.raises(NotFoundError):
        await download(to=target)
    assert read(target) == b"old firmware"
    assert files_in(tmp_path) == ["firmware.bin"]

    with pytest.raises(APIConnectionError):
        await download(to=target)
    assert read(target) == b"old firmware"
    assert files_in(tmp_path) == ["firmware.bin"]

    written = await download(to=target)
    assert written == target
    assert read(target) == b"new firmware"
    assert files_in(tmp_path) == ["firmware.bin"]


# --------------------------------------------------------------------------- bad input


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, content=b"binary")
    return api


async def test_to_naming_a_directory_is_refused_before_any_request(
    download: Download, guard: respx.MockRouter, tmp_path: Path
) -> None:
    with pytest.raises(InvalidArgumentError):
        await download(to=tmp_path)
    with pytest.raises(InvalidArgumentError):
        await download(to=str(tmp_path))

    assert not guard.calls
    assert files_in(tmp_path) == []


async def test_to_in_a_missing_directory_is_refused_before_any_request(
    download: Download, guard: respx.MockRouter, tmp_path: Path
) -> None:
    with pytest.raises(InvalidArgumentError):
        await download(to=tmp_path / "missing" / "out.bin")

    assert not guard.calls
    assert files_in(tmp_path) == []


@pytest.mark.parametrize(
    "options",
    [{"to": ""}, {"to": 5}, {"to": b"out.bin"}, {"progress": "not callable"}, {"progress": 1}],
    ids=["to-empty", "to-int", "to-bytes", "progress-str", "progress-int"],
)
async def test_bad_download_options_are_refused_before_any_request(
    download: Download, guard: respx.MockRouter, options: dict[str, Any]
) -> None:
    with pytest.raises(InvalidArgumentError):
        await download(**options)

    assert not guard.calls


@pytest.mark.parametrize(
    "case",
    [
        bad_input("binary-empty", lambda c: c.builds.download_binary("")),
        bad_input("binary-slash", lambda c: c.builds.download_binary("a/b")),
        bad_input("binary-dotdot", lambda c: c.builds.download_binary("..")),
        bad_input("binary-too-long", lambda c: c.builds.download_binary("x" * 65)),
        bad_input("binary-None", lambda c: c.builds.download_binary(None)),
        bad_input("version-zero", lambda c: c.products.firmware.download(0, product=4567)),
        bad_input("version-str", lambda c: c.products.firmware.download("3", product=4567)),
        bad_input("version-bool", lambda c: c.products.firmware.download(True, product=4567)),
        bad_input("product-None", lambda c: c.products.firmware.download(3, product=None)),
        bad_input("product-slash", lambda c: c.products.firmware.download(3, product="a/b")),
    ],
)
async def test_bad_ids_are_refused_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)


# --------------------------------------------------------------------------- cancellation, closing


async def test_cancellation_mid_download_propagates_and_leaves_no_file(
    download: Download, api: respx.MockRouter, tmp_path: Path
) -> None:
    body = body_of(6 * CHUNK)
    api.route().mock(return_value=httpx.Response(200, content=chunks(*split(body))))
    target = tmp_path / "out.bin"
    finished = False

    with anyio.CancelScope() as scope:

        def progress(received: int, total: int | None) -> None:
            if received >= 2 * CHUNK:
                scope.cancel()

        await download(to=target, progress=progress)
        finished = True

    assert scope.cancelled_caught
    assert not finished
    assert files_in(tmp_path) == []


async def test_cancellation_keeps_an_existing_file(
    download: Download, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().mock(return_value=httpx.Response(200, content=chunks(*split(body_of(4 * CHUNK)))))
    target = tmp_path / "out.bin"
    write(target, b"previous")

    with anyio.CancelScope() as scope:
        await download(to=target, progress=lambda received, _: received and scope.cancel())

    assert scope.cancelled_caught
    assert read(target) == b"previous"
    assert files_in(tmp_path) == ["out.bin"]


async def test_closed_client_raises_client_closed_error(
    operation: tuple[Callable[[ParticleClient], Download], str],
    api: respx.MockRouter,
    tmp_path: Path,
) -> None:
    api.route().respond(200, content=b"binary")
    async with ParticleClient(TOKEN, base_url=API) as particle:
        pass
    download = operation[0](particle)

    with pytest.raises(ClientClosedError):
        await download()
    with pytest.raises(ClientClosedError):
        await download(to=tmp_path / "out.bin")

    assert not api.calls
    assert files_in(tmp_path) == []


# --------------------------------------------------------------------------- real sockets

BIG = 64 * 1024 * 1024
PEAK_LIMIT = 8 * 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


@pytest.mark.slow
async def test_large_download_to_a_file_uses_bounded_memory(tmp_path: Path) -> None:
    body = body_of(BIG, seed=64)
    expected = hashlib.sha256(body).hexdigest()

    def handler(seen: Seen) -> Reply:
        return Reply(
            body=body,
            headers={"content-type": "application/octet-stream"},
            trickle=CHUNK,
        )

    target = tmp_path / "big.bin"
    async with serve(handler) as server:
        async with ParticleClient(TOKEN, base_url=server.url) as particle:
            tracemalloc.start()
            try:
                written = await particle.builds.download_binary(BINARY_ID, to=target)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()

    assert written == target
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB"
    assert target.stat().st_size == BIG
    assert sha256_of(target) == expected
    assert files_in(tmp_path) == ["big.bin"]
    (seen,) = server.seen
    assert (seen.method, seen.target) == ("GET", f"/v1/binaries/{BINARY_ID}")
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"


async def test_download_to_bytes_over_a_real_socket() -> None:
    body = body_of(4 * 1024 * 1024, seed=4)

    def handler(seen: Seen) -> Reply:
        return Reply(body=body, headers={"content-type": "application/json"}, trickle=CHUNK)

    async with serve(handler) as server:
        async with ParticleClient(TOKEN, base_url=server.url) as particle:
            data = await particle.products.firmware.download(3, product=4567)

    assert len(data) == len(body)
    assert data == body
    (seen,) = server.seen
    assert seen.target == "/v1/products/4567/firmware/3/binary"


async def test_connection_dropped_mid_body_is_retried_over_a_real_socket(
    tmp_path: Path, sleeps: list[float]
) -> None:
    body = body_of(1024 * 1024, seed=5)
    replies = iter(
        [Reply(body=body, drop_mid_body=True), Reply(body=body, trickle=CHUNK)],
    )

    def handler(seen: Seen) -> Reply:
        return next(replies)

    target = tmp_path / "out.bin"
    async with serve(handler) as server:
        async with ParticleClient(TOKEN, base_url=server.url) as particle:
            written = await particle.builds.download_binary(BINARY_ID, to=target)

    assert read(written) == body
    assert len(server.seen) == 2
    assert len(sleeps) == 1
    assert files_in(tmp_path) == ["out.bin"]
