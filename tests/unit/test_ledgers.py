"""Wire-level tests of `client.ledgers` and `client.ledgers.instances`: both scopes (the sandbox
and `org=`), the wrappers, `set_mode` in the query, page-numbered listings, the versions'
`has_more` walk by `replaced_before`, the models, and every check made before any request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import respx

from aioparticle import (
    APIError,
    Ledger,
    LedgerInstance,
    LedgerInstanceVersion,
    Ledgers,
    LedgerScope,
    LedgersInstances,
    Page,
    PageLimitError,
    ParticleClient,
)
from tests.conftest import API, TOKEN
from tests.unit._wire import (
    NO_BODY,
    BadInput,
    bad_input,
    bad_input_grid,
    bad_segments,
    check_request,
    only_request,
    queries,
    reply,
    reply_by_page,
)

pytestmark = pytest.mark.anyio

ORG = "acme-org"
#: (org=, the path prefix it gives)
SCOPES = [
    pytest.param(None, "/v1/ledgers", id="sandbox"),
    pytest.param(ORG, f"/v1/orgs/{ORG}/ledgers", id="org"),
]
DEVICE = "0123456789abcdef01234567"
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


def ledger(name: str = "sensors", **extra: Any) -> dict[str, Any]:
    """A ledger definition as the cloud sends it."""
    return {
        "name": name,
        "description": "Readings",
        "scope": "Device",
        "direction": "CloudOnly",
        "created_at": "2024-01-02T03:04:05.000Z",
        "updated_at": "2024-01-03T03:04:05.000Z",
        "archived_at": None,
        **extra,
    }


def instance(
    value: str = DEVICE, data: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """A ledger instance as the cloud sends it."""
    return {
        "name": "sensors",
        "scope": {"type": "Device", "value": value, "name": "garage"},
        "data": {"temp": 21.5} if data is None else data,
        "size_bytes": 13,
        "created_at": "2024-01-02T03:04:05.000Z",
        "updated_at": "2024-01-03T03:04:05.000Z",
        **extra,
    }


def version(n: int, replaced_at: datetime, **extra: Any) -> dict[str, Any]:
    """Version `n` of an instance, replaced at `replaced_at`."""
    when = replaced_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"version_id": f"v{n}", **instance(data={"n": n}), "replaced_at": when, **extra}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def stamp(minutes: int) -> bytes:
    """`at(minutes)` as the query carries it."""
    return at(minutes).strftime("%Y-%m-%dT%H%%3A%M%%3A%SZ").encode()


# --------------------------------------------------------------------------- ledgers


async def test_the_sub_clients_are_named_after_their_owner(client: ParticleClient) -> None:
    assert isinstance(client.ledgers, Ledgers)
    assert isinstance(client.ledgers.instances, LedgersInstances)
    assert client.ledgers.instances is client.ledgers.instances


@pytest.mark.parametrize(("org", "prefix"), SCOPES)
async def test_list_without_options_sends_no_query(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(
        api,
        {
            "ledger_definitions": [ledger("sensors"), ledger("config", scope="Product")],
            "meta": {"page": 1, "per_page": 100, "total_pages": 1},
        },
    )

    page = await client.ledgers.list(org=org)

    check_request(only_request(api), "GET", prefix)
    assert isinstance(page, Page)
    assert [(x.name, x.scope) for x in page] == [("sensors", "Device"), ("config", "Product")]
    assert all(isinstance(x, Ledger) for x in page)
    assert page.next_page is None


@pytest.mark.parametrize(("org", "prefix"), SCOPES)
async def test_list_sends_every_option(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, {"ledger_definitions": [ledger()], "meta": {"total_pages": 3}})

    page = await client.ledgers.list(scope="Device", archived=True, page=2, per_page=10, org=org)

    check_request(
        only_request(api), "GET", prefix, query=b"scope=Device&archived=true&per_page=10&page=2"
    )
    assert page.number == 2
    assert page.next_page == 3


async def test_list_archived_false_is_sent(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"ledger_definitions": []})

    await client.ledgers.list(archived=False)

    check_request(only_request(api), "GET", "/v1/ledgers", query=b"archived=false")


async def test_list_walks_every_page(client: ParticleClient, api: respx.MockRouter) -> None:
    meta = {"total_pages": 3, "per_page": 2}
    reply_by_page(
        api,
        {
            None: {"ledger_definitions": [ledger("a"), ledger("b")], "meta": meta},
            "2": {"ledger_definitions": [ledger("c"), ledger("d")], "meta": meta},
            "3": {"ledger_definitions": [ledger("e")], "meta": meta},
        },
    )

    names = [x.name async for x in client.ledgers.list(per_page=2, org=ORG)]

    assert names == ["a", "b", "c", "d", "e"]
    assert queries(api) == [b"per_page=2", b"per_page=2&page=2", b"per_page=2&page=3"]
    for call in api.calls:
        check_request(call.request, "GET", f"/v1/orgs/{ORG}/ledgers", query=call.request.url.query)


@pytest.mark.parametrize(("org", "prefix"), SCOPES)
@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "bare"])
async def test_get(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str, wrapped: bool
) -> None:
    reply(api, {"ledger": ledger()} if wrapped else ledger())

    got = await client.ledgers.get("sensors", org=org)

    check_request(only_request(api), "GET", f"{prefix}/sensors")
    assert isinstance(got, Ledger)
    assert (got.name, got.description, got.scope, got.direction) == (
        "sensors",
        "Readings",
        "Device",
        "CloudOnly",
    )
    assert got.created_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert got.archived_at is None
    assert got.archived is False


@pytest.mark.parametrize(("org", "prefix"), SCOPES)
async def test_create_wraps_the_definition(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, {"ledger": ledger()}, status=201)

    got = await client.ledgers.create(
        "sensors", scope="Device", direction="CloudOnly", description="Readings", org=org
    )

    check_request(
        only_request(api),
        "POST",
        prefix,
        body={
            "ledger": {
                "name": "sensors",
                "scope": "Device",
                "direction": "CloudOnly",
                "description": "Readings",
            }
        },
    )
    assert got.name == "sensors"


async def test_create_without_description_leaves_it_out(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, ledger("fleet-config", scope="Owner", description=None))

    got = await client.ledgers.create("fleet-config", scope="Owner", direction="Downstream")

    check_request(
        only_request(api),
        "POST",
        "/v1/ledgers",
        body={"ledger": {"name": "fleet-config", "scope": "Owner", "direction": "Downstream"}},
    )
    assert got.description is None


async def test_create_is_not_retried_once_sent(api: respx.MockRouter) -> None:
    route = api.post("/v1/ledgers").respond(503, json={"error": "busy"})
    async with ParticleClient(TOKEN, base_url=API, max_retries=2) as client:
        with pytest.raises(APIError):
            await client.ledgers.create("sensors", scope="Device", direction="CloudOnly")
    assert route.call_count == 1


@pytest.mark.parametrize(("org", "prefix"), SCOPES)
async def test_update_sends_only_what_changes(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, {"ledger": ledger(description="New")})

    got = await client.ledgers.update("sensors", description="New", org=org)

    check_request(
        only_request(api), "PUT", f"{prefix}/sensors", body={"ledger": {"description": "New"}}
    )
    assert got.description == "New"


async def test_update_both_fields(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, ledger())

    await client.ledgers.update("sensors", description="", direction="Upstream")

    check_request(
        only_request(api),
        "PUT",
        "/v1/ledgers/sensors",
        body={"ledger": {"description": "", "direction": "Upstream"}},
    )


@pytest.mark.parametrize(("org", "prefix"), SCOPES)
@pytest.mark.parametrize("body", [{"ok": True}, None], ids=["ok", "no-body"])
async def test_archive_is_the_delete(
    client: ParticleClient,
    api: respx.MockRouter,
    org: str | None,
    prefix: str,
    body: dict[str, Any] | None,
) -> None:
    reply(api, body)

    assert await client.ledgers.archive("sensors", org=org) is None

    check_request(only_request(api), "DELETE", f"{prefix}/sensors")


async def test_archive_not_confirmed_raises(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"ok": False, "error": "Ledger is in use"})

    with pytest.raises(APIError, match="Ledger is in use"):
        await client.ledgers.archive("sensors")


# --------------------------------------------------------------------------- instances


@pytest.mark.parametrize(("org", "prefix"), SCOPES)
async def test_instances_list(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(
        api,
        {
            "instances": [instance("a" * 24), instance("b" * 24, data={})],
            "meta": {"page": 1, "per_page": 100, "total_pages": 1},
        },
    )

    page = await client.ledgers.instances.list("sensors", org=org)

    check_request(only_request(api), "GET", f"{prefix}/sensors/instances")
    assert all(isinstance(i, LedgerInstance) for i in page)
    assert [i.scope.value for i in page if i.scope] == ["a" * 24, "b" * 24]
    assert page.next_page is None


async def test_instances_list_walks_every_page(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply_by_page(
        api,
        {
            "2": {"instances": [instance("a"), instance("b")], "meta": {"total_pages": 3}},
            "3": {"instances": [instance("c")], "meta": {"total_pages": 3}},
        },
    )

    pages = [p async for p in client.ledgers.instances.list("sensors", page=2, per_page=2).pages()]

    assert [[i.scope.value for i in p if i.scope] for p in pages] == [["a", "b"], ["c"]]
    assert queries(api) == [b"per_page=2&page=2", b"per_page=2&page=3"]


@pytest.mark.parametrize(("org", "prefix"), SCOPES)
@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "bare"])
async def test_instances_get(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str, wrapped: bool
) -> None:
    reply(api, {"instance": instance()} if wrapped else instance())

    got = await client.ledgers.instances.get("sensors", DEVICE, org=org)

    check_request(only_request(api), "GET", f"{prefix}/sensors/instances/{DEVICE}")
    assert isinstance(got, LedgerInstance)
    assert got.scope == LedgerScope(type="Device", value=DEVICE, name="garage")
    assert got.data == {"temp": 21.5}
    assert got.size_bytes == 13
    assert got.updated_at == datetime(2024, 1, 3, 3, 4, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize(("org", "prefix"), SCOPES)
@pytest.mark.parametrize("mode", ["Replace", "Merge"])
async def test_instances_set_sends_the_mode_in_the_query(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str, mode: Any
) -> None:
    reply(api, {"instance": instance(data={"temp": 22})})

    got = await client.ledgers.instances.set(
        "sensors", DEVICE, {"temp": 22}, set_mode=mode, org=org
    )

    check_request(
        only_request(api),
        "PUT",
        f"{prefix}/sensors/instances/{DEVICE}",
        query=f"set_mode={mode}".encode(),
        body={"instance": {"data": {"temp": 22}}},
    )
    assert got.data == {"temp": 22}


async def test_instances_set_without_mode_sends_no_query(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, instance())
    data: dict[str, Any] = {
        "nested": {"list": (1, 2.5, None, True), "text": "é"},
        "empty": {},
        "big": 2**40,
    }

    await client.ledgers.instances.set("sensors", "1234", data)

    check_request(
        only_request(api),
        "PUT",
        "/v1/ledgers/sensors/instances/1234",
        body={
            "instance": {
                "data": {
                    "nested": {"list": [1, 2.5, None, True], "text": "é"},
                    "empty": {},
                    "big": 2**40,
                }
            }
        },
    )


@pytest.mark.parametrize(("org", "prefix"), SCOPES)
async def test_instances_delete(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, {"ok": True})

    assert await client.ledgers.instances.delete("sensors", DEVICE, org=org) is None

    check_request(only_request(api), "DELETE", f"{prefix}/sensors/instances/{DEVICE}")


async def test_scope_values_are_percent_encoded(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, instance())

    await client.ledgers.instances.get("sensors", "owner@example.com+1 x")

    check_request(
        only_request(api), "GET", "/v1/ledgers/sensors/instances/owner%40example.com%2B1%20x"
    )


# --------------------------------------------------------------------------- versions


@pytest.mark.parametrize(("org", "prefix"), SCOPES)
async def test_list_versions_without_a_window_sends_no_query(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, {"versions": [version(2, at(2)), version(1, at(1))], "meta": {"has_more": False}})

    page = await client.ledgers.instances.list_versions("sensors", DEVICE, org=org)

    check_request(only_request(api), "GET", f"{prefix}/sensors/instances/{DEVICE}/versions")
    assert all(isinstance(v, LedgerInstanceVersion) for v in page)
    assert [(v.version_id, v.data, v.replaced_at) for v in page] == [
        ("v2", {"n": 2}, at(2)),
        ("v1", {"n": 1}, at(1)),
    ]
    assert (page.number, page.next_page, page.next_query) == (1, None, None)


@pytest.mark.parametrize(
    ("before", "after", "query"),
    [
        pytest.param(
            at(30),
            at(0),
            b"replaced_before=" + stamp(30) + b"&replaced_after=" + stamp(0),
            id="utc",
        ),
        pytest.param(
            datetime(2024, 3, 1, 13, 30, tzinfo=timezone(timedelta(hours=1))),
            None,
            b"replaced_before=" + stamp(30),
            id="another-zone-in-utc",
        ),
        pytest.param(
            None,
            datetime(2024, 3, 1, 12, 0, 0, 123000, tzinfo=timezone.utc),
            b"replaced_after=2024-03-01T12%3A00%3A00.123Z",
            id="milliseconds",
        ),
        pytest.param(
            datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=timezone.utc),
            None,
            b"replaced_before=2024-03-01T12%3A00%3A00.123456Z",
            id="microseconds",
        ),
        pytest.param(
            "2024-03-01T12:30:00Z",
            "2024-03-01",
            b"replaced_before=2024-03-01T12%3A30%3A00Z&replaced_after=2024-03-01",
            id="strings",
        ),
    ],
)
async def test_list_versions_sends_the_window_given(
    client: ParticleClient,
    api: respx.MockRouter,
    before: datetime | str | None,
    after: datetime | str | None,
    query: bytes,
) -> None:
    reply(api, {"versions": [], "meta": {"has_more": False}})

    await client.ledgers.instances.list_versions(
        "sensors", DEVICE, replaced_before=before, replaced_after=after
    )

    check_request(
        only_request(api), "GET", f"/v1/ledgers/sensors/instances/{DEVICE}/versions", query=query
    )


def versions_by_window(pages: dict[bytes, dict[str, Any]]) -> Callable[[httpx.Request], Any]:
    """Answer each versions request with the body for its exact query."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.query])

    return answer


