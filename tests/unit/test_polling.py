"""`poll_until`: the one bounded, cancellable wait for work the cloud finishes later."""

from __future__ import annotations

import anyio
import pytest

from aioparticle import InvalidArgumentError, PollTimeoutError
from aioparticle._polling import poll_until

pytestmark = pytest.mark.anyio


class States:
    """A fetch returning `states` in turn (the last one forever), counting its calls."""

    def __init__(self, *states: str) -> None:
        self.states = list(states)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        return self.states[min(self.calls, len(self.states)) - 1]


async def test_polls_until_done_and_reports_every_state(sleeps: list[float]) -> None:
    fetch = States("pending", "pending", "available")
    seen: list[str] = []

    final = await poll_until(
        fetch, lambda s: s == "available", interval=3, deadline=60, on_progress=seen.append
    )

    assert final == "available"
    assert seen == ["pending", "pending", "available"]
    assert sleeps == [3.0, 3.0]


async def test_an_async_progress_callback_is_awaited(sleeps: list[float]) -> None:
    seen: list[str] = []

    async def progress(state: str) -> None:
        await anyio.lowlevel.checkpoint()
        seen.append(state)

    await poll_until(States("a", "b"), lambda s: s == "b", interval=1, on_progress=progress)
    assert seen == ["a", "b"]


async def test_the_wait_is_bounded_by_the_deadline_in_polls(sleeps: list[float]) -> None:
    fetch = States("pending")

    with pytest.raises(PollTimeoutError) as caught:
        await poll_until(fetch, lambda s: False, interval=2, deadline=10, what="the report")

    assert fetch.calls == 6  # 10 / 2 + 1, however the clock moves
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.last == "pending"
    assert caught.value.deadline == 10
    assert "the report did not complete within 10s (6 polls)" in str(caught.value)


async def test_a_server_hint_paces_the_polls_within_bounds(sleeps: list[float]) -> None:
    hints = iter([0.01, 5.0, 100.0])
    await poll_until(
        States("a", "b", "c", "d"),
        lambda s: s == "d",
        interval=2,
        deadline=60,
        hint=lambda s: next(hints),
    )
    assert sleeps == [0.5, 5.0, 8.0]  # clamped to [interval / 4, interval * 4]


async def test_cancellation_stops_the_wait(sleeps: list[float]) -> None:
    fetch = States("pending")

    async def never() -> str:
        fetch.calls += 1
        await anyio.sleep_forever()
        return "never"

    with anyio.move_on_after(0.05) as scope:
        await poll_until(never, lambda s: True, interval=1, deadline=60)
    assert scope.cancelled_caught
    assert fetch.calls == 1


async def test_errors_of_the_fetch_propagate(sleeps: list[float]) -> None:
    async def broken() -> str:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await poll_until(broken, lambda s: True)


@pytest.mark.parametrize(
    ("interval", "deadline"),
    [(0, 10), (-1, 10), (1, 0), (1, float("nan")), (True, 10), ("1", 10), (1, 86_401)],
)
async def test_bad_bounds_are_refused(interval: object, deadline: object) -> None:
    fetch = States("x")
    with pytest.raises(InvalidArgumentError):
        await poll_until(fetch, lambda s: True, interval=interval, deadline=deadline)  # type: ignore[arg-type]
    assert fetch.calls == 0
