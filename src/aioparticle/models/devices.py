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
    """The device protection state, such as `"active"`; `None` when not sent."""


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
    """The device id (24 hexadecimal characters)."""
    name: str | None = None
    """The device's name; `None` for a device without one."""
    platform_id: int | None = None
    """The id of the device's hardware platform (such as 12 for Argon, 13 for Boron)."""
    product_id: int | None = None
    """The id of the product the device belongs to, as the cloud sends it."""
    online: bool = False
    """Whether the device is connected to the cloud now (`False` when the cloud leaves it out)."""
    connected: bool | None = Field(default=None, deprecated="use Device.online")
    """Deprecated by Particle (use `online`): the same state under its old name; reading it
    warns."""
    cellular: bool | None = None
    """Whether the device connects over cellular."""
    status: str | None = None
    """The device's status as the cloud words it (such as `"normal"`)."""
    notes: str | None = None
    """Free-form notes kept on the device (`devices.set_notes`)."""
    serial_number: str | None = None
    """The serial number printed on the device's label."""
    iccid: str | None = None
    """The ICCID of the device's SIM card (cellular devices)."""
    last_iccid: str | None = Field(default=None, deprecated="use Device.iccid")
    """Deprecated by Particle (use `iccid`): the SIM's ICCID under its old name; reading it
    warns."""
    imei: str | None = None
    """The IMEI of the device's cellular modem (cellular devices)."""
    mac_wifi: str | None = None
    """The MAC address of the device's Wi-Fi interface (Wi-Fi devices)."""
    last_app: str | None = None
    """The wire field `last_app` as the cloud sends it (often `None`)."""
    last_ip_address: str | None = None
    """The public IP address the device last connected from."""
    last_heard: UTCDateTime | None = None
    """When the cloud last heard from the device (UTC)."""
    last_handshake_at: UTCDateTime | None = None
    """When the device last completed its handshake with the cloud (UTC)."""
    functions: list[str] = Field(default_factory=list)
    """The names of the cloud functions the firmware exposes (from `devices.get`; empty in
    listings)."""
    variables: dict[str, str] = Field(default_factory=dict)
    """The cloud variables the firmware exposes, name → type (`"int32"`, `"double"`, `"string"`,
    `"bool"`); from `devices.get`."""
    system_firmware_version: str | None = None
    """The Device OS version the device runs, such as `"5.8.0"`."""
    current_build_target: str | None = Field(
        default=None, deprecated="use Device.system_firmware_version"
    )
    """Deprecated by Particle (use `system_firmware_version`): the Device OS version under its
    old name; reading it warns."""
    default_build_target: str | None = None
    """The default build target (a Device OS version) the cloud keeps for the device."""
    pinned_build_target: str | None = None
    """The build target (a Device OS version) the device is pinned to; `None` when not pinned."""
    firmware_version: int | None = None
    """The version of the product firmware the device runs (product devices)."""
    firmware_product_id: int | None = None
    """The id of the product whose firmware the device runs (product devices)."""
    desired_firmware_version: int | None = None
    """The product firmware version the device is locked to (`devices.lock_firmware`); `None`
    when not locked."""
    targeted_firmware_release_version: int | None = None
    """The released product firmware version the cloud targets the device with (product devices)."""
    firmware_updates_enabled: bool | None = None
    """Whether the device accepts over-the-air firmware updates."""
    firmware_updates_forced: bool | None = None
    """Whether over-the-air firmware updates are forced on the device (`devices.force_updates`)."""
    development: bool | None = None
    """Whether the product device is a development device, left out of fleet-managed firmware
    updates (`devices.set_development`)."""
    quarantined: bool | None = None
    """Whether the product device waits in quarantine to be approved (`devices.approve`) or
    denied."""
    denied: bool | None = None
    """Whether the product device was denied (`devices.deny`)."""
    owner: str | None = None
    """The account that claimed the device (its e-mail address); `None` for an unclaimed device."""
    groups: list[str] = Field(default_factory=list)
    """The names of the device groups the product device belongs to."""
    mobile_secret: SecretStr | None = Field(default=None, repr=False)
    """The device's mobile secret: a credential, a `SecretStr` left out of `repr()`."""
    device_protection: DeviceProtection | None = None
    """Whether the product device is protected (device protection)."""


