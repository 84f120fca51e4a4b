"""Fleet health metrics against the local cloud over real HTTP: buckets counted from what the
fleet did (devices online, events published, functions called, variables read), filters and
refusals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TypedDict

import pytest

from aioparticle import (
    BadRequestError,
    CallMetric,
    DeviceOfflineError,
    EventsMetric,
    IntegrationMetric,
    OnlineMetric,
    ParticleClient,
    UnknownFunctionError,
)
from tests.integration.conftest import PRODUCT_ID, PRODUCT_SLUG, Fleet

pytestmark = pytest.mark.anyio


class Window(TypedDict):
    start_date: datetime
    end_date: datetime
    bucket_size: int


def window() -> tuple[datetime, Window]:
    """A minute-wide bucket starting now (to the second), with one bucket either side."""
    start = datetime.now(timezone.utc).replace(microsecond=0)
    return start, {
        "start_date": start - timedelta(minutes=1),
        "end_date": start + timedelta(minutes=1),
        "bucket_size": 60,
    }


async def test_online_devices_per_bucket_with_filters(fleet: Fleet, sdk: ParticleClient) -> None:
    fleet.units[4].go_offline()
    start, query = window()

    online = await sdk.products.metrics.get_online(product=PRODUCT_ID, **query)
    north = await sdk.products.metrics.get_online(
        product=PRODUCT_SLUG,
        device_group="north",
        **query,
    )
    other_fw = await sdk.products.metrics.get_online(product=PRODUCT_ID, product_fw=4, **query)

    assert online == [
        OnlineMetric(time=start - timedelta(minutes=1), count=4),
        OnlineMetric(time=start, count=4),
        OnlineMetric(time=start + timedelta(minutes=1), count=4),
    ]
    assert [m.count for m in north] == [2, 2, 2]
    assert [m.count for m in other_fw] == [0, 0, 0]


async def test_events_received_fall_in_their_bucket(fleet: Fleet, sdk: ParticleClient) -> None:
    start, query = window()
    for n in range(3):
        fleet.units[0].publish("reading", str(n))
    fleet.units[2].publish("reading", "south")
    fleet.garage.publish("reading", "not in the product")

    events = await sdk.products.metrics.get_events(product=PRODUCT_ID, **query)
    north = await sdk.products.metrics.get_events(
        product=PRODUCT_ID,
        device_group="north",
        device_os_version="5.8.0",
        **query,
    )

    assert events == [
        EventsMetric(time=start - timedelta(minutes=1), received=0),
        EventsMetric(time=start, received=4),
        EventsMetric(time=start + timedelta(minutes=1), received=0),
    ]
    assert [m.received for m in north] == [0, 3, 0]


async def test_function_calls_and_variable_reads_by_outcome(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    start, query = window()
    unit, sleeper = fleet.units[0], fleet.units[4]
    await sdk.devices.call_function(unit.id, "reboot", product=PRODUCT_ID)
    await sdk.devices.call_function(unit.id, "reboot", product=PRODUCT_ID)
    with pytest.raises(UnknownFunctionError):
        await sdk.devices.call_function(unit.id, "explode", product=PRODUCT_ID)
    await sdk.devices.get_variable(unit.id, "battery", product=PRODUCT_ID)
    sleeper.go_offline()
    with pytest.raises(DeviceOfflineError):
        await sdk.devices.get_variable(sleeper.id, "battery", product=PRODUCT_ID)
    await sdk.devices.call_function(fleet.garage.id, "open", "x")  # not in the product

    functions = await sdk.products.metrics.get_functions(product=PRODUCT_ID, **query)
    variables = await sdk.products.metrics.get_variables(product=PRODUCT_ID, **query)

    assert functions == [
        CallMetric(time=start - timedelta(minutes=1)),
        CallMetric(time=start, success=2, failure=1),
        CallMetric(time=start + timedelta(minutes=1)),
    ]
    assert variables[1] == CallMetric(time=start, success=1, offline=1)
    # counters of 0 are left out on the wire and read as 0
    assert variables[0].model_dump(exclude_defaults=True) == {"time": start - timedelta(minutes=1)}


async def test_integrations_without_deliveries_and_the_default_window(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    integrations = await sdk.products.metrics.get_integrations(product=PRODUCT_ID)

    assert len(integrations) == 1  # start and end default to now: one bucket
    assert isinstance(integrations[0], IntegrationMetric)
    assert (integrations[0].success, integrations[0].failure, integrations[0].sleep) == (0, 0, 0)
    assert integrations[0].time.tzinfo is not None


async def test_a_bad_window_is_a_bad_request(fleet: Fleet, sdk: ParticleClient) -> None:
    with pytest.raises(BadRequestError):
        await sdk.products.metrics.get_online(product=PRODUCT_ID, start_date="last tuesday")
    with pytest.raises(BadRequestError):
        await sdk.products.metrics.get_events(
            product=PRODUCT_ID, start_date="2024-01-02T00:00:00Z", end_date="2024-01-01T00:00:00Z"
        )
