"""SIM cards: ownership, activation, imports into products and data usage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ._base import Denied, NotFound, Refused, iso, page_of, utcnow
from .products import ProductsMixin

if TYPE_CHECKING:
    from .auth import Token
    from .devices import FakeDevice
    from .products import FakeProduct

__all__ = ["SIM_ACTIONS", "FakeSim", "SimStatusCheck", "SimsMixin"]

SIM_ACTIONS = ("activate", "deactivate", "reactivate")


@dataclass
class FakeSim:
    """A SIM card: owned by a user (`owner`), imported into a product (`product_id`), or
    released (both None). `usage_by_day` is the current billing period, oldest day first."""

    iccid: str
    status: str = "active"
    base_country_code: str = "US"
    carrier: str = "Particle"
    device_id: str | None = None
    owner: str | None = None
    product_id: int | None = None
    mb_limit: int | None = None
    usage_by_day: list[tuple[date, float]] = field(default_factory=list)
    last_status_change_action: str = "activate"
    activated_on: datetime | None = field(default_factory=utcnow)


@dataclass
class SimStatusCheck:
    """A cellular network status check of a SIM, which completes after `polls_left` more
    requests."""

    iccid: str
    task_id: str
    polls_left: int
    created_at: datetime = field(default_factory=utcnow)

    @property
    def expires_at(self) -> datetime:
        return self.created_at + timedelta(minutes=10)


def _usage_rows(days: Mapping[date, float]) -> list[dict[str, Any]]:
    rows, total = [], 0.0
    for day in sorted(days):
        total += days[day]
        rows.append(
            {
                "date": day.isoformat(),
                "mbs_used": round(days[day], 3),
                "mbs_used_cumulative": round(total, 3),
            }
        )
    return rows


def _usage_by_day(sims: Iterable[FakeSim]) -> dict[date, float]:
    days: dict[date, float] = {}
    for sim in sims:
        for day, mbs in sim.usage_by_day:
            days[day] = days.get(day, 0.0) + mbs
    return days


class SimsMixin(ProductsMixin):
    """SIM cards of users and products."""

    def __init__(self) -> None:
        super().__init__()
        #: the cellular network status check of each SIM, by ICCID
        self.sim_status_checks: dict[str, SimStatusCheck] = {}
        #: requests after the first that a status check stays pending for
        self.sim_status_polls = 2
        #: seconds a pending check's `check_again_after` lies ahead
        self.sim_status_check_after = 1.0

    def add_sim(
        self,
        iccid: str,
        *,
        device: str | FakeDevice | None = None,
        product: int | str | FakeProduct | None = None,
        owner: str | object | None = ...,
        status: str = "active",
        base_country_code: str = "US",
        carrier: str = "Particle",
        mb_limit: int | None = None,
        usage: Iterable[tuple[date | str, float]] = (),
    ) -> FakeSim:
        """Add a SIM card. `device` (id or `FakeDevice`) is the device it sits in; its `iccid`
        is set when it had none, and `product` defaults to the device's product. `owner`
        defaults to the default user for a SIM outside any product, None inside one (None and
        no product: a released SIM anyone may activate). `usage` is `(day, megabytes)` pairs,
        days as `date` or `"YYYY-MM-DD"`."""
        with self.lock:
            if iccid in self.sims:
                raise ValueError(f"SIM {iccid} already exists")
            found_device = None
            if device is not None:
                ref = device if isinstance(device, str) else device.id
                found_device = self.devices.get(ref.lower())
                if found_device is None:
                    raise KeyError(f"no device {ref!r}: add_device() it first")
            product_id = None
            if product is not None:
                product_id = self._product(product).id
            elif found_device is not None:
                product_id = found_device.product_id
            if owner is ...:
                owner = self.username if product_id is None else None
            sim = FakeSim(
                iccid=iccid,
                status=status,
                base_country_code=base_country_code,
                carrier=carrier,
                device_id=found_device.id if found_device is not None else None,
                owner=owner,  # type: ignore[arg-type]
                product_id=product_id,
                mb_limit=mb_limit,
                usage_by_day=sorted(
                    (day if isinstance(day, date) else date.fromisoformat(day), float(mbs))
                    for day, mbs in usage
                ),
                last_status_change_action="activate" if status == "active" else "deactivate",
                activated_on=utcnow() if status == "active" else None,
            )
            if found_device is not None and found_device.iccid is None:
                found_device.iccid = iccid
            self.sims[iccid] = sim
            return sim

    def sim_for(
        self, token: Token, iccid: str, product: FakeProduct | None, *, claimable: bool = False
    ) -> FakeSim:
        """The SIM of a request: in `product` (`NotFound` otherwise), or without a product the
        token user's own (`NotFound` when unknown, `Denied` when someone else's; a released
        SIM passes when `claimable`)."""
        with self.lock:
            sim = self.sims.get(iccid)
            if sim is None or (product is not None and sim.product_id != product.id):
                raise NotFound("SIM not found")
            if product is not None:
                return sim
            released = sim.owner is None and sim.product_id is None
            if not (token.username is not None and sim.owner == token.username) and not (
                claimable and released
            ):
                raise Denied
            return sim

    def list_owned_sims(self, username: str | None) -> list[dict[str, Any]]:
        """The SIM cards `username` owns."""
        with self.lock:
            return [
                self._sim_json(sim)
                for sim in self.sims.values()
                if username is not None and sim.owner == username
            ]

    def list_product_sims(
        self,
        product_id: int,
        *,
        iccid: str | None = None,
        device_id: str | None = None,
        device_name: str | None = None,
        page: int = 1,
        per_page: int,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of the product's SIM cards and how many match: filtered by a part of the
        ICCID, a device id prefix, a part of the device's name."""
        with self.lock:
            sims = [s for s in self.sims.values() if s.product_id == product_id]
            if iccid is not None:
                sims = [s for s in sims if iccid in s.iccid]
            if device_id is not None:
                sims = [
                    s for s in sims if s.device_id is not None and s.device_id.startswith(device_id)
                ]
            if device_name is not None:
                sims = [
                    s
                    for s in sims
                    if s.device_id in self.devices and device_name in self.devices[s.device_id].name
                ]
            return [self._sim_json(s) for s in page_of(sims, page, per_page)], len(sims)

    def _sim_json(self, sim: FakeSim) -> dict[str, Any]:
        device = self.devices.get(sim.device_id) if sim.device_id else None
        return {
            "iccid": sim.iccid,
            "status": sim.status,
            "base_country_code": sim.base_country_code,
            "last_status_change_action": sim.last_status_change_action,
            "activated_on": iso(sim.activated_on),
            "device_id": sim.device_id,
            "device_name": device.name if device is not None else None,
            "carrier": sim.carrier,
            "product_id": sim.product_id,
            "mb_limit": sim.mb_limit,
        }

    def sim_usage(self, sim: FakeSim) -> dict[str, Any]:
        """The SIM's data usage this billing period, by day, with its quota."""
        with self.lock:
            days = _usage_by_day([sim])
            body: dict[str, Any] = {"iccid": sim.iccid, "usage_by_day": _usage_rows(days)}
            if sim.mb_limit is not None:
                body["quota"] = sim.mb_limit
            body["used"] = round(sum(days.values()), 3)
            return body

    def fleet_usage(self, product: FakeProduct) -> dict[str, Any]:
        """The data usage of all the product's SIM cards this billing period, by day."""
        with self.lock:
            sims = [s for s in self.sims.values() if s.product_id == product.id]
            days = _usage_by_day(sims)
            return {
                "total_mbs_used": round(sum(days.values()), 3),
                "total_active_sim_cards": sum(1 for s in sims if s.status == "active"),
                "usage_by_day": _usage_rows(days),
            }

    def update_sim(
        self,
        sim: FakeSim,
        *,
        username: str | None,
        product_scope: bool,
        action: str | None = None,
        country: str | None = None,
        mb_limit: int | None = None,
    ) -> None:
        """Apply an `action` (`SIM_ACTIONS`; activating a released SIM outside a product
        claims it for `username`), a base country and/or a data limit."""
        with self.lock:
            if action in ("activate", "reactivate"):
                sim.status = "active"
                sim.last_status_change_action = action
                sim.activated_on = sim.activated_on or utcnow()
                if not product_scope and sim.owner is None:
                    sim.owner = username
            elif action == "deactivate":
                sim.status = "inactive"
                sim.last_status_change_action = action
            if country:
                sim.base_country_code = country
            if mb_limit is not None:
                sim.mb_limit = mb_limit

    def release_sim(self, sim: FakeSim) -> None:
        """Deactivate the SIM and release it from its owner and its product."""
        with self.lock:
            sim.owner = None
            sim.product_id = None
            sim.status = "inactive"
            sim.last_status_change_action = "deactivate"

    def import_sims(
        self,
        product: FakeProduct,
        iccids: Sequence[str],
        *,
        username: str | None,
        country: str | None = None,
    ) -> None:
        """Import SIM cards (known or new) into the product and activate them; none is imported
        when one belongs to another product or account (`Refused`)."""
        with self.lock:
            for iccid in iccids:
                sim = self.sims.get(iccid)
                if sim is None:
                    continue
                if sim.product_id not in (None, product.id):
                    raise Refused(f"SIM {iccid} belongs to another product")
                if sim.product_id is None and sim.owner not in (None, username):
                    raise Refused(f"SIM {iccid} belongs to another account")
            for iccid in iccids:
                sim = self.sims.get(iccid)
                if sim is None:
                    sim = self.sims[iccid] = FakeSim(iccid=iccid, activated_on=None)
                sim.product_id, sim.owner = product.id, None
                sim.status, sim.last_status_change_action = "active", "activate"
                sim.activated_on = sim.activated_on or utcnow()
                if country:
                    sim.base_country_code = country

    def sim_json(self, sim: FakeSim) -> dict[str, Any]:
        """One SIM as `GET .../sims/:iccid` shows it (`_id` is the ICCID)."""
        with self.lock:
            body = self._sim_json(sim)
            del body["iccid"]
            return {
                "_id": sim.iccid,
                **body,
                "last_device_id": body["device_id"],
                "last_device_name": body["device_name"],
                "owner": sim.owner,
            }

    def sim_status(self, sim: FakeSim) -> tuple[dict[str, Any], bool]:
        """Start or advance the SIM's network status check: its answer, and whether it is
        complete. A check stays pending for `sim_status_polls` more requests; once complete,
        it holds until it expires and the next request starts another."""
        with self.lock:
            now = utcnow()
            check = self.sim_status_checks.get(sim.iccid)
            if check is None or (check.polls_left == 0 and check.expires_at <= now):
                check = SimStatusCheck(
                    iccid=sim.iccid,
                    task_id=f"sim-status-{self._next_id('sim-status')}",
                    polls_left=max(0, self.sim_status_polls),
                )
                self.sim_status_checks[sim.iccid] = check
            elif check.polls_left > 0:
                check.polls_left -= 1
            complete = check.polls_left == 0
            status: dict[str, Any] = {
                "connected": None,
                "gsm_connection": None,
                "data_connection": None,
            }
            if complete:
                device = self.devices.get(sim.device_id) if sim.device_id else None
                active = sim.status == "active"
                online = active and device is not None and device.online
                status = {"connected": online, "gsm_connection": active, "data_connection": online}
            return {
                "ok": True,
                "meta": {
                    "created_at": iso(check.created_at),
                    "expires_at": iso(check.expires_at),
                    "check_again_after": iso(now + timedelta(seconds=self.sim_status_check_after)),
                    "method": "async",
                    "state": "complete" if complete else "pending",
                    "task_id": check.task_id,
                },
                "sim_status": status if complete else None,
            }, complete
