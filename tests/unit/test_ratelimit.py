"""The client-side rate limit: the request budget (GCRA), its bound, the hold after a 429.

The autouse `sleeps` fixture records waits instead of sleeping them, and moves the budgets'
clock by what it recorded; tests of concurrent waits use the real clock (`real_time`).
"""

from __future__ import annotations

import itertools
import math
import random
import re
import sys
import time

import anyio
import httpx
import pytest
import respx

from aioparticle import (
    ClientRateLimitError,
    InvalidArgumentError,
    LoginRateLimitError,
    ParticleClient,
    RateLimit,
    RateLimitError,
    RequestBudget,
    _budget,
    _retry,
)
from aioparticle._budget import (
    PENALTY_BASE,
    RATE_LIMIT_PENALTY,
    STRIKE_MEMORY,
    has_own_limit,
    penalty_seconds,
    reserve,
    spacing,
)
from tests.conftest import API, TOKEN, load

pytestmark = pytest.mark.anyio

DEVICE = "0123456789abcdef01234567"
VAR = f"/v1/devices/{DEVICE}/temp"
FN = f"/v1/devices/{DEVICE}/open"


def clock() -> float:
    """The budgets' clock (virtual under the `sleeps` fixture)."""
    return float(vars(_budget)["time"].monotonic())


def busiest(times: list[float], per: float) -> int:
    """The most of `times` in any half-open window of `per` seconds."""
    times = sorted(times)
    most = start = 0
    for end, at in enumerate(times):
        while at - times[start] >= per:
            start += 1
        most = max(most, end - start + 1)
    return most


def recorded(api: respx.MockRouter, path: str = VAR) -> tuple[respx.Route, list[float]]:
    """A route answering the variable, recording on the budgets' clock when each request
    arrived."""
    times: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        times.append(clock())
        return httpx.Response(200, json=load("variable.json"))

    return api.get(path).mock(side_effect=answer), times


