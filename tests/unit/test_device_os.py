"""Wire-level tests of `client.device_os`: listing Device OS versions page by page, getting one,
and every check made before any request."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
import respx

from aioparticle import DeviceOsVersion, Page, ParticleClient
from tests.unit._wire import (
    BadInput,
    bad_input_grid,
    check_request,
    only_request,
    queries,
    reply,
    reply_by_page,
)

pytestmark = pytest.mark.anyio


# --------------------------------------------------------------------------- device_os.list


def version(name: str, **extra: Any) -> dict[str, Any]:
    return {"version": name, "platform_id": 32, **extra}


async def test_list_without_options_sends_no_query(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(
        api,
        [
            version(
                "6.1.1",
                internal_version=6101,
                release_date="2024-09-10T00:00:00.000Z",
                module_version=6101,
            ),
            version("6.2.0"),
        ],
    )

    page = await client.device_os.list()

    check_request(only_request(api), "GET", "/v1/device-os/versions")
    assert isinstance(page, Page)
    assert all(isinstance(v, DeviceOsVersion) for v in page)
    first, second = page
    assert first.version == "6.1.1"
    assert first.platform_id == 32
    assert first.internal_version == 6101
    assert first.release_date == datetime(2024, 9, 10, tzinfo=timezone.utc)
    assert first.module_version == 6101
    assert second.version == "6.2.0"
    assert second.release_date is None


async def test_list_sends_every_option(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, [version("6.1.1")])

    page = await client.device_os.list(platform_id=32, internal_version=6101, page=3, per_page=5)

    check_request(
        only_request(api),
        "GET",
        "/v1/device-os/versions",
        query=b"platform_id=32&internal_version=6101&per_page=5&page=3",
    )
    assert page.number == 3
    assert page.next_page is None  # a short page is the last


async def test_list_platform_zero_is_sent(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, [])

    await client.device_os.list(platform_id=0)

    check_request(only_request(api), "GET", "/v1/device-os/versions", query=b"platform_id=0")


async def test_list_stops_on_a_short_page(client: ParticleClient, api: respx.MockRouter) -> None:
    reply_by_page(
        api,
        {
            None: [version("1"), version("2")],
            "2": [version("3"), version("4")],
            "3": [version("5")],
        },
    )

    names = [v.version async for v in client.device_os.list(platform_id=32, per_page=2)]

    assert names == ["1", "2", "3", "4", "5"]
    assert queries(api) == [
        b"platform_id=32&per_page=2",
        b"platform_id=32&per_page=2&page=2",
        b"platform_id=32&per_page=2&page=3",
    ]
    for call in api.calls:
        check_request(call.request, "GET", "/v1/device-os/versions", query=call.request.url.query)


async def test_list_continues_while_pages_are_full(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply_by_page(
        api,
        {
            None: [version("1"), version("2")],
            "2": [version("3"), version("4")],
            "3": [],
        },
    )

    names = [v.version async for v in client.device_os.list(per_page=2)]

    assert names == ["1", "2", "3", "4"]
    assert queries(api) == [b"per_page=2", b"per_page=2&page=2", b"per_page=2&page=3"]


async def test_list_without_per_page_takes_the_first_page_size(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply_by_page(
        api,
        {
            None: [version("1"), version("2"), version("3")],
            "2": [version("4"), version("5"), version("6")],
            "3": [version("7"), version("8")],
        },
    )

    names = [v.version async for v in client.device_os.list()]

    assert names == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert queries(api) == [b"", b"page=2", b"page=3"]


async def test_list_from_a_later_page_walks_on_from_it(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply_by_page(
        api,
        {
            "4": [version("7"), version("8")],
            "5": [version("9")],
        },
    )

    pages = [page async for page in client.device_os.list(page=4).pages()]

    assert [[v.version for v in page] for page in pages] == [["7", "8"], ["9"]]
    assert [page.number for page in pages] == [4, 5]
    assert queries(api) == [b"page=4", b"page=5"]


@pytest.mark.parametrize("per_page", [None, 2], ids=["no-per_page", "per_page"])
async def test_list_ends_when_the_server_ignores_the_page(
    client: ParticleClient, api: respx.MockRouter, per_page: int | None
) -> None:
    # the same full page whatever page is asked for
    reply(api, [version("1"), version("2")])

    names = [v.version async for v in client.device_os.list(per_page=per_page)]

    assert names == ["1", "2"]
    assert len(api.calls) == 2
    assert api.calls[1].request.url.params.get("page") == "2"


async def test_list_breaking_out_makes_no_further_request(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply_by_page(
        api,
        {None: [version("1"), version("2")], "2": [version("3"), version("4")]},
    )

    seen = []
    async for v in client.device_os.list(per_page=2):
        seen.append(v.version)
        if len(seen) == 2:
            break

    assert seen == ["1", "2"]
    check_request(only_request(api), "GET", "/v1/device-os/versions", query=b"per_page=2")


# --------------------------------------------------------------------------- device_os.get


async def test_get_version(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, version("6.1.1", release_date="2024-09-10T00:00:00Z", internal_version=6101))

    got = await client.device_os.get("6.1.1")

    check_request(only_request(api), "GET", "/v1/device-os/versions/6.1.1")
    assert isinstance(got, DeviceOsVersion)
    assert got.version == "6.1.1"
    assert got.platform_id == 32
    assert got.internal_version == 6101
    assert got.release_date == datetime(2024, 9, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize("platform_id", [0, 32])
async def test_get_version_for_a_platform(
    client: ParticleClient, api: respx.MockRouter, platform_id: int
) -> None:
    reply(api, version("6.1.1"))

    await client.device_os.get("6.1.1", platform_id=platform_id)

    check_request(
        only_request(api),
        "GET",
        "/v1/device-os/versions/6.1.1",
        query=f"platform_id={platform_id}".encode(),
    )


async def test_get_prerelease_version_path(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, version("6.2.0-rc.1+build.5"))

    await client.device_os.get("6.2.0-rc.1+build.5")

    check_request(only_request(api), "GET", "/v1/device-os/versions/6.2.0-rc.1%2Bbuild.5")


# --------------------------------------------------------------------------- bad input

BAD_LIST_OPTIONS: list[dict[str, Any]] = [
    {"platform_id": -1},
    {"platform_id": True},
    {"platform_id": "32"},
    {"platform_id": 32.0},
    {"internal_version": 0},
    {"internal_version": "6101"},
    {"internal_version": False},
    {"page": 0},
    {"page": -1},
    {"page": "2"},
    {"per_page": 0},
    {"per_page": True},
    {"per_page": 2.5},
]
BAD_VERSIONS = [None, "", ".", "..", "6/1", "6?1", "#", "6\\1", "6.1\x00", "6.1.1\n", "6" * 65, 6]
BAD_PLATFORMS = [-1, True, "32", 3.2]

#: Every call with an argument `client.device_os` must refuse before any request.
BAD_INPUT = [
    # `list()` returns a paginator: it refuses when called, before anything is awaited
    *bad_input_grid(
        {"list": lambda c, kwargs: c.device_os.list(**kwargs)}, BAD_LIST_OPTIONS, eager={"list"}
    ),
    *bad_input_grid({"get": lambda c, name: c.device_os.get(name)}, BAD_VERSIONS),
    *bad_input_grid(
        {"get-platform": lambda c, platform: c.device_os.get("6.1.1", platform_id=platform)},
        BAD_PLATFORMS,
    ),
]


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={"version": "6.1.1", "serial_number": "P046AF1234567890"})
    return api


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