class UpdatedDevice(ParticleModel):
    """What the cloud echoes after a device update (`PUT`): the id and the changed fields."""

    id: str | None = None
    """The id of the updated device."""
    name: str | None = None
    """The device's name after the update, when the answer carries it."""
    notes: str | None = None
    """The device's notes after the update, when the answer carries it."""
    signaling: bool | None = None
    """Whether the device now signals (its LED shows a rainbow pattern), after `devices.signal`."""
    development: bool | None = None
    """Whether the device is now a development device, after `devices.set_development`."""
    desired_firmware_version: int | None = None
    """The product firmware version the device is now locked to; `None` when unlocked or not in
    the answer."""
    product_id: int | None = None
    """The id of the device's product, when the answer carries it."""
    groups: list[str] | None = None
    """The device's groups after `devices.set_groups` (which replaces every earlier membership)."""
    firmware_updates_forced: bool | None = None
    """Whether over-the-air updates are now forced, after `devices.force_updates`."""
    updated_at: UTCDateTime | None = None
    """When the cloud applied the update (UTC)."""


class CoreInfo(ParticleModel):
    """The device summary attached to a variable read."""

    name: str | None = None
    """The device's name."""
    device_id: str | None = Field(default=None, alias="deviceID")
    """The device id (`deviceID` on the wire)."""
    connected: bool | None = None
    """Whether the device was connected to the cloud when the value was read."""
    last_app: str | None = None
    """The wire field `last_app` as the cloud sends it (often `None`)."""
    last_heard: UTCDateTime | None = None
    """When the cloud last heard from the device (UTC)."""
    last_handshake_at: UTCDateTime | None = None
    """When the device last completed its handshake with the cloud (UTC)."""
    product_id: int | None = None
    """The id of the device's product, when the cloud sends it."""


class VariableValue(ParticleModel):
    """The value of a cloud variable (`devices.get_variable`)."""

    name: str | None = None
    """The variable's name."""
    result: bool | int | float | str
    """The variable's value: a number, a string or a boolean, by the type the firmware declared."""
    core_info: CoreInfo | None = Field(default=None, alias="coreInfo")
    """A summary of the device the value was read from (`coreInfo` on the wire)."""


class FunctionResult(ParticleModel):
    """The outcome of a cloud function call: `return_value` is the firmware handler's int."""

    id: str | None = None
    """The id of the device the function ran on."""
    name: str | None = None
    """The name of the device the function ran on."""
    connected: bool | None = None
    """Whether the device was connected to the cloud."""
    return_value: int | None = None
    """The integer the firmware's function handler returned."""


class ClaimResult(ParticleModel):
    """The answer to a claim request."""

    ok: bool = True
    """Whether the claim request succeeded (`True` when the cloud leaves it out)."""
    device_id: str | None = Field(default=None, alias="deviceID")
    """The id of the claimed device (`deviceID` on the wire)."""
    claimed: bool | None = None
    """Whether the device is now claimed."""
    user_id: str | None = None
    """The id of the account that claimed the device, when the cloud sends it."""
    transfer_id: str | None = None
    """The transfer's id, when the claim asked for a transfer (`request_transfer=True`) and the
    cloud sends one."""


class DeviceImportResult(ParticleModel):
    """The outcome of adding devices to a product (one id, many, or a file listing many) or of
    approving a quarantined device."""

    ok: bool | None = None
    """Whether the request succeeded, when the cloud says."""
    updated: int | None = None
    """How many devices were added to the product."""
    updated_device_ids: list[str] = Field(default_factory=list, alias="updatedDeviceIds")
    """The ids of the devices added (`updatedDeviceIds` on the wire)."""
    existing_device_ids: list[str] = Field(default_factory=list, alias="existingDeviceIds")
    """The ids of the devices already in the product (`existingDeviceIds` on the wire)."""
    non_member_device_ids: list[str] = Field(default_factory=list, alias="nonmemberDeviceIds")
    """The ids the cloud lists as non-members (`nonmemberDeviceIds` on the wire)."""
    invalid_device_ids: list[str] = Field(default_factory=list, alias="invalidDeviceIds")
    """The entries (ids, serials, IMEIs or ICCIDs) the cloud reports as invalid
    (`invalidDeviceIds` on the wire)."""
    protected_device_ids: list[str] = Field(default_factory=list, alias="protectedDeviceIds")
    """The ids the cloud lists as protected devices (`protectedDeviceIds` on the wire)."""


class ClaimCode(ParticleModel):
    """A claim code (valid for one hour) and the devices already claimed by its owner."""

    claim_code: str
    """The claim code: a device set up with it is claimed by the code's owner; valid for one
    hour."""
    device_ids: list[str] = Field(default_factory=list)
    """The ids of the devices the code's owner has already claimed."""


class UnprotectResult(ParticleModel):
    """A step of removing device protection (`server_nonce` comes back from `prepare`)."""

    ok: bool | None = None
    """Whether the step succeeded, when the cloud says."""
    server_nonce: str | None = None
    """The cloud's nonce (base64), returned by the `prepare` step, to pass on to `confirm`."""
    device_protected: bool | None = None
    """Whether the device is still protected after this step."""
