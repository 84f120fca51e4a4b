"""`_pagination`: every page walk is bounded (empty page, page cap, page size), and response
bodies are bounded by `max_response_bytes`."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import pytest
import respx

from aioparticle import (
    InternalServerError,
    InvalidArgumentError,
    PageLimitError,
    ParticleClient,
    ResponseTooLargeError,
)
from aioparticle._pagination import (
    DEFAULT_MAX_PAGES,
    MAX_PER_PAGE,
    Fetch,
    PageMeta,
    paginate_by_query,
)
from aioparticle.types import QueryValue
from tests.conftest import API, TOKEN

pytestmark = pytest.mark.anyio

PRODUCT_DEVICES = "/v1/products/acme/devices"


def device(n: int) -> dict[str, object]:
    return {"id": f"{n:024x}", "name": f"d{n}", "platform_id": 6}


async def test_an_empty_page_ends_the_walk_whatever_total_pages_says(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        items = [device(1), device(2)] if page == 1 else []
        return httpx.Response(200, json={"devices": items, "meta": {"total_pages": 99}})

    route = api.get(PRODUCT_DEVICES).mock(side_effect=answer)
    got = [d.id async for d in client.devices.list(product="acme")]
    assert got == [f"{1:024x}", f"{2:024x}"]
    assert route.call_count == 2


async def test_a_walk_that_never_ends_stops_at_max_pages(api: respx.MockRouter) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        # total_pages keeps growing: the server always claims one more page
        return httpx.Response(
            200, json={"devices": [device(page)], "meta": {"total_pages": page + 1}}
        )

    route = api.get(PRODUCT_DEVICES).mock(side_effect=answer)
    async with ParticleClient(TOKEN, base_url=API, max_pages=5) as client:
        seen = []
        with pytest.raises(PageLimitError, match="past 5 pages") as info:
            async for item in client.devices.list(product="acme"):
                seen.append(item)
    assert info.value.max_pages == 5
    assert len(seen) == 5
    assert route.call_count == 5


async def test_max_pages_has_a_documented_default_and_a_view_can_raise_it(
    client: ParticleClient,
) -> None:
    assert DEFAULT_MAX_PAGES == 1000
    assert client._core.max_pages == DEFAULT_MAX_PAGES
    assert client.with_options(max_pages=5000)._core.max_pages == 5000


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.devices.list(product="acme", per_page=MAX_PER_PAGE + 1),
        lambda c: c.sims.list(product="acme", per_page=1000),
        lambda c: c.libraries.list(per_page=101),
        lambda c: c.libraries.list_versions("neopixel", per_page=500),
        lambda c: c.products.locations.list(product="acme", per_page=101),
        lambda c: c.device_os.list(per_page=101),
    ],
)
async def test_per_page_above_the_api_maximum_is_refused_before_any_request(
    client: ParticleClient, api: respx.MockRouter, call: object
) -> None:
    with pytest.raises(InvalidArgumentError, match="per_page must be at most 100"):
        call(client)  # type: ignore[operator]
    assert len(api.calls) == 0


async def test_per_page_of_exactly_the_maximum_is_sent(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    route = api.get(PRODUCT_DEVICES).respond(json={"devices": [], "meta": {"total_pages": 1}})
    await client.devices.list(product="acme", per_page=MAX_PER_PAGE)
    assert route.calls.last.request.url.params["per_page"] == "100"


@pytest.mark.parametrize("bad", [0, -1, True, "10", 1.5])
async def test_bad_max_pages_and_max_response_bytes_are_refused(bad: object) -> None:
    with pytest.raises(InvalidArgumentError, match="max_pages"):
        ParticleClient(TOKEN, max_pages=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="max_response_bytes"):
        ParticleClient(TOKEN, max_response_bytes=bad)  # type: ignore[arg-type]


async def test_a_body_over_the_cap_raises_a_typed_error_without_being_read_whole(
    api: respx.MockRouter,
) -> None:
    sent: list[int] = []

    async def endless() -> object:
        for _ in range(1000):  # 64 MB if it were read to the end
            sent.append(1)
            yield b"[" + b"0," * 32_767 + b"0]"

    json_type = {"content-type": "application/json"}
    api.get("/v1/devices").mock(
        return_value=httpx.Response(200, headers=json_type, content=endless())
    )
    async with ParticleClient(TOKEN, base_url=API, max_response_bytes=1_000_000) as client:
        with pytest.raises(ResponseTooLargeError, match="over 1,000,000 bytes") as info:
            await client.request("GET", "/v1/devices")
    assert info.value.limit == 1_000_000
    assert len(sent) < 20  # it stopped reading soon after the cap


async def test_the_cap_is_per_client_and_a_view_can_raise_it(
    api: respx.MockRouter,
) -> None:
    body = b"[" + b"1," * 600_000 + b"1]"
    api.get("/v1/devices").respond(200, content=body, headers={"content-type": "application/json"})
    async with ParticleClient(TOKEN, base_url=API, max_response_bytes=1_000_000) as client:
        with pytest.raises(ResponseTooLargeError):
            await client.request("GET", "/v1/devices")
        view = client.with_options(max_response_bytes=2_000_000)
        assert len(await view.request("GET", "/v1/devices")) == 600_001


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.request("GET", "/v1/devices"),
        lambda c: c.builds.download_binary("0123456789abcdef01234567"),
        lambda c: c.events.stream(device="mine", reconnect=False).__aenter__(),
    ],
    ids=["json", "download", "stream-open"],
)
async def test_an_error_page_over_the_cap_is_cut_and_the_status_error_raised(
    api: respx.MockRouter, call: object
) -> None:
    page = b"<html><title>Bad Gateway</title>" + b"x" * 2_000_000
    api.route().respond(502, content=page, headers={"content-type": "text/html"})
    async with ParticleClient(TOKEN, base_url=API, max_retries=0, max_response_bytes=10_000) as c:
        with pytest.raises(InternalServerError, match="502 Bad Gateway") as info:
            await call(c)  # type: ignore[operator]
    assert info.value.status_code == 502
    assert isinstance(info.value.body, str)
    assert len(info.value.body) == 10_000


# --------------------------------------------------------------------------- walks by query


Query = dict[str, object]
Sent = list[Query]


def _cloud_of(pages: list[tuple[list[int], PageMeta | None]]) -> tuple[Fetch, Sent]:
    """A request function answering each request with the next of `pages`, and the queries it
    was sent."""
    sent: Sent = []

    async def request(method: str, path: str, parse: object, *, params: Query) -> object:
        sent.append(dict(params))
        return pages[min(len(sent), len(pages)) - 1]

    return request, sent


def _no_parse(content: bytes) -> tuple[list[int], PageMeta | None]:  # pragma: no cover
    raise AssertionError("the fake request function parses nothing")


def _older(sent: Mapping[str, QueryValue], items: list[int]) -> dict[str, QueryValue]:
    return {**sent, "before": min(items)}


async def test_a_walk_by_query_sends_what_each_page_names_next() -> None:
    more, last = PageMeta(has_more=True), PageMeta(has_more=False)
    request, sent = _cloud_of([([9, 8], more), ([7], more), ([6], last)])

    paginator = paginate_by_query(request, "/x", _no_parse, _older, params={"a": 1, "b": None})
    pages = [page async for page in paginator.pages()]

    assert sent == [{"a": 1}, {"a": 1, "before": 8}, {"a": 1, "before": 7}]
    assert [p.items for p in pages] == [[9, 8], [7], [6]]
    assert [(p.number, p.next_page) for p in pages] == [(1, 2), (2, 3), (3, None)]
    assert [p.next_query for p in pages] == [{"a": 1, "before": 8}, {"a": 1, "before": 7}, None]


async def test_a_walk_by_query_stops_when_the_next_query_is_the_one_just_sent() -> None:
    request, sent = _cloud_of([([3], PageMeta(has_more=True))])

    def same(sent: Mapping[str, QueryValue], items: list[int]) -> Mapping[str, QueryValue]:
        return {"before": 3}

    got = [item async for item in paginate_by_query(request, "/x", _no_parse, same)]

    assert got == [3, 3]
    assert sent == [{}, {"before": 3}]


async def test_a_walk_by_query_is_bounded_by_max_pages() -> None:
    sent: Sent = []

    async def request(method: str, path: str, parse: object, *, params: Query) -> object:
        sent.append(dict(params))
        return [-len(sent)], PageMeta(has_more=True)  # always an older one, always more

    paginator = paginate_by_query(request, "/x", _no_parse, _older, max_pages=3)
    with pytest.raises(PageLimitError, match="past 3 pages"):
        [item async for item in paginator]
    assert len(sent) == 3
