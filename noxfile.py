"""Developer sessions: `nox -s lint typecheck tests docs` is what CI checks."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "docs"]
nox.options.error_on_missing_interpreters = False
nox.options.reuse_existing_virtualenvs = True

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
LOWEST = ["httpx==0.27.0", "anyio==4.5.0", "pydantic==2.11.0", "redis==5.0.1"]


#: pytest-xdist, one worker per CPU (a later `-n 0` in the session's arguments turns it off)
PARALLEL = ["-n", "auto"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite (asyncio and trio)."""
    session.install("-e", ".[tests]")
    session.run("pytest", *PARALLEL, *session.posargs)


@nox.session(python="3.11")
def tests_quick(session: nox.Session) -> None:
    """The quick loop: every test not marked slow."""
    session.install("-e", ".[tests]")
    session.run("pytest", *PARALLEL, "-m", "not slow", *session.posargs)


@nox.session(python="3.11")
def tests_aiohttp(session: nox.Session) -> None:
    """The integration tests with ParticleClient(transport="aiohttp") (asyncio runs only)."""
    session.install("-e", ".[tests]")
    session.run(
        "pytest",
        *PARALLEL,
        "tests/integration",
        *session.posargs,
        env={"AIOPARTICLE_TEST_TRANSPORT": "aiohttp"},
    )


@nox.session(python="3.11")
def tests_lowest(session: nox.Session) -> None:
    """Run the test suite against the lowest supported runtime dependencies."""
    session.install("-e", ".[tests]")
    session.install(*LOWEST)
    session.run("pytest", *PARALLEL, *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "src")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the documentation site (any warning, broken link or reference fails it)."""
    session.install("-e", ".[docs]")
    site = f"{session.create_tmp()}/site"
    session.run("mkdocs", "build", "--strict", "--site-dir", site, env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmarks against raw httpx / httpx-sse + orjson on a loopback server (--quick: smoke)."""
    session.install("-e", ".[benchmarks]")
    # every benchmark, then one summary table of ratios (--quick: smoke runs)
    session.run("python", "benchmarks/run_all.py", *session.posargs)
