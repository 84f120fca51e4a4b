"""The local cloud's webhook templates and URL rule, without a server: what a hook's request
becomes for an event."""

from __future__ import annotations

import pytest

from aioparticle.testing._state import is_loopback_url
from aioparticle.testing._templates import event_context, outgoing_request, render, split_parts

CONTEXT = event_context(
    "door/open",
    '{"who": "Ann & Bob", "at": {"room": "hall"}, "n": 3, "ok": true}',
    "dev1",
    "2025-03-01T12:00:00.000Z",
    4567,
)
DEFAULTS = {"event": "e", "data": "d", "published_at": "t", "coreid": "c"}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{{PARTICLE_EVENT_NAME}}}", "door/open"),
        ("{{PARTICLE_EVENT_NAME}}", "door&#x2F;open"),
        ("{{& PARTICLE_EVENT_NAME}}", "door/open"),
        ("{{ PARTICLE_DEVICE_ID }}|{{{PARTICLE_PUBLISHED_AT}}}", "dev1|2025-03-01T12:00:00.000Z"),
        ("{{PRODUCT_ID}} {{SPARK_CORE_ID}}", "4567 dev1"),
        ("{{{who}}} / {{who}}", "Ann & Bob / Ann &amp; Bob"),
        ("{{{at.room}}} {{{n}}} {{{ok}}} {{{at}}}", 'hall 3 true {"room":"hall"}'),
        ("[{{unknown}}][{{{at.nowhere}}}]", "[][]"),
        ("<'\"`=>", "<'\"`=>"),  # text outside the tags stays as it is
        ("{{x}}", ""),
    ],
)
def test_render(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


def test_double_braces_escape_what_mustache_escapes() -> None:
    assert render("{{v}}", {"v": "&<>\"'/`="}) == "&amp;&lt;&gt;&quot;&#39;&#x2F;&#x60;&#x3D;"


def test_data_keys_never_hide_the_particle_variables() -> None:
    context = event_context("n", '{"PARTICLE_EVENT_NAME": "forged"}', "d", "t", None)
    assert render("{{{PARTICLE_EVENT_NAME}}}|{{PRODUCT_ID}}", context) == "n|"


def test_a_get_hook_sends_the_defaults_after_the_urls_own_query() -> None:
    request = outgoing_request(
        {"url": "http://127.0.0.1:1/p?fixed=1", "requestType": "get", "query": {"q": "{{n}}"}},
        CONTEXT,
        DEFAULTS,
    )
    assert request.method == "GET"
    assert request.url == "http://127.0.0.1:1/p?fixed=1&event=e&data=d&published_at=t&coreid=c&q=3"
    assert (request.headers, request.body) == ({}, b"")


def test_headers_of_the_hook_win_over_the_body_type_and_auth_over_both() -> None:
    request = outgoing_request(
        {
            "url": "http://127.0.0.1:1/",
            "json": {"{{{n}}}": ["{{{who}}}", 1, None]},
            "headers": {"Content-Type": "application/vnd.api+json", "Authorization": "x"},
            "auth": {"username": "u", "password": "p"},
        },
        CONTEXT,
        DEFAULTS,
    )
    assert request.method == "POST"
    assert request.body == b'{"3":["Ann & Bob",1,null]}'
    assert request.headers == {
        "content-type": "application/vnd.api+json",
        "authorization": "Basic dTpw",
    }


def test_no_defaults_sends_an_empty_body() -> None:
    request = outgoing_request(
        {"url": "http://127.0.0.1:1/", "noDefaults": True}, CONTEXT, DEFAULTS
    )
    assert (request.headers, request.body) == ({}, b"")


@pytest.mark.parametrize(
    ("text", "size", "parts"),
    [
        ("", 512, [""]),
        ("abc", 2, ["ab", "c"]),
        ("abcd", 2, ["ab", "cd"]),
        ("aé€", 3, ["aé", "€"]),  # a character is never split: 1+2 bytes, then 3
        ("€€", 4, ["€", "€"]),
    ],
)
def test_split_parts(text: str, size: int, parts: list[str]) -> None:
    assert split_parts(text, size) == parts
    assert all(len(p.encode()) <= size for p in parts)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1/", True),
        ("https://127.0.0.1:8443/x", True),
        ("http://127.1.2.3:80/", True),
        ("http://localhost:8000/", True),
        ("http://LOCALHOST/", True),
        ("http://[::1]:9/", True),
        ("http://[::ffff:127.0.0.1]/", False),
        ("http://localhost.example.com/", False),
        ("http://127.0.0.1.example.com/", False),
        ("http://example.com/?u=http://127.0.0.1/", False),
        ("http://user@example.com@127.0.0.1/", True),
        ("http://10.0.0.1/", False),
        ("http://0.0.0.0/", False),
        ("ftp://127.0.0.1/", False),
        ("//127.0.0.1/", False),
        ("http://127.0.0.1:port/", False),
        ("http://{{host}}/", False),
        ("", False),
    ],
)
def test_is_loopback_url(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback
