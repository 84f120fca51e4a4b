"""Wire-level tests of `client.libraries`: the JSON:API listing, contributions and downloads."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from aioparticle import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    Libraries,
    Library,
    NotFoundError,
    Page,
    ParticleClient,
    PermissionDeniedError,
    UnprocessableEntityError,
)
from tests.conftest import API, TOKEN, load
from tests.unit._wire import (
    BadInput,
    OpenCall,
    bad_input,
    bad_input_grid,
    bad_segments,
    check_request,
    check_upload,
    files_in,
    only_request,
    queries,
)

pytestmark = pytest.mark.anyio

ARCHIVES = "https://library-archives.particle.io"


def resource(name: str = "neopixel", version: str = "1.0.0", **attributes: Any) -> dict[str, Any]:
    """One library version as the registry sends it (a JSON:API resource)."""
    return {
        "id": name,
        "type": "libraries",
        "attributes": {"name": name, "version": version, **attributes},
        "links": {"download": f"{ARCHIVES}/libraries/{name}/{name}-{version}.tar.gz"},
    }


def document(*names: str) -> dict[str, Any]:
    return {"data": [resource(name) for name in names]}


# --------------------------------------------------------------------------- list


async def test_list_without_options_sends_no_query(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json=document("neopixel", "dotstar"))

    page = await client.libraries.list()

    check_request(only_request(api), "GET", "/v1/libraries")
    assert isinstance(page, Page)
    assert [lib.name for lib in page] == ["neopixel", "dotstar"]
    assert all(isinstance(lib, Library) for lib in page)


async def test_list_maps_every_option_to_its_wire_name(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json=document("neopixel"))

    page = await client.libraries.list(
        filter="neo",
        sort="popularity",
        architectures=["argon", "boron"],
        category="Sensors",
        scope="official",
        exclude_scopes=["private", "mine"],
        page=3,
        per_page=10,
    )

    check_request(
        only_request(api),
        "GET",
        "/v1/libraries",
        query=(
            b"filter=neo&sort=popularity&architectures=argon%2Cboron&category=Sensors"
            b"&scope=official&excludeScopes=private%2Cmine&limit=10&page=3"
        ),
    )
    assert page.number == 3
    assert [lib.name for lib in page] == ["neopixel"]


async def test_list_single_architecture_is_sent_alone(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json=document())

    page = await client.libraries.list(architectures=("photon",), exclude_scopes=("private",))

    check_request(
        only_request(api),
        "GET",
        "/v1/libraries",
        query=b"architectures=photon&excludeScopes=private",
    )
    assert len(page) == 0


async def test_list_query_values_are_encoded(client: ParticleClient, api: respx.MockRouter) -> None:
    api.route().respond(json=document())

    await client.libraries.list(filter="a&b=c d")

    request = only_request(api)
    assert list(request.url.params.multi_items()) == [("filter", "a&b=c d")]
    assert request.url.query.replace(b"%20", b"+") == b"filter=a%26b%3Dc+d"


async def test_iteration_walks_pages_until_a_short_page(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().mock(
        side_effect=[
            httpx.Response(200, json=document("a", "b")),
            httpx.Response(200, json=document("c", "d")),
            httpx.Response(200, json=document("e")),
        ]
    )

    names = [lib.name async for lib in client.libraries.list(scope="public", per_page=2)]

    assert names == ["a", "b", "c", "d", "e"]
    assert queries(api) == [
        b"scope=public&limit=2",
        b"scope=public&limit=2&page=2",
        b"scope=public&limit=2&page=3",
    ]
    for call in api.calls:
        check_request(call.request, "GET", "/v1/libraries", query=call.request.url.query)


async def test_iteration_without_per_page_takes_the_first_page_size(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().mock(
        side_effect=[
            httpx.Response(200, json=document("a", "b", "c")),
            httpx.Response(200, json=document("d", "e", "f")),
            httpx.Response(200, json=document("g", "h")),
        ]
    )

    names = [lib.name async for lib in client.libraries.list()]

    assert names == ["a", "b", "c", "d", "e", "f", "g", "h"]
    assert queries(api) == [b"", b"page=2", b"page=3"]


async def test_iteration_from_a_given_page_continues_from_it(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().mock(
        side_effect=[
            httpx.Response(200, json=document("k", "l")),
            httpx.Response(200, json=document()),
        ]
    )

    pages = [page async for page in client.libraries.list(page=5, per_page=2).pages()]

    assert [[lib.name for lib in page] for page in pages] == [["k", "l"], []]
    assert [page.number for page in pages] == [5, 6]
    assert queries(api) == [b"limit=2&page=5", b"limit=2&page=6"]


async def test_break_stops_further_requests(client: ParticleClient, api: respx.MockRouter) -> None:
    api.route().respond(json=document("a", "b"))

    seen = []
    async for lib in client.libraries.list(per_page=2):
        seen.append(lib.name)
        break

    assert seen == ["a"]
    assert queries(api) == [b"limit=2"]


async def test_awaiting_the_paginator_fetches_one_page(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json=document("a", "b"))

    page = await client.libraries.list(per_page=2)

    assert [lib.name for lib in page] == ["a", "b"]
    assert page.next_page == 2
    assert queries(api) == [b"limit=2"]


async def test_library_is_flattened_from_the_json_api_resource(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json=load("libraries/adafruit_gfx.json"))

    (lib,) = await client.libraries.list()

    assert lib.id == "Adafruit_GFX_RK"
    assert lib.type == "libraries"
    assert lib.name == "Adafruit_GFX_RK"
    assert lib.version == "1.5.16"
    assert lib.author == "Adafruit"
    assert lib.maintainer == "rickkas7"
    assert lib.sentence == "Core graphics library"
    assert lib.paragraph == "Works with many displays"
    assert lib.category == "Display"
    assert lib.url == "https://github.com/rickkas7/Adafruit_GFX_RK"
    assert lib.repository == "rickkas7/Adafruit_GFX_RK"
    assert lib.license == "BSD"
    assert lib.architectures == ["argon", "boron"]
    assert lib.dependencies == {"other": "1.0.0"}
    assert lib.visibility == "public"
    assert lib.mine is False
    assert lib.official is True
    assert lib.verified is True
    assert lib.installs == 123456
    assert lib.links.download == f"{ARCHIVES}/libraries/a/Adafruit_GFX_RK-1.5.16.tar.gz"


# --------------------------------------------------------------------------- get / versions


async def test_get_latest_sends_no_query(client: ParticleClient, api: respx.MockRouter) -> None:
    api.route().respond(json={"data": resource("neopixel", "1.2.3")})

    lib = await client.libraries.get("neopixel")

    check_request(only_request(api), "GET", "/v1/libraries/neopixel")
    assert isinstance(lib, Library)
    assert (lib.name, lib.version) == ("neopixel", "1.2.3")
    assert lib.links.download == f"{ARCHIVES}/libraries/neopixel/neopixel-1.2.3.tar.gz"


async def test_get_a_version_sends_it_in_the_query(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json={"data": resource("neopixel", "1.0.0")})

    lib = await client.libraries.get("neopixel", version="1.0.0")

    check_request(only_request(api), "GET", "/v1/libraries/neopixel", query=b"version=1.0.0")
    assert lib.version == "1.0.0"


async def test_library_name_is_percent_encoded_in_the_path(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json={"data": resource("my lib+x")})

    await client.libraries.get("my lib+x")

    check_request(only_request(api), "GET", "/v1/libraries/my%20lib%2Bx")


async def test_list_versions_sends_page_and_limit(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json={"data": [resource("neopixel", "1.0.1"), resource("neopixel")]})

    page = await client.libraries.list_versions("neopixel", page=2, per_page=2)

    check_request(
        only_request(api), "GET", "/v1/libraries/neopixel/versions", query=b"limit=2&page=2"
    )
    assert [lib.version for lib in page] == ["1.0.1", "1.0.0"]
    assert page.number == 2


async def test_list_versions_without_options_walks_every_page(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().mock(
        side_effect=[
            httpx.Response(200, json={"data": [resource("n", "3.0.0"), resource("n", "2.0.0")]}),
            httpx.Response(200, json={"data": [resource("n", "1.0.0")]}),
        ]
    )

    versions = [lib.version async for lib in client.libraries.list_versions("n")]

    assert versions == ["3.0.0", "2.0.0", "1.0.0"]
    assert queries(api) == [b"", b"page=2"]
    for call in api.calls:
        check_request(call.request, "GET", "/v1/libraries/n/versions", query=call.request.url.query)


# ------------------------------------------------------------------------- upload, publish, delete


async def test_upload_bytes_sends_one_part_named_archive(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json={"data": resource("mylib", "0.0.1", visibility="private")})
    archive = b"\x1f\x8b\x08\x00binary\x00tar"

    lib = await client.libraries.upload(archive)

    check_upload(
        only_request(api),
        "POST",
        "/v1/libraries",
        fields={},
        files=[("file", "archive.tar.gz", archive)],
    )
    assert isinstance(lib, Library)
    assert (lib.name, lib.version, lib.visibility) == ("mylib", "0.0.1", "private")


async def test_upload_path_uses_its_base_name(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(json={"data": resource("mylib")})
    archive = tmp_path / "mylib-0.0.1.tar.gz"
    archive.write_bytes(b"\x1f\x8bpath-contents")

    await client.libraries.upload(archive)

    check_upload(
        only_request(api),
        "POST",
        "/v1/libraries",
        fields={},
        files=[("file", "mylib-0.0.1.tar.gz", b"\x1f\x8bpath-contents")],
    )


async def test_upload_file_object_uses_its_base_name(
    client: ParticleClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    api.route().respond(json={"data": resource("mylib")})
    archive = tmp_path / "lib.tgz"
    archive.write_bytes(b"\x1f\x8bhandle-contents")

    with archive.open("rb") as handle:
        await client.libraries.upload(handle)

    check_upload(
        only_request(api),
        "POST",
        "/v1/libraries",
        fields={},
        files=[("file", "lib.tgz", b"\x1f\x8bhandle-contents")],
    )


async def test_upload_nameless_file_object_uses_the_default_name(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json={"data": resource("mylib")})

    await client.libraries.upload(io.BytesIO(b"in-memory"))

    check_upload(
        only_request(api),
        "POST",
        "/v1/libraries",
        fields={},
        files=[("file", "archive.tar.gz", b"in-memory")],
    )


async def test_publish_sends_exactly_visibility_public(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json={"data": resource("mylib", "0.0.2", visibility="public")})

    lib = await client.libraries.publish("mylib")

    request = only_request(api)
    check_request(request, "PATCH", "/v1/libraries/mylib", body={"visibility": "public"})
    assert json.loads(request.content) == {"visibility": "public"}
    assert lib.visibility == "public"
    assert lib.version == "0.0.2"


async def test_delete_without_force_sends_an_empty_object(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json={"ok": True})

    result = await client.libraries.delete("mylib")

    check_request(only_request(api), "DELETE", "/v1/libraries/mylib", body={})
    assert result is None


async def test_delete_with_force_sends_the_key(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(json={"ok": True})

    result = await client.libraries.delete("mylib", force="s3cret-force-key")

    check_request(
        only_request(api), "DELETE", "/v1/libraries/mylib", body={"force": "s3cret-force-key"}
    )
    assert result is None


# --------------------------------------------------------------------------- JSON:API errors

LibraryCall = Callable[[Libraries], Awaitable[object]]

ERROR_CALLS: dict[str, LibraryCall] = {
    "list": lambda lib: lib.list(filter="x"),  # type: ignore[dict-item]
    "iterate": lambda lib: _drain(lib.list()),
    "get": lambda lib: lib.get("neopixel"),
    "list_versions": lambda lib: lib.list_versions("neopixel"),  # type: ignore[dict-item]
    "upload": lambda lib: lib.upload(b"archive"),
    "publish": lambda lib: lib.publish("neopixel"),
    "delete": lambda lib: lib.delete("neopixel"),
}


async def _drain(paginator: Any) -> list[object]:
    return [item async for item in paginator]


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
    ],
)
@pytest.mark.parametrize("call", list(ERROR_CALLS.values()), ids=list(ERROR_CALLS))
async def test_json_api_errors_become_typed_exceptions_with_every_message(
    client: ParticleClient,
    api: respx.MockRouter,
    call: LibraryCall,
    status: int,
    error_class: type[APIStatusError],
) -> None:
    api.route().respond(
        status,
        json={"errors": [{"message": "Library name is taken"}, {"message": "Version is invalid"}]},
    )

    with pytest.raises(error_class) as caught:
        await call(client.libraries)

    error = caught.value
    assert error.status_code == status
    assert error.errors == ["Library name is taken", "Version is invalid"]
    assert "Library name is taken" in str(error)
    assert "Version is invalid" in str(error)
    assert len(api.calls) == 1


# --------------------------------------------------------------------------- download


@pytest.fixture
def web() -> Iterator[respx.MockRouter]:
    """A router for absolute URLs on any host; unmatched requests fail the test."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        yield router


