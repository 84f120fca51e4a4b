"""The public surface against the API map (`shared/reference/api-map.md`, mirrored in
tests/fixtures/api-map-calls.txt): every call the SDK has must carry the map's name and
parameters, and the README's coverage line must match what exists."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from aioparticle import ParticleClient

ROOT = Path(__file__).resolve().parents[2]
CALLS = ROOT / "tests" / "fixtures" / "api-map-calls.txt"


@dataclass(frozen=True)
class Param:
    name: str
    kind: inspect._ParameterKind
    has_default: bool


@dataclass(frozen=True)
class MapCall:
    attr: str  # e.g. "products.firmware.upload"
    params: tuple[Param, ...]


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def _parse(line: str) -> MapCall:
    match = re.fullmatch(r"client\.([\w.]+)\((.*)\)", line.strip())
    assert match, line
    attr, args = match.groups()
    params: list[Param] = []
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    for arg in _split_top_level(args):
        if arg == "*":
            kind = inspect.Parameter.KEYWORD_ONLY
            continue
        if arg.startswith("**"):
            params.append(Param(arg[2:].split(":")[0], inspect.Parameter.VAR_KEYWORD, False))
            continue
        name = arg.split(":")[0].split("=")[0].strip()
        params.append(Param(name, kind, "=" in arg))
    return MapCall(attr, tuple(params))


def map_calls() -> list[MapCall]:
    return [_parse(line) for line in CALLS.read_text().splitlines() if line.strip()]


_CLIENT = ParticleClient("map-check", base_url="https://api.particle.io")


def _resolve(attr: str) -> object | None:
    """The bound method `client.<attr>` of a client, or `None` when it does not exist."""
    target: object = _CLIENT
    for part in attr.split("."):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


def implemented() -> list[tuple[MapCall, object]]:
    found = []
    for call in map_calls():
        method = _resolve(call.attr)
        if method is not None and callable(method):
            found.append((call, method))
    return found


def test_the_map_mirror_matches_the_reference_when_it_is_present() -> None:
    reference = ROOT.parent / "shared" / "reference" / "api-map.md"
    if not reference.exists():  # a checkout without the shared folder uses the mirror as is
        assert len(map_calls()) > 100
        return
    lines = re.findall(r"^\| `(client\.[^`]+\))`", reference.read_text(), re.M)
    assert lines == CALLS.read_text().splitlines()


#: Parameters the map gives no default that have one since a later extension of the call
#: (`shared/reference/beyond-js.md` §5: `customers.create` makes customers without a
#: password, with `no_password=True`).
DEFAULTED_SINCE = {("customers.create", "password")}


@pytest.mark.parametrize("call", [c for c, _ in implemented()], ids=lambda c: c.attr)
def test_implemented_calls_have_the_maps_parameters(call: MapCall) -> None:
    method = _resolve(call.attr)
    signature = inspect.signature(method)  # type: ignore[arg-type]
    actual = [p for name, p in signature.parameters.items() if name != "self"]
    by_name = {p.name: p for p in actual}
    for expected in call.params:
        assert expected.name in by_name, f"{call.attr} lacks parameter {expected.name}"
        got = by_name[expected.name]
        assert got.kind == expected.kind, f"{call.attr}({expected.name}): {got.kind}"
        has_default = got.default is not inspect.Parameter.empty
        if (call.attr, expected.name) in DEFAULTED_SINCE:
            assert has_default, f"{call.attr}({expected.name}) default"
        elif expected.kind != inspect.Parameter.VAR_KEYWORD:
            assert has_default == expected.has_default, f"{call.attr}({expected.name}) default"
    # positional parameters come in the map's order; extras are optional keywords only
    positional = [p.name for p in call.params if p.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert [p.name for p in actual if p.kind == p.POSITIONAL_OR_KEYWORD] == positional
    for extra in set(by_name) - {p.name for p in call.params}:
        param = by_name[extra]
        assert param.kind == param.KEYWORD_ONLY, f"{call.attr}: extra {extra} is positional"
        assert param.default is not inspect.Parameter.empty, f"{call.attr}: extra {extra}"


#: API groups built so far: every call of these groups must exist.
BUILT = (
    "request",
    "with_options",
    "devices.",
    "events.",
    "products.",
    "customers.",
    "sims.",
    "builds.",
    "libraries.",
    "serial_numbers.",
    "device_os.",
    "oauth_clients.",
    "auth.",
    "users.",
    "logic.",
    "env_vars.",
    "ledgers.",
    "webhooks.",
    "integrations.",
)


def test_every_call_of_the_built_groups_exists() -> None:
    missing = [c.attr for c in map_calls() if c.attr.startswith(BUILT) and _resolve(c.attr) is None]
    assert missing == []


def test_readme_states_the_coverage() -> None:
    done, total = len(implemented()) + 1, len(map_calls()) + 1  # + the constructor row
    readme = (ROOT / "README.md").read_text()
    assert f"**Coverage: {done} of the {total} calls of the API map.**" in readme