async def test_list_versions_walks_back_while_the_cloud_has_more(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    after = b"replaced_after=" + stamp(0)
    api.route().mock(
        side_effect=versions_by_window(
            {
                after: {
                    "versions": [version(9, at(9)), version(8, at(8)), version(7, at(7))],
                    "meta": {"has_more": True},
                },
                b"replaced_after=" + stamp(0) + b"&replaced_before=" + stamp(7): {
                    "versions": [version(6, at(6)), version(5, at(5))],
                    "meta": {"has_more": True},
                },
                b"replaced_after=" + stamp(0) + b"&replaced_before=" + stamp(5): {
                    "versions": [version(4, at(4))],
                    "meta": {"has_more": False},
                },
            }
        )
    )

    paginator = client.ledgers.instances.list_versions("sensors", DEVICE, replaced_after=at(0))
    pages = [page async for page in paginator.pages()]

    assert [[v.version_id for v in p] for p in pages] == [
        ["v9", "v8", "v7"],
        ["v6", "v5"],
        ["v4"],
    ]
    assert [p.number for p in pages] == [1, 2, 3]
    assert [p.next_page for p in pages] == [2, 3, None]
    assert pages[0].next_query == {
        "replaced_after": "2024-03-01T12:00:00Z",
        "replaced_before": "2024-03-01T12:07:00Z",
    }
    assert pages[2].next_query is None
    path = f"/v1/ledgers/sensors/instances/{DEVICE}/versions"
    for call in api.calls:
        check_request(call.request, "GET", path, query=call.request.url.query)
    assert len(api.calls) == 3
    # the items of every page, and nothing else
    assert [v.version_id async for v in paginator] == ["v9", "v8", "v7", "v6", "v5", "v4"]


async def test_list_versions_moves_before_the_oldest_whatever_the_order(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    # the first page, out of order, with a version that says nothing of when it was replaced
    first = [version(5, at(5)), version(3, at(3)), version(4, at(4)), version(0, at(0))]
    del first[3]["replaced_at"]
    api.route().mock(
        side_effect=versions_by_window(
            {
                b"": {"versions": first, "meta": {"has_more": True}},
                b"replaced_before=" + stamp(3): {
                    "versions": [version(2, at(2))],
                    "meta": {"has_more": False},
                },
            }
        )
    )

    got = [v.version_id async for v in client.ledgers.instances.list_versions("sensors", DEVICE)]

    assert got == ["v5", "v3", "v4", "v0", "v2"]
    assert queries(api) == [b"", b"replaced_before=" + stamp(3)]


async def test_list_versions_keeps_the_precision_of_replaced_at(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    oldest = version(1, at(1))
    oldest["replaced_at"] = "2024-03-01T12:01:00.123456Z"
    api.route().mock(
        side_effect=versions_by_window(
            {
                b"": {"versions": [oldest], "meta": {"has_more": True}},
                b"replaced_before=2024-03-01T12%3A01%3A00.123456Z": {
                    "versions": [],
                    "meta": {"has_more": True},
                },
            }
        )
    )

    got = [v async for v in client.ledgers.instances.list_versions("sensors", DEVICE)]

    assert len(got) == 1
    assert len(api.calls) == 2  # the empty page ended the walk, has_more or not


async def test_list_versions_stops_when_the_window_does_not_move(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    # the cloud ignores replaced_before: the same page, "more to come", every time
    reply(api, {"versions": [version(2, at(2)), version(1, at(1))], "meta": {"has_more": True}})

    pages = [p async for p in client.ledgers.instances.list_versions("sensors", DEVICE).pages()]

    assert queries(api) == [b"", b"replaced_before=" + stamp(1)]
    assert [p.next_page for p in pages] == [2, None]
    assert pages[1].next_query is None


async def test_list_versions_stops_when_a_page_is_no_older_than_the_window(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    # asked for versions before 12:05, the cloud answers with later ones
    reply(api, {"versions": [version(9, at(9))], "meta": {"has_more": True}})

    got = [
        v.version_id
        async for v in client.ledgers.instances.list_versions(
            "sensors", DEVICE, replaced_before=at(5)
        )
    ]

    assert got == ["v9"]
    assert queries(api) == [b"replaced_before=" + stamp(5)]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"versions": [version(1, at(1))]}, id="no-meta"),
        pytest.param({"versions": [version(1, at(1))], "meta": {}}, id="no-has_more"),
        pytest.param([version(1, at(1))], id="bare-list"),
        pytest.param({"versions": [], "meta": {"has_more": True}}, id="empty-page"),
        pytest.param(
            {"versions": [{**version(1, at(1)), "replaced_at": None}], "meta": {"has_more": True}},
            id="no-replaced_at",
        ),
    ],
)
async def test_list_versions_is_one_page_without_a_way_further(
    client: ParticleClient, api: respx.MockRouter, body: Any
) -> None:
    reply(api, body)

    pages = [p async for p in client.ledgers.instances.list_versions("sensors", DEVICE).pages()]

    assert len(pages) == 1
    assert pages[0].next_page is None
    assert len(api.calls) == 1


async def test_list_versions_walk_is_bounded_by_max_pages(api: respx.MockRouter) -> None:
    sent = 0

    def answer(request: httpx.Request) -> httpx.Response:
        # always one older version, always "more to come"
        nonlocal sent
        sent += 1
        n = sent
        return httpx.Response(
            200, json={"versions": [version(-n, at(-n))], "meta": {"has_more": True}}
        )

    api.route().mock(side_effect=answer)
    async with ParticleClient(TOKEN, base_url=API, max_pages=4) as client:
        seen = []
        with pytest.raises(PageLimitError, match="past 4 pages"):
            async for v in client.ledgers.instances.list_versions("sensors", DEVICE):
                seen.append(v.version_id)
    assert seen == ["v-1", "v-2", "v-3", "v-4"]
    assert len(api.calls) == 4


async def test_list_versions_breaking_out_makes_no_further_request(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"versions": [version(2, at(2)), version(1, at(1))], "meta": {"has_more": True}})

    async for _ in client.ledgers.instances.list_versions("sensors", DEVICE):
        break

    assert len(api.calls) == 1


