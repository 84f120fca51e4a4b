"""Wire-level tests of `client.sims`: exact method, path, query, body and headers per call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import anyio
import httpx
import pytest
import respx

from aioparticle import (
    APIError,
    DataUsageDay,
    FleetDataUsage,
    InternalServerError,
    NotFoundError,
    Page,
    PageMeta,
    ParticleClient,
    PermissionDeniedError,
    PollTimeoutError,
    Sim,
    SimDataUsage,
    Sims,
    SimStatusCheck,
)
from tests.conftest import load
from tests.unit._wire import (
    BAD_PRODUCTS,
    NO_BODY,
    BadInput,
    OpenCall,
    bad_input,
    bad_input_grid,
    check_request,
    only_request,
    queries,
    reply,
    reply_by_page,
)

pytestmark = pytest.mark.anyio

ICCID = "8901410321111851072"
ICCID2 = "89314404000123456789"
ICCID3 = "8934076500002589174F"
DEV = "0123456789abcdef01234567"
PRODUCT_ID = 4567
SLUG = "my-product"

#: `product=` values and the path prefix each one must produce.
PRODUCTS = pytest.mark.parametrize(
    ("product", "prefix"),
    [(PRODUCT_ID, "/v1/products/4567"), (SLUG, "/v1/products/my-product")],
    ids=["product-id", "product-slug"],
)
#: User scope plus both product forms.
SCOPES = pytest.mark.parametrize(
    ("product", "prefix"),
    [(None, "/v1"), (PRODUCT_ID, "/v1/products/4567"), (SLUG, "/v1/products/my-product")],
    ids=["user", "product-id", "product-slug"],
)


def sim_body(iccid: str, **extra: Any) -> dict[str, Any]:
    """A SIM record as the cloud sends it."""
    return {**load("sims/sim.json"), "iccid": iccid, **extra}


USAGE_BODY = load("sims/data_usage.json")


# --------------------------------------------------------------------------- list


async def test_list_user_scope_is_one_page_of_the_bare_array(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, [sim_body(ICCID), sim_body(ICCID2, status="inactive", device_id=None)])

    page = await client.sims.list()

    check_request(only_request(api), "GET", "/v1/sims")
    assert isinstance(page, Page)
    assert [s.iccid for s in page] == [ICCID, ICCID2]
    assert all(isinstance(s, Sim) for s in page)
    assert page.meta == PageMeta()  # no metadata: every field None
    assert page.meta.total_pages is None
    assert page.next_page is None
    first, second = page
    assert first.status == "active"
    assert first.base_country_code == "US"
    assert first.carrier == "Telefonica"
    assert first.device_id == DEV
    assert first.device_name == "tracker-1"
    assert first.last_status_change_action == "activate"
    assert first.activated_on == datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert second.status == "inactive"
    assert second.device_id is None


async def test_list_user_scope_iteration_makes_one_request(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, [sim_body(ICCID), sim_body(ICCID2), sim_body(ICCID3)])

    iccids = [sim.iccid async for sim in client.sims.list()]

    check_request(only_request(api), "GET", "/v1/sims")
    assert iccids == [ICCID, ICCID2, ICCID3]


@PRODUCTS
async def test_list_product_scope_without_options_sends_no_query(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, {"sims": [sim_body(ICCID)], "meta": {"total_pages": 1}})

    page = await client.sims.list(product=product)

    check_request(only_request(api), "GET", f"{prefix}/sims")
    assert [s.iccid for s in page] == [ICCID]
    assert page.meta is not None
    assert page.meta.total_pages == 1
    assert page.number == 1
    assert page.next_page is None


@PRODUCTS
async def test_list_product_scope_sends_every_filter_under_its_wire_name(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, {"sims": [sim_body(ICCID)], "meta": {"total_pages": 5}})

    page = await client.sims.list(
        product=product,
        iccid=ICCID,
        device_id=DEV,
        device_name="tracker-1",
        page=3,
        per_page=25,
    )

    check_request(
        only_request(api),
        "GET",
        f"{prefix}/sims",
        query=(f"iccid={ICCID}&deviceId={DEV}&deviceName=tracker-1&per_page=25&page=3".encode()),
    )
    assert page.number == 3
    assert page.next_page == 4


async def test_list_product_scope_walks_every_page_up_to_total_pages(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    meta = {"total_pages": 3}
    reply_by_page(
        api,
        {
            None: {"sims": [sim_body(ICCID), sim_body(ICCID2)], "meta": meta},
            # a short page in the middle does not end the walk: total_pages says more follow
            "2": {"sims": [sim_body(ICCID3)], "meta": meta},
            # a full last page does not start a fourth request
            "3": {"sims": [sim_body("1111111111"), sim_body("2222222222")], "meta": meta},
        },
    )

    iccids = [sim.iccid async for sim in client.sims.list(product=PRODUCT_ID, per_page=2)]

    assert iccids == [ICCID, ICCID2, ICCID3, "1111111111", "2222222222"]
    assert queries(api) == [b"per_page=2", b"per_page=2&page=2", b"per_page=2&page=3"]
    for call in api.calls:
        check_request(call.request, "GET", "/v1/products/4567/sims", query=call.request.url.query)


async def test_list_product_scope_pages_iterates_page_by_page(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    meta = {"total_pages": 2}
    reply_by_page(
        api,
        {
            None: {"sims": [sim_body(ICCID)], "meta": meta},
            "2": {"sims": [sim_body(ICCID2)], "meta": meta},
        },
    )

    pages = [page async for page in client.sims.list(product=SLUG).pages()]

    assert [[s.iccid for s in page] for page in pages] == [[ICCID], [ICCID2]]
    assert [page.number for page in pages] == [1, 2]
    assert queries(api) == [b"", b"page=2"]


async def test_breaking_out_of_the_loop_makes_no_further_request(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    meta = {"total_pages": 3}
    reply_by_page(
        api,
        {
            None: {"sims": [sim_body(ICCID), sim_body(ICCID2)], "meta": meta},
            "2": {"sims": [sim_body(ICCID3)], "meta": meta},
            "3": {"sims": [sim_body("1111111111")], "meta": meta},
        },
    )

    seen = []
    async for sim in client.sims.list(product=PRODUCT_ID):
        seen.append(sim.iccid)
        break

    assert seen == [ICCID]
    check_request(only_request(api), "GET", "/v1/products/4567/sims")


# --------------------------------------------------------------------------- data usage


@SCOPES
@pytest.mark.parametrize("iccid", [ICCID, ICCID3], ids=["digits", "with-F"])
async def test_get_data_usage(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str | None,
    prefix: str,
    iccid: str,
) -> None:
    reply(api, USAGE_BODY)

    usage = await client.sims.get_data_usage(iccid, product=product)

    check_request(only_request(api), "GET", f"{prefix}/sims/{iccid}/data_usage")
    assert isinstance(usage, SimDataUsage)
    assert usage.iccid == ICCID
    assert usage.quota == 3
    assert usage.used == 1.75
    assert all(isinstance(day, DataUsageDay) for day in usage.usage_by_day)
    assert [day.date for day in usage.usage_by_day] == [date(2025, 3, 1), date(2025, 3, 2)]
    assert all(type(day.date) is date for day in usage.usage_by_day)
    assert [day.mbs_used for day in usage.usage_by_day] == [0.25, 1.5]
    assert [day.mbs_used_cumulative for day in usage.usage_by_day] == [0.25, 1.75]


@PRODUCTS
async def test_get_fleet_data_usage(
    client: ParticleClient, api: respx.MockRouter, product: int | str, prefix: str
) -> None:
    reply(api, load("sims/fleet_data_usage.json"))

    usage = await client.sims.get_fleet_data_usage(product=product)

    check_request(only_request(api), "GET", f"{prefix}/sims/data_usage")
    assert isinstance(usage, FleetDataUsage)
    assert usage.total_mbs_used == 12.5
    assert usage.total_active_sim_cards == 4
    assert [(d.date, d.mbs_used) for d in usage.usage_by_day] == [(date(2025, 3, 1), 12.5)]


# --------------------------------------------------------------------------- check


@pytest.mark.parametrize("status", [200, 204])
async def test_check_is_a_head_request_returning_the_status_code(
    client: ParticleClient, api: respx.MockRouter, status: int
) -> None:
    reply(api, status=status)

    result = await client.sims.check(ICCID)

    check_request(only_request(api), "HEAD", f"/v1/sims/{ICCID}")
    assert result == status
    assert type(result) is int


async def test_check_of_an_unknown_sim_raises_not_found(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, status=404)

    with pytest.raises(NotFoundError) as caught:
        await client.sims.check(ICCID)

    assert caught.value.status_code == 404
    check_request(only_request(api), "HEAD", f"/v1/sims/{ICCID}")


async def test_check_of_a_foreign_sim_raises_permission_denied(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, status=403)

    with pytest.raises(PermissionDeniedError) as caught:
        await client.sims.check(ICCID)

    assert caught.value.status_code == 403
    check_request(only_request(api), "HEAD", f"/v1/sims/{ICCID}")


# --------------------------------------------------------------------------- remove


@SCOPES
@pytest.mark.parametrize(
    ("status", "body"),
    [(202, {"ok": True}), (202, None), (204, None)],
    ids=["202-pending", "202-empty", "204"],
)
async def test_remove_accepts_a_pending_release(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str | None,
    prefix: str,
    status: int,
    body: Any,
) -> None:
    reply(api, body, status=status)

    result = await client.sims.remove(ICCID, product=product)  # type: ignore[func-returns-value]

    check_request(only_request(api), "DELETE", f"{prefix}/sims/{ICCID}")
    assert result is None


@SCOPES
async def test_remove(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, {"ok": True})

    result = await client.sims.remove(ICCID, product=product)  # type: ignore[func-returns-value]

    check_request(only_request(api), "DELETE", f"{prefix}/sims/{ICCID}")
    assert result is None


async def test_remove_answered_ok_false_raises(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": False, "error": "SIM not released"})

    with pytest.raises(APIError, match="SIM not released"):
        await client.sims.remove(ICCID)


# --------------------------------------------------------------------------- activate


async def test_activate_user_scope(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"ok": True})

    result = await client.sims.activate(ICCID, country="US")  # type: ignore[func-returns-value]

    check_request(
        only_request(api),
        "PUT",
        f"/v1/sims/{ICCID}",
        body={"action": "activate", "country": "US"},
    )
    assert result is None


async def test_activate_user_scope_with_promo_code(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": True})

    await client.sims.activate(ICCID, country="DE", promo_code="FREEDATA")

    check_request(
        only_request(api),
        "PUT",
        f"/v1/sims/{ICCID}",
        body={"action": "activate", "country": "DE", "promoCode": "FREEDATA"},
    )


@PRODUCTS
@pytest.mark.parametrize(
    ("kwargs", "sims"),
    [
        ({"iccid": ICCID}, [ICCID]),
        ({"iccids": [ICCID, ICCID2]}, [ICCID, ICCID2]),
        ({"iccids": (ICCID2,)}, [ICCID2]),
        ({"iccid": ICCID, "iccids": [ICCID2, ICCID3]}, [ICCID, ICCID2, ICCID3]),
    ],
    ids=["iccid", "iccids", "iccids-tuple", "both"],
)
async def test_activate_product_scope_imports_in_one_request(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    kwargs: dict[str, Any],
    sims: list[str],
) -> None:
    reply(api, {"ok": True})

    result = await client.sims.activate(country="US", product=product, **kwargs)  # type: ignore[func-returns-value]

    check_request(only_request(api), "POST", f"{prefix}/sims", body={"sims": sims, "country": "US"})
    assert result is None


# --------------------------------------------------------------------------- deactivate etc.


@SCOPES
async def test_deactivate(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, {"ok": True})

    result = await client.sims.deactivate(ICCID, product=product)  # type: ignore[func-returns-value]

    check_request(only_request(api), "PUT", f"{prefix}/sims/{ICCID}", body={"action": "deactivate"})
    assert result is None


@SCOPES
async def test_reactivate_without_limit(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, {"ok": True})

    result = await client.sims.reactivate(ICCID, product=product)  # type: ignore[func-returns-value]

    check_request(only_request(api), "PUT", f"{prefix}/sims/{ICCID}", body={"action": "reactivate"})
    assert result is None


@SCOPES
async def test_reactivate_with_limit(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, {"ok": True})

    await client.sims.reactivate(ICCID, mb_limit=20, product=product)

    check_request(
        only_request(api),
        "PUT",
        f"{prefix}/sims/{ICCID}",
        body={"action": "reactivate", "mb_limit": 20},
    )


@SCOPES
async def test_set_data_limit(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, {"ok": True})

    result = await client.sims.set_data_limit(ICCID, 100, product=product)  # type: ignore[func-returns-value]

    check_request(only_request(api), "PUT", f"{prefix}/sims/{ICCID}", body={"mb_limit": 100})
    assert result is None


# --------------------------------------------------------------------------- retries


@pytest.mark.parametrize(
    ("call", "method", "path", "body"),
    [
        (
            lambda s: s.activate(ICCID, country="US"),
            "PUT",
            f"/v1/sims/{ICCID}",
            {"action": "activate", "country": "US"},
        ),
        (
            lambda s: s.activate(ICCID, country="US", product=PRODUCT_ID),
            "POST",
            "/v1/products/4567/sims",
            {"sims": [ICCID], "country": "US"},
        ),
    ],
    ids=["user", "product"],
)
async def test_activate_is_not_retried_after_503(
    client: ParticleClient,
    api: respx.MockRouter,
    sleeps: list[float],
    call: Callable[[Sims], Awaitable[object]],
    method: str,
    path: str,
    body: object,
) -> None:
    reply(api, {"error": "unavailable"}, status=503)

    with pytest.raises(InternalServerError) as caught:
        await call(client.sims)

    assert caught.value.status_code == 503
    check_request(only_request(api), method, path, body=body)
    assert sleeps == []


@pytest.mark.parametrize(
    ("call", "method", "body"),
    [
        (lambda s: s.deactivate(ICCID), "PUT", {"action": "deactivate"}),
        (lambda s: s.reactivate(ICCID, mb_limit=5), "PUT", {"action": "reactivate", "mb_limit": 5}),
        (lambda s: s.set_data_limit(ICCID, 5), "PUT", {"mb_limit": 5}),
        (lambda s: s.remove(ICCID), "DELETE", NO_BODY),
    ],
    ids=["deactivate", "reactivate", "set_data_limit", "remove"],
)
async def test_idempotent_sim_updates_are_retried_after_503(
    client: ParticleClient,
    api: respx.MockRouter,
    sleeps: list[float],
    call: Callable[[Sims], Awaitable[object]],
    method: str,
    body: object,
) -> None:
    api.route().mock(
        side_effect=[
            httpx.Response(503, json={"error": "unavailable"}),
            httpx.Response(200, json={"ok": True}),
        ]
    )

    await call(client.sims)

    assert len(api.calls) == 2
    for sent in api.calls:
        check_request(sent.request, method, f"/v1/sims/{ICCID}", body=body)
    assert len(sleeps) == 1


# --------------------------------------------------------------------------- get


@SCOPES
async def test_get_unwraps_the_sim_and_reads_its_id_as_the_iccid(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    body = {
        "_id": ICCID,
        "status": "active",
        "carrier": "Telefonica",
        "last_device_id": DEV,
        "last_device_name": "tracker-1",
        "owner": "someone@example.com",
    }
    reply(api, {"sim": body})

    sim = await client.sims.get(ICCID, product=product)

    check_request(only_request(api), "GET", f"{prefix}/sims/{ICCID}")
    assert isinstance(sim, Sim)
    assert sim.iccid == ICCID
    assert sim.status == "active"
    assert sim.carrier == "Telefonica"
    assert sim.model_extra == {
        "_id": ICCID,
        "last_device_id": DEV,
        "last_device_name": "tracker-1",
        "owner": "someone@example.com",
    }


async def test_get_accepts_an_unwrapped_body(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, sim_body(ICCID3))

    sim = await client.sims.get(ICCID3)

    assert sim.iccid == ICCID3
    assert sim.device_id == sim_body(ICCID3)["device_id"]


# --------------------------------------------------------------------------- status checks


def status_body(state: str, *, again: datetime | None = None, **sim_status: Any) -> Any:
    """A cellular network status check as the cloud answers it."""
    return {
        "ok": True,
        "meta": {
            "created_at": "2024-03-01T12:00:00.000Z",
            "expires_at": "2024-03-01T12:10:00.000Z",
            "check_again_after": None if again is None else again.isoformat(),
            "method": "async",
            "state": state,
            "task_id": "task-1",
        },
        "sim_status": sim_status or None,
    }


PENDING = status_body("pending")
COMPLETE = status_body("complete", connected=True, gsm_connection=True, data_connection=False)


@SCOPES
async def test_get_status_pending(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    again = datetime(2024, 3, 1, 12, 0, 30, tzinfo=timezone.utc)
    reply(api, status_body("pending", again=again), status=202)

    check = await client.sims.get_status(ICCID, product=product)

    check_request(only_request(api), "GET", f"{prefix}/sims/{ICCID}/status")
    assert isinstance(check, SimStatusCheck)
    assert not check.complete
    assert check.ok is True
    assert check.meta.state == "pending"
    assert check.meta.method == "async"
    assert check.meta.task_id == "task-1"
    assert check.meta.created_at == datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    assert check.meta.expires_at == datetime(2024, 3, 1, 12, 10, tzinfo=timezone.utc)
    assert check.meta.check_again_after == again
    assert check.sim_status.connected is None
    assert check.sim_status.gsm_connection is None
    assert check.sim_status.data_connection is None


async def test_get_status_complete(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, COMPLETE)

    check = await client.sims.get_status(ICCID3)

    check_request(only_request(api), "GET", f"/v1/sims/{ICCID3}/status")
    assert check.complete
    assert check.sim_status.connected is True
    assert check.sim_status.gsm_connection is True
    assert check.sim_status.data_connection is False


def answer_in_turn(api: respx.MockRouter, *bodies: Any) -> None:
    """Answer each request with the next body (the last one forever), 202 until complete."""
    calls = iter(range(10_000))

    def answer(request: httpx.Request) -> httpx.Response:
        body = bodies[min(next(calls), len(bodies) - 1)]
        return httpx.Response(202 if body["meta"]["state"] == "pending" else 200, json=body)

    api.route().mock(side_effect=answer)


@SCOPES
async def test_wait_for_status_polls_until_complete(
    client: ParticleClient,
    api: respx.MockRouter,
    sleeps: list[float],
    product: int | str | None,
    prefix: str,
) -> None:
    answer_in_turn(api, PENDING, PENDING, COMPLETE)
    seen: list[str | None] = []

    check = await client.sims.wait_for_status(
        ICCID,
        product=product,
        interval=2,
        deadline=60,
        on_progress=lambda c: seen.append(c.meta.state),
    )

    assert check.complete and check.sim_status.connected is True
    assert seen == ["pending", "pending", "complete"]
    assert len(api.calls) == 3
    for call in api.calls:
        check_request(call.request, "GET", f"{prefix}/sims/{ICCID}/status")
    assert sleeps == [2.0, 2.0]  # no check_again_after: the interval


async def test_wait_for_status_follows_check_again_after(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    now = datetime.now(timezone.utc)
    answer_in_turn(
        api,
        status_body("pending", again=now + timedelta(hours=1)),
        status_body("pending", again=now + timedelta(seconds=30)),
        status_body("pending", again=now - timedelta(seconds=5)),
        COMPLETE,
    )

    await client.sims.wait_for_status(ICCID, interval=10, deadline=600)

    assert sleeps[0] == 40.0  # an hour away: at most 4 intervals
    assert 25.0 < sleeps[1] <= 30.0  # as the cloud suggests
    assert sleeps[2] == 10.0  # already past: the interval
    assert len(sleeps) == 3


async def test_wait_for_status_is_bounded_by_its_deadline(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    answer_in_turn(api, PENDING)

    with pytest.raises(PollTimeoutError) as caught:
        await client.sims.wait_for_status(ICCID, interval=5, deadline=10)

    assert len(api.calls) == 3
    assert isinstance(caught.value.last, SimStatusCheck)
    assert caught.value.last.meta.state == "pending"
    assert f"the status check of SIM {ICCID} did not complete within 10s" in str(caught.value)


async def test_wait_for_status_stops_when_cancelled(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    answer_in_turn(api, PENDING)
    with anyio.CancelScope() as scope:

        async def progress(check: SimStatusCheck) -> None:
            scope.cancel()
            await anyio.lowlevel.checkpoint()

        await client.sims.wait_for_status(ICCID, interval=1, on_progress=progress)

    assert scope.cancelled_caught
    assert len(api.calls) == 1


async def test_wait_for_status_raises_what_the_check_raises(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    reply(api, {"ok": False, "error": "SIM not found"}, status=404)

    with pytest.raises(NotFoundError):
        await client.sims.wait_for_status(ICCID)
    assert len(api.calls) == 1


# --------------------------------------------------------------------------- bad input

BAD_ICCIDS = [
    None,
    "",
    "abc",
    "123",
    "8901410321111851072/0",
    "data_usage",
    "..",
    ".",
    "8901410321111851072\n",
    "8901410321111851072?x=1",
    "8901410321111851072#",
    "8901410321111851072\\",
    " 8901410321111851072",
    "1" * 30,
    8901410321111851072,
]
BAD_ICCID_NAMES = [
    "None",
    "empty",
    "letters",
    "too-short",
    "slash",
    "data_usage",
    "dotdot",
    "dot",
    "newline",
    "query",
    "hash",
    "backslash",
    "leading-space",
    "30-digits",
    "int",
]

#: Every call taking an ICCID, with the ICCID left open.
ICCID_CALLS: dict[str, OpenCall] = {
    "get": lambda c, i: c.sims.get(i),
    "get-product": lambda c, i: c.sims.get(i, product=PRODUCT_ID),
    "get_status": lambda c, i: c.sims.get_status(i),
    "get_status-product": lambda c, i: c.sims.get_status(i, product=SLUG),
    "wait_for_status": lambda c, i: c.sims.wait_for_status(i),
    "get_data_usage": lambda c, i: c.sims.get_data_usage(i),
    "get_data_usage-product": lambda c, i: c.sims.get_data_usage(i, product=SLUG),
    "check": lambda c, i: c.sims.check(i),
    "remove": lambda c, i: c.sims.remove(i),
    "remove-product": lambda c, i: c.sims.remove(i, product=PRODUCT_ID),
    "activate": lambda c, i: c.sims.activate(i, country="US"),
    "activate-promo": lambda c, i: c.sims.activate(i, country="US", promo_code="FREEDATA"),
    "activate-product": lambda c, i: c.sims.activate(i, country="US", product=PRODUCT_ID),
    "activate-iccids": lambda c, i: c.sims.activate(
        country="US", iccids=[ICCID2, i], product=PRODUCT_ID
    ),
    "activate-both": lambda c, i: c.sims.activate(ICCID, country="US", iccids=[i], product=SLUG),
    "deactivate": lambda c, i: c.sims.deactivate(i),
    "deactivate-product": lambda c, i: c.sims.deactivate(i, product=PRODUCT_ID),
    "reactivate": lambda c, i: c.sims.reactivate(i),
    "reactivate-product": lambda c, i: c.sims.reactivate(i, mb_limit=5, product=SLUG),
    "set_data_limit": lambda c, i: c.sims.set_data_limit(i, 10),
    "set_data_limit-product": lambda c, i: c.sims.set_data_limit(i, 10, product=PRODUCT_ID),
}

#: Every call taking an optional or required product, with the product left open.
PRODUCT_CALLS: dict[str, OpenCall] = {
    "get": lambda c, p: c.sims.get(ICCID, product=p),
    "get_status": lambda c, p: c.sims.get_status(ICCID, product=p),
    "wait_for_status": lambda c, p: c.sims.wait_for_status(ICCID, product=p),
    "get_data_usage": lambda c, p: c.sims.get_data_usage(ICCID, product=p),
    "get_fleet_data_usage": lambda c, p: c.sims.get_fleet_data_usage(product=p),
    "remove": lambda c, p: c.sims.remove(ICCID, product=p),
    "deactivate": lambda c, p: c.sims.deactivate(ICCID, product=p),
    "reactivate": lambda c, p: c.sims.reactivate(ICCID, product=p),
    "set_data_limit": lambda c, p: c.sims.set_data_limit(ICCID, 10, product=p),
}

#: `list()` filters and paging, which only a product's listing has.
PRODUCT_ONLY_LIST_OPTIONS: list[dict[str, Any]] = [
    {"iccid": ICCID},
    {"device_id": DEV},
    {"device_name": "tracker-1"},
    {"page": 1},
    {"page": 2},
    {"per_page": 10},
]
BAD_LIST_OPTIONS: list[dict[str, Any]] = [
    {"product": PRODUCT_ID, "page": 0},
    {"product": PRODUCT_ID, "per_page": 0},
    {"product": PRODUCT_ID, "per_page": True},
    {"product": PRODUCT_ID, "per_page": "10"},
    {"product": PRODUCT_ID, "device_id": ""},
    {"product": PRODUCT_ID, "device_name": "a\nb"},
    {"product": PRODUCT_ID, "device_name": 5},
    {"product": -1},
    {"product": True},
    {"product": "a/b"},
    {"product": ".."},
    {"page": 0},
]

#: `activate()` arguments that must be refused (`country="US"` unless the row says otherwise).
BAD_ACTIVATE_OPTIONS: dict[str, dict[str, Any]] = {
    "iccids-without-product": {"iccid": ICCID, "iccids": [ICCID2]},
    "only-iccids-without-product": {"iccids": [ICCID2]},
    "promo-with-product": {"iccid": ICCID, "promo_code": "FREEDATA", "product": PRODUCT_ID},
    "promo-with-product-iccids": {"iccids": [ICCID], "promo_code": "FREEDATA", "product": SLUG},
    "nothing": {},
    "nothing-product": {"product": PRODUCT_ID},
    "empty-iccids": {"iccids": [], "product": PRODUCT_ID},
    "str-iccids": {"iccids": ICCID, "product": PRODUCT_ID},
    "str-iccids-and-iccid": {"iccid": ICCID, "iccids": ICCID2, "product": PRODUCT_ID},
    "set-iccids": {"iccids": {ICCID}, "product": PRODUCT_ID},
    "empty-country": {"iccid": ICCID, "country": ""},
    "none-country": {"iccid": ICCID, "country": None},
    "control-country": {"iccid": ICCID, "country": "U\nS"},
    "long-country": {"iccid": ICCID, "country": "U" * 65},
    "empty-country-product": {"iccid": ICCID, "product": PRODUCT_ID, "country": ""},
    "empty-promo": {"iccid": ICCID, "promo_code": ""},
    "control-promo": {"iccid": ICCID, "promo_code": "A\x00B"},
    "negative-product": {"iccid": ICCID, "product": -1},
    "slash-product": {"iccid": ICCID, "product": "a/b"},
}

#: Every call with an argument `client.sims` must refuse before any request.
BAD_INPUT = [
    *bad_input_grid(ICCID_CALLS, BAD_ICCIDS, BAD_ICCID_NAMES, prefix="iccid"),
    # None is the filter left out, so it is not a bad ICCID filter
    *bad_input_grid(
        {"list": lambda c, i: c.sims.list(product=PRODUCT_ID, iccid=i)},
        BAD_ICCIDS[1:],
        BAD_ICCID_NAMES[1:],
        prefix="iccid",
        eager={"list"},
    ),
    *bad_input_grid(PRODUCT_CALLS, BAD_PRODUCTS, prefix="product"),
    bad_input(
        "product-get_fleet_data_usage-None", lambda c: c.sims.get_fleet_data_usage(product=None)
    ),
    # `list()` returns a paginator: it refuses when called, before anything is awaited
    *bad_input_grid(
        {"list-needs-product": lambda c, kwargs: c.sims.list(**kwargs)},
        PRODUCT_ONLY_LIST_OPTIONS,
        eager={"list-needs-product"},
    ),
    *bad_input_grid(
        {"list": lambda c, kwargs: c.sims.list(**kwargs)}, BAD_LIST_OPTIONS, eager={"list"}
    ),
    *bad_input_grid(
        {"activate": lambda c, kwargs: c.sims.activate(**{"country": "US", **kwargs})},
        list(BAD_ACTIVATE_OPTIONS.values()),
        list(BAD_ACTIVATE_OPTIONS),
    ),
    *bad_input_grid(
        {"set_data_limit": lambda c, limit: c.sims.set_data_limit(ICCID, limit)},
        [0, -5, True, "10", 1.5, None],
    ),
    *bad_input_grid(
        {"reactivate-mb_limit": lambda c, limit: c.sims.reactivate(ICCID, mb_limit=limit)},
        [0, -5, True, "10", 1.5],
    ),
    *bad_input_grid(
        {"wait_for_status": lambda c, kwargs: c.sims.wait_for_status(ICCID, **kwargs)},
        [
            {"interval": 0},
            {"interval": -2},
            {"interval": False},
            {"deadline": 0},
            {"deadline": 86_401},
            {"deadline": "60"},
            {"on_progress": 42},
        ],
    ),
]


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={"ok": True})
    return api


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
