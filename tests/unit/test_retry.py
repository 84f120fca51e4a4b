"""Retry policy: the pure functions, then what the client does with them."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest
import respx

from aioparticle import (
    APIConnectionError,
    APITimeoutError,
    DeviceTimeoutError,
    InternalServerError,
    NotFoundError,
    ParticleClient,
    RateLimitError,
    _retry,
)
from tests.conftest import API, TOKEN, load

pytestmark = pytest.mark.anyio

DEVICE = "0123456789abcdef01234567"
VAR = f"/v1/devices/{DEVICE}/temp"
FN = f"/v1/devices/{DEVICE}/open"


# ---------------------------------------------------------------- pure functions


@pytest.mark.parametrize(
    ("status", "idempotent", "expected"),
    [
        (408, True, False),  # the device did not answer: asking again multiplies the wait
        (429, True, True),
        (500, True, True),
        (502, True, True),
        (503, True, True),
        (504, True, True),
        (529, True, True),
        (400, True, False),
        (401, True, False),
        (403, True, False),
        (404, True, False),
        (501, True, False),
        (408, False, False),
        (429, False, True),  # refused by the rate limit: it was not acted on
        (529, False, True),
        (503, False, False),
    ],
)
def test_should_retry_status(status: int, idempotent: bool, expected: bool) -> None:
    assert _retry.should_retry_status(status, idempotent=idempotent) is expected


@pytest.mark.parametrize("idempotent", [True, False])
def test_a_refusal_on_a_route_with_its_own_limit_is_retried_only_if_idempotent(
    idempotent: bool,
) -> None:
    assert (
        _retry.should_retry_status(429, idempotent=idempotent, refusal_retried=False) is idempotent
    )


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("GET", True),
        ("head", True),
        ("PUT", True),
        ("DELETE", True),
        ("POST", False),
        ("PATCH", False),
    ],
)
def test_idempotent_methods(method: str, expected: bool) -> None:
    assert _retry.is_idempotent_method(method) is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("7", 7.0),
        ("1.5", 1.5),
        (" 12 ", 12.0),
        ("86400", 86400.0),
        ("-3", None),  # negative: not a sane value, so no header at all (not "retry at once")
        ("+3", None),
        ("1e3", None),
        ("86401", None),  # more than a day
        ("1" * 40, None),  # 40 digits
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("Mon, 99 Foo 2025 99:99:99 GMT", None),
    ],
)
def test_parse_retry_after_seconds(header: str | None, expected: float | None) -> None:
    assert _retry.parse_retry_after(header) == expected


def test_parse_retry_after_http_date() -> None:
    now = time.time()
    header = email.utils.formatdate(now + 30, usegmt=True)
    parsed = _retry.parse_retry_after(header, now=now)
    assert parsed is not None and 28 <= parsed <= 31
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert _retry.parse_retry_after(past, now=now) == 0.0


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [(0, 0.25, 0.5), (1, 0.5, 1.0), (2, 1.0, 2.0), (4, 4.0, 8.0), (10, 4.0, 8.0)],
)
def test_backoff_is_capped_exponential_with_jitter(attempt: int, low: float, high: float) -> None:
    delays = {_retry.backoff_delay(attempt) for _ in range(50)}
    assert all(low <= d <= high for d in delays)
    assert len(delays) > 1  # jittered


def test_retry_delay_honours_retry_after_up_to_cap() -> None:
    assert _retry.retry_delay(0, 3.0) == 3.0
    assert _retry.retry_delay(0, 60.0) == 60.0
    assert _retry.retry_delay(0, 61.0) is None
    assert _retry.retry_delay(0, 100.0, max_retry_after=120) == 100.0


# ---------------------------------------------------------------- client behaviour


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_idempotent_call_retried_then_succeeds(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float], status: int
) -> None:
    route = api.get(VAR).mock(
        side_effect=[
            httpx.Response(status, json={"error": "x"}),
            httpx.Response(200, json=load("variable.json")),
        ]
    )
    value = await client.devices.get_variable(DEVICE, "temp")
    assert value.result == 21.5
    assert route.call_count == 2
    assert len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5


async def test_retries_exhausted_raise_last_error(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(VAR).respond(503, json={"error": "unavailable"})
    with pytest.raises(InternalServerError):
        await client.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 3  # first attempt + max_retries=2
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


async def test_max_retries_zero_and_custom(api: respx.MockRouter) -> None:
    route = api.get(VAR).respond(503)
    async with ParticleClient(TOKEN, base_url=API, max_retries=0) as client:
        with pytest.raises(InternalServerError):
            await client.devices.get_variable(DEVICE, "temp")
        assert route.call_count == 1
        with pytest.raises(InternalServerError):
            await client.with_options(max_retries=4).devices.get_variable(DEVICE, "temp")
        assert route.call_count == 1 + 5


@pytest.mark.parametrize("status", [404, 400, 401, 403])
async def test_client_errors_not_retried(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float], status: int
) -> None:
    route = api.get(VAR).respond(status, json={"ok": False, "error": "timed out"})
    with pytest.raises(Exception):  # noqa: B017,PT011 - the class is checked in test_errors
        await client.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
async def test_function_call_never_retried_on_status(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float], status: int
) -> None:
    route = api.post(FN).respond(status, headers={"Retry-After": "1"}, json={"error": "x"})
    with pytest.raises(Exception):  # noqa: B017,PT011
        await client.devices.call_function(DEVICE, "open", "now")
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [429, 529])
async def test_function_call_refused_by_the_rate_limit_is_sent_again(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float], status: int
) -> None:
    route = api.post(FN).mock(
        side_effect=[
            httpx.Response(status, headers={"Retry-After": "2"}, json={"error": "slow down"}),
            httpx.Response(200, json=load("function.json")),
        ]
    )
    result = await client.devices.call_function(DEVICE, "open", "now")
    assert result.return_value == load("function.json")["return_value"]
    assert route.call_count == 2
    assert route.calls[1].request.content == b'{"arg":"now"}'
    assert 2.0 in sleeps  # the Retry-After was waited before the second send


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("read"),
        httpx.ReadError("reset"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
)
async def test_function_call_not_retried_once_sent(
    client: ParticleClient, api: respx.MockRouter, exc: Exception
) -> None:
    route = api.post(FN).mock(side_effect=exc)
    with pytest.raises(APIConnectionError):
        await client.devices.call_function(DEVICE, "open")
    assert route.call_count == 1


@pytest.mark.parametrize(
    "exc", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("pool")]
)
async def test_function_call_retried_when_never_sent(
    client: ParticleClient, api: respx.MockRouter, exc: Exception
) -> None:
    route = api.post(FN).mock(side_effect=[exc, httpx.Response(200, json=load("function.json"))])
    result = await client.devices.call_function(DEVICE, "open")
    assert result.return_value == 1
    assert route.call_count == 2


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("read"),
        httpx.ConnectError("refused"),
        httpx.ReadError("reset"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
)
async def test_idempotent_call_retried_after_transport_errors(
    client: ParticleClient, api: respx.MockRouter, exc: Exception
) -> None:
    route = api.get(VAR).mock(side_effect=[exc, httpx.Response(200, json=load("variable.json"))])
    assert (await client.devices.get_variable(DEVICE, "temp")).result == 21.5
    assert route.call_count == 2


async def test_read_timeout_exhausted_is_timeout_error(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    route = api.get(VAR).mock(side_effect=httpx.ReadTimeout("read"))
    with pytest.raises(APITimeoutError):
        await client.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 3


async def test_retry_after_honoured(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(VAR).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(503, headers={"Retry-After": "2"}),
            httpx.Response(200, json=load("variable.json")),
        ]
    )
    await client.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 3
    assert sleeps == [7.0, 2.0]


async def test_retry_after_http_date_honoured(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    api.get(VAR).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": when}),
            httpx.Response(200, json=load("variable.json")),
        ]
    )
    await client.devices.get_variable(DEVICE, "temp")
    assert len(sleeps) == 1 and 17 <= sleeps[0] <= 21


async def test_long_retry_after_raises_at_once(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(VAR).respond(429, headers={"Retry-After": "300"}, json={"error": "slow down"})
    with pytest.raises(RateLimitError) as info:
        await client.devices.get_variable(DEVICE, "temp")
    assert info.value.retry_after == 300.0
    assert route.call_count == 1
    assert sleeps == []


async def test_max_retry_after_is_configurable(api: respx.MockRouter, sleeps: list[float]) -> None:
    api.get(VAR).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "90"}),
            httpx.Response(200, json=load("variable.json")),
        ]
    )
    async with ParticleClient(TOKEN, base_url=API, max_retry_after=120) as client:
        await client.devices.get_variable(DEVICE, "temp")
    assert sleeps == [90.0]


async def test_429_without_retry_after_backs_off(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(VAR).respond(429)
    with pytest.raises(RateLimitError) as info:
        await client.devices.get_variable(DEVICE, "temp")
    assert info.value.retry_after is None
    assert route.call_count == 3
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


async def test_device_timeout_408_is_not_retried(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(VAR).respond(408, json={"error": "Timed out."})
    with pytest.raises(DeviceTimeoutError):
        await client.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 1
    assert sleeps == []


def test_parse_retry_after_far_future_date_is_not_sane() -> None:
    now = time.time()
    assert _retry.parse_retry_after(email.utils.formatdate(now + 2 * 86400, usegmt=True)) is None


async def test_negative_retry_after_backs_off_instead_of_retrying_at_once(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(VAR).mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "-10"}, json={"error": "x"}),
            httpx.Response(200, json=load("variable.json")),
        ]
    )
    assert (await client.devices.get_variable(DEVICE, "temp")).result == 21.5
    assert route.call_count == 2
    assert len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5


async def test_absurd_retry_after_is_ignored_not_fatal(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(VAR).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "9" * 40}, json={"error": "x"}),
            httpx.Response(200, json=load("variable.json")),
        ]
    )
    assert (await client.devices.get_variable(DEVICE, "temp")).result == 21.5
    assert route.call_count == 2
    assert len(sleeps) == 1 and sleeps[0] <= 0.5


async def test_offline_device_404_not_retried(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    route = api.get(VAR).respond(404, json={"ok": False, "error": "timed out"})
    with pytest.raises(NotFoundError):
        await client.devices.get_variable(DEVICE, "temp")
    assert route.call_count == 1


async def test_request_idempotent_override(client: ParticleClient, api: respx.MockRouter) -> None:
    route = api.post("/v1/custom").respond(503)
    with pytest.raises(InternalServerError):
        await client.request("POST", "/v1/custom", json={}, idempotent=True)
    assert route.call_count == 3
    get_route = api.get("/v1/other").respond(503)
    with pytest.raises(InternalServerError):
        await client.request("GET", "/v1/other", idempotent=False)
    assert get_route.call_count == 1


async def test_retries_logged_at_debug_without_token(
    client: ParticleClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    api.get(VAR).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=load("variable.json"))]
    )
    with caplog.at_level("DEBUG", logger="aioparticle"):
        await client.devices.get_variable(DEVICE, "temp")
    messages = [r.getMessage() for r in caplog.records if r.name == "aioparticle"]
    assert any(m.startswith(f"retrying GET {VAR} in ") and "503" in m for m in messages)
    assert all(TOKEN not in m for m in messages)
