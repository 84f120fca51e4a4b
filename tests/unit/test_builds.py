"""Wire-level tests of `client.builds`: build targets, compile, binary download and flashing,
and every check made before any request.

Multipart bodies are split on the boundary of the request's Content-Type header and every part
(name, file name, content type, contents) is compared (`check_upload` in tests/unit/_wire.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from aioparticle import (
    BadRequestError,
    BuildTarget,
    BuildTargets,
    CompileResult,
    FlashResult,
    InternalServerError,
    NotFoundError,
    ParticleClient,
)
from tests.conftest import load
from tests.unit._wire import (
    BadInput,
    OpenCall,
    bad_input_grid,
    check_request,
    check_upload,
    expect_invalid,
    files_in,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

DEV = "0123456789abcdef01234567"
PRODUCT_ID = 4567
SLUG = "my-product"
BINARY_ID = "5f3a9c0e1d2b4a6f8e7c9b0a"

#: Source contents with bytes a text round trip would damage (NUL, 0xff, CRLF).
APP = b'#include "Particle.h"\r\nvoid setup() {}\r\nvoid loop() {}\r\n\x00\xff'
SENSOR = b"int read_sensor() { return 42; }\n"
HEADER = b"#pragma once\nint read_sensor();\n"

SIZE_INFO = (
    "   text\t   data\t    bss\t    dec\t    hex\tfilename\n"
    "   4960\t    108\t   1584\t   6652\t   19fc\t/workspace/target/workspace.elf\n"
)
COMPILE_OK = load("builds/compile.json")
FLASH_OK = {"ok": True, "id": DEV, "status": "Update started"}

#: User scope plus both product forms.
SCOPES = pytest.mark.parametrize(
    ("product", "prefix"),
    [(None, "/v1"), (PRODUCT_ID, "/v1/products/4567"), (SLUG, "/v1/products/my-product")],
    ids=["user", "product-id", "product-slug"],
)


class OneShotStream:
    """A binary stream that can be read once and cannot seek (a pipe, a socket)."""

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data

    def read(self, size: int = -1) -> bytes:
        data, self._data = self._data or b"", None
        return data

    def seekable(self) -> bool:
        return False


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A project folder holding src/app.ino, lib/sensor.cpp and lib/sensor.h."""
    (tmp_path / "src").mkdir()
    (tmp_path / "lib").mkdir()
    (tmp_path / "src" / "app.ino").write_bytes(APP)
    (tmp_path / "lib" / "sensor.cpp").write_bytes(SENSOR)
    (tmp_path / "lib" / "sensor.h").write_bytes(HEADER)
    return tmp_path


# --------------------------------------------------------------------------- list_targets

TARGETS = load("builds/targets.json")


@pytest.mark.parametrize("kwargs", [{}, {"featured": False}], ids=["default", "false"])
async def test_list_targets_sends_no_query_by_default(
    client: ParticleClient, api: respx.MockRouter, kwargs: dict[str, Any]
) -> None:
    reply(api, TARGETS)

    targets = await client.builds.list_targets(**kwargs)

    check_request(only_request(api), "GET", "/v1/build_targets")
    assert isinstance(targets, BuildTargets)
    assert all(isinstance(t, BuildTarget) for t in targets.targets)
    first, second = targets.targets
    assert first.version == "6.1.1"
    assert first.platforms == [12, 13, 32]
    assert first.prereleases == []
    assert first.firmware_vendor == "Particle"
    assert second.version == "6.2.0-rc.1"
    assert second.prereleases == [32]
    assert second.firmware_vendor is None
    assert targets.platforms == {"argon": 12, "boron": 13, "p2": 32}
    assert targets.default_versions == {"12": "6.1.1", "13": "6.1.1", "32": "6.1.1"}


async def test_list_targets_featured_sends_featured_true(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, TARGETS)

    await client.builds.list_targets(featured=True)

    check_request(only_request(api), "GET", "/v1/build_targets", query=b"featured=true")


# --------------------------------------------------------------------------- compile


async def test_compile_mapping_of_bytes(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, COMPILE_OK)

    result = await client.builds.compile(
        {"src/app.ino": APP, "lib/sensor.cpp": SENSOR, "lib/sensor.h": HEADER}
    )

    check_upload(
        only_request(api),
        "POST",
        "/v1/binaries",
        fields={"latest": "true"},
        files=[
            ("file", "src/app.ino", APP),
            ("file2", "lib/sensor.cpp", SENSOR),
            ("file3", "lib/sensor.h", HEADER),
        ],
    )
    assert isinstance(result, CompileResult)
    assert result.ok is True
    assert result.binary_id == BINARY_ID
    assert result.binary_url == f"/v1/binaries/{BINARY_ID}"
    assert result.expires_at == datetime(2025, 3, 2, 12, 0, tzinfo=timezone.utc)
    assert result.size_info == SIZE_INFO


