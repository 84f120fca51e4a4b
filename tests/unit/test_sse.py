"""`_sse`: the frame parser (line endings, multi-line data, comments, a frame split anywhere,
bounded frames, BOM) and the frame-to-`Event` conversion (lenient: no event lost to a field)."""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from aioparticle import Event
from aioparticle._sse import SSEParser, event_from_frame

STREAM = (
    ":ok\n\n"
    'event: temp\ndata: {"data":"21.5","ttl":60,"published_at":"2025-03-01T12:00:00.000Z",'
    '"coreid":"0123456789abcdef01234567"}\n\n'
    ": keep-alive\n\n"
    "event: note\ndata: first line\ndata: second line\n\n"
    'event: café/état\ndata: {"data":"déjà vu ✓ 🌡"}\n\n'
    "event: error\ndata: x\n\n"
    "data: no event line\n\n"
    "event:nospace\ndata:tight\n\n"
)
EXPECTED = [
    (
        "temp",
        '{"data":"21.5","ttl":60,"published_at":"2025-03-01T12:00:00.000Z",'
        '"coreid":"0123456789abcdef01234567"}',
    ),
    ("note", "first line\nsecond line"),
    ("café/état", '{"data":"déjà vu ✓ 🌡"}'),
    ("error", "x"),
    ("message", "no event line"),
    ("nospace", "tight"),
]


def frames(parser: SSEParser, *chunks: bytes) -> list[tuple[str, str]]:
    out = []
    for chunk in chunks:
        out.extend(parser.feed(chunk))
    return out


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_whole_stream_with_each_line_ending(newline: str) -> None:
    data = STREAM.replace("\n", newline).encode()
    parser = SSEParser()
    assert frames(parser, data) == EXPECTED
    assert parser.comments == 2


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_split_at_every_byte_boundary(newline: str) -> None:
    data = STREAM.replace("\n", newline).encode()
    for cut in range(1, len(data)):
        parser = SSEParser()
        assert frames(parser, data[:cut], data[cut:]) == EXPECTED, cut


def test_one_byte_at_a_time() -> None:
    data = STREAM.replace("\n", "\r\n").encode()
    parser = SSEParser()
    assert frames(parser, *(data[i : i + 1] for i in range(len(data)))) == EXPECTED


def test_split_inside_multibyte_character() -> None:
    data = 'event: t\ndata: {"data":"🌡"}\n\n'.encode()
    thermometer = data.index("🌡".encode())
    for cut in range(thermometer + 1, thermometer + 4):
        assert frames(SSEParser(), data[:cut], data[cut:]) == [("t", '{"data":"🌡"}')]


def test_crlf_split_between_cr_and_lf_is_one_line_break() -> None:
    parser = SSEParser()
    got = frames(parser, b"event: a\r", b"\ndata: 1\r", b"\n\r", b"\n")
    assert got == [("a", "1")]


def test_comments_only_produce_no_frames() -> None:
    parser = SSEParser()
    assert frames(parser, b":ok\n\n:\n\n: ping\n\n") == []
    assert parser.comments == 3


def test_empty_data_line_and_unknown_fields() -> None:
    parser = SSEParser()
    got = frames(parser, b"event: e\ndata\nid: 7\nretry: 100\nbogus: x\n\n")
    assert got == [("e", "")]


def test_oversized_frame_dropped_and_memory_bounded() -> None:
    parser = SSEParser(max_frame_bytes=1000)
    big = b"event: big\ndata: " + b"x" * 5000 + b"\n\n"
    got = frames(parser, big, b'event: small\ndata: {"data":"ok"}\n\n')
    assert got == [("small", '{"data":"ok"}')]
    assert parser.oversized == 1


def test_oversized_line_without_newline_is_not_buffered() -> None:
    parser = SSEParser(max_frame_bytes=1000)
    for _ in range(100):  # 100 kB of one endless line
        assert parser.feed(b"data: " + b"y" * 1000) == []
        assert len(parser._buffer) <= 1000
    assert frames(parser, b"\n\nevent: next\ndata: 1\n\n") == [("next", "1")]
    assert parser.oversized == 1


def test_multiline_data_over_the_limit_is_dropped() -> None:
    parser = SSEParser(max_frame_bytes=100)
    chunk = b"event: m\n" + b"data: " + b"z" * 60 + b"\n" + b"data: " + b"z" * 60 + b"\n\n"
    assert frames(parser, chunk, b"event: ok\ndata: 2\n\n") == [("ok", "2")]


def test_reset_forgets_partial_frame() -> None:
    parser = SSEParser()
    assert parser.feed(b"event: half\ndata: {") == []
    parser.reset()
    assert frames(parser, b"event: whole\ndata: 1\n\n") == [("whole", "1")]


@pytest.mark.parametrize("cut", [0, 1, 2, 3, 4])
def test_leading_byte_order_mark_is_skipped_even_when_split(cut: int) -> None:
    data = '\ufeffevent: first\ndata: {"data":"1"}\n\n'.encode()
    parser = SSEParser()
    assert frames(parser, data[:cut], data[cut:]) == [("first", '{"data":"1"}')]


def test_byte_order_mark_is_skipped_once_per_connection() -> None:
    parser = SSEParser()
    bom = "\ufeff".encode()
    # a BOM later in the stream is data (here: part of a field name, so the line is ignored)
    assert frames(parser, bom + b"event: a\ndata: 1\n\n", bom + b"event: b\ndata: 2\n\n") == [
        ("a", "1"),
        ("message", "2"),
    ]
    parser.reset()  # a reconnect starts a new stream, which may open with a BOM again
    assert frames(parser, bom + b"event: c\ndata: 3\n\n") == [("c", "3")]


def test_a_short_stream_that_looks_like_the_start_of_a_bom_is_kept() -> None:
    parser = SSEParser()
    assert parser.feed(b"\xef") == []
    assert frames(parser, b"\xbbX\nevent: ok\ndata: 1\n\n") == [("ok", "1")]


UTC = timezone.utc