@pytest.mark.parametrize(("org", "prefix"), SCOPES)
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(version(3, at(3)), id="bare"),
        pytest.param({"version": version(3, at(3))}, id="wrapped-version"),
        pytest.param({"instance": version(3, at(3))}, id="wrapped-instance"),
        pytest.param(
            {**{k: v for k, v in version(3, at(3)).items() if k != "version_id"}, "version": "v3"},
            id="id-as-version",
        ),
        pytest.param(
            {**{k: v for k, v in version(3, at(3)).items() if k != "version_id"}, "id": "v3"},
            id="id-as-id",
        ),
    ],
)
async def test_get_version(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str, body: Any
) -> None:
    reply(api, body)

    got = await client.ledgers.instances.get_version("sensors", DEVICE, "v3", org=org)

    check_request(only_request(api), "GET", f"{prefix}/sensors/instances/{DEVICE}/versions/v3")
    assert isinstance(got, LedgerInstanceVersion)
    assert (got.version_id, got.data, got.replaced_at) == ("v3", {"n": 3}, at(3))


# --------------------------------------------------------------------------- models


def test_ledger_archived_follows_archived_at_unless_the_cloud_says() -> None:
    archived = Ledger.model_validate(ledger(archived_at="2024-02-01T00:00:00Z"))
    assert archived.archived is True
    assert archived.archived_at == datetime(2024, 2, 1, tzinfo=timezone.utc)
    assert Ledger.model_validate(ledger()).archived is False
    assert Ledger.model_validate({"name": "x", "archived": True}).archived is True


