"""Wire-level tests of `client.diagnostics`: exact method, path, query, body and headers per call,
the lenient vitals payload, and the refresh-and-wait helper."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import respx

from aioparticle import (
    BadRequestError,
    DeviceOfflineError,
    DeviceVitals,
    DeviceVitalsRecord,
    Diagnostics,
    NotFoundError,
    ParticleClient,
    PollTimeoutError,
    VitalsBattery,
)
from tests.unit._wire import (
    BAD_PRODUCTS,
    BadInput,
    bad_input,
    bad_input_grid,
    bad_segments,
    check_request,
    files_in,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

DEV = "0123456789abcdef01234567"
PRODUCT_ID = 4567
SLUG = "my-product"
CSV = "text/csv"

#: User scope plus both product forms, and the path prefix each one must produce.
SCOPES = pytest.mark.parametrize(
    ("product", "prefix"),
    [(None, "/v1"), (PRODUCT_ID, "/v1/products/4567"), (SLUG, "/v1/products/my-product")],
    ids=["user", "product-id", "product-slug"],
)

#: A vitals payload as a cellular device reports it (with a reading it could not take).
PAYLOAD: dict[str, Any] = {
    "device": {
        "network": {
            "cellular": {
                "radio_access_technology": "LTE",
                "operator": "AT&T",
                "cell_global_identity": {
                    "mobile_country_code": 310,
                    "mobile_network_code": "410",
                    "location_area_code": 14346,
                    "cell_id": 161457417,
                },
            },
            "signal": {"at": "LTE", "strength": 51.11, "strength_units": "%", "quality": 37.5},
            "connection": {"status": "connected", "error": 0, "disconnects": 0, "attempts": 1},
        },
        "cloud": {
            "connection": {"status": "connected", "attempts": 1, "disconnects": 0},
            "coap": {"transmit": 28, "retransmit": 0, "unack": 0, "round_trip": 1604},
            "publish": {"rate_limited": 0},
        },
        "power": {"battery": {"charge": {"err": -210}, "state": "disconnected"}, "source": "USB"},
        "system": {"uptime": 3600, "memory": {"used": 93432, "total": 167312}},
    },
    "service": {
        "device": {"status": "ok"},
        "cloud": {"uptime": 3599, "publish": {"sent": 1}},
        "coap": {"round_trip": 1512},
    },
}
AT = "2024-03-01T12:00:00.000Z"
LATER = "2024-03-01T12:05:00.000Z"


def record_body(payload: Any = PAYLOAD, updated_at: str = AT, **extra: Any) -> dict[str, Any]:
    """One vitals record as the cloud sends it."""
    return {"updated_at": updated_at, "deviceID": DEV, "payload": payload, **extra}


# --------------------------------------------------------------------------- refresh


@SCOPES
async def test_refresh(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, {"ok": True}, status=202)

    result = await client.diagnostics.refresh(DEV, product=product)  # type: ignore[func-returns-value]

    check_request(only_request(api), "POST", f"{prefix}/diagnostics/{DEV}/update")
    assert result is None


async def test_refresh_of_an_offline_device_raises_device_offline(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    reply(api, {"ok": False, "error": "Device is offline"}, status=404)

    with pytest.raises(DeviceOfflineError):
        await client.diagnostics.refresh(DEV)
    assert len(api.calls) == 1  # a POST action is not retried
    assert sleeps == []


# --------------------------------------------------------------------------- get_last


@SCOPES
async def test_get_last(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, {"diagnostics": record_body(new_field=1)})

    record = await client.diagnostics.get_last(DEV, product=product)

    check_request(only_request(api), "GET", f"{prefix}/diagnostics/{DEV}/last")
    assert isinstance(record, DeviceVitalsRecord)
    assert record.device_id == DEV
    assert record.updated_at == datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    assert record.raw_payload is None
    assert record.model_extra == {"new_field": 1}
    device = record.payload.device
    assert device is not None and device.network is not None
    assert device.network.cellular is not None
    identity = device.network.cellular.cell_global_identity
    assert identity is not None
    assert identity.mobile_network_code == "410"
    assert identity.cell_id == 161457417
    assert device.power is not None
    assert device.power.battery == VitalsBattery(charge={"err": -210}, state="disconnected")
    assert device.system is not None and device.system.memory is not None
    assert device.system.memory.total == 167312
    service = record.payload.service
    assert service is not None and service.cloud is not None
    assert service.cloud.publish is not None and service.cloud.publish.sent == 1
    assert record.payload.model_dump(exclude_none=True) == PAYLOAD


async def test_a_payload_sent_as_json_text_is_parsed(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"diagnostics": record_body(json.dumps(PAYLOAD))})

    record = await client.diagnostics.get_last(DEV)

    assert record.payload.model_dump(exclude_none=True) == PAYLOAD
    assert record.raw_payload is None


@pytest.mark.parametrize(
    "text", ["not json", "[1, 2]", "42", ""], ids=["text", "array", "number", "empty"]
)
async def test_a_payload_that_is_not_a_json_object_is_kept_as_text(
    client: ParticleClient, api: respx.MockRouter, text: str
) -> None:
    reply(api, {"diagnostics": record_body(text)})

    record = await client.diagnostics.get_last(DEV)

    assert record.payload == DeviceVitals()
    assert record.raw_payload == text
    assert record.device_id == DEV


async def test_unknown_vitals_and_missing_levels_are_accepted(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    payload = {"device": {"system": {"uptime": 5, "threads": 7}}, "future": {"x": 1}}
    reply(api, {"diagnostics": {"deviceID": DEV, "payload": payload}})

    record = await client.diagnostics.get_last(DEV)

    assert record.updated_at is None
    assert record.payload.service is None
    assert record.payload.device is not None and record.payload.device.system is not None
    assert record.payload.device.system.uptime == 5
    assert record.payload.device.system.model_extra == {"threads": 7}
    assert record.payload.model_extra == {"future": {"x": 1}}


async def test_get_last_without_a_report_raises_not_found(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": False, "error": "No diagnostics found for this device"}, status=404)
    with pytest.raises(NotFoundError):
        await client.diagnostics.get_last(DEV)


# --------------------------------------------------------------------------- list


@SCOPES
async def test_list_without_dates_sends_no_query(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    reply(api, {"diagnostics": [record_body(), record_body(json.dumps(PAYLOAD), LATER)]})

    records = await client.diagnostics.list(DEV, product=product)

    check_request(only_request(api), "GET", f"{prefix}/diagnostics/{DEV}")
    assert [r.updated_at for r in records] == [
        datetime(2024, 3, 1, 12, tzinfo=timezone.utc),
        datetime(2024, 3, 1, 12, 5, tzinfo=timezone.utc),
    ]
    assert records[0].payload == records[1].payload


async def test_list_sends_aware_datetimes_as_utc_iso_8601(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"diagnostics": []})
    paris = timezone(timedelta(hours=1))

    records = await client.diagnostics.list(
        DEV,
        start_date=datetime(2024, 3, 1, 13, 0, tzinfo=paris),
        end_date=datetime(2024, 3, 2, 0, 0, 30, 500000, tzinfo=timezone.utc),
    )

    check_request(
        only_request(api),
        "GET",
        f"/v1/diagnostics/{DEV}",
        query=b"start_date=2024-03-01T12%3A00%3A00Z&end_date=2024-03-02T00%3A00%3A30.500000Z",
    )
    assert records == []


async def test_list_sends_strings_as_given(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"diagnostics": []})

    await client.diagnostics.list(DEV, end_date="2024-03-01", product=SLUG)

    check_request(
        only_request(api),
        "GET",
        f"/v1/products/my-product/diagnostics/{DEV}",
        query=b"end_date=2024-03-01",
    )


async def test_the_history_error_shape_is_a_bad_request(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    body = {
        "error": "bad_request",
        "description": "start_date and end_date must be ISO8601 formatted",
    }
    reply(api, body, status=400)

    with pytest.raises(BadRequestError) as caught:
        await client.diagnostics.list(DEV, start_date="soon")

    assert caught.value.status_code == 400
    assert caught.value.error == "bad_request"
    assert caught.value.body == body


# --------------------------------------------------------------------------- download_csv

CSV_BODY = b"updated_at,deviceID,device.system.uptime\r\n2024-03-01T12:00:00.000Z,abc,5\r\n"


@SCOPES
async def test_download_csv_asks_for_text_csv(
    client: ParticleClient, api: respx.MockRouter, product: int | str | None, prefix: str
) -> None:
    api.route().respond(200, content=CSV_BODY, headers={"content-type": "text/csv"})

    data = await client.diagnostics.download_csv(
        DEV,
        start_date=datetime(2024, 3, 1, tzinfo=timezone.utc),
        end_date="2024-03-02T00:00:00Z",
        product=product,
    )

    check_request(
        only_request(api),
        "GET",
        f"{prefix}/diagnostics/{DEV}",
        query=b"start_date=2024-03-01T00%3A00%3A00Z&end_date=2024-03-02T00%3A00%3A00Z",
        accept=CSV,
    )
    assert data == CSV_BODY


async def test_download_csv_to_a_file(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(200, content=CSV_BODY, headers={"content-type": "text/csv"})

    path = await client.diagnostics.download_csv(DEV, to=tmp_path / "vitals.csv")

    check_request(only_request(api), "GET", f"/v1/diagnostics/{DEV}", accept=CSV)
    assert path == tmp_path / "vitals.csv"
    assert path.read_bytes() == CSV_BODY
    assert files_in(tmp_path) == ["vitals.csv"]


async def test_download_csv_error_leaves_no_file(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    reply(api, {"error": "bad_request", "description": "start_date must be ISO8601"}, 400)

    with pytest.raises(BadRequestError):
        await client.diagnostics.download_csv(DEV, start_date="x", to=tmp_path / "v.csv")
    assert files_in(tmp_path) == []


# --------------------------------------------------------------------------- refresh_and_wait


class Cloud:
    """Answers `GET .../last` with `lasts` in turn (the last one forever; None: 404) and the
    refresh with 202, recording the order of the requests."""

    def __init__(self, api: respx.MockRouter, *lasts: dict[str, Any] | None) -> None:
        self.lasts = list(lasts)
        self.seen: list[str] = []
        api.route().mock(side_effect=self.answer)

    def answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.seen.append(f"{request.method} {path.rsplit('/', 1)[-1]}")
        if request.method == "POST":
            return httpx.Response(202, json={"ok": True})
        looks = sum(1 for s in self.seen if s.startswith("GET"))
        body = self.lasts[min(looks, len(self.lasts)) - 1]
        if body is None:
            return httpx.Response(404, json={"ok": False, "error": "No diagnostics found"})
        return httpx.Response(200, json={"diagnostics": body})


@SCOPES
async def test_refresh_and_wait_returns_the_first_newer_report(
    client: ParticleClient,
    api: respx.MockRouter,
    sleeps: list[float],
    product: int | str | None,
    prefix: str,
) -> None:
    old, new = record_body(), record_body({"device": {"system": {"uptime": 9}}}, LATER)
    cloud = Cloud(api, old, old, old, new)
    seen: list[DeviceVitalsRecord | None] = []

    record = await client.diagnostics.refresh_and_wait(
        DEV, product=product, interval=3, deadline=60, on_progress=seen.append
    )

    assert cloud.seen == ["GET last", "POST update", "GET last", "GET last", "GET last"]
    for call in api.calls:
        request = call.request
        if request.method == "POST":
            check_request(request, "POST", f"{prefix}/diagnostics/{DEV}/update")
        else:
            check_request(request, "GET", f"{prefix}/diagnostics/{DEV}/last")
    assert record.updated_at == datetime(2024, 3, 1, 12, 5, tzinfo=timezone.utc)
    assert record.payload.device is not None and record.payload.device.system is not None
    assert record.payload.device.system.uptime == 9
    assert [r.updated_at if r else None for r in seen] == [
        datetime(2024, 3, 1, 12, tzinfo=timezone.utc),
        datetime(2024, 3, 1, 12, tzinfo=timezone.utc),
        datetime(2024, 3, 1, 12, 5, tzinfo=timezone.utc),
    ]
    assert sleeps == [3.0, 3.0]


async def test_refresh_and_wait_on_a_device_without_reports(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    cloud = Cloud(api, None, None, record_body())
    seen: list[DeviceVitalsRecord | None] = []

    async def progress(record: DeviceVitalsRecord | None) -> None:
        await anyio.lowlevel.checkpoint()
        seen.append(record)

    record = await client.diagnostics.refresh_and_wait(DEV, interval=1, on_progress=progress)

    assert cloud.seen == ["GET last", "POST update", "GET last", "GET last"]
    assert record.device_id == DEV
    assert seen == [None, record]
    assert sleeps == [1.0]


async def test_a_report_without_a_time_does_not_count_as_new(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    untimed = {"deviceID": DEV, "payload": {}}
    Cloud(api, record_body(), untimed, record_body(updated_at=LATER))

    record = await client.diagnostics.refresh_and_wait(DEV, interval=1)

    assert record.updated_at == datetime(2024, 3, 1, 12, 5, tzinfo=timezone.utc)
    assert sleeps == [1.0]


async def test_refresh_and_wait_is_bounded_by_its_deadline(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    cloud = Cloud(api, record_body())

    with pytest.raises(PollTimeoutError) as caught:
        await client.diagnostics.refresh_and_wait(DEV, interval=2, deadline=6)

    assert cloud.seen.count("GET last") == 1 + 4  # before the refresh, then 6 / 2 + 1 looks
    assert cloud.seen.count("POST update") == 1
    assert isinstance(caught.value.last, DeviceVitalsRecord)
    assert caught.value.last.updated_at == datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    assert f"the vitals refresh of {DEV} did not complete within 6s" in str(caught.value)
    assert sleeps == [2.0, 2.0, 2.0]


async def test_refresh_and_wait_stops_when_cancelled(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    cloud = Cloud(api, record_body())
    with anyio.CancelScope() as scope:

        def progress(record: DeviceVitalsRecord | None) -> None:
            scope.cancel()

        await client.diagnostics.refresh_and_wait(DEV, interval=1, on_progress=progress)

    assert scope.cancelled_caught
    assert cloud.seen == ["GET last", "POST update", "GET last"]


async def test_refresh_and_wait_raises_what_the_refresh_raises(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(404, json={"ok": False, "error": "Device is offline"})
        return httpx.Response(200, json={"diagnostics": record_body()})

    api.route().mock(side_effect=answer)

    with pytest.raises(DeviceOfflineError):
        await client.diagnostics.refresh_and_wait(DEV)
    assert [c.request.method for c in api.calls] == ["GET", "POST"]


def test_the_sub_client() -> None:
    client = ParticleClient("t")
    assert isinstance(client.diagnostics, Diagnostics)
    assert client.diagnostics is client.diagnostics


# --------------------------------------------------------------------------- bad input

BAD_DEVICE_IDS, BAD_DEVICE_NAMES = bad_segments(257, ("events", "events"))
NAIVE = datetime(2024, 3, 1, 12)
AWARE = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)

#: Every call taking a device id, with the id left open.
DEVICE_CALLS = {
    "refresh": lambda c, d: c.diagnostics.refresh(d),
    "refresh-product": lambda c, d: c.diagnostics.refresh(d, product=PRODUCT_ID),
    "get_last": lambda c, d: c.diagnostics.get_last(d),
    "list": lambda c, d: c.diagnostics.list(d, product=SLUG),
    "download_csv": lambda c, d: c.diagnostics.download_csv(d),
    "refresh_and_wait": lambda c, d: c.diagnostics.refresh_and_wait(d),
}
#: Every call, with the product left open.
PRODUCT_CALLS = {
    "refresh": lambda c, p: c.diagnostics.refresh(DEV, product=p),
    "get_last": lambda c, p: c.diagnostics.get_last(DEV, product=p),
    "list": lambda c, p: c.diagnostics.list(DEV, product=p),
    "download_csv": lambda c, p: c.diagnostics.download_csv(DEV, product=p),
    "refresh_and_wait": lambda c, p: c.diagnostics.refresh_and_wait(DEV, product=p),
}
#: The calls taking a time window, with the window's keywords left open.
WINDOW_CALLS = {
    "list": lambda c, kw: c.diagnostics.list(DEV, **kw),
    "download_csv": lambda c, kw: c.diagnostics.download_csv(DEV, **kw),
}
BAD_WINDOWS: list[dict[str, Any]] = [
    {"start_date": NAIVE},
    {"end_date": NAIVE},
    {"start_date": AWARE, "end_date": NAIVE},
    {"start_date": AWARE, "end_date": AWARE - timedelta(seconds=1)},
    {"start_date": 1709294400},
    {"end_date": AWARE.date()},
    {"start_date": ""},
    {"end_date": "2024-03-01\n"},
]
BAD_WAITS: list[dict[str, Any]] = [
    {"interval": 0},
    {"interval": -1},
    {"interval": True},
    {"interval": "2"},
    {"deadline": 0},
    {"deadline": float("nan")},
    {"deadline": 86_401},
    {"on_progress": "print"},
]

BAD_INPUT = [
    *bad_input_grid(DEVICE_CALLS, BAD_DEVICE_IDS, BAD_DEVICE_NAMES, prefix="device"),
    *bad_input_grid(PRODUCT_CALLS, BAD_PRODUCTS, prefix="product"),
    *bad_input_grid(WINDOW_CALLS, BAD_WINDOWS, prefix="window"),
    *bad_input_grid(
        {"refresh_and_wait": lambda c, kw: c.diagnostics.refresh_and_wait(DEV, **kw)},
        BAD_WAITS,
    ),
    bad_input(
        "download_csv-to-directory",
        lambda c: c.diagnostics.download_csv(DEV, to=Path(__file__).parent),
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
