"""Frame-to-`Event` conversion: the fast path (the payload validated as it comes, the name set
afterwards) gives exactly the event of the spliced path (the name spliced into the JSON text,
validated by `Event`'s own validator), over many generated payloads, usual and odd."""

from __future__ import annotations

import copy
import json
import pickle
import random

import anyio
import httpx
import pytest
import respx

from aioparticle import Event, MalformedFrame, ParticleClient
from aioparticle._sse import event_from_frame, spliced_event
from tests.conftest import API, TOKEN

NAMES = ["temp", "sensor/temp", "café/état", 'q"uote', "back\\slash", " lead", "x" * 70]


def _string(rng: random.Random) -> str:
    pieces = [
        "21.5",
        "",
        "hello world",
        "déjà vu ✓ 🌡",
        '{"t":21.5,"h":[1,2]}',
        "line\nbreak\ttab",
        'quote" and back\\slash / slash',
        "\x00\x01\x1f control",
        "\u2028\u2029",
        "x" * 100,
    ]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 3)))


def _timestamp(rng: random.Random) -> object:
    return rng.choice(
        [
            "2025-03-01T12:00:00.000Z",
            "2025-03-01T12:00:00Z",
            "2025-03-01T23:59:59.999999Z",
            "2025-03-01T12:00:00.1234567Z",
            "2025-03-01T12:00:00.5+01:00",
            "2025-03-01T12:00:00.5-0530",
            "2025-03-01T12:00:00",  # naive: UTC
            "2025-03-01 12:00:00Z",
            "2015-01-01T14:35:0.000Z",  # one-digit seconds (Particle's docs)
            "2015-1-2T3:04:05Z",
            "2015-02-30T00:00:00Z",
            "2025-03-01T24:00:00Z",
            "2025-03-01T12:00:60Z",
            "yesterday",
            "",
            1740830400,
            1740830400.5,
            None,
            ["2025"],
        ]
    )


def _value(rng: random.Random, key: str) -> object:
    if key == "published_at":
        return _timestamp(rng)
    if key in ("ttl", "productID", "product_id"):
        return rng.choice([60, 0, -1, "60", "forever", 2**70, 60.0, 60.5, None, True, [1]])
    if key == "name":
        return rng.choice(["from payload", 5, None, "", {"a": 1}])
    return rng.choice(
        [
            _string(rng),
            _string(rng),
            _string(rng),
            42,
            -0.5,
            1e300,
            None,
            True,
            {"t": [1, 2.5, None], "s": _string(rng)},
            [_string(rng)],
        ]
    )


KEYS = [
    "data",
    "ttl",
    "published_at",
    "coreid",
    "productID",
    "device_id",
    "product_id",
    "name",
    "raw",
    "public",
    "userid",
    "extra field",
    "",
]


def _payload(rng: random.Random) -> str:
    """A frame's data: mostly JSON objects (the usual fields, odd values, extra fields),
    sometimes with spacing, duplicate keys, or text that is not a JSON object."""
    if rng.random() < 0.5:
        keys = ["data", "ttl", "published_at", "coreid"]
        if rng.random() < 0.3:
            keys.append("productID")
    else:
        keys = rng.sample(KEYS, rng.randint(0, 5))
    obj = {key: _value(rng, key) for key in keys}
    text = json.dumps(
        obj,
        ensure_ascii=rng.random() < 0.3,
        separators=rng.choice([(",", ":"), (", ", ": ")]),
    )
    roll = rng.random()
    if roll < 0.05 and text != "{}":  # a duplicate key, the later one wins
        key = rng.choice(keys)
        text = text[:-1] + f", {json.dumps(key)}: {json.dumps(_value(rng, key))}}}"
    elif roll < 0.10:
        text = rng.choice([" ", "\t", "  "]) + text + rng.choice(["", " ", "\t"])
    elif roll < 0.15:
        text = rng.choice(["", "[", "x", "{", '"', "}"]) + text + rng.choice(["", "}", "x", "]"])
    elif roll < 0.18:
        text = rng.choice(["null", "[]", "[1, 2]", '"text"', "42", "not json", "", "}", "{,}"])
    return text


