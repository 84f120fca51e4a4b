"""Faults: the scripted misbehaviours of HTTP routes and event streams."""

from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass, field

from ._base import StateBase

__all__ = ["Fault", "FaultsMixin", "StreamFault"]


@dataclass
class Fault:
    """A scripted misbehaviour of the HTTP routes matching `method` and the `path` glob.

    Applied in order: `latency`, then the next of `statuses` (with `retry_after`, an HTML page
    when `html`), or a broken rendering of the real answer (`truncated_json`, `invalid_json`,
    `drop_mid_response`). `times` limits how many requests it applies to (`None`: all);
    `until` (a `time.monotonic()` instant) ends it then, and until then the last of `statuses`
    answers every request past the others (a storm).
    """

    path: str
    method: str | None = None
    latency: float = 0.0
    statuses: list[int] = field(default_factory=list)
    retry_after: str | None = None
    html: bool = False
    truncated_json: bool = False
    invalid_json: bool = False
    drop_mid_response: bool = False
    times: int | None = None
    until: float | None = None
    #: how many requests this fault has applied to
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return fnmatch.fnmatchcase(path, self.path)

    @property
    def exhausted(self) -> bool:
        if self.until is not None and time.monotonic() >= self.until:
            return True
        return self.times is not None and self.hits >= self.times

    def status(self, hit: int) -> int | None:
        """The status answering the `hit`-th request it applies to (1-based), if any."""
        if hit <= len(self.statuses):
            return self.statuses[hit - 1]
        if self.until is not None and self.statuses:
            return self.statuses[-1]
        return None


@dataclass
class StreamFault:
    """A scripted misbehaviour of event streams whose path matches the `path` glob.

    `drop_after`: close the stream after that many events. `silent_after`: after that many
    events, send nothing more (no events, no keep-alives) while keeping the connection open.
    `malformed`: frames of raw text sent right after the greeting. `status`: refuse the
    connection with this status (e.g. 429, 529, 503). `times`: connections it applies to.
    """

    path: str = "*"
    drop_after: int | None = None
    silent_after: int | None = None
    malformed: list[str] = field(default_factory=list)
    status: int | None = None
    retry_after: str | None = None
    times: int | None = None
    hits: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


class FaultsMixin(StateBase):
    """Handing out the scripted faults to the requests and streams they match."""

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first live fault matching the request, counting the hit."""
        with self.lock:
            for fault in self.faults:
                if not fault.exhausted and fault.matches(method, path):
                    fault.hits += 1
                    return fault
            return None

    def take_stream_fault(self, path: str) -> StreamFault | None:
        """The first live stream fault matching the stream's path, counting the hit."""
        with self.lock:
            for fault in self.stream_faults:
                if not fault.exhausted and fnmatch.fnmatchcase(path, fault.path):
                    fault.hits += 1
                    return fault
            return None