@pytest.fixture
def real_time(sleeps: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    """Sleep for real, on the real clock (for waits that overlap)."""
    monkeypatch.setattr(_retry, "sleep", anyio.sleep)
    monkeypatch.setattr(_budget, "time", time)


# ---------------------------------------------------------------------- the schedule


def test_particles_figure_is_the_default() -> None:
    budget = ParticleClient(TOKEN).rate_limit
    assert isinstance(budget, RateLimit)
    assert (budget.requests, budget.per, budget.burst) == (10_000, 300.0, 1_000)
    # the rest of the budget is spread evenly: 30 requests a second, not 10,000 at once
    assert budget.interval == pytest.approx(300 / 9_000)


@pytest.mark.parametrize(
    ("requests", "per", "burst"),
    [
        (10_000, 300.0, 1_000),
        (100, 60.0, 10),
        (7, 1.0, 1),
        (5, 10.0, 5),
        (1, 3.0, 1),
        (50, 20.0, 49),
    ],
)
def test_no_window_ever_holds_more_than_the_budget(requests: int, per: float, burst: int) -> None:
    rng = random.Random(requests * 7 + burst)
    interval, tolerance = spacing(requests, per, burst)
    tat = hold = -math.inf
    sent: list[float] = []
    now = 0.0
    for _ in range(max(3 * requests, 300)):
        gap = rng.random()  # mostly bursts, some trickles, now and then a long pause
        now += 0.0 if gap < 0.9 else rng.random() * (per / requests if gap < 0.99 else per)
        wait, new_tat = reserve(tat, hold, now, interval, tolerance, math.inf)
        assert new_tat is not None and wait >= 0
        tat = new_tat
        sent.append(now + wait)
    assert busiest(sent, per) <= requests
    assert busiest(sent, per) >= burst  # and the budget is really used


def test_a_reservation_over_max_wait_takes_nothing() -> None:
    interval, tolerance = spacing(2, 10.0, 1)
    wait, tat = reserve(-math.inf, -math.inf, 0.0, interval, tolerance, 5.0)
    assert (wait, tat) == (0.0, 10.0)
    assert reserve(10.0, -math.inf, 0.0, interval, tolerance, 5.0) == (10.0, None)


@pytest.mark.parametrize(
    ("retry_after", "strikes", "expected"),
    [
        (7.0, 1, 7.0),  # the cloud said: that is the hold
        (7.0, 9, 7.0),
        (None, 1, 0.0),  # a lone 429 without Retry-After only stops the burst
        (None, 2, PENALTY_BASE),
        (None, 3, 2 * PENALTY_BASE),
        (None, 5, 8 * PENALTY_BASE),
        (None, 50, RATE_LIMIT_PENALTY),
        (None, 10**9, RATE_LIMIT_PENALTY),
    ],
)
def test_penalty(retry_after: float | None, strikes: int, expected: float) -> None:
    assert penalty_seconds(retry_after, strikes) == expected


@pytest.mark.parametrize(
    ("method", "path", "own"),
    [
        ("POST", "/oauth/token", True),
        ("GET", "/v1/access_tokens", True),
        ("DELETE", "/v1/access_tokens/abc", True),
        ("POST", "/v1/users", True),
        ("DELETE", "/v1/user", True),
        ("PUT", "/v1/user/password-reset", True),
        ("GET", "/v1/serial_numbers/P046AF1234", True),
        ("GET", "/v1/users", False),
        ("GET", "/v1/user", False),
        ("GET", VAR, False),
        ("POST", "/v1/devices/events", False),
    ],
)
def test_routes_with_a_limit_of_their_own(method: str, path: str, own: bool) -> None:
    assert has_own_limit(method, path) is own


# ---------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"requests": 0}, "requests must be an int >= 1"),
        ({"requests": -5}, "requests must be an int >= 1"),
        ({"requests": 1.5}, "requests must be an int >= 1"),
        ({"requests": True}, "requests must be an int >= 1"),
        ({"requests": "10"}, "requests must be an int >= 1"),
        ({"per": 0}, "per must be a positive number of seconds"),
        ({"per": -1.0}, "per must be a positive number of seconds"),
        ({"per": math.nan}, "per must be a positive number of seconds"),
        ({"per": math.inf}, "per must be a positive number of seconds"),
        ({"per": True}, "per must be a positive number of seconds"),
        ({"per": "300"}, "per must be a positive number of seconds"),
        ({"requests": 10, "burst": 0}, r"burst must be an int from 1 to requests \(10\)"),
        ({"requests": 10, "burst": 11}, r"burst must be an int from 1 to requests \(10\)"),
        ({"requests": 10, "burst": True}, r"burst must be an int from 1 to requests \(10\)"),
    ],
)
def test_bad_figures_are_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        RateLimit(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["10000/300", 10_000, RateLimit, object()])
def test_bad_rate_limit_argument_is_refused(value: object) -> None:
    with pytest.raises(InvalidArgumentError, match="rate_limit must be True"):
        ParticleClient(TOKEN, rate_limit=value)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- the client


async def test_a_burst_goes_at_once_then_calls_wait_their_turn(
    api: respx.MockRouter, sleeps: list[float]
) -> None:
    route, times = recorded(api)
    async with ParticleClient(
        TOKEN, base_url=API, rate_limit=RateLimit(5, per=10.0, burst=2)
    ) as client:
        for _ in range(8):
            assert (await client.devices.get_variable(DEVICE, "temp")).result == 21.5
    assert route.call_count == 8  # every call waited, none failed
    assert sleeps == [pytest.approx(10 / 3)] * 6
    assert times[1] == times[0]
    assert [b - a for a, b in itertools.pairwise(times[1:])] == [pytest.approx(10 / 3)] * 6
    assert busiest(times, 10.0) <= 5


@pytest.mark.slow
async def test_concurrent_calls_are_smoothed_not_failed(
    api: respx.MockRouter, real_time: None
) -> None:
    route, times = recorded(api)
    budget = RateLimit(10, per=0.3, burst=3)
    async with ParticleClient(TOKEN, base_url=API, rate_limit=budget) as client:
        started = time.monotonic()
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                for _ in range(20):
                    tg.start_soon(client.devices.get_variable, DEVICE, "temp")
        elapsed = time.monotonic() - started
    assert route.call_count == 20
    assert busiest(times, 0.3) <= 10
    assert elapsed >= 17 * budget.interval * 0.9  # 3 at once, then one every interval


