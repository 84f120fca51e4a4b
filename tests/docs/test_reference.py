"""The documentation cannot silently fall behind the code: every public exception is in the
errors page, every sub-client and model module has a reference page in the navigation, and
every public name of `aioparticle` is rendered by some reference page."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import aioparticle
from aioparticle import ratelimit_redis

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PACKAGE = ROOT / "src" / "aioparticle"
MKDOCS = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def _exceptions() -> list[str]:
    names = [
        name
        for name in aioparticle.__all__
        if inspect.isclass(getattr(aioparticle, name))
        and issubclass(getattr(aioparticle, name), BaseException)
    ]
    return [*names, *(n for n in ratelimit_redis.__all__ if n.endswith("Error"))]


def _public_modules(package: str) -> list[str]:
    return sorted(p.stem for p in (PACKAGE / package).glob("*.py") if not p.stem.startswith("_"))


def _directives() -> set[str]:
    """Every `::: target` of the reference pages."""
    found: set[str] = set()
    for page in (DOCS / "reference").rglob("*.md"):
        found |= set(re.findall(r"^::: (\S+)$", page.read_text(encoding="utf-8"), re.MULTILINE))
    return found


def test_the_lists_are_not_empty() -> None:
    assert len(_exceptions()) > 30
    assert "RedisRateLimitError" in _exceptions()
    assert len(_public_modules("resources")) > 20
    assert len(_public_modules("models")) > 20


@pytest.mark.parametrize("name", _exceptions())
def test_every_exception_is_in_the_errors_page(name: str) -> None:
    """In the tree (linked to its section) and in a section of its own saying when it is
    raised."""
    errors = (DOCS / "errors.md").read_text(encoding="utf-8")
    assert f"[`{name}`](#{name.lower()})" in errors, f"{name} is missing from the tree"
    section = re.search(rf"^### `{name}`\n(.+?)(?=^#|\Z)", errors, re.MULTILINE | re.DOTALL)
    assert section is not None, f"{name} has no section of its own in docs/errors.md"
    assert len(section.group(1).split()) >= 5, f"the section of {name} says nothing"


def test_the_errors_tree_nests_as_the_classes_do() -> None:
    """Each exception is listed under its first base class, one level deeper."""
    errors = (DOCS / "errors.md").read_text(encoding="utf-8")
    depth: dict[str, int] = {}
    for indent, name in re.findall(r"^( *)- \[`(\w+)`\]\(#\w+\)", errors, re.MULTILINE):
        depth[name] = len(indent) // 4
    classes = {name: getattr(aioparticle, name, None) for name in depth}
    classes["RedisRateLimitError"] = ratelimit_redis.RedisRateLimitError
    assert set(depth) == set(_exceptions())
    for name, cls in classes.items():
        assert cls is not None
        parent = cls.__bases__[0].__name__
        if name == "ParticleError":
            assert depth[name] == 0
        else:
            assert depth[name] == depth[parent] + 1, f"{name} is not listed under {parent}"


@pytest.mark.parametrize("module", _public_modules("resources"))
def test_every_sub_client_module_has_a_reference_page(module: str) -> None:
    page = DOCS / "reference" / "resources" / f"{module}.md"
    assert page.is_file(), f"no reference page for aioparticle.resources.{module}"
    assert f"::: aioparticle.resources.{module}\n" in page.read_text(encoding="utf-8")
    assert f"- reference/resources/{module}.md\n" in MKDOCS, f"{page.name} is not in the nav"


@pytest.mark.parametrize("module", _public_modules("models"))
def test_every_model_module_has_a_reference_page(module: str) -> None:
    page = DOCS / "reference" / "models" / f"{module}.md"
    assert page.is_file(), f"no reference page for aioparticle.models.{module}"
    assert f"::: aioparticle.models.{module}\n" in page.read_text(encoding="utf-8")
    assert f"- reference/models/{module}.md\n" in MKDOCS, f"{page.name} is not in the nav"


def test_every_public_name_is_rendered_by_the_reference() -> None:
    """A name of `aioparticle.__all__` is rendered by a `::: aioparticle.<name>` directive or
    by the page of the module that defines it."""
    directives = _directives()
    missing = []
    for name in aioparticle.__all__:
        value = getattr(aioparticle, name)
        module = getattr(value, "__module__", None) if inspect.isclass(value) else None
        if f"aioparticle.{name}" in directives or module in directives:
            continue
        if isinstance(value, (str, int, float)):
            continue  # constants (API_URL) are shown where they are used
        missing.append(f"{name} ({module})")
    assert missing == []
