"""Firmware libraries (JSON:API): search, versions, archives, contributing, publishing, deleting."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._state import LIBRARY_SCOPES, LIBRARY_SORTS, read_library_properties
from ._common import (
    HttpError,
    authenticate,
    cloud,
    content_type,
    errors_as,
    json_response,
    paging,
    read_body,
    read_form,
    uploads,
)

__all__ = ["ROUTES"]

DEFAULT_LIBRARY_LIMIT = 10
_LIBRARY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_SEMVER = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
_LIBRARY_ATTRIBUTES = ("author", "sentence", "paragraph", "url", "repository", "license")


def _library_error(status: int, message: str) -> HttpError:
    """A JSON:API error, the shape of the library routes."""
    return HttpError(status, {"errors": [{"message": message}]})


def _bad_request(message: str) -> HttpError:
    return _library_error(400, message)


#: The library routes answer the state's refusals as JSON:API errors.
_jsonapi = errors_as(lambda exc: _library_error(exc.status, exc.message))


def _linked(request: Request, resource: dict[str, Any]) -> dict[str, Any]:
    """A library resource with its download link on this server."""
    base = str(request.base_url).rstrip("/")
    name, version = resource["id"], resource["attributes"]["version"]
    download = (
        f"{base}/v1/libraries/{quote(name, safe='')}/archive/{quote(version, safe='')}.tar.gz"
    )
    return {**resource, "links": {"download": download}}


async def _body(request: Request) -> dict[str, Any]:
    try:
        return await read_body(request)
    except HttpError as exc:
        raise _bad_request(str(exc.body.get("error"))) from None


def _attributes(properties: dict[str, str]) -> dict[str, Any]:
    """The attributes of a contributed version, from its `library.properties`."""
    attributes: dict[str, Any] = {k: properties[k] for k in _LIBRARY_ATTRIBUTES if k in properties}
    if "category" in properties:
        attributes["category"] = properties["category"]
    attributes["architectures"] = [
        a.strip() for a in properties.get("architectures", "*").split(",") if a.strip()
    ] or ["*"]
    dependencies = {
        key.removeprefix("dependencies."): value
        for key, value in properties.items()
        if key.startswith("dependencies.")
    }
    if dependencies:
        attributes["dependencies"] = dependencies
    return attributes


@_jsonapi
async def list_libraries(request: Request) -> Response:
    token = authenticate(request)
    query = request.query_params
    page, limit = paging(query, size="limit", default=DEFAULT_LIBRARY_LIMIT, error=_bad_request)
    scope = query.get("scope") or "all"
    excluded = [s for s in query.get("excludeScopes", "").split(",") if s]
    for name in (scope, *excluded):
        if name not in LIBRARY_SCOPES:
            raise _bad_request(f"Unknown scope: {name}")
    sort = query.get("sort") or "name"
    if sort not in LIBRARY_SORTS:
        raise _bad_request(f"Unknown sort: {sort}")
    found = cloud(request).search_libraries(
        token.username,
        text=query.get("filter", "").casefold(),
        scope=scope,
        excluded=excluded,
        sort=sort,
        architectures={a.strip() for a in query.get("architectures", "").split(",") if a.strip()},
        category=query.get("category", "").casefold(),
        page=page,
        limit=limit,
    )
    return json_response({"data": [_linked(request, r) for r in found]})


@_jsonapi
async def get_library(request: Request) -> Response:
    token = authenticate(request)
    resource = cloud(request).library_json(
        request.path_params["name"], token.username, request.query_params.get("version")
    )
    return json_response({"data": _linked(request, resource)})


@_jsonapi
async def library_versions(request: Request) -> Response:
    token = authenticate(request)
    page, limit = paging(
        request.query_params, size="limit", default=DEFAULT_LIBRARY_LIMIT, error=_bad_request
    )
    versions = cloud(request).list_library_versions(
        request.path_params["name"], token.username, page=page, limit=limit
    )
    return json_response({"data": [_linked(request, r) for r in versions]})


@_jsonapi
async def library_archive(request: Request) -> Response:
    archive = cloud(request).library_archive(
        request.path_params["name"],
        request.path_params["version"],
        path=request.url.path,
        authorization=request.headers.get("authorization"),
    )
    return Response(archive, media_type="application/gzip")


@_jsonapi
async def contribute_library(request: Request) -> Response:
    token = authenticate(request)
    user = token.username
    if user is None:
        raise _library_error(403, "Only a user may contribute a library")
    if content_type(request) != "multipart/form-data":
        raise _bad_request("Upload the library as multipart/form-data")
    files, _ = uploads(await read_form(request, error=_bad_request))
    upload = next((f for f in files if f.part == "file"), None)
    if upload is None:
        raise _bad_request("A library archive is required in the file part")
    try:
        properties = read_library_properties(upload.data)
    except ValueError as exc:
        raise _bad_request(str(exc)) from None
    name, version = properties.get("name", ""), properties.get("version", "")
    if not _LIBRARY_NAME.fullmatch(name):
        raise _bad_request(f"library.properties has an invalid name: {name!r}")
    if not _SEMVER.fullmatch(version):
        raise _bad_request(f"library.properties has an invalid version: {version!r}")
    contributed = cloud(request).contribute_library(
        user, name, version, upload.data, _attributes(properties)
    )
    return json_response({"data": _linked(request, contributed)})


@_jsonapi
async def publish_library(request: Request) -> Response:
    token = authenticate(request)
    body = await _body(request)
    if body.get("visibility") != "public":
        raise _bad_request("visibility must be 'public'")
    published = cloud(request).publish_library(request.path_params["name"], token.username)
    return json_response({"data": _linked(request, published)})


@_jsonapi
async def delete_library(request: Request) -> Response:
    token = authenticate(request)
    body = await _body(request)
    cloud(request).delete_library(
        request.path_params["name"], token.username, force=bool(body.get("force"))
    )
    return json_response({"ok": True})


ROUTES = [
    Route("/v1/libraries", list_libraries, methods=["GET"]),
    Route("/v1/libraries", contribute_library, methods=["POST"]),
    Route("/v1/libraries/{name}", get_library, methods=["GET"]),
    Route("/v1/libraries/{name}", publish_library, methods=["PATCH"]),
    Route("/v1/libraries/{name}", delete_library, methods=["DELETE"]),
    Route("/v1/libraries/{name}/versions", library_versions, methods=["GET"]),
    Route("/v1/libraries/{name}/archive/{version}.tar.gz", library_archive, methods=["GET"]),
]