def archive_library(download: str | None) -> Library:
    return Library.model_validate(
        {
            "id": "neopixel",
            "type": "libraries",
            "attributes": {"name": "neopixel", "version": "1.0.0"},
            "links": {"download": download} if download is not None else {},
        }
    )


ARCHIVE = b"\x1f\x8b\x08\x00\x00\x00\x00\x00archive-bytes\xff"
ARCHIVE_URL = f"{ARCHIVES}/libraries/neopixel/neopixel-1.0.0.tar.gz"


async def test_download_from_a_library_sends_no_token_to_the_archive_host(
    client: ParticleClient, web: respx.MockRouter
) -> None:
    route = web.get(ARCHIVE_URL).respond(200, content=ARCHIVE)

    data = await client.libraries.download(archive_library(ARCHIVE_URL))

    assert data == ARCHIVE
    assert route.call_count == 1
    request = only_request(web)
    assert request.url.host == "library-archives.particle.io"
    check_request(
        request,
        "GET",
        "/libraries/neopixel/neopixel-1.0.0.tar.gz",
        accept="*/*",
        token=None,
    )


async def test_download_from_a_library_to_a_file(
    client: ParticleClient, web: respx.MockRouter, tmp_path: Path
) -> None:
    web.get(ARCHIVE_URL).respond(200, content=ARCHIVE)
    target = tmp_path / "neopixel.tar.gz"

    written = await client.libraries.download(archive_library(ARCHIVE_URL), to=target)

    assert written == target
    assert isinstance(written, Path)
    assert target.read_bytes() == ARCHIVE
    assert files_in(tmp_path) == ["neopixel.tar.gz"]
    assert "authorization" not in only_request(web).headers