async def test_compile_mapping_of_binary_file_objects(
    client: ParticleClient, api: respx.MockRouter, sources: Path
) -> None:
    reply(api, COMPILE_OK)

    with open(sources / "lib" / "sensor.cpp", "rb") as handle:
        await client.builds.compile({"src/app.ino": io.BytesIO(APP), "lib/sensor.cpp": handle})
        # the caller's file object is the caller's to close
        assert not handle.closed

    check_upload(
        only_request(api),
        "POST",
        "/v1/binaries",
        fields={"latest": "true"},
        files=[("file", "src/app.ino", APP), ("file2", "lib/sensor.cpp", SENSOR)],
    )


async def test_compile_mapping_of_paths_uses_the_given_names(
    client: ParticleClient, api: respx.MockRouter, sources: Path
) -> None:
    reply(api, COMPILE_OK)

    await client.builds.compile(
        {
            "src/app.ino": sources / "src" / "app.ino",
            "lib/sensor.cpp": sources / "lib" / "sensor.cpp",
        }
    )

    check_upload(
        only_request(api),
        "POST",
        "/v1/binaries",
        fields={"latest": "true"},
        files=[("file", "src/app.ino", APP), ("file2", "lib/sensor.cpp", SENSOR)],
    )


async def test_compile_list_of_paths_sends_base_names(
    client: ParticleClient, api: respx.MockRouter, sources: Path
) -> None:
    reply(api, COMPILE_OK)

    await client.builds.compile(
        [
            str(sources / "src" / "app.ino"),
            sources / "lib" / "sensor.cpp",
            sources / "lib" / "sensor.h",
        ]
    )

    check_upload(
        only_request(api),
        "POST",
        "/v1/binaries",
        fields={"latest": "true"},
        files=[
            ("file", "app.ino", APP),
            ("file2", "sensor.cpp", SENSOR),
            ("file3", "sensor.h", HEADER),
        ],
    )


async def test_compile_with_platform_and_target_version(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, COMPILE_OK)

    await client.builds.compile({"app.ino": APP}, platform_id=32, target_version="6.1.1")

    check_upload(
        only_request(api),
        "POST",
        "/v1/binaries",
        fields={"platform_id": "32", "build_target_version": "6.1.1"},
        files=[("file", "app.ino", APP)],
    )


@pytest.mark.parametrize("platform_id", [0, 6, 32])
async def test_compile_with_platform_only_targets_the_latest_version(
    client: ParticleClient, api: respx.MockRouter, platform_id: int
) -> None:
    reply(api, COMPILE_OK)

    await client.builds.compile({"app.ino": APP}, platform_id=platform_id)

    check_upload(
        only_request(api),
        "POST",
        "/v1/binaries",
        fields={"platform_id": str(platform_id), "latest": "true"},
        files=[("file", "app.ino", APP)],
    )


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2025-03-02T12:00:00.000Z", datetime(2025, 3, 2, 12, 0, tzinfo=timezone.utc)),
        ("2025-03-02T12:00:00", datetime(2025, 3, 2, 12, 0, tzinfo=timezone.utc)),
        (
            "2025-03-02T14:00:00+02:00",
            datetime(2025, 3, 2, 12, 0, tzinfo=timezone.utc),
        ),
    ],
    ids=["zulu", "naive", "offset"],
)
async def test_compile_result_expiry_is_timezone_aware(
    client: ParticleClient, api: respx.MockRouter, wire: str, expected: datetime
) -> None:
    reply(api, {**COMPILE_OK, "expires_at": wire})

    result = await client.builds.compile({"app.ino": APP})

    assert result.expires_at is not None
    assert result.expires_at.tzinfo is not None
    assert result.expires_at == expected


