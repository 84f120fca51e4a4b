"""The examples, run as a newcomer runs them: a fresh interpreter, no PARTICLE_ACCESS_TOKEN,
so each starts the bundled local Particle Cloud."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: the longest an example may run before it is killed and the test fails
TIMEOUT = 60.0
TIME = r"\d\d:\d\d:\d\d"


def run_example(script: str, *args: str) -> str:
    """Run `examples/<script>`; return its output after checking that it succeeded."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PARTICLE_")}
    env["PYTHONUNBUFFERED"] = "1"
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and example
            [sys.executable, str(ROOT / "examples" / script), *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,  # the child is killed when it runs out
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout
        pytest.fail(f"{script} did not finish in {TIMEOUT:g} s; its output:\n{output}")
    report = f"{script} output:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.returncode == 0, report
    assert "Traceback" not in done.stderr, report
    return done.stdout


@pytest.mark.slow
def test_fleet_monitor_prints_transitions_and_resyncs_after_a_reconnect() -> None:
    out = run_example("fleet_monitor.py", "--duration", "4")

    assert "using the local Particle Cloud" in out
    assert re.search(rf"^{TIME}  garage-door +online +\(initial\)$", out, re.M), out
    assert re.search(rf"^{TIME}  boat-tracker +offline +\(initial\)$", out, re.M), out
    # a transition seen on the stream: time, device, new state and nothing else
    assert re.search(rf"^{TIME}  (garage-door|boat-tracker) +(online|offline)$", out, re.M), out
    # the local cloud drops the stream once; the monitor reconnects and resyncs
    assert re.search(rf"^{TIME}  -- stream re-established \(reconnect #1, ", out, re.M), out
    missed = rf"^{TIME}  \S+ +(online|offline) +\(missed; found by resync\)$"
    assert re.search(missed, out, re.M), out
    assert re.search(rf"^{TIME}  -- resync: [1-9]\d* device\(s\) changed while", out, re.M), out
    assert re.search(r"^Stopped: \d+ status event\(s\), 1 reconnect\(s\);", out, re.M), out


@pytest.mark.slow
def test_quickstart_lists_reads_calls_and_streams() -> None:
    out = run_example("quickstart.py")

    assert "using the local Particle Cloud" in out
    assert "Logging in as developer@example.com" in out  # a password login, not a token
    assert "Your devices (2):" in out
    assert re.search(r"^  online +[0-9a-f]{24}  garage-door$", out, re.M), out
    assert re.search(r"^  offline +[0-9a-f]{24}  boat-tracker$", out, re.M), out
    assert re.search(r"^  read +temp = \d+(\.\d+)?$", out, re.M), out
    assert "  read   door = 'closed'" in out
    assert "  called door('open') -> 1" in out
    assert re.search(rf"^  {TIME}  temp +'21\.4' +from [0-9a-f]{{24}}$", out, re.M), out
    assert "(no events in 10 s)" not in out


@pytest.mark.slow
def test_product_report_lists_devices_with_firmware_and_sim_usage() -> None:
    out = run_example("product_report.py")

    assert "using the local Particle Cloud" in out
    assert "Product Demo fleet (id 4567, slug demo-fleet)" in out
    rows = re.findall(
        r"^(tracker-\d) +(online|offline) +(v\d+ .+?) +(\d{19,20}) +(\d+\.\d\d) MB$", out, re.M
    )
    assert [row[0] for row in rows] == ["tracker-1", "tracker-2", "tracker-3"], out
    assert all(row[2].startswith("v3 ") for row in rows), out
    assert len({row[3] for row in rows}) == 3, out
    total = sum(float(row[4]) for row in rows)
    summary = re.search(
        r"^3 device\(s\), 3 SIM\(s\); fleet data this period: ([\d.]+) MB", out, re.M
    )
    assert summary, out
    assert float(summary.group(1)) == pytest.approx(total, abs=0.02)


@pytest.mark.slow
def test_product_backend_runs_on_client_credentials_through_token_expiry() -> None:
    out = run_example("product_backend.py")

    assert "Using the local Particle Cloud" in out
    assert re.search(r"^Created OAuth client '[\w-]+' for product 'demo-fleet'$", out, re.M), out
    assert "auth=ClientCredentials(client_id=" in out and "client_secret='***'" in out, out
    assert "Fleet: 2 online, 1 offline" in out, out
    assert re.search(
        r"^Answered 60 battery requests in [\d.]+ s \(20 for offline devices\)$", out, re.M
    ), out
    renewals = re.search(r"^Product tokens obtained: (\d+) \(each lived 2 s", out, re.M)
    assert renewals, out
    assert int(renewals.group(1)) >= 2, out  # the tokens expired during the burst and were renewed


@pytest.mark.slow
def test_webhook_roundtrip_delivers_to_its_own_server_and_reads_the_answer() -> None:
    out = run_example("webhook_roundtrip.py")

    assert re.search(r"^Local Particle Cloud at http://127\.0\.0\.1:\d+, web server at ", out, re.M)
    hook = re.search(r"^Created webhook ([0-9a-f]{24}) for events 'door/\.\.\.' -> ", out, re.M)
    assert hook, out
    device = re.search(r"^  event  door/state +'open' from ([0-9a-f]{24})$", out, re.M)
    assert device, out
    assert re.search(r"^  event  hook-sent/door/state +'' from particle-internal$", out, re.M)
    answer = """'{"stored":true,"id":1}' from particle-internal"""
    assert f"  event  hook-response/door/state/0 {answer}\n" in out, out
    # the request the web server received, templates filled from the event
    assert f"  POST /hooks/{device.group(1)}?event=door%2Fstate\n" in out, out
    assert "  content-type: application/json\n  x-source: particle\n" in out, out
    assert re.search(r"^  body: \{'state': 'open', 'at': '\d{4}-\d\d-\d\dT[\d:.]+Z'\}$", out, re.M)
    assert f"Deleted webhook {hook.group(1)}; webhooks left: 0" in out, out


@pytest.mark.slow
def test_fleet_health_shows_groups_vitals_and_quarantine() -> None:
    out = run_example("fleet_health.py")

    assert "using the local Particle Cloud" in out
    assert re.search(r"^Groups of product 4567 \(2\):$", out, re.M), out
    assert re.search(r"^  north +#[0-9a-f]{6} +tracker-1, tracker-3$", out, re.M), out
    assert re.search(r"^  south +#[0-9a-f]{6} +tracker-2$", out, re.M), out
    # online devices report fresh vitals (the refresh was waited for), the offline one its last
    assert re.search(r"^  tracker-1 +online +fresh +battery 90%, signal 70%, up 3600s", out, re.M)
    assert re.search(r"^  tracker-2 +online +fresh +battery 83%, signal 60%, up 7200s", out, re.M)
    assert re.search(r"^  tracker-3 +offline +last +battery 76%, signal 50%, up 10800s", out, re.M)
    assert re.search(r"^In quarantine \(1\):\n  [0-9a-f]{24}  tracker-new$", out, re.M), out
    assert re.search(r"^  approved [0-9a-f]{24}$", out, re.M), out
    assert "  left in quarantine: 0" in out


@pytest.mark.slow
def test_fleet_read_reads_a_variable_over_a_product_with_progress() -> None:
    out = run_example("fleet_read.py", "--concurrency", "8")

    assert "using the local Particle Cloud" in out
    assert "Reading 'temp' from the devices of product 4711 (8 at a time):" in out
    progress = re.findall(
        r"^  (\d+)/40 done: (\d+) ok, (\d+) offline, 0 not found, (\d+) failed$", out, re.M
    )
    assert [int(p[0]) for p in progress] == [10, 20, 30, 40], out
    assert progress[-1][1:] == ("31", "5", "4"), out
    values = re.findall(r"^  (sensor-\d\d) +(\d+\.\d+)$", out, re.M)
    assert len(values) == 31, out
    assert ("sensor-01", "18.25") in values and ("sensor-40", "28.0") in values, out
    assert re.search(r"^  sensor-07 +offline +DeviceOfflineError$", out, re.M), out
    assert re.search(r"^  sensor-09 +error +UnknownVariableError$", out, re.M), out


@pytest.mark.slow
def test_relay_workers_share_a_group_and_claim_what_a_stopped_worker_left() -> None:
    out = run_example("relay_workers.py", "--events", "5")

    assert "No PARTICLE_ACCESS_TOKEN: the local Particle Cloud at http://127.0.0.1:" in out
    taken = re.search(r"^  worker-2: took #(\d+) (job-\d), stops$", out, re.M)
    assert taken, out
    sequence, job = taken.groups()
    # worker-1 processed every job once, the one worker-2 left pending last, redelivered
    done = re.findall(r"^  worker-1: #(\d+) job (job-\d)( \(redelivered\))?$", out, re.M)
    assert sorted(found for _, found, _ in done) == [f"job-{n}" for n in range(1, 6)], out
    assert done[-1] == (sequence, job, " (redelivered)"), out
    assert "Done: 5 events relayed; every one processed (5 of 5)" in out


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
@pytest.mark.slow
def test_every_example_explains_itself_with_help(script: str) -> None:
    output = run_example(script, "--help")
    assert output.startswith(f"usage: {script} [-h]"), output
    # the module docstring (what it does, how to run it) is the help's description
    assert f"python examples/{script}" in output or "PARTICLE_ACCESS_TOKEN" in output, output
    assert "Local Particle Cloud" not in output and "Using the" not in output  # nothing started


def test_quickstart_names_its_arguments_instead_of_taking_an_option_for_a_device() -> None:
    output = run_example("quickstart.py", "--help")
    assert "[device] [function] [arg]" in output
    assert "--help" not in output.split("positional arguments:")[1].split("options:")[0]
