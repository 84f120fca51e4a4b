"""SIM cards: listing, data usage, activation and removal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from .._exceptions import InvalidArgumentError
from .._pagination import AsyncPaginator, Page, page_parser, page_size
from .._parsing import parse_ack, parse_model, parse_status, parse_unwrapped
from .._paths import MAX_ID_LENGTH, scope_prefix
from .._polling import poll_until
from ..models.sims import FleetDataUsage, Sim, SimDataUsage, SimStatusCheck
from ._base import Resource
from ._checks import iccid_segment, positive_int, short_text

if TYPE_CHECKING:
    from .._polling import ProgressCallback as PollProgress
    from ..types import JSONValue, ProductRef

__all__ = ["Sims"]

#: Most SIMs imported into a product in one request.
MAX_BULK_SIMS = 1000
#: Seconds between two looks at a cellular network status check, and the longest wait for it
#: to complete, while `wait_for_status` waits (unless the caller says).
DEFAULT_STATUS_INTERVAL = 5.0
DEFAULT_STATUS_DEADLINE = 300.0

_parse_sim_page = page_parser(Sim, "sims")
_parse_usage = parse_model(SimDataUsage)
_parse_fleet_usage = parse_model(FleetDataUsage)
_parse_sim = parse_unwrapped(Sim, "sim")
_parse_status_check = parse_model(SimStatusCheck)


def _sim_path(iccid: object, product: ProductRef | None) -> str:
    return f"{scope_prefix(product)}/sims/{iccid_segment(iccid)}"


def _check_again_in(check: SimStatusCheck) -> float | None:
    """Seconds until the check's `check_again_after`, if it says."""
    after = check.meta.check_again_after
    if after is None:
        return None
    return (after - datetime.now(timezone.utc)).total_seconds()


def _country(country: object) -> str:
    return short_text(country, "country", max_length=64)


