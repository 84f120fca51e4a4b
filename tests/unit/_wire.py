"""Helpers shared by the wire-level unit tests.

Requests, as they went on the wire:

- `check_request(request, method, path, *, query=b"", body=NO_BODY, form=None, accept=JSON,
  token=TOKEN)`: method, raw path and query, the standard headers, and the body (none, JSON or
  form-encoded).
- `check_upload(request, method, path, *, fields, files, query=b"")`: the same for a
  multipart/form-data upload, part by part (`multipart_parts` splits the body).
- `only_request(router)`, `queries(router)`: what a respx router saw.

Responses: `reply(router, body, status)` and `reply_by_page(router, pages)`. Recorded and longer
bodies live in tests/fixtures and are read with `tests.conftest.load`.

Bad input: `expect_invalid` / `expect_invalid_now` assert that a call raises
`InvalidArgumentError` and sends nothing. Each resource's test module keeps its bad-input cases in
one table of `bad_input(...)` rows (`bad_input_grid` builds the rows of many calls times many bad
values) and checks every row with `BadInput.check`.
"""

from __future__ import annotations

import email.policy
import json
import re
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qsl

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

import aioparticle
from aioparticle import Event, InvalidArgumentError, ParticleClient
from tests.conftest import TOKEN

if TYPE_CHECKING:
    from _pytest.mark import ParameterSet

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
OCTET = "application/octet-stream"


class _NoBody:
    def __repr__(self) -> str:
        return "NO_BODY"


#: `body=NO_BODY`: the request carries no body (and so no Content-Type).
NO_BODY: Any = _NoBody()


# --------------------------------------------------------------------------- requests


def only_request(api: respx.MockRouter) -> httpx.Request:
    """The one request the router saw (failing when there were more or none)."""
    assert len(api.calls) == 1
    request: httpx.Request = api.calls[0].request
    return request


def queries(api: respx.MockRouter) -> list[bytes]:
    """The raw query of every request the router saw, in order."""
    return [call.request.url.query for call in api.calls]


def _canonical(value: object) -> str:
    # Python says 1 == True and 1 == 1.0; the JSON text does not, so compare that too.
    return json.dumps(value, sort_keys=True)


def _check_head(
    request: httpx.Request, method: str, path: str, *, query: bytes, accept: str, token: str | None
) -> None:
    """Method, raw path, raw query and the headers every call carries."""
    assert request.method == method
    raw_path, _, raw_query = request.url.raw_path.partition(b"?")
    assert raw_path == path.encode("ascii")
    assert raw_query == query
    assert request.url.query == query
    headers = request.headers
    if token is None:
        # the caller's own bearer token goes nowhere: not in a header, the URL or the body
        assert "authorization" not in headers
        assert TOKEN not in str(request.url)
        assert TOKEN.encode("ascii") not in request.content
    else:
        assert headers.get_list("authorization") == [f"Bearer {token}"]
    assert headers.get_list("user-agent") == [f"aioparticle/{aioparticle.__version__}"]
    assert headers.get_list("accept") == [accept]


def check_request(
    request: httpx.Request,
    method: str,
    path: str,
    *,
    query: bytes = b"",
    body: Any = NO_BODY,
    form: Sequence[tuple[str, str]] | None = None,
    accept: str = JSON,
    token: str | None = TOKEN,
) -> None:
    """Assert the whole request as it went on the wire.

    - `method`, the raw (percent-encoded) `path` and the raw `query`, exactly;
    - one `Authorization: Bearer <token>`, or with `token=None` none at all (and `TOKEN` nowhere
      in the URL or the body); the SDK's User-Agent; one Accept header, `accept`;
    - the body: none and no Content-Type (`NO_BODY`, the default); `body` as JSON, compared as
      values and as JSON text (so `1`, `1.0` and `True` differ); or `form`, the
      x-www-form-urlencoded pairs in any order.
    """
    _check_head(request, method, path, query=query, accept=accept, token=token)
    headers = request.headers
    if form is not None:
        assert body is NO_BODY, "a request has a JSON body or a form body, not both"
        assert headers.get_list("content-type") == [FORM]
        sent_form = parse_qsl(
            request.content.decode("ascii"), keep_blank_values=True, strict_parsing=True
        )
        assert sorted(sent_form) == sorted(form)
    elif body is NO_BODY:
        assert request.content == b""
        assert "content-type" not in headers
    else:
        assert headers.get_list("content-type") == [JSON]
        sent = json.loads(request.content)
        assert sent == body
        assert _canonical(sent) == _canonical(body)


