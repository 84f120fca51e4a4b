"""Products: organizations, products, their firmware and firmware releases (their teams:
`teams`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._base import Denied, NotFound, Refused, StateBase, iso, platform_id, utcnow

if TYPE_CHECKING:
    from .auth import Token

__all__ = ["FakeFirmware", "FakeOrg", "FakeProduct", "FirmwareRelease", "ProductsMixin"]


@dataclass
class FakeFirmware:
    """A product firmware version (`CloudState.add_firmware()` or uploaded over HTTP)."""

    product_id: int
    version: int
    title: str
    data: bytes
    description: str = ""
    current: bool = False
    uploaded_at: datetime = field(default_factory=utcnow)
    uploaded_by: str | None = None
    mandatory: bool = False


@dataclass(frozen=True)
class FirmwareRelease:
    """One `PUT /v1/products/:product/firmware/release` the product received."""

    version: int
    product_default: bool | None
    groups: tuple[str, ...]
    intelligent: bool | None
    username: str | None
    at: datetime


@dataclass
class FakeProduct:
    """A product: devices join it with `add_device(product=...)`; `members` (its team's
    people) may use its routes, as may the tokens of its API users.

    `firmware` maps version numbers to `FakeFirmware`; `releases` lists every firmware release
    received, oldest first.
    """

    id: int
    slug: str
    name: str
    platform_id: int
    org: str | None = None
    description: str = ""
    members: set[str] = field(default_factory=set)
    #: the role of a member invited with one (the others are Administrators)
    roles: dict[str, str] = field(default_factory=dict)
    firmware: dict[int, FakeFirmware] = field(default_factory=dict)
    releases: list[FirmwareRelease] = field(default_factory=list)


@dataclass
class FakeOrg:
    """An organization owning products; `members` may open its event streams and manage its
    team."""

    id: str
    slug: str
    name: str
    members: set[str] = field(default_factory=set)
    #: the role of a member invited with one (the others are Administrators)
    roles: dict[str, str] = field(default_factory=dict)


class ProductsMixin(StateBase):
    """Organizations, products and their firmware."""

    # ------------------------------------------------------------- products and organizations

    def add_product(
        self,
        id: int | None = None,
        *,
        slug: str | None = None,
        name: str | None = None,
        platform: int | str = "boron",
        org: str | None = None,
        members: Iterable[str] | None = None,
    ) -> FakeProduct:
        """Create a product the default user is a team member of (or `members`). Without `id`,
        products are numbered 1001, 1002, ... in each state."""
        with self.lock:
            pid = id if id is not None else 1000 + self._next_id("product")
            product = FakeProduct(
                id=pid,
                slug=slug or f"product-{pid}",
                name=name or f"Product {pid}",
                platform_id=platform_id(platform),
                org=org,
                members=set(members) if members is not None else {self.username},
            )
            self.products[pid] = product
            return product

    def add_org(
        self, slug: str, *, name: str | None = None, members: Iterable[str] | None = None
    ) -> FakeOrg:
        with self.lock:
            org = FakeOrg(
                id=self._hex_id("org"),
                slug=slug,
                name=name or slug,
                members=set(members) if members is not None else {self.username},
            )
            self.orgs[org.slug] = org
            return org

    def find_product(self, ref: int | str | FakeProduct) -> FakeProduct | None:
        """A product by id, slug or the `FakeProduct` itself."""
        with self.lock:
            if isinstance(ref, FakeProduct):
                return self.products.get(ref.id)
            if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
                return self.products.get(int(ref))
            return next((p for p in self.products.values() if p.slug == ref), None)

    def _product(self, ref: int | str | FakeProduct) -> FakeProduct:
        found = self.find_product(ref)
        if found is None:
            raise KeyError(f"no product {ref!r}: add_product() it first")
        return found

    def product_for(self, token: Token, ref: str) -> FakeProduct:
        """The product `ref` (id or slug) if `token` is its own or its user is a team member.
        Raises `NotFound` or `Denied`."""
        with self.lock:
            product = self.find_product(ref)
            if product is None:
                raise NotFound("Product not found")
            if not self.may_use(token, product):
                raise Denied
            return product

    def may_use(self, token: Token, product: FakeProduct) -> bool:
        """Whether `token` may use `product`: a token of the product (its OAuth client's, one
        of its API users'), of a team member, or of an API user of the product's organization."""
        with self.lock:
            if token.product_id == product.id:
                return True
            if token.username is not None and token.username in product.members:
                return True
            if token.org_id is None or product.org is None:
                return False
            org = self.find_org(product.org)
            return org is not None and org.id == token.org_id

    def find_org(self, ref: str) -> FakeOrg | None:
        """An organization by slug or id."""
        with self.lock:
            return self.orgs.get(ref) or next((o for o in self.orgs.values() if o.id == ref), None)

    def org_product_ids(
        self, username: str | None, ref: str, *, org_id: str | None = None
    ) -> set[int]:
        """The ids of the products of organization `ref` (slug or id) if `username` is one of
        its members, or `org_id` is its id (the token of one of its API users). Raises
        `NotFound` or `Denied`."""
        with self.lock:
            org = self.find_org(ref)
            if org is None:
                raise NotFound("Organization not found")
            if username not in org.members and org_id != org.id:
                raise Denied
            return {p.id for p in self.products.values() if p.org in (org.slug, org.id)}

    def list_products(self, token: Token) -> list[dict[str, Any]]:
        """The products `token` may use (its own, those its user is a member of), by id."""
        with self.lock:
            return [
                self.product_json(p)
                for p in sorted(self.products.values(), key=lambda p: p.id)
                if self.may_use(token, p)
            ]

    def product_json(self, product: FakeProduct) -> dict[str, Any]:
        with self.lock:
            devices = [d for d in self.devices.values() if d.product_id == product.id]
            body: dict[str, Any] = {
                "id": product.id,
                "platform_id": product.platform_id,
                "name": product.name,
                "slug": product.slug,
                "description": product.description,
                "groups": sorted({group for d in devices for group in d.groups}),
                "device_count": len(devices),
            }
            if product.org is not None:
                body["org"] = product.org
            return body

    # ------------------------------------------------------------- product firmware

    def add_firmware(
        self,
        product: int | str | FakeProduct,
        version: int,
        data: bytes,
        *,
        title: str | None = None,
        description: str = "",
        current: bool = False,
        uploaded_by: str | None = None,
    ) -> FakeFirmware:
        """Add a firmware version to a product (id, slug or `FakeProduct`); `current=True` makes
        it the product default (and no other). Raises `ValueError` if the version exists."""
        with self.lock:
            found = self._product(product)
            if version in found.firmware:
                raise ValueError(f"product {found.id} already has firmware version {version}")
            firmware = FakeFirmware(
                product_id=found.id,
                version=version,
                title=title if title is not None else f"Version {version}",
                data=bytes(data),
                description=description,
                uploaded_by=uploaded_by or self.username,
            )
            found.firmware[version] = firmware
            if current:
                self.make_current(found, version)
            return firmware

    def make_current(self, product: int | str | FakeProduct, version: int) -> None:
        """Make `version` the product's default firmware (and no other version)."""
        with self.lock:
            found = self._product(product)
            for firmware in found.firmware.values():
                firmware.current = firmware.version == version

    def find_firmware(self, product: FakeProduct, ref: int | str) -> FakeFirmware:
        """Version `ref` (a number, or its digits as a request gave them) of the product's
        firmware. Raises `NotFound`."""
        with self.lock:
            found = product.firmware.get(int(ref)) if str(ref).isdigit() else None
        if found is None:
            raise NotFound(f"Firmware version {ref} not found")
        return found

    def list_firmware(self, product: FakeProduct) -> list[dict[str, Any]]:
        """The product's firmware versions, newest first."""
        with self.lock:
            versions = sorted(product.firmware.values(), key=lambda f: f.version, reverse=True)
            return [self.firmware_json(f) for f in versions]

    def firmware_json(self, firmware: FakeFirmware) -> dict[str, Any]:
        with self.lock:
            return {
                "version": firmware.version,
                "title": firmware.title,
                "description": firmware.description,
                "size": len(firmware.data),
                "device_count": sum(
                    1
                    for d in self.devices.values()
                    if d.product_id == firmware.product_id
                    and d.firmware_version == firmware.version
                ),
                "current": firmware.current,
                "mandatory": firmware.mandatory,
                "uploaded_at": iso(firmware.uploaded_at),
                "uploaded_by": firmware.uploaded_by,
                "product_id": firmware.product_id,
            }

    def upload_firmware(
        self,
        product: FakeProduct,
        version: str,
        data: bytes,
        *,
        title: str,
        description: str,
        uploaded_by: str | None,
        mandatory: bool = False,
    ) -> dict[str, Any]:
        """Add a new firmware version (`version`: digits) to the product. Raises `Refused` if
        the version exists."""
        with self.lock:
            if int(version) in product.firmware:
                raise Refused(f"Firmware version {version} already exists")
            firmware = self.add_firmware(
                product,
                int(version),
                data,
                title=title,
                description=description,
                uploaded_by=uploaded_by,
            )
            firmware.mandatory = mandatory
            return self.firmware_json(firmware)

    def update_firmware(
        self,
        firmware: FakeFirmware,
        *,
        title: str | None,
        description: str | None,
        mandatory: bool | None = None,
    ) -> dict[str, Any]:
        """Change the title, the description and/or the `mandatory` flag (None: unchanged) of
        a firmware version."""
        with self.lock:
            if mandatory is not None:
                firmware.mandatory = mandatory
            if title is not None:
                firmware.title = title
            if description is not None:
                firmware.description = description
            return self.firmware_json(firmware)

    def delete_firmware(self, product: FakeProduct, firmware: FakeFirmware) -> None:
        """Delete a firmware version that was never released. Raises `Refused` (409) for one
        that was (or is the product default)."""
        with self.lock:
            released = firmware.current or any(
                r.version == firmware.version for r in product.releases
            )
            if released:
                raise Refused(
                    f"Firmware version {firmware.version} has been released and cannot be deleted",
                    status=409,
                )
            product.firmware.pop(firmware.version, None)

    def release_firmware(
        self,
        product: FakeProduct,
        version: int | str,
        *,
        product_default: bool | None,
        groups: Iterable[str],
        intelligent: bool | None,
        username: str | None,
    ) -> None:
        """Record a release of firmware `version` (a number or its digits); as the product
        default, make it current. Raises `NotFound` for an unknown version."""
        with self.lock:
            firmware = self.find_firmware(product, version)
            product.releases.append(
                FirmwareRelease(
                    version=firmware.version,
                    product_default=product_default,
                    groups=tuple(groups),
                    intelligent=intelligent,
                    username=username,
                    at=utcnow(),
                )
            )
            if product_default:
                self.make_current(product, firmware.version)
