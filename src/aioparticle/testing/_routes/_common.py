"""Shared helpers of the routes: wire errors, JSON, bodies, paging, auth and record lookups."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from .._multipart import FormPart, parse_multipart
from .._state import CloudState, Denied, FakeDevice, FakeProduct, Refused, Token, UploadedFile

__all__ = [
    "ERROR_HANDLERS",
    "Handler",
    "HttpError",
    "authenticate",
    "bad_request",
    "cloud",
    "content_type",
    "denied",
    "device_of",
    "errors_as",
    "json_response",
    "not_found",
    "page_meta",
    "paging",
    "product_of",
    "read_body",
    "read_form",
    "refusal",
    "scope_of",
    "stream_bytes",
    "uploads",
]

Handler = Callable[[Request], Awaitable[Response]]

PERMISSION_INFO = (
    "I didn't recognize that device name or ID, try opening "
    "https://api.particle.io/v1/devices?access_token={token}"
)
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25
_BINARY_CHUNK = 64 * 1024
_FORM = "application/x-www-form-urlencoded"


class HttpError(Exception):
    """An error answer: its status, JSON body and extra headers."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}


def json_response(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")).encode(),
        status_code=status,
        media_type="application/json",
    )


def bad_request(message: str) -> HttpError:
    return HttpError(400, {"ok": False, "error": message})


def not_found(message: str) -> HttpError:
    return HttpError(404, {"ok": False, "error": message})


def refusal(exc: Refused) -> HttpError:
    """The cloud's usual error body for a refusal: `{"ok": false, "error": ...}`, or with the
    compiler's errors, `{"ok": false, "output": ..., "errors": [...]}`."""
    if exc.errors:
        return HttpError(exc.status, {"ok": False, "output": exc.message, "errors": exc.errors})
    return HttpError(exc.status, {"ok": False, "error": exc.message})


def errors_as(shape: Callable[[Refused], HttpError]) -> Callable[[Handler], Handler]:
    """Decorate a route whose API words refusals differently: `shape` makes their answer."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except Refused as exc:
                raise shape(exc) from None

        return route

    return decorate


def content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def paging(
    query: Mapping[str, str],
    *,
    size: str = "per_page",
    default: int = DEFAULT_PER_PAGE,
    error: Callable[[str], HttpError] = bad_request,
) -> tuple[int, int]:
    """`(page, page_size)` from the query: page >= 1, 1 <= size <= MAX_PER_PAGE."""
    try:
        page = max(1, int(query.get("page", "1")))
        per_page = min(MAX_PER_PAGE, max(1, int(query.get(size, default))))
    except ValueError:
        raise error(f"page and {size} must be integers") from None
    return page, per_page


def page_meta(page: int, per_page: int, total: int) -> dict[str, int]:
    return {
        "page": page,
        "per_page": per_page,
        "total_pages": max(1, -(-total // per_page)),
        "total": total,
    }


def uploads(parts: list[FormPart]) -> tuple[tuple[UploadedFile, ...], dict[str, str]]:
    """The file parts and the text fields of a multipart body."""
    files = tuple(
        UploadedFile(part.name, part.filename, part.data)
        for part in parts
        if part.filename is not None
    )
    return files, {part.name: part.text for part in parts if part.filename is None}


def stream_bytes(data: bytes, filename: str) -> Response:
    """A binary download, streamed in chunks."""

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(data), _BINARY_CHUNK):
            yield data[start : start + _BINARY_CHUNK]

    return StreamingResponse(
        chunks(),
        media_type="application/octet-stream",
        headers={
            "content-length": str(len(data)),
            "content-disposition": f'attachment; filename="{filename}"',
        },
    )


def cloud(request: Request) -> CloudState:
    """The state of the local cloud serving the request."""
    state = request.app.state.cloud
    assert isinstance(state, CloudState)
    return state


def _raw_token(request: Request) -> str:
    return request.headers.get("authorization", "").partition(" ")[2].strip()


def authenticate(request: Request) -> Token:
    """The record of the request's bearer token (401 without a valid one)."""
    header = request.headers.get("authorization")
    if not header:
        raise HttpError(
            401,
            {"error": "invalid_request", "error_description": "The access token was not found"},
        )
    scheme = header.partition(" ")[0]
    token = cloud(request).lookup_token(_raw_token(request)) if scheme.lower() == "bearer" else None
    if token is None:
        raise HttpError(
            401,
            {
                "error": "invalid_token",
                "error_description": "The access token provided is invalid.",
            },
        )
    return token


def denied(request: Request) -> HttpError:
    """The 403 of a device, product or organization the request's token may not use."""
    info = PERMISSION_INFO.format(token=_raw_token(request))
    return HttpError(403, {"ok": False, "error": "Permission Denied", "info": info})


def scope_of(request: Request) -> tuple[Token, FakeProduct | None]:
    """The request's token and, on a product's route, the path's product if the token may use
    it (404, 403 otherwise)."""
    token = authenticate(request)
    if "product" not in request.path_params:
        return token, None
    try:
        return token, cloud(request).product_for(token, request.path_params["product"])
    except Denied:
        raise denied(request) from None


def product_of(request: Request) -> tuple[FakeProduct, Token]:
    """The product of a product's route, if the request's token may use it, and the token."""
    token, product = scope_of(request)
    assert product is not None, "a route without a product"
    return product, token


def device_of(request: Request) -> tuple[FakeDevice, Token, FakeProduct | None]:
    """The device of the path (in the path's product, if any), the token, the product."""
    token, product = scope_of(request)
    try:
        device = cloud(request).device_for(token, request.path_params["device"], product)
    except Denied:
        raise denied(request) from None
    return device, token, product


async def read_body(request: Request) -> dict[str, Any]:
    """The JSON object or form fields of the body (`{}` when empty)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        if content_type(request) == _FORM:
            return {k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Invalid request body") from None
    if not isinstance(parsed, dict):
        raise bad_request("Request body must be an object")
    return parsed


async def read_form(
    request: Request, *, error: Callable[[str], HttpError] = bad_request
) -> list[FormPart]:
    """The parts of a `multipart/form-data` body."""
    header = request.headers.get("content-type", "")
    try:
        return parse_multipart(await request.body(), header)
    except ValueError as exc:
        raise error(f"Invalid multipart body: {exc}") from None


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpError)
    response = json_response(exc.body, exc.status)
    response.headers.update(exc.headers)
    return response


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return await _http_error(request, refusal(exc))


async def _not_found(request: Request, exc: Exception) -> Response:
    return json_response({"error": "Not Found", "ok": False}, 404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return json_response({"error": "Method Not Allowed", "ok": False}, 405)


#: The app's exception handlers: error answers, refusals of the state, unknown routes.
ERROR_HANDLERS: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
    HttpError: _http_error,
    Refused: _refused,
    404: _not_found,
    405: _not_allowed,
}
