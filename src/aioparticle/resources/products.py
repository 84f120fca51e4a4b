"""Products, and what lives under one product: firmware, team, configuration, locations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from .._core import SubClient
from .._exceptions import InvalidArgumentError
from .._files import file_part
from .._pagination import AsyncPaginator, page_parser
from .._parsing import parse_ack, parse_json, parse_model, parse_object, parse_unwrapped
from .._paths import MAX_ID_LENGTH, product_segment
from ..models.products import (
    DeviceLocation,
    Product,
    ProductConfiguration,
    ProductFirmware,
)
from ..models.teams import ApiUser, TeamMember
from ._base import Resource
from ._checks import (
    date_range,
    device_segment,
    flag,
    free_text,
    lat_lng,
    name_list,
    positive_int,
    short_text,
)
from ._team import TeamBase

if TYPE_CHECKING:
    from ..types import FileInput, JSONObject, JSONValue, ProductRef, ProgressCallback, StrPath

__all__ = [
    "Products",
    "ProductsConfig",
    "ProductsFirmware",
    "ProductsLocations",
    "ProductsTeam",
]

#: Longest firmware title accepted.
MAX_TITLE_LENGTH = 256
#: Longest firmware description accepted.
MAX_DESCRIPTION_LENGTH = 65_536

_parse_products = parse_unwrapped(list[Product], "products")
_parse_product = parse_unwrapped(Product, "product")
_parse_firmware_list = parse_unwrapped(list[ProductFirmware], "firmware")
_parse_firmware = parse_unwrapped(ProductFirmware, "firmware")
_parse_config = parse_model(ProductConfiguration)
_parse_locations = page_parser(DeviceLocation, "locations")
_parse_location = parse_unwrapped(DeviceLocation, "location")
_parse_latest_locations = parse_unwrapped(list[DeviceLocation], "locations")

#: The media type of a configuration's JSON Schema document.
SCHEMA_TYPE = "application/schema+json"


def _version(version: object) -> str:
    return str(positive_int(version, "version"))


class ProductsFirmware(Resource):
    """Firmware versions uploaded to a product, and their release to the fleet."""

    __slots__ = ()

    async def list(self, *, product: ProductRef) -> list[ProductFirmware]:
        """Every firmware version of the product."""
        path = f"{self._product_prefix(product)}/firmware"
        return await self._request("GET", path, parse=_parse_firmware_list)

    async def get(self, version: int, *, product: ProductRef) -> ProductFirmware:
        """One firmware version."""
        path = f"{self._product_prefix(product)}/firmware/{_version(version)}"
        return await self._request("GET", path, parse=_parse_firmware)

    async def upload(
        self,
        version: int,
        file: FileInput,
        *,
        product: ProductRef,
        title: str,
        description: str | None = None,
        mandatory: bool | None = None,
    ) -> ProductFirmware:
        """Upload a firmware binary as `version` (bytes, a path or a binary file object).

        `mandatory=True` marks it a version every device must run before a later one
        (Enterprise products); sent only when given."""
        path = f"{self._product_prefix(product)}/firmware"
        fields = {
            "version": _version(version),
            "title": short_text(title, "title", max_length=MAX_TITLE_LENGTH),
        }
        if description is not None:
            fields["description"] = free_text(
                description, "description", max_length=MAX_DESCRIPTION_LENGTH
            )
        if mandatory is not None:
            fields["mandatory"] = "true" if flag(mandatory, "mandatory") else "false"
        part = file_part("file", file, default_filename="firmware.bin", what="file")
        return await self._request("POST", path, data=fields, parts=[part], parse=_parse_firmware)

    async def update(
        self,
        version: int,
        *,
        product: ProductRef,
        title: str | None = None,
        description: str | None = None,
        mandatory: bool | None = None,
    ) -> ProductFirmware:
        """Change a firmware version's title, description and/or `mandatory` flag."""
        path = f"{self._product_prefix(product)}/firmware/{_version(version)}"
        body: dict[str, JSONValue] = {}
        if title is not None:
            body["title"] = short_text(title, "title", max_length=MAX_TITLE_LENGTH)
        if description is not None:
            body["description"] = free_text(
                description, "description", max_length=MAX_DESCRIPTION_LENGTH
            )
        if mandatory is not None:
            body["mandatory"] = flag(mandatory, "mandatory")
        if not body:
            raise InvalidArgumentError("firmware.update() needs title=, description= or mandatory=")
        return await self._request("PUT", path, json=body, parse=_parse_firmware)

    async def delete(self, version: int, *, product: ProductRef) -> None:
        """Delete a firmware version that was never released (the cloud refuses to delete
        one that was)."""
        path = f"{self._product_prefix(product)}/firmware/{_version(version)}"
        await self._request("DELETE", path, parse=parse_ack)

    @overload
    async def download(
        self,
        version: int,
        *,
        product: ProductRef,
        to: None = None,
        progress: ProgressCallback | None = None,
    ) -> bytes: ...
    @overload
    async def download(
        self,
        version: int,
        *,
        product: ProductRef,
        to: StrPath,
        progress: ProgressCallback | None = None,
    ) -> Path: ...
    async def download(
        self,
        version: int,
        *,
        product: ProductRef,
        to: StrPath | None = None,
        progress: ProgressCallback | None = None,
    ) -> bytes | Path:
        """Download a firmware binary: the bytes, or the `Path` written when `to=` is given."""
        prefix = self._product_prefix(product)
        path = f"{prefix}/firmware/{_version(version)}/binary"
        return await self._download("GET", path, to=to, progress=progress)

    async def release(
        self,
        version: int,
        *,
        product: ProductRef,
        product_default: bool | None = None,
        groups: Sequence[str] | None = None,
        intelligent: bool | None = None,
    ) -> None:
        """Release a version to the fleet (`product_default=True`) or to device `groups`."""
        path = f"{self._product_prefix(product)}/firmware/release"
        body: dict[str, JSONValue] = {"version": positive_int(version, "version")}
        if product_default is not None:
            body["product_default"] = flag(product_default, "product_default")
        if groups is not None:
            body["groups"] = name_list(groups, "groups")
        if intelligent is not None:
            body["intelligent"] = flag(intelligent, "intelligent")
        await self._request("PUT", path, json=body, parse=parse_ack)