def _outcome(name: str, data: str) -> Event | type[BaseException]:
    try:
        return event_from_frame(name, data)
    except (ValueError, TypeError) as exc:
        return type(exc)


def _reference(name: str, data: str) -> Event | type[BaseException]:
    try:
        return spliced_event(name, data)
    except (ValueError, TypeError) as exc:
        return type(exc)


def assert_same_event(got: Event, expected: Event) -> None:
    """Indistinguishable to a user: type, equality, fields, what was set, extras, dumps,
    repr, hash, copies and pickles."""
    assert type(got) is Event
    assert got == expected
    assert got.__dict__ == expected.__dict__
    assert list(got.__dict__) == list(expected.__dict__)  # the order repr follows
    assert got.model_fields_set == expected.model_fields_set
    assert got.model_extra == expected.model_extra
    assert got.__pydantic_private__ == expected.__pydantic_private__
    assert got.model_dump() == expected.model_dump()
    assert got.model_dump(by_alias=False) == expected.model_dump(by_alias=False)
    assert got.model_dump_json() == expected.model_dump_json()
    assert repr(got) == repr(expected)
    assert str(got) == str(expected)
    if expected.published_at is not None:
        assert repr(got.published_at) == repr(expected.published_at)
    try:
        expected_hash: int | None = hash(expected)
    except TypeError:  # an unhashable extra value
        expected_hash = None
    if expected_hash is not None:
        assert hash(got) == expected_hash
    revived = pickle.loads(pickle.dumps(got))  # noqa: S301 - our own bytes
    assert revived == expected
    assert revived.model_fields_set == expected.model_fields_set
    assert copy.deepcopy(got) == expected
    assert got.model_copy(update={"ttl": 1}) == expected.model_copy(update={"ttl": 1})
    assert got.raw == expected.raw


@pytest.mark.slow
def test_the_fast_path_gives_the_event_of_the_spliced_path_for_many_payloads() -> None:
    rng = random.Random(20261129)
    delivered = malformed = 0
    for _ in range(3000):
        name, data = rng.choice(NAMES), _payload(rng)
        got, expected = _outcome(name, data), _reference(name, data)
        if isinstance(expected, Event):
            assert isinstance(got, Event), (name, data)
            assert_same_event(got, expected)
            assert got.name == name
            assert got.raw == data
            delivered += 1
        else:
            assert got is expected, (name, data)
            malformed += 1
    assert delivered > 2000
    assert malformed > 50


def test_the_usual_frame_matches_events_validated_by_pydantic() -> None:
    rng = random.Random(7)
    for i in range(500):
        payload = {
            "data": _string(rng),
            "ttl": rng.choice([60, 0, 86400]),
            "published_at": f"2025-03-01T12:{i % 60:02d}:{rng.randint(0, 59):02d}.{i:03d}Z",
            "coreid": f"{i:024x}",
        }
        if i % 3 == 0:
            payload["productID"] = 1000 + i
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=i % 2 == 0)
        event = event_from_frame("sensor/temp", data)
        validated = Event.model_validate_json(json.dumps({**payload, "name": "sensor/temp"}))
        assert event.raw == data
        validated.__dict__["raw"] = data  # `raw` is not read from the payload
        assert_same_event(event, validated)
        assert event.model_fields_set == {"name", *validated.model_fields_set}


@pytest.mark.parametrize(
    ("payload", "fields_set"),
    [
        ("{}", {"name"}),
        ('{"data":"x"}', {"name", "data"}),
        ('{"name":"from payload","data":"x"}', {"name", "data"}),
        ('{"coreid":"abc","extra":1}', {"name", "device_id", "extra"}),
        # the lenient ways: an unreadable field dropped, text around the object
        ('{"ttl":"forever","data":"x"}', {"name", "data"}),
        (' {"data":"x"} ', {"name", "data"}),
        ('{"data":"x","published_at":"2015-1-2T3:04:05Z"}', {"name", "data", "published_at"}),
        ('{"raw":"from payload"}', {"name", "raw"}),
    ],
)
def test_model_fields_set_says_what_the_frame_gave(payload: str, fields_set: set[str]) -> None:
    event = event_from_frame("temp", payload)
    assert event.name == "temp"
    assert event.model_fields_set == fields_set


