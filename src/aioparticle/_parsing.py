"""Parsers turning a 2xx response body into the value a call returns."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

__all__ = [
    "NotOkError",
    "parse_ack",
    "parse_adapter",
    "parse_json",
    "parse_model",
    "parse_object",
    "parse_status",
    "parse_unwrapped",
]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class NotOkError(Exception):
    """A 2xx body that says `"ok": false`."""


def parse_json(content: bytes) -> Any:
    """The parsed JSON body, or `None` for an empty one (a 204)."""
    if not content.strip():
        return None
    return json.loads(content)


def parse_model(model: type[M]) -> Callable[[bytes], M]:
    """A parser validating the whole body as `model` (an empty body, such as a 202 or 204
    without one, counts as `{}`)."""
    validate = model.model_validate_json

    def parse(content: bytes) -> M:
        return validate(content if content.strip() else b"{}")

    return parse


def parse_adapter(adapter: TypeAdapter[T]) -> Callable[[bytes], T]:
    """A parser validating the whole body with a `TypeAdapter` (for lists and unions)."""
    validate = adapter.validate_json

    def parse(content: bytes) -> T:
        return validate(content)

    return parse


def parse_ack(content: bytes) -> None:
    """Accept an acknowledgement (`{"ok": true}`, `{"success": true}` or no body).

    Raises `NotOkError` when the body says `ok` (or `success`) is `false`.
    """
    body = parse_json(content)
    if isinstance(body, dict):
        for key in ("ok", "success"):
            if body.get(key) is False:
                detail = body.get("error_description") or body.get("error") or body
                raise NotOkError(str(detail))


def parse_unwrapped(tp: type[T], key: str, *more_keys: str) -> Callable[[bytes], T]:
    """A parser validating the body as `tp`, after taking it out of its `key` wrapper if any
    (or out of the first of `more_keys` it has, for answers wrapped one way or another).

    The cloud wraps some answers (`{"product": {...}}`, `{"team": [...]}`, JSON:API
    `{"data": ...}`) and not others; both forms are accepted.
    """
    validate = TypeAdapter(tp).validate_python
    keys = (key, *more_keys)

    def parse(content: bytes) -> T:
        body = parse_json(content)
        if isinstance(body, dict):
            for wrapper in keys:
                if wrapper in body:
                    body = body[wrapper]
                    break
        return validate(body)

    return parse


def parse_object(content: bytes) -> dict[str, Any]:
    """A parser accepting any JSON object (a JSON Schema document, for instance)."""
    body = parse_json(content)
    if not isinstance(body, dict):
        raise ValueError(f"expected a JSON object, got {type(body).__name__}")
    return body


def parse_status(content: bytes) -> int:
    """Marker parser: the request path returns the response's status code instead of a body."""
    raise RuntimeError("parse_status is handled by the client, not called")  # pragma: no cover
