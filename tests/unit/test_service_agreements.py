"""Wire-level tests of `client.service_agreements` and its nested `usage_reports`: JSON:API
flattening, lenient timestamps, the wait for a report and its download without the token."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import respx

from aioparticle import (
    InternalServerError,
    InvalidArgumentError,
    ParticleClient,
    PollTimeoutError,
    ServiceAgreement,
    ServiceAgreementNotification,
    UsageReport,
    _retry,
)
from tests.conftest import API, TOKEN, load
from tests.unit._wire import (
    BadInput,
    bad_input,
    bad_input_grid,
    check_request,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

SCOPES = pytest.mark.parametrize(
    ("org", "prefix"),
    [(None, "/v1/user"), ("acme-corp", "/v1/orgs/acme-corp")],
    ids=["user", "org"],
)

AGREEMENTS = load("service_agreements/list.json")
NOTIFICATIONS = load("service_agreements/notifications.json")
PENDING = load("service_agreements/report_pending.json")
FILE_URL = "https://usage-reports.example-storage.net/reports/55.csv"
SIGNED_URL = f"{FILE_URL}?X-Amz-Expires=604800&X-Amz-Signature=0a1b2c3d4e5f"
CSV = b"device_id,date,data_operations\ne00fce68b1a2c3d4e5f60718,2022-01-01,12\n"


def report_body(state: str, *, url: str | None = None) -> dict[str, Any]:
    body = copy.deepcopy(PENDING)
    body["data"]["attributes"]["state"] = state
    body["data"]["attributes"]["download_url"] = url
    return body


AVAILABLE = report_body("available", url=SIGNED_URL)


@pytest.fixture
def web() -> Iterator[respx.MockRouter]:
    """A router for absolute URLs on any host; unmatched requests fail the test."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        yield router


# --------------------------------------------------------------------------- agreements


@SCOPES
async def test_list_flattens_the_agreements(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, AGREEMENTS)

    (agreement,) = await client.service_agreements.list(org=org)

    check_request(only_request(api), "GET", f"{prefix}/service_agreements")
    assert isinstance(agreement, ServiceAgreement)
    assert (agreement.id, agreement.type) == ("1273", "service_agreement")
    assert (agreement.name, agreement.agreement_type, agreement.state) == (
        "Growth",
        "growth",
        "active",
    )
    assert agreement.owner_id == 111
    assert agreement.starts_on == date(2021, 11, 1)
    assert agreement.ends_on is None
    assert agreement.current_billing_period_end == date(2022, 1, 31)
    assert agreement.next_billing_period_start == date(2022, 2, 1)
    tracker = agreement.current_usage_summary["connectivity"]["asset_tracker"]
    assert tracker["device_data"] is None
    assert agreement.pricing_terms["support"] == "support@example.com"
    assert agreement.model_extra == {}


@SCOPES
async def test_list_notifications_flattens_them_and_reads_both_timestamp_forms(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, NOTIFICATIONS)

    (note,) = await client.service_agreements.list_notifications(1273, org=org)

    check_request(only_request(api), "GET", f"{prefix}/service_agreements/1273/notifications")
    assert isinstance(note, ServiceAgreementNotification)
    assert note.id == "0b6f7c2e-5d5a-4c47-9d53-1f3c0a8f4e21"
    assert note.event_name == "reached_70_percent_usage"
    assert note.created_at == datetime(2022, 1, 18, 21, 43, 23, tzinfo=timezone.utc)
    assert note.updated_at == note.created_at  # "2022-01-18 13:43:23 -0800"
    assert note.details["hierarchy_info"] == {"name": "70%", "priority": 1}
    assert note.model_extra == {}


# --------------------------------------------------------------------------- reports


@SCOPES
async def test_create_report_posts_the_period_as_dates(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, PENDING, 202)

    report = await client.service_agreements.usage_reports.create(
        1273,
        report_type="devices",
        start=date(2022, 1, 1),
        end="2022-01-31",
        devices=["e00fce68b1a2c3d4e5f60718"],
        org=org,
    )

    check_request(
        only_request(api),
        "POST",
        f"{prefix}/service_agreements/1273/usage_reports",
        body={
            "report_type": "devices",
            "date_period_start": "2022-01-01",
            "date_period_end": "2022-01-31",
            "devices": ["e00fce68b1a2c3d4e5f60718"],
        },
    )
    assert isinstance(report, UsageReport)
    assert (report.id, report.state, report.service_agreement_id) == ("55", "pending", 1273)
    assert report.created_at == datetime(
        2022, 1, 18, 13, 43, 23, tzinfo=timezone(timedelta(hours=-8))
    )
    assert report.expires_at == datetime(2022, 1, 25, 21, 43, 23, tzinfo=timezone.utc)
    assert report.date_period_start == date(2022, 1, 1)
    assert report.download_url is None
    assert report.done is False
    assert report.model_extra == {}


