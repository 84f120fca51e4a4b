"""Models of the devices API group."""

from __future__ import annotations

from pydantic import Field, SecretStr

from ._base import ParticleModel, UTCDateTime

__all__ = [
    "ClaimCode",
    "ClaimResult",
    "CoreInfo",
    "Device",
    "DeviceImportResult",
    "DeviceProtection",
    "FunctionResult",
    "UnprotectResult",
    "UpdatedDevice",
    "VariableValue",
]


class DeviceProtection(ParticleModel):
    """Whether a product device is protected (`status`, such as `"active"`)."""

    status: str | None = None


class Device(ParticleModel):
    """A device, as listed (`devices.list`) or in full detail (`devices.get`).

    List items carry the summary fields; `get` adds `functions`, `variables`, firmware and
    fleet fields. Anything the cloud omits is `None` (or empty).

    Product devices also say whether they wait in quarantine (`quarantined`) or were denied
    (`denied`). `mobile_secret` is a credential: a `SecretStr`, left out of `repr`.
    `connected`, `last_iccid` and `current_build_target` are deprecated by Particle (use
    `online`, `iccid` and `system_firmware_version`): they still parse, and reading them
    warns with a `DeprecationWarning`.
    """

    id: str
    name: str | None = None
    platform_id: int | None = None
    product_id: int | None = None
    online: bool = False
    connected: bool | None = Field(default=None, deprecated="use Device.online")
    cellular: bool | None = None
    status: str | None = None
    notes: str | None = None
    serial_number: str | None = None
    iccid: str | None = None
    last_iccid: str | None = Field(default=None, deprecated="use Device.iccid")
    imei: str | None = None
    mac_wifi: str | None = None
    last_app: str | None = None
    last_ip_address: str | None = None
    last_heard: UTCDateTime | None = None
    last_handshake_at: UTCDateTime | None = None
    functions: list[str] = Field(default_factory=list)
    variables: dict[str, str] = Field(default_factory=dict)
    system_firmware_version: str | None = None
    current_build_target: str | None = Field(
        default=None, deprecated="use Device.system_firmware_version"
    )
    default_build_target: str | None = None
    pinned_build_target: str | None = None
    firmware_version: int | None = None
    firmware_product_id: int | None = None
    desired_firmware_version: int | None = None
    targeted_firmware_release_version: int | None = None
    firmware_updates_enabled: bool | None = None
    firmware_updates_forced: bool | None = None
    development: bool | None = None
    quarantined: bool | None = None
    denied: bool | None = None
    owner: str | None = None
    groups: list[str] = Field(default_factory=list)
    mobile_secret: SecretStr | None = Field(default=None, repr=False)
    device_protection: DeviceProtection | None = None


class UpdatedDevice(ParticleModel):
    """What the cloud echoes after a device update (`PUT`): the id and the changed fields."""

    id: str | None = None
    name: str | None = None
    notes: str | None = None
    signaling: bool | None = None
    development: bool | None = None
    desired_firmware_version: int | None = None
    product_id: int | None = None
    groups: list[str] | None = None
    firmware_updates_forced: bool | None = None
    updated_at: UTCDateTime | None = None


class CoreInfo(ParticleModel):
    """The device summary attached to a variable read."""

    name: str | None = None
    device_id: str | None = Field(default=None, alias="deviceID")
    connected: bool | None = None
    last_app: str | None = None
    last_heard: UTCDateTime | None = None
    last_handshake_at: UTCDateTime | None = None
    product_id: int | None = None


class VariableValue(ParticleModel):
    """The value of a cloud variable (`devices.get_variable`)."""

    name: str | None = None
    result: bool | int | float | str
    core_info: CoreInfo | None = Field(default=None, alias="coreInfo")


class FunctionResult(ParticleModel):
    """The outcome of a cloud function call: `return_value` is the firmware handler's int
    (every successful call carries it; a 2xx answer without it is an
    `APIResponseValidationError`)."""

    id: str | None = None
    name: str | None = None
    connected: bool | None = None
    return_value: int


class ClaimResult(ParticleModel):
    """The answer to a claim request."""

    ok: bool = True
    device_id: str | None = Field(default=None, alias="deviceID")
    claimed: bool | None = None
    user_id: str | None = None
    transfer_id: str | None = None


class DeviceImportResult(ParticleModel):
    """The outcome of adding devices to a product (one id, many, or a file listing many) or of
    approving a quarantined device."""

    ok: bool | None = None
    updated: int | None = None
    updated_device_ids: list[str] = Field(default_factory=list, alias="updatedDeviceIds")
    existing_device_ids: list[str] = Field(default_factory=list, alias="existingDeviceIds")
    non_member_device_ids: list[str] = Field(default_factory=list, alias="nonmemberDeviceIds")
    invalid_device_ids: list[str] = Field(default_factory=list, alias="invalidDeviceIds")
    protected_device_ids: list[str] = Field(default_factory=list, alias="protectedDeviceIds")


class ClaimCode(ParticleModel):
    """A claim code (valid for one hour) and the devices already claimed by its owner."""

    claim_code: str
    device_ids: list[str] = Field(default_factory=list)


class UnprotectResult(ParticleModel):
    """A step of removing device protection (`server_nonce` comes back from `prepare`)."""

    ok: bool | None = None
    server_nonce: str | None = None
    device_protected: bool | None = None
