"""The code samples of README.md and docs/**/*.md: found, classified and turned into modules.

No I/O beyond reading the Markdown files; `test_samples.py` runs and type-checks what this
module produces. The convention (what a sample is, its kinds, the HTML-comment annotations) is
described in `test_samples.py`.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: The kinds of sample; "fragment" is the default, "program" is detected, the others are
#: chosen by an annotation.
KINDS = ("fragment", "program", "module", "pytest")

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\s]*)[^`]*$")
_ANNOTATION = re.compile(r"^\s*<!--\s*sample:(?P<body>.*?)-->\s*$")
_PROGRAM = re.compile(
    r"\basyncio\.run\(|\banyio\.run\(|^if __name__ == (\"__main__\"|'__main__'):", re.MULTILINE
)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SampleError(ValueError):
    """A sample or its annotation breaks the convention."""


@dataclass(frozen=True)
class Sample:
    """One ```python block of a Markdown file."""

    #: the Markdown file, relative to the root it was found under (e.g. "docs/guide/events.md")
    file: str
    #: the 1-based line of the opening fence
    line: int
    #: the block's text, dedented to the fence's indentation, ending with a newline
    code: str
    kind: str
    #: `check=NAME` of a module sample
    check: str | None = None
    #: `setup=NAME` of a fragment
    setup: str | None = None
    #: a problem found while reading the block (reported when the sample is run)
    error: str | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        """How tests and reports name the sample: `README.md:46`."""
        return f"{self.file}:{self.line}"

    @property
    def module_name(self) -> str:
        """A valid, unique module name for the generated file: `readme_md_46`."""
        stem = re.sub(r"[^0-9a-zA-Z]+", "_", self.file).strip("_").lower()
        return f"sample_{stem}_{self.line}"

    @property
    def first_code_line(self) -> int:
        """The Markdown line of the block's first line of code."""
        return self.line + 1


def markdown_files(root: Path) -> list[Path]:
    """README.md and every docs/**/*.md under `root`, in a stable order."""
    files = [root / "README.md"] if (root / "README.md").is_file() else []
    docs = root / "docs"
    if docs.is_dir():
        files += sorted(p for p in docs.rglob("*.md") if p.is_file())
    return files


def collect(root: Path) -> list[Sample]:
    """Every sample of every Markdown file under `root`."""
    samples: list[Sample] = []
    for path in markdown_files(root):
        samples += extract(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix())
    return samples


def extract(text: str, file: str) -> list[Sample]:
    """The samples of one Markdown text (`file` names it in ids and reports)."""
    return list(_blocks(text.splitlines(), file))


def _blocks(lines: list[str], file: str) -> Iterator[Sample]:
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence, info = opening["indent"], opening["fence"], opening["info"].lower()
        start = index
        body: list[str] = []
        index += 1
        while index < len(lines):
            stripped = lines[index].strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                break
            body.append(_dedent_line(lines[index], indent))
            index += 1
        index += 1  # past the closing fence (or the end of the file)
        annotation = _annotation(lines, start)
        if info != "python":
            if annotation is not None:
                yield _broken(file, start, body, f"a sample annotation on a ```{info} block")
            continue
        code = "\n".join(body).rstrip() + "\n"
        try:
            yield _classify(file, start + 1, code, annotation)
        except SampleError as exc:
            yield _broken(file, start, body, str(exc))


def _dedent_line(line: str, indent: str) -> str:
    return line[len(indent) :] if line.startswith(indent) else line.lstrip()


def _annotation(lines: list[str], fence_index: int) -> str | None:
    """The body of a `<!-- sample: ... -->` comment on the line right before the fence."""
    if fence_index == 0:
        return None
    match = _ANNOTATION.match(lines[fence_index - 1])
    return None if match is None else match["body"].strip()


def _broken(file: str, fence_index: int, body: list[str], error: str) -> Sample:
    code = "\n".join(body).rstrip() + "\n"
    return Sample(file, fence_index + 1, code, "fragment", error=error)


