"""`client.ledgers` and `client.ledgers.instances` against the local cloud over real HTTP: a
ledger from creation to archive, its instances page by page, every version of an instance
walked back with `has_more`, organization ledgers, and who is refused."""

from __future__ import annotations

from datetime import timedelta, timezone

import anyio
import httpx
import pytest

from aioparticle import (
    BadRequestError,
    ConflictError,
    Ledger,
    LedgerInstanceVersion,
    NotFoundError,
    ParticleClient,
    PermissionDeniedError,
)
from aioparticle.testing import LocalCloud
from tests.integration.conftest import PRODUCT_ID, Fleet, bearer

pytestmark = pytest.mark.anyio

ORG = "acme"


async def test_a_ledger_from_creation_to_archive(fleet: Fleet, sdk: ParticleClient) -> None:
    garage = fleet.garage.id
    with anyio.fail_after(10):
        created = await sdk.ledgers.create(
            "sensors", scope="Device", direction="CloudOnly", description="Readings"
        )
        assert (created.name, created.scope, created.direction) == (
            "sensors",
            "Device",
            "CloudOnly",
        )
        assert created.archived is False and created.created_at is not None
        updated = await sdk.ledgers.update("sensors", description="Garage readings")
        assert (await sdk.ledgers.get("sensors")).description == updated.description

        # Replace, then Merge (top-level keys), then Replace again
        first = await sdk.ledgers.instances.set(
            "sensors", garage, {"temp": 21.5, "door": {"state": "closed"}}
        )
        assert first.data == {"temp": 21.5, "door": {"state": "closed"}}
        merged = await sdk.ledgers.instances.set(
            "sensors", garage, {"temp": 22.0, "humidity": 40}, set_mode="Merge"
        )
        assert merged.data == {"temp": 22.0, "door": {"state": "closed"}, "humidity": 40}
        replaced = await sdk.ledgers.instances.set(
            "sensors", garage, {"temp": 23}, set_mode="Replace"
        )
        assert replaced.data == {"temp": 23}

        got = await sdk.ledgers.instances.get("sensors", garage)
        assert got.data == {"temp": 23}
        assert got.scope is not None
        assert (got.scope.type, got.scope.value, got.scope.name) == ("Device", garage, "garage")
        assert got.size_bytes == len(b'{"temp":23}')
        assert got.created_at == first.created_at
        assert got.updated_at is not None and first.updated_at is not None
        assert got.updated_at > first.updated_at

        # the two data replaced are versions, newest first
        versions = [v async for v in sdk.ledgers.instances.list_versions("sensors", garage)]
        assert [v.data for v in versions] == [merged.data, first.data]
        assert all(isinstance(v, LedgerInstanceVersion) for v in versions)
        assert versions[0].replaced_at == replaced.updated_at
        assert versions[1].replaced_at == merged.updated_at
        first_version = versions[1].version_id
        assert first_version is not None
        one = await sdk.ledgers.instances.get_version("sensors", garage, first_version)
        assert (one.version_id, one.data) == (first_version, first.data)

        await sdk.ledgers.instances.delete("sensors", garage)
        with pytest.raises(NotFoundError):
            await sdk.ledgers.instances.get("sensors", garage)
        with pytest.raises(NotFoundError):
            await sdk.ledgers.instances.get_version("sensors", garage, first_version)

        # archived: kept, out of the default listing, and it takes no more data
        await sdk.ledgers.archive("sensors")
        assert [x.name async for x in sdk.ledgers.list()] == []
        (archived,) = [x async for x in sdk.ledgers.list(archived=True)]
        assert isinstance(archived, Ledger)
        assert archived.name == "sensors" and archived.archived is True
        assert archived.archived_at is not None
        assert (await sdk.ledgers.get("sensors")).archived is True
        with pytest.raises(ConflictError):
            await sdk.ledgers.instances.set("sensors", garage, {"temp": 1})


