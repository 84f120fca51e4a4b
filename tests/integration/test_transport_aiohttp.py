"""`ParticleClient(transport="aiohttp")` over real HTTP on 127.0.0.1: the same results and the
same typed errors as the default transport, streams, closing, and its refusals (trio, a bad
value, aiohttp missing)."""

from __future__ import annotations

import gzip
import logging
import socket
import ssl
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import anyio
import anyio.abc
import httpx
import pytest
from anyio.streams.tls import TLSListener

from aioparticle import (
    APIConnectionError,
    APITimeoutError,
    EventLoopError,
    InternalServerError,
    InvalidArgumentError,
    ParticleClient,
    ResponseTooLargeError,
    TLSError,
)
from aioparticle.testing import LocalCloud
from tests._loopback import Reply, Seen, serve
from tests.conftest import TOKEN
from tests.integration.conftest import PRODUCT_ID, Fleet, wait_until

pytestmark = pytest.mark.anyio

TRANSPORTS = ["httpx", "aiohttp"]
TLS = Path(__file__).parent.parent / "fixtures" / "tls"


@pytest.fixture
def anyio_backend() -> str:
    """The aiohttp transport runs on asyncio; its trio refusal has its own test below."""
    return "asyncio"


def aiohttp_session(client: ParticleClient) -> aiohttp.ClientSession | None:
    http = client._core.shared.http
    return http.aiohttp_transport.session  # type: ignore[attr-defined, no-any-return]


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_token_hidden(error: BaseException) -> None:
    """The token is in no message, repr or exception the error was raised from."""
    current: BaseException | None = error
    while current is not None:
        assert TOKEN not in str(current)
        assert TOKEN not in repr(current)
        assert TOKEN not in repr(getattr(current, "request_info", None))
        current = current.__cause__ or current.__context__