class Part(NamedTuple):
    """One part of a multipart/form-data body (compares equal to a plain 4-tuple)."""

    name: str
    filename: str | None
    content_type: str | None
    content: bytes


def multipart_parts(request: httpx.Request) -> list[Part]:
    """Every part of a multipart/form-data body, in order, split on the header's boundary."""
    content_type = request.headers["content-type"]
    match = re.fullmatch(r"multipart/form-data; boundary=(\S+)", content_type)
    assert match, content_type
    boundary = match.group(1).encode("ascii")
    pieces = (b"\r\n" + request.content).split(b"\r\n--" + boundary)
    assert pieces[0] == b""
    assert pieces[-1] == b"--\r\n"
    # the boundary shows up nowhere but in the delimiters
    assert request.content.count(b"--" + boundary) == len(pieces) - 1
    parts = []
    for piece in pieces[1:-1]:
        assert piece.startswith(b"\r\n")
        head, separator, content = piece[2:].partition(b"\r\n\r\n")
        assert separator
        headers = BytesHeaderParser(policy=email.policy.HTTP).parsebytes(head + b"\r\n\r\n")
        disposition = headers["content-disposition"]
        assert str(disposition).startswith("form-data; ")
        assert disposition.content_disposition == "form-data"
        assert set(disposition.params) <= {"name", "filename"}
        part_type = headers.get("content-type")
        parts.append(
            Part(
                name=disposition.params["name"],
                filename=disposition.params.get("filename"),
                content_type=None if part_type is None else str(part_type),
                content=content,
            )
        )
    return parts


def check_upload(
    request: httpx.Request,
    method: str,
    path: str,
    *,
    fields: Mapping[str, str],
    files: Sequence[tuple[str, str, bytes]],
    query: bytes = b"",
) -> None:
    """Assert a multipart upload: text parts `fields`, and file parts `(name, filename, data)`.

    The target and headers are checked as in `check_request`. File parts are compared in order
    and are typed application/octet-stream; text parts (in any order) carry no file name and no
    content type. No other part is sent and no part name is used twice.
    """
    _check_head(request, method, path, query=query, accept=JSON, token=TOKEN)
    parts = multipart_parts(request)
    names = [p.name for p in parts]
    assert len(names) == len(set(names)), f"duplicate part names: {names}"
    sent_files = [(p.name, p.filename, p.content) for p in parts if p.filename is not None]
    assert sent_files == list(files)
    assert all(p.content_type == OCTET for p in parts if p.filename is not None)
    text_parts = [p for p in parts if p.filename is None]
    assert all(p.content_type is None for p in text_parts)
    assert {p.name: p.content.decode() for p in text_parts} == dict(fields)
    assert len(parts) == len(files) + len(fields)


# --------------------------------------------------------------------------- responses


def reply(api: respx.MockRouter, body: Any = None, status: int = 200) -> respx.Route:
    """Answer every request with `body` (JSON), or with no body when `body` is None."""
    if body is None:
        return api.route().respond(status)
    return api.route().respond(status, json=body)


def reply_by_page(api: respx.MockRouter, pages: Mapping[str | None, Any]) -> None:
    """Answer each request with the body for the `page` it asked for (`None`: no `page`)."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("page")])

    api.route().mock(side_effect=answer)


def files_in(directory: Path) -> list[str]:
    """The names in `directory`, sorted (to see that no temporary file is left behind)."""
    return sorted(p.name for p in directory.iterdir())


# --------------------------------------------------------------------------- bad input


async def expect_invalid(call: Awaitable[object], guard: respx.MockRouter) -> None:
    """Awaiting `call` raises `InvalidArgumentError` (a `ValueError`) and sends nothing."""
    with pytest.raises(InvalidArgumentError) as caught:
        await call
    assert isinstance(caught.value, ValueError)
    assert len(guard.calls) == 0


def expect_invalid_now(call: Callable[[], object], guard: respx.MockRouter) -> None:
    """`call()` itself raises `InvalidArgumentError` (a `ValueError`) and sends nothing.

    For the calls that return a paginator or a stream: they check their arguments when they are
    called, before anything is awaited or iterated.
    """
    with pytest.raises(InvalidArgumentError) as caught:
        call()
    assert isinstance(caught.value, ValueError)
    assert len(guard.calls) == 0


#: A call on the client fixture, as a table row makes it.
ClientCall = Callable[[ParticleClient], Any]
#: A call on the client fixture with one argument left open, for `bad_input_grid`.
OpenCall = Callable[[ParticleClient, Any], Any]


@dataclass(frozen=True)
class BadInput:
    """A call that must be refused before any request.

    `eager`: the call returns a paginator or a stream and must refuse when it is called; otherwise
    it returns an awaitable that must refuse when awaited.
    """

    call: ClientCall
    eager: bool = False

    async def check(self, client: ParticleClient, guard: respx.MockRouter) -> None:
        if self.eager:
            expect_invalid_now(lambda: self.call(client), guard)
        else:
            await expect_invalid(self.call(client), guard)


def bad_input(case_id: str, call: ClientCall, *, eager: bool = False) -> ParameterSet:
    """One row of a bad-input table: `call(client)` is refused before any request."""
    return pytest.param(BadInput(call, eager), id=case_id)


def _bind(call: OpenCall, value: object) -> ClientCall:
    return lambda client: call(client, value)


def _stable_repr(value: object) -> str:
    """`repr(value)` without the ` at 0x...` of a default repr, which differs between processes."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))