async def test_views_share_the_budget(api: respx.MockRouter, sleeps: list[float]) -> None:
    route, _ = recorded(api)
    async with ParticleClient(
        TOKEN, base_url=API, rate_limit=RateLimit(3, per=600.0, burst=3)
    ) as client:
        view = client.with_options(timeout=5.0)
        other = view.with_options(max_retries=0)
        assert view.rate_limit is client.rate_limit is other.rate_limit
        await client.devices.get_variable(DEVICE, "temp")
        await view.devices.get_variable(DEVICE, "temp")
        await other.devices.get_variable(DEVICE, "temp")
        with pytest.raises(ClientRateLimitError):
            await client.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 3


async def test_one_budget_shared_by_two_clients(api: respx.MockRouter) -> None:
    route, _ = recorded(api)
    budget = RateLimit(2, per=600.0, burst=2)
    async with (
        ParticleClient(TOKEN, base_url=API, rate_limit=budget) as one,
        ParticleClient(TOKEN, base_url=API, rate_limit=budget) as two,
    ):
        await one.devices.get_variable(DEVICE, "temp")
        await two.devices.get_variable(DEVICE, "temp")
        with pytest.raises(ClientRateLimitError):
            await one.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 2


@pytest.mark.parametrize("off", [None, False])
async def test_off_means_off(api: respx.MockRouter, sleeps: list[float], off: bool | None) -> None:
    route, _ = recorded(api)
    async with ParticleClient(TOKEN, base_url=API, rate_limit=off) as client:
        assert client.rate_limit is None
        for _ in range(50):
            await client.devices.get_variable(DEVICE, "temp")
        api.post(FN).respond(429, headers={"Retry-After": "30"}, json={"error": "slow down"})
        with pytest.raises(RateLimitError):
            await client.with_options(max_retries=0).devices.call_function(DEVICE, "open")
        await client.devices.get_variable(DEVICE, "temp")  # no hold either
    assert route.call_count == 51
    assert sleeps == []


@pytest.mark.slow
async def test_the_default_does_not_slow_ordinary_use(
    api: respx.MockRouter, client: ParticleClient, sleeps: list[float]
) -> None:
    route, _ = recorded(api)
    for _ in range(1_000):  # the whole burst, at once
        await client.devices.get_variable(DEVICE, "temp")
    assert sleeps == []
    await client.devices.get_variable(DEVICE, "temp")  # then 30 a second
    assert sleeps == [pytest.approx(300 / 9_000)]
    assert route.call_count == 1_001


async def test_every_attempt_counts(api: respx.MockRouter, sleeps: list[float]) -> None:
    route = api.get(VAR).mock(
        side_effect=[
            httpx.Response(503, json={"error": "x"}),
            httpx.Response(503, json={"error": "x"}),
            httpx.Response(200, json=load("variable.json")),
        ]
    )
    async with ParticleClient(
        TOKEN, base_url=API, rate_limit=RateLimit(3, per=600.0, burst=3)
    ) as client:
        await client.devices.get_variable(DEVICE, "temp")  # three attempts: three requests
        with pytest.raises(ClientRateLimitError):
            await client.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 3


# ---------------------------------------------------------------------- the bound


async def test_a_wait_over_max_retry_after_raises_at_once_without_sending(
    api: respx.MockRouter, sleeps: list[float]
) -> None:
    route, _ = recorded(api)
    async with ParticleClient(
        TOKEN, base_url=API, rate_limit=RateLimit(2, per=600.0, burst=1)
    ) as client:
        await client.devices.get_variable(DEVICE, "temp")
        with pytest.raises(ClientRateLimitError) as info:
            await client.devices.get_variable(DEVICE, "temp")
        error = info.value
        assert isinstance(error, RateLimitError)  # one `except RateLimitError` catches both
        assert error.status_code == 429
        assert error.retry_after == pytest.approx(600.0)
        assert error.response.headers["retry-after"] == "600"
        assert error.error == "client_rate_limited"
        assert error.method == "GET" and error.path == VAR
        assert "max_retry_after (60s)" in str(error) and "not sent" in str(error)
        assert error.request is not None and TOKEN not in str(error.request.headers)
        assert route.call_count == 1
        assert sleeps == []
        # a view that accepts a longer wait waits instead
        patient = client.with_options(max_retry_after=900)
        await patient.devices.get_variable(DEVICE, "temp")
    assert sleeps == [pytest.approx(600.0)]
    assert route.call_count == 2