@pytest.mark.parametrize(
    ("published_at", "expected"),
    [
        ("2015-01-01T14:35:0.000Z", datetime(2015, 1, 1, 14, 35, 0, tzinfo=UTC)),  # Particle's docs
        ("2015-1-2T3:04:05Z", datetime(2015, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2015-01-01T14:35:07.5+0100", datetime(2015, 1, 1, 13, 35, 7, 500000, tzinfo=UTC)),
        ("2015-01-01 14:35", datetime(2015, 1, 1, 14, 35, tzinfo=UTC)),
        ("yesterday", None),
        ("2015-02-30T00:00:00Z", None),
    ],
)
def test_an_odd_published_at_never_costs_the_event(
    published_at: str, expected: datetime | None
) -> None:
    data = f'{{"data":"21.5","published_at":"{published_at}","coreid":"abc"}}'
    event = event_from_frame("temp", data)
    assert (event.name, event.data, event.device_id) == ("temp", "21.5", "abc")
    assert event.published_at == expected
    assert event.raw == data


@pytest.mark.parametrize(
    ("payload", "field", "expected"),
    [
        ('{"ttl":"60"}', "ttl", 60),
        ('{"ttl":"forever"}', "ttl", None),
        ('{"ttl":[1]}', "ttl", None),
        ('{"data":null}', "data", ""),
        ('{"data":42}', "data", "42"),
        ('{"data":{"t":[1,2]}}', "data", '{"t":[1,2]}'),
        ('{"data":"x"}', "device_id", None),  # no coreid
        ('{"coreid":7}', "device_id", None),
        ('{"productID":"not a number"}', "product_id", None),
        ('{"name":"from payload"}', "name", "temp"),  # the event: line wins
    ],
)
def test_fields_the_model_cannot_read_default_and_the_event_is_delivered(
    payload: str, field: str, expected: object
) -> None:
    event = event_from_frame("temp", payload)
    assert getattr(event, field) == expected
    assert event.raw == payload


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        "[1, 2]",
        '"text"',
        "{broken",
        # ending in a brace is not enough
        "}",
        "x}",
        '{"a":{"b":1}',
        '{"a":"}',
        '[{"a":1}',
        '{"a":1}}',
    ],
)
def test_a_payload_that_is_not_a_json_object_is_still_malformed(payload: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        event_from_frame("temp", payload)


# ---------------------------------------------------------------- the parser against a reference

BOM = "\ufeff".encode()


def reference(stream: bytes, limit: int = 256 * 1024) -> tuple[list[tuple[str, str]], int, int]:
    """The standard's algorithm applied to a whole stream at once: (frames, comments,
    oversized). The incremental parser must give the same however the stream is cut."""
    if stream.startswith(BOM):
        stream = stream[len(BOM) :]
    lines = re.split(rb"\r\n|\r|\n", stream)[:-1]  # the last piece is an unfinished line
    out: list[tuple[str, str]] = []
    comments = oversized = 0
    event: bytes | None = None
    data: list[bytes] | None = None
    dropped = False
    for line in lines:
        if not line:
            if not dropped and (event is not None or data is not None):
                name = event.decode("utf-8", "replace") if event else ""
                text = b"\n".join(data).decode("utf-8", "replace") if data else ""
                out.append((name or "message", text))
            event, data, dropped = None, None, False
        elif line.startswith(b":"):
            comments += 1
        elif not dropped:
            field, sep, value = line.partition(b":")
            if sep and value.startswith(b" "):
                value = value[1:]
            if field == b"event":
                event = value
            elif field == b"data":
                data = [*(data or []), value]
                if sum(len(piece) + 1 for piece in data) > limit:
                    oversized += 1
                    dropped, event, data = True, None, None
    return out, comments, oversized


def random_stream(rng: random.Random, frames: int = 60, longest: int = 40) -> bytes:
    """Frames as Particle sends them, mixed with every odd thing the standard allows: other
    fields, several data lines, comments inside frames, stray blank lines, missing spaces,
    odd names, non-ASCII and invalid UTF-8, and any of the three line endings per line."""

    def text(size: int) -> bytes:
        alphabet = ["a", "Z", "0", " ", ":", "{", '"', "é", "🌡", "\ufeff"]
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, size))).encode()
        return raw + b"\xff\xe2\x82" if rng.random() < 0.05 else raw

    def payload() -> bytes:
        stamp = f"2025-03-01T12:{rng.randint(0, 59):02d}:00.000Z"
        return f'{{"data":"{rng.randint(0, 99)}","ttl":60,"published_at":"{stamp}"}}'.encode()

    lines: list[bytes] = []
    if rng.random() < 0.3:
        lines += [b":ok", b""]
    for _ in range(frames):
        kind = rng.random()
        if kind < 0.6:  # the usual frame
            lines += [b"event: " + rng.choice([b"temp", b"sensor/t", "café".encode()]), b"data: "]
            lines[-1] += payload()
        elif kind < 0.7:  # keep-alive comments, sometimes several frames of them in a row
            lines += [b":" + text(10), b""] * rng.randint(1, 3)
            continue
        else:  # anything else, from lines that may be odd
            for _ in range(rng.randint(1, 4)):
                lines.append(
                    rng.choice(
                        [
                            b"event:" + text(longest // 4),
                            b"event: " + text(longest // 4),
                            b"event:",
                            b"data:" + text(longest),
                            b"data: " + text(longest),
                            b"data",
                            b":" + text(10),
                            b"id: 7",
                            b"retry: 10",
                            b"Event: caps",
                            b"bogus: " + text(5),
                        ]
                    )
                )
        lines.append(b"")
        if rng.random() < 0.1:
            lines.append(b"")  # a stray blank line
    endings = [b"\n", b"\r\n", b"\r"]
    uniform = rng.choice(endings) if rng.random() < 0.5 else None
    stream = b"".join(line + (uniform or rng.choice(endings)) for line in lines)
    return (BOM if rng.random() < 0.2 else b"") + stream


def fed_in_pieces(stream: bytes, cuts: list[int], limit: int = 256 * 1024) -> tuple[object, ...]:
    parser = SSEParser(max_frame_bytes=limit)
    got: list[tuple[str, str]] = []
    for start, stop in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        got.extend(parser.feed(stream[start:stop]))
    return got, parser.comments, parser.oversized


@pytest.mark.parametrize("seed", range(40))
def test_any_stream_cut_anywhere_parses_as_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    stream = random_stream(rng)
    expected = reference(stream)
    assert expected[0], "the stream should hold frames"
    assert fed_in_pieces(stream, []) == expected
    for _ in range(20):
        cuts = sorted(rng.sample(range(1, len(stream)), rng.randint(1, 12)))
        assert fed_in_pieces(stream, cuts) == expected, cuts
    assert fed_in_pieces(stream, list(range(1, len(stream)))) == expected  # byte by byte


@pytest.mark.parametrize("seed", range(20))
def test_frames_over_a_small_bound_are_dropped_as_the_reference_drops_them(seed: int) -> None:
    rng = random.Random(1000 + seed)
    too_big = b"data: " + b"y" * 100 + b"\ndata: " + b"y" * 100 + b"\n\n"
    stream = random_stream(rng, longest=60) + too_big + particle_frames(1)
    expected = reference(stream, limit=150)
    assert expected[2] >= 1
    for _ in range(10):
        cuts = sorted(rng.sample(range(1, len(stream)), rng.randint(0, 40)))
        assert fed_in_pieces(stream, cuts, limit=150) == expected, cuts


def particle_frames(count: int, start: int = 0) -> bytes:
    return b"".join(
        b'event: t\ndata: {"data":"%d","coreid":"d1"}\n\n' % n for n in range(start, start + count)
    )


def test_an_odd_frame_among_usual_ones_in_one_chunk() -> None:
    chunk = (
        particle_frames(3)
        + b"event: multi\ndata: one\ndata: two\n\n"
        + b"event: t\n: a comment inside a frame\ndata: x\n\n"
        + particle_frames(2, start=3)
    )
    got = SSEParser().feed(chunk)
    assert [name for name, _ in got] == ["t", "t", "t", "multi", "t", "t", "t"]
    assert got[3] == ("multi", "one\ntwo")
    assert got[4] == ("t", "x")
    assert got[-1] == ("t", '{"data":"4","coreid":"d1"}')


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (b"event: \ndata: x\n\n", ("message", "x")),  # an empty name
        (b"event:\ndata: x\n\n", ("message", "x")),
        (b"event:  two\ndata: x\n\n", (" two", "x")),  # one space is taken, not two
        (b"event: t\ndata:  x\n\n", ("t", " x")),
        (b"event: t\ndata:\n\n", ("t", "")),
        (b"event: t\ndata\n\n", ("t", "")),
        (b"event: a:b\ndata: c:d\n\n", ("a:b", "c:d")),
    ],
)
def test_field_values_in_a_chunk_of_usual_frames(frame: bytes, expected: tuple[str, str]) -> None:
    got = SSEParser().feed(particle_frames(2) + frame + particle_frames(1))
    assert got[2] == expected
    assert len(got) == 4


