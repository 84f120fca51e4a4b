"""Wire-level tests of `client.sims`: exact method, path, query, body and headers per call."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timezone
from typing import Any

import httpx
import pytest
import respx

import aioparticle
from aioparticle import (
    APIError,
    DataUsageDay,
    FleetDataUsage,
    InternalServerError,
    InvalidArgumentError,
    NotFoundError,
    Page,
    ParticleClient,
    PermissionDeniedError,
    Sim,
    SimDataUsage,
    Sims,
)
from tests.conftest import TOKEN
from tests.unit._wire import expect_invalid, only_request

pytestmark = pytest.mark.anyio

ICCID = "8901410321111851072"
ICCID2 = "89314404000123456789"
ICCID3 = "8934076500002589174F"
DEV = "0123456789abcdef01234567"
PRODUCT_ID = 4567
SLUG = "my-product"

_NO_BODY = object()

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
    return {
        "iccid": iccid,
        "status": "active",
        "base_country_code": "US",
        "carrier": "Telefonica",
        "device_id": DEV,
        "device_name": "tracker-1",
        "last_status_change_action": "activate",
        "activated_on": "2025-03-01T12:00:00.000Z",
        **extra,
    }


USAGE_BODY = {
    "iccid": ICCID,
    "usage_by_day": [
        {"date": "2025-03-01", "mbs_used": 0.25, "mbs_used_cumulative": 0.25},
        {"date": "2025-03-02", "mbs_used": 1.5, "mbs_used_cumulative": 1.75},
    ],
    "quota": 3,
    "used": 1.75,
}


def _canonical(value: object) -> str:
    # Python says 1 == True and 1 == 1.0; the JSON text does not, so compare that.
    return json.dumps(value, sort_keys=True)


def check_request(
    request: httpx.Request,
    method: str,
    path: str,
    *,
    query: bytes = b"",
    body: Any = _NO_BODY,
) -> None:
    """Assert the whole request as it went on the wire."""
    assert request.method == method
    raw_path, _, raw_query = request.url.raw_path.partition(b"?")
    assert raw_path == path.encode("ascii")
    assert request.url.query == query
    assert raw_query == query
    headers = request.headers
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["user-agent"] == f"aioparticle/{aioparticle.__version__}"
    assert headers["accept"] == "application/json"
    if body is _NO_BODY:
        assert request.content == b""
        assert "content-type" not in headers
    else:
        assert headers["content-type"] == "application/json"
        sent = json.loads(request.content)
        assert sent == body
        assert _canonical(sent) == _canonical(body)


def reply(api: respx.MockRouter, body: Any = None, status: int = 200) -> respx.Route:
    """Answer every request with `body` (JSON), or with no body."""
    if body is None:
        return api.route().respond(status)
    return api.route().respond(status, json=body)


def reply_by_page(api: respx.MockRouter, pages: dict[str | None, Any]) -> None:
    """Answer each request with the body for the `page` it asked for (`None`: no `page`)."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("page")])

    api.route().mock(side_effect=answer)


def queries(api: respx.MockRouter) -> list[bytes]:
    return [call.request.url.query for call in api.calls]


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
    assert page.meta is None
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


@pytest.mark.parametrize(
    "kwargs",
    [
        {"iccid": ICCID},
        {"device_id": DEV},
        {"device_name": "tracker-1"},
        {"page": 1},
        {"page": 2},
        {"per_page": 10},
    ],
    ids=lambda kw: next(iter(kw)),
)
async def test_list_filters_and_paging_need_a_product(
    client: ParticleClient, guard: respx.MockRouter, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        client.sims.list(**kwargs)
    assert isinstance(caught.value, ValueError)
    assert len(guard.calls) == 0


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


@pytest.mark.parametrize(
    "kwargs",
    [
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
    ],
    ids=repr,
)
async def test_bad_list_arguments_are_rejected(
    client: ParticleClient, guard: respx.MockRouter, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        client.sims.list(**kwargs)
    assert isinstance(caught.value, ValueError)
    assert len(guard.calls) == 0


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
    reply(
        api,
        {
            "total_mbs_used": 12.5,
            "total_active_sim_cards": 4,
            "usage_by_day": [{"date": "2025-03-01", "mbs_used": 12.5, "mbs_used_cumulative": 12.5}],
        },
    )

    usage = await client.sims.get_fleet_data_usage(product=product)

    check_request(only_request(api), "GET", f"{prefix}/sims/data_usage")
    assert isinstance(usage, FleetDataUsage)
    assert usage.total_mbs_used == 12.5
    assert usage.total_active_sim_cards == 4
    assert [(d.date, d.mbs_used) for d in usage.usage_by_day] == [(date(2025, 3, 1), 12.5)]


async def test_get_fleet_data_usage_needs_a_product(
    client: ParticleClient, guard: respx.MockRouter
) -> None:
    await expect_invalid(client.sims.get_fleet_data_usage(product=None), guard)  # type: ignore[arg-type]


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


@pytest.mark.parametrize(
    "kwargs",
    [
        {"iccid": ICCID, "iccids": [ICCID2]},
        {"iccids": [ICCID2]},
        {"iccid": ICCID, "promo_code": "FREEDATA", "product": PRODUCT_ID},
        {"iccids": [ICCID], "promo_code": "FREEDATA", "product": SLUG},
        {},
        {"product": PRODUCT_ID},
        {"iccids": [], "product": PRODUCT_ID},
        {"iccids": ICCID, "product": PRODUCT_ID},
        {"iccid": ICCID, "iccids": ICCID2, "product": PRODUCT_ID},
        {"iccids": {ICCID}, "product": PRODUCT_ID},
        {"iccid": ICCID, "country": ""},
        {"iccid": ICCID, "country": None},
        {"iccid": ICCID, "country": "U\nS"},
        {"iccid": ICCID, "country": "U" * 65},
        {"iccid": ICCID, "product": PRODUCT_ID, "country": ""},
        {"iccid": ICCID, "promo_code": ""},
        {"iccid": ICCID, "promo_code": "A\x00B"},
        {"iccid": ICCID, "product": -1},
        {"iccid": ICCID, "product": "a/b"},
    ],
    ids=[
        "iccids-without-product",
        "only-iccids-without-product",
        "promo-with-product",
        "promo-with-product-iccids",
        "nothing",
        "nothing-product",
        "empty-iccids",
        "str-iccids",
        "str-iccids-and-iccid",
        "set-iccids",
        "empty-country",
        "none-country",
        "control-country",
        "long-country",
        "empty-country-product",
        "empty-promo",
        "control-promo",
        "negative-product",
        "slash-product",
    ],
)
async def test_bad_activate_arguments_are_rejected(
    client: ParticleClient, guard: respx.MockRouter, kwargs: dict[str, Any]
) -> None:
    kwargs = {"country": "US", **kwargs}
    await expect_invalid(client.sims.activate(**kwargs), guard)


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


@pytest.mark.parametrize("mb_limit", [0, -5, True, "10", 1.5, None])
async def test_bad_data_limit_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, mb_limit: object
) -> None:
    await expect_invalid(client.sims.set_data_limit(ICCID, mb_limit), guard)  # type: ignore[arg-type]


@pytest.mark.parametrize("mb_limit", [0, -5, True, "10", 1.5])
async def test_bad_reactivate_limit_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, mb_limit: object
) -> None:
    await expect_invalid(client.sims.reactivate(ICCID, mb_limit=mb_limit), guard)  # type: ignore[arg-type]


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
        (lambda s: s.remove(ICCID), "DELETE", _NO_BODY),
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