async def test_compile_error_raises_bad_request_with_the_compiler_messages(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    body = {"ok": False, "output": "Compiler failed", "errors": ["app.ino:1: error: x"]}
    reply(api, body, status=400)

    with pytest.raises(BadRequestError) as caught:
        await client.builds.compile({"app.ino": APP})

    error = caught.value
    assert error.status_code == 400
    assert error.errors == ["app.ino:1: error: x"]
    assert "app.ino:1: error: x" in error.message
    assert "app.ino:1: error: x" in str(error)
    assert error.body == body
    assert len(api.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize("kind", ["bytes", "bytesio", "path"])
async def test_replayable_compile_is_retried_after_503(
    client: ParticleClient,
    api: respx.MockRouter,
    sleeps: list[float],
    sources: Path,
    kind: str,
) -> None:
    contents: dict[str, Any] = {
        "bytes": APP,
        "bytesio": io.BytesIO(APP),
        "path": sources / "src" / "app.ino",
    }
    api.route().mock(
        side_effect=[
            httpx.Response(503, json={"error": "unavailable"}),
            httpx.Response(200, json=COMPILE_OK),
        ]
    )

    result = await client.builds.compile({"src/app.ino": contents[kind]}, platform_id=32)

    assert result.binary_id == BINARY_ID
    assert len(api.calls) == 2
    for call in api.calls:
        # the whole body again, not a truncated or empty replay of the file
        check_upload(
            call.request,
            "POST",
            "/v1/binaries",
            fields={"platform_id": "32", "latest": "true"},
            files=[("file", "src/app.ino", APP)],
        )
    assert len(sleeps) == 1


async def test_one_shot_stream_compile_is_not_retried_after_503(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    reply(api, {"error": "unavailable"}, status=503)

    with pytest.raises(InternalServerError) as caught:
        stream: Any = OneShotStream(APP)
        await client.builds.compile({"app.ino": stream, "lib/sensor.cpp": SENSOR})

    assert caught.value.status_code == 503
    check_upload(
        only_request(api),
        "POST",
        "/v1/binaries",
        fields={"latest": "true"},
        files=[("file", "app.ino", APP), ("file2", "lib/sensor.cpp", SENSOR)],
    )
    assert sleeps == []


# --------------------------------------------------------------------------- download_binary

FIRMWARE = b"\x00\x01\x02\xff" * 1000 + b'{"not": "json"}'


async def test_download_binary_returns_the_bytes(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, content=FIRMWARE, headers={"content-type": "application/json"})

    data = await client.builds.download_binary(BINARY_ID)

    check_request(only_request(api), "GET", f"/v1/binaries/{BINARY_ID}", accept="*/*")
    assert type(data) is bytes
    assert data == FIRMWARE


@pytest.mark.parametrize("as_str", [False, True], ids=["path", "str"])
async def test_download_binary_to_a_file(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path, as_str: bool
) -> None:
    api.route().respond(200, content=FIRMWARE)
    target = tmp_path / "firmware.bin"

    written = await client.builds.download_binary(BINARY_ID, to=str(target) if as_str else target)

    check_request(only_request(api), "GET", f"/v1/binaries/{BINARY_ID}", accept="*/*")
    assert isinstance(written, Path)
    assert written == target
    assert target.read_bytes() == FIRMWARE
    assert files_in(tmp_path) == [target.name]  # no temporary file left behind


async def test_download_binary_error_leaves_no_file(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(404, json={"error": "Binary not found"})
    target = tmp_path / "firmware.bin"

    with pytest.raises(NotFoundError, match="Binary not found"):
        await client.builds.download_binary(BINARY_ID, to=target)

    assert files_in(tmp_path) == []


# --------------------------------------------------------------------------- flash


@SCOPES
async def test_flash_sources_to_a_device(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, FLASH_OK)

    result = await client.builds.flash(
        DEV, {"src/app.ino": APP, "lib/sensor.cpp": SENSOR}, product=product
    )

    check_upload(
        only_request(api),
        "PUT",
        f"{prefix}/devices/{DEV}",
        fields={"latest": "true"},
        files=[("file", "src/app.ino", APP), ("file2", "lib/sensor.cpp", SENSOR)],
    )
    assert isinstance(result, FlashResult)
    assert result.id == DEV
    assert result.status == "Update started"
    assert result.ok is True


@SCOPES
async def test_flash_with_target_version_sends_no_latest(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, FLASH_OK)

    await client.builds.flash(DEV, {"app.ino": APP}, target_version="5.9.0", product=product)

    check_upload(
        only_request(api),
        "PUT",
        f"{prefix}/devices/{DEV}",
        fields={"build_target_version": "5.9.0"},
        files=[("file", "app.ino", APP)],
    )


async def test_flash_list_of_paths_sends_base_names(
    client: ParticleClient, api: respx.MockRouter, sources: Path
) -> None:
    reply(api, FLASH_OK)

    await client.builds.flash(
        DEV, [sources / "src" / "app.ino", str(sources / "lib" / "sensor.cpp")]
    )

    check_upload(
        only_request(api),
        "PUT",
        f"/v1/devices/{DEV}",
        fields={"latest": "true"},
        files=[("file", "app.ino", APP), ("file2", "sensor.cpp", SENSOR)],
    )


async def test_flash_a_binary_file_object(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, FLASH_OK)

    await client.builds.flash(DEV, {"firmware.bin": io.BytesIO(FIRMWARE)}, product=SLUG)

    check_upload(
        only_request(api),
        "PUT",
        f"/v1/products/my-product/devices/{DEV}",
        fields={"latest": "true"},
        files=[("file", "firmware.bin", FIRMWARE)],
    )


@SCOPES
async def test_flash_is_never_retried_after_503(
    client: ParticleClient,
    api: respx.MockRouter,
    sleeps: list[float],
    product: int | str | None,
    prefix: str,
) -> None:
    reply(api, {"error": "unavailable"}, status=503)

    with pytest.raises(InternalServerError) as caught:
        await client.builds.flash(DEV, {"app.ino": APP}, product=product)

    assert caught.value.status_code == 503
    check_upload(
        only_request(api),
        "PUT",
        f"{prefix}/devices/{DEV}",
        fields={"latest": "true"},
        files=[("file", "app.ino", APP)],
    )
    assert sleeps == []


# --------------------------------------------------------------------------- flash_tinker


async def test_flash_tinker_is_deprecated_and_sends_the_app_name(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, FLASH_OK)

    with pytest.warns(DeprecationWarning, match="flash_tinker") as warned:
        result = await client.builds.flash_tinker(DEV)

    check_request(only_request(api), "PUT", f"/v1/devices/{DEV}", body={"app": "tinker"})
    assert isinstance(result, FlashResult)
    assert result.status == "Update started"
    # the warning points at the caller's line, not at aioparticle
    assert [w.filename for w in warned] == [__file__]


async def test_flash_tinker_is_not_retried_after_503(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    reply(api, {"error": "unavailable"}, status=503)

    with pytest.warns(DeprecationWarning, match="flash_tinker"), pytest.raises(InternalServerError):
        await client.builds.flash_tinker(DEV)

    check_request(only_request(api), "PUT", f"/v1/devices/{DEV}", body={"app": "tinker"})
    assert sleeps == []


# --------------------------------------------------------------------------- bad input


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json=COMPILE_OK)
    return api


BAD_DEVICE_IDS = [
    None,
    "",
    ".",
    "..",
    "a/b",
    "a?b",
    "a#b",
    "a\\b",
    "a\x00b",
    "a\nb",
    "x" * 257,
    "events",
    123,
]
BAD_BINARY_IDS = [None, "", ".", "..", "a/b", "a?b", "a#b", "a\\b", "a\x00b", "a\nb", "x" * 65, 5]

#: `compile()` options that must be refused.
BAD_COMPILE_OPTIONS: list[dict[str, Any]] = [
    {"platform_id": True},
    {"platform_id": -1},
    {"platform_id": "32"},
    {"platform_id": 32.0},
    {"target_version": ""},
    {"target_version": "6.1.1\n"},
    {"target_version": "6" * 65},
    {"target_version": 6},
]

#: Every call with an argument `client.builds` must refuse before any request (the source files
#: and download targets, which need a scratch folder, follow in their own tests).
BAD_INPUT = [
    *bad_input_grid(
        {"list_targets-featured": lambda c, featured: c.builds.list_targets(featured=featured)},
        [1, "true", None],
    ),
    *bad_input_grid(
        {"compile": lambda c, kwargs: c.builds.compile({"app.ino": APP}, **kwargs)},
        BAD_COMPILE_OPTIONS,
    ),
    *bad_input_grid(
        {"download_binary": lambda c, binary_id: c.builds.download_binary(binary_id)},
        BAD_BINARY_IDS,
    ),
    *bad_input_grid(
        {
            "flash-target_version": lambda c, version: c.builds.flash(
                DEV, {"app.ino": APP}, target_version=version
            )
        },
        ["", "5.9\x00", "5" * 65, 5],
    ),
    *bad_input_grid(
        {
            "flash-user": lambda c, dev: c.builds.flash(dev, {"app.ino": APP}, product=None),
            "flash-product": lambda c, dev: c.builds.flash(
                dev, {"app.ino": APP}, product=PRODUCT_ID
            ),
        },
        BAD_DEVICE_IDS,
        prefix="device-id",
    ),
    *bad_input_grid(
        {"flash": lambda c, product: c.builds.flash(DEV, {"app.ino": APP}, product=product)},
        [-1, True, "", "a/b", "..", "x\n", 1.5],
        prefix="product",
    ),
]


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)


@pytest.mark.parametrize("bad", BAD_BINARY_IDS, ids=repr)
async def test_bad_binary_id_with_a_target_file_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, tmp_path: Path, bad: object
) -> None:
    await expect_invalid(client.builds.download_binary(bad, to=tmp_path / "fw.bin"), guard)  # type: ignore[call-overload]
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("where", ["directory", "missing-parent"])
async def test_download_binary_to_a_bad_target_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, tmp_path: Path, where: str
) -> None:
    target = tmp_path if where == "directory" else tmp_path / "missing" / "fw.bin"

    await expect_invalid(client.builds.download_binary(BINARY_ID, to=target), guard)


@pytest.mark.parametrize("bad", BAD_DEVICE_IDS, ids=repr)
async def test_flash_tinker_bad_device_id_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, bad: object
) -> None:
    with pytest.warns(DeprecationWarning, match="flash_tinker"):
        await expect_invalid(client.builds.flash_tinker(bad), guard)  # type: ignore[arg-type]


