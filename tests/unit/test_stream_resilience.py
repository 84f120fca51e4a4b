"""An event stream outlives outages, odd answers and buggy callbacks (respx, clock patched)."""

from __future__ import annotations

import gc
import logging
import warnings

import anyio.lowlevel
import httpx
import pytest
import respx

from aioparticle import (
    APIConnectionError,
    AuthenticationError,
    Event,
    MalformedFrame,
    ParticleClient,
    Reconnect,
    StreamError,
    _budget,
    _stream,
)
from aioparticle._budget import RATE_LIMIT_PENALTY
from tests.conftest import API, TOKEN
from tests.unit._wire import answers, fake_clock, sse, take

pytestmark = pytest.mark.anyio

PATH = "/v1/devices/events"


def html() -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/html"}, text="<h1>Login</h1>")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A fake monotonic clock that every patched sleep advances; the sleeps are recorded."""
    return fake_clock(monkeypatch)


@pytest.mark.slow
async def test_thousands_of_failed_reconnects_do_not_kill_the_stream(
    api: respx.MockRouter, clock: list[float]
) -> None:
    failures = [httpx.ConnectError("refused")] * 2_000
    api.get(PATH).mock(side_effect=answers(sse("first"), *failures, sse("after-outage")))
    async with ParticleClient(TOKEN, base_url=API) as client:
        got = await take(client, 2)
    assert [e.name for e in got] == ["first", "after-outage"]
    assert len(clock) >= 2_000
    assert max(clock) <= _stream.RECONNECT_CAP


async def test_an_html_page_on_a_reconnect_is_retried_not_fatal(
    api: respx.MockRouter, clock: list[float]
) -> None:
    api.get(PATH).mock(side_effect=answers(sse("before"), html(), html(), sse("after")))
    async with ParticleClient(TOKEN, base_url=API) as client:
        got = await take(client, 2)
    assert [e.name for e in got] == ["before", "after"]
    assert api.calls.call_count == 4


async def test_an_html_page_instead_of_the_first_open_is_still_an_error(
    api: respx.MockRouter, clock: list[float]
) -> None:
    api.get(PATH).mock(side_effect=answers(html()))
    async with ParticleClient(TOKEN, base_url=API) as client:
        with pytest.raises(StreamError, match="text/html"):
            await take(client, 1)
    assert api.calls.call_count == 1


@pytest.mark.parametrize("status", [429, 529])
async def test_rate_limited_reopen_without_retry_after_waits_the_penalty(
    api: respx.MockRouter, clock: list[float], status: int
) -> None:
    limited = httpx.Response(status, json={"error": "Too many requests"})
    api.get(PATH).mock(side_effect=answers(sse("before"), limited, sse("after")))
    async with ParticleClient(TOKEN, base_url=API) as client:
        got = await take(client, 2)
    assert [e.name for e in got] == ["before", "after"]
    # the reopen after the 429 waited at least the penalty, in the shared open budget
    assert sum(clock) >= RATE_LIMIT_PENALTY
    assert any(wait >= RATE_LIMIT_PENALTY - 2 for wait in clock)


async def test_the_penalty_holds_back_every_stream_of_the_client(clock: list[float]) -> None:
    budget = _budget.StreamBudget()
    budget.penalize(RATE_LIMIT_PENALTY)
    await budget.acquire_open()
    assert clock == [pytest.approx(RATE_LIMIT_PENALTY)]
    await budget.acquire_open()  # the penalty is over
    assert len(clock) == 1


