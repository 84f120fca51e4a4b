"""`AIOPARTICLE_LOG=debug|info` switches aioparticle's logging on, to stderr, without code;
another value warns and changes nothing; the lines logged carry no credential."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from aioparticle import _logging
from tests.conftest import TOKEN

SRC = Path(__file__).resolve().parents[2] / "src"

#: A token revoked through the one route whose path carries a credential.
REVOKED = "0d9a8b7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b"

#: Runs calls on a mocked transport (nothing leaves the process): a retried GET, a token
#: revocation (the token is in the path) and a refused call whose answer echoes the token.
SCRIPT = textwrap.dedent(
    f"""
    import asyncio, logging, httpx
    import aioparticle
    from aioparticle import _logging

    answers = iter([503, 200])

    def handle(request):
        if request.url.path == "/v1/devices/d1/temp":
            return httpx.Response(next(answers), json={{"result": 1.5, "name": "temp"}})
        if request.url.path.startswith("/v1/access_tokens/"):
            return httpx.Response(200, json={{"ok": True}})
        return httpx.Response(
            401, json={{"error": "invalid_token", "error_description": "bad {TOKEN}"}}
        )

    async def main():
        transport = httpx.MockTransport(handle)
        async with httpx.AsyncClient(transport=transport) as http:
            client = aioparticle.ParticleClient(
                "{TOKEN}", base_url="https://api.particle.io", http_client=http
            )
            await client.devices.get_variable("d1", "temp")
            await client.auth.delete_token("{REVOKED}")
            try:
                await client.devices.get("d1")
            except aioparticle.AuthenticationError:
                pass

    _logging.configure_from_env()  # a second time: still one handler
    logger = logging.getLogger("aioparticle")
    print("level", logging.getLevelName(logger.level))
    print("handlers", sum(isinstance(h, _logging._EnvHandler) for h in logger.handlers))
    asyncio.run(main())
    """
)


def run(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AIOPARTICLE_LOG"}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    if value is not None:
        env["AIOPARTICLE_LOG"] = value
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-W", "default", "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "value",
    # each case runs a Python process: the quick loop keeps the plain spelling
    [
        "debug",
        pytest.param("DEBUG", marks=pytest.mark.slow),
        pytest.param(" debug ", marks=pytest.mark.slow),
    ],
)
def test_debug_logs_every_call_and_retry_to_stderr(value: str) -> None:
    done = run(value)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["level DEBUG", "handlers 1"]
    err = done.stderr
    assert "aioparticle DEBUG] GET /v1/devices/d1/temp: 503" in err
    assert "aioparticle DEBUG] retrying GET /v1/devices/d1/temp" in err
    assert "GET /v1/devices/d1/temp: 200" in err
    assert "DELETE /v1/access_tokens/[redacted]: 200" in err
    assert "GET /v1/devices/d1: 401" in err


def test_the_log_never_shows_a_credential() -> None:
    err = run("debug").stderr
    assert "/v1/access_tokens/" in err  # the revocation was logged
    assert TOKEN not in err
    assert REVOKED not in err


@pytest.mark.slow
def test_info_leaves_the_debug_lines_out() -> None:
    done = run("info")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["level INFO", "handlers 1"]
    assert "DEBUG" not in done.stderr
    assert "GET /v1/devices/d1/temp" not in done.stderr


@pytest.mark.parametrize("value", ["verbose", "warning", "1"])
@pytest.mark.slow
def test_another_value_warns_with_the_allowed_ones_and_changes_nothing(value: str) -> None:
    done = run(value)
    assert done.returncode == 0, done.stderr
    assert "RuntimeWarning" in done.stderr
    assert f"AIOPARTICLE_LOG={value!r} is not a level aioparticle knows" in done.stderr
    assert "use 'debug' or 'info'" in done.stderr
    assert done.stdout.splitlines()[:2] == ["level NOTSET", "handlers 0"]
    assert "GET /v1/devices" not in done.stderr


@pytest.mark.parametrize("value", [None, ""])
@pytest.mark.slow
def test_unset_logs_nothing(value: str | None) -> None:
    done = run(value)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["level NOTSET", "handlers 0"]
    assert done.stderr == ""


@pytest.fixture
def restore_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("aioparticle")
    level, handlers = logger.level, list(logger.handlers)
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_configuring_again_keeps_one_handler_and_takes_the_new_level(
    monkeypatch: pytest.MonkeyPatch, restore_logger: logging.Logger
) -> None:
    monkeypatch.setenv("AIOPARTICLE_LOG", "debug")
    first = _logging.configure_from_env()
    monkeypatch.setenv("AIOPARTICLE_LOG", "info")
    second = _logging.configure_from_env()
    assert first is second is not None
    assert second.level == logging.INFO
    assert restore_logger.level == logging.INFO
    assert sum(isinstance(h, _logging._EnvHandler) for h in restore_logger.handlers) == 1