#: Every call taking source files, so each check is made for compile and flash alike.
SOURCE_CALLS: dict[str, OpenCall] = {
    "compile": lambda c, files: c.builds.compile(files),
    "flash": lambda c, files: c.builds.flash(DEV, files),
    "flash-product": lambda c, files: c.builds.flash(DEV, files, product=PRODUCT_ID),
}


def _text_mode_file(tmp_path: Path) -> object:
    text_file = tmp_path / "app.ino"
    text_file.write_text("void setup() {}")
    return {"app.ino": open(text_file)}


#: Source arguments that must be refused, each built from the test's tmp_path.
BAD_SOURCES: dict[str, Callable[[Path], object]] = {
    "empty-mapping": lambda _: {},
    "empty-list": lambda _: [],
    "str-files": lambda _: "src/app.ino",
    "bytes-files": lambda _: APP,
    "int-files": lambda _: 5,
    "str-value": lambda _: {"src/app.ino": "void setup() {}"},
    "int-value": lambda _: {"app.ino": 5},
    "none-value": lambda _: {"app.ino": None},
    "stringio-value": lambda _: {"app.ino": io.StringIO("void setup() {}")},
    "text-mode-file": _text_mode_file,
    "dotdot-name": lambda _: {"../app.ino": APP},
    "inner-dotdot-name": lambda _: {"src/../../app.ino": APP},
    "dot-name": lambda _: {"./app.ino": APP},
    "empty-segment-name": lambda _: {"src//app.ino": APP},
    "absolute-name": lambda _: {"/etc/app.ino": APP},
    "backslash-absolute-name": lambda _: {"\\app.ino": APP},
    "backslash-dotdot-name": lambda _: {"..\\app.ino": APP},
    "drive-letter-name": lambda _: {"C:\\src\\app.ino": APP},
    "empty-name": lambda _: {"": APP},
    "nul-name": lambda _: {"app\x00.ino": APP},
    "newline-name": lambda _: {"app.ino\n": APP},
    "escape-name": lambda _: {"app\x1b.ino": APP},
    "long-name": lambda _: {"a" * 256: APP},
    "non-str-name": lambda _: {5: APP},
    "bytes-in-list": lambda _: [APP],
    "int-in-list": lambda _: [5],
    "none-in-list": lambda _: [None],
    "file-object-in-list": lambda _: [io.BytesIO(APP)],
    "dotdot-path-in-list": lambda tmp_path: [tmp_path / ".."],
}