def test_models_keep_unknown_fields_and_make_dates_aware() -> None:
    got = LedgerInstance.model_validate(
        instance(updated_at="2024-01-03T03:04:05", sync_state="pending")
    )
    assert got.model_extra == {"sync_state": "pending"}
    assert got.updated_at == datetime(2024, 1, 3, 3, 4, 5, tzinfo=timezone.utc)
    definition = Ledger.model_validate(ledger(created_at="2024-01-02T03:04:05", extra=1))
    assert definition.created_at is not None and definition.created_at.tzinfo is not None
    assert definition.model_extra == {"extra": 1}


def test_instance_shapes_are_reconciled() -> None:
    # a listing's summary without data, a product id as a number, a scope given bare
    summary = LedgerInstance.model_validate(
        {"name": "sensors", "scope": {"type": "Product", "value": 4242}}
    )
    assert summary.data == {}
    assert summary.scope == LedgerScope(type="Product", value="4242")
    bare = LedgerInstance.model_validate({"name": "sensors", "scope": DEVICE})
    assert bare.scope is not None and bare.scope.value == DEVICE
    numbered = LedgerInstanceVersion.model_validate({"id": 7, "replaced_at": None})
    assert numbered.version_id == "7"
    assert isinstance(numbered, LedgerInstance)