def test_events_stay_frozen_and_separate() -> None:
    data = '{"data":"21.5","ttl":60,"published_at":"2025-03-01T12:00:00.000Z","coreid":"a"}'
    first, second = event_from_frame("temp", data), event_from_frame("temp", data)
    assert first == second
    assert first.model_fields_set is not second.model_fields_set
    with pytest.raises(ValueError, match="frozen"):
        first.data = "changed"  # type: ignore[misc]
    assert {first, second} == {first}


def test_the_event_model_itself_is_left_unchanged() -> None:
    """Reading payloads without a name does not make `name` optional for anyone else."""
    assert Event.__pydantic_complete__
    with pytest.raises(ValueError, match="name"):
        Event.model_validate_json('{"data":"x"}')
    with pytest.raises(ValueError, match="name"):
        Event.model_validate({"data": "x"})
    assert Event.model_fields["name"].is_required()


FRAMES = [
    ("temp", '{"data":"21.5","ttl":60,"published_at":"2025-03-01T12:00:00.000Z","coreid":"a"}'),
    ("temp", '{"data":"x","published_at":"2015-1-2T3:04:05Z","coreid":"a"}'),  # lenient
    ("bad", "not json"),
    ("temp", '{"name":"from payload","ttl":"forever","extra":[1]}'),  # lenient
    ("bad", "[1, 2]"),
    ("temp", ' {"data":"spaced"} '),
    ("temp", '{"data":"\\u00e9\\"\\\\\\n","productID":7}'),
]


@pytest.mark.anyio
async def test_a_stream_delivers_what_event_from_frame_gives_and_skips_the_malformed(
    api: respx.MockRouter,
) -> None:
    body = ":ok\n\n" + "".join(f"event: {name}\ndata: {data}\n\n" for name, data in FRAMES)
    api.get("/v1/devices/events").mock(
        return_value=httpx.Response(200, headers={"content-type": "text/event-stream"}, text=body)
    )
    malformed: list[MalformedFrame] = []
    got: list[Event] = []
    async with ParticleClient(TOKEN, base_url=API, rate_limit=None) as client:
        with anyio.fail_after(10):
            async with client.events.stream(device="mine", on_malformed=malformed.append) as stream:
                async for event in stream:
                    got.append(event)
                    if len(got) == 5:
                        break
            assert stream.malformed_frames == 2
            assert stream.events_received == 5
    expected = [event_from_frame(name, data) for name, data in FRAMES if name != "bad"]
    assert len(got) == len(expected)
    for event, reference in zip(got, expected, strict=True):
        assert_same_event(event, reference)
    assert got[-1].data == 'é"\\\n'
    assert [(frame.name, frame.data) for frame in malformed] == [
        ("bad", "not json"),
        ("bad", "[1, 2]"),
    ]


@pytest.mark.parametrize("around", [(" ", ""), ("\t", " "), ("\r\n ", "\t"), ("", "  ")])
@pytest.mark.parametrize(
    "payload",
    [
        '{"data":"x","published_at":"2025-03-01T12:00:00.5+01:00","coreid":"a"}',
        '{"data":null,"published_at":"2025-03-01T12:00:00.5+01:00"}',  # not the usual shape
        '{"data":"x","published_at":"2025-03-01T12:00:00"}',  # naive
    ],
)
def test_whitespace_around_the_object_changes_nothing_but_raw(
    around: tuple[str, str], payload: str
) -> None:
    data = around[0] + payload + around[1]
    event, plain = event_from_frame("temp", data), event_from_frame("temp", payload)
    assert event.raw == data
    plain.__dict__["raw"] = data
    assert_same_event(event, plain)
