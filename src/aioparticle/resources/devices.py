"""Devices: listing, details, updates, cloud variables and functions, product fleet operations
(group membership, quarantine)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, overload

from pydantic import TypeAdapter

from .._exceptions import InvalidArgumentError
from .._files import file_part
from .._pagination import AsyncPaginator, Page, page_parser, page_size
from .._parsing import parse_ack, parse_adapter, parse_json, parse_model
from .._paths import (
    MAX_FUNCTION_ARG_LENGTH,
    MAX_ID_LENGTH,
    check_text,
    cloud_name,
    product_segment,
    scope_prefix,
)
from ..models._base import ParticleModel
from ..models.devices import (
    ClaimCode,
    ClaimResult,
    Device,
    DeviceImportResult,
    FunctionResult,
    UnprotectResult,
    UpdatedDevice,
    VariableValue,
)
from ._base import Resource
from ._checks import (
    comma_list,
    device_segment,
    flag,
    free_text,
    group_names,
    iccid_segment,
    name_list,
    org_prefix,
    positive_int,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..types import FileInput, JSONValue, ProductRef, ProgressCallback, StrPath

__all__ = ["DeviceAttributes", "Devices"]

#: Longest device notes accepted.
MAX_NOTES_LENGTH = 65_536


class DeviceAttributes(TypedDict, total=False):
    """Attributes `Devices.update` can change; the last three need `product=`."""

    name: str
    """The device's new name."""
    signal: bool
    """`True` to make the device signal (its LED shows a rainbow pattern), `False` to stop."""
    notes: str
    """The device's new notes."""
    development: bool
    """Whether the product device is a development device (needs `product=`)."""
    desired_firmware_version: int | None
    """The product firmware version to lock the device to; `None` unlocks it (needs `product=`)."""
    flash: bool
    """Whether to flash the locked firmware version at once (needs `product=`)."""


_USER_ATTRIBUTES = frozenset({"name", "signal", "notes"})
_PRODUCT_ATTRIBUTES = frozenset({"development", "desired_firmware_version", "flash"})


class _Ping(ParticleModel):
    online: bool = False
    ok: bool | None = None


_parse_device_list = parse_adapter(TypeAdapter(list[Device]))
_parse_product_page = page_parser(Device, "devices")
_parse_device = parse_model(Device)
_parse_updated = parse_model(UpdatedDevice)
_parse_variable = parse_model(VariableValue)
_parse_function = parse_model(FunctionResult)
_parse_claim = parse_model(ClaimResult)
_parse_ping = parse_model(_Ping)
_parse_import = parse_model(DeviceImportResult)
_parse_claim_code = parse_model(ClaimCode)
_parse_unprotect = parse_model(UnprotectResult)


def _parse_import_leniently(content: bytes) -> DeviceImportResult:
    # Particle's reference shows no answer for approving a quarantined device: take an import
    # result if one comes, and an empty one for anything else (no body, `{"ok": true}`, ...).
    body = parse_json(content)
    return DeviceImportResult.model_validate(body if isinstance(body, dict) else {})


#: Longest public key (PEM text) accepted.
MAX_PUBLIC_KEY_LENGTH = 16_384


def function_arg(arg: object) -> str:
    """A function argument: text of at most 1024 bytes of UTF-8."""
    text = check_text(arg, "arg", max_length=MAX_FUNCTION_ARG_LENGTH, allow_empty=True)
    if len(text.encode("utf-8")) > MAX_FUNCTION_ARG_LENGTH:
        raise InvalidArgumentError(
            f"arg is too long ({len(text.encode('utf-8'))} bytes of UTF-8, at most "
            f"{MAX_FUNCTION_ARG_LENGTH})"
        )
    return text


def _epoch_ms() -> int:
    return int(time.time() * 1000)


_device = device_segment


def _device_path(device_id: object, product: ProductRef | None) -> str:
    return f"{scope_prefix(product)}/devices/{_device(device_id)}"