def test_comment_frames_in_a_row_are_all_counted() -> None:
    parser = SSEParser()
    got = parser.feed(b":ok\n\n:a\n\n:b\n\n" + particle_frames(1) + b":c\n\n:d\n\n")
    assert got == [("t", '{"data":"0","coreid":"d1"}')]
    assert parser.comments == 5


def test_a_long_frame_of_small_lines_is_read_as_it_comes_with_memory_bounded() -> None:
    parser = SSEParser(max_frame_bytes=1000)
    assert parser.feed(b"event: chatty\n") == []
    for n in range(300):  # 300 comment lines, about 3 kB, before the data line
        assert parser.feed(b": keep-alive %03d\n" % n) == []
        assert len(parser._buffer) <= 1000
    assert parser.feed(b"data: 1\n\n") == [("chatty", "1")]
    assert parser.comments == 300


def test_a_frame_whose_data_lines_outgrow_the_bound_across_chunks_is_dropped() -> None:
    parser = SSEParser(max_frame_bytes=1000)
    for _ in range(50):  # 50 data lines of 100 bytes: 5 kB in one frame
        assert parser.feed(b"data: " + b"d" * 100 + b"\n") == []
        assert len(parser._buffer) <= 1000
    assert parser.feed(b"\n" + particle_frames(1)) == [("t", '{"data":"0","coreid":"d1"}')]
    assert parser.oversized == 1


