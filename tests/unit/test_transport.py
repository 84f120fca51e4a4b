"""Behaviour over a real socket: deadlines, drops, cancellation, leaks, logs, concurrency."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time

import anyio
import pytest

from aioparticle import (
    APIConnectionError,
    APITimeoutError,
    InternalServerError,
    ParticleClient,
)
from tests._loopback import Reply, Seen, serve
from tests.conftest import TOKEN

pytestmark = pytest.mark.anyio

DEVICE = "0123456789abcdef01234567"
VARIABLE = json.dumps({"name": "temp", "result": 21.5}).encode()
FUNCTION = json.dumps({"id": DEVICE, "connected": True, "return_value": 1}).encode()


def _pool_connections(client: ParticleClient) -> list[object]:
    return list(client._core.shared.http._transport._pool.connections)  # type: ignore[attr-defined]


@pytest.mark.slow
async def test_trickling_server_cannot_hold_a_call_past_the_deadline() -> None:
    # One byte every 50 ms keeps a plain read timeout from ever firing; the deadline must.
    async with serve(
        lambda _: Reply(body=b" " * 200 + VARIABLE, trickle=1, trickle_delay=0.05)
    ) as server:
        async with ParticleClient(TOKEN, base_url=server.url, timeout=0.5, max_retries=0) as client:
            started = time.monotonic()
            with pytest.raises(APITimeoutError, match=r"timed out after 0\.5s"):
                await client.devices.get_variable(DEVICE, "temp")
            assert time.monotonic() - started < 2.0


async def test_deadline_applies_per_attempt_and_retries_reads() -> None:
    calls = 0

    def handler(_: Seen) -> Reply:
        nonlocal calls
        calls += 1
        return Reply(body=VARIABLE, delay=5.0 if calls == 1 else 0.0)

    async with serve(handler) as server:
        async with ParticleClient(TOKEN, base_url=server.url, timeout=0.3) as client:
            value = await client.devices.get_variable(DEVICE, "temp")
    assert value.result == 21.5
    assert calls == 2


async def test_connection_dropped_mid_response_retried_for_reads() -> None:
    calls = 0

    def handler(_: Seen) -> Reply:
        nonlocal calls
        calls += 1
        return Reply(body=VARIABLE, drop_mid_body=calls == 1)

    async with serve(handler) as server:
        async with ParticleClient(TOKEN, base_url=server.url) as client:
            assert (await client.devices.get_variable(DEVICE, "temp")).result == 21.5
    assert calls == 2


@pytest.mark.parametrize("reply", [Reply(drop=True), Reply(body=FUNCTION, drop_mid_body=True)])
async def test_function_call_not_repeated_after_drop(reply: Reply) -> None:
    async with serve(lambda _: reply) as server:
        async with ParticleClient(TOKEN, base_url=server.url) as client:
            with pytest.raises(APIConnectionError):
                await client.devices.call_function(DEVICE, "open", "now")
        assert [s.method for s in server.seen] == ["POST"]


async def test_no_connection_left_open_after_errors_and_retries() -> None:
    async with serve(
        lambda _: Reply(
            status=503, body=b"<html>busy</html>", headers={"content-type": "text/html"}
        )
    ) as server:
        client = ParticleClient(TOKEN, base_url=server.url)
        for _ in range(3):
            with pytest.raises(InternalServerError):
                await client.devices.get_variable(DEVICE, "temp")
        assert len(server.seen) == 9
        # every connection went back to the pool: none is still busy with a response
        assert all(conn.is_idle() for conn in _pool_connections(client))  # type: ignore[attr-defined]
        await client.aclose()
        with anyio.fail_after(1):
            while server.open_connections:
                await anyio.sleep(0.01)
        assert _pool_connections(client) == []


async def test_cancellation_propagates_untouched_and_releases_connection() -> None:
    async with serve(
        lambda s: Reply(body=VARIABLE, delay=10.0 if "slow" in s.target else 0)
    ) as server:
        async with ParticleClient(TOKEN, base_url=server.url) as client:
            started = time.monotonic()
            with anyio.move_on_after(0.2) as scope:
                await client.devices.get_variable(DEVICE, "slow")
            assert scope.cancelled_caught
            assert time.monotonic() - started < 1.0
            # the cancelled request's connection is not stuck in the pool
            assert all(
                c.is_idle() or c.is_closed()  # type: ignore[attr-defined]
                for c in _pool_connections(client)
            )
            assert (await client.devices.get_variable(DEVICE, "temp")).result == 21.5


async def test_closing_client_releases_every_connection() -> None:
    async with serve(lambda _: Reply(body=VARIABLE)) as server:
        client = ParticleClient(TOKEN, base_url=server.url)
        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(client.devices.get_variable, DEVICE, "temp")
        assert server.open_connections >= 1
        await client.aclose()
        with anyio.fail_after(1):
            while server.open_connections:
                await anyio.sleep(0.01)


async def test_max_concurrency_bounds_requests_in_flight() -> None:
    in_flight = peak = 0

    async def handler(_: Seen) -> Reply:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0.05)
        in_flight -= 1
        return Reply(body=VARIABLE)

    async with serve(handler) as server:
        async with ParticleClient(
            TOKEN, base_url=server.url, max_concurrency=3, timeout=0.5
        ) as client:
            async with anyio.create_task_group() as tg:
                for _ in range(12):
                    tg.start_soon(client.devices.get_variable, DEVICE, "temp")
    # 12 calls of 50 ms through 3 slots take ~200 ms; queued calls did not burn their deadline
    assert peak == 3
    assert len(server.seen) == 12


async def test_token_only_in_authorization_header_and_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def handler(seen: Seen) -> Reply:
        if seen.method == "POST":
            return Reply(status=404, body=b'{"ok":false,"error":"timed out"}')
        return Reply(body=VARIABLE)

    async with serve(handler) as server:
        with caplog.at_level(logging.DEBUG):
            async with ParticleClient(TOKEN, base_url=server.url) as client:
                await client.devices.get_variable(DEVICE, "temp")
                with pytest.raises(APIConnectionError.__mro__[1]):  # any APIError
                    await client.devices.call_function(DEVICE, "open")
    for seen in server.seen:
        assert TOKEN not in seen.target
        assert TOKEN.encode() not in seen.body
        assert seen.headers["authorization"] == f"Bearer {TOKEN}"
        assert [k for k, v in seen.headers.items() if TOKEN in v] == ["authorization"]
    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"httpx", "httpcore"} <= loggers  # DEBUG logging really was on
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in repr(record.args)


async def test_cancelling_a_call_while_it_connects_raises_the_plain_cancellation() -> None:
    # a listener whose backlog is full: connecting to it hangs until the call is cancelled
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    seen: list[BaseException] = []
    try:
        async with ParticleClient(TOKEN, base_url=f"http://127.0.0.1:{port}") as client:
            with anyio.move_on_after(0.3) as scope:
                try:
                    await client.devices.get_variable(DEVICE, "temp")
                except BaseException as exc:
                    seen.append(exc)
                    raise
        assert scope.cancelled_caught
        assert len(seen) == 1
        assert isinstance(seen[0], anyio.get_cancelled_exc_class()), repr(seen[0])
    finally:
        for sock in (listener, *fillers):
            sock.close()
