"""Serial numbers: finding a device by the serial number printed on it."""

from __future__ import annotations

from typing import Any

from ._base import NotFound, StateBase

__all__ = ["SerialNumbersMixin"]


class SerialNumbersMixin(StateBase):
    """Looking devices up by serial number."""

    def lookup_serial_number(self, serial: str) -> dict[str, Any]:
        """The device with serial number `serial` (any case): serial number, device id,
        platform id, and ICCID when it has one. Raises `NotFound`."""
        wanted = serial.upper()
        with self.lock:
            device = next(
                (
                    d
                    for d in self.devices.values()
                    if d.serial_number is not None and d.serial_number.upper() == wanted
                ),
                None,
            )
            if device is None:
                raise NotFound("Serial number not found")
            found: dict[str, Any] = {
                "serial_number": device.serial_number,
                "device_id": device.id,
                "platform_id": device.platform_id,
            }
            if device.iccid is not None:
                found["iccid"] = device.iccid
            return found
