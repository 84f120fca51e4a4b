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
    #: a string on the wire (it may start with 0)
    mobile_network_code: Reading = None
    location_area_code: Reading = None
    cell_id: Reading = None


class VitalsCellular(ParticleModel):
    """The cellular radio: access technology, operator and cell."""

    radio_access_technology: Reading = None
    operator: Reading = None
    cell_global_identity: VitalsCellGlobalIdentity | None = None


class VitalsSignal(ParticleModel):
    """Signal strength and quality, as percentages (`strength`, `quality`) and as raw values
    (`strengthv`, `qualityv`) with their units and types."""

    at: Reading = None
    strength: Reading = None
    strength_units: Reading = None
    strengthv: Reading = None
    strengthv_units: Reading = None
    strengthv_type: Reading = None
    quality: Reading = None
    quality_units: Reading = None
    qualityv: Reading = None
    qualityv_units: Reading = None
    qualityv_type: Reading = None


class VitalsConnection(ParticleModel):
    """A connection's state and its history since boot."""

    status: Reading = None
    error: Reading = None
    disconnects: Reading = None
    attempts: Reading = None
    disconnect_reason: Reading = None


class VitalsNetwork(ParticleModel):
    """The device's network: cellular radio, signal and connection."""

    cellular: VitalsCellular | None = None
    signal: VitalsSignal | None = None
    connection: VitalsConnection | None = None


class VitalsCoap(ParticleModel):
    """CoAP message counts and the round-trip time (milliseconds)."""

    transmit: Reading = None
    retransmit: Reading = None
    unack: Reading = None
    round_trip: Reading = None


class VitalsPublish(ParticleModel):
    """Events the device could not publish because of the rate limit."""

    rate_limited: Reading = None


class VitalsCloud(ParticleModel):
    """The device's cloud connection, as the device sees it."""

    connection: VitalsConnection | None = None
    coap: VitalsCoap | None = None
    publish: VitalsPublish | None = None


class VitalsBattery(ParticleModel):
    """Battery charge (percent) and state (`charging`, `discharging`, ...)."""

    charge: Reading = None
    state: Reading = None


class VitalsPower(ParticleModel):
    """Power source and battery."""

    battery: VitalsBattery | None = None
    source: Reading = None


class VitalsMemory(ParticleModel):
    """RAM used and total, in bytes."""

    used: Reading = None
    total: Reading = None


class VitalsSystem(ParticleModel):
    """Uptime (seconds) and memory."""

    uptime: Reading = None
    memory: VitalsMemory | None = None


class VitalsDevice(ParticleModel):
    """What the device reports about itself."""

    network: VitalsNetwork | None = None
    cloud: VitalsCloud | None = None
    power: VitalsPower | None = None
    system: VitalsSystem | None = None


class VitalsServiceDevice(ParticleModel):
    """The device as the cloud sees it (`status`: `ok`, ...)."""

    status: Reading = None


class VitalsServicePublish(ParticleModel):
    """Events the cloud sent to the device."""

    sent: Reading = None


class VitalsServiceCloud(ParticleModel):
    """The cloud session: uptime and events sent."""

    uptime: Reading = None
    publish: VitalsServicePublish | None = None


class VitalsServiceCoap(ParticleModel):
    """The cloud's CoAP round-trip time (milliseconds)."""

    round_trip: Reading = None


class VitalsService(ParticleModel):
    """What the cloud reports about the device."""

    device: VitalsServiceDevice | None = None
    cloud: VitalsServiceCloud | None = None
    coap: VitalsServiceCoap | None = None


class DeviceVitals(ParticleModel):
    """A vitals report: the device's side (`device`) and the cloud's side (`service`)."""

    device: VitalsDevice | None = None
    service: VitalsService | None = None


class DeviceVitalsRecord(ParticleModel):
    """One vitals report of a device, as the cloud stored it.

    The cloud may hand the payload over as JSON text: it is parsed. Text that is not a JSON
    object leaves `payload` empty and is kept as it came in `raw_payload`.
    """

    updated_at: UTCDateTime | None = None
    device_id: str | None = Field(default=None, alias="deviceID")
    payload: DeviceVitals = Field(default_factory=DeviceVitals)
    #: the payload as sent, when it was text that is not a JSON object
    raw_payload: str | None = None

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
