"""Server-Sent Events without I/O: the incremental frame parser and frame-to-`Event` conversion."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from pydantic import ValidationError

from .models.events import Event

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "Frame",
    "MalformedFrame",
    "SSEParser",
    "event_from_frame",
    "lenient_datetime",
]

#: Largest frame kept in memory; a larger one is dropped and reported.
DEFAULT_MAX_FRAME_BYTES = 256 * 1024

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class MalformedFrame:
    """A frame that could not become an `Event` (bad JSON, oversized): skipped, reported."""

    name: str | None
    data: str
    reason: str


#: One parsed frame: (event name, data).
Frame = tuple[str, str]


class SSEParser:
    """Incremental `text/event-stream` parser working on bytes.

    Lines may end in LF, CRLF or CR, and a chunk may end anywhere (inside a CRLF pair or a
    multi-byte UTF-8 character). Frames larger than `max_frame_bytes` are dropped and reported
    through `oversized`, so memory stays bounded whatever the server sends. Comments (the
    keep-alives) are counted in `comments`. A frame without an `event:` line is a `message`.
    A byte-order mark opening the stream is skipped, as the SSE standard says.
    """

    __slots__ = (
        "_buffer",
        "_data",
        "_event",
        "_head",
        "_pending_cr",
        "_size",
        "_skipping",
        "comments",
        "max_frame_bytes",
        "oversized",
    )

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        self.max_frame_bytes = max_frame_bytes
        self.comments = 0
        self.oversized = 0
        self.reset()

    def reset(self) -> None:
        """Forget any partial frame (after a reconnect): what follows is a new stream."""
        self._head: bytes | None = b""  # the stream's first bytes until a BOM is ruled out
        self._buffer = b""
        self._pending_cr = False
        self._event: str | None = None
        self._data: list[bytes] | None = None
        self._size = 0
        self._skipping = False

    def feed(self, chunk: bytes) -> list[Frame]:
        """Parse `chunk`; return the frames it completes."""
        if self._head is not None:
            chunk = self._head + chunk
            if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
                self._head = chunk
                return []
            self._head = None
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
        if not chunk:
            return []
        if self._pending_cr:
            self._pending_cr = False
            if chunk.startswith(b"\n"):
                chunk = chunk[1:]
        # a CR ending the chunk ends a line now; an LF starting the next chunk then belongs to it
        self._pending_cr = chunk.endswith(b"\r")
        buffer = self._buffer + chunk if self._buffer else chunk
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buffer.split(b"\n")
        self._buffer = lines.pop()
        limit = self.max_frame_bytes
        if len(self._buffer) > limit:
            self._buffer = b""
            self._start_skipping()
        frames: list[Frame] = []
        # the hot loop keeps its state in locals and writes it back once
        event, data, size, skipping = self._event, self._data, self._size, self._skipping
        for line in lines:
            if not line:  # end of frame
                if not skipping and (data is not None or event is not None):
                    frames.append(
                        (
                            event or "message",
                            b"\n".join(data).decode("utf-8", "replace") if data else "",
                        )
                    )
                event, data, size, skipping = None, None, 0, False
                continue
            if line[0] == 58:  # b":" comment (keep-alive)
                self.comments += 1
                continue
            if skipping:
                continue
            field, sep, value = line.partition(b":")
            if sep and value[:1] == b" ":
                value = value[1:]
            if field == b"data":
                size += len(value) + 1
                if size > limit:
                    if not skipping:
                        self.oversized += 1
                    skipping, event, data = True, None, None
                    continue
                if data is None:
                    data = [value]
                else:
                    data.append(value)
            elif field == b"event":
                event = value.decode("utf-8", "replace")
            # `id` and `retry` carry nothing for Particle streams; unknown fields are ignored
        self._event, self._data, self._size, self._skipping = event, data, size, skipping
        return frames

    def _start_skipping(self) -> None:
        if not self._skipping:
            self.oversized += 1
        self._skipping = True
        self._data = None
        self._event = None


_validate_event_json = Event.__pydantic_validator__.validate_json
_json_name = lru_cache(maxsize=1024)(json.dumps)


def event_from_frame(name: str, data: str) -> Event:
    """The `Event` of one frame; raises `ValueError` or `TypeError` when the payload is not a
    JSON object.

    The fast path validates the frame's JSON text directly, with the name spliced in (a later
    duplicate key wins, so the `event:` line's name prevails). Anything unusual takes the
    lenient path: a field the model cannot read never costs the event. A `published_at` that
    is not strict ISO 8601 (one-digit seconds, a space for the `T`, no zone) is read as well
    as it can be; any field still unreadable is left at its default (`None`), and `raw` keeps
    the frame's text exactly as received.
    """
    text = data.rstrip()
    if text[:1] == "{" and text[-1:] == "}":
        separator = "," if text[1:-1].strip() else ""
        try:
            event: Event = _validate_event_json(
                f'{text[:-1]}{separator}"name":{_json_name(name)}}}'
            )
        except ValueError:
            pass
        else:
            event.__dict__["raw"] = data
            return event
    payload = json.loads(data)
    if not isinstance(payload, dict):
        raise TypeError("payload is not a JSON object")
    payload["name"] = name
    payload["raw"] = data
    published = payload.get("published_at")
    if isinstance(published, str):
        payload["published_at"] = lenient_datetime(published)
    for _ in range(len(payload)):
        try:
            return Event.model_validate(payload)
        except ValidationError as exc:
            unreadable = {
                error["loc"][0]
                for error in exc.errors(include_url=False, include_input=False)
                if error["loc"] and error["loc"][0] not in ("name", "raw")
            }
            if not unreadable:
                raise
            for key in unreadable:
                payload.pop(key, None)
                if key in _ALIASES:
                    payload.pop(_ALIASES[key], None)
    return Event.model_validate(payload)  # pragma: no cover - one key goes per round


#: Field names of `Event` and the wire names they are validated from.
_ALIASES = {
    field: info.alias for field, info in Event.model_fields.items() if info.alias is not None
}
_ALIASES.update({alias: field for field, alias in list(_ALIASES.items())})

_LENIENT_DATETIME = re.compile(
    r"\s*(\d{4})-(\d{1,2})-(\d{1,2})[Tt ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?"
    r"\s*(?:([Zz])|([+-])(\d{1,2}):?(\d{2})?)?\s*"
)


def lenient_datetime(text: str) -> datetime | str:
    """`text` as an aware datetime when it looks like one, even loosely (`14:35:0.000Z`);
    naive times are UTC. Anything else is returned unchanged, for the model to judge."""
    match = _LENIENT_DATETIME.fullmatch(text)
    if match is None:
        return text
    year, month, day, hour, minute, second, fraction, _, sign, zone_h, zone_m = match.groups()
    offset = timedelta(0)
    if sign is not None:
        offset = timedelta(hours=int(zone_h), minutes=int(zone_m or 0))
        offset = -offset if sign == "-" else offset
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=timezone(offset),
        ).astimezone(timezone.utc)
    except ValueError:  # day 31 of a 30-day month, hour 25, ...
        return text