def test_the_rest_of_an_over_long_line_is_not_read_as_a_new_frame() -> None:
    parser = SSEParser(max_frame_bytes=100)
    assert parser.feed(b"event: big\ndata: " + b"x" * 300) == []  # dropped, unfinished
    # the line ends, and the same frame goes on: its lines are not a frame of their own
    assert parser.feed(b"\nevent: fragment\ndata: 1\n\n") == []
    assert parser.feed(b"event: next\ndata: 2\n\n") == [("next", "2")]
    assert parser.oversized == 1


def test_many_frames_in_a_chunk_larger_than_the_bound_are_all_kept() -> None:
    parser = SSEParser(max_frame_bytes=1000)
    chunk = particle_frames(200)  # about 8 kB, every frame well under 1 kB
    assert len(parser.feed(chunk)) == 200
    assert parser.oversized == 0


def test_one_oversized_frame_among_usual_ones_in_a_chunk() -> None:
    parser = SSEParser(max_frame_bytes=1000)
    chunk = particle_frames(5) + b"event: big\ndata: " + b"x" * 2000 + b"\n\n" + particle_frames(5)
    got = parser.feed(chunk)
    assert len(got) == 10
    assert all(name == "t" for name, _ in got)
    assert parser.oversized == 1


# ---------------------------------------------------------------- the Event model itself


@pytest.mark.parametrize(
    ("fields", "data", "published_at"),
    [
        ({"data": "21.5"}, "21.5", None),
        ({"data": None}, "", None),
        ({"data": 42}, "42", None),
        ({"data": {"t": [1, "é"]}}, '{"t":[1,"\\u00e9"]}', None),
        (
            {"published_at": "2025-03-01T12:00:00.250Z"},
            "",
            datetime(2025, 3, 1, 12, 0, 0, 250000, tzinfo=UTC),
        ),
        ({"published_at": "2025-03-01T12:00:00"}, "", datetime(2025, 3, 1, 12, tzinfo=UTC)),
        ({"published_at": datetime(2025, 3, 1, 12)}, "", datetime(2025, 3, 1, 12, tzinfo=UTC)),
        (
            {"published_at": "2025-03-01T13:00:00+01:00"},
            "",
            datetime(2025, 3, 1, 12, tzinfo=UTC),
        ),
    ],
)
def test_event_model_validates_python_values_and_json_alike(
    fields: dict[str, object], data: str, published_at: datetime | None
) -> None:
    for event in (
        Event.model_validate({"name": "n", **fields}),
        Event.model_validate_json(json.dumps({"name": "n", **fields}, default=str)),
    ):
        assert event.data == data
        assert event.published_at == published_at
        assert event.published_at is None or event.published_at.utcoffset() is not None


def test_event_model_reports_one_error_for_an_unreadable_timestamp() -> None:
    with pytest.raises(ValidationError) as caught:
        Event.model_validate({"name": "n", "published_at": "yesterday"})
    assert [error["loc"] for error in caught.value.errors()] == [("published_at",)]