@pytest.mark.parametrize("make", list(BAD_SOURCES.values()), ids=list(BAD_SOURCES))
@pytest.mark.parametrize("call", list(SOURCE_CALLS.values()), ids=list(SOURCE_CALLS))
async def test_bad_sources_are_rejected_before_any_request(
    client: ParticleClient,
    guard: respx.MockRouter,
    tmp_path: Path,
    call: OpenCall,
    make: Callable[[Path], object],
) -> None:
    files = make(tmp_path)
    try:
        await expect_invalid(call(client, files), guard)
    finally:
        if isinstance(files, dict):
            for value in files.values():
                if isinstance(value, io.IOBase):
                    value.close()


@pytest.mark.parametrize("form", ["list", "mapping"])
@pytest.mark.parametrize("call", list(SOURCE_CALLS.values()), ids=list(SOURCE_CALLS))
async def test_missing_source_file_raises_file_not_found_and_sends_nothing(
    client: ParticleClient, guard: respx.MockRouter, sources: Path, call: OpenCall, form: str
) -> None:
    missing = sources / "src" / "missing.ino"
    files: object = (
        [sources / "src" / "app.ino", missing]
        if form == "list"
        else {"src/app.ino": APP, "src/missing.ino": missing}
    )

    with pytest.raises(FileNotFoundError):
        await call(client, files)

    assert len(guard.calls) == 0
