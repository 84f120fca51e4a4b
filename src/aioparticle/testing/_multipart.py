"""A small `multipart/form-data` parser for the local cloud's upload routes.

Starlette's `request.form()` needs the optional `python-multipart` package; the local cloud
only needs part names, filenames and bytes, so it parses the body itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["FormPart", "parse_multipart"]

_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


@dataclass(frozen=True)
class FormPart:
    """One part of a multipart body: a file when `filename` is set, else a text field."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def _params(header: str) -> tuple[str, dict[str, str]]:
    """`form-data; name="a"; filename="b"` -> ("form-data", {"name": "a", "filename": "b"})."""
    value, _, rest = header.partition(";")
    params: dict[str, str] = {}
    for key, raw in _PARAM.findall(";" + rest):
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1]).replace("%22", '"')
        key = key.lower()
        if key.endswith("*"):  # RFC 5987: charset'lang'percent-encoded
            _, _, encoded = raw.partition("''")
            params[key[:-1]] = unquote(encoded or raw)
        else:
            params.setdefault(key, raw)
    return value.strip().lower(), params


def parse_multipart(body: bytes, content_type: str) -> list[FormPart]:
    """The parts of a `multipart/form-data` body, in order. Raises `ValueError` if malformed."""
    kind, params = _params(content_type)
    boundary = params.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise ValueError("not a multipart/form-data body")
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    chunks = (b"\r\n" + body).split(delimiter)
    if len(chunks) < 2:
        raise ValueError("multipart body without a boundary")
    parts: list[FormPart] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            return parts
        _, newline, rest = chunk.partition(b"\r\n")
        head, blank, data = rest.partition(b"\r\n\r\n")
        if not newline or not blank:
            raise ValueError("multipart part without headers")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", errors="replace").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        disposition, fields = _params(headers.get("content-disposition", ""))
        if disposition != "form-data" or "name" not in fields:
            raise ValueError("multipart part without a form-data name")
        parts.append(
            FormPart(fields["name"], fields.get("filename"), headers.get("content-type"), data)
        )
    raise ValueError("multipart body without its closing boundary")
