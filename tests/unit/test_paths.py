"""Path segments are validated and encoded so that no input can change the endpoint."""

from __future__ import annotations

import pytest

from aioparticle import InvalidArgumentError
from aioparticle._paths import product_segment, scope_prefix, segment, validate_request_path

BAD = [
    None,
    "",
    ".",
    "..",
    " .. ",
    "a/b",
    "/",
    "a?b",
    "a#b",
    "a\\b",
    "a\x00b",
    "a\nb",
    "a\rb",
    "a\tb",
    "a\x7fb",
    "a\x85b",
    "x" * 257,
    5,
    b"abc",
]


@pytest.mark.parametrize("value", BAD)
def test_bad_segments_rejected(value: object) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        segment(value, "device_id")
    assert str(info.value).startswith("device_id ")


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("abc", "abc"),
        ("my dev", "my%20dev"),
        ("é", "%C3%A9"),
        ("100%", "100%25"),
        ("a+b@c.com", "a%2Bb%40c.com"),
        ("x" * 256, "x" * 256),
        ("...", "..."),
        ("a;b=c", "a%3Bb%3Dc"),
    ],
)
def test_good_segments_encoded_as_one_segment(value: str, encoded: str) -> None:
    assert segment(value, "device_id") == encoded


def test_reserved_words_rejected_case_insensitively() -> None:
    for word in ("events", "Events", "EVENTS"):
        with pytest.raises(InvalidArgumentError, match="another endpoint"):
            segment(word, "device_id", reserved={"events"})
    assert segment("event", "device_id", reserved={"events"}) == "event"


def test_max_length_is_per_kind() -> None:
    assert segment("v" * 64, "variable name", max_length=64) == "v" * 64
    with pytest.raises(InvalidArgumentError, match="too long"):
        segment("v" * 65, "variable name", max_length=64)


@pytest.mark.parametrize(
    ("product", "encoded"), [(0, "0"), (4567, "4567"), ("my-fleet", "my-fleet")]
)
def test_product_refs(product: int | str, encoded: str) -> None:
    assert product_segment(product) == encoded
    assert scope_prefix(product) == f"/v1/products/{encoded}"


@pytest.mark.parametrize("product", [-1, True, False, "", "a/b", None, 1.5])
def test_bad_product_refs(product: object) -> None:
    with pytest.raises(InvalidArgumentError):
        product_segment(product)  # type: ignore[arg-type]


def test_scope_prefix_without_product() -> None:
    assert scope_prefix(None) == "/v1"


@pytest.mark.parametrize(
    ("path", "normalised"), [("v1/user", "/v1/user"), ("/v1/devices/x%2Fy", "/v1/devices/x%2Fy")]
)
def test_request_paths(path: str, normalised: str) -> None:
    assert validate_request_path(path) == normalised
