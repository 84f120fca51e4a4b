"""Models of device vitals (remote diagnostics).

What a device reports differs by platform and Device OS version, so every level of the vitals
is optional and keeps the fields it does not know. A reading the device could not take arrives
as an object such as `{"err": -210}` instead of a number: readings accept numbers, strings and
such objects.
"""

from __future__ import annotations

import json
from typing import Any, Union

from pydantic import Field, model_validator

from ._base import ParticleModel, UTCDateTime

__all__ = [
    "DeviceVitals",
    "DeviceVitalsRecord",
    "VitalsBattery",
    "VitalsCellGlobalIdentity",
    "VitalsCellular",
    "VitalsCloud",
    "VitalsCoap",
    "VitalsConnection",
    "VitalsDevice",
    "VitalsMemory",
    "VitalsNetwork",
    "VitalsPower",
    "VitalsPublish",
    "VitalsService",
    "VitalsServiceCloud",
    "VitalsServiceCoap",
    "VitalsServiceDevice",
    "VitalsServicePublish",
    "VitalsSignal",
    "VitalsSystem",
]

#: One reading: a number or a string, or the `{"err": <code>}` object of a reading the device
#: could not take.
Reading = Union[bool, int, float, str, dict[str, Union[int, float, str, bool, None]], None]  # noqa: UP007


class VitalsCellGlobalIdentity(ParticleModel):
    """The cell a cellular device is attached to."""

    mobile_country_code: Reading = None
    """The mobile country code (MCC) of the cell."""
    mobile_network_code: Reading = None
    """The mobile network code (MNC) of the cell: a string on the wire (it may start with 0)."""
    location_area_code: Reading = None
    """The location area code (LAC) of the cell."""
    cell_id: Reading = None
    """The id of the cell."""


class VitalsCellular(ParticleModel):
    """The cellular radio: access technology, operator and cell."""

    radio_access_technology: Reading = None
    """The radio access technology in use, as the device reports it."""
    operator: Reading = None
    """The cellular operator, as the device reports it."""
    cell_global_identity: VitalsCellGlobalIdentity | None = None
    """The cell the device is attached to."""


class VitalsSignal(ParticleModel):
    """Signal strength and quality, as percentages (`strength`, `quality`) and as raw values
    (`strengthv`, `qualityv`) with their units and types."""

    at: Reading = None
    """The access technology the signal values are for, as the device reports it."""
    strength: Reading = None
    """The signal strength, as a percentage."""
    strength_units: Reading = None
    """The unit of `strength`, as the device reports it."""
    strengthv: Reading = None
    """The raw signal strength value."""
    strengthv_units: Reading = None
    """The unit of `strengthv`, as the device reports it."""
    strengthv_type: Reading = None
    """The kind of measurement `strengthv` is, as the device reports it."""
    quality: Reading = None
    """The signal quality, as a percentage."""
    quality_units: Reading = None
    """The unit of `quality`, as the device reports it."""
    qualityv: Reading = None
    """The raw signal quality value."""
    qualityv_units: Reading = None
    """The unit of `qualityv`, as the device reports it."""
    qualityv_type: Reading = None
    """The kind of measurement `qualityv` is, as the device reports it."""


class VitalsConnection(ParticleModel):
    """A connection's state and its history since boot."""

    status: Reading = None
    """The connection's current status, as the device reports it."""
    error: Reading = None
    """The connection's last error code, as the device reports it."""
    disconnects: Reading = None
    """How many times the connection dropped since boot."""
    attempts: Reading = None
    """How many connection attempts were made since boot."""
    disconnect_reason: Reading = None
    """Why the connection last dropped, as the device reports it."""


class VitalsNetwork(ParticleModel):
    """The device's network: cellular radio, signal and connection."""

    cellular: VitalsCellular | None = None
    """The cellular radio (cellular devices)."""
    signal: VitalsSignal | None = None
    """The network signal's strength and quality."""
    connection: VitalsConnection | None = None
    """The network connection's state and history."""


class VitalsCoap(ParticleModel):
    """CoAP message counts and the round-trip time (milliseconds)."""

    transmit: Reading = None
    """How many CoAP messages the device sent."""
    retransmit: Reading = None
    """How many CoAP messages the device sent again."""
    unack: Reading = None
    """How many CoAP messages were not acknowledged."""
    round_trip: Reading = None
    """The CoAP round-trip time, in milliseconds."""