# --------------------------------------------------------------------------- bad input

BAD_NAMES, BAD_NAME_IDS = bad_segments(
    33,
    ("upper-case", "Sensors"),
    ("underscore", "my_ledger"),
    ("space", "my ledger"),
    ("unicode", "données"),
)
BAD_VALUES, BAD_VALUE_IDS = bad_segments(257)
BAD_ORGS = ["", ".", "..", "a/b", "a?b", "x\n", 5]
DEEP: dict[str, Any] = {}
_node = DEEP
for _ in range(100):
    _node["x"] = {}
    _node = _node["x"]
BAD_DATA = [
    None,
    [1, 2],
    "text",
    {1: "a"},
    {"a": float("nan")},
    {"a": float("inf")},
    {"a": {1, 2}},
    {"a": b"x"},
    {"a": {"b": object()}},
    {"a": [date(2024, 1, 1)]},
    DEEP,
]
BAD_DATA_IDS = [
    "None",
    "list",
    "str",
    "int-key",
    "nan",
    "inf",
    "set",
    "bytes",
    "object",
    "date",
    "too-deep",
]
NAIVE = datetime(2024, 3, 1, 12, 0)
#: None where a value is required
NOTHING: Any = None
BAD_WHEN = [NAIVE, 1709294400, date(2024, 3, 1), "2024\n", "x" * 65]
BAD_WHEN_IDS = ["naive", "int", "date", "control", "too-long"]

