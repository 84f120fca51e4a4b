"""The aiohttp transport's pieces that need no server: its error table, and its isolation
(asyncio and aiohttp live in `_aiohttp.py` only; `import aioparticle` loads neither)."""

from __future__ import annotations

import ast
import ssl
import subprocess
import sys
from pathlib import Path

import aiohttp
import httpx
import pytest
from aiohttp.client_reqrep import ConnectionKey, RequestInfo
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

import aioparticle
from aioparticle._aiohttp import transport_error

from ..conftest import TOKEN

_KEY = ConnectionKey("127.0.0.1", 443, True, True, None, None, None)


def _request_info() -> RequestInfo:
    headers = CIMultiDictProxy(CIMultiDict({"Authorization": f"Bearer {TOKEN}"}))
    return RequestInfo(URL("https://127.0.0.1/v1/devices"), "GET", headers)


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        # never sent: retried for any call
        (aiohttp.ConnectionTimeoutError("Connection timeout to host"), httpx.ConnectTimeout),
        (
            aiohttp.ClientConnectorError(_KEY, ConnectionRefusedError(111, "refused")),
            httpx.ConnectError,
        ),
        (
            aiohttp.ClientConnectorCertificateError(
                _KEY, ssl.SSLCertVerificationError(1, "certificate verify failed")
            ),
            httpx.ConnectError,
        ),
        # may have reached the server: retried for idempotent calls only
        (aiohttp.SocketTimeoutError("Timeout on reading data from socket"), httpx.ReadTimeout),
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (
            aiohttp.ClientPayloadError("Response payload is not completed"),
            httpx.RemoteProtocolError,
        ),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), httpx.ReadError),
        (aiohttp.ClientConnectionResetError("Cannot write to closing transport"), httpx.ReadError),
        (ConnectionResetError(104, "reset"), httpx.ReadError),
        (aiohttp.InvalidURL("ftp://x"), httpx.UnsupportedProtocol),
    ],
)
def test_aiohttp_failures_become_the_httpx_errors_of_the_same_failure(
    failure: BaseException, expected: type[httpx.TransportError]
) -> None:
    error = transport_error(failure)
    assert type(error) is expected
    assert error.__cause__ is failure  # a TLS or DNS cause stays visible to the error mapping


def test_an_invalid_response_keeps_no_request_headers() -> None:
    failure = aiohttp.ClientResponseError(
        _request_info(), (), status=400, message="Bad status line 'nonsense'"
    )
    assert TOKEN in repr(failure)  # aiohttp's own error shows the request's headers
    error = transport_error(failure)
    assert type(error) is httpx.RemoteProtocolError
    assert str(error) == "invalid response: 400, Bad status line 'nonsense'"
    assert error.__cause__ is None
    assert error.__context__ is None


def test_asyncio_and_aiohttp_are_imported_by_the_transport_module_only() -> None:
    package = Path(aioparticle.__file__).parent
    for module in sorted(package.rglob("*.py")):
        if module.name == "_aiohttp.py" or "testing" in module.parts:
            continue  # the local cloud is a server (uvicorn), not library code
        # the Redis budget and the Redis relay are asyncio-only by their dependency (redis-py's
        # asyncio client): they may ask asyncio whether a loop runs, to refuse trio clearly,
        # and the relay runs each redis-py command in an asyncio task of its own, so its
        # clean-up on cancellation completes; never aiohttp
        asyncio_only = module.name == "ratelimit_redis.py" or "relay" in module.parts
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [(node.module or "").split(".")[0]]
            else:
                continue
            assert asyncio_only or "asyncio" not in names, module
            assert "aiohttp" not in names, module


@pytest.mark.slow
def test_importing_aioparticle_loads_no_aiohttp() -> None:
    code = (
        "import sys, aioparticle; aioparticle.ParticleClient('t'); print('aiohttp' in sys.modules)"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