async def test_download_from_a_library_found_by_get(
    client: ParticleClient, web: respx.MockRouter
) -> None:
    web.get(f"{API}/v1/libraries/neopixel").respond(json={"data": resource("neopixel")})
    web.get(ARCHIVE_URL).respond(200, content=ARCHIVE)

    lib = await client.libraries.get("neopixel")
    data = await client.libraries.download(lib)

    assert data == ARCHIVE
    metadata, archive = (call.request for call in web.calls)
    assert metadata.headers["authorization"] == f"Bearer {TOKEN}"
    assert archive.url == httpx.URL(ARCHIVE_URL)
    assert "authorization" not in archive.headers


async def test_download_from_a_path_on_the_api_origin_sends_the_token(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, content=ARCHIVE)

    data = await client.libraries.download("/v1/libraries/x/archive.tar.gz")

    assert data == ARCHIVE
    request = only_request(api)
    assert request.url.host == "api.particle.io"
    check_request(request, "GET", "/v1/libraries/x/archive.tar.gz", accept="*/*")


async def test_download_from_an_absolute_url_on_the_api_origin_sends_the_token(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(200, content=ARCHIVE)

    data = await client.libraries.download(f"{API}/v1/libraries/x/archive.tar.gz")

    assert data == ARCHIVE
    check_request(only_request(api), "GET", "/v1/libraries/x/archive.tar.gz", accept="*/*")


@pytest.mark.parametrize(
    "url",
    [
        "https://api.particle.io.evil.example/v1/libraries/x/archive.tar.gz",
        "https://evil.example/api.particle.io/v1/libraries/x/archive.tar.gz",
        "https://api.particle.io:8443/v1/libraries/x/archive.tar.gz",
    ],
    ids=["lookalike-host", "host-in-path", "other-port"],
)
async def test_download_from_a_lookalike_origin_sends_no_token(
    client: ParticleClient, web: respx.MockRouter, url: str
) -> None:
    web.get(url).respond(200, content=ARCHIVE)

    data = await client.libraries.download(url)

    assert data == ARCHIVE
    assert "authorization" not in only_request(web).headers


async def test_download_over_plain_http_is_allowed_when_the_client_allows_it(
    web: respx.MockRouter,
) -> None:
    url = "http://mirror.example.com/libraries/neopixel.tar.gz"
    web.get(url).respond(200, content=ARCHIVE)

    async with ParticleClient(TOKEN, base_url=API, allow_insecure_http=True) as particle:
        data = await particle.libraries.download(url)

    assert data == ARCHIVE
    request = only_request(web)
    assert request.url == httpx.URL(url)
    assert "authorization" not in request.headers


async def test_download_follows_a_redirect_to_another_host_without_the_token(
    client: ParticleClient, web: respx.MockRouter
) -> None:
    cdn = "https://cdn.example.net/blobs/abc123"
    web.get(ARCHIVE_URL).respond(302, headers={"location": cdn})
    web.get(cdn).respond(200, content=ARCHIVE)

    data = await client.libraries.download(archive_library(ARCHIVE_URL))

    assert data == ARCHIVE
    first, second = (call.request for call in web.calls)
    assert first.url == httpx.URL(ARCHIVE_URL)
    assert second.url == httpx.URL(cdn)
    assert "authorization" not in first.headers
    assert "authorization" not in second.headers


async def test_download_on_the_api_origin_does_not_follow_redirects(
    client: ParticleClient, web: respx.MockRouter
) -> None:
    elsewhere = "https://cdn.example.net/blobs/abc123"
    web.get(f"{API}/v1/libraries/x/archive.tar.gz").respond(302, headers={"location": elsewhere})
    target = web.get(elsewhere).respond(200, content=ARCHIVE)

    with pytest.raises(APIStatusError) as caught:
        await client.libraries.download("/v1/libraries/x/archive.tar.gz")

    assert caught.value.status_code == 302
    assert target.call_count == 0
    assert len(web.calls) == 1
    assert web.calls[0].request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_failed_download_from_another_host_never_shows_the_token(
    client: ParticleClient, web: respx.MockRouter
) -> None:
    web.get(ARCHIVE_URL).respond(404, json={"errors": [{"message": "No such archive"}]})

    with pytest.raises(NotFoundError) as caught:
        await client.libraries.download(archive_library(ARCHIVE_URL))

    error = caught.value
    assert error.errors == ["No such archive"]
    assert "No such archive" in str(error)
    assert "library-archives.particle.io" in str(error)
    for text in (str(error), repr(error), error.message, error.path, repr(error.body)):
        assert TOKEN not in text
    assert "authorization" not in only_request(web).headers


async def test_failed_download_on_the_api_origin_scrubs_an_echoed_token(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    api.route().respond(404, json={"error": f"no archive for Bearer {TOKEN}"})

    with pytest.raises(NotFoundError) as caught:
        await client.libraries.download("/v1/libraries/x/archive.tar.gz")

    error = caught.value
    assert "no archive for Bearer" in str(error)
    for text in (str(error), repr(error), error.message, repr(error.body), str(error.error)):
        assert TOKEN not in text


async def test_128_character_library_name_is_accepted(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    name = "n" * 128
    api.route().respond(json={"data": resource(name)})

    lib = await client.libraries.get(name)

    check_request(only_request(api), "GET", f"/v1/libraries/{name}")
    assert lib.name == name


# --------------------------------------------------------------------------- bad input

BAD_NAMES, BAD_NAME_IDS = bad_segments(129)

#: Every call taking a library name, with the name left open.
NAME_CALLS: dict[str, OpenCall] = {
    "get": lambda c, name: c.libraries.get(name),
    "get-version": lambda c, name: c.libraries.get(name, version="1.0.0"),
    "list_versions": lambda c, name: c.libraries.list_versions(name),
    "list_versions-paged": lambda c, name: c.libraries.list_versions(name, page=2, per_page=5),
    "publish": lambda c, name: c.libraries.publish(name),
    "delete": lambda c, name: c.libraries.delete(name),
    "delete-force": lambda c, name: c.libraries.delete(name, force="key"),
}

#: Download sources that must be refused, given as they are and as a library's download link.
BAD_SOURCES = {
    "ftp": "ftp://library-archives.particle.io/libraries/neopixel.tar.gz",
    "file": "file:///etc/passwd",
    "javascript": "javascript:alert(1)",
    "credentials": "https://user:pass@library-archives.particle.io/libraries/neopixel.tar.gz",
    "username": "https://user@library-archives.particle.io/libraries/neopixel.tar.gz",
    "protocol-relative": "//library-archives.particle.io/libraries/neopixel.tar.gz",
    "no-scheme": "library-archives.particle.io/libraries/neopixel.tar.gz",
    "no-host": "https:///no-host",
    "dotdot-path": "/v1/../oauth/token",
    "query-in-path": "/v1/libraries/x?access_token=y",
    "control-character": "https://library-archives.particle.io/a\nb",
    "empty": "",
    "None": None,
    "int": 42,
    "bytes": b"https://library-archives.particle.io/x.tar.gz",
}
#: Plain http to another host than the API's own (loopback) one.
PLAIN_HTTP_SOURCES = {
    "other-host": "http://mirror.example.com/libraries/neopixel.tar.gz",
    "api-host": "http://api.particle.io/v1/libraries/x/archive.tar.gz",
}
LINKS = {name: link for name, link in BAD_SOURCES.items() if isinstance(link, str)}

#: Every call with an argument `client.libraries` must refuse before any request.
BAD_INPUT = [
    # `list_versions()` returns a paginator: it refuses when called, before anything is awaited
    *bad_input_grid(
        NAME_CALLS,
        BAD_NAMES,
        BAD_NAME_IDS,
        prefix="name",
        eager={"list_versions", "list_versions-paged"},
    ),
    bad_input("list-filter-control", lambda c: c.libraries.list(filter="a\x00"), eager=True),
    bad_input("list-filter-int", lambda c: c.libraries.list(filter=5), eager=True),
    bad_input("list-filter-empty", lambda c: c.libraries.list(filter=""), eager=True),
    bad_input("list-sort-too-long", lambda c: c.libraries.list(sort="s" * 257), eager=True),
    bad_input("list-category-int", lambda c: c.libraries.list(category=1), eager=True),
    bad_input("list-scope-newline", lambda c: c.libraries.list(scope="public\n"), eager=True),
    bad_input(
        "list-architectures-str", lambda c: c.libraries.list(architectures="argon"), eager=True
    ),
    bad_input("list-architectures-empty", lambda c: c.libraries.list(architectures=[]), eager=True),
    bad_input(
        "list-architectures-comma",
        lambda c: c.libraries.list(architectures=["argon,boron"]),
        eager=True,
    ),
    bad_input(
        "list-architectures-none-item",
        lambda c: c.libraries.list(architectures=[None]),
        eager=True,
    ),
    bad_input(
        "list-exclude_scopes-str", lambda c: c.libraries.list(exclude_scopes="private"), eager=True
    ),
    bad_input(
        "list-exclude_scopes-empty-item",
        lambda c: c.libraries.list(exclude_scopes=[""]),
        eager=True,
    ),
    bad_input("list-page-zero", lambda c: c.libraries.list(page=0), eager=True),
    bad_input("list-page-bool", lambda c: c.libraries.list(page=True), eager=True),
    bad_input("list-page-str", lambda c: c.libraries.list(page="2"), eager=True),
    bad_input("list-per_page-zero", lambda c: c.libraries.list(per_page=0), eager=True),
    bad_input("list-per_page-negative", lambda c: c.libraries.list(per_page=-5), eager=True),
    bad_input(
        "versions-page-zero", lambda c: c.libraries.list_versions("neopixel", page=0), eager=True
    ),
    bad_input(
        "versions-per_page-float",
        lambda c: c.libraries.list_versions("neopixel", per_page=2.0),
        eager=True,
    ),
    bad_input("get-version-empty", lambda c: c.libraries.get("neopixel", version="")),
    bad_input("get-version-control", lambda c: c.libraries.get("neopixel", version="1\x00")),
    bad_input("get-version-int", lambda c: c.libraries.get("neopixel", version=1)),
    bad_input("delete-force-empty", lambda c: c.libraries.delete("neopixel", force="")),
    bad_input("delete-force-int", lambda c: c.libraries.delete("neopixel", force=1)),
    bad_input("upload-str", lambda c: c.libraries.upload("archive.tar.gz")),
    bad_input("upload-None", lambda c: c.libraries.upload(None)),
    bad_input("upload-int", lambda c: c.libraries.upload(1)),
    bad_input("upload-text-file", lambda c: c.libraries.upload(io.StringIO("text"))),
    # downloads: the source as given, or a library's download link
    *bad_input_grid(
        {"download": lambda c, source: c.libraries.download(source)},
        list(BAD_SOURCES.values()),
        list(BAD_SOURCES),
    ),
    *bad_input_grid(
        {"download-link": lambda c, link: c.libraries.download(archive_library(link))},
        list(LINKS.values()),
        list(LINKS),
    ),
    bad_input("download-link-None", lambda c: c.libraries.download(archive_library(None))),
    *bad_input_grid(
        {
            "download-plain-http": lambda c, url: c.libraries.download(url),
            "download-link-plain-http": lambda c, url: c.libraries.download(archive_library(url)),
        },
        list(PLAIN_HTTP_SOURCES.values()),
        list(PLAIN_HTTP_SOURCES),
    ),
]


@pytest.fixture
def guard(web: respx.MockRouter) -> respx.MockRouter:
    """A router for every host that would answer anything, so a missing check would be noticed
    as a request (to the API or to an archive host)."""
    web.route().respond(200, json={"data": resource("neopixel")})
    return web


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
