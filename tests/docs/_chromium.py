"""Headless Chromium driven over the DevTools protocol on a pipe (no extra dependency).

`--remote-debugging-pipe` makes Chromium read commands on its fd 3 and write answers and events
on its fd 4, each a JSON text ended by a NUL byte. One `Browser` renders pages one at a time
and records what a page did: console messages, uncaught exceptions, log entries (failed loads
among them) and every network request, so a test can check that a page loaded nothing from
another host and logged no error.

The browser is cut off from the network beyond 127.0.0.1: every host name but 127.0.0.1
resolves to nothing (`--host-resolver-rules`), and its background services (updates, sync,
translation, metrics, safe browsing lookups) are switched off.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: What to install when Chromium is missing (Debian's package).
INSTALL_HINT = "apt-get install chromium"

#: Flags that keep Chromium from talking to anything but the page's server.
QUIET_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-breakpad",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pings",
    "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,"
    "AutofillServerCommunication,CertificateTransparencyComponentUpdater,"
    "InterestFeedContentSuggestions,SafeBrowsingEnhancedProtection",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--hide-scrollbars",
    "--mute-audio",
)

WIDTH, HEIGHT = 1280, 900


def find_chromium() -> str | None:
    """The Chromium executable on PATH, if any."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Rendered:
    """What one page rendered to, and what it did on the way."""

    url: str
    dom: str
    png: bytes
    #: JavaScript evaluated in the page after it loaded: name -> value
    probes: dict[str, Any]
    #: "console.error: ...", "exception: ...", "log error: ...", "failed: <url> ...",
    #: "HTTP 404: <url>"
    errors: list[str] = field(default_factory=list)
    #: every URL the page requested
    requests: list[str] = field(default_factory=list)


class Browser:
    """One headless Chromium process; `render(url)` loads a page in a fresh tab."""

    def __init__(self, executable: str, user_data_dir: Path) -> None:
        # the child's ends are moved above the low fds, then remapped to 3 and 4 in the child
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        child_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)

        def remap() -> None:  # in the child, before exec: only async-signal-safe calls
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        flags = [*QUIET_FLAGS, f"--user-data-dir={user_data_dir}", "--remote-debugging-pipe"]
        self._log = user_data_dir / "chromium.log"  # its stderr, shown if it fails
        if os.geteuid() == 0:
            flags.append("--no-sandbox")  # Chromium refuses to run sandboxed as root
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 - a fixed executable and flags
                [executable, *flags, "about:blank"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                pass_fds=(3, 4),
                preexec_fn=remap,  # dup2 only: safe in the forked child
            )
        os.close(child_r)
        os.close(child_w)
        self._out = os.fdopen(to_chrome_w, "wb", buffering=0)
        self._in = os.fdopen(from_chrome_r, "rb", buffering=0)
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    def _read(self) -> None:
        pending = b""
        while True:
            chunk = self._in.read(65536)
            if not chunk:
                self._messages.put(None)
                return
            pending += chunk
            *messages, pending = pending.split(b"\0")
            for message in messages:
                self._messages.put(json.loads(message))

    def _next(self, deadline: float) -> dict[str, Any]:
        try:
            message = self._messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError("Chromium did not answer in time") from None
        if message is None:
            raise RuntimeError(
                f"Chromium exited (status {self._process.poll()}):\n{self.log_tail()}"
            )
        return message

    def log_tail(self, lines: int = 20) -> str:
        """The last lines Chromium wrote to its stderr."""
        text = self._log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None
    ) -> dict[str, Any]:
        """Send one command and wait for its answer; events meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        self._out.write(json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 30
        while True:
            answer = self._next(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self._events.append(answer)

    def _wait_for(self, method: str, session: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        if any(e.get("method") == method and e.get("sessionId") == session for e in self._events):
            return
        while True:
            event = self._next(deadline)
            self._events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return

    def _settle(self, quiet: float = 0.5, timeout: float = 10) -> None:
        """Collect events until none came for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self._messages.get(timeout=quiet)
            except queue.Empty:
                return
            if event is None:
                raise RuntimeError("Chromium exited while the page loaded")
            self._events.append(event)

    def render(self, url: str, probes: dict[str, str] | None = None) -> Rendered:
        """Load `url` in a new tab; return its DOM, a screenshot and what it did."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self._events = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=session)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self.call("Page.navigate", {"url": url}, session=session)
        self._wait_for("Page.loadEventFired", session, timeout=30)
        self._settle()
        values = {
            name: self.call(
                "Runtime.evaluate",
                {"expression": expression, "returnByValue": True},
                session=session,
            )["result"].get("value")
            for name, expression in (probes or {}).items()
        }
        dom = self.call(
            "Runtime.evaluate",
            {"expression": "document.documentElement.outerHTML", "returnByValue": True},
            session=session,
        )["result"]["value"]
        png = base64.b64decode(
            self.call("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
        )
        self._settle(quiet=0.2)
        rendered = Rendered(url=url, dom=dom, png=png, probes=values)
        for event in self._events:
            if event.get("sessionId") == session:
                _record(rendered, event["method"], event.get("params", {}))
        self.call("Target.closeTarget", {"targetId": target})
        return rendered

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._out.close()
        self._in.close()


def _record(rendered: Rendered, method: str, params: dict[str, Any]) -> None:
    """Note the requests and the errors among a page's events."""
    if method == "Network.requestWillBeSent":
        rendered.requests.append(params["request"]["url"])
    elif method == "Network.loadingFailed":
        rendered.errors.append(f"failed: {params.get('errorText')} ({params.get('type')})")
    elif method == "Network.responseReceived":
        response = params["response"]
        if response["status"] >= 400:
            rendered.errors.append(f"HTTP {response['status']}: {response['url']}")
    elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
        text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params["args"])
        rendered.errors.append(f"console.{params['type']}: {text}")
    elif method == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        text = details.get("exception", {}).get("description") or details.get("text")
        rendered.errors.append(f"exception: {text}")
    elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
        entry = params["entry"]
        rendered.errors.append(f"log error: {entry['text']} {entry.get('url', '')}".rstrip())


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (the first one, right after the signature)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