def _classify(file: str, line: int, code: str, annotation: str | None) -> Sample:
    """A sample's kind: from its annotation, else a program if it runs itself, else a
    fragment."""
    kind: str | None = None
    options: dict[str, str] = {}
    for word in (annotation or "").split():
        key, sep, value = word.partition("=")
        if sep:
            if key not in ("check", "setup") or not _NAME.match(value):
                raise SampleError(f"unknown sample option {word!r} (check=NAME or setup=NAME)")
            if key in options:
                raise SampleError(f"sample option {key!r} given twice")
            options[key] = value
        elif word in ("module", "pytest"):
            if kind is not None:
                raise SampleError(f"two kinds in one sample annotation: {kind!r}, {word!r}")
            kind = word
        else:
            raise SampleError(
                f"unknown sample kind {word!r} (module, pytest; there is no skip kind)"
            )
    if annotation is not None and kind is None and not options:
        raise SampleError("an empty sample annotation")
    if kind is None:
        kind = "program" if _PROGRAM.search(code) else "fragment"
    if "check" in options and kind != "module":
        raise SampleError(
            "check=NAME belongs to a module sample (<!-- sample: module check=NAME -->)"
        )
    if kind == "module" and "check" not in options:
        raise SampleError("a module sample needs check=NAME: a function of tests/docs/_checks.py")
    if "setup" in options and kind != "fragment":
        raise SampleError(f"setup=NAME belongs to a fragment, not a {kind} sample")
    return Sample(file, line, code, kind, check=options.get("check"), setup=options.get("setup"))


# ---------------------------------------------------------------------- generated modules


@dataclass(frozen=True)
class Generated:
    """The module written for one sample, and where its lines came from."""

    sample: Sample
    source: str
    #: for each line of `source` (index 0 is line 1), the Markdown line it came from (the
    #: fence's line for lines the harness added)
    origin: tuple[int, ...]

    def markdown_line(self, line: int) -> int:
        """The Markdown line of a 1-based line of `source`."""
        if 1 <= line <= len(self.origin):
            return self.origin[line - 1]
        return self.sample.line


def split_imports(code: str) -> tuple[list[str], list[str], int]:
    """A fragment's leading import statements (hoisted to module level) and the rest.

    Returns (import lines, body lines, index of the body's first line in `code`). Comments and
    blank lines between the imports go with them; the body starts at the first other statement.
    """
    lines = code.splitlines()
    try:
        tree = _parse(code)
    except SyntaxError:  # reported where the sample is compiled and type-checked
        return [], lines, 0
    end = 0
    for node in tree.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            break
        end = node.end_lineno or node.lineno
    return lines[:end], lines[end:], end


def _parse(code: str) -> ast.Module:
    """A fragment's syntax tree (`await`, `async for` and `async with` allowed at its top
    level, as in the body of the function it becomes)."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = compile(code, "<sample>", "exec", flags=flags, dont_inherit=True)
    assert isinstance(tree, ast.Module)
    return tree


def generate(sample: Sample, prelude: str) -> Generated:
    """The module of a sample: programs, modules and test files as they are; a fragment as the
    body of `async def sample(client: ParticleClient) -> None`, after the prelude and its own
    hoisted imports."""
    header = f"# {sample.id}: generated from the Markdown sample; edit the Markdown instead\n"
    first = sample.first_code_line
    code_lines = sample.code.splitlines()
    if sample.kind != "fragment":
        source = header + sample.code
        return Generated(
            sample, source, (sample.line, *(first + n for n in range(len(code_lines))))
        )
    imports, body, body_start = split_imports(sample.code)
    prelude_lines = prelude.rstrip().splitlines()
    out: list[str] = [header.rstrip("\n"), *prelude_lines]
    origin: list[int] = [sample.line] * len(out)
    out += imports
    origin += [first + n for n in range(len(imports))]
    wrapper = ["", "", "async def sample(client: ParticleClient) -> None:"]
    out += wrapper
    origin += [sample.line] * len(wrapper)
    if not any(line.strip() for line in body):
        body = ["pass"]
    for n, line in enumerate(body):
        out.append(textwrap.indent(line, "    ") if line.strip() else "")
        origin.append(first + body_start + n)
    return Generated(sample, "\n".join(out) + "\n", tuple(origin))