class ProductsTeam(TeamBase):
    """The people and API users on a product's team."""

    __slots__ = ()

    async def list(self, *, product: ProductRef) -> list[TeamMember]:
        """Every team member: people and API users (`is_programmatic`)."""
        return await self._list_members(self._product_prefix(product))

    async def invite(self, username: str, *, product: ProductRef, role: str | None = None) -> None:
        """Invite a Particle user (by e-mail) to the team, as `role` (`"Administrator"`,
        `"Developer"`, `"View-only"`, `"Support"`; the cloud's default when omitted)."""
        await self._invite(self._product_prefix(product), username, role)

    async def remove(self, username: str, *, product: ProductRef) -> None:
        """Remove a member from the team; removing an API user also invalidates its token."""
        await self._remove(self._product_prefix(product), username)

    async def create_api_user(
        self, friendly_name: str, scopes: Sequence[str], *, product: ProductRef
    ) -> ApiUser:
        """Create an API user with `scopes` (such as `["devices:list"]`).

        The answer carries its access token (`ApiUser.token`, a `SecretStr` that never
        expires), returned here only. Not retried once sent.
        """
        return await self._create_api_user(self._product_prefix(product), friendly_name, scopes)

    async def update_api_user(
        self,
        username: str,
        *,
        product: ProductRef,
        friendly_name: str | None = None,
        scopes: Sequence[str] | None = None,
    ) -> ApiUser:
        """Rename an API user and/or change its scopes; new scopes come with a new token (the
        old one stops working). Not retried once sent."""
        return await self._update_api_user(
            self._product_prefix(product), username, friendly_name, scopes
        )

    async def regenerate_token(self, username: str, *, product: ProductRef) -> ApiUser:
        """Give an API user a new access token (`ApiUser.token`); the old one stops working."""
        return await self._regenerate_token(self._product_prefix(product), username)


def _config_path(prefix: str, device: str | None) -> str:
    path = f"{prefix}/config"
    if device is not None:
        path += f"/{device_segment(device, 'device')}"
    return path


class ProductsConfig(Resource):
    """Asset-tracking configuration of a product, or of one product device with `device=`."""

    __slots__ = ()

    async def get(self, *, product: ProductRef, device: str | None = None) -> ProductConfiguration:
        """The current configuration."""
        path = _config_path(self._product_prefix(product), device)
        return await self._request("GET", path, parse=_parse_config)

    async def get_schema(self, *, product: ProductRef, device: str | None = None) -> dict[str, Any]:
        """The configuration's JSON Schema document."""
        path = _config_path(self._product_prefix(product), device)
        return await self._request(
            "GET", path, headers={"Accept": "application/schema+json"}, parse=parse_object
        )

    async def set(
        self, config: JSONObject, *, product: ProductRef, device: str | None = None
    ) -> ProductConfiguration:
        """Replace the configuration: `config` is sent as the whole body."""
        if not isinstance(config, Mapping):
            raise InvalidArgumentError(f"config must be a mapping, got {type(config).__name__}")
        path = _config_path(self._product_prefix(product), device)
        return await self._request("PUT", path, json=dict(config), parse=_parse_config)

    async def set_schema(
        self, schema: JSONObject, *, product: ProductRef, device: str | None = None
    ) -> dict[str, Any]:
        """Replace the configuration's JSON Schema with `schema` (sent as the whole body,
        typed `application/schema+json`) and return the schema the cloud stored (the one
        sent when it answers without a body).

        A schema the cloud rejects raises `UnprocessableEntityError` (422), whose
        `violations` say what is wrong."""
        if not isinstance(schema, Mapping):
            raise InvalidArgumentError(f"schema must be a mapping, got {type(schema).__name__}")
        sent = dict(schema)
        path = _config_path(self._product_prefix(product), device)

        def parse(content: bytes) -> dict[str, Any]:
            return sent if parse_json(content) is None else parse_object(content)

        return await self._request(
            "PUT", path, json=sent, headers={"Content-Type": SCHEMA_TYPE}, parse=parse
        )

    async def delete_schema(self, *, product: ProductRef, device: str | None = None) -> None:
        """Drop a custom schema: the product goes back to the default schema, a device to its
        product's."""
        path = _config_path(self._product_prefix(product), device)
        await self._request(
            "DELETE", path, json={}, headers={"Content-Type": SCHEMA_TYPE}, parse=parse_ack
        )


