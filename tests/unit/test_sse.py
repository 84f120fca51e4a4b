"""`_sse`: the frame parser (line endings, multi-line data, comments, a frame split anywhere,
bounded frames, BOM) and the frame-to-`Event` conversion (lenient: no event lost to a field)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

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


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", '"text"', "{broken"])
def test_a_payload_that_is_not_a_json_object_is_still_malformed(payload: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        event_from_frame("temp", payload)