async def test_waits_do_not_count_against_the_call_deadline(
    api: respx.MockRouter, sleeps: list[float]
) -> None:
    route, _ = recorded(api)
    async with ParticleClient(
        TOKEN, base_url=API, timeout=1.0, rate_limit=RateLimit(2, per=40.0, burst=1)
    ) as client:
        await client.devices.get_variable(DEVICE, "temp")
        await client.devices.get_variable(DEVICE, "temp")  # waits 40 s, then has its 1 s
    assert sleeps == [pytest.approx(40.0)]
    assert route.call_count == 2


# ---------------------------------------------------------------------- 429 from the cloud


async def test_a_429_holds_every_call(api: respx.MockRouter, sleeps: list[float]) -> None:
    route, times = recorded(api)
    api.post(FN).respond(429, headers={"Retry-After": "5"}, json={"error": "slow down"})
    async with ParticleClient(TOKEN, base_url=API) as client:
        refused_at = clock()
        with pytest.raises(RateLimitError):
            await client.with_options(max_retries=0).devices.call_function(DEVICE, "open")
        await client.devices.get_variable(DEVICE, "temp")
        await client.devices.get_variable(DEVICE, "temp")
    # the first call after the 429 waited it out; the next one found no burst left
    assert sleeps == [pytest.approx(5.0), pytest.approx(300 / 9_000)]
    assert times[0] >= refused_at + 5.0 - 1e-6
    assert route.call_count == 2


async def test_the_call_that_got_the_429_waits_it_once(
    api: respx.MockRouter, client: ParticleClient, sleeps: list[float]
) -> None:
    route = api.get(VAR).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "5"}, json={"error": "slow down"}),
            httpx.Response(200, json=load("variable.json")),
        ]
    )
    await client.devices.get_variable(DEVICE, "temp")
    assert sleeps == [5.0]  # its own retry's wait; the shared hold was over by then
    assert route.call_count == 2


async def test_a_hold_longer_than_max_retry_after_refuses_other_calls_at_once(
    api: respx.MockRouter, client: ParticleClient, sleeps: list[float]
) -> None:
    limited = api.post(FN).respond(429, headers={"Retry-After": "300"}, json={"error": "no"})
    route, _ = recorded(api)
    with pytest.raises(RateLimitError) as first:
        await client.devices.call_function(DEVICE, "open")
    assert not isinstance(first.value, ClientRateLimitError)  # that one the cloud refused
    with pytest.raises(ClientRateLimitError) as info:
        await client.devices.get_variable(DEVICE, "temp")
    assert info.value.retry_after == pytest.approx(300.0)
    assert route.call_count == 0 and limited.call_count == 1  # the cloud was left alone
    assert sleeps == []


async def test_a_429_storm_without_retry_after_backs_off_for_every_call(
    api: respx.MockRouter, client: ParticleClient, sleeps: list[float]
) -> None:
    api.post(FN).respond(429, json={"error": "Too many requests"})
    route, _ = recorded(api)
    for _ in range(6):
        with pytest.raises(RateLimitError):
            await client.with_options(max_retries=0).devices.call_function(DEVICE, "open")
    # the first 429 in a row only stopped the burst; from the second on, every call waits
    assert sleeps == [pytest.approx(s) for s in (1.0, 2.0, 4.0, 8.0)]
    before = len(sleeps)
    await client.devices.get_variable(DEVICE, "temp")
    assert sleeps[before:] == [pytest.approx(16.0)]  # the sixth 429 in a row: 16 s for all
    assert route.call_count == 1