async def test_create_products_report_sends_the_products(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, PENDING, 202)

    await client.service_agreements.usage_reports.create(
        "1273", report_type="products", start="2022-01-01", end="2022-01-01", products=[101, "trk"]
    )

    check_request(
        only_request(api),
        "POST",
        "/v1/user/service_agreements/1273/usage_reports",
        body={
            "report_type": "products",
            "date_period_start": "2022-01-01",
            "date_period_end": "2022-01-01",
            "products": [101, "trk"],
        },
    )


async def test_create_report_is_not_retried_once_sent(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"error": "busy"}, 503)

    with pytest.raises(InternalServerError):
        await client.service_agreements.usage_reports.create(
            1273, report_type="devices", start="2022-01-01", end="2022-01-31"
        )

    assert len(api.calls) == 1


@SCOPES
async def test_get_report(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, AVAILABLE)

    report = await client.service_agreements.usage_reports.get(55, org=org)

    check_request(only_request(api), "GET", f"{prefix}/usage_reports/55")
    assert report.state == "available"
    assert report.download_url == SIGNED_URL
    assert report.done is True
    assert "X-Amz-Signature" not in repr(report)  # the link is a credential of its own


# --------------------------------------------------------------------------- wait


def answer_in_turn(api: respx.MockRouter, *bodies: dict[str, Any]) -> None:
    """Answer the n-th request with `bodies[n]` (the last one from then on)."""
    answers = iter(bodies)
    last = bodies[-1]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=next(answers, last))

    api.route().mock(side_effect=answer)


@SCOPES
async def test_wait_polls_until_available_and_reports_progress(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float], org: str | None, prefix: str
) -> None:
    answer_in_turn(api, PENDING, report_body("processing"), AVAILABLE)
    seen: list[str | None] = []

    report = await client.service_agreements.usage_reports.wait(
        55, org=org, interval=5, on_progress=lambda r: seen.append(r.state)
    )

    assert report.state == "available"
    assert report.download_url == SIGNED_URL
    assert seen == ["pending", "processing", "available"]
    assert sleeps == [5.0, 5.0]
    for call in api.calls:
        check_request(call.request, "GET", f"{prefix}/usage_reports/55")


