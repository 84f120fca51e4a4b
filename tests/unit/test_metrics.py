"""Wire-level tests of `client.products.metrics` (fleet health): exact method, path, query and
headers of the five series, their models, and the bad-input table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import respx

from aioparticle import (
    CallMetric,
    EventsMetric,
    IntegrationMetric,
    OnlineMetric,
    ParticleClient,
    ProductsMetrics,
)
from tests.unit._wire import (
    BAD_PRODUCTS,
    BadInput,
    bad_input_grid,
    check_request,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

PRODUCT_ID = 4567
SLUG = "my-product"
T0 = "2024-03-01T12:00:00.000Z"
T1 = "2024-03-01T12:15:00.000Z"
AT0 = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
AT1 = datetime(2024, 3, 1, 12, 15, tzinfo=timezone.utc)

Call = Callable[..., Awaitable[list[Any]]]

#: name, the call, the path's last segment, the answer's key, the answer's buckets, the models.
SERIES = pytest.mark.parametrize(
    ("call", "segment", "key", "buckets", "expected"),
    [
        (
            lambda c: c.products.metrics.get_online,
            "online",
            "online",
            [{"time": T0, "count": 12}, {"time": T1, "count": 0}],
            [OnlineMetric(time=AT0, count=12), OnlineMetric(time=AT1, count=0)],
        ),
        (
            lambda c: c.products.metrics.get_events,
            "events",
            "events",
            [{"time": T0, "received": 340}, {"time": T1, "received": 2}],
            [EventsMetric(time=AT0, received=340), EventsMetric(time=AT1, received=2)],
        ),
        (
            lambda c: c.products.metrics.get_integrations,
            "integration",
            "integrations",
            [{"time": T0, "success": 5, "failure": 1, "sleep": 2}, {"time": T1}],
            [
                IntegrationMetric(time=AT0, success=5, failure=1, sleep=2),
                IntegrationMetric(time=AT1, success=0, failure=0, sleep=0),
            ],
        ),
        (
            lambda c: c.products.metrics.get_functions,
            "functions",
            "functions",
            [{"time": T0, "success": 3, "offline": 4}, {"time": T1, "failure": 1}],
            [CallMetric(time=AT0, success=3, offline=4), CallMetric(time=AT1, failure=1)],
        ),
        (
            lambda c: c.products.metrics.get_variables,
            "variables",
            "variables",
            [{"time": T0, "success": 9}],
            [CallMetric(time=AT0, success=9, failure=0, offline=0)],
        ),
    ],
    ids=["online", "events", "integrations", "functions", "variables"],
)


@SERIES
@pytest.mark.parametrize(
    ("product", "prefix"),
    [(PRODUCT_ID, "/v1/products/4567"), (SLUG, "/v1/products/my-product")],
    ids=["product-id", "product-slug"],
)
async def test_each_series_without_options(
    client: ParticleClient,
    api: respx.MockRouter,
    call: Callable[[ParticleClient], Call],
    segment: str,
    key: str,
    buckets: list[dict[str, Any]],
    expected: list[Any],
    product: int | str,
    prefix: str,
) -> None:
    reply(api, {key: buckets})

    result = await call(client)(product=product)

    check_request(only_request(api), "GET", f"{prefix}/metrics/{segment}")
    assert result == expected
    assert all(bucket.time.tzinfo is not None for bucket in result)


@SERIES
async def test_each_series_sends_every_option_under_its_wire_name(
    client: ParticleClient,
    api: respx.MockRouter,
    call: Callable[[ParticleClient], Call],
    segment: str,
    key: str,
    buckets: list[dict[str, Any]],
    expected: list[Any],
) -> None:
    reply(api, {key: buckets})

    result = await call(client)(
        product=PRODUCT_ID,
        start_date=datetime(2024, 3, 1, 13, tzinfo=timezone(timedelta(hours=1))),
        end_date="2024-03-02T00:00:00Z",
        bucket_size=16,
        product_fw=7,
        device_os_version="5.8.0",
        device_group="north side",
    )

    check_request(
        only_request(api),
        "GET",
        f"/v1/products/4567/metrics/{segment}",
        query=b"start_date=2024-03-01T12%3A00%3A00Z&end_date=2024-03-02T00%3A00%3A00Z"
        b"&bucket_size=16&product_fw=7&device_os_version=5.8.0&device_group=north+side",
    )
    assert result == expected


async def test_unknown_bucket_fields_are_kept(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"functions": [{"time": T0, "success": 1, "timeout": 2}]})

    [bucket] = await client.products.metrics.get_functions(product=PRODUCT_ID)

    assert bucket.model_extra == {"timeout": 2}


async def test_an_unwrapped_answer_is_accepted(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, [{"time": T0, "count": 1}])

    assert await client.products.metrics.get_online(product=SLUG) == [
        OnlineMetric(time=AT0, count=1)
    ]


def test_the_nested_sub_client() -> None:
    client = ParticleClient("t")
    assert isinstance(client.products.metrics, ProductsMetrics)
    assert client.products.metrics is client.products.metrics


# --------------------------------------------------------------------------- bad input

NAIVE = datetime(2024, 3, 1, 12)

#: The five calls, with their keywords left open.
METRIC_CALLS = {
    "get_online": lambda c, kw: c.products.metrics.get_online(**kw),
    "get_events": lambda c, kw: c.products.metrics.get_events(**kw),
    "get_integrations": lambda c, kw: c.products.metrics.get_integrations(**kw),
    "get_functions": lambda c, kw: c.products.metrics.get_functions(**kw),
    "get_variables": lambda c, kw: c.products.metrics.get_variables(**kw),
}
BAD_OPTIONS: list[dict[str, Any]] = [
    {"product": None},
    *({"product": bad} for bad in BAD_PRODUCTS),
    *(
        {"product": PRODUCT_ID, "bucket_size": bad}
        for bad in (15, 0, -900, True, 900.0, "900", [900])
    ),
    {"product": PRODUCT_ID, "start_date": NAIVE},
    {"product": PRODUCT_ID, "end_date": NAIVE},
    {"product": PRODUCT_ID, "start_date": 1709294400},
    {"product": PRODUCT_ID, "start_date": AT1, "end_date": AT0},
    {"product": PRODUCT_ID, "end_date": ""},
    {"product": PRODUCT_ID, "product_fw": 0},
    {"product": PRODUCT_ID, "product_fw": "7"},
    {"product": PRODUCT_ID, "product_fw": True},
    {"product": PRODUCT_ID, "device_os_version": ""},
    {"product": PRODUCT_ID, "device_os_version": "5.8.0\n"},
    {"product": PRODUCT_ID, "device_group": ""},
    {"product": PRODUCT_ID, "device_group": 5},
]

BAD_INPUT = bad_input_grid(METRIC_CALLS, BAD_OPTIONS)


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={"online": []})
    return api


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)


async def test_the_refusal_names_the_call(client: ParticleClient, guard: respx.MockRouter) -> None:
    with pytest.raises(ValueError, match=r"products\.metrics\.get_events\(\) needs product="):
        await client.products.metrics.get_events(product=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"bucket_size must be .* above 15, got 15"):
        await client.products.metrics.get_online(product=PRODUCT_ID, bucket_size=15)
    assert len(guard.calls) == 0