async def test_strikes_are_forgotten_after_a_quiet_minute(sleeps: list[float]) -> None:
    budget = RateLimit()
    await budget.penalize(None)
    await budget.penalize(None)
    await budget.penalize(None)
    assert await budget.acquire(60.0) == 0.0
    assert sleeps == [pytest.approx(2.0)]
    await _retry.sleep(STRIKE_MEMORY + 1)
    await budget.penalize(None)  # the first of a new run: no hold, only no burst
    assert await budget.acquire(60.0) == 0.0
    assert sleeps[2:] == []


async def test_a_429_empties_the_burst(sleeps: list[float]) -> None:
    budget = RateLimit(100, per=100.0, burst=50)
    await budget.acquire(60.0)
    await budget.penalize(None)
    await budget.acquire(60.0)
    await budget.acquire(60.0)  # no burst left: spaced by the interval at once
    assert sleeps == [pytest.approx(2.0)]


@pytest.mark.slow
async def test_a_hold_arriving_while_a_call_waits_holds_it_too(real_time: None) -> None:
    budget = RateLimit(10, per=1.0, burst=1)  # one every 1/9 s
    await budget.acquire(60.0)
    started = time.monotonic()
    async with anyio.create_task_group() as tg:
        tg.start_soon(budget.acquire, 60.0)  # its slot is 0.11 s away
        await anyio.sleep(0.03)
        await budget.penalize(0.4)
    assert time.monotonic() - started >= 0.4 - 0.01


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/oauth/token", {"error": "too_many_requests"}),
        ("GET", "/v1/serial_numbers/P046AF1234", {"error": "too many lookups"}),
    ],
)
async def test_a_429_of_a_route_with_its_own_limit_holds_only_that_call(
    api: respx.MockRouter, sleeps: list[float], method: str, path: str, body: dict[str, str]
) -> None:
    api.request(method, path).respond(429, headers={"Retry-After": "1800"}, json=body)
    route, _ = recorded(api)
    async with ParticleClient(TOKEN, base_url=API) as client:
        with pytest.raises(RateLimitError) as info:
            await client.request(method, path)
        assert not isinstance(info.value, ClientRateLimitError)
        await client.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 1
    assert sleeps == []


async def test_a_locked_out_login_does_not_hold_the_api(
    api: respx.MockRouter, sleeps: list[float]
) -> None:
    api.post("/oauth/token").respond(
        429, headers={"Retry-After": "1800"}, json={"error": "too_many_requests"}
    )
    route, _ = recorded(api)
    async with ParticleClient(TOKEN, base_url=API) as client:
        with pytest.raises(LoginRateLimitError):
            await client.auth.login("someone@example.com", "pass-word-1")
        await client.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 1


async def test_a_refused_stream_open_does_not_hold_the_api(
    api: respx.MockRouter, sleeps: list[float]
) -> None:
    api.get("/v1/devices/events").respond(429, headers={"Retry-After": "40"}, json={})
    route, _ = recorded(api)
    async with ParticleClient(TOKEN, base_url=API) as client:
        stream = client.events.stream(device="mine", reconnect=False)
        with pytest.raises(RateLimitError):
            await stream.__aenter__()
        await stream.aclose()
        await client.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 1
    assert sleeps == []


async def test_stream_opens_count_against_the_budget(
    api: respx.MockRouter, sleeps: list[float]
) -> None:
    api.get("/v1/devices/events").respond(
        200, headers={"content-type": "text/event-stream"}, text=":ok\n\n"
    )
    route, _ = recorded(api)
    async with ParticleClient(
        TOKEN, base_url=API, rate_limit=RateLimit(2, per=600.0, burst=2)
    ) as client:
        async with client.events.stream(device="mine", reconnect=False):
            pass
        await client.devices.get_variable(DEVICE, "temp")
        with pytest.raises(ClientRateLimitError):
            await client.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 1


# ---------------------------------------------------------------------- cancellation


