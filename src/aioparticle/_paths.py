"""Validation and percent-encoding of the values that become URL path segments."""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache
from urllib.parse import quote

from ._exceptions import InvalidArgumentError
from .types import ProductRef

__all__ = [
    "DEVICE_RESERVED",
    "MAX_FUNCTION_ARG_LENGTH",
    "MAX_ID_LENGTH",
    "MAX_NAME_LENGTH",
    "check_text",
    "cloud_name",
    "event_name",
    "positive_int",
    "product_segment",
    "scope_prefix",
    "segment",
    "validate_request_path",
]

#: Longest id, name or slug accepted in a path segment.
MAX_ID_LENGTH = 256
#: Longest cloud variable or function name (Device OS limit).
MAX_NAME_LENGTH = 64
#: Longest function argument, in UTF-8 bytes (Device OS limit).
MAX_FUNCTION_ARG_LENGTH = 1024

#: Segments that would turn a device route into another endpoint (`/v1/devices/events` is the
#: event stream, `/v1/devices/:id/events` a device's stream).
DEVICE_RESERVED = frozenset({"events"})

_FORBIDDEN = {"/": "'/'", "\\": "'\\'", "?": "'?'", "#": "'#'"}


# Unicode category Cc: C0 controls, DEL and C1 controls.
_has_control = re.compile("[\x00-\x1f\x7f-\x9f]").search
# The same, less tab, line feed and carriage return.
_has_control_in_text = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]").search


def check_text(
    value: object,
    what: str,
    *,
    max_length: int,
    allow_empty: bool = False,
    multiline: bool = False,
) -> str:
    """Check that `value` is a string without control characters, at most `max_length` long.

    `multiline=True` allows tabs and line breaks (free text in a body, never in a URL).
    """
    if value is None:
        raise InvalidArgumentError(f"{what} is required, got None")
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a str, got {type(value).__name__}")
    if not value and not allow_empty:
        raise InvalidArgumentError(f"{what} must not be empty")
    if len(value) > max_length:
        raise InvalidArgumentError(
            f"{what} is too long ({len(value)} characters, at most {max_length})"
        )
    if (_has_control_in_text if multiline else _has_control)(value):
        raise InvalidArgumentError(f"{what} must not contain control characters")
    return value


def positive_int(value: object, what: str) -> int:
    """Check that `value` is an `int` (not a `bool`) of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{what} must be an int >= 1, got {value!r}")
    return value


def segment(
    value: object,
    what: str,
    *,
    max_length: int = MAX_ID_LENGTH,
    reserved: Collection[str] = (),
) -> str:
    """Validate `value` as one path segment and return it percent-encoded.

    Rejects `None`, non-strings, empty values, `.` and `..`, `/`, `\\`, `?`, `#`, control
    characters, values longer than `max_length`, and words in `reserved` (which would change the
    endpoint). Raises `InvalidArgumentError` (a `ValueError`) before any I/O.
    """
    if type(value) is str:
        return _segment(value, what, max_length, frozenset(reserved))
    return _segment_uncached(value, what, max_length, frozenset(reserved))


def _segment_uncached(value: object, what: str, max_length: int, reserved: frozenset[str]) -> str:
    text = check_text(value, what, max_length=max_length)
    if text.strip() in (".", ".."):
        raise InvalidArgumentError(f"{what} must not be {text!r}")
    for char, shown in _FORBIDDEN.items():
        if char in text:
            raise InvalidArgumentError(f"{what} must not contain {shown}")
    if text.lower() in reserved:
        raise InvalidArgumentError(f"{what} must not be {text!r}: that names another endpoint")
    return quote(text, safe="")


# Ids and names repeat across calls (a poller reads the same devices again and again).
_segment = lru_cache(maxsize=4096)(_segment_uncached)


_CLOUD_NAME = re.compile(r"[A-Za-z0-9_-]+")
_EVENT_NAME = re.compile(r"[\x21-\x7e]+")


def _cloud_name_uncached(value: object, what: str) -> str:
    text = check_text(value, what, max_length=MAX_NAME_LENGTH)
    if not _CLOUD_NAME.fullmatch(text):
        raise InvalidArgumentError(
            f"{what} may only contain ASCII letters, digits, '_' and '-' (got {text!r})"
        )
    if text.lower() in DEVICE_RESERVED:
        raise InvalidArgumentError(f"{what} must not be {text!r}: that names another endpoint")
    return text


_cloud_name = lru_cache(maxsize=4096)(_cloud_name_uncached)


def cloud_name(value: object, what: str) -> str:
    """Validate a cloud variable or function name: 1 to 64 ASCII letters, digits, `_`, `-`
    (what Device OS accepts), safe in a path as it is."""
    if type(value) is str:
        return _cloud_name(value, what)
    return _cloud_name_uncached(value, what)


def event_name(value: object, what: str = "event name") -> str:
    """Validate an event name to publish: 1 to 64 printable ASCII characters, no spaces."""
    text = check_text(value, what, max_length=MAX_NAME_LENGTH)
    if not _EVENT_NAME.fullmatch(text):
        raise InvalidArgumentError(
            f"{what} may only contain printable ASCII characters without spaces (got {text!r})"
        )
    return text


def product_segment(product: ProductRef) -> str:
    """Validate a product id (non-negative `int`) or slug (`str`) and encode it."""
    if isinstance(product, bool):
        raise InvalidArgumentError("product must be an int id or a str slug, got bool")
    if isinstance(product, int):
        if product < 0:
            raise InvalidArgumentError(f"product id must not be negative, got {product}")
        return str(product)
    return segment(product, "product")


def scope_prefix(product: ProductRef | None) -> str:
    """`/v1`, or `/v1/products/<product>` when a product is given."""
    if product is None:
        return "/v1"
    return f"/v1/products/{product_segment(product)}"


def validate_request_path(path: object) -> str:
    """Validate a caller-supplied API path for `ParticleClient.request` and normalise it.

    The path must be relative to the base URL (no scheme, no host, no `//` prefix), free of
    `?`, `#`, `..` segments and control characters. Query parameters go in `params=`.
    """
    text = check_text(path, "path", max_length=2048)
    if "://" in text or text.startswith(("//", "\\")):
        raise InvalidArgumentError("path must be relative to the base URL, not an absolute URL")
    if "?" in text or "#" in text:
        raise InvalidArgumentError("path must not contain '?' or '#': pass query values as params=")
    if "\\" in text:
        raise InvalidArgumentError("path must not contain '\\'")
    if not text.startswith("/"):
        text = "/" + text
    if any(part in (".", "..") for part in text.split("/")):
        raise InvalidArgumentError("path must not contain '.' or '..' segments")
    return text
