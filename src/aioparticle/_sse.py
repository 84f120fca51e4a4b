"""Server-Sent Events without I/O: the incremental frame parser and frame-to-`Event` conversion."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError
from pydantic_core import SchemaValidator, core_schema

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
    """The frame's event name; `None` for a frame dropped for its size."""
    data: str
    """The frame's `data:` text; empty for a frame dropped for its size."""
    reason: str
    """Why the frame was skipped: the parse error (cut to 200 characters) or the size limit it
    went over."""

    def __repr__(self) -> str:
        data = self.data if len(self.data) <= 60 else f"{self.data[:60]}..."
        return (
            f"MalformedFrame(name={self.name!r}, data={data!r} ({len(self.data)} chars), "
            f"reason={self.reason!r})"
        )


#: One parsed frame: (event name, data).
Frame = tuple[str, str]


class SSEParser:
    """Incremental `text/event-stream` parser working on bytes.

    Lines may end in LF, CRLF or CR, and a chunk may end anywhere (inside a CRLF pair or a
    multi-byte UTF-8 character). Frames larger than `max_frame_bytes` are dropped and reported
    through `oversized`, so memory stays bounded whatever the server sends. Comments (the
    keep-alives) are counted in `comments`. A frame without an `event:` line is a `message`.
    A byte-order mark opening the stream is skipped, as the SSE standard says.

    Two paths give the same frames (a test holds them to a reference parser). The complete
    frames of a chunk (up to its last blank line) are decoded at once and, when every one is
    the usual `event:` line plus one `data:` line or a one-line comment, matched by one regular
    expression, without Python code per frame. Anything else (several `data:` lines, other
    fields, a frame that may be oversized, the end of a frame begun line by line in an earlier
    chunk because it was large) goes line by line. Unparsed bytes wait in a buffer bounded by
    `max_frame_bytes`.
    """

    __slots__ = (
        "_buffer",
        "_data",
        "_dropping_line",
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
        self._buffer = b""  # unparsed bytes, from the start of a line
        self._pending_cr = False
        self._dropping_line = False  # inside an over-long line whose start was dropped
        # the lines of the current frame read so far (only for a frame read line by line)
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
        if b"\r" in chunk:
            # a CR ending the chunk ends a line now; an LF starting the next chunk belongs to it
            self._pending_cr = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        buffer = self._buffer + chunk if self._buffer else chunk
        frames: list[Frame] = []
        if self._dropping_line:
            newline = buffer.find(b"\n")
            if newline < 0:
                self._buffer = b""
                return frames
            self._dropping_line = False
            buffer = buffer[newline + 1 :]
        if self._event is not None or self._data is not None or self._skipping:
            # a frame begun line by line in an earlier chunk: finish it the same way
            if buffer[:1] == b"\n":
                end = 0  # where the blank line ending it is
            else:
                end = buffer.find(b"\n\n") + 1
                if not end:  # it goes on in a later chunk
                    self._buffer = self._bounded(buffer, frames)
                    return frames
            self._lines(buffer[:end].split(b"\n"), frames)  # the last line is the blank one
            buffer = buffer[end + 1 :]
        last = buffer.rfind(b"\n\n")
        if last >= 0:
            self._frames(buffer[: last + 2], frames)
            buffer = buffer[last + 2 :]
        self._buffer = self._bounded(buffer, frames)
        return frames

    def _frames(self, block: bytes, frames: list[Frame]) -> None:
        """Parse `block`: whole frames, the last one ending in its blank line.

        The fast path applies when no frame of the block can be oversized and, once the
        one-line comment frames are counted and cut out, every frame is the usual one; else
        the block goes line by line.
        """
        limit = self.max_frame_bytes
        if len(block) <= limit or max(map(len, block.split(b"\n"))) <= limit:
            # a blank line before the first frame: every frame then follows a "\n"
            text = "\n\n" + block.decode("utf-8", "replace")
            text, cut = _COMMENT_FRAME.subn("\n", text)
            comments = cut
            while cut:  # a comment frame right after another is only seen by the next pass
                text, cut = _COMMENT_FRAME.subn("\n", text)
                comments += cut
            found: list[Frame] = _BLOCK.findall(text, 1)
            if _OTHER not in found:
                self.comments += comments
                frames.extend(found)
                return
        self._lines(block[:-1].split(b"\n"), frames)

    def _bounded(self, rest: bytes, frames: list[Frame]) -> bytes:
        """What to keep of `rest` (no blank line in it): all of it while it is small; else its
        complete lines are parsed now and an over-long last line is dropped."""
        limit = self.max_frame_bytes
        if len(rest) <= limit:
            return rest
        newline = rest.rfind(b"\n")
        if newline >= 0:
            self._lines(rest[:newline].split(b"\n"), frames)
            rest = rest[newline + 1 :]
        if len(rest) > limit:
            self._dropping_line = True
            self._start_skipping()
            return b""
        return rest

    def _lines(self, lines: list[bytes], frames: list[Frame]) -> None:
        """Parse complete lines (an empty one ends a frame), one at a time."""
        limit = self.max_frame_bytes
        # the loop keeps its state in locals and writes it back once
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

    def _start_skipping(self) -> None:
        if not self._skipping:
            self.oversized += 1
        self._skipping = True
        self._data = None
        self._event = None


# The fast path works on the decoded text of whole frames, each ended by its blank line, with
# a blank line before the first one: every frame starts after a "\n" that follows a blank line.
#: a frame made of one comment line (a keep-alive), with the blank line before it
_COMMENT_FRAME = re.compile(r"\n\n:[^\n]*\n(?=\n)")
#: one frame, from the "\n" before it to its blank line: the usual frame (an `event:` line with
#: a name not starting with a space, then one `data:` line) gives (name, data); any other frame,
#: or a stray blank line, gives `_OTHER`. Consecutive matches cover the text without a gap.
_BLOCK = re.compile(
    r"\nevent: ?([^ \n][^\n]*)\ndata: ?([^\n]*)\n(?=\n)"
    r"|\n[^\n]+(?:\n[^\n]+)*\n(?=\n)"
    r"|\n(?=\n)"
)
_OTHER = ("", "")


_validate_event_json = Event.__pydantic_validator__.validate_json


def _first_choice(parent: Any, key: str) -> None:
    """Replace the left-to-right union at `parent[key]` by its first choice (a 0.05 us cheaper
    validation per event); leave anything else as it is."""
    union = parent[key]
    if union.get("type") == "union" and union.get("mode") == "left_to_right":
        first = union["choices"][0]
        parent[key] = first[0] if isinstance(first, tuple) else first  # (choice, label)


def _payload_validator() -> Callable[[str], Event] | None:
    """A validator of `Event` whose `name` is optional: it reads a frame's payload as it comes,
    without a name spliced into its text (the caller sets the name). None when `Event`'s schema
    does not have the expected shape (then every frame goes the spliced way).

    It is `Event`'s own core schema with a default for `name`, and `data` and `published_at`
    reduced to the first branch of their left-to-right unions (a JSON string, a timestamp with
    its offset: what Particle sends), so any payload it accepts gives the event the spliced
    text would (the first branch that succeeds is the union's result; a payload's own `name`
    is overwritten, as the spliced one overrode it); anything else it refuses. pydantic-core
    reuses a complete model's own validator for a schema naming that model, so the model is
    marked incomplete while this one is built.
    """
    schema: Any = copy.deepcopy(Event.__pydantic_core_schema__)
    try:
        if schema["type"] != "model" or schema["cls"] is not Event:
            return None
        fields = schema["schema"]["fields"]
        name = fields["name"]
        name["schema"] = core_schema.with_default_schema(name["schema"], default="")
        _first_choice(fields["data"]["schema"], "schema")  # in default(union)
        # in default(nullable(union))
        _first_choice(fields["published_at"]["schema"]["schema"], "schema")
    except (KeyError, TypeError):  # pragma: no cover - another pydantic's schema layout
        return None
    Event.__pydantic_complete__ = False
    try:
        validator = SchemaValidator(schema)
    finally:
        Event.__pydantic_complete__ = True  # it was: the schema above is the complete one
    validate: Callable[[str], Event] = validator.validate_json
    try:  # the model's own validator, if it was reused after all, requires `name`
        probe = validate("{}")
    except ValueError:  # pragma: no cover - depends on pydantic-core
        return None
    if type(probe) is not Event:  # pragma: no cover - depends on pydantic-core
        return None
    return validate


def _refuse(data: str) -> Event:  # pragma: no cover - without a payload validator
    raise ValueError("no payload validator")


#: A frame's payload as an `Event` whose `name` (and `raw`) the caller still has to set:
#: `event_from_frame` in one call, for the event stream's hot loop, which finishes the event
#: as `event_from_frame` does and hands whatever this raises `ValueError` on to
#: `spliced_event`.
validate_payload: Callable[[str], Event] = _payload_validator() or _refuse
#: name -> `,"name":"..."}`, the JSON text closing a payload object with its name
_NAME_MEMBERS: dict[str, str] = {}


def _name_member(name: str) -> str:
    member = _NAME_MEMBERS.get(name)
    if member is None:
        if len(_NAME_MEMBERS) >= 1024:  # names come from the server: keep the cache bounded
            _NAME_MEMBERS.clear()
        member = _NAME_MEMBERS[name] = f',"name":{json.dumps(name)}}}'
    return member


def event_from_frame(name: str, data: str) -> Event:
    """The `Event` of one frame; raises `ValueError` or `TypeError` when the payload is not a
    JSON object.

    The fast path validates the frame's JSON text as it is, then sets the name (the `event:`
    line's name prevails over any `name` in the payload). Anything unusual takes the lenient
    path: a field the model cannot read never costs the event. A `published_at` that is not
    strict ISO 8601 (one-digit seconds, a space for the `T`, no zone) is read as well as it
    can be; any field still unreadable is left at its default (`None`), and `raw` keeps the
    frame's text exactly as received.
    """
    try:
        event = validate_payload(data)
    except ValueError:  # not a JSON object, a field the model cannot read...
        return spliced_event(name, data)
    # (EventStream.__anext__ does the same)
    state = event.__dict__
    state["name"] = name
    state["raw"] = data
    event.__pydantic_fields_set__.add("name")
    return event


def spliced_event(name: str, data: str) -> Event:
    """`event_from_frame` for a payload `validate_payload` refused: the name is spliced into
    the text (a later duplicate key wins, so the `event:` line's name prevails), then the
    lenient path; raises as `event_from_frame` does."""
    # `data` less its closing brace, then the name: a JSON object only if `data` was one
    if data[-1:] == "}":
        try:
            event: Event = _validate_event_json(
                data[:-1] + (_NAME_MEMBERS.get(name) or _name_member(name))
            )
        except ValueError:  # `{}`, a field the model cannot read, not JSON...
            pass
        else:
            event.__dict__["raw"] = data
            return event
    return _lenient_event(name, data)


def _lenient_event(name: str, data: str) -> Event:
    text = data.rstrip().lstrip(" \t\n\r")  # JSON's whitespace before the object
    if text[:1] == "{" and text[-1:] == "}":
        keys = bool(text[1:-1].strip())
        if len(text) != len(data) or not keys:  # what the fast path cannot splice
            try:
                event: Event = _validate_event_json(
                    text[:-1] + _name_member(name)[0 if keys else 1 :]
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
    published = payload.get("published_at")
    if isinstance(published, str):
        payload["published_at"] = lenient_datetime(published)
    for _ in range(len(payload)):
        try:
            event = Event.model_validate(payload)
        except ValidationError as exc:
            unreadable = {
                error["loc"][0]
                for error in exc.errors(include_url=False, include_input=False)
                if error["loc"] and error["loc"][0] != "name"
            }
            if not unreadable:
                raise
            for key in unreadable:
                payload.pop(key, None)
                if key in _ALIASES:
                    payload.pop(_ALIASES[key], None)
        else:
            # as on the other paths: `raw` is set, not read (so not in `model_fields_set`)
            event.__dict__["raw"] = data
            return event
    raise AssertionError("unreachable: one key goes per round")  # pragma: no cover


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
