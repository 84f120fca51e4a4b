"""`python -m aioparticle.testing` (`aioparticle-cloud`) as a real process: its options, what it
prints, the SDK against it, a clean stop on SIGINT and SIGTERM, and its state file.

These run on asyncio only: each starts an interpreter, and the process under test is the same
whichever loop the test itself runs on.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream

import aioparticle
from aioparticle import APIError, ParticleClient, StreamError

TOKEN = "dev-token-5f0c2a9e7b"
HEX_ID = re.compile(r"[0-9a-f]{24}")
#: what a clean stop never prints
NOISE = ("ERROR", "Traceback", "CancelledError")
#: the interpreter runs the same aioparticle as the tests (this checkout's)
ENV = {**os.environ, "PYTHONPATH": str(Path(aioparticle.__file__).parents[1])}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Cli:
    process: Process
    output: str
    url: str
    token: str

    async def stop(self, sig: signal.Signals = signal.SIGINT) -> tuple[int, str, float]:
        """Send `sig`; the exit status, everything written to stderr and how long it took."""
        assert self.process.stderr is not None
        sent = time.monotonic()
        self.process.send_signal(sig)
        with anyio.fail_after(5):
            status = await self.process.wait()
        took = time.monotonic() - sent
        errors = b""
        async for chunk in self.process.stderr:
            errors += chunk
        return status, errors.decode(), took


@asynccontextmanager
async def cli(*args: str, env: dict[str, str] | None = None) -> AsyncIterator[Cli]:
    """The CLI on a free port, once it printed its `export` lines (parsed as a shell would)."""
    process = await anyio.open_process(
        [sys.executable, "-m", "aioparticle.testing", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**ENV, **(env or {})},
    )
    try:
        assert process.stdout is not None
        output = ""
        with anyio.fail_after(10):
            async for text in TextReceiveStream(process.stdout):
                output += text
                if "Press Ctrl-C to stop." in output:
                    break
        exports = dict(
            shlex.split(line)[1].split("=", 1)
            for line in output.splitlines()
            if line.strip().startswith("export ")
        )
        yield Cli(process, output, exports["PARTICLE_API_URL"], exports["PARTICLE_ACCESS_TOKEN"])
    finally:
        if process.returncode is None:
            process.kill()
        with anyio.fail_after(5):
            await process.aclose()


@pytest.mark.anyio
@pytest.mark.slow
async def test_a_generated_fleet_with_a_fixed_token_and_latency_stops_cleanly_on_sigint() -> None:
    async with cli(
        "--token", TOKEN, "--devices", "25", "--products", "3", "--latency", "0.2"
    ) as run:
        assert run.url.startswith("http://127.0.0.1:")
        assert run.token == TOKEN
        assert "25 devices, 3 products" in run.output
        async with ParticleClient(run.token, base_url=run.url) as client:
            with anyio.fail_after(10):
                started = time.monotonic()
                temp = await client.devices.get_variable("device-01", "temp")
                took = time.monotonic() - started
                devices = [d async for d in client.devices.list()]
                products = await client.products.list()
                per_product = []
                for product in products:
                    per_product.append(len(await client.devices.list(product=product.id)))
                led = await client.devices.call_function("device-02", "led", "on")
            assert took >= 0.2
            assert isinstance(temp.result, float)
            assert led.return_value == 1
            assert len(devices) == 25
            assert all(HEX_ID.fullmatch(d.id) for d in devices)
            assert sorted(d.name or "" for d in devices)[:2] == ["device-01", "device-02"]
            assert sum(not d.online for d in devices) == 2  # device-10 and device-20
            assert [(p.id, p.name, p.slug) for p in products] == [
                (1001, "Fleet 1", "fleet-1"),
                (1002, "Fleet 2", "fleet-2"),
                (1003, "Fleet 3", "fleet-3"),
            ]
            assert per_product == [9, 8, 8]  # round-robin

            # an open event stream and a call waiting on the latency when SIGINT comes
            outcome: list[str] = []

            async def call_in_flight() -> None:
                try:
                    await client.with_options(max_retries=0).devices.get_variable(
                        "device-01", "temp"
                    )
                    outcome.append("answered")
                except APIError as exc:
                    outcome.append(type(exc).__name__)

            with anyio.fail_after(10):
                async with client.events.stream(device="mine", reconnect=False) as events:
                    async with anyio.create_task_group() as tasks:
                        tasks.start_soon(call_in_flight)
                        await anyio.sleep(0.1)  # the call now waits on the 0.2 s latency
                        status, errors, stop_took = await run.stop(signal.SIGINT)
                    with pytest.raises(StreamError):
                        async for _ in events:
                            pass
    assert status == 0
    assert stop_took < 3.0
    assert not [word for word in NOISE if word in errors], errors
    assert outcome in (["InternalServerError"], ["APIConnectionError"]), outcome


@pytest.mark.anyio
async def test_the_state_file_keeps_devices_products_tokens_and_events(tmp_path: Path) -> None:
    state = tmp_path / "dev.sqlite"
    async with cli(
        "--state", str(state), "--token", TOKEN, "--devices", "4", "--products", "2"
    ) as run:
        assert f"state kept in {state}" in run.output
        async with ParticleClient(run.token, base_url=run.url) as client:
            with anyio.fail_after(10):
                await client.devices.rename("device-1", "kitchen")
                created = await client.products.create("Made over HTTP", platform_id=12)
                await client.events.publish("dev/hello", "world")
                before = {d.id: d.name for d in await client.devices.list()}
        status, errors, _ = await run.stop(signal.SIGTERM)
    assert status == 0
    assert not [word for word in NOISE if word in errors], errors
    assert state.stat().st_mode & 0o077 == 0  # it holds tokens: its owner's only

    # without --token, the token kept in the file; --devices only seeds a new file
    async with cli("--state", str(state), "--devices", "99") as run:
        assert run.token == TOKEN
        assert f"state restored from {state}" in run.output
        async with ParticleClient(run.token, base_url=run.url) as client:
            with anyio.fail_after(10):
                after = {d.id: d.name for d in await client.devices.list()}
                led = await client.devices.call_function("kitchen", "led", "on")
                temp = await client.devices.get_variable("kitchen", "temp")
                another = await client.products.create("After the restart", platform_id=12)
                products = {p.id: p.name for p in await client.products.list()}
        status, errors, _ = await run.stop(signal.SIGINT)
    assert status == 0
    assert "only seed a new state file" in errors
    assert after == before
    assert "kitchen" in after.values()
    assert products == {
        1001: "Fleet 1",
        1002: "Fleet 2",
        created.id: "Made over HTTP",
        another.id: "After the restart",
    }
    assert another.id not in (1001, 1002, created.id)  # the id counters were kept
    assert led.return_value == 1
    assert isinstance(temp.result, float)
    with sqlite3.connect(state) as db:
        events = db.execute("SELECT name, data FROM events ORDER BY seq").fetchall()
    assert events == [("dev/hello", "world")]


@pytest.mark.slow
@pytest.mark.anyio
async def test_the_token_can_come_from_the_environment_instead_of_the_process_list() -> None:
    async with cli("--empty", env={"AIOPARTICLE_CLOUD_TOKEN": TOKEN}) as running:
        assert running.token == TOKEN
        async with ParticleClient(TOKEN, base_url=running.url) as client:
            assert len(await client.devices.list()) == 0
        status, errors, _ = await running.stop()
    assert status == 0, errors


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_bad_token_in_the_environment_is_refused_without_repeating_it() -> None:
    with anyio.fail_after(10):  # refused at once, never served
        process = await anyio.run_process(
            [sys.executable, "-m", "aioparticle.testing", "--port", "0"],
            env={**ENV, "AIOPARTICLE_CLOUD_TOKEN": "bad token!"},
            check=False,
        )
    errors = process.stderr.decode()
    assert process.returncode == 2, errors
    assert "$AIOPARTICLE_CLOUD_TOKEN: " in errors and "letters, digits" in errors
    assert "bad token!" not in errors
