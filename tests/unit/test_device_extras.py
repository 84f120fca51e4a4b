"""Wire-level tests of the less common `client.devices` operations: adding devices to a product,
self-provisioning, claim codes, device unprotect, public keys and manufacturing backups."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import aioparticle
from aioparticle import (
    APIError,
    ClaimCode,
    Device,
    DeviceImportResult,
    Devices,
    NotFoundError,
    ParticleClient,
    UnprotectResult,
)
from aioparticle.resources import devices as devices_module
from tests.conftest import TOKEN, load
from tests.unit._wire import expect_invalid, multipart_parts, only_request

pytestmark = pytest.mark.anyio

DEV = "0123456789abcdef01234567"
PRODUCT_ID = 4567
SLUG = "my-product"
ICCID = "89314404000123456789"
NOW_MS = 1_700_000_000_123

#: A public key as PEM text, newlines and all.
PUBLIC_KEY = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE0e5Pq1dKHbsZVxHk2sPkLNfOa+Wx\n"
    "/u1Q==\n"
    "-----END PUBLIC KEY-----\n"
)

_NO_BODY = object()

PRODUCTS = pytest.mark.parametrize(
    ("product", "prefix"),
    [(PRODUCT_ID, "/v1/products/4567"), (SLUG, "/v1/products/my-product")],
    ids=["product-id", "product-slug"],
)
SCOPES = pytest.mark.parametrize(
    ("product", "prefix"),
    [(None, "/v1"), (PRODUCT_ID, "/v1/products/4567"), (SLUG, "/v1/products/my-product")],
    ids=["user", "product-id", "product-slug"],
)


def _canonical(value: object) -> str:
    # Python says 1 == True and 1 == 1.0; the JSON text does not, so compare that.
    return json.dumps(value, sort_keys=True)


def check_request(
    request: httpx.Request,
    method: str,
    path: str,
    *,
    query: bytes = b"",
    body: Any = _NO_BODY,
    accept: str = "application/json",
) -> None:
    """Assert the whole request as it went on the wire (JSON or no body)."""
    assert request.method == method
    raw_path, _, raw_query = request.url.raw_path.partition(b"?")
    assert raw_path == path.encode("ascii")
    assert raw_query == query
    headers = request.headers
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["user-agent"] == f"aioparticle/{aioparticle.__version__}"
    assert headers["accept"] == accept
    if body is _NO_BODY:
        assert request.content == b""
        assert "content-type" not in headers
    else:
        assert headers["content-type"] == "application/json"
        sent = json.loads(request.content)
        assert sent == body
        assert _canonical(sent) == _canonical(body)


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


IMPORT_RESULT = {
    "ok": True,
    "updated": 2,
    "updatedDeviceIds": [DEV, "fedcba9876543210fedcba98"],
    "existingDeviceIds": ["aaaaaaaaaaaaaaaaaaaaaaaa"],
    "nonmemberDeviceIds": ["bbbbbbbbbbbbbbbbbbbbbbbb"],
    "invalidDeviceIds": ["not-a-device"],
}


# --------------------------------------------------------------------------- add


@PRODUCTS
async def test_add_one_device_sends_its_id_as_json(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    api.route().respond(json=IMPORT_RESULT)

    result = await client.devices.add(DEV, product=product)

    check_request(only_request(api), "POST", f"{prefix}/devices", body={"id": DEV})
    assert isinstance(result, DeviceImportResult)
    assert result.ok is True
    assert result.updated == 2
    assert result.updated_device_ids == [DEV, "fedcba9876543210fedcba98"]
    assert result.existing_device_ids == ["aaaaaaaaaaaaaaaaaaaaaaaa"]
    assert result.non_member_device_ids == ["bbbbbbbbbbbbbbbbbbbbbbbb"]
    assert result.invalid_device_ids == ["not-a-device"]


async def test_add_accepts_a_serial_number_or_iccid_in_the_body(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json={"ok": True})

    await client.devices.add(ICCID, product=PRODUCT_ID)

    check_request(only_request(api), "POST", "/v1/products/4567/devices", body={"id": ICCID})


def check_bulk(request: httpx.Request, prefix: str, filename: str, contents: bytes) -> None:
    assert request.method == "POST"
    assert request.url.raw_path == f"{prefix}/devices".encode()
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["user-agent"] == f"aioparticle/{aioparticle.__version__}"
    assert request.headers["accept"] == "application/json"
    assert multipart_parts(request) == [("file", filename, "application/octet-stream", contents)]


DEVICE_LIST = f"{DEV}\nfedcba9876543210fedcba98\n{ICCID}\n".encode()


@PRODUCTS
async def test_add_file_bytes_is_one_multipart_part(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    api.route().respond(json=IMPORT_RESULT)

    result = await client.devices.add(product=product, file=DEVICE_LIST)

    check_bulk(only_request(api), prefix, "file", DEVICE_LIST)
    assert result.updated == 2


async def test_add_file_path_uses_its_base_name(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(json=IMPORT_RESULT)
    listing = tmp_path / "devices.txt"
    listing.write_bytes(DEVICE_LIST)

    await client.devices.add(product=PRODUCT_ID, file=listing)

    check_bulk(only_request(api), "/v1/products/4567", "devices.txt", DEVICE_LIST)


async def test_add_file_object_uses_its_base_name(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(json=IMPORT_RESULT)
    listing = tmp_path / "fleet.csv"
    listing.write_bytes(DEVICE_LIST)

    with listing.open("rb") as handle:
        await client.devices.add(product=SLUG, file=handle)

    check_bulk(only_request(api), "/v1/products/my-product", "fleet.csv", DEVICE_LIST)


async def test_add_nameless_file_object_uses_the_default_name(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json=IMPORT_RESULT)

    await client.devices.add(product=PRODUCT_ID, file=io.BytesIO(DEVICE_LIST))

    check_bulk(only_request(api), "/v1/products/4567", "file", DEVICE_LIST)


# --------------------------------------------------------------------------- provision


@pytest.mark.parametrize("product", [PRODUCT_ID, 0, SLUG], ids=["int", "zero", "slug"])
async def test_provision_sends_the_product_id_as_given(
    client: ParticleClient, api: respx.MockRouter, product: int | str
) -> None:
    api.route().respond(json=load("device.json"))

    device = await client.devices.provision(product=product)

    check_request(only_request(api), "POST", "/v1/devices", body={"product_id": product})
    assert isinstance(device, Device)
    assert device.id == DEV
    assert device.product_id == 4567


async def test_provision_keeps_an_int_product_an_int_on_the_wire(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json=load("device.json"))

    await client.devices.provision(product=PRODUCT_ID)

    assert only_request(api).content.replace(b" ", b"") == b'{"product_id":4567}'


# --------------------------------------------------------------------------- claim codes

CLAIM_CODE = {"claim_code": "rCf2EwQlsBdNpS7Lbo2oFL", "device_ids": [DEV]}


@SCOPES
async def test_create_claim_code_sends_an_empty_object(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    api.route().respond(json=CLAIM_CODE)

    code = await client.devices.create_claim_code(product=product)

    check_request(only_request(api), "POST", f"{prefix}/device_claims", body={})
    assert isinstance(code, ClaimCode)
    assert code.claim_code == "rCf2EwQlsBdNpS7Lbo2oFL"
    assert code.device_ids == [DEV]


@SCOPES
async def test_create_claim_code_with_iccid(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    api.route().respond(json={"claim_code": "abc"})

    code = await client.devices.create_claim_code(iccid=ICCID, product=product)

    check_request(only_request(api), "POST", f"{prefix}/device_claims", body={"iccid": ICCID})
    assert code.claim_code == "abc"
    assert code.device_ids == []


async def test_create_claim_code_for_a_customer_uses_the_view_token(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json=CLAIM_CODE)
    customer = client.with_options(access_token="customer-token-1234")

    await customer.devices.create_claim_code(product=PRODUCT_ID)

    request = only_request(api)
    assert request.url.raw_path == b"/v1/products/4567/device_claims"
    assert request.headers["authorization"] == "Bearer customer-token-1234"


# --------------------------------------------------------------------------- unprotect

UNPROTECT_SCOPES = pytest.mark.parametrize(
    ("scope", "prefix"),
    [
        ({}, "/v1"),
        ({"product": PRODUCT_ID}, "/v1/products/4567"),
        ({"product": SLUG}, "/v1/products/my-product"),
        ({"org": "acme-corp"}, "/v1/orgs/acme-corp"),
    ],
    ids=["user", "product-id", "product-slug", "org"],
)


@UNPROTECT_SCOPES
async def test_unprotect_prepare_sends_only_the_action(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    api.route().respond(json={"ok": True, "server_nonce": "c2VydmVyLW5vbmNl"})

    result = await client.devices.unprotect(DEV, "prepare", **scope)

    check_request(
        only_request(api), "PUT", f"{prefix}/devices/{DEV}/unprotect", body={"action": "prepare"}
    )
    assert isinstance(result, UnprotectResult)
    assert result.ok is True
    assert result.server_nonce == "c2VydmVyLW5vbmNl"


@UNPROTECT_SCOPES
async def test_unprotect_confirm_sends_every_value_given(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    api.route().respond(json={"ok": True, "device_protected": False})

    result = await client.devices.unprotect(
        DEV,
        "confirm",
        server_nonce="c2VydmVy",
        device_nonce="ZGV2aWNl",
        device_signature="c2lnbmF0dXJlKw==",
        device_public_key_fingerprint="ZmluZ2VycHJpbnQ=",
        **scope,
    )

    check_request(
        only_request(api),
        "PUT",
        f"{prefix}/devices/{DEV}/unprotect",
        body={
            "action": "confirm",
            "server_nonce": "c2VydmVy",
            "device_nonce": "ZGV2aWNl",
            "device_signature": "c2lnbmF0dXJlKw==",
            "device_public_key_fingerprint": "ZmluZ2VycHJpbnQ=",
        },
    )
    assert result.device_protected is False


@pytest.mark.parametrize(
    "given",
    [
        {"server_nonce": "cw=="},
        {"device_nonce": "ZA=="},
        {"device_signature": "cw=="},
        {"device_public_key_fingerprint": "Zg=="},
        {"server_nonce": "cw==", "device_signature": "cw=="},
        {"device_nonce": "ZA==", "device_public_key_fingerprint": "Zg=="},
    ],
    ids=["server_nonce", "device_nonce", "signature", "fingerprint", "two", "other-two"],
)
async def test_unprotect_sends_only_the_keys_given(
    client: ParticleClient, api: respx.MockRouter, given: dict[str, str]
) -> None:
    api.route().respond(json={"ok": True})

    await client.devices.unprotect(DEV, "confirm", **given)

    check_request(
        only_request(api),
        "PUT",
        f"/v1/devices/{DEV}/unprotect",
        body={"action": "confirm", **given},
    )


async def test_unprotect_with_product_and_org_is_refused(
    client: ParticleClient, guard: respx.MockRouter
) -> None:
    await expect_invalid(
        client.devices.unprotect(DEV, "prepare", product=PRODUCT_ID, org="acme-corp"), guard
    )


@pytest.mark.parametrize("action", ["PREPARE", "Confirm", "remove", "", None, 1, True])
async def test_unprotect_bad_action_is_refused(
    client: ParticleClient, guard: respx.MockRouter, action: object
) -> None:
    await expect_invalid(client.devices.unprotect(DEV, action), guard)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "org", ["", ".", "..", "a/b", "a?b", "a#b", "a\\b", "a\x00b", "x" * 257, 5]
)
async def test_unprotect_bad_org_is_refused(
    client: ParticleClient, guard: respx.MockRouter, org: object
) -> None:
    await expect_invalid(client.devices.unprotect(DEV, "prepare", org=org), guard)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "key",
    ["server_nonce", "device_nonce", "device_signature", "device_public_key_fingerprint"],
)
@pytest.mark.parametrize("value", ["", "a\x00b", "a\nb", "x" * 4097, 5, b"bytes"])
async def test_unprotect_bad_values_are_refused(
    client: ParticleClient, guard: respx.MockRouter, key: str, value: object
) -> None:
    await expect_invalid(client.devices.unprotect(DEV, "confirm", **{key: value}), guard)


# --------------------------------------------------------------------------- public keys


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(devices_module, "_epoch_ms", lambda: NOW_MS)
    return NOW_MS


@pytest.mark.parametrize("algorithm", ["rsa", "ecc"])
async def test_send_public_key_sends_exactly_the_provisioning_body(
    client: ParticleClient, api: respx.MockRouter, fixed_clock: int, algorithm: str
) -> None:
    api.route().respond(json={"ok": True})

    result = await client.devices.send_public_key(DEV, PUBLIC_KEY, algorithm=algorithm)  # type: ignore[arg-type]

    check_request(
        only_request(api),
        "POST",
        f"/v1/provisioning/{DEV}",
        body={
            "deviceID": DEV,
            "publicKey": PUBLIC_KEY,
            "filename": "particle-api",
            "order": "manual_1700000000123",
            "algorithm": algorithm,
        },
    )
    assert result is None


async def test_send_public_key_defaults_to_rsa(
    client: ParticleClient, api: respx.MockRouter, fixed_clock: int
) -> None:
    api.route().respond(json={"ok": True})

    await client.devices.send_public_key(DEV, PUBLIC_KEY)

    assert json.loads(only_request(api).content)["algorithm"] == "rsa"


async def test_send_public_key_order_uses_the_current_time(
    client: ParticleClient, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.route().respond(json={"ok": True})
    stamps = iter([1_600_000_000_001, 1_600_000_000_999])
    monkeypatch.setattr(devices_module, "_epoch_ms", lambda: next(stamps))

    await client.devices.send_public_key(DEV, PUBLIC_KEY)
    await client.devices.send_public_key(DEV, PUBLIC_KEY)

    orders = [json.loads(call.request.content)["order"] for call in api.calls]
    assert orders == ["manual_1600000000001", "manual_1600000000999"]


@pytest.mark.parametrize("as_type", [bytes, bytearray], ids=["bytes", "bytearray"])
async def test_send_public_key_decodes_bytes(
    client: ParticleClient, api: respx.MockRouter, fixed_clock: int, as_type: type
) -> None:
    api.route().respond(json={"ok": True})

    await client.devices.send_public_key(DEV, as_type(PUBLIC_KEY.encode("ascii")))

    sent = json.loads(only_request(api).content)
    assert sent["publicKey"] == PUBLIC_KEY
    assert isinstance(sent["publicKey"], str)


async def test_send_public_key_refused_by_the_cloud_raises(
    client: ParticleClient, api: respx.MockRouter, fixed_clock: int
) -> None:
    api.route().respond(json={"ok": False, "error": "key rejected"})

    with pytest.raises(APIError):
        await client.devices.send_public_key(DEV, PUBLIC_KEY)


@pytest.mark.parametrize("algorithm", ["RSA", "dsa", "", None, 1])
async def test_send_public_key_bad_algorithm_is_refused(
    client: ParticleClient, guard: respx.MockRouter, algorithm: object
) -> None:
    await expect_invalid(
        client.devices.send_public_key(DEV, PUBLIC_KEY, algorithm=algorithm),  # type: ignore[arg-type]
        guard,
    )


@pytest.mark.parametrize(
    "key",
    ["", b"", " \n", None, 5, "k\x00ey", "é".encode(), "x" * 16_385],
    ids=["empty", "empty-bytes", "blank", "None", "int", "nul", "non-ascii-bytes", "too-long"],
)
async def test_send_public_key_bad_key_is_refused(
    client: ParticleClient, guard: respx.MockRouter, key: object
) -> None:
    await expect_invalid(client.devices.send_public_key(DEV, key), guard)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- manufacturing backup

BACKUP = b"PK\x03\x04\x14\x00\x00\x00backup\x00\xff\xfe"


def check_backup_request(request: httpx.Request) -> None:
    check_request(request, "PUT", f"/v1/devices/{DEV}/backup_files", accept="*/*")


async def test_download_manufacturing_backup_returns_the_bytes(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, content=BACKUP, headers={"content-type": "application/zip"})

    data = await client.devices.download_manufacturing_backup(DEV)

    check_backup_request(only_request(api))
    assert data == BACKUP
    assert isinstance(data, bytes)


async def test_download_manufacturing_backup_does_not_decode_json(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, content=b'{"ok": false}', headers={"content-type": "text/json"})

    data = await client.devices.download_manufacturing_backup(DEV)

    assert data == b'{"ok": false}'


async def test_download_manufacturing_backup_to_a_file(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(200, content=BACKUP)
    progress: list[tuple[int, int | None]] = []

    written = await client.devices.download_manufacturing_backup(
        DEV, to=str(tmp_path / "backup.zip"), progress=lambda r, t: progress.append((r, t))
    )

    check_backup_request(only_request(api))
    assert written == tmp_path / "backup.zip"
    assert isinstance(written, Path)
    assert written.read_bytes() == BACKUP
    assert files_in(tmp_path) == ["backup.zip"]
    assert progress[0] == (0, len(BACKUP))
    assert progress[-1] == (len(BACKUP), len(BACKUP))


async def test_download_manufacturing_backup_not_found_raises(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(404, json={"error": "No backup files for this device"})

    with pytest.raises(NotFoundError) as caught:
        await client.devices.download_manufacturing_backup(DEV, to=tmp_path / "backup.zip")

    assert "No backup files for this device" in str(caught.value)
    assert files_in(tmp_path) == []
    assert len(api.calls) == 1


# --------------------------------------------------------------------------- bad input

BAD_IDS = [
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
BAD_ID_NAMES = [
    "None",
    "empty",
    "dot",
    "dotdot",
    "slash",
    "question",
    "hash",
    "backslash",
    "nul",
    "newline",
    "too-long",
    "events",
    "int",
]


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={"ok": True, "claim_code": "x", **load("device.json")})
    return api


DeviceCall = Callable[[Devices, Any], Awaitable[object]]

#: Operations with the device id in the URL path.
PATH_ID_CALLS: dict[str, DeviceCall] = {
    "unprotect": lambda d, dev: d.unprotect(dev, "prepare"),
    "unprotect-product": lambda d, dev: d.unprotect(dev, "confirm", product=PRODUCT_ID),
    "unprotect-org": lambda d, dev: d.unprotect(dev, "prepare", org="acme-corp"),
    "send_public_key": lambda d, dev: d.send_public_key(dev, PUBLIC_KEY),
    "send_public_key-ecc": lambda d, dev: d.send_public_key(dev, PUBLIC_KEY, algorithm="ecc"),
    "download_manufacturing_backup": lambda d, dev: d.download_manufacturing_backup(dev),
    "download_manufacturing_backup-to": lambda d, dev: d.download_manufacturing_backup(
        dev, to="unused-backup.zip"
    ),
}


@pytest.mark.parametrize("bad", BAD_IDS, ids=BAD_ID_NAMES)
@pytest.mark.parametrize("call", list(PATH_ID_CALLS.values()), ids=list(PATH_ID_CALLS))
async def test_bad_device_id_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, call: DeviceCall, bad: object
) -> None:
    await expect_invalid(call(client.devices, bad), guard)


#: `add` puts the id in the JSON body, where only text checks apply (`None` means "use file=").
BAD_BODY_IDS = ["", "a\x00b", "a\nb", "x" * 257, 123, b"bytes"]


@pytest.mark.parametrize(
    "bad", BAD_BODY_IDS, ids=["empty", "nul", "newline", "too-long", "int", "bytes"]
)
async def test_add_bad_device_id_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, bad: object
) -> None:
    await expect_invalid(client.devices.add(bad, product=PRODUCT_ID), guard)  # type: ignore[arg-type]


async def test_add_needs_exactly_one_of_device_id_and_file(
    client: ParticleClient, guard: respx.MockRouter
) -> None:
    await expect_invalid(client.devices.add(DEV, product=PRODUCT_ID, file=DEVICE_LIST), guard)
    await expect_invalid(client.devices.add(product=PRODUCT_ID), guard)


@pytest.mark.parametrize(
    "file",
    ["devices.txt", 5, io.StringIO("text mode")],
    ids=["str", "int", "text-file"],
)
async def test_add_bad_file_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, file: object
) -> None:
    await expect_invalid(client.devices.add(product=PRODUCT_ID, file=file), guard)  # type: ignore[arg-type]


BAD_PRODUCTS = [None, True, -1, "", ".", "..", "a/b", "a?b", "a#b", "a\x00b", "x" * 257, 1.5]
BAD_PRODUCT_NAMES = [
    "None",
    "bool",
    "negative",
    "empty",
    "dot",
    "dotdot",
    "slash",
    "question",
    "hash",
    "nul",
    "too-long",
    "float",
]

PRODUCT_CALLS: dict[str, DeviceCall] = {
    "add": lambda d, p: d.add(DEV, product=p),
    "add-file": lambda d, p: d.add(product=p, file=DEVICE_LIST),
    "provision": lambda d, p: d.provision(product=p),
}


@pytest.mark.parametrize("bad", BAD_PRODUCTS, ids=BAD_PRODUCT_NAMES)
@pytest.mark.parametrize("call", list(PRODUCT_CALLS.values()), ids=list(PRODUCT_CALLS))
async def test_bad_product_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, call: DeviceCall, bad: object
) -> None:
    await expect_invalid(call(client.devices, bad), guard)


SCOPED_CALLS: dict[str, DeviceCall] = {
    "create_claim_code": lambda d, p: d.create_claim_code(product=p),
    "unprotect": lambda d, p: d.unprotect(DEV, "prepare", product=p),
}


@pytest.mark.parametrize("bad", BAD_PRODUCTS[1:], ids=BAD_PRODUCT_NAMES[1:])
@pytest.mark.parametrize("call", list(SCOPED_CALLS.values()), ids=list(SCOPED_CALLS))
async def test_bad_optional_product_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, call: DeviceCall, bad: object
) -> None:
    await expect_invalid(call(client.devices, bad), guard)


@pytest.mark.parametrize(
    "iccid",
    ["", "abc", "123456789", "8931440400012345678901234567", "8931 4404", "8931\x00", 8931440400],
    ids=["empty", "letters", "too-short", "too-long", "space", "nul", "int"],
)
async def test_create_claim_code_bad_iccid_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, iccid: object
) -> None:
    await expect_invalid(client.devices.create_claim_code(iccid=iccid), guard)  # type: ignore[arg-type]