def bad_input_grid(
    calls: Mapping[str, OpenCall],
    values: Sequence[object],
    ids: Sequence[str] | None = None,
    *,
    prefix: str = "",
    eager: Collection[str] = (),
) -> list[ParameterSet]:
    """A row for every call and every value: `calls[name](client, value)` is refused.

    Rows are named `[<prefix>-]<call name>-<value id>`; a value's id is its `repr` (without a
    memory address, so that every pytest-xdist worker collects the same ids) unless `ids` names
    the values. The calls named in `eager` return a paginator (see `BadInput`).
    """
    value_ids = [_stable_repr(value) for value in values] if ids is None else list(ids)
    assert len(value_ids) == len(values)
    assert set(eager) <= set(calls)
    start = f"{prefix}-" if prefix else ""
    return [
        bad_input(f"{start}{name}-{value_id}", _bind(call, value), eager=name in eager)
        for name, call in calls.items()
        for value, value_id in zip(values, value_ids, strict=True)
    ]


#: Product references refused before any request (ids below 0, booleans, bad slugs).
BAD_PRODUCTS: list[object] = [-1, True, "", "a/b", "..", "x\n", 1.5]


def bad_segments(too_long: int, *extra: tuple[str, object]) -> tuple[list[object], list[str]]:
    """The values a path segment must refuse, and their ids: `None`, empty, `.`/`..`, `/`, `?`,
    `#`, `\\`, NUL, a newline, `too_long` characters, the `extra` (id, value) cases, an int."""
    cases = [
        ("None", None),
        ("empty", ""),
        ("dot", "."),
        ("dotdot", ".."),
        ("slash", "a/b"),
        ("question", "a?b"),
        ("hash", "a#b"),
        ("backslash", "a\\b"),
        ("nul", "a\x00b"),
        ("newline", "a\nb"),
        ("too-long", "x" * too_long),
        *extra,
        ("int", 123),
    ]
    return [value for _, value in cases], [case_id for case_id, _ in cases]


def sse(*names: str, data: str = '{"data":"1","coreid":"d1"}') -> httpx.Response:
    """An event-stream answer: a greeting, then one frame per name with the same data."""
    body = ":ok\n\n" + "".join(f"event: {name}\ndata: {data}\n\n" for name in names)
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=body)


def fake_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A fake monotonic clock that every patched sleep advances; the sleeps are recorded
    (reconnect and budget waits are taken, not slept)."""
    now = [1_000_000.0]
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds
        await anyio.lowlevel.checkpoint()

    fake_time = SimpleNamespace(monotonic=lambda: now[0])
    monkeypatch.setattr(aioparticle._retry, "sleep", sleep)
    # the modules' own `time`, not the `time` module itself (the event loop keeps real time)
    monkeypatch.setattr(aioparticle._budget, "time", fake_time)
    monkeypatch.setattr(aioparticle._stream, "time", fake_time)
    return waited


def answers(*responses: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    """A respx side effect giving `responses` in turn, then a stream that ends at once."""
    queue = list(responses)

    def answer(request: httpx.Request) -> httpx.Response:
        if not queue:
            return sse()
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return answer


async def take(client: ParticleClient, count: int, **options: Any) -> list[Event]:
    """The first `count` events of the account's stream (`options` for `events.stream`)."""
    got: list[Event] = []
    with anyio.fail_after(10):
        async with client.events.stream(device="mine", **options) as stream:
            async for event in stream:
                got.append(event)
                if len(got) == count:
                    break
    return got
