"""Webhooks of the account or of a product."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel

from .._exceptions import InvalidArgumentError
from .._parsing import parse_ack, parse_json, parse_unwrapped
from .._paths import check_text, event_name, scope_prefix, segment
from ..models.webhooks import Webhook
from ._base import Resource
from ._checks import flag, free_text, short_text

if TYPE_CHECKING:
    from ..types import JSONObject, JSONValue, ProductRef

__all__ = ["Webhooks"]

REQUEST_TYPES = ("GET", "POST", "PUT", "DELETE")
#: Longest target URL, topic and template accepted.
MAX_URL_LENGTH = 2048
MAX_TOPIC_LENGTH = 256
MAX_TEMPLATE_LENGTH = 65_536
#: Most entries in `headers`, `query`, a JSON template (counting nested values), and nesting.
MAX_ENTRIES = 1000
MAX_DEPTH = 32
#: The keys of `auth=`.
AUTH_KEYS = ("username", "password")

# an HTTP header name (RFC 9110 token)
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# names of headers and query parameters whose values are credentials
_CREDENTIAL_NAME = re.compile(r"auth|token|secret|key|password|passwd|cookie|signature", re.I)

M = TypeVar("M", bound=BaseModel)


def flat_parser(model: type[M], key: str) -> Callable[[bytes], M]:
    """A parser of a record answered flat, with an `"ok"` next to its own fields (dropped),
    or wrapped in `key`."""

    def parse(content: bytes) -> M:
        body = parse_json(content)
        if isinstance(body, dict):
            body = body.get(key, body)
        if isinstance(body, dict):
            body = {name: value for name, value in body.items() if name != "ok"}
        return model.model_validate(body)

    return parse


_parse_webhooks = parse_unwrapped(list[Webhook], "webhooks")
_parse_webhook = flat_parser(Webhook, "webhook")


def _hook_path(hook_id: object, product: ProductRef | None) -> str:
    return f"{scope_prefix(product)}/webhooks/{segment(hook_id, 'hook_id')}"


def target_url(value: object, what: str = "url") -> str:
    """An absolute `http://` or `https://` URL with a host (it may hold `{{...}}` templates)."""
    text = check_text(value, what, max_length=MAX_URL_LENGTH)
    if any(char.isspace() for char in text):
        raise InvalidArgumentError(f"{what} must not contain spaces")
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InvalidArgumentError(
            f"{what} must be an absolute http:// or https:// URL, got {text!r}"
        )
    return text


def text_map(value: object, what: str, *, header_names: bool = False) -> dict[str, str]:
    """A mapping of `str` to `str` (header names must be HTTP tokens, values one line)."""
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            f"{what} must be a mapping of str to str, got {type(value).__name__}"
        )
    if len(value) > MAX_ENTRIES:
        raise InvalidArgumentError(f"{what} has too many entries (at most {MAX_ENTRIES})")
    checked: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise InvalidArgumentError(
                f"{what} must be a mapping of str to str, got "
                f"{type(key).__name__} -> {type(item).__name__}"
            )
        check_text(key, f"a key of {what}", max_length=MAX_TOPIC_LENGTH)
        if header_names and not _HEADER_NAME.fullmatch(key):
            raise InvalidArgumentError(
                f"{what}: {key!r} is not a header name (letters, digits and !#$%&'*+-.^_`|~)"
            )
        checked[key] = check_text(
            item, f"{what}[{key!r}]", max_length=MAX_TEMPLATE_LENGTH, allow_empty=True
        )
    return checked


def json_object(value: object, what: str) -> dict[str, JSONValue]:
    """A copy of a JSON object: a mapping with `str` keys whose values are JSON (`None`, bools,
    finite numbers, strings, sequences and mappings), at most `MAX_DEPTH` deep."""
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            f"{what} must be a JSON object (a mapping with str keys), got {type(value).__name__}"
        )
    budget = [MAX_ENTRIES]
    copied = _json_value(value, what, 0, budget)
    assert isinstance(copied, dict)
    return copied


def _json_value(value: object, what: str, depth: int, budget: list[int]) -> JSONValue:
    if depth > MAX_DEPTH:
        raise InvalidArgumentError(f"{what} is nested too deeply (at most {MAX_DEPTH} levels)")
    budget[0] -= 1
    if budget[0] < 0:
        raise InvalidArgumentError(f"{what} has too many values (at most {MAX_ENTRIES})")
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgumentError(f"{what} holds {value!r}, which JSON cannot carry")
        return value
    if isinstance(value, Mapping):
        copied: dict[str, JSONValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidArgumentError(
                    f"{what} must have str keys, got {type(key).__name__} {key!r}"
                )
            copied[key] = _json_value(item, what, depth + 1, budget)
        return copied
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [_json_value(item, what, depth + 1, budget) for item in value]
    raise InvalidArgumentError(f"{what} holds a {type(value).__name__}, which is not JSON")


def credentials(
    auth: Mapping[str, str] | None,
    *maps: Mapping[str, str] | None,
) -> tuple[str, ...]:
    """The credential values a webhook carries (the basic-auth password; header and query
    values named like credentials), kept out of error messages and copies of the request."""
    found = [auth["password"]] if auth and "password" in auth else []
    for mapping in maps:
        found += [v for k, v in (mapping or {}).items() if _CREDENTIAL_NAME.search(k)]
    return tuple(found)


def _auth(value: object) -> dict[str, str]:
    checked = text_map(value, "auth")
    unknown = sorted(set(checked) - set(AUTH_KEYS))
    if unknown or "username" not in checked:
        raise InvalidArgumentError(
            "auth must be {'username': ..., 'password': ...} (basic auth of the webhook's "
            f"request), got the keys {sorted(checked)}"
        )
    return checked


class Webhooks(Resource):
    """Webhooks: HTTP requests the cloud makes when a matching event is published. Each call
    takes `product=` (an id or slug) for a product's webhooks."""

    __slots__ = ()

    async def list(self, *, product: ProductRef | None = None) -> list[Webhook]:
        """Every webhook of the account (or of the product)."""
        return await self._request("GET", f"{scope_prefix(product)}/webhooks", _parse_webhooks)

    async def create(
        self,
        event: str,
        url: str,
        *,
        device: str | None = None,
        request_type: Literal["GET", "POST", "PUT", "DELETE"] = "POST",
        auth: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        json: JSONObject | None = None,
        form: JSONObject | None = None,
        body: str | None = None,
        response_template: str | None = None,
        response_topic: str | None = None,
        error_response_topic: str | None = None,
        reject_unauthorized: bool | None = None,
        no_defaults: bool | None = None,
        product: ProductRef | None = None,
    ) -> Webhook:
        """Create a webhook: every event whose name starts with `event` (from `device` only,
        when given) makes the cloud send a `request_type` request to `url`.

        `auth` (`{"username": ..., "password": ...}`, basic auth), `headers`, `query`, and one
        of `json` (a JSON body template), `form` (form fields) or `body` (raw text) describe
        that request, not this call; their strings may hold templates such as
        `{{{PARTICLE_EVENT_VALUE}}}`. Without any of the three the cloud sends its default
        fields (`event`, `data`, `published_at`, `coreid`) unless `no_defaults=True`.
        The target's answer comes back as `hook-response/<event>/<n>` events (or
        `response_topic`), failures as `hook-error/...` (or `error_response_topic`).

        On the wire (JSON, camelCase): `event`, `url` and `requestType` are always sent
        (`"POST"` by default, as the JavaScript client does); `deviceId`, `auth`, `headers`,
        `query`, `json`, `form`, `body`, `responseTemplate`, `responseTopic`,
        `errorResponseTopic`, `rejectUnauthorized` and `noDefaults` only when given.
        Not retried once sent.
        """
        wire: dict[str, JSONValue] = {
            "event": event_name(event, "event"),
            "url": target_url(url),
        }
        if device is not None:
            wire["deviceId"] = short_text(device, "device")
        if request_type not in REQUEST_TYPES:
            raise InvalidArgumentError(
                f"request_type must be one of {', '.join(REQUEST_TYPES)}, got {request_type!r}"
            )
        wire["requestType"] = request_type
        hook_auth = None if auth is None else _auth(auth)
        hook_headers = None if headers is None else text_map(headers, "headers", header_names=True)
        hook_query = None if query is None else text_map(query, "query")
        for key, value in (("auth", hook_auth), ("headers", hook_headers), ("query", hook_query)):
            if value is not None:
                wire[key] = dict(value)
        given = [n for n, v in (("json", json), ("form", form), ("body", body)) if v is not None]
        if len(given) > 1:
            raise InvalidArgumentError(
                f"pass at most one of json=, form= and body= (the request has one body), "
                f"got {' and '.join(given)}"
            )
        if json is not None:
            wire["json"] = json_object(json, "json")
        if form is not None:
            wire["form"] = json_object(form, "form")
        if body is not None:
            wire["body"] = free_text(body, "body", max_length=MAX_TEMPLATE_LENGTH)
        if response_template is not None:
            wire["responseTemplate"] = free_text(
                response_template, "response_template", max_length=MAX_TEMPLATE_LENGTH
            )
        if response_topic is not None:
            wire["responseTopic"] = short_text(
                response_topic, "response_topic", max_length=MAX_TOPIC_LENGTH
            )
        if error_response_topic is not None:
            wire["errorResponseTopic"] = short_text(
                error_response_topic, "error_response_topic", max_length=MAX_TOPIC_LENGTH
            )
        if reject_unauthorized is not None:
            wire["rejectUnauthorized"] = flag(reject_unauthorized, "reject_unauthorized")
        if no_defaults is not None:
            wire["noDefaults"] = flag(no_defaults, "no_defaults")
        hidden = credentials(hook_auth, hook_headers, hook_query)
        path = f"{scope_prefix(product)}/webhooks"
        return await self._request("POST", path, _parse_webhook, json=wire, secrets=hidden)

    async def delete(self, hook_id: str, *, product: ProductRef | None = None) -> None:
        """Delete a webhook: no request is made for events published afterwards."""
        await self._request("DELETE", _hook_path(hook_id, product), parse_ack)