_member = cloud_name


def _notes(notes: object) -> str:
    # Free text in the JSON body (never in a URL): newlines and tabs are fine.
    if not isinstance(notes, str):
        raise InvalidArgumentError(f"notes must be a str, got {type(notes).__name__}")
    if len(notes) > MAX_NOTES_LENGTH:
        raise InvalidArgumentError(
            f"notes is too long ({len(notes)} characters, at most {MAX_NOTES_LENGTH})"
        )
    return notes


def _device_name(name: object) -> str:
    return check_text(name, "name", max_length=MAX_ID_LENGTH)


def _attributes_body(
    attributes: dict[str, Any], *, product: ProductRef | None
) -> dict[str, JSONValue]:
    unknown = set(attributes) - _USER_ATTRIBUTES - _PRODUCT_ATTRIBUTES
    if unknown:
        raise TypeError(f"update() got unexpected attributes: {', '.join(sorted(unknown))}")
    if not attributes:
        raise InvalidArgumentError("update() needs at least one attribute to change")
    if product is None:
        product_only = sorted(set(attributes) & _PRODUCT_ATTRIBUTES)
        if product_only:
            raise InvalidArgumentError(
                f"{', '.join(product_only)} can only be set in product scope: pass product="
            )
    body: dict[str, JSONValue] = {}
    for key, value in attributes.items():
        if key == "name":
            body[key] = _device_name(value)
        elif key == "notes":
            body[key] = _notes(value)
        elif key == "signal":
            body[key] = "1" if flag(value, "signal") else "0"
        elif key == "desired_firmware_version":
            body[key] = None if value is None else positive_int(value, key)
        else:
            body[key] = flag(value, key)
    return body