def _location_query(
    date_range_: str | tuple[datetime, datetime] | None,
    rect_bl: str | tuple[float, float] | None,
    rect_tr: str | tuple[float, float] | None,
) -> dict[str, str | None]:
    if (rect_bl is None) != (rect_tr is None):
        raise InvalidArgumentError("rect_bl and rect_tr go together: pass both or neither")
    return {
        "date_range": None if date_range_ is None else date_range(date_range_),
        "rect_bl": None if rect_bl is None else lat_lng(rect_bl, "rect_bl"),
        "rect_tr": None if rect_tr is None else lat_lng(rect_tr, "rect_tr"),
    }


def _device_filters(
    device_id: str | None, device_name: str | None, groups: Sequence[str] | None
) -> dict[str, str | int | None]:
    """`device_id`, `device_name` and `groups` (indexed: `groups[0]=a&groups[1]=b`)."""
    params: dict[str, str | int | None] = {
        "device_id": None
        if device_id is None
        else short_text(device_id, "device_id", max_length=MAX_ID_LENGTH),
        "device_name": None
        if device_name is None
        else short_text(device_name, "device_name", max_length=MAX_ID_LENGTH),
    }
    if groups is not None:
        for n, group in enumerate(name_list(groups, "groups")):
            params[f"groups[{n}]"] = group
    return params


class ProductsLocations(Resource):
    """Where a product's asset trackers have been."""

    __slots__ = ()

    async def list_latest(
        self,
        *,
        product: ProductRef,
        device_id: str | None = None,
        device_name: str | None = None,
        groups: Sequence[str] | None = None,
    ) -> list[DeviceLocation]:
        """The last known location of every device of the product (one `Point` each, not
        paginated), optionally of one device, of devices whose name starts with
        `device_name`, or of some groups (sent as `list` sends them)."""
        path = f"{self._product_prefix(product)}/fleet_locations"
        params = _device_filters(device_id, device_name, groups)
        return await self._request("GET", path, params=params, parse=_parse_latest_locations)

    def list(
        self,
        *,
        product: ProductRef,
        date_range: str | tuple[datetime, datetime] | None = None,
        rect_bl: str | tuple[float, float] | None = None,
        rect_tr: str | tuple[float, float] | None = None,
        device_id: str | None = None,
        device_name: str | None = None,
        groups: Sequence[str] | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> AsyncPaginator[DeviceLocation]:
        """Device locations, optionally within a time range, a rectangle or some groups.

        `groups` travels in the indexed form `groups[0]=a&groups[1]=b`.
        """
        path = f"{self._product_prefix(product)}/locations"
        params: dict[str, str | int | None] = {
            **_location_query(date_range, rect_bl, rect_tr),
            **_device_filters(device_id, device_name, groups),
        }
        return self._paginate(
            path,
            _parse_locations,
            params=params,
            page=page,
            per_page=per_page,
        )

    async def get(
        self,
        device_id: str,
        *,
        product: ProductRef,
        date_range: str | tuple[datetime, datetime] | None = None,
        rect_bl: str | tuple[float, float] | None = None,
        rect_tr: str | tuple[float, float] | None = None,
    ) -> DeviceLocation:
        """One device's locations (a `Point`, or a `LineString` over a time range)."""
        prefix = self._product_prefix(product)
        path = f"{prefix}/locations/{device_segment(device_id)}"
        params = _location_query(date_range, rect_bl, rect_tr)
        return await self._request("GET", path, params=params, parse=_parse_location)


class Products(Resource):
    """Products the token can reach, with nested sub-clients for what lives under one:
    `firmware`, `team`, `config` and `locations` (each takes `product=`)."""

    __slots__ = ()

    #: Product firmware versions: list, get, upload, update, delete, download, release.
    firmware = SubClient(ProductsFirmware)
    #: The product team: list, invite, remove, and API users (create, update, regenerate).
    team = SubClient(ProductsTeam)
    #: Asset-tracking configuration: get, get_schema, set, set_schema, delete_schema.
    config = SubClient(ProductsConfig)
    #: Asset-tracking locations: list, get, list_latest.
    locations = SubClient(ProductsLocations)

    async def list(self) -> list[Product]:
        """Every product the token's user is a team member of."""
        return await self._request("GET", "/v1/products", parse=_parse_products)

    async def get(self, product: ProductRef) -> Product:
        """One product, by id or slug."""
        path = f"/v1/products/{product_segment(product)}"
        return await self._request("GET", path, parse=_parse_product)