class VitalsPublish(ParticleModel):
    """Events the device could not publish because of the rate limit."""

    rate_limited: Reading = None
    """How many events the device could not publish because of the rate limit."""


class VitalsCloud(ParticleModel):
    """The device's cloud connection, as the device sees it."""

    connection: VitalsConnection | None = None
    """The cloud connection's state and history."""
    coap: VitalsCoap | None = None
    """The CoAP message counts and round-trip time."""
    publish: VitalsPublish | None = None
    """The events the device could not publish."""


class VitalsBattery(ParticleModel):
    """Battery charge (percent) and state (`charging`, `discharging`, ...)."""

    charge: Reading = None
    """The battery charge, in percent."""
    state: Reading = None
    """The battery state (`charging`, `discharging`, ...)."""


class VitalsPower(ParticleModel):
    """Power source and battery."""

    battery: VitalsBattery | None = None
    """The battery's charge and state."""
    source: Reading = None
    """The power source, as the device reports it."""


class VitalsMemory(ParticleModel):
    """RAM used and total, in bytes."""

    used: Reading = None
    """The RAM in use, in bytes."""
    total: Reading = None
    """The total RAM, in bytes."""


class VitalsSystem(ParticleModel):
    """Uptime (seconds) and memory."""

    uptime: Reading = None
    """Seconds since the device booted."""
    memory: VitalsMemory | None = None
    """RAM used and total."""


class VitalsDevice(ParticleModel):
    """What the device reports about itself."""

    network: VitalsNetwork | None = None
    """The device's network: cellular radio, signal and connection."""
    cloud: VitalsCloud | None = None
    """The device's cloud connection, as the device sees it."""
    power: VitalsPower | None = None
    """The device's power source and battery."""
    system: VitalsSystem | None = None
    """The device's uptime and memory."""


class VitalsServiceDevice(ParticleModel):
    """The device as the cloud sees it (`status`: `ok`, ...)."""

    status: Reading = None
    """The device's status as the cloud sees it (such as `ok`)."""


class VitalsServicePublish(ParticleModel):
    """Events the cloud sent to the device."""

    sent: Reading = None
    """How many events the cloud sent to the device."""


class VitalsServiceCloud(ParticleModel):
    """The cloud session: uptime and events sent."""

    uptime: Reading = None
    """The cloud session's uptime, as the cloud reports it."""
    publish: VitalsServicePublish | None = None
    """The events the cloud sent to the device."""


class VitalsServiceCoap(ParticleModel):
    """The cloud's CoAP round-trip time (milliseconds)."""

    round_trip: Reading = None
    """The cloud's CoAP round-trip time to the device, in milliseconds."""


class VitalsService(ParticleModel):
    """What the cloud reports about the device."""

    device: VitalsServiceDevice | None = None
    """The device as the cloud sees it."""
    cloud: VitalsServiceCloud | None = None
    """The device's cloud session, as the cloud sees it."""
    coap: VitalsServiceCoap | None = None
    """The cloud's CoAP round-trip time."""


class DeviceVitals(ParticleModel):
    """A vitals report: the device's side (`device`) and the cloud's side (`service`)."""

    device: VitalsDevice | None = None
    """What the device reports about itself; `None` when the report has no device side."""
    service: VitalsService | None = None
    """What the cloud reports about the device; `None` when the report has no cloud side."""


class DeviceVitalsRecord(ParticleModel):
    """One vitals report of a device, as the cloud stored it.

    The cloud may hand the payload over as JSON text: it is parsed. Text that is not a JSON
    object leaves `payload` empty and is kept as it came in `raw_payload`.
    """

    updated_at: UTCDateTime | None = None
    """When the cloud stored the report (UTC)."""
    device_id: str | None = Field(default=None, alias="deviceID")
    """The id of the device the report is about (`deviceID` on the wire)."""
    payload: DeviceVitals = Field(default_factory=DeviceVitals)
    """The vitals report itself (empty when the cloud sent none, or text that is not a JSON
    object)."""
    raw_payload: str | None = None
    """The payload as sent, when it was text that is not a JSON object; `None` otherwise."""

    @model_validator(mode="before")
    @classmethod
    def _parse_payload_text(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        payload = data.get("payload")
        if isinstance(payload, str):
            try:
                parsed = json.loads(payload)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                return {**data, "payload": parsed}
            return {**data, "payload": {}, "raw_payload": payload}
        if payload is None and "payload" in data:
            return {**data, "payload": {}}
        return data
