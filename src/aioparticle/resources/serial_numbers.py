"""Serial-number lookups."""

from __future__ import annotations

from .._parsing import parse_model
from .._paths import segment
from ..models.misc import SerialNumberInfo
from ._base import Resource

__all__ = ["SerialNumbers"]

_parse_info = parse_model(SerialNumberInfo)


class SerialNumbers(Resource):
    """What the serial number on a device's label resolves to."""

    __slots__ = ()

    async def get(self, serial_number: str) -> SerialNumberInfo:
        """Look up a serial number (works for devices not yet in your products).

        Particle allows 50 lookups per hour per account.
        """
        path = f"/v1/serial_numbers/{segment(serial_number, 'serial_number', max_length=64)}"
        return await self._request("GET", path, parse=_parse_info)