NAME = "sensors"

#: Every call with a ledger name, with the name left open.
BY_NAME = {
    "get": lambda c, v: c.ledgers.get(v),
    "create": lambda c, v: c.ledgers.create(v, scope="Device", direction="CloudOnly"),
    "update": lambda c, v: c.ledgers.update(v, description="d"),
    "archive": lambda c, v: c.ledgers.archive(v),
    "instances.list": lambda c, v: c.ledgers.instances.list(v),
    "instances.get": lambda c, v: c.ledgers.instances.get(v, DEVICE),
    "instances.set": lambda c, v: c.ledgers.instances.set(v, DEVICE, {}),
    "instances.delete": lambda c, v: c.ledgers.instances.delete(v, DEVICE),
    "list_versions": lambda c, v: c.ledgers.instances.list_versions(v, DEVICE),
    "get_version": lambda c, v: c.ledgers.instances.get_version(v, DEVICE, "v1"),
}
#: Every call with a scope value, with it left open.
BY_SCOPE_VALUE = {
    "instances.get": lambda c, v: c.ledgers.instances.get(NAME, v),
    "instances.set": lambda c, v: c.ledgers.instances.set(NAME, v, {}),
    "instances.delete": lambda c, v: c.ledgers.instances.delete(NAME, v),
    "list_versions": lambda c, v: c.ledgers.instances.list_versions(NAME, v),
    "get_version": lambda c, v: c.ledgers.instances.get_version(NAME, v, "v1"),
}
#: Every call, with `org=` left open.
BY_ORG = {
    "list": lambda c, v: c.ledgers.list(org=v),
    "get": lambda c, v: c.ledgers.get(NAME, org=v),
    "create": lambda c, v: c.ledgers.create(NAME, scope="Device", direction="CloudOnly", org=v),
    "update": lambda c, v: c.ledgers.update(NAME, description="d", org=v),
    "archive": lambda c, v: c.ledgers.archive(NAME, org=v),
    "instances.list": lambda c, v: c.ledgers.instances.list(NAME, org=v),
    "instances.get": lambda c, v: c.ledgers.instances.get(NAME, DEVICE, org=v),
    "instances.set": lambda c, v: c.ledgers.instances.set(NAME, DEVICE, {}, org=v),
    "instances.delete": lambda c, v: c.ledgers.instances.delete(NAME, DEVICE, org=v),
    "list_versions": lambda c, v: c.ledgers.instances.list_versions(NAME, DEVICE, org=v),
    "get_version": lambda c, v: c.ledgers.instances.get_version(NAME, DEVICE, "v1", org=v),
}
PAGINATORS = {"list", "instances.list", "list_versions"}