@asynccontextmanager
async def raw_server(answer: bytes) -> AsyncIterator[str]:
    """A server that reads one request head and sends `answer` as is, then closes."""

    async def handle(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            received = b""
            while b"\r\n\r\n" not in received:
                received += await stream.receive()
            await stream.send(answer)

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        yield f"http://127.0.0.1:{port}"
        tg.cancel_scope.cancel()


@asynccontextmanager
async def self_signed_tls_server() -> AsyncIterator[str]:
    """An https server on 127.0.0.1 whose certificate no trust store accepts."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS / "selfsigned-cert.pem", TLS / "selfsigned-key.pem")
    tcp = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = tcp.extra(anyio.abc.SocketAttribute.local_port)

    async def handle(stream: anyio.abc.ByteStream) -> None:
        async with stream:
            await stream.receive()

    listener = TLSListener(tcp, context)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        yield f"https://127.0.0.1:{port}"
        tg.cancel_scope.cancel()


# ---------------------------------------------------------------------- same results


async def test_same_results_as_the_default_transport(fleet: Fleet) -> None:
    results = {}
    for transport in TRANSPORTS:
        async with ParticleClient(
            fleet.cloud.token, base_url=fleet.cloud.url, transport=transport
        ) as client:
            with anyio.fail_after(5):
                results[transport] = (
                    await client.devices.get_variable(fleet.garage.id, "temp"),
                    await client.devices.call_function(fleet.garage.id, "open", "four"),
                    sorted(device.id for device in await client.devices.list()),
                    await client.request("GET", "/v1/user"),
                )
    assert results["aiohttp"] == results["httpx"]
    assert results["aiohttp"][0].result == 21.5
    assert results["aiohttp"][1].return_value == 4


async def test_many_calls_in_flight_share_the_pool(fleet: Fleet) -> None:
    async with ParticleClient(
        fleet.cloud.token, base_url=fleet.cloud.url, transport="aiohttp", max_concurrency=8
    ) as client:
        values: list[object] = []

        async def read() -> None:
            values.append((await client.devices.get_variable(fleet.garage.id, "temp")).result)

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                for _ in range(50):
                    tg.start_soon(read)
        session = aiohttp_session(client)
        assert session is not None
        assert values == [21.5] * 50


async def test_connection_limit_follows_limits() -> None:
    default = ParticleClient(TOKEN, base_url="http://127.0.0.1:9", transport="aiohttp")
    small = ParticleClient(
        TOKEN,
        base_url="http://127.0.0.1:9",
        transport="aiohttp",
        limits=httpx.Limits(max_connections=7, keepalive_expiry=2.0),
    )
    try:
        for client in (default, small):  # the session is made by the first request
            with pytest.raises(APIConnectionError):
                await client.with_options(max_retries=0).devices.list()
        default_session, small_session = aiohttp_session(default), aiohttp_session(small)
        assert default_session is not None
        assert small_session is not None
        assert default_session.connector is not None
        assert small_session.connector is not None
        assert default_session.connector.limit == 100
        assert small_session.connector.limit == 7
        assert small._core.shared.limiter.total_tokens == 7
    finally:
        await default.aclose()
        await small.aclose()


# ---------------------------------------------------------------------- same errors


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_refused_connection_is_retried_and_typed(transport: str, sleeps: list[float]) -> None:
    async with ParticleClient(
        TOKEN, base_url=f"http://127.0.0.1:{free_port()}", transport=transport
    ) as client:
        with anyio.fail_after(5), pytest.raises(APIConnectionError) as info:
            # a POST too: a refused connection certainly sent nothing
            await client.devices.call_function("0123456789abcdef01234567", "open", "x")
    error = info.value
    assert type(error) is APIConnectionError
    assert error.may_have_reached_server is False
    assert error.message.startswith("connection failed: ")
    assert len(sleeps) == 2
    assert_token_hidden(error)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_untrusted_certificate_is_a_tls_error_never_retried(
    transport: str, sleeps: list[float]
) -> None:
    async with self_signed_tls_server() as url:
        async with ParticleClient(TOKEN, base_url=url, transport=transport) as client:
            with anyio.fail_after(5), pytest.raises(TLSError) as info:
                await client.devices.list()
    assert "TLS handshake with 127.0.0.1 failed" in info.value.message
    assert info.value.may_have_reached_server is False
    assert sleeps == []
    assert_token_hidden(info.value)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.slow
async def test_silent_server_times_out(transport: str, sleeps: list[float]) -> None:
    async with serve(lambda seen: Reply(delay=3)) as server:
        async with ParticleClient(
            TOKEN, base_url=server.url, transport=transport, timeout=0.3, max_retries=1
        ) as client:
            with anyio.fail_after(5), pytest.raises(APITimeoutError) as info:
                await client.devices.list()
    assert "timed out" in info.value.message
    assert len(server.seen) == 2  # a GET is retried once
    assert len(sleeps) == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_5xx_is_retried_then_succeeds(transport: str, sleeps: list[float]) -> None:
    def answer(seen: Seen) -> Reply:
        if len(server.seen) < 3:
            return Reply(503, b'{"error":"busy"}')
        return Reply(200, b'{"ok":true,"id":"abc","name":"garage"}')

    async with serve(answer) as server:
        async with ParticleClient(TOKEN, base_url=server.url, transport=transport) as client:
            with anyio.fail_after(5):
                device = await client.devices.get("abc")
    assert device.name == "garage"
    assert len(server.seen) == 3
    assert len(sleeps) == 2
    assert all(seen.headers["authorization"] == f"Bearer {TOKEN}" for seen in server.seen)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_dropped_function_call_is_not_sent_again(
    transport: str, sleeps: list[float]
) -> None:
    # the connection closes after the request arrived: it may have run on the device
    async with serve(lambda seen: Reply(drop=True)) as server:
        async with ParticleClient(TOKEN, base_url=server.url, transport=transport) as client:
            with anyio.fail_after(5), pytest.raises(APIConnectionError) as info:
                await client.devices.call_function("0123456789abcdef01234567", "open", "x")
    assert type(info.value) is APIConnectionError
    assert info.value.may_have_reached_server is True
    assert len(server.seen) == 1
    assert sleeps == []


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_body_cut_short_is_retried(transport: str, sleeps: list[float]) -> None:
    async with serve(lambda seen: Reply(200, b'{"id":"abc"}' * 10, drop_mid_body=True)) as server:
        async with ParticleClient(TOKEN, base_url=server.url, transport=transport) as client:
            with anyio.fail_after(5), pytest.raises(APIConnectionError) as info:
                await client.devices.get("abc")
    assert info.value.may_have_reached_server is True
    assert len(server.seen) == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_html_error_page(transport: str) -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    reply = Reply(502, page, headers={"content-type": "text/html"})
    async with serve(lambda seen: reply) as server:
        async with ParticleClient(
            TOKEN, base_url=server.url, transport=transport, max_retries=0
        ) as client:
            with anyio.fail_after(5), pytest.raises(InternalServerError) as info:
                await client.devices.list()
    assert info.value.status_code == 502
    assert info.value.body == page.decode()
    assert_token_hidden(info.value)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
async def test_oversize_body_is_refused_counting_decoded_bytes(
    transport: str, encoding: str
) -> None:
    body = b'{"name":"' + b"x" * 5000 + b'"}'
    headers = {"content-type": "application/json"}
    if encoding == "gzip":  # 5 kB once decoded, far less on the wire
        body = gzip.compress(body)
        headers["content-encoding"] = "gzip"
        assert len(body) < 1000
    async with serve(lambda seen: Reply(200, body, headers=headers)) as server:
        async with ParticleClient(
            TOKEN, base_url=server.url, transport=transport, max_response_bytes=1000
        ) as client:
            with anyio.fail_after(5), pytest.raises(ResponseTooLargeError) as info:
                await client.devices.get("abc")
    assert info.value.limit == 1000


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_malformed_response_is_a_connection_error_without_the_token(
    transport: str, sleeps: list[float]
) -> None:
    async with raw_server(b"HTTP/1.1 abc nonsense\r\n\r\n") as url:
        async with ParticleClient(TOKEN, base_url=url, transport=transport) as client:
            with anyio.fail_after(5), pytest.raises(APIConnectionError) as info:
                await client.devices.call_function("0123456789abcdef01234567", "open", "x")
    assert type(info.value) is APIConnectionError
    assert info.value.may_have_reached_server is True
    assert_token_hidden(info.value)


async def test_gzip_answer_is_decoded(sleeps: list[float]) -> None:
    body = gzip.compress(b'{"id":"abc","name":"zipped"}')
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    async with serve(lambda seen: Reply(200, body, headers=headers)) as server:
        async with ParticleClient(TOKEN, base_url=server.url, transport="aiohttp") as client:
            with anyio.fail_after(5):
                device = await client.devices.get("abc")
    assert device.name == "zipped"


async def test_httpx_aiohttp_client_as_http_client(fleet: Fleet, sleeps: list[float]) -> None:
    """httpx-aiohttp's own client works as `http_client=`, and a connection it reports
    dropped is judged by aiohttp's error (it calls it a connect timeout): not sent again."""
    from httpx_aiohttp import HttpxAiohttpClient

    async with HttpxAiohttpClient() as http:
        client = ParticleClient(fleet.cloud.token, base_url=fleet.cloud.url, http_client=http)
        with anyio.fail_after(5):
            assert (await client.devices.get_variable(fleet.garage.id, "temp")).result == 21.5
        async with serve(lambda seen: Reply(drop=True)) as server:
            dropping = ParticleClient(TOKEN, base_url=server.url, http_client=http)
            with anyio.fail_after(5), pytest.raises(APIConnectionError) as info:
                await dropping.devices.call_function("0123456789abcdef01234567", "open", "x")
        await client.aclose()
        assert not http.is_closed  # not ours to close
    assert type(info.value) is APIConnectionError
    assert info.value.may_have_reached_server is True
    assert len(server.seen) == 1
    assert sleeps == []


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_request_log_line_with_a_token_in_the_path_redacted(
    fleet: Fleet, transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    doomed = fleet.cloud.add_user("doomed@example.com")
    async with ParticleClient(doomed, base_url=fleet.cloud.url, transport=transport) as client:
        with caplog.at_level(logging.INFO, logger="httpx"), anyio.fail_after(5):
            await client.request("GET", "/v1/user")
            await client.auth.delete_token(doomed)
    lines = [record.getMessage() for record in caplog.records if record.name == "httpx"]
    assert len(lines) == 2
    assert lines[0] == f'HTTP Request: GET {fleet.cloud.url}/v1/user "HTTP/1.1 200 OK"'
    assert "/v1/access_tokens/[redacted]" in lines[1]
    assert all(doomed not in line for line in lines)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_cookies_are_kept_and_sent_back_as_with_httpx(transport: str) -> None:
    def answer(seen: Seen) -> Reply:
        headers = {"content-type": "application/json", "set-cookie": "session=abc; Path=/"}
        return Reply(200, b'{"id":"abc"}', headers=headers)

    async with serve(answer) as server:
        async with ParticleClient(TOKEN, base_url=server.url, transport=transport) as client:
            with anyio.fail_after(5):
                await client.devices.get("abc")
                await client.devices.get("abc")
    assert "cookie" not in server.seen[0].headers
    assert server.seen[1].headers["cookie"] == "session=abc"


async def test_httpx_aiohttp_client_malformed_response_is_typed_without_the_token(
    sleeps: list[float],
) -> None:
    """httpx-aiohttp lets aiohttp's error for a malformed answer through unmapped (its repr
    shows the request's headers): it arrives typed, without the token."""
    from httpx_aiohttp import HttpxAiohttpClient

    async with raw_server(b"HTTP/1.1 abc nonsense\r\n\r\n") as url, HttpxAiohttpClient() as http:
        client = ParticleClient(TOKEN, base_url=url, http_client=http)
        with anyio.fail_after(5), pytest.raises(APIConnectionError) as info:
            await client.devices.call_function("0123456789abcdef01234567", "open", "x")
    assert type(info.value) is APIConnectionError
    assert info.value.may_have_reached_server is True
    assert sleeps == []
    assert_token_hidden(info.value)


# ---------------------------------------------------------------------- streams, uploads, close


@pytest.mark.slow
async def test_event_stream_receives_and_closes() -> None:
    async with LocalCloud(keepalive_interval=0.2) as cloud:
        garage = cloud.add_device("garage")
        async with ParticleClient(cloud.token, base_url=cloud.url, transport="aiohttp") as client:
            with anyio.fail_after(5):
                async with client.events.stream(device="mine", idle_timeout=0.6) as events:
                    await wait_until(lambda: len(cloud.state.subscribers) == 1)
                    garage.publish("sensor/temp", "21.5")
                    first = await events.__anext__()
                    with anyio.move_on_after(1.0):  # keep-alives keep it open past idle_timeout
                        await events.__anext__()
                    assert events.reconnects == 0
                await wait_until(lambda: len(cloud.state.subscribers) == 0)
    assert (first.name, first.data) == ("sensor/temp", "21.5")


@pytest.mark.slow
async def test_silent_stream_reconnects_on_the_read_timeout() -> None:
    async with LocalCloud(keepalive_interval=0.2) as cloud:
        garage = cloud.add_device("garage")
        cloud.inject_stream(silent_after=0, times=1)
        reasons: list[str] = []

        def on_reconnect(info: object) -> None:
            reasons.append(info.reason)  # type: ignore[attr-defined]
            garage.publish("alive", "again")

        async with ParticleClient(cloud.token, base_url=cloud.url, transport="aiohttp") as client:
            with anyio.fail_after(5):
                async with client.events.stream(
                    device="mine", idle_timeout=0.5, on_reconnect=on_reconnect
                ) as events:
                    event = await events.__anext__()
    assert event.name == "alive"
    assert reasons == ["no data for 0.5s (stream presumed dead)"]


async def test_upload_and_download(fleet: Fleet, tmp_path: Path) -> None:
    binary = bytes(range(256)) * 64
    source = tmp_path / "app.bin"
    source.write_bytes(binary)
    async with ParticleClient(
        fleet.cloud.token, base_url=fleet.cloud.url, transport="aiohttp"
    ) as client:
        with anyio.fail_after(10):
            uploaded = await client.products.firmware.upload(
                4, source, product=PRODUCT_ID, title="streamed from a file"
            )
            assert uploaded.size == len(binary)
            assert await client.products.firmware.download(4, product=PRODUCT_ID) == binary
            written = await client.products.firmware.download(
                4, product=PRODUCT_ID, to=tmp_path / "out.bin"
            )
    assert written.read_bytes() == binary


async def test_aclose_closes_the_aiohttp_session(fleet: Fleet) -> None:
    client = ParticleClient(fleet.cloud.token, base_url=fleet.cloud.url, transport="aiohttp")
    assert aiohttp_session(client) is None  # made inside the loop, at the first call
    await client.devices.list()
    session = aiohttp_session(client)
    assert session is not None
    assert not session.closed
    await client.aclose()
    assert session.closed
    assert client.is_closed
    await client.aclose()  # idempotent


async def test_aclose_before_any_call() -> None:
    client = ParticleClient(TOKEN, transport="aiohttp")
    await client.aclose()
    assert client.is_closed
    assert aiohttp_session(client) is None


async def test_connections_are_released_after_retries(sleeps: list[float]) -> None:
    async with serve(lambda seen: Reply(503, b"{}")) as server:
        async with ParticleClient(TOKEN, base_url=server.url, transport="aiohttp") as client:
            with anyio.fail_after(5), pytest.raises(InternalServerError):
                await client.devices.list()
        await wait_until(lambda: server.open_connections == 0)
    assert server.total_connections == 1  # one kept-alive connection served the three tries


# ---------------------------------------------------------------------- refusals


def test_refused_under_trio_before_any_io() -> None:
    async def main() -> None:
        async with serve(lambda seen: Reply()) as server:
            async with ParticleClient(TOKEN, base_url=server.url, transport="aiohttp") as client:
                with pytest.raises(EventLoopError, match=r'transport="aiohttp" runs on asyncio'):
                    await client.devices.list()
            assert server.seen == []
            assert server.total_connections == 0

    anyio.run(main, backend="trio")


@pytest.mark.parametrize("value", ["aiohttp2", "", None, "HTTPX"])
def test_bad_transport_value(value: object) -> None:
    with pytest.raises(InvalidArgumentError, match=r"transport must be one of 'httpx', 'aiohttp'"):
        ParticleClient(TOKEN, transport=value)  # type: ignore[arg-type]


def test_transport_and_http_client_together_are_refused() -> None:
    http = httpx.AsyncClient()
    with pytest.raises(InvalidArgumentError, match="not both"):
        ParticleClient(TOKEN, transport="aiohttp", http_client=http)


def test_missing_aiohttp_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)  # import aiohttp now fails
    monkeypatch.delitem(sys.modules, "aioparticle._aiohttp", raising=False)
    with pytest.raises(InvalidArgumentError) as info:
        ParticleClient(TOKEN, transport="aiohttp")
    assert 'pip install "aioparticle[aiohttp]"' in str(info.value)
    assert isinstance(info.value.__cause__, ImportError)