# --------------------------------------------------------------------------- validation

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

SimCall = Callable[[Sims, Any], Awaitable[object]]


ICCID_CALLS: dict[str, SimCall] = {
    "get_data_usage": lambda s, i: s.get_data_usage(i),
    "get_data_usage-product": lambda s, i: s.get_data_usage(i, product=SLUG),
    "check": lambda s, i: s.check(i),
    "remove": lambda s, i: s.remove(i),
    "remove-product": lambda s, i: s.remove(i, product=PRODUCT_ID),
    "activate": lambda s, i: s.activate(i, country="US"),
    "activate-promo": lambda s, i: s.activate(i, country="US", promo_code="FREEDATA"),
    "activate-product": lambda s, i: s.activate(i, country="US", product=PRODUCT_ID),
    "activate-iccids": lambda s, i: s.activate(
        country="US", iccids=[ICCID2, i], product=PRODUCT_ID
    ),
    "activate-both": lambda s, i: s.activate(ICCID, country="US", iccids=[i], product=SLUG),
    "deactivate": lambda s, i: s.deactivate(i),
    "deactivate-product": lambda s, i: s.deactivate(i, product=PRODUCT_ID),
    "reactivate": lambda s, i: s.reactivate(i),
    "reactivate-product": lambda s, i: s.reactivate(i, mb_limit=5, product=SLUG),
    "set_data_limit": lambda s, i: s.set_data_limit(i, 10),
    "set_data_limit-product": lambda s, i: s.set_data_limit(i, 10, product=PRODUCT_ID),
}


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={"ok": True})
    return api


@pytest.mark.parametrize("bad", BAD_ICCIDS, ids=BAD_ICCID_NAMES)
@pytest.mark.parametrize("call", list(ICCID_CALLS.values()), ids=list(ICCID_CALLS))
async def test_bad_iccid_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, call: SimCall, bad: object
) -> None:
    await expect_invalid(call(client.sims, bad), guard)


@pytest.mark.parametrize("bad", BAD_ICCIDS[1:], ids=BAD_ICCID_NAMES[1:])
async def test_bad_iccid_list_filter_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, bad: object
) -> None:
    # None is the filter left out, so it is not in this list
    with pytest.raises(InvalidArgumentError) as caught:
        client.sims.list(product=PRODUCT_ID, iccid=bad)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    assert len(guard.calls) == 0


ProductCall = Callable[[Sims, Any], Awaitable[object]]

PRODUCT_CALLS: dict[str, ProductCall] = {
    "get_data_usage": lambda s, p: s.get_data_usage(ICCID, product=p),
    "get_fleet_data_usage": lambda s, p: s.get_fleet_data_usage(product=p),
    "remove": lambda s, p: s.remove(ICCID, product=p),
    "deactivate": lambda s, p: s.deactivate(ICCID, product=p),
    "reactivate": lambda s, p: s.reactivate(ICCID, product=p),
    "set_data_limit": lambda s, p: s.set_data_limit(ICCID, 10, product=p),
}


@pytest.mark.parametrize("bad", [-1, True, "", "a/b", "..", "x\n", 1.5], ids=repr)
@pytest.mark.parametrize("call", list(PRODUCT_CALLS.values()), ids=list(PRODUCT_CALLS))
async def test_bad_product_is_rejected(
    client: ParticleClient, guard: respx.MockRouter, call: ProductCall, bad: object
) -> None:
    await expect_invalid(call(client.sims, bad), guard)
