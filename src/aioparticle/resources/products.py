"""Products, and what lives under one product: firmware, team, configuration, locations,
fleet health metrics, device groups."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .._core import SubClient
from .._exceptions import InvalidArgumentError
from .._files import file_part
from .._pagination import AsyncPaginator, page_parser
from .._parsing import parse_ack, parse_json, parse_model, parse_object, parse_unwrapped
from .._paths import MAX_ID_LENGTH, product_segment, scope_prefix
from ..models.groups import DeviceGroup, GroupsImpact
from ..models.metrics import CallMetric, EventsMetric, IntegrationMetric, OnlineMetric
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
    date_window,
    device_segment,
    flag,
    free_text,
    group_name,
    group_names,
    hex_color,
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
    "ProductsGroups",
    "ProductsLocations",
    "ProductsMetrics",
    "ProductsTeam",
]

T = TypeVar("T")

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
_parse_online = parse_unwrapped(list[OnlineMetric], "online")
_parse_events = parse_unwrapped(list[EventsMetric], "events")
_parse_integrations = parse_unwrapped(list[IntegrationMetric], "integrations")
_parse_functions = parse_unwrapped(list[CallMetric], "functions")
_parse_variables = parse_unwrapped(list[CallMetric], "variables")
#: The smallest bucket the cloud accepts is above this many seconds.
MIN_BUCKET_SIZE = 15


def _platform_id(platform_id: object) -> int:
    if isinstance(platform_id, bool) or not isinstance(platform_id, int) or platform_id < 0:
        raise InvalidArgumentError(f"platform_id must be an int >= 0, got {platform_id!r}")
    return platform_id


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
        progress: ProgressCallback | None = None,
    ) -> ProductFirmware:
        """Upload a firmware binary as `version` (bytes, a path or a binary file object).

        `mandatory=True` marks it a version every device must run before a later one
        (Enterprise products); sent only when given. `progress(sent, total)` follows the
        upload."""
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
        return await self._request(
            "POST", path, data=fields, parts=[part], parse=_parse_firmware, progress=progress
        )

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


class ProductsMetrics(Resource):
    """Fleet health: a product's time series, one bucket per `bucket_size` seconds (900 by
    default, must be above 15) from `start_date` to `end_date` (both included, aware datetimes
    or ISO 8601 strings; the cloud's default is now). Every call can be narrowed to devices
    running product firmware `product_fw`, Device OS `device_os_version` or in
    `device_group`."""

    __slots__ = ()

    async def get_online(
        self,
        *,
        product: ProductRef,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        bucket_size: int | None = None,
        product_fw: int | None = None,
        device_os_version: str | None = None,
        device_group: str | None = None,
    ) -> list[OnlineMetric]:
        """Devices online per bucket (online until a keep-alive is missed)."""
        return await self._series(
            "online",
            _parse_online,
            product,
            start_date,
            end_date,
            bucket_size,
            product_fw,
            device_os_version,
            device_group,
        )

    async def get_events(
        self,
        *,
        product: ProductRef,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        bucket_size: int | None = None,
        product_fw: int | None = None,
        device_os_version: str | None = None,
        device_group: str | None = None,
    ) -> list[EventsMetric]:
        """Events received from the fleet per bucket."""
        return await self._series(
            "events",
            _parse_events,
            product,
            start_date,
            end_date,
            bucket_size,
            product_fw,
            device_os_version,
            device_group,
        )

    async def get_integrations(
        self,
        *,
        product: ProductRef,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        bucket_size: int | None = None,
        product_fw: int | None = None,
        device_os_version: str | None = None,
        device_group: str | None = None,
    ) -> list[IntegrationMetric]:
        """Integration deliveries per bucket: successes, failures and skips."""
        return await self._series(
            "integration",
            _parse_integrations,
            product,
            start_date,
            end_date,
            bucket_size,
            product_fw,
            device_os_version,
            device_group,
        )

    async def get_functions(
        self,
        *,
        product: ProductRef,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        bucket_size: int | None = None,
        product_fw: int | None = None,
        device_os_version: str | None = None,
        device_group: str | None = None,
    ) -> list[CallMetric]:
        """Cloud function calls per bucket: successes, failures and devices offline."""
        return await self._series(
            "functions",
            _parse_functions,
            product,
            start_date,
            end_date,
            bucket_size,
            product_fw,
            device_os_version,
            device_group,
        )

    async def get_variables(
        self,
        *,
        product: ProductRef,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        bucket_size: int | None = None,
        product_fw: int | None = None,
        device_os_version: str | None = None,
        device_group: str | None = None,
    ) -> list[CallMetric]:
        """Variable reads per bucket: successes, failures and devices offline."""
        return await self._series(
            "variables",
            _parse_variables,
            product,
            start_date,
            end_date,
            bucket_size,
            product_fw,
            device_os_version,
            device_group,
        )

    async def _series(
        self,
        metric: str,
        parse: Callable[[bytes], T],
        product: ProductRef,
        start_date: datetime | str | None,
        end_date: datetime | str | None,
        bucket_size: int | None,
        product_fw: int | None,
        device_os_version: str | None,
        device_group: str | None,
    ) -> T:
        """`GET /v1/products/:product/metrics/<metric>` with the query every metric shares."""
        if product is None:
            raise InvalidArgumentError(
                f"{self._name}.{sys._getframe(1).f_code.co_name}() needs product= "
                "(a product id or slug)"
            )
        path = f"{scope_prefix(product)}/metrics/{metric}"
        if bucket_size is not None and (
            isinstance(bucket_size, bool)
            or not isinstance(bucket_size, int)
            or bucket_size <= MIN_BUCKET_SIZE
        ):
            raise InvalidArgumentError(
                f"bucket_size must be a whole number of seconds above {MIN_BUCKET_SIZE}, "
                f"got {bucket_size!r}"
            )
        params: dict[str, str | int | None] = {
            **date_window(start_date, end_date),
            "bucket_size": bucket_size,
            "product_fw": None if product_fw is None else positive_int(product_fw, "product_fw"),
            "device_os_version": None
            if device_os_version is None
            else short_text(device_os_version, "device_os_version", max_length=64),
            "device_group": None
            if device_group is None
            else short_text(device_group, "device_group", max_length=MAX_ID_LENGTH),
        }
        return await self._request("GET", path, params=params, parse=parse)


_parse_groups = parse_unwrapped(list[DeviceGroup], "groups")
_parse_group = parse_unwrapped(DeviceGroup, "group")


def _parse_impact(content: bytes) -> GroupsImpact:
    # The reference lists `{firmware_update: {...}}` but its example wraps that in `devices`.
    body = parse_json(content)
    for wrapper in ("devices", "firmware_update"):
        if isinstance(body, dict) and isinstance(body.get(wrapper), dict):
            body = body[wrapper]
    return GroupsImpact.model_validate(body if body is not None else {})


def _group_body(
    color: str | None, description: str | None, body: dict[str, JSONValue]
) -> dict[str, JSONValue]:
    if color is not None:
        body["color"] = hex_color(color)
    if description is not None:
        body["description"] = free_text(
            description, "description", max_length=MAX_DESCRIPTION_LENGTH
        )
    return body


class ProductsGroups(Resource):
    """A product's device groups. A group name holds only lowercase letters, digits, `-` and
    `_` (anything else is refused before any request); a color is `#rrggbb`.

    Which devices are in a group is set on the devices: `devices.set_groups` (one device,
    absolute) and `devices.update_groups` (many devices, add/remove).
    """

    __slots__ = ()

    async def list(self, *, product: ProductRef, name: str | None = None) -> list[DeviceGroup]:
        """Every group of the product, or those whose name contains `name`."""
        path = f"{self._product_prefix(product)}/groups"
        params = {"name": None if name is None else short_text(name, "name")}
        return await self._request("GET", path, params=params, parse=_parse_groups)

    async def get(self, name: str, *, product: ProductRef) -> DeviceGroup:
        """One group, with its `device_count`."""
        path = f"{self._product_prefix(product)}/groups/{group_name(name)}"
        return await self._request("GET", path, parse=_parse_group)

    async def create(
        self,
        name: str,
        *,
        product: ProductRef,
        color: str | None = None,
        description: str | None = None,
    ) -> DeviceGroup:
        """Create a group. Not retried once sent."""
        path = f"{self._product_prefix(product)}/groups"
        body = _group_body(color, description, {"name": group_name(name)})
        return await self._request("POST", path, json=body, parse=_parse_group)

    async def update(
        self,
        name: str,
        *,
        product: ProductRef,
        new_name: str | None = None,
        color: str | None = None,
        description: str | None = None,
    ) -> DeviceGroup:
        """Rename a group (`new_name`; its devices follow) and/or change its color or
        description. Raises `InvalidArgumentError` when nothing is to change."""
        path = f"{self._product_prefix(product)}/groups/{group_name(name)}"
        body: dict[str, JSONValue] = {}
        if new_name is not None:
            body["name"] = group_name(new_name, "new_name")
        body = _group_body(color, description, body)
        if not body:
            raise InvalidArgumentError(
                "products.groups.update() needs new_name=, color= or description="
            )
        return await self._request("PUT", path, json=body, parse=_parse_group)

    async def delete(self, name: str, *, product: ProductRef) -> None:
        """Delete a group; its devices only lose the membership."""
        path = f"{self._product_prefix(product)}/groups/{group_name(name)}"
        await self._request("DELETE", path, parse=parse_ack)

    async def get_impact(
        self,
        firmware_version: int,
        *,
        product: ProductRef,
        groups: Sequence[str] | None = None,
        product_default: bool | None = None,
    ) -> GroupsImpact:
        """How many devices releasing `firmware_version` to `groups` (and, with
        `product_default=True`, as the product default) would update, by the version they run.
        Without `groups`: the impact of unreleasing it from every group.

        The options travel in the query string (`action=edit_groups_for_firmware`,
        `firmware_version`, `groups` comma-joined, `product_default` as `true`/`false`), as
        Particle's curl example sends them (its reference lists them as a body). The shape of
        the answer is not confirmed: the reference lists `{"firmware_update": {...}}` but its
        example wraps that in `{"devices": ...}`, so both are accepted.
        """
        path = f"{self._product_prefix(product)}/impact"
        params: dict[str, str | int | None] = {
            "action": "edit_groups_for_firmware",
            "firmware_version": positive_int(firmware_version, "firmware_version"),
            "groups": None if groups is None else ",".join(group_names(groups)),
            "product_default": None
            if product_default is None
            else ("true" if flag(product_default, "product_default") else "false"),
        }
        return await self._request("GET", path, params=params, parse=_parse_impact)


class Products(Resource):
    """Products the token can reach, with nested sub-clients for what lives under one:
    `firmware`, `team`, `config`, `locations`, `metrics` and `groups` (each takes
    `product=`)."""

    __slots__ = ()

    #: Product firmware versions: list, get, upload, update, delete, download, release.
    firmware = SubClient(ProductsFirmware)
    #: The product team: list, invite, remove, and API users (create, update, regenerate).
    team = SubClient(ProductsTeam)
    #: Asset-tracking configuration: get, get_schema, set, set_schema, delete_schema.
    config = SubClient(ProductsConfig)
    #: Asset-tracking locations: list, get, list_latest.
    locations = SubClient(ProductsLocations)
    #: Fleet health: get_online, get_events, get_integrations, get_functions, get_variables.
    metrics = SubClient(ProductsMetrics)
    #: Device groups: list, get, create, update, delete, get_impact.
    groups = SubClient(ProductsGroups)

    async def list(self) -> list[Product]:
        """Every product the token's user is a team member of."""
        return await self._request("GET", "/v1/products", parse=_parse_products)

    async def get(self, product: ProductRef) -> Product:
        """One product, by id or slug."""
        path = f"/v1/products/{product_segment(product)}"
        return await self._request("GET", path, parse=_parse_product)

    async def create(
        self,
        name: str,
        *,
        platform_id: int,
        description: str | None = None,
        location_opt_in: bool | None = None,
        org: str | None = None,
    ) -> Product:
        """Create a product of devices of `platform_id`, in the user's sandbox or in
        organization `org`; `location_opt_in` turns on location tracking.

        The cloud's reference does not describe this call: its shape comes from Particle's
        own command-line tool. Not retried once sent.
        """
        body: dict[str, JSONValue] = {
            "name": short_text(name, "name", max_length=MAX_ID_LENGTH),
            "platform_id": _platform_id(platform_id),
        }
        if description is not None:
            body["description"] = free_text(
                description, "description", max_length=MAX_DESCRIPTION_LENGTH
            )
        if location_opt_in is not None:
            body["settings"] = {"location": {"opt_in": flag(location_opt_in, "location_opt_in")}}
        path = "/v1/user/products" if org is None else f"{self._org_prefix(org)}/products"
        return await self._request("POST", path, json={"product": body}, parse=_parse_product)