async def test_instances_are_listed_across_pages(fleet: Fleet, sdk: ParticleClient) -> None:
    with anyio.fail_after(10):
        await sdk.ledgers.create("battery", scope="Device", direction="CloudOnly")
        for unit in fleet.units:
            await sdk.ledgers.instances.set("battery", unit.id, {"level": unit.name})

        pages = [p async for p in sdk.ledgers.instances.list("battery", per_page=2).pages()]
        assert [len(p) for p in pages] == [2, 2, 1]
        assert [p.number for p in pages] == [1, 2, 3]
        assert [(p.meta.total_pages, p.meta.total) for p in pages if p.meta] == [(3, 5)] * 3
        listed = [i async for i in sdk.ledgers.instances.list("battery", per_page=2)]
        assert [i.scope.value for i in listed if i.scope] == [u.id for u in fleet.units]
        assert [i.data for i in listed] == [{"level": u.name} for u in fleet.units]

        # ledgers too, by scope
        await sdk.ledgers.create("fleet-config", scope="Product", direction="CloudOnly")
        await sdk.ledgers.create("account", scope="Owner", direction="CloudOnly")
        assert [x.name async for x in sdk.ledgers.list(per_page=1)] == [
            "battery",
            "fleet-config",
            "account",
        ]
        assert [x.name async for x in sdk.ledgers.list(scope="Product")] == ["fleet-config"]
        product = await sdk.ledgers.instances.set("fleet-config", str(PRODUCT_ID), {"rate": 5})
        assert product.scope is not None and product.scope.name == "Fleet"


async def test_every_version_is_walked_back_page_by_page(
    cloud: LocalCloud, sdk: ParticleClient
) -> None:
    cloud.ledger_versions_per_page = 3
    with anyio.fail_after(10):
        await sdk.ledgers.create("counter", scope="Owner", direction="CloudOnly")
        for n in range(11):  # the first set creates the instance; each later one, a version
            await sdk.ledgers.instances.set("counter", "me", {"n": n})

        pages = [p async for p in sdk.ledgers.instances.list_versions("counter", "me").pages()]
        assert [[v.data["n"] for v in p] for p in pages] == [
            [9, 8, 7],
            [6, 5, 4],
            [3, 2, 1],
            [0],
        ]
        assert [p.meta.has_more for p in pages if p.meta] == [True, True, True, False]
        assert pages[0].next_query is not None
        assert pages[-1].next_query is None and pages[-1].next_page is None
        every = [v async for v in sdk.ledgers.instances.list_versions("counter", "me")]
        stamps = [v.replaced_at for v in every if v.replaced_at is not None]
        assert len(stamps) == 10 and stamps == sorted(stamps, reverse=True)
        assert len({v.version_id for v in every}) == 10

        # a window: replaced after the 3rd oldest, before the 2nd newest
        after, before = stamps[-3], stamps[1]
        window = sdk.ledgers.instances.list_versions(
            "counter", "me", replaced_before=before, replaced_after=after
        )
        assert [v.data["n"] async for v in window] == [7, 6, 5, 4, 3]
        # ... as pre-formatted strings, and from another time zone
        east = after.astimezone(timezone(timedelta(hours=5)))
        text = before.isoformat().replace("+00:00", "Z")
        window = sdk.ledgers.instances.list_versions(
            "counter", "me", replaced_before=text, replaced_after=east
        )
        assert [v.data["n"] async for v in window] == [7, 6, 5, 4, 3]

        fifth_id = every[4].version_id
        assert fifth_id is not None
        fifth = await sdk.ledgers.instances.get_version("counter", "me", fifth_id)
        assert fifth.data == {"n": 5}
        assert fifth.replaced_at == every[4].replaced_at
        with pytest.raises(NotFoundError):
            await sdk.ledgers.instances.get_version("counter", "me", "no-such-version")