class Devices(Resource):
    """Devices visible to the token, or to one product with `product=`."""

    __slots__ = ()

    def list(
        self,
        *,
        product: ProductRef | None = None,
        device_id: str | None = None,
        device_name: str | None = None,
        groups: Sequence[str] | None = None,
        sort_attr: str | None = None,
        sort_dir: Literal["asc", "desc"] | None = None,
        page: int | None = None,
        per_page: int | None = None,
        quarantined: bool | None = None,
        serial_number: str | None = None,
    ) -> AsyncPaginator[Device]:
        """List devices: `await` for the first page, `async for` for every device.

        In user scope the cloud returns every device in one page and honours no filter, so
        the filters and `page`/`per_page` raise `ValueError` without `product=`.

        Product filters: `device_id` (prefix), `device_name` and `serial_number` (partial
        match), `groups` (any of them), `quarantined` (`True`: only the devices waiting in
        quarantine). `sort_attr` is one of Particle's documented `deviceName`, `deviceId`,
        `firmwareVersion`, `lastConnection` (other values are passed on as given).
        The page size is sent as `per_page`, as every Particle client sends it; Particle's
        reference documents this listing's key as `perPage`.
        """
        filters: dict[str, str | int | bool | None] = {
            "deviceId": None
            if device_id is None
            else check_text(device_id, "device_id", max_length=MAX_ID_LENGTH),
            "deviceName": None
            if device_name is None
            else check_text(device_name, "device_name", max_length=MAX_ID_LENGTH),
            "groups": None if groups is None else comma_list(groups, "groups"),
            "sortAttr": None
            if sort_attr is None
            else check_text(sort_attr, "sort_attr", max_length=64),
            "sortDir": None if sort_dir is None else _sort_dir(sort_dir),
            "serialNumber": None
            if serial_number is None
            else check_text(serial_number, "serial_number", max_length=MAX_ID_LENGTH),
            "quarantined": None if quarantined is None else flag(quarantined, "quarantined"),
            "per_page": None if per_page is None else page_size(per_page),
        }
        if page is not None:
            positive_int(page, "page")
        request = self._request
        if product is None:
            given = [k for k, v in filters.items() if v is not None] + (
                ["page"] if page is not None else []
            )
            if given:
                raise InvalidArgumentError(
                    f"device list filters ({', '.join(given)}) are only honoured in product "
                    "scope: pass product="
                )

            async def fetch_user(_: int | None) -> Page[Device]:
                devices = await request("GET", "/v1/devices", parse=_parse_device_list)
                return Page(devices)

            return AsyncPaginator(fetch_user, label="GET /v1/devices")

        return self._paginate(
            f"{scope_prefix(product)}/devices",
            _parse_product_page,
            params=filters,
            page=page,
            per_page=filters["per_page"] if isinstance(filters["per_page"], int) else None,
        )

    async def get(self, device_id: str, *, product: ProductRef | None = None) -> Device:
        """Return one device in full (functions, variables, firmware and fleet fields).

        `device_id` may also be the device's name in user scope.
        """
        return await self._request("GET", _device_path(device_id, product), parse=_parse_device)

    async def rename(
        self, device_id: str, name: str, *, product: ProductRef | None = None
    ) -> UpdatedDevice:
        """Rename a device."""
        return await self._put(device_id, {"name": _device_name(name)}, product=product)

    async def set_notes(
        self, device_id: str, notes: str, *, product: ProductRef | None = None
    ) -> UpdatedDevice:
        """Replace a device's notes (an empty string clears them)."""
        return await self._put(device_id, {"notes": _notes(notes)}, product=product)

    async def signal(
        self, device_id: str, on: bool, *, product: ProductRef | None = None
    ) -> UpdatedDevice:
        """Start (`on=True`) or stop the device's rainbow LED. Not retried once sent."""
        body = {"signal": "1" if flag(on, "on") else "0"}
        return await self._put(device_id, body, product=product, idempotent=False)

    async def ping(self, device_id: str, *, product: ProductRef | None = None) -> bool:
        """Ask the cloud to ping the device; `True` if it answered (it is online)."""
        result = await self._request(
            "PUT", f"{_device_path(device_id, product)}/ping", parse=_parse_ping
        )
        return result.online

    async def claim(self, device_id: str, *, request_transfer: bool = False) -> ClaimResult:
        """Claim a device for this account; `request_transfer=True` asks its owner to hand over."""
        body: dict[str, JSONValue] = {
            "id": _device(device_id),
            "request_transfer": flag(request_transfer, "request_transfer"),
        }
        return await self._request(
            "POST", "/v1/devices", json=body, parse=_parse_claim, idempotent=False
        )

    async def remove(
        self,
        device_id: str,
        *,
        product: ProductRef | None = None,
        deny: bool | None = None,
    ) -> None:
        """Unclaim a device, or remove it from a product (`deny=True` denies a quarantined one)."""
        path = _device_path(device_id, product)
        if product is None:
            if deny is not None:
                raise InvalidArgumentError("deny= is only honoured in product scope: pass product=")
            await self._request("DELETE", path, parse=parse_ack)
            return
        body: dict[str, JSONValue] = {} if deny is None else {"deny": flag(deny, "deny")}
        await self._request("DELETE", path, json=body, parse=parse_ack)

    async def deny(self, device_id: str, *, product: ProductRef) -> None:
        """Deny a device waiting in the product's quarantine: it is removed and may not join
        again (the same request as `remove(device_id, product=..., deny=True)`)."""
        await self.remove(device_id, product=self._require_product(product), deny=True)

    async def get_variable(
        self, device_id: str, name: str, *, product: ProductRef | None = None
    ) -> VariableValue:
        """Read a cloud variable. Raises `DeviceOfflineError` or `UnknownVariableError` (404)."""
        path = f"{_device_path(device_id, product)}/{_member(name, 'variable name')}"
        return await self._request("GET", path, parse=_parse_variable)

    async def call_function(
        self,
        device_id: str,
        name: str,
        arg: str = "",
        *,
        product: ProductRef | None = None,
    ) -> FunctionResult:
        """Call a cloud function with `arg` (at most 1024 bytes of UTF-8).

        Never retried once the request may have reached the device. Raises
        `DeviceOfflineError` or `UnknownFunctionError` (404).
        """
        path = f"{_device_path(device_id, product)}/{_member(name, 'function name')}"
        text = function_arg(arg)
        return await self._request(
            "POST", path, json={"arg": text}, parse=_parse_function, idempotent=False
        )

    async def update(
        self,
        device_id: str,
        *,
        product: ProductRef | None = None,
        **attributes: Unpack[DeviceAttributes],
    ) -> UpdatedDevice:
        """Change several attributes at once (`name`, `signal`, `notes`; with `product=` also
        `development`, `desired_firmware_version` (`None` unlocks) and `flash`).

        Not retried once sent when it includes `signal` or `flash`.
        """
        body = _attributes_body(dict(attributes), product=product)
        idempotent = "signal" not in body and "flash" not in body
        return await self._put(device_id, body, product=product, idempotent=idempotent)

    async def remove_owner(self, device_id: str, *, product: ProductRef) -> None:
        """Unclaim a product device from its owner while keeping it in the product."""
        product = self._require_product(product)
        await self._request("DELETE", f"{_device_path(device_id, product)}/owner", parse=parse_ack)

    async def set_development(
        self, device_id: str, development: bool = True, *, product: ProductRef
    ) -> UpdatedDevice:
        """Mark a product device as a development device (or return it to fleet updates)."""
        product = self._require_product(product)
        body = {"development": flag(development, "development")}
        return await self._put(device_id, body, product=product)

    async def lock_firmware(
        self,
        device_id: str,
        version: int,
        *,
        product: ProductRef,
        flash: bool | None = None,
    ) -> UpdatedDevice:
        """Pin a product device to firmware `version`; `flash=True` pushes it now."""
        product = self._require_product(product)
        body: dict[str, JSONValue] = {"desired_firmware_version": positive_int(version, "version")}
        if flash is not None:
            body["flash"] = flag(flash, "flash")
        return await self._put(device_id, body, product=product, idempotent=not flash)

    async def unlock_firmware(self, device_id: str, *, product: ProductRef) -> UpdatedDevice:
        """Unpin a product device's firmware (sends `desired_firmware_version: null`)."""
        product = self._require_product(product)
        return await self._put(device_id, {"desired_firmware_version": None}, product=product)

    async def add(
        self,
        device_id: str | None = None,
        *,
        product: ProductRef,
        device_ids: Sequence[str] | None = None,
        file: FileInput | None = None,
        import_sims: bool | None = None,
        claim_user: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> DeviceImportResult:
        """Add devices to a product (or approve a quarantined one).

        Pass exactly one of: one device id (or serial number, IMEI or ICCID), `device_ids=`
        (many, sent as a JSON array), or `file=` (a one-column list of many, uploaded as the
        multipart part `file`). `import_sims=True` also imports their SIM cards;
        `claim_user=` (the e-mail of a team member) claims them for that user.
        `progress(sent, total)` follows the upload of a `file=` (and needs one).
        """
        product = self._require_product(product)
        given = [device_id is not None, device_ids is not None, file is not None]
        if given.count(True) != 1:
            raise InvalidArgumentError(
                "add() takes exactly one of a device_id, device_ids= or file="
            )
        if progress is not None and file is None:
            raise InvalidArgumentError("add(): progress= follows the upload of a file=")
        options: dict[str, JSONValue] = {}
        if import_sims is not None:
            options["import_sims"] = flag(import_sims, "import_sims")
        if claim_user is not None:
            options["claim_user"] = check_text(claim_user, "claim_user", max_length=MAX_ID_LENGTH)
        if file is not None:
            path = f"{scope_prefix(product)}/devices"
            fields = {
                key: ("true" if value else "false") if isinstance(value, bool) else str(value)
                for key, value in options.items()
            }
            part = file_part("file", file, default_filename="file", what="file")
            return await self._request(
                "POST",
                path,
                data=fields or None,
                parts=[part],
                parse=_parse_import,
                progress=progress,
            )
        body: dict[str, JSONValue]
        if device_ids is not None:
            body = {"ids": list(name_list(device_ids, "device_ids", max_length=MAX_ID_LENGTH))}
        else:
            body = {"id": check_text(device_id, "device_id", max_length=MAX_ID_LENGTH)}
        return await self._import(product, {**body, **options}, parse=_parse_import)

    async def approve(self, device_id: str, *, product: ProductRef) -> DeviceImportResult:
        """Approve a device waiting in the product's quarantine: it joins the product (the same
        request as `add(device_id, product=...)`).

        Particle's reference shows no answer body for this call: an import result is parsed
        if one comes, and any other 2xx answer gives an empty `DeviceImportResult`.
        """
        product = self._require_product(product)
        body: dict[str, JSONValue] = {
            "id": check_text(device_id, "device_id", max_length=MAX_ID_LENGTH)
        }
        return await self._import(product, body, parse=_parse_import_leniently)

    async def set_groups(
        self, device_id: str, groups: Sequence[str], *, product: ProductRef
    ) -> UpdatedDevice:
        """Set the groups of a product device. Absolute: the device leaves every group not
        listed (`[]` removes it from all); names the product does not have yet are created."""
        product = self._require_product(product)
        body: dict[str, JSONValue] = {"groups": list(group_names(groups, allow_empty=True))}
        return await self._put(device_id, body, product=product)

    async def update_groups(
        self,
        device_ids: Sequence[str],
        *,
        product: ProductRef,
        add: Sequence[str] | None = None,
        remove: Sequence[str] | None = None,
    ) -> None:
        """Add many product devices to groups (`add`) and/or take them out of groups
        (`remove`), keeping their other memberships."""
        product = self._require_product(product)
        ids = name_list(device_ids, "device_ids", max_length=MAX_ID_LENGTH)
        metadata: dict[str, JSONValue] = {}
        if add is not None:
            metadata["add"] = list(group_names(add, "add"))
        if remove is not None:
            metadata["remove"] = list(group_names(remove, "remove"))
        if not metadata:
            raise InvalidArgumentError("update_groups() needs add= or remove= (or both)")
        body: dict[str, JSONValue] = {
            "action": "groups",
            "devices": list(ids),
            "metadata": metadata,
        }
        await self._request("PUT", f"{scope_prefix(product)}/devices", json=body, parse=parse_ack)

    async def force_updates(
        self, device_id: str, forced: bool = True, *, product: ProductRef | None = None
    ) -> UpdatedDevice:
        """Force-enable over-the-air updates on a device (`forced=False` lets the device's
        firmware decide again)."""
        body = {"firmware_updates_forced": flag(forced, "forced")}
        return await self._put(device_id, body, product=product)

    async def provision(self, *, product: ProductRef) -> Device:
        """Create a new device in a product that allows self-provisioning."""
        product = self._require_product(product)
        product_segment(product)
        return await self._request(
            "POST", "/v1/devices", json={"product_id": product}, parse=_parse_device
        )

    async def create_claim_code(
        self, *, iccid: str | None = None, product: ProductRef | None = None
    ) -> ClaimCode:
        """Create a claim code (valid for one hour) for setting up a new device.

        With `product=` the cloud demands a token of one of the product's customers: use
        `client.with_options(access_token=customer_token)`.
        """
        body: dict[str, JSONValue] = {}
        if iccid is not None:
            body["iccid"] = iccid_segment(iccid)
        return await self._request(
            "POST", f"{scope_prefix(product)}/device_claims", json=body, parse=_parse_claim_code
        )

    async def unprotect(
        self,
        device_id: str,
        action: Literal["prepare", "confirm"],
        *,
        server_nonce: str | None = None,
        device_nonce: str | None = None,
        device_signature: str | None = None,
        device_public_key_fingerprint: str | None = None,
        product: ProductRef | None = None,
        org: str | None = None,
    ) -> UnprotectResult:
        """One step of removing device protection: `prepare`, then `confirm` with the nonces
        and signature (base64) the device produced."""
        if action not in ("prepare", "confirm"):
            raise InvalidArgumentError(f"action must be 'prepare' or 'confirm', got {action!r}")
        if org is not None:
            if product is not None:
                raise InvalidArgumentError("pass product= or org=, not both")
            prefix = org_prefix(org)
        else:
            prefix = scope_prefix(product)
        body: dict[str, JSONValue] = {"action": action}
        for key, value in (
            ("server_nonce", server_nonce),
            ("device_nonce", device_nonce),
            ("device_signature", device_signature),
            ("device_public_key_fingerprint", device_public_key_fingerprint),
        ):
            if value is not None:
                body[key] = check_text(value, key, max_length=4096)
        path = f"{prefix}/devices/{_device(device_id)}/unprotect"
        return await self._request("PUT", path, json=body, parse=_parse_unprotect)

    async def send_public_key(
        self,
        device_id: str,
        key: str | bytes,
        *,
        algorithm: Literal["rsa", "ecc"] = "rsa",
    ) -> None:
        """Register a device's public key (PEM text) with the cloud."""
        if algorithm not in ("rsa", "ecc"):
            raise InvalidArgumentError(f"algorithm must be 'rsa' or 'ecc', got {algorithm!r}")
        if isinstance(key, (bytes, bytearray)):
            try:
                key = bytes(key).decode("ascii")
            except UnicodeDecodeError:
                raise InvalidArgumentError("key must be PEM text (ASCII)") from None
        text = free_text(key, "key", max_length=MAX_PUBLIC_KEY_LENGTH)  # PEM has newlines
        if not text.strip():
            raise InvalidArgumentError("key must not be empty")
        body: dict[str, JSONValue] = {
            "deviceID": check_text(device_id, "device_id", max_length=MAX_ID_LENGTH),
            "publicKey": text,
            "filename": "particle-api",
            "order": f"manual_{_epoch_ms()}",
            "algorithm": algorithm,
        }
        await self._request(
            "POST", f"/v1/provisioning/{_device(device_id)}", json=body, parse=parse_ack
        )

    @overload
    async def download_manufacturing_backup(
        self, device_id: str, *, to: None = None, progress: ProgressCallback | None = None
    ) -> bytes: ...
    @overload
    async def download_manufacturing_backup(
        self, device_id: str, *, to: StrPath, progress: ProgressCallback | None = None
    ) -> Path: ...
    async def download_manufacturing_backup(
        self,
        device_id: str,
        *,
        to: StrPath | None = None,
        progress: ProgressCallback | None = None,
    ) -> bytes | Path:
        """Download a device's manufacturing backup archive (Tachyon): the bytes, or the
        `Path` written when `to=` is given. `progress(received, total)` follows the download."""
        path = f"/v1/devices/{_device(device_id)}/backup_files"
        return await self._download("PUT", path, to=to, progress=progress)

    async def _import(
        self,
        product: ProductRef,
        body: dict[str, JSONValue],
        *,
        parse: Callable[[bytes], DeviceImportResult],
    ) -> DeviceImportResult:
        return await self._request(
            "POST", f"{scope_prefix(product)}/devices", json=body, parse=parse
        )

    async def _put(
        self,
        device_id: str,
        body: Mapping[str, JSONValue],
        *,
        product: ProductRef | None,
        idempotent: bool = True,
    ) -> UpdatedDevice:
        return await self._request(
            "PUT",
            _device_path(device_id, product),
            json=body,
            parse=_parse_updated,
            idempotent=idempotent,
        )


def _sort_dir(value: object) -> str:
    if value not in ("asc", "desc"):
        raise InvalidArgumentError(f"sort_dir must be 'asc' or 'desc', got {value!r}")
    return str(value)
