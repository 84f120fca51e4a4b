"""The documentation site: `mkdocs build --strict` passes, and the built site renders in a
headless Chromium served from 127.0.0.1 only, with its styles and scripts, without a console
error and without a request to any other host.

Needs Debian's `chromium` (`apt-get install chromium`; `.ci/run` installs it): without it
these tests fail, they do not skip.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ._chromium import HEIGHT, INSTALL_HINT, WIDTH, Browser, Rendered, find_chromium, png_size

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

#: Hosts the site may load anything from: only the server it is served from.
LOCAL_HOSTS = {"127.0.0.1"}

#: Evaluated in each page once loaded: proof that the theme's stylesheet and script ran.
PROBES = {
    "title": "document.title",
    # the stylesheet: Material's header is a sticky, coloured bar
    "header_position": "getComputedStyle(document.querySelector('.md-header')).position",
    "header_background": ("getComputedStyle(document.querySelector('.md-header')).backgroundColor"),
    # the script: it adds a copy button to every code block (`md-clipboard` before 9.7)
    "copy_buttons": (
        "document.querySelectorAll("
        "'button.md-code__button[title=\"Copy to clipboard\"], button.md-clipboard').length"
    ),
    "code_blocks": "document.querySelectorAll('div.highlight pre > code').length",
    "python_blocks": "document.querySelectorAll('div.language-python.highlight').length",
    # Pygments' classes: `import` is a namespace keyword, highlighted at build time
    "highlighted_imports": "document.querySelectorAll('div.highlight code span.kn').length",
    "code_text": (
        "Array.from(document.querySelectorAll('div.highlight pre > code'))"
        ".map(c => c.textContent).join('\\n')"
    ),
    "headings": (
        "Array.from(document.querySelectorAll('article h1, article h2'))"
        ".map(h => h.textContent.replace(/\\u00b6$/, '').trim())"
    ),
}


@dataclass
class Build:
    returncode: int
    output: str
    site: Path


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The site, built once per session with `mkdocs build --strict` into a temp dir."""
    site = tmp_path_factory.mktemp("docs-site") / "site"
    process = subprocess.run(  # noqa: S603 - this interpreter's mkdocs
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return Build(process.returncode, process.stdout + process.stderr, site)


@pytest.fixture(scope="session")
def site(build: Build) -> Path:
    if build.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{build.output}", pytrace=False)
    return build.site


class _Handler(SimpleHTTPRequestHandler):
    #: extra pages served from memory (path -> HTML), for the probe page
    extra: dict[str, bytes] = {}  # noqa: RUF012 - replaced per server

    def do_GET(self) -> None:
        body = self.extra.get(self.path)
        if body is None:
            super().do_GET()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


#: A page that does everything the site must not: the browser checks have to catch each.
PROBE_PAGE = b"""<!doctype html><html><head><title>probe</title>
<script src="https://cdn.example.com/tracker.js"></script>
<link rel="stylesheet" href="https://fonts.example.com/css?family=Roboto"></head>
<body><h1>probe</h1><img src="/missing.png">
<script>console.error("probe console error"); throw new Error("probe exception");</script>
</body></html>"""


@pytest.fixture(scope="session")
def served(site: Path) -> Iterator[str]:
    """The built site on http://127.0.0.1:<free port>/, from a thread."""
    handler = functools.partial(type("Handler", (_Handler,), {}), directory=str(site))
    handler.func.extra = {"/__probe__.html": PROBE_PAGE}  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser | None]:
    """One headless Chromium for the session; `None` when it is not installed."""
    executable = find_chromium()
    if executable is None:
        yield None
        return
    started = Browser(executable, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield started
    finally:
        started.close()


def _browser(chromium: Browser | None) -> Browser:
    """The session's Chromium; a missing one fails the test (never a skip)."""
    if chromium is None:
        pytest.fail(
            f"Chromium is not installed: {INSTALL_HINT} (Debian's package; .ci/run installs it)",
            pytrace=False,
        )
    return chromium


# ---------------------------------------------------------------------------- the build


def test_build_is_strict_clean(build: Build) -> None:
    """No warning at all: a broken link, anchor or reference, a docstring griffe cannot read,
    a page missing from the navigation all fail `--strict`."""
    assert build.returncode == 0, build.output
    assert "WARNING" not in build.output, build.output


def test_every_navigation_page_is_built(site: Path) -> None:
    docs = ROOT / "docs"
    pages = sorted(p.relative_to(docs) for p in docs.rglob("*.md"))
    assert len(pages) > 50
    for page in pages:
        directory = page.parent if page.stem == "index" else page.with_suffix("")
        built = site / directory / "index.html"
        assert built.is_file(), f"{page} was not built into {built}"


class _Loads(HTMLParser):
    """Every URL an HTML page makes the browser load by itself (not the links to follow)."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed", "input"):
            if attributes.get("src"):
                self.loads.append(attributes["src"] or "")
        elif tag == "link" and attributes.get("href"):
            rel = (attributes.get("rel") or "").lower().split()
            if not {"alternate", "canonical", "next", "prev", "search"} & set(rel) or not rel:
                self.loads.append(attributes["href"] or "")
        elif tag == "object" and attributes.get("data"):
            self.loads.append(attributes["data"] or "")
        if attributes.get("style") and "url(" in (attributes.get("style") or ""):
            self.loads.append(attributes["style"] or "")


def _foreign(url: str) -> bool:
    """Whether loading `url` from a page served on 127.0.0.1 would reach another host."""
    text = url.strip()
    if "url(" in text:  # a style attribute: any absolute URL in it
        return "//" in text
    parts = urlsplit(text)
    if parts.scheme in ("data", "blob", "about"):
        return False
    return bool(parts.netloc) and parts.hostname not in LOCAL_HOSTS


def test_built_html_loads_nothing_from_other_hosts(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 50
    offenders: list[str] = []
    for page in pages:
        parser = _Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        offenders += [f"{page.relative_to(site)}: {url}" for url in parser.loads if _foreign(url)]
        text = page.read_text(encoding="utf-8")
        for marker in ("googletagmanager", "google-analytics", "gtag(", "fonts.googleapis"):
            if marker in text:
                offenders.append(f"{page.relative_to(site)}: {marker}")
    for sheet in sorted(site.rglob("*.css")):
        for line in sheet.read_text(encoding="utf-8").split(";"):
            if ("@import" in line or "url(" in line) and ("http://" in line or "https://" in line):
                offenders.append(f"{sheet.relative_to(site)}: {line.strip()[:120]}")
    assert offenders == []


# ---------------------------------------------------------------------------- in a browser


def _check_clean(page: Rendered, served: str) -> None:
    assert page.errors == [], f"{page.url}: {page.errors}"
    foreign = [url for url in page.requests if _foreign(url)]
    assert foreign == [], f"{page.url} requested other hosts: {foreign}"
    # the page did load its own assets from the site's server
    assert any(url.startswith(served) and url.endswith(".css") for url in page.requests)
    assert any(url.startswith(served) and url.endswith(".js") for url in page.requests)
    # the theme's stylesheet applied, and its script ran
    assert page.probes["header_position"] == "sticky", page.probes
    assert page.probes["header_background"] not in ("", "rgba(0, 0, 0, 0)"), page.probes
    assert page.probes["code_blocks"] > 0, page.probes
    assert page.probes["copy_buttons"] == page.probes["code_blocks"], page.probes
    width, height = png_size(page.png)
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(page.png) > 30_000, f"{page.url}: a {len(page.png)}-byte screenshot looks blank"


def test_browser_checks_catch_what_they_must(chromium: Browser | None, served: str) -> None:
    """The checks below can fail: on a page that loads from other hosts and logs errors, they
    see every one of those (and the other hosts are not reached)."""
    browser = _browser(chromium)
    page = browser.render(served + "__probe__.html", PROBES)
    foreign = {urlsplit(url).hostname for url in page.requests if _foreign(url)}
    assert foreign == {"cdn.example.com", "fonts.example.com"}
    text = "\n".join(page.errors)
    assert "probe console error" in text
    assert "probe exception" in text
    assert "HTTP 404" in text and "missing.png" in text
    assert "ERR_NAME_NOT_RESOLVED" in text  # the other hosts were never resolved


def test_home_page_renders(chromium: Browser | None, served: str) -> None:
    browser = _browser(chromium)
    page = browser.render(served, PROBES)
    _check_clean(page, served)
    assert page.probes["title"] == "aioparticle"
    headings = page.probes["headings"]
    assert headings[0] == "aioparticle"
    for heading in ("Why aioparticle", "Install", "Where next"):
        assert heading in headings
    assert page.probes["python_blocks"] >= 1
    assert page.probes["highlighted_imports"] >= 1
    assert "async with ParticleClient() as client:" in page.probes["code_text"]
    assert 'pip install -e ".[local-cloud]"' in page.probes["code_text"]


def test_guide_renders(chromium: Browser | None, served: str) -> None:
    browser = _browser(chromium)
    page = browser.render(served + "guides/events/", PROBES)
    _check_clean(page, served)
    headings = page.probes["headings"]
    assert headings[0] == "Consuming events for weeks"
    for heading in ("Reconnects", "One stream, many consumers: the hub", "Backpressure and memory"):
        assert heading in headings
    assert page.probes["python_blocks"] >= 5
    assert "async with client.events.stream(" in page.probes["code_text"]
    assert "async def on_reconnect(info: Reconnect) -> None:" in page.probes["code_text"]


def test_reference_page_renders(chromium: Browser | None, served: str) -> None:
    browser = _browser(chromium)
    page = browser.render(served + "reference/resources/devices/", PROBES)
    _check_clean(page, served)
    assert page.probes["headings"][0] == "Devices: client.devices"
    # mkdocstrings rendered the class and its methods from the docstrings, with anchors
    for anchor in (
        "aioparticle.resources.devices.Devices",
        "aioparticle.resources.devices.Devices.get_variable",
        "aioparticle.resources.devices.Devices.call_function",
    ):
        assert f'id="{anchor}"' in page.dom
    assert "Read a cloud variable." in page.dom
    # its signature, rendered from the annotations
    assert re.search(r"get_variable\(\s*device_id: str,\s*name: str,", page.probes["code_text"])
