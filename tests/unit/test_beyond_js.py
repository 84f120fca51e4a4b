"""The operations beyond particle-api-js (`shared/reference/beyond-js.md`): every one listed in
`tests/fixtures/beyond-js-calls.txt` exists, and the README counts them."""

from __future__ import annotations

from pathlib import Path

import pytest

from aioparticle import ParticleClient

ROOT = Path(__file__).resolve().parents[2]
CALLS = ROOT / "tests" / "fixtures" / "beyond-js-calls.txt"


def beyond_calls() -> list[str]:
    return [line.strip() for line in CALLS.read_text().splitlines() if line.strip()]


def _resolve(attr: str) -> object:
    target: object = ParticleClient(base_url="https://api.particle.io")
    for part in attr.split("."):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


@pytest.mark.parametrize("attr", beyond_calls())
def test_every_operation_beyond_the_js_client_exists(attr: str) -> None:
    method = _resolve(attr)
    assert method is not None and callable(method), f"client.{attr} is missing"


def test_no_operation_is_listed_twice() -> None:
    calls = beyond_calls()
    assert len(calls) == len(set(calls))


def test_the_listed_operations_are_not_in_the_api_map() -> None:
    mapped = (ROOT / "tests" / "fixtures" / "api-map-calls.txt").read_text()
    for attr in beyond_calls():
        assert f"client.{attr}(" not in mapped, f"{attr} is an api-map call"


def test_readme_counts_the_operations_beyond_particle_api_js() -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"{len(beyond_calls())} operations beyond particle-api-js**" in readme
