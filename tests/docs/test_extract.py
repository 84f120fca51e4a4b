"""The sample extractor: which blocks are samples, their kinds and annotations, the hoisted
imports of a fragment and the Markdown lines its generated module maps back to."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ._samples import Sample, collect, extract, generate, markdown_files, split_imports

PRELUDE = '"""prelude"""\nfrom aioparticle import ParticleClient\n'


def md(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def only(text: str) -> Sample:
    (sample,) = extract(md(text), "README.md")
    return sample


# ---------------------------------------------------------------------- which blocks


def test_only_python_blocks_are_samples_with_the_line_of_their_fence() -> None:
    samples = extract(
        md(
            """
            # Title

            ```bash
            pip install aioparticle
            ```

            ```python
            print(1)
            ```

            ```json
            {"a": 1}
            ```

            ```text
            plain
            ```

            ```Python
            print(2)
            ```
            """
        ),
        "docs/guide.md",
    )

    assert [(s.id, s.code) for s in samples] == [
        ("docs/guide.md:7", "print(1)\n"),
        ("docs/guide.md:19", "print(2)\n"),
    ]


def test_tilde_and_longer_fences_and_blocks_indented_in_a_list() -> None:
    samples = extract(
        md(
            """
            ~~~python
            a = 1
            ~~~

            ````python
            s = "```"
            ````

            1. a step:

               ```python
               if True:
                   b = 2
               ```
            """
        ),
        "README.md",
    )

    assert [s.code for s in samples] == ["a = 1\n", 's = "```"\n', "if True:\n    b = 2\n"]
    assert [s.line for s in samples] == [1, 5, 11]


def test_an_unclosed_fence_runs_to_the_end_of_the_file() -> None:
    assert only("```python\nx = 1\n").code == "x = 1\n"


def test_markdown_files_are_the_readme_then_every_docs_page(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("```python\nx = 1\n```\n")
    (tmp_path / "docs" / "guide").mkdir(parents=True)
    (tmp_path / "docs" / "index.md").write_text("no code\n")
    (tmp_path / "docs" / "guide" / "events.md").write_text("text\n\n```python\ny = 2\n```\n")
    (tmp_path / "docs" / "notes.txt").write_text("```python\nz = 3\n```\n")

    files = [p.relative_to(tmp_path).as_posix() for p in markdown_files(tmp_path)]

    assert files == ["README.md", "docs/guide/events.md", "docs/index.md"]
    assert [s.id for s in collect(tmp_path)] == ["README.md:1", "docs/guide/events.md:3"]


# ---------------------------------------------------------------------- kinds


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("await client.devices.list()", "fragment"),
        ("import asyncio\n\nasync def main() -> None: ...\n\nasyncio.run(main())", "program"),
        ("import anyio\n\nasync def main() -> None: ...\n\nanyio.run(main)", "program"),
        ('def main() -> None: ...\n\nif __name__ == "__main__":\n    main()', "program"),
        ("def main() -> None: ...\n\nif __name__ == '__main__':\n    main()", "program"),
        ("# asyncio.running is not asyncio.run\nx = asyncio.running", "fragment"),
    ],
    ids=["await", "asyncio.run", "anyio.run", "main-guard", "main-guard-single", "lookalike"],
)
def test_a_program_runs_itself_anything_else_is_a_fragment(code: str, kind: str) -> None:
    assert only(f"```python\n{code}\n```\n").kind == kind


@pytest.mark.parametrize(
    ("annotation", "kind", "check", "setup"),
    [
        ("<!-- sample: module check=asgi_app -->", "module", "asgi_app", None),
        ("<!--sample:module   check=asgi_app-->", "module", "asgi_app", None),
        ("<!-- sample: pytest -->", "pytest", None, None),
        ("<!-- sample: setup=firmware_files -->", "fragment", None, "firmware_files"),
    ],
)
def test_an_html_comment_right_before_the_fence_sets_the_kind(
    annotation: str, kind: str, check: str | None, setup: str | None
) -> None:
    sample = only(f"{annotation}\n```python\nx = 1\n```\n")

    assert (sample.kind, sample.check, sample.setup, sample.error) == (kind, check, setup, None)
    assert sample.line == 2  # the fence, not the comment


def test_an_annotation_separated_by_a_blank_line_does_not_apply() -> None:
    sample = only("<!-- sample: pytest -->\n\n```python\nx = 1\n```\n")

    assert sample.kind == "fragment"


def test_an_annotation_overrides_the_program_detection() -> None:
    sample = only("<!-- sample: pytest -->\n```python\nimport asyncio\nasyncio.run(f())\n```\n")

    assert sample.kind == "pytest"


@pytest.mark.parametrize(
    ("annotation", "message"),
    [
        ("<!-- sample: skip -->", "there is no skip kind"),
        ("<!-- sample: module -->", "needs check=NAME"),
        ("<!-- sample: check=asgi_app -->", "belongs to a module sample"),
        ("<!-- sample: pytest setup=firmware_files -->", "belongs to a fragment"),
        ("<!-- sample: module pytest check=x -->", "two kinds"),
        ("<!-- sample: setup=a setup=b -->", "given twice"),
        ("<!-- sample: setup=not-a-name -->", "unknown sample option"),
        ("<!-- sample: timeout=5 -->", "unknown sample option"),
        ("<!-- sample: -->", "an empty sample annotation"),
    ],
)
def test_a_broken_annotation_is_reported_on_its_sample(annotation: str, message: str) -> None:
    sample = only(f"{annotation}\n```python\nx = 1\n```\n")

    assert sample.error is not None
    assert message in sample.error
    assert sample.id == "README.md:2"


def test_an_annotation_on_another_language_is_reported() -> None:
    sample = only("<!-- sample: pytest -->\n```bash\npytest\n```\n")

    assert sample.error == "a sample annotation on a ```bash block"


# ---------------------------------------------------------------------- fragments


def test_leading_imports_are_hoisted_the_rest_is_the_body() -> None:
    code = md(
        """
        from datetime import date  # a comment
        from aioparticle import (
            DeviceOfflineError,
            ParticleClient,
        )
        import os

        today = date.today()
        import json
        await client.devices.list()
        """
    )

    imports, body, start = split_imports(code)

    assert imports[0] == "from datetime import date  # a comment"
    assert imports[-1] == "import os"
    assert len(imports) == 6
    assert body[0] == ""
    assert body[1:] == ["today = date.today()", "import json", "await client.devices.list()"]
    assert start == 6


def test_a_fragment_with_a_syntax_error_hoists_nothing() -> None:
    imports, body, start = split_imports("import os\nawait (\n")

    assert (imports, body, start) == ([], ["import os", "await ("], 0)


def test_a_fragment_becomes_an_async_function_after_the_prelude_and_its_imports() -> None:
    sample = only(
        """
        Some text.

        ```python
        import json

        async for device in client.devices.list():
            print(json.dumps(device.id))
        ```
        """
    )

    generated = generate(sample, PRELUDE)
    lines = generated.source.splitlines()

    assert lines[0].startswith("# README.md:3: generated from the Markdown sample")
    assert lines[1:3] == PRELUDE.splitlines()
    assert lines[3] == "import json"
    assert "async def sample(client: ParticleClient) -> None:" in lines
    assert lines[-2:] == [
        "    async for device in client.devices.list():",
        "        print(json.dumps(device.id))",
    ]
    compile(generated.source, "<sample>", "exec")  # valid Python: no await outside a function


def test_every_line_of_a_generated_module_maps_to_its_markdown_line() -> None:
    sample = only(
        """
        # Title

        ```python
        import json

        x = json.dumps(1)
        await client.devices.get("x")
        ```
        """
    )

    generated = generate(sample, PRELUDE)
    lines = generated.source.splitlines()

    assert generated.markdown_line(lines.index("import json") + 1) == 4
    assert generated.markdown_line(lines.index("    x = json.dumps(1)") + 1) == 6
    assert generated.markdown_line(lines.index('    await client.devices.get("x")') + 1) == 7
    assert generated.markdown_line(1) == 3  # the harness's own lines: the fence
    assert generated.markdown_line(len(lines) + 5) == 3


def test_an_empty_fragment_is_a_valid_function() -> None:
    generated = generate(only("```python\nimport os\n```\n"), PRELUDE)

    assert generated.source.rstrip().endswith("    pass")
    compile(generated.source, "<sample>", "exec")


@pytest.mark.parametrize("kind", ["program", "pytest"])
def test_other_kinds_are_written_as_they_are(kind: str) -> None:
    annotation = "<!-- sample: pytest -->\n" if kind == "pytest" else ""
    code = "import asyncio\n\nasync def main() -> None: ...\n\nasyncio.run(main())\n"
    sample = only(f"text\n{annotation}```python\n{code}```\n")

    generated = generate(sample, PRELUDE)

    assert generated.source.splitlines()[1:] == code.splitlines()
    assert generated.markdown_line(2) == sample.line + 1  # the block's first line
    assert generated.markdown_line(6) == sample.line + 5


def test_module_names_are_valid_and_distinct() -> None:
    a = Sample("README.md", 12, "x\n", "fragment")
    b = Sample("docs/guide/events-and-hubs.md", 12, "x\n", "fragment")

    assert a.module_name == "sample_readme_md_12"
    assert b.module_name == "sample_docs_guide_events_and_hubs_md_12"
    assert all(name.isidentifier() for name in (a.module_name, b.module_name))
