"""The cloud compiler: build targets, compiling sources into binaries, downloading binaries."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import UploadedFile, iso, utcnow
from ._common import (
    authenticate,
    cloud,
    content_type,
    json_response,
    read_body,
    read_form,
    stream_bytes,
    uploads,
)

__all__ = ["ROUTES"]

SIZE_INFO = (
    "   text\t   data\t    bss\t    dec\t    hex\tfilename\n"
    "   1234\t     56\t    789\t   2079\t    81f\tfirmware.elf\n"
)


async def build_targets(request: Request) -> Response:
    authenticate(request)
    featured = request.query_params.get("featured") == "true"
    return json_response(cloud(request).build_targets(featured=featured))


async def compile_sources(request: Request) -> Response:
    token = authenticate(request)
    files: tuple[UploadedFile, ...] = ()
    fields: dict[str, str] = {}
    if content_type(request) == "multipart/form-data":
        files, fields = uploads(await read_form(request))
    else:
        fields = {k: str(v) for k, v in (await read_body(request)).items()}
    compiled = cloud(request).compile(files, fields, username=token.username)
    return json_response(
        {
            "ok": True,
            "binary_id": compiled.binary_id,
            "binary_url": f"/v1/binaries/{compiled.binary_id}",
            "expires_at": iso(utcnow() + timedelta(days=1)),
            "sizeInfo": SIZE_INFO,
        }
    )


async def download_binary(request: Request) -> Response:
    authenticate(request)
    binary_id = request.path_params["binary"]
    return stream_bytes(cloud(request).binary(binary_id), f"{binary_id}.bin")


ROUTES = [
    Route("/v1/build_targets", build_targets, methods=["GET"]),
    Route("/v1/binaries", compile_sources, methods=["POST"]),
    Route("/v1/binaries/{binary}", download_binary, methods=["GET"]),
]
