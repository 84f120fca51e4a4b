"""Webhook templates: the mustache variables of an event and the request a hook makes of it.

Pure functions, no I/O: the local cloud's delivery engine (`_state/webhooks.py`) sends what
`outgoing_request` describes.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

__all__ = [
    "OutgoingRequest",
    "event_context",
    "outgoing_request",
    "render",
    "render_tree",
    "split_parts",
]

#: `{{{name}}}` and `{{& name}}` insert a value as it is; `{{name}}` HTML-escapes it.
_TAG = re.compile(r"\{\{\{\s*([^{}]*?)\s*\}\}\}|\{\{\s*(&?)\s*([^{}]*?)\s*\}\}")
# what mustache.js escapes in `{{name}}`
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "/": "&#x2F;",
    "`": "&#x60;",
    "=": "&#x3D;",
}
_ESCAPE = re.compile("[&<>\"'/`=]")

_FORM = "application/x-www-form-urlencoded"


def event_context(
    name: str, data: str, coreid: str, published_at: str, product_id: int | None
) -> dict[str, Any]:
    """The variables a template of this event can use: `PARTICLE_EVENT_NAME`,
    `PARTICLE_EVENT_VALUE`, `PARTICLE_DEVICE_ID`, `PARTICLE_PUBLISHED_AT`, `PRODUCT_ID` (and
    their legacy `SPARK_*` names), plus the keys of the data when it is a JSON object."""
    context: dict[str, Any] = {}
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        context.update(parsed)
    context.update(
        PARTICLE_EVENT_NAME=name,
        PARTICLE_EVENT_VALUE=data,
        PARTICLE_DEVICE_ID=coreid,
        PARTICLE_PUBLISHED_AT=published_at,
        PRODUCT_ID="" if product_id is None else str(product_id),
        SPARK_EVENT_NAME=name,
        SPARK_EVENT_VALUE=data,
        SPARK_CORE_ID=coreid,
        SPARK_PUBLISHED_AT=published_at,
    )
    return context


def _lookup(context: Mapping[str, Any], name: str) -> Any:
    if name in context:
        return context[name]
    value: Any = context
    for part in name.split("."):  # `{{a.b}}` reaches into JSON data
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def render(template: str, context: Mapping[str, Any]) -> str:
    """Fill a mustache template's variables (unknown ones render empty; no sections)."""

    def fill(match: re.Match[str]) -> str:
        raw_name, amp, name = match.groups()
        if raw_name is not None:
            return _text(_lookup(context, raw_name))
        value = _text(_lookup(context, name))
        if amp:
            return value
        return _ESCAPE.sub(lambda m: _ESCAPES[m.group()], value)

    return _TAG.sub(fill, template)


def render_tree(value: Any, context: Mapping[str, Any]) -> Any:
    """A JSON template with every string (keys too) rendered."""
    if isinstance(value, str):
        return render(value, context)
    if isinstance(value, dict):
        return {render(str(k), context): render_tree(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render_tree(item, context) for item in value]
    return value


@dataclass(frozen=True)
class OutgoingRequest:
    """The request a hook makes for one event (before the HTTP client adds its own headers)."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def _strings(mapping: object) -> dict[str, str]:
    if not isinstance(mapping, dict):
        return {}
    return {str(k): _text(v) for k, v in mapping.items()}


def outgoing_request(
    settings: Mapping[str, Any], context: Mapping[str, Any], defaults: Mapping[str, str]
) -> OutgoingRequest:
    """The request of a hook's `settings` (wire names: `url`, `requestType`, `headers`,
    `query`, `auth`, `json`, `form`, `body`, `noDefaults`) for an event.

    Templates are filled from `context`. The body is the rendered `json` (as JSON), `form`
    (form-encoded) or `body` (as it is); without any of them, `defaults` (the event's
    `event`, `data`, `published_at`, `coreid`) go in the form body, or in the query of a
    GET, unless `noDefaults`.
    """
    method = str(settings.get("requestType") or "POST").upper()
    url = render(str(settings.get("url", "")), context)
    query = _strings(render_tree(settings.get("query") or {}, context))
    headers: dict[str, str] = {}
    body = b""
    if settings.get("json") is not None:
        rendered = render_tree(settings["json"], context)
        body = json.dumps(rendered, separators=(",", ":")).encode()
        headers["content-type"] = "application/json"
    elif settings.get("form") is not None:
        body = urlencode(_strings(render_tree(settings["form"], context))).encode()
        headers["content-type"] = _FORM
    elif settings.get("body") is not None:
        body = render(str(settings["body"]), context).encode()
    elif not settings.get("noDefaults"):
        if method == "GET":
            query = {**defaults, **query}
        else:
            body = urlencode(dict(defaults)).encode()
            headers["content-type"] = _FORM
    for name, value in _strings(render_tree(settings.get("headers") or {}, context)).items():
        headers[name.lower()] = value
    auth = settings.get("auth")
    if isinstance(auth, dict) and auth.get("username") is not None:
        pair = f"{_text(auth.get('username'))}:{_text(auth.get('password'))}"
        headers["authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    if query:
        parts = urlsplit(url)
        joined = "&".join(q for q in (parts.query, urlencode(query)) if q)
        url = urlunsplit(parts._replace(query=joined))
    return OutgoingRequest(method, url, headers, body)


def split_parts(text: str, size: int = 512) -> list[str]:
    """`text` in parts of at most `size` UTF-8 bytes, never splitting a character (one empty
    part for empty text), as the cloud splits a webhook's response into events."""
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        length = len(char.encode())
        if used + length > size:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += length
    parts.append("".join(current))
    return parts