async def test_org_ledgers_are_the_organizations(fleet: Fleet, sdk: ParticleClient) -> None:
    org = fleet.cloud.add_org(ORG)
    with anyio.fail_after(10):
        await sdk.ledgers.create("org-config", scope="Owner", direction="CloudOnly", org=ORG)
        await sdk.ledgers.instances.set("org-config", org.id, {"tier": "gold"}, org=ORG)
        # the same organization by id
        got = await sdk.ledgers.instances.get("org-config", org.id, org=org.id)
        assert got.data == {"tier": "gold"}
        versions = [
            v async for v in sdk.ledgers.instances.list_versions("org-config", org.id, org=ORG)
        ]
        assert versions == []
        assert [x.name async for x in sdk.ledgers.list(org=ORG)] == ["org-config"]
        # not in the sandbox
        assert [x.name async for x in sdk.ledgers.list()] == []
        with pytest.raises(NotFoundError):
            await sdk.ledgers.get("org-config")

        # someone outside the organization is refused everything
        async with ParticleClient(fleet.other_token, base_url=fleet.cloud.url) as other:
            with pytest.raises(PermissionDeniedError):
                await other.ledgers.list(org=ORG)
            with pytest.raises(PermissionDeniedError):
                await other.ledgers.get("org-config", org=ORG)
            with pytest.raises(PermissionDeniedError):
                await other.ledgers.instances.set("org-config", org.id, {"x": 1}, org=ORG)
            with pytest.raises(PermissionDeniedError):
                await other.ledgers.create("mine", scope="Owner", direction="CloudOnly", org=ORG)
            # and their own sandbox is their own
            assert [x async for x in other.ledgers.list()] == []
            with pytest.raises(NotFoundError):
                await other.ledgers.instances.get("org-config", org.id)
        with pytest.raises(NotFoundError):
            await sdk.ledgers.list(org="no-such-org")
    assert fleet.cloud.ledgers[(f"org:{org.id}", "org-config")].instances[org.id].data == {
        "tier": "gold"
    }


async def test_refusals_of_the_local_cloud(
    cloud: LocalCloud, sdk: ParticleClient, raw: httpx.AsyncClient
) -> None:
    with anyio.fail_after(10):
        with pytest.raises(NotFoundError):
            await sdk.ledgers.get("missing")
        with pytest.raises(NotFoundError):
            await sdk.ledgers.instances.set("missing", "me", {"a": 1})
        await sdk.ledgers.create("sensors", scope="Device", direction="CloudOnly")
        with pytest.raises(ConflictError):
            await sdk.ledgers.create("sensors", scope="Owner", direction="CloudOnly")
        with pytest.raises(NotFoundError):
            await sdk.ledgers.instances.get("sensors", "nobody")
        with pytest.raises(NotFoundError):
            await sdk.ledgers.instances.delete("sensors", "nobody")
        with pytest.raises(NotFoundError):
            [v async for v in sdk.ledgers.instances.list_versions("sensors", "nobody")]

        # what the SDK refuses before sending, the local cloud refuses too
        auth = bearer(cloud.token)
        path = "/v1/ledgers/sensors/instances/me"
        bad = [
            ("PUT", path, {"set_mode": "Patch"}, {"instance": {"data": {}}}),
            ("PUT", path, {}, {"instance": {"data": [1]}}),
            ("PUT", path, {}, {"data": {}}),
            ("POST", "/v1/ledgers", {}, {"ledger": {"name": "Bad_Name", "scope": "Device"}}),
            ("POST", "/v1/ledgers", {}, {"ledger": {"name": "ok", "scope": "Org"}}),
            ("PUT", "/v1/ledgers/sensors", {}, {"ledger": {}}),
            ("GET", "/v1/ledgers", {"scope": "Org"}, None),
            ("GET", "/v1/ledgers", {"archived": "yes"}, None),
            ("GET", f"{path}/versions", {"replaced_before": "yesterday"}, None),
        ]
        for method, url, params, body in bad:
            response = await raw.request(method, url, params=params, json=body, headers=auth)
            assert response.status_code == 400, (method, url, params, body, response.text)
        with pytest.raises(BadRequestError):
            await sdk.ledgers.instances.list_versions("sensors", "me", replaced_before="yesterday")
        unauthenticated = await raw.get("/v1/ledgers")
        assert unauthenticated.status_code == 401