async def test_wait_returns_a_failed_report_without_waiting_further(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    answer_in_turn(api, PENDING, report_body("failed"), AVAILABLE)

    report = await client.service_agreements.usage_reports.wait(55, interval=1)

    assert report.state == "failed"
    assert len(api.calls) == 2
    assert sleeps == [1.0]


async def test_wait_gives_up_at_the_deadline_with_the_last_report(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    reply(api, PENDING)

    with pytest.raises(PollTimeoutError) as caught:
        await client.service_agreements.usage_reports.wait(55, interval=2, deadline=6)

    assert len(api.calls) == 4  # 6 / 2 + 1 polls
    last = caught.value.last
    assert isinstance(last, UsageReport) and last.state == "pending"
    assert "usage report 55 did not complete within 6s" in str(caught.value)


async def test_wait_stops_when_the_scope_is_cancelled_between_polls(
    client: ParticleClient, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def real_sleep(seconds: float) -> None:
        await anyio.sleep(seconds)

    monkeypatch.setattr(_retry, "sleep", real_sleep)
    reply(api, PENDING)

    with anyio.move_on_after(0.1) as scope:
        await client.service_agreements.usage_reports.wait(55, interval=30)

    assert scope.cancelled_caught
    assert len(api.calls) == 1


# --------------------------------------------------------------------------- download


async def test_download_fetches_the_link_without_the_token(
    client: ParticleClient, web: respx.MockRouter
) -> None:
    web.get(SIGNED_URL).respond(200, content=CSV, headers={"content-type": "text/csv"})
    report = UsageReport.model_validate(AVAILABLE["data"])

    data = await client.service_agreements.usage_reports.download(report)

    assert data == CSV
    request = only_request(web)
    assert request.url == httpx.URL(SIGNED_URL)
    assert "authorization" not in request.headers
    assert TOKEN not in str(request.url)


async def test_download_to_a_file(
    client: ParticleClient, web: respx.MockRouter, tmp_path: Path
) -> None:
    web.get(SIGNED_URL).respond(200, content=CSV)
    target = tmp_path / "usage.csv"

    written = await client.service_agreements.usage_reports.download(
        UsageReport.model_validate(AVAILABLE["data"]), to=target
    )

    assert written == target
    assert target.read_bytes() == CSV


@SCOPES
async def test_download_by_id_gets_the_report_first(
    client: ParticleClient, web: respx.MockRouter, org: str | None, prefix: str
) -> None:
    web.get(f"{API}{prefix}/usage_reports/55").respond(200, json=AVAILABLE)
    web.get(SIGNED_URL).respond(200, content=CSV)

    data = await client.service_agreements.usage_reports.download(55, org=org)

    assert data == CSV
    first, second = (call.request for call in web.calls)
    check_request(first, "GET", f"{prefix}/usage_reports/55")
    assert "authorization" not in second.headers


async def test_download_of_a_report_not_yet_available_is_refused(
    client: ParticleClient, web: respx.MockRouter
) -> None:
    with pytest.raises(InvalidArgumentError, match="wait"):
        await client.service_agreements.usage_reports.download(
            UsageReport.model_validate(PENDING["data"])
        )
    assert len(web.calls) == 0


async def test_download_error_does_not_show_the_signature(
    client: ParticleClient, web: respx.MockRouter
) -> None:
    web.get(SIGNED_URL).respond(403, content=b"<Error>AccessDenied</Error>")

    with pytest.raises(Exception) as caught:  # noqa: PT011 - the status error's class is not the point
        await client.service_agreements.usage_reports.download(
            UsageReport.model_validate(AVAILABLE["data"])
        )

    assert FILE_URL.split("//")[1] in str(caught.value)
    assert "X-Amz-Signature" not in str(caught.value)


# --------------------------------------------------------------------------- bad input

_REPORTS = "service_agreements.usage_reports"
_BAD_IDS: list[object] = [None, 0, -1, True, 1.5, "", "a/b", "..", "a?b"]


def _create(**changes: Any) -> Any:
    options: dict[str, Any] = {"report_type": "devices", "start": "2022-01-01", "end": "2022-01-31"}
    options.update(changes)
    return lambda c: c.service_agreements.usage_reports.create(1273, **options)


BAD_INPUT = [
    *bad_input_grid(
        {
            "list_notifications": lambda c, i: c.service_agreements.list_notifications(i),
            "create": lambda c, i: c.service_agreements.usage_reports.create(
                i, report_type="devices", start="2022-01-01", end="2022-01-31"
            ),
            "get": lambda c, i: c.service_agreements.usage_reports.get(i),
            "wait": lambda c, i: c.service_agreements.usage_reports.wait(i),
            "download": lambda c, i: c.service_agreements.usage_reports.download(i),
        },
        _BAD_IDS,
        prefix="id",
    ),
    *bad_input_grid(
        {
            "list": lambda c, org: c.service_agreements.list(org=org),
            "get": lambda c, org: c.service_agreements.usage_reports.get(55, org=org),
        },
        ["", "a/b", "..", "a#b", 5],
        prefix="org",
    ),
    bad_input("report_type-other", _create(report_type="sims")),
    bad_input("report_type-None", _create(report_type=None)),
    bad_input("start-datetime", _create(start=datetime(2022, 1, 1, tzinfo=timezone.utc))),
    bad_input("start-slashes", _create(start="2022/01/01")),
    bad_input("start-month-13", _create(start="2022-13-01")),
    bad_input("start-with-time", _create(start="2022-01-01T00:00:00Z")),
    bad_input("end-None", _create(end=None)),
    bad_input("end-before-start", _create(end="2021-12-31")),
    bad_input("devices-str", _create(devices="e00fce68b1a2c3d4e5f60718")),
    bad_input("devices-empty", _create(devices=[])),
    bad_input("devices-int", _create(devices=[5])),
    bad_input("products-bool", _create(products=[True])),
    bad_input("products-negative", _create(products=[-1])),
    bad_input("products-str", _create(products="101")),
    bad_input("wait-interval-0", lambda c: c.service_agreements.usage_reports.wait(55, interval=0)),
    bad_input(
        "wait-deadline-negative",
        lambda c: c.service_agreements.usage_reports.wait(55, deadline=-1),
    ),
    bad_input(
        "download-to-a-directory",
        lambda c: c.service_agreements.usage_reports.download(
            UsageReport.model_validate(AVAILABLE["data"]), to=Path.cwd()
        ),
    ),
]


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    reply(api, AVAILABLE)
    return api


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
