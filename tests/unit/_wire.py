"""Helpers shared by the wire-level unit tests."""

from __future__ import annotations

import re
from collections.abc import Awaitable

import httpx
import pytest
import respx

from aioparticle import InvalidArgumentError


def only_request(api: respx.MockRouter) -> httpx.Request:
    """The one request the router saw (failing when there were more or none)."""
    assert len(api.calls) == 1
    request: httpx.Request = api.calls[0].request
    return request


async def expect_invalid(call: Awaitable[object], guard: respx.MockRouter) -> None:
    """`call` raises `InvalidArgumentError` (a `ValueError`) and sends nothing."""
    with pytest.raises(InvalidArgumentError) as caught:
        await call
    assert isinstance(caught.value, ValueError)
    assert len(guard.calls) == 0


def multipart_parts(request: httpx.Request) -> list[tuple[str, str | None, str | None, bytes]]:
    """The parts of a multipart/form-data body: (name, filename, content type, contents)."""
    content_type = request.headers["content-type"]
    match = re.fullmatch(r"multipart/form-data; boundary=(\S+)", content_type)
    assert match, content_type
    delimiter = b"\r\n--" + match.group(1).encode("ascii")
    pieces = (b"\r\n" + request.content).split(delimiter)
    assert pieces[0] == b""
    assert pieces[-1] == b"--\r\n"
    parts = []
    for piece in pieces[1:-1]:
        assert piece.startswith(b"\r\n")
        head, _, contents = piece[2:].partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("utf-8").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers["content-disposition"]
        assert disposition.startswith("form-data; ")
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        assert name is not None
        parts.append(
            (
                name.group(1),
                filename.group(1) if filename else None,
                headers.get("content-type"),
                contents,
            )
        )
    return parts
