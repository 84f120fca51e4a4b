"""Every ```python block of README.md and docs/**/*.md runs and type-checks.

The convention:

- A block containing `asyncio.run(`, `anyio.run(` or `if __name__ == "__main__":` is a
  **program**: run as a script (a subprocess) with `PARTICLE_API_URL` and
  `PARTICLE_ACCESS_TOKEN` pointing at a fresh local cloud seeded with the demo fleet
  (`aioparticle.testing.seed_demo`); it must exit 0.
- Any other block is a **fragment**: the body of `async def sample(client: ParticleClient)`,
  its leading imports hoisted to module level, after the prelude (`_prelude.py`, which lists
  every name a fragment is given), awaited in this process with a client of the same kind of
  cloud.
- An HTML comment on the line right before the fence changes that:
  `<!-- sample: module check=NAME -->` (a complete module, imported and driven by the check
  `NAME` of `_checks.py`), `<!-- sample: pytest -->` (a test file, run by pytest in a
  subprocess with the aioparticle pytest plugin; it must pass) and
  `<!-- sample: setup=NAME -->` (a fragment run after `_checks.NAME(cloud)` prepared the
  cloud). There is no skip.

Each sample runs in a fresh working directory, and may reach no address but 127.0.0.1 / ::1
(`_loopback_only.py`: resolving or connecting elsewhere raises `OSError`). Every sample is
type-checked with
`mypy --strict` in one run (`test_samples_type_check`, marked slow), its errors reported at the
Markdown line they come from.

`AIOPARTICLE_SAMPLES_ROOT=<dir>` reads the Markdown of another checkout instead (the prelude,
checks and package stay this checkout's).
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import socket
import subprocess
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import anyio
import pytest

from aioparticle import ParticleClient
from aioparticle.testing import LocalCloud, seed_demo

from . import _checks
from ._loopback_only import SITECUSTOMIZE, guard
from ._samples import Generated, Sample, collect, extract, generate

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ROOT = Path(os.environ.get("AIOPARTICLE_SAMPLES_ROOT") or REPO).resolve()
PRELUDE = (HERE / "_prelude.py").read_text(encoding="utf-8")
SAMPLES = collect(ROOT)
_ORIGINAL_GETADDRINFO = socket.getaddrinfo
#: the longest one sample may run (a program's subprocess is killed after it)
TIMEOUT = 20.0


def _env(cloud: LocalCloud, work: Path) -> dict[str, str]:
    """The environment of a sample's subprocess: the loopback guard (a `sitecustomize`) and
    this checkout's package first on the path, the local cloud in the Particle variables, no
    other Particle setting."""
    site = work.parent / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PARTICLE_")}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(site), str(REPO / "src"), str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    env["PYTHONUNBUFFERED"] = "1"
    env["PARTICLE_API_URL"] = cloud.url
    env["PARTICLE_ACCESS_TOKEN"] = cloud.token
    return env


@pytest.fixture
def sleeps() -> list[float]:
    """Samples run in real time (the suite's `sleeps` fixture records retry waits instead)."""
    return []


@pytest.fixture
def demo_cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalCloud]:
    """A fresh local cloud with the demo fleet, in the Particle variables of this process."""
    with LocalCloud() as cloud:
        seed_demo(cloud)
        monkeypatch.setenv("PARTICLE_API_URL", cloud.url)
        monkeypatch.setenv("PARTICLE_ACCESS_TOKEN", cloud.token)
        yield cloud


class _Answer200(BaseHTTPRequestHandler):
    """The prelude's `port`: answers every request with 200 and `{"ok": true}`."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer  # noqa: N815 - http.server names

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def web_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A small web server on 127.0.0.1 (a webhook's target); its port in the environment the
    prelude reads."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer200)
    # a short poll interval: shutdown() waits for the loop to look, once per sample
    thread = threading.Thread(
        target=server.serve_forever, args=(0.01,), name="sample-web-server", daemon=True
    )
    thread.start()
    port = server.server_address[1]
    monkeypatch.setenv("AIOPARTICLE_SAMPLE_WEB_PORT", str(port))
    try:
        yield int(port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def _restore_environ() -> Iterator[None]:
    """What a sample or its setup changes in the environment is undone after it."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.usefixtures("web_server", "_restore_environ")
@pytest.mark.parametrize("sample", SAMPLES, ids=[sample.id for sample in SAMPLES])
def test_sample(
    sample: Sample, demo_cloud: LocalCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_sample(sample, demo_cloud, tmp_path, monkeypatch)


def _run_sample(
    sample: Sample, demo_cloud: LocalCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run one sample as its kind says; fail the test naming its Markdown line if it fails."""
    if sample.error is not None:
        pytest.fail(f"{sample.id}: {sample.error}", pytrace=False)
    generated = generate(sample, PRELUDE)
    module_path = tmp_path / f"{sample.module_name}.py"
    module_path.write_text(generated.source, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    if sample.kind == "program":
        _run_program(generated, module_path, demo_cloud, work)
    elif sample.kind == "pytest":
        _run_pytest(generated, module_path, demo_cloud, work)
    elif sample.kind == "module":
        assert sample.check is not None
        check = _named(sample.check, sample)
        module = _import(generated, module_path)
        _run_async(generated, module_path, lambda: check(module, demo_cloud))
    else:
        if sample.setup is not None:
            _named(sample.setup, sample)(demo_cloud)
        module = _import(generated, module_path)
        fragment = module.sample

        async def run() -> None:
            async with ParticleClient(demo_cloud.token, base_url=demo_cloud.url) as client:
                await fragment(client)

        _run_async(generated, module_path, run)


def _named(name: str, sample: Sample) -> Callable[..., Any]:
    """A check or setup function of `_checks.py`."""
    function = getattr(_checks, name, None)
    if not callable(function) or name.startswith("_"):
        pytest.fail(f"{sample.id}: tests/docs/_checks.py has no function {name!r}", pytrace=False)
    return function  # type: ignore[no-any-return]


def _import(generated: Generated, path: Path) -> ModuleType:
    name = generated.sample.module_name
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        with guard():
            spec.loader.exec_module(module)
    except Exception as exc:
        _fail(generated, path, exc)
    finally:
        sys.modules.pop(name, None)
    return module


def _run_async(generated: Generated, path: Path, run: Callable[[], Awaitable[None] | None]) -> None:
    async def main() -> None:
        with anyio.fail_after(TIMEOUT):
            result = run()
            if inspect.isawaitable(result):
                await result

    try:
        with guard():
            anyio.run(main, backend="asyncio")
    except Exception as exc:
        _fail(generated, path, exc)


def _fail(generated: Generated, path: Path, exc: BaseException) -> None:
    """Fail the test naming the Markdown line the sample failed on (an exception group of
    one, as a task group raises it, is reported as its one exception)."""
    while len(getattr(exc, "exceptions", ())) == 1:
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    where = _sample_line(generated, path, exc.__traceback__)
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    pytest.fail(
        f"{generated.sample.file}:{where}: {type(exc).__name__}: {exc}\n\n"
        + _map_lines(generated, path, text),
        pytrace=False,
    )


def _sample_line(generated: Generated, path: Path, tb: TracebackType | None) -> int:
    """The Markdown line of the sample's deepest frame in a traceback."""
    line = generated.sample.line
    for frame, lineno in traceback.walk_tb(tb):
        if Path(frame.f_code.co_filename) == path:
            line = generated.markdown_line(lineno)
    return line


def _map_lines(generated: Generated, path: Path, text: str) -> str:
    """A traceback or report with the generated file's lines named as Markdown lines."""
    file = re.escape(str(path))

    def markdown(match: re.Match[str]) -> str:
        line = generated.markdown_line(int(match["line"]))
        return f'File "{generated.sample.file}", line {line}'

    text = re.sub(rf'File "{file}", line (?P<line>\d+)', markdown, text)
    return re.sub(
        rf"{re.escape(path.name)}:(?P<line>\d+)",
        lambda m: f"{generated.sample.file}:{generated.markdown_line(int(m['line']))}",
        text,
    )


def _subprocess(
    generated: Generated, path: Path, command: list[str], cloud: LocalCloud, work: Path
) -> None:
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and sample
            command,
            cwd=work,
            env=_env(cloud, work),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        pytest.fail(
            f"{generated.sample.id}: did not finish in {TIMEOUT:g} s; its output:\n"
            + _map_lines(generated, path, output),
            pytrace=False,
        )
    if done.returncode != 0:
        pytest.fail(
            f"{generated.sample.id}: exited with {done.returncode}\nstdout:\n"
            + _map_lines(generated, path, done.stdout)
            + "\nstderr:\n"
            + _map_lines(generated, path, done.stderr),
            pytrace=False,
        )


def _run_program(generated: Generated, path: Path, cloud: LocalCloud, work: Path) -> None:
    _subprocess(generated, path, [sys.executable, str(path)], cloud, work)


#: The configuration of a test-file sample's pytest run: every warning an error (as in this
#: suite), pytest-asyncio's loop scope set as its deprecation asks.
_PYTEST_INI = """\
[pytest]
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""


def _run_pytest(generated: Generated, path: Path, cloud: LocalCloud, work: Path) -> None:
    test_file = work / f"test_{generated.sample.module_name}.py"
    test_file.write_text(generated.source, encoding="utf-8")
    ini = work / "pytest.ini"
    ini.write_text(_PYTEST_INI, encoding="utf-8")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "aioparticle.testing.pytest_plugin", "--rootdir", str(work)]
    command += ["-c", str(ini), str(test_file)]
    _subprocess(generated, test_file, command, cloud, work)


# ---------------------------------------------------------------------- type-checking

_MYPY_LINE = re.compile(r"^(?P<file>[^:\n]+\.py):(?P<line>\d+):(?P<rest>.*)$")


@pytest.mark.slow
def test_samples_type_check(tmp_path: Path) -> None:
    """Every sample passes `mypy --strict` (one run over all of them)."""
    generated: dict[str, Generated] = {}
    for sample in SAMPLES:
        module = generate(sample, PRELUDE)
        name = f"{sample.module_name}.py"
        (tmp_path / name).write_text(module.source, encoding="utf-8")
        generated[name] = module
    env = dict(os.environ)
    env["MYPYPATH"] = str(REPO / "src")
    done = subprocess.run(  # noqa: S603 - our own interpreter and mypy
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(REPO / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "--show-error-codes",
            "--no-error-summary",
            "--no-color-output",
            "--no-pretty",
            *sorted(generated),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    problems: list[str] = []
    for line in (done.stdout + done.stderr).splitlines():
        match = _MYPY_LINE.match(line)
        if match and match["file"] in generated:
            module = generated[match["file"]]
            where = module.markdown_line(int(match["line"]))
            problems.append(f"{module.sample.file}:{where}:{match['rest']}")
        elif line.strip():
            problems.append(line)
    assert done.returncode == 0 and not problems, "mypy --strict on the samples:\n" + "\n".join(
        problems
    )


# ---------------------------------------------------------------------- the harness itself


def _broken(code: str, tmp_path: Path) -> tuple[Generated, Path]:
    (sample,) = extract(f"# Title\n\ntext\n```python\n{code}```\n", "README.md")
    generated = generate(sample, PRELUDE)
    path = tmp_path / f"{sample.module_name}.py"
    path.write_text(generated.source, encoding="utf-8")
    return generated, path


def test_a_failing_fragment_is_reported_at_its_markdown_line(tmp_path: Path) -> None:
    generated, path = _broken('x = 1\nraise ValueError("boom")\n', tmp_path)
    module = _import(generated, path)

    with pytest.raises(pytest.fail.Exception) as failed:
        _run_async(generated, path, lambda: module.sample(None))

    message = str(failed.value)
    assert message.startswith("README.md:6: ValueError: boom")
    assert 'File "README.md", line 6, in sample' in message
    assert str(path) not in message


def test_a_failing_program_is_reported_with_its_markdown_lines(
    tmp_path: Path, demo_cloud: LocalCloud
) -> None:
    code = "import asyncio\n\n\nasync def main() -> None:\n    raise SystemExit(3)\n\n\n"
    generated, path = _broken(code + "asyncio.run(main())\n", tmp_path)
    work = tmp_path / "work"
    work.mkdir()

    with pytest.raises(pytest.fail.Exception) as failed:
        _run_program(generated, path, demo_cloud, work)

    assert str(failed.value).startswith("README.md:4: exited with 3")


def test_an_unknown_check_fails_its_sample() -> None:
    sample = Sample("README.md", 4, "x = 1\n", "module", check="no_such_check")

    with pytest.raises(pytest.fail.Exception, match="has no function 'no_such_check'"):
        _named("no_such_check", sample)


#: an address of TEST-NET-1 (RFC 5737), never routed: if the guard failed, nothing is reached
_FAR = "192.0.2.1"


def test_a_fragment_reaching_beyond_loopback_fails(tmp_path: Path) -> None:
    code = f'import socket\n\nsocket.create_connection(("{_FAR}", 80), timeout=0.5)\n'
    generated, path = _broken(code, tmp_path)
    module = _import(generated, path)

    with pytest.raises(pytest.fail.Exception) as failed:
        _run_async(generated, path, lambda: module.sample(None))

    assert str(failed.value).startswith(
        f"README.md:7: OSError: a sample may only reach 127.0.0.1 / ::1, not {_FAR}"
    )


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_guard_refuses_names_and_addresses_beyond_loopback_and_is_undone() -> None:
    with guard():
        with pytest.raises(OSError, match="may only reach"):
            await anyio.getaddrinfo("example.com", 443)
        with socket.socket() as raw, pytest.raises(OSError, match=f"may only reach .* {_FAR}"):
            raw.connect((_FAR, 80))  # an address: no name to resolve
        with socket.socket() as raw, pytest.raises(OSError, match="may only"):
            raw.connect_ex(("198.51.100.1", 80))  # TEST-NET-2
        assert await anyio.getaddrinfo("localhost", 80)
    assert socket.getaddrinfo is _ORIGINAL_GETADDRINFO


def test_a_program_reaching_beyond_loopback_fails(tmp_path: Path, demo_cloud: LocalCloud) -> None:
    code = "import asyncio\nimport socket\n\n\nasync def main() -> None:\n"
    code += f'    socket.create_connection(("{_FAR}", 80), timeout=0.5)\n\n\nasyncio.run(main())\n'
    generated, path = _broken(code, tmp_path)
    work = tmp_path / "work"
    work.mkdir()

    with pytest.raises(pytest.fail.Exception) as failed:
        _run_program(generated, path, demo_cloud, work)

    assert f"OSError: a sample may only reach 127.0.0.1 / ::1, not {_FAR}" in str(failed.value)


_APP = """\
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from aioparticle import ParticleClient


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    async with ParticleClient() as client:
        app.state.particle = client
        yield


async def devices(request: Request) -> JSONResponse:
    client: ParticleClient = request.app.state.particle
    return JSONResponse([device.name async for device in client.devices.list()])


app = Starlette(lifespan=lifespan, routes=[Route("/devices", devices)])
"""


def test_a_module_sample_is_driven_by_its_check(
    tmp_path: Path, demo_cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    (sample,) = extract(f"<!-- sample: module check=asgi_app -->\n```python\n{_APP}```\n", "x.md")

    _run_sample(sample, demo_cloud, tmp_path, monkeypatch)  # passes

    broken = _APP.replace("device.name async for", "device.nope async for")
    (sample,) = extract(f"<!-- sample: module check=asgi_app -->\n```python\n{broken}```\n", "x.md")
    with pytest.raises(pytest.fail.Exception, match=r"^x\.md:23: AttributeError: 'Device'"):
        (tmp_path / "broken").mkdir()
        _run_sample(sample, demo_cloud, tmp_path / "broken", monkeypatch)


def test_a_failing_test_file_sample_fails(
    tmp_path: Path, demo_cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = "def test_it() -> None:\n    assert 1 == 2\n"
    (sample,) = extract(f"<!-- sample: pytest -->\n```python\n{code}```\n", "x.md")

    with pytest.raises(pytest.fail.Exception, match=r"^x\.md:2: exited with 1"):
        _run_sample(sample, demo_cloud, tmp_path, monkeypatch)