async def test_cancelled_while_waiting(api: respx.MockRouter, real_time: None) -> None:
    route, _ = recorded(api)
    async with ParticleClient(
        TOKEN, base_url=API, rate_limit=RateLimit(2, per=20.0, burst=1)
    ) as client:
        await client.devices.get_variable(DEVICE, "temp")
        with anyio.move_on_after(0.1) as scope:
            await client.devices.get_variable(DEVICE, "temp")  # its slot is 20 s away
        assert scope.cancelled_caught
        assert route.call_count == 1  # never sent
        assert client._core.shared.limiter.borrowed_tokens == 0  # its concurrency slot freed
        # the slot it waited for stays spent (never more than the budget): the next is 40 s off
        with pytest.raises(ClientRateLimitError) as info:
            await client.with_options(max_retry_after=30).devices.get_variable(DEVICE, "temp")
        assert 39 <= (info.value.retry_after or 0) <= 40


# ---------------------------------------------------------------------- your own budget


class CountingBudget:
    """A budget of a test's own: it lets everything through and counts."""

    def __init__(self, refuse: float = 0.0) -> None:
        self.acquired: list[float] = []
        self.penalties: list[float | None] = []
        self.refuse = refuse

    async def acquire(self, max_wait: float) -> float:
        self.acquired.append(max_wait)
        return self.refuse

    async def penalize(self, retry_after: float | None) -> None:
        self.penalties.append(retry_after)


async def test_any_request_budget_can_be_given(api: respx.MockRouter) -> None:
    budget = CountingBudget()
    assert isinstance(budget, RequestBudget)
    api.get(VAR).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(200, json=load("variable.json")),
        ]
    )
    async with ParticleClient(TOKEN, base_url=API, rate_limit=budget) as client:
        assert client.rate_limit is budget
        await client.with_options(max_retry_after=9).devices.get_variable(DEVICE, "temp")
    assert budget.acquired == [9.0, 9.0]  # one slot per attempt, bounded by max_retry_after
    assert budget.penalties == [2.0]


async def test_a_budget_refusal_is_a_client_rate_limit_error(api: respx.MockRouter) -> None:
    route, _ = recorded(api)
    async with ParticleClient(TOKEN, base_url=API, rate_limit=CountingBudget(75.0)) as client:
        with pytest.raises(ClientRateLimitError) as info:
            await client.devices.get_variable(DEVICE, "temp")
    assert info.value.retry_after == 75.0
    assert route.call_count == 0


async def test_downloads_from_elsewhere_are_not_counted(api: respx.MockRouter) -> None:
    budget = CountingBudget()
    with respx.mock(base_url="https://files.example.com") as elsewhere:
        elsewhere.get("/report.csv").respond(200, content=b"a,b\n")
        async with ParticleClient(TOKEN, base_url=API, rate_limit=budget) as client:
            await client._core.download("GET", "https://files.example.com/report.csv", to=None,
                                        progress=None)  # fmt: skip
    assert budget.acquired == []


# ---------------------------------------------------------------------- the Redis backend


def test_the_redis_backend_without_redis_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    from aioparticle.ratelimit_redis import RedisRateLimit

    with pytest.raises(ImportError, match=re.escape('pip install "aioparticle[redis]"')):
        RedisRateLimit("redis://127.0.0.1:6379/0")


@pytest.mark.parametrize(
    ("redis", "kwargs", "match"),
    [
        (42, {}, "needs a redis.asyncio.Redis client or a redis:// URL, got int"),
        ("redis://127.0.0.1/0", {"key": ""}, "key must be a non-empty str"),
        ("redis://127.0.0.1/0", {"timeout": 0}, "timeout must be a positive number"),
        ("redis://127.0.0.1/0", {"retry_interval": -1}, "retry_interval must be a positive"),
        ("redis://127.0.0.1/0", {"requests": 0}, "requests must be an int >= 1"),
        ("redis://127.0.0.1/0", {"per": math.nan}, "per must be a positive number"),
    ],
)
def test_bad_redis_budget_arguments_are_refused(
    redis: object, kwargs: dict[str, object], match: str
) -> None:
    from aioparticle.ratelimit_redis import RedisRateLimit

    with pytest.raises(InvalidArgumentError, match=match):
        RedisRateLimit(redis, **kwargs)  # type: ignore[arg-type]