class Sims(Resource):
    """Particle SIM cards of the account, or of one product with `product=`."""

    __slots__ = ()

    def list(
        self,
        *,
        product: ProductRef | None = None,
        iccid: str | None = None,
        device_id: str | None = None,
        device_name: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> AsyncPaginator[Sim]:
        """List SIMs: `await` for the first page, `async for` for every SIM.

        In user scope the cloud returns every SIM at once and honours no filter, so the filters
        and `page`/`per_page` raise `ValueError` without `product=`.
        """
        filters: dict[str, str | int | None] = {
            "iccid": None if iccid is None else iccid_segment(iccid),
            "deviceId": None
            if device_id is None
            else short_text(device_id, "device_id", max_length=MAX_ID_LENGTH),
            "deviceName": None
            if device_name is None
            else short_text(device_name, "device_name", max_length=MAX_ID_LENGTH),
            "per_page": None if per_page is None else page_size(per_page),
        }
        if page is not None:
            positive_int(page, "page")
        request = self._request
        if product is None:
            given = [k for k, v in filters.items() if v is not None]
            given += ["page"] if page is not None else []
            if given:
                raise InvalidArgumentError(
                    f"SIM list filters ({', '.join(given)}) are only honoured in product "
                    "scope: pass product="
                )

            async def fetch_user(_: int | None) -> Page[Sim]:
                sims, meta = await request("GET", "/v1/sims", parse=_parse_sim_page)
                return Page(sims, meta=meta)

            return AsyncPaginator(fetch_user, label="GET /v1/sims")
        return self._paginate(
            f"{scope_prefix(product)}/sims",
            _parse_sim_page,
            params=filters,
            page=page,
            per_page=per_page,
        )

    async def get(self, iccid: str, *, product: ProductRef | None = None) -> Sim:
        """One SIM of the account or product."""
        return await self._request("GET", _sim_path(iccid, product), parse=_parse_sim)

    async def get_status(self, iccid: str, *, product: ProductRef | None = None) -> SimStatusCheck:
        """Start or look at a check of the SIM's cellular network status.

        The cloud runs the check in the background: until `complete`, `sim_status` holds
        `None`s and `meta.check_again_after` says when to look again (`wait_for_status()`
        does the looking).
        """
        path = f"{_sim_path(iccid, product)}/status"
        return await self._request("GET", path, parse=_parse_status_check)

    async def wait_for_status(
        self,
        iccid: str,
        *,
        product: ProductRef | None = None,
        interval: float = DEFAULT_STATUS_INTERVAL,
        deadline: float = DEFAULT_STATUS_DEADLINE,
        on_progress: PollProgress[SimStatusCheck] | None = None,
    ) -> SimStatusCheck:
        """Check the SIM's cellular network status and wait until the check completes.

        Looks again when `meta.check_again_after` says (kept between a quarter of `interval`
        and four times it), for at most `deadline` seconds, then raises `PollTimeoutError`
        carrying the last check seen. `on_progress(check)` (sync or async) sees every look.
        Cancelling the caller stops the wait.
        """
        path = f"{_sim_path(iccid, product)}/status"

        async def look() -> SimStatusCheck:
            return await self._request("GET", path, parse=_parse_status_check)

        return await poll_until(
            look,
            lambda check: check.complete,
            interval=interval,
            deadline=deadline,
            on_progress=on_progress,
            hint=_check_again_in,
            what=f"the status check of SIM {iccid}",
        )

    async def get_data_usage(
        self, iccid: str, *, product: ProductRef | None = None
    ) -> SimDataUsage:
        """A SIM's data usage in the current billing period."""
        path = f"{_sim_path(iccid, product)}/data_usage"
        return await self._request("GET", path, parse=_parse_usage)

    async def get_fleet_data_usage(self, *, product: ProductRef) -> FleetDataUsage:
        """The data usage of a product's whole fleet in the current billing period."""
        prefix = self._product_prefix(product)
        return await self._request("GET", f"{prefix}/sims/data_usage", parse=_parse_fleet_usage)

    async def check(self, iccid: str) -> int:
        """Check a SIM (`HEAD`): the 2xx status code; error statuses raise as usual."""
        return await self._request("HEAD", _sim_path(iccid, None), parse=parse_status)

    async def remove(self, iccid: str, *, product: ProductRef | None = None) -> None:
        """Release a SIM from the account or product, so another account can activate it (the
        cloud may finish the release later: it answers 202 then)."""
        await self._request("DELETE", _sim_path(iccid, product), parse=parse_ack)

    async def activate(
        self,
        iccid: str | None = None,
        *,
        country: str,
        iccids: Sequence[str] | None = None,
        promo_code: str | None = None,
        product: ProductRef | None = None,
    ) -> None:
        """Activate a SIM of the account, or import SIMs (`iccid` and/or `iccids`) into a
        product (one bulk request)."""
        if product is None:
            if iccids is not None:
                raise InvalidArgumentError("iccids= imports SIMs into a product: pass product=")
            if iccid is None:
                raise InvalidArgumentError("activate() needs the iccid of the SIM")
            body: dict[str, JSONValue] = {"action": "activate", "country": _country(country)}
            if promo_code is not None:
                body["promoCode"] = short_text(promo_code, "promo_code", max_length=64)
            await self._request(
                "PUT", _sim_path(iccid, None), json=body, parse=parse_ack, idempotent=False
            )
            return
        if promo_code is not None:
            raise InvalidArgumentError("promo_code= is only accepted for a SIM of the account")
        if iccids is not None and (isinstance(iccids, str) or not isinstance(iccids, Sequence)):
            raise InvalidArgumentError("iccids must be a sequence of ICCIDs, not a str")
        sims = ([] if iccid is None else [iccid]) + list(iccids or [])
        if not sims:
            raise InvalidArgumentError("activate() needs iccid or iccids")
        if len(sims) > MAX_BULK_SIMS:
            raise InvalidArgumentError(f"too many SIMs in one import (at most {MAX_BULK_SIMS})")
        body = {"sims": [iccid_segment(s) for s in sims], "country": _country(country)}
        await self._request("POST", f"{scope_prefix(product)}/sims", json=body, parse=parse_ack)

    async def deactivate(self, iccid: str, *, product: ProductRef | None = None) -> None:
        """Deactivate a SIM (it stops using data until reactivated)."""
        await self._update(iccid, {"action": "deactivate"}, product)

    async def reactivate(
        self, iccid: str, *, mb_limit: int | None = None, product: ProductRef | None = None
    ) -> None:
        """Reactivate a SIM; pass `mb_limit` to unpause one paused for exceeding its limit."""
        body: dict[str, JSONValue] = {"action": "reactivate"}
        if mb_limit is not None:
            body["mb_limit"] = positive_int(mb_limit, "mb_limit")
        await self._update(iccid, body, product)

    async def set_data_limit(
        self, iccid: str, mb_limit: int, *, product: ProductRef | None = None
    ) -> None:
        """Change a SIM's monthly data limit, in megabytes."""
        await self._update(iccid, {"mb_limit": positive_int(mb_limit, "mb_limit")}, product)

    async def _update(
        self, iccid: str, body: dict[str, JSONValue], product: ProductRef | None
    ) -> None:
        await self._request("PUT", _sim_path(iccid, product), json=body, parse=parse_ack)