async def test_a_raising_on_malformed_callback_is_logged_and_the_stream_goes_on(
    api: respx.MockRouter, clock: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    body = ":ok\n\nevent: bad\ndata: not json\n\nevent: good\ndata: {}\n\n"
    stream = httpx.Response(200, headers={"content-type": "text/event-stream"}, text=body)
    api.get(PATH).mock(side_effect=answers(stream))
    seen: list[MalformedFrame] = []

    def on_malformed(frame: MalformedFrame) -> None:
        seen.append(frame)
        raise RuntimeError("bug in on_malformed")

    async with ParticleClient(TOKEN, base_url=API) as client:
        got = await take(client, 1, on_malformed=on_malformed)
    assert [e.name for e in got] == ["good"]
    assert [frame.name for frame in seen] == ["bad"]
    records = [r for r in caplog.records if "on_malformed callback" in r.getMessage()]
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR
    assert records[0].exc_info is not None
    assert "bug in on_malformed" in str(records[0].exc_info[1])
    assert TOKEN not in caplog.text


async def test_a_raising_async_on_reconnect_callback_is_logged_and_the_stream_goes_on(
    api: respx.MockRouter, clock: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    api.get(PATH).mock(side_effect=answers(sse("one"), sse("two"), sse("three")))
    calls: list[Reconnect] = []

    async def on_reconnect(info: Reconnect) -> None:
        calls.append(info)
        raise ValueError("bug in on_reconnect")

    async with ParticleClient(TOKEN, base_url=API) as client:
        got = await take(client, 3, on_reconnect=on_reconnect)
    assert [e.name for e in got] == ["one", "two", "three"]
    assert [info.attempt for info in calls] == [1, 2]
    assert sum("on_reconnect callback" in r.getMessage() for r in caplog.records) == 2


async def test_a_raising_hub_filter_skips_that_subscriber_only(
    api: respx.MockRouter, clock: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    api.get(PATH).mock(side_effect=answers(sse("a", "b")))

    def broken(event: Event) -> bool:
        if event.name == "a":
            raise KeyError("bug in filter")
        return True

    async with ParticleClient(TOKEN, base_url=API) as client:
        hub = client.events.hub(device="mine")
        # subscribed before the hub opens, so neither can miss an event
        picky, everyone = hub.subscribe(where=broken), hub.subscribe()
        with anyio.fail_after(10):
            async with hub, picky, everyone:
                assert (await picky.__anext__()).name == "b"
                assert [(await everyone.__anext__()).name for _ in range(2)] == ["a", "b"]
    assert any("subscription filter" in r.getMessage() for r in caplog.records)


def forget(held: list[object]) -> None:
    """Drop the only references to what `held` holds, and collect it."""
    held.clear()
    gc.collect()


@pytest.mark.slow
async def test_a_stream_abandoned_open_warns_like_an_unclosed_file(
    api: respx.MockRouter, clock: list[float]
) -> None:
    api.get(PATH).mock(side_effect=answers(sse("one", "two")))
    async with ParticleClient(TOKEN, base_url=API) as client:
        held = [client.events.stream(device="mine")]
        assert (await held[0].__anext__()).name == "one"  # bare iteration: open, never closed
        with pytest.warns(ResourceWarning, match="unclosed event stream /v1/devices/events"):
            forget(held)


async def test_a_closed_stream_is_collected_silently(
    api: respx.MockRouter, clock: list[float]
) -> None:
    api.get(PATH).mock(side_effect=answers(sse("one")))
    async with ParticleClient(TOKEN, base_url=API) as client:
        held = [client.events.stream(device="mine")]
        await held[0].__anext__()
        await held[0].aclose()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            forget(held)


async def test_a_401_ends_the_stream_without_a_reconnect(
    api: respx.MockRouter, clock: list[float]
) -> None:
    route = api.get(PATH).mock(
        side_effect=answers(sse("one"), httpx.Response(401, json={"error": "invalid_token"}))
    )
    async with ParticleClient(TOKEN, base_url=API) as client:
        with pytest.raises(AuthenticationError):
            await take(client, 2)
    assert route.call_count == 2


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError(f"refused: Bearer {TOKEN}"), httpx.ReadTimeout(f"slow {TOKEN}")],
)
async def test_a_token_in_a_stream_open_failure_is_scrubbed(
    api: respx.MockRouter, clock: list[float], failure: Exception
) -> None:
    api.get(PATH).mock(side_effect=failure)
    async with ParticleClient(TOKEN, base_url=API) as client:
        stream = client.events.stream(device="mine", reconnect=False)
        with pytest.raises(APIConnectionError) as info:
            await stream.__aenter__()
        await stream.aclose()
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(info.value)