#: Every call with an argument `client.ledgers` must refuse before any request.
BAD_INPUT = [
    *bad_input_grid(
        BY_NAME,
        BAD_NAMES,
        BAD_NAME_IDS,
        prefix="name",
        eager=PAGINATORS & set(BY_NAME),
    ),
    *bad_input_grid(
        BY_SCOPE_VALUE,
        BAD_VALUES,
        BAD_VALUE_IDS,
        prefix="scope_value",
        eager=PAGINATORS & set(BY_SCOPE_VALUE),
    ),
    *bad_input_grid(
        {"get_version": lambda c, v: c.ledgers.instances.get_version(NAME, DEVICE, v)},
        BAD_VALUES,
        BAD_VALUE_IDS,
        prefix="version",
    ),
    *bad_input_grid(BY_ORG, BAD_ORGS, prefix="org", eager=PAGINATORS),
    # scope
    *bad_input_grid(
        {
            "list": lambda c, v: c.ledgers.list(scope=v),
            "create": lambda c, v: c.ledgers.create(NAME, scope=v, direction="CloudOnly"),
        },
        ["owner", "Organization", "", 1],
        prefix="scope",
        eager={"list"},
    ),
    bad_input(
        "scope-create-None",
        lambda c: c.ledgers.create(NAME, scope=NOTHING, direction="CloudOnly"),
    ),
    # direction and description
    *bad_input_grid(
        {
            "create": lambda c, v: c.ledgers.create(NAME, scope="Device", direction=v),
            "update": lambda c, v: c.ledgers.update(NAME, direction=v),
        },
        ["", "  ", 5, "Cloud\nOnly", "x" * 65],
        prefix="direction",
    ),
    bad_input(
        "direction-create-None",
        lambda c: c.ledgers.create(NAME, scope="Owner", direction=NOTHING),
    ),
    *bad_input_grid(
        {
            "create": lambda c, v: c.ledgers.create(
                NAME, scope="Device", direction="CloudOnly", description=v
            ),
            "update": lambda c, v: c.ledgers.update(NAME, description=v),
        },
        [5, "a\x00", "x" * 65_537],
        ["int", "nul", "too-long"],
        prefix="description",
    ),
    bad_input("update-nothing", lambda c: c.ledgers.update(NAME)),
    bad_input("update-nothing-org", lambda c: c.ledgers.update(NAME, org=ORG)),
    # listing options
    *bad_input_grid(
        {"list": lambda c, v: c.ledgers.list(archived=v)},
        ["true", 1],
        prefix="archived",
        eager={"list"},
    ),
    *bad_input_grid(
        {
            "list": lambda c, kwargs: c.ledgers.list(**kwargs),
            "instances.list": lambda c, kwargs: c.ledgers.instances.list(NAME, **kwargs),
        },
        [{"per_page": 101}, {"per_page": 0}, {"per_page": True}, {"page": 0}, {"page": "2"}],
        prefix="paging",
        eager={"list", "instances.list"},
    ),
    # set
    *bad_input_grid(
        {"set": lambda c, v: c.ledgers.instances.set(NAME, DEVICE, {}, set_mode=v)},
        ["replace", "Patch", "", 1, True],
        prefix="set_mode",
    ),
    *bad_input_grid(
        {"set": lambda c, v: c.ledgers.instances.set(NAME, DEVICE, v)},
        BAD_DATA,
        BAD_DATA_IDS,
        prefix="data",
    ),
    # the versions window
    *bad_input_grid(
        {
            "before": lambda c, v: c.ledgers.instances.list_versions(
                NAME, DEVICE, replaced_before=v
            ),
            "after": lambda c, v: c.ledgers.instances.list_versions(NAME, DEVICE, replaced_after=v),
        },
        BAD_WHEN,
        BAD_WHEN_IDS,
        prefix="window",
        eager={"before", "after"},
    ),
    bad_input(
        "window-inverted",
        lambda c: c.ledgers.instances.list_versions(
            NAME, DEVICE, replaced_before=at(0), replaced_after=at(1)
        ),
        eager=True,
    ),
]


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={"ok": True})
    return api


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda c: c.ledgers.get("Sensors"),
            "ledger name may only contain lower-case letters, digits and '-'",
        ),
        (lambda c: c.ledgers.get("x" * 33), r"at most 32"),
        (
            lambda c: c.ledgers.list(scope="owner"),
            "scope must be one of 'Owner', 'Product', 'Device'",
        ),
        (
            lambda c: c.ledgers.instances.set(NAME, DEVICE, {}, set_mode="merge"),
            "set_mode must be one of 'Replace', 'Merge'",
        ),
        (lambda c: c.ledgers.instances.set(NAME, DEVICE, [1]), "data must be a JSON object"),
        (
            lambda c: c.ledgers.instances.list_versions(NAME, DEVICE, replaced_before=NAIVE),
            "replaced_before must be timezone-aware",
        ),
        (lambda c: c.ledgers.list(per_page=101), "per_page must be at most 100"),
        (lambda c: c.ledgers.update(NAME), r"ledgers.update\(\) needs description= or direction="),
        (lambda c: c.ledgers.instances.get(NAME, "a/b"), "scope_value must not contain '/'"),
    ],
)
async def test_refusals_name_what_is_allowed(
    client: ParticleClient, guard: respx.MockRouter, call: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await call(client)  # a paginator refuses when called, before it is awaited
    assert len(guard.calls) == 0


# =========================================================================== product scope

PRODUCT_PREFIXES = pytest.mark.parametrize(
    ("product", "prefix"),
    [(4567, "/v1/products/4567/ledgers"), ("my-product", "/v1/products/my-product/ledgers")],
    ids=["product-id", "product-slug"],
)
PAGE = {"meta": {"total_pages": 1}}

#: Every ledger call in a product: (call, method, path after the prefix, query, body, answer).
PRODUCT_CALLS: list[Any] = [
    pytest.param(
        lambda c, p: c.ledgers.list(scope="Device", product=p),
        "GET",
        "",
        b"scope=Device",
        NO_BODY,
        {"ledger_definitions": [ledger()], **PAGE},
        id="list",
    ),
    pytest.param(
        lambda c, p: c.ledgers.get("sensors", product=p),
        "GET",
        "/sensors",
        b"",
        NO_BODY,
        ledger(),
        id="get",
    ),
    pytest.param(
        lambda c, p: c.ledgers.create("sensors", scope="Device", direction="CloudOnly", product=p),
        "POST",
        "",
        b"",
        {"ledger": {"name": "sensors", "scope": "Device", "direction": "CloudOnly"}},
        ledger(),
        id="create",
    ),
    pytest.param(
        lambda c, p: c.ledgers.update("sensors", description="d", product=p),
        "PUT",
        "/sensors",
        b"",
        {"ledger": {"description": "d"}},
        ledger(),
        id="update",
    ),
    pytest.param(
        lambda c, p: c.ledgers.archive("sensors", product=p),
        "DELETE",
        "/sensors",
        b"",
        NO_BODY,
        None,
        id="archive",
    ),
    pytest.param(
        lambda c, p: c.ledgers.instances.list("sensors", product=p),
        "GET",
        "/sensors/instances",
        b"",
        NO_BODY,
        {"instances": [instance()], **PAGE},
        id="instances-list",
    ),
    pytest.param(
        lambda c, p: c.ledgers.instances.get("sensors", DEVICE, product=p),
        "GET",
        f"/sensors/instances/{DEVICE}",
        b"",
        NO_BODY,
        {"instance": instance()},
        id="instances-get",
    ),
    pytest.param(
        lambda c, p: c.ledgers.instances.set(
            "sensors", DEVICE, {"temp": 1}, set_mode="Merge", product=p
        ),
        "PUT",
        f"/sensors/instances/{DEVICE}",
        b"set_mode=Merge",
        {"instance": {"data": {"temp": 1}}},
        {"instance": instance()},
        id="instances-set",
    ),
    pytest.param(
        lambda c, p: c.ledgers.instances.delete("sensors", DEVICE, product=p),
        "DELETE",
        f"/sensors/instances/{DEVICE}",
        b"",
        NO_BODY,
        None,
        id="instances-delete",
    ),
    pytest.param(
        lambda c, p: c.ledgers.instances.list_versions("sensors", DEVICE, product=p),
        "GET",
        f"/sensors/instances/{DEVICE}/versions",
        b"",
        NO_BODY,
        {"versions": [], "meta": {"has_more": False}},
        id="instances-list-versions",
    ),
    pytest.param(
        lambda c, p: c.ledgers.instances.get_version("sensors", DEVICE, "v1", product=p),
        "GET",
        f"/sensors/instances/{DEVICE}/versions/v1",
        b"",
        NO_BODY,
        version(1, at(1)),
        id="instances-get-version",
    ),
]


@PRODUCT_PREFIXES
@pytest.mark.parametrize(("call", "method", "path", "query", "body", "answer"), PRODUCT_CALLS)
async def test_every_ledger_call_reaches_a_product_with_product(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    call: Callable[[ParticleClient, int | str], Any],
    method: str,
    path: str,
    query: bytes,
    body: Any,
    answer: Any,
) -> None:
    reply(api, answer)

    await call(client, product)  # a call, or a paginator's first page

    check_request(only_request(api), method, f"{prefix}{path}", query=query, body=body)


#: Each call with `product=` and `org=` given together (or a bad product): refused at once.
_SCOPED_CALLS: dict[str, Callable[[ParticleClient, dict[str, Any]], Any]] = {
    "list": lambda c, v: c.ledgers.list(**v),
    "get": lambda c, v: c.ledgers.get("sensors", **v),
    "create": lambda c, v: c.ledgers.create("s", scope="Owner", direction="CloudOnly", **v),
    "update": lambda c, v: c.ledgers.update("sensors", description="d", **v),
    "archive": lambda c, v: c.ledgers.archive("sensors", **v),
    "instances-list": lambda c, v: c.ledgers.instances.list("sensors", **v),
    "instances-get": lambda c, v: c.ledgers.instances.get("sensors", DEVICE, **v),
    "instances-set": lambda c, v: c.ledgers.instances.set("sensors", DEVICE, {}, **v),
    "instances-delete": lambda c, v: c.ledgers.instances.delete("sensors", DEVICE, **v),
    "instances-list-versions": lambda c, v: c.ledgers.instances.list_versions(
        "sensors", DEVICE, **v
    ),
    "instances-get-version": lambda c, v: c.ledgers.instances.get_version(
        "sensors", DEVICE, "v1", **v
    ),
}

BAD_PRODUCT_SCOPE = bad_input_grid(
    _SCOPED_CALLS,
    [{"product": 1, "org": ORG}, {"product": -1}, {"product": "a/b"}, {"product": 1.5}],
    ["product-and-org", "negative-product", "slash-product", "float-product"],
    eager={"list", "instances-list", "instances-list-versions"},
)


@pytest.mark.parametrize("case", BAD_PRODUCT_SCOPE)
async def test_product_scope_refuses_bad_input_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
