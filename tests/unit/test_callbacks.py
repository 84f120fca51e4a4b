"""User callbacks: each takes its documented forms (with its argument or, for the
notifications, without one; plain or async), anything else is refused with
`InvalidArgumentError` before any I/O, and a stream callback that raises never ends the
stream."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

from aioparticle import (
    ClientCredentials,
    Event,
    FleetProgress,
    FleetRun,
    InvalidArgumentError,
    ParticleClient,
    PasswordLogin,
    Reconnect,
)
from tests.conftest import API, TOKEN
from tests.unit._wire import answers, expect_invalid, expect_invalid_now, fake_clock, sse, take

pytestmark = pytest.mark.anyio

PATH = "/v1/devices/events"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Reconnect waits recorded, not slept, on a fake monotonic clock."""
    return fake_clock(monkeypatch)


# --------------------------------------------------------------------------- on_reconnect


async def test_a_zero_argument_on_reconnect_is_called_after_each_reconnect(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    api.get(PATH).mock(side_effect=answers(sse("one"), sse("two"), sse("three")))
    calls: list[str] = []

    def resync() -> None:
        calls.append("resync")

    async with ParticleClient(TOKEN, base_url=API) as client:
        got = await take(client, 3, on_reconnect=resync)
    assert [e.name for e in got] == ["one", "two", "three"]
    assert calls == ["resync", "resync"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_zero_argument_async_on_reconnect_is_awaited(api: respx.MockRouter) -> None:
    api.get(PATH).mock(side_effect=answers(sse("one"), sse("two")))
    calls: list[str] = []

    async def resync() -> None:
        await anyio.lowlevel.checkpoint()
        calls.append("resync")

    async with ParticleClient(TOKEN, base_url=API) as client:
        await take(client, 2, on_reconnect=resync)
    assert calls == ["resync"]


async def test_on_reconnect_receives_a_reconnect(api: respx.MockRouter) -> None:
    api.get(PATH).mock(side_effect=answers(sse("one"), sse("two")))
    seen: list[Reconnect] = []
    async with ParticleClient(TOKEN, base_url=API) as client:
        await take(client, 2, on_reconnect=seen.append)
    assert len(seen) == 1
    assert seen[0].attempt == 1
    assert "ended the stream" in seen[0].reason
    assert seen[0].downtime >= 0


async def test_a_callback_returning_a_plain_value_is_not_awaited(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    api.get(PATH).mock(side_effect=answers(sse("one"), sse("two")))
    counts: list[int] = []

    def count(info: Reconnect) -> int:
        counts.append(info.attempt)
        return len(counts)

    async with ParticleClient(TOKEN, base_url=API) as client:
        await take(client, 2, on_reconnect=count)
    assert counts == [1]
    assert "raised" not in caplog.text


async def test_a_raising_zero_argument_on_reconnect_is_logged_and_the_stream_goes_on(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    api.get(PATH).mock(side_effect=answers(sse("one"), sse("two"), sse("three")))

    def broken() -> None:
        raise LookupError("bug in the resync")

    async with ParticleClient(TOKEN, base_url=API) as client:
        got = await take(client, 3, on_reconnect=broken)
    assert [e.name for e in got] == ["one", "two", "three"]
    records = [r for r in caplog.records if "on_reconnect callback" in r.getMessage()]
    assert len(records) == 2
    assert records[0].exc_info is not None
    assert isinstance(records[0].exc_info[1], LookupError)


async def test_a_zero_argument_on_malformed_is_called(api: respx.MockRouter) -> None:
    body = ":ok\n\nevent: bad\ndata: not json\n\nevent: good\ndata: {}\n\n"
    stream = httpx.Response(200, headers={"content-type": "text/event-stream"}, text=body)
    api.get(PATH).mock(side_effect=answers(stream))
    calls: list[str] = []
    async with ParticleClient(TOKEN, base_url=API) as client:
        got = await take(client, 1, on_malformed=lambda: calls.append("skipped"))
    assert [e.name for e in got] == ["good"]
    assert calls == ["skipped"]


def _two_arguments(info: Reconnect, extra: object) -> None: ...


def _keyword_only(*, info: Reconnect) -> None: ...


BAD_STREAM_CALLBACKS = [
    pytest.param("resync", id="a-str"),
    pytest.param(42, id="an-int"),
    pytest.param(_two_arguments, id="two-arguments"),
    pytest.param(_keyword_only, id="keyword-only"),
]


@pytest.mark.parametrize("option", ["on_reconnect", "on_malformed"])
@pytest.mark.parametrize("callback", BAD_STREAM_CALLBACKS)
@pytest.mark.parametrize("opener", ["stream", "hub"])
async def test_a_stream_callback_of_another_shape_is_refused_before_any_io(
    api: respx.MockRouter, client: ParticleClient, option: str, callback: object, opener: str
) -> None:
    open_ = getattr(client.events, opener)
    expect_invalid_now(lambda: open_(device="mine", **{option: callback}), api)


async def test_the_refusal_says_what_the_callback_must_take(client: ParticleClient) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        client.events.stream(device="mine", on_reconnect=_two_arguments)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "on_reconnect must be a callable taking a Reconnect (or nothing)" in message
    assert "_two_arguments(info: 'Reconnect', extra: 'object')" in message


async def test_a_callable_object_and_a_bound_method_are_accepted(api: respx.MockRouter) -> None:
    api.get(PATH).mock(side_effect=answers(sse("one"), sse("two"), sse("three"), sse("four")))

    class Resync:
        def __init__(self) -> None:
            self.count = 0

        def __call__(self, info: Reconnect) -> None:
            self.count += 1

        def again(self) -> None:
            self.count += 10

    resync = Resync()
    async with ParticleClient(TOKEN, base_url=API) as client:
        await take(client, 2, on_reconnect=resync)
        await take(client, 2, on_reconnect=resync.again)
    assert resync.count == 11


# --------------------------------------------------------------------------- hub filters


async def test_an_async_hub_filter_is_awaited(api: respx.MockRouter) -> None:
    api.get(PATH).mock(side_effect=answers(sse("a", "b", "c")))

    async def only_b(event: Event) -> bool:
        await anyio.lowlevel.checkpoint()
        return event.name == "b"

    async with ParticleClient(TOKEN, base_url=API) as client:
        hub = client.events.hub(device="mine")
        picky, everyone = hub.subscribe(where=only_b), hub.subscribe()
        with anyio.fail_after(10):
            async with hub, picky, everyone:
                assert [(await everyone.__anext__()).name for _ in range(3)] == ["a", "b", "c"]
                assert (await picky.__anext__()).name == "b"
                assert picky.events_received == 1


@pytest.mark.parametrize(
    "where",
    [
        pytest.param("temp", id="a-str"),
        pytest.param(lambda: True, id="no-argument"),
        pytest.param(lambda event, extra: True, id="two-arguments"),
    ],
)
async def test_a_hub_filter_of_another_shape_is_refused(
    api: respx.MockRouter, client: ParticleClient, where: object
) -> None:
    hub = client.events.hub(device="mine")
    expect_invalid_now(lambda: hub.subscribe(where=where), api)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- fleet


async def test_a_zero_argument_fleet_on_progress_is_called_per_result(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    api.get(path__regex=r"/v1/devices/d\d/temp").respond(200, json={"result": 1.0})
    ticks: list[str] = []
    run = client.fleet.run(
        lambda device_id: client.devices.get_variable(device_id, "temp"),
        devices=["d1", "d2", "d3"],
        on_progress=lambda: ticks.append("tick"),
    )
    report = await run.collect()
    assert len(report) == 3
    assert ticks == ["tick"] * 3


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("on_progress", lambda progress, extra: None),
        ("on_progress", "print"),
    ],
)
async def test_a_fleet_on_progress_of_another_shape_is_refused(
    api: respx.MockRouter, client: ParticleClient, option: str, value: object
) -> None:
    options: dict[str, Any] = {option: value}
    expect_invalid_now(lambda: client.fleet.get_variable("temp", devices=["d1"], **options), api)


async def test_a_fleet_operation_that_takes_no_device_id_is_refused(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    with pytest.raises(InvalidArgumentError, match="operation must be a callable taking a"):
        client.fleet.run(lambda: None, devices=["d1"])  # type: ignore[arg-type,misc]
    assert len(api.calls) == 0


async def test_a_fleet_operation_returning_no_awaitable_ends_the_run_clearly(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    def not_async(device_id: str) -> int:
        return len(device_id)

    run: FleetRun[int] = client.fleet.run(not_async, devices=["d1", "d2"])  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"operation must return an awaitable.*int"):
        await run.collect()
    assert len(api.calls) == 0


async def test_fleet_on_progress_still_receives_the_progress(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    api.get(path__regex=r"/v1/devices/d\d/temp").respond(200, json={"result": 1.0})
    seen: list[FleetProgress] = []
    await client.fleet.get_variable("temp", devices=["d1", "d2"], on_progress=seen.append).collect()
    assert [p.done for p in seen] == [1, 2]


# --------------------------------------------------------------------------- polling


async def test_a_zero_argument_poll_on_progress_is_called_per_look(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    api.get("/v1/sims/8934076500002589174/status").mock(
        side_effect=[
            httpx.Response(200, json={"ok": True, "meta": {"state": "pending"}}),
            httpx.Response(200, json={"ok": True, "meta": {"state": "complete"}}),
        ]
    )
    looks: list[str] = []
    await client.sims.wait_for_status(
        "8934076500002589174", interval=0.01, on_progress=lambda: looks.append("look")
    )
    assert looks == ["look", "look"]


async def test_a_poll_on_progress_of_another_shape_is_refused_before_any_io(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    two_arguments: Any = lambda a, b: None  # noqa: E731
    await expect_invalid(
        client.sims.wait_for_status("8934076500002589174", on_progress=two_arguments), api
    )
    await expect_invalid(
        client.diagnostics.refresh_and_wait("0123456789abcdef01234567", on_progress=two_arguments),
        api,
    )


# --------------------------------------------------------------------------- downloads


async def test_an_async_download_progress_is_awaited(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    body = b"\x00" * (3 * 64 * 1024 + 5)
    api.get("/v1/binaries/abc").respond(200, content=body)
    seen: list[tuple[int, int | None]] = []

    async def progress(received: int, total: int | None) -> None:
        await anyio.lowlevel.checkpoint()
        seen.append((received, total))

    assert await client.builds.download_binary("abc", progress=progress) == body
    assert seen[0] == (0, len(body))
    assert seen[-1] == (len(body), len(body))


async def test_a_download_progress_of_another_shape_is_refused_before_any_io(
    api: respx.MockRouter, client: ParticleClient
) -> None:
    await expect_invalid(client.builds.download_binary("abc", progress=lambda received: 0), api)  # type: ignore[arg-type,misc]


# --------------------------------------------------------------------------- token providers


def test_an_otp_source_that_takes_an_argument_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="otp must be a callable taking no argument"):
        PasswordLogin("ada@example.com", "correct horse", otp=lambda token: "123456")  # type: ignore[arg-type,misc]


def test_a_token_provider_that_takes_an_argument_is_refused() -> None:
    async def provider(scope: str) -> str:
        return TOKEN

    with pytest.raises(InvalidArgumentError, match="auth must be a callable taking no argument"):
        ParticleClient(auth=provider, base_url=API)  # type: ignore[arg-type]


def test_the_documented_providers_are_still_accepted() -> None:
    async def provider() -> str:
        return TOKEN

    ParticleClient(auth=provider, base_url=API)
    ParticleClient(auth=ClientCredentials("backend", "s3cret-client-secret"), base_url=API)
    PasswordLogin("ada@example.com", "correct horse", otp=lambda: "123456")
