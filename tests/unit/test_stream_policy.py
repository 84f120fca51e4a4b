"""Event-stream reconnect policy: the shared open budget and the reconnect backoff."""

from __future__ import annotations

import pytest

from aioparticle._budget import OPEN_LIMIT, OPEN_WINDOW, StreamBudget
from aioparticle._retry import backoff_delay
from aioparticle._stream import RECONNECT_BASE, RECONNECT_CAP

pytestmark = pytest.mark.anyio


def test_particle_limits() -> None:
    assert (OPEN_LIMIT, OPEN_WINDOW) == (100, 300.0)


def test_budget_allows_limit_then_waits_for_the_oldest_to_expire() -> None:
    budget = StreamBudget(open_limit=3, window=10.0)
    for t in (0.0, 1.0, 2.0):
        assert budget.wait_time(t) == 0.0
        budget._opens.append(t)
    assert budget.wait_time(5.0) == pytest.approx(5.0)  # oldest (t=0) leaves the window at 10
    assert budget.wait_time(10.0) == 0.0  # and then there is room again
    assert list(budget._opens) == [1.0, 2.0]


async def test_budget_acquire_records_opens(sleeps: list[float]) -> None:
    budget = StreamBudget(open_limit=2, window=300.0)
    await budget.acquire_open()
    await budget.acquire_open()
    assert len(budget._opens) == 2
    assert sleeps == []


async def test_budget_acquire_waits_when_used_up(
    sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("aioparticle._budget.time.monotonic", lambda: clock[0])

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr("aioparticle._retry.sleep", fake_sleep)
    budget = StreamBudget(open_limit=2, window=300.0)
    await budget.acquire_open()
    clock[0] += 100
    await budget.acquire_open()
    await budget.acquire_open()  # must wait until the first open is 300 s old
    assert sleeps == [pytest.approx(200.0)]


@pytest.mark.parametrize(
    ("failures", "low", "high"),
    [
        (1, 0.5, 1.0),
        (2, 1.0, 2.0),
        (3, 2.0, 4.0),
        (5, 8.0, 16.0),
        (6, 15.0, 30.0),
        (50, 15.0, 30.0),
    ],
)
def test_reconnect_backoff(failures: int, low: float, high: float) -> None:
    delays = [
        backoff_delay(failures - 1, base=RECONNECT_BASE, cap=RECONNECT_CAP) for _ in range(50)
    ]
    assert all(low <= d <= high <= RECONNECT_CAP for d in delays)
    assert len(set(delays)) > 1


@pytest.mark.parametrize("failures", [1_025, 10_000, 10**9])
def test_reconnect_backoff_stays_bounded_through_any_outage(failures: int) -> None:
    # a few hours of outage at the cap, or a flapping proxy, must never overflow the delay
    delay = backoff_delay(failures - 1, base=RECONNECT_BASE, cap=RECONNECT_CAP)
    assert RECONNECT_CAP / 2 <= delay <= RECONNECT_CAP


@pytest.mark.parametrize("attempt", [-1, 0, 3, 2_000, 10**12])
def test_rest_backoff_is_bounded_for_any_attempt(attempt: int) -> None:
    assert 0.25 <= backoff_delay(attempt) <= 8.0
