"""`client.env_vars` against the local cloud over real HTTP: scopes, inheritance, rollouts."""

from __future__ import annotations

from datetime import timezone

import anyio
import httpx
import pytest

from aioparticle import (
    BadRequestError,
    EnvVarOp,
    InvalidArgumentError,
    NotFoundError,
    ParticleClient,
    PermissionDeniedError,
)
from aioparticle.testing import LocalCloud
from tests.integration.conftest import PRODUCT_ID, PRODUCT_SLUG, Fleet, bearer

pytestmark = pytest.mark.anyio

ENDPOINT = "https://example.com/ingest"


async def test_a_device_inherits_its_products_values_and_gets_them_by_an_immediate_rollout(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    unit, resting = fleet.units[0], fleet.units[1]
    resting.go_offline()
    with anyio.fail_after(5):
        await sdk.env_vars.set("ENDPOINT", ENDPOINT, product=PRODUCT_SLUG)
        await sdk.env_vars.set("MODE", "normal", product=PRODUCT_ID)
        env = await sdk.env_vars.set("MODE", "eco", device=unit.id)
        assert {k: v.value for k, v in env.latest.own.items()} == {"MODE": "eco"}
        assert {k: (v.value, v.from_) for k, v in env.latest.inherited.items()} == {
            "ENDPOINT": (ENDPOINT, "Product"),
            "MODE": ("normal", "Product"),
        }
        assert env.latest.updated_by == fleet.cloud.username
        assert (env.last_snapshot, env.on_device) == (None, None)
        rendered = await sdk.env_vars.render(device=unit.id)
        assert rendered.env == {"ENDPOINT": ENDPOINT, "MODE": "eco"}

        # one update sets and unsets; the device's own MODE now stands alone
        product_env = await sdk.env_vars.update(
            [EnvVarOp.set("POLL_SECONDS", "30"), EnvVarOp.unset("MODE")], product=PRODUCT_ID
        )
        assert {k: v.value for k, v in product_env.latest.own.items()} == {
            "ENDPOINT": ENDPOINT,
            "POLL_SECONDS": "30",
        }
        env = await sdk.env_vars.list(device=unit.id)
        assert set(env.latest.inherited) == {"ENDPOINT", "POLL_SECONDS"}
        assert (await sdk.env_vars.render(device=unit.id)).env == {
            "ENDPOINT": ENDPOINT,
            "MODE": "eco",
            "POLL_SECONDS": "30",
        }

        review = await sdk.env_vars.review_rollout(product=PRODUCT_SLUG)
        assert review.from_snapshot.added == {"ENDPOINT": ENDPOINT, "POLL_SECONDS": "30"}
        assert review.from_snapshot.changed == review.from_snapshot.removed == {}
        assert review.from_device is None

        await sdk.env_vars.start_rollout("Immediate", product=PRODUCT_SLUG)

        env = await sdk.env_vars.list(device=unit.id)
        assert env.on_device is not None
        assert env.on_device.rendered == {
            "ENDPOINT": ENDPOINT,
            "MODE": "eco",
            "POLL_SECONDS": "30",
        }
        assert env.on_device.last_reported_at is not None
        assert env.last_snapshot is not None
        assert {k: v.value for k, v in env.last_snapshot.own.items()} == {"MODE": "eco"}
        assert set(env.last_snapshot.inherited) == {"ENDPOINT", "POLL_SECONDS"}
        assert env.last_snapshot.rollout_by == fleet.cloud.username
        assert env.last_snapshot.rollout_at is not None
        assert env.last_snapshot.rollout_at.tzinfo == timezone.utc
        nothing_left = await sdk.env_vars.review_rollout(product=PRODUCT_ID)
        assert nothing_left.from_snapshot.changes == []
        assert nothing_left.from_snapshot.unchanged == {"ENDPOINT": ENDPOINT, "POLL_SECONDS": "30"}
        rendered = await sdk.env_vars.render(product=PRODUCT_ID)
        assert rendered.rollout_by == fleet.cloud.username

        # the offline device got nothing yet: it reports the rollout once it connects
        assert (await sdk.env_vars.list(device=resting.id)).on_device is None
        resting.go_online()
        env = await sdk.env_vars.list(device=resting.id)
        assert env.on_device is not None
        assert env.on_device.rendered == {"ENDPOINT": ENDPOINT, "POLL_SECONDS": "30"}

        # a later change is staged: the device review shows it against what the device has
        await sdk.env_vars.set("POLL_SECONDS", "60", device=unit.id)
        device_review = await sdk.env_vars.review_rollout(device=unit.id)
        assert device_review.from_snapshot.changed == {"POLL_SECONDS": ("30", "60")}
        assert device_review.from_device is not None
        assert device_review.from_device.changed == {"POLL_SECONDS": ("30", "60")}
        env = await sdk.env_vars.list(device=unit.id)
        assert env.on_device is not None and env.on_device.rendered["POLL_SECONDS"] == "30"


async def test_a_connect_rollout_reaches_each_device_when_it_next_connects(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    online, offline = fleet.units[2], fleet.units[3]
    offline.go_offline()
    with anyio.fail_after(5):
        await sdk.env_vars.set("MODE", "night", product=PRODUCT_ID)
        await sdk.env_vars.start_rollout("Connect", product=PRODUCT_ID)
        for device in (online, offline):
            env = await sdk.env_vars.list(device=device.id)
            assert env.on_device is None
            assert env.last_snapshot is not None  # rolled out, not delivered yet
        # values set after the rollout are not part of it
        await sdk.env_vars.set("MODE", "day", product=PRODUCT_ID)
        offline.go_online()
        online.go_offline()
        online.go_online()
        for device in (online, offline):
            env = await sdk.env_vars.list(device=device.id)
            assert env.on_device is not None
            assert env.on_device.rendered == {"MODE": "night"}
        review = await sdk.env_vars.review_rollout(product=PRODUCT_ID)
        assert review.from_snapshot.changed == {"MODE": ("night", "day")}


async def test_deleting_a_value_and_the_404_of_one_the_scope_does_not_set(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    unit = fleet.units[4]
    with anyio.fail_after(5):
        await sdk.env_vars.set("MODE", "normal", product=PRODUCT_ID)
        await sdk.env_vars.set("MODE", "eco", device=unit.id)
        env = await sdk.env_vars.delete("MODE", device=unit.id)
        assert env.latest.own == {}
        assert env.latest.inherited["MODE"].value == "normal"  # the product's value shows again
        with pytest.raises(NotFoundError, match="MODE"):
            await sdk.env_vars.delete("MODE", device=unit.id)  # inherited, not the device's own
        with pytest.raises(NotFoundError):
            await sdk.env_vars.delete("NEVER_SET", product=PRODUCT_ID)
        # unsetting a value that is not set changes nothing
        env = await sdk.env_vars.update([EnvVarOp.unset("NEVER_SET")], device=unit.id)
        assert env.latest.own == {} and env.latest.updated_at is not None


async def test_the_sandbox_reaches_the_owners_devices_outside_products(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    garage, boat = fleet.garage, fleet.boat  # online and offline, neither in a product
    with anyio.fail_after(5):
        env = await sdk.env_vars.set("REGION", "eu")
        assert env.on_device is None  # only a device scope says what a device reported
        assert {k: v.value for k, v in env.latest.own.items()} == {"REGION": "eu"}
        env = await sdk.env_vars.list(device=garage.id)
        assert {k: (v.value, v.from_) for k, v in env.latest.inherited.items()} == {
            "REGION": ("eu", "Owner")
        }
        unit_env = await sdk.env_vars.list(device=fleet.units[0].id)
        assert unit_env.latest.inherited == {}  # a product device inherits its product's only
        assert (await sdk.env_vars.render()).env == {"REGION": "eu"}
        assert (await sdk.env_vars.review_rollout()).from_snapshot.added == {"REGION": "eu"}
        await sdk.env_vars.start_rollout("Immediate")
        garage_env = await sdk.env_vars.list(device="garage")  # a device name works too
        assert garage_env.on_device is not None
        assert garage_env.on_device.rendered == {"REGION": "eu"}
        assert (await sdk.env_vars.list(device=boat.id)).on_device is None
        boat.go_online()
        boat_env = await sdk.env_vars.list(device=boat.id)
        assert boat_env.on_device is not None and boat_env.on_device.rendered == {"REGION": "eu"}

        other = sdk.with_options(access_token=fleet.other_token)
        assert (await other.env_vars.list()).latest.own == {}  # every user has a sandbox
        with pytest.raises(PermissionDeniedError):
            await other.env_vars.list(device=garage.id)
        with pytest.raises(PermissionDeniedError):
            await sdk.env_vars.set("REGION", "us", device=fleet.foreign.id)


async def test_an_organizations_values_reach_its_products_devices(
    cloud: LocalCloud, fleet: Fleet, sdk: ParticleClient
) -> None:
    cloud.add_org("acme")
    product = cloud.add_product(slug="acme-sensors", org="acme")
    sensor = cloud.add_device("sensor", product=product.id, owner=None)
    with anyio.fail_after(5):
        await sdk.env_vars.set("ENDPOINT", ENDPOINT, org="acme")
        await sdk.env_vars.set("ENDPOINT", "https://example.com/beta", device=sensor.id)
        product_env = await sdk.env_vars.list(product="acme-sensors")
        assert product_env.latest.inherited["ENDPOINT"].from_ == "Owner"
        env = await sdk.env_vars.list(device=sensor.id)
        assert env.latest.inherited["ENDPOINT"].value == ENDPOINT
        assert (await sdk.env_vars.render(device=sensor.id)).env == {
            "ENDPOINT": "https://example.com/beta"
        }
        await sdk.env_vars.start_rollout("Immediate", org="acme")
        env = await sdk.env_vars.list(device=sensor.id)
        assert env.on_device is not None
        assert env.on_device.rendered == {"ENDPOINT": "https://example.com/beta"}
        product_env = await sdk.env_vars.list(product="acme-sensors")
        assert product_env.last_snapshot is not None  # the rollout snapshot every scope below
        # the fleet's product is not the organization's: its devices got nothing
        assert (await sdk.env_vars.list(device=fleet.units[0].id)).on_device is None

        outsider = sdk.with_options(access_token=fleet.other_token)
        with pytest.raises(PermissionDeniedError):
            await outsider.env_vars.list(org="acme")
        with pytest.raises(NotFoundError):
            await sdk.env_vars.list(org="no-such-org")


async def test_the_local_cloud_checks_what_it_is_sent(fleet: Fleet, raw: httpx.AsyncClient) -> None:
    auth = bearer(fleet.cloud.token)
    with anyio.fail_after(5):
        lowercase = await raw.put("/v1/env/mode", json={"value": "1"}, headers=auth)
        assert lowercase.status_code == 400
        not_text = await raw.put("/v1/env/MODE", json={"value": 1}, headers=auth)
        assert not_text.status_code == 400
        ops = [{"op": "Set", "key": f"K{n}", "value": "1"} for n in range(51)]
        too_many = await raw.patch("/v1/env", json={"ops": ops}, headers=auth)
        assert too_many.status_code == 400
        for start in (0, 50):
            batch = [{"op": "Set", "key": f"K{n}", "value": "1"} for n in range(start, start + 50)]
            assert (await raw.patch("/v1/env", json={"ops": batch}, headers=auth)).is_success
        one_more = await raw.put("/v1/env/K100", json={"value": "1"}, headers=auth)
        assert (one_more.status_code, "100" in one_more.text) == (400, True)
        bad_when = await raw.post("/v1/env/rollout", json={"when": "Later"}, headers=auth)
        assert bad_when.status_code == 400
        # the literal segments are the sandbox's endpoints, not devices
        review = await raw.get("/v1/env/rollout", headers=auth)
        assert set(review.json()) == {"from_snapshot"}
        started = await raw.post("/v1/env/rollout", json={"when": "Connect"}, headers=auth)
        assert started.json() == {"success": True}
        assert (await raw.get("/v1/env", headers={})).status_code == 401


async def test_two_scopes_are_refused_before_any_request(cloud: LocalCloud) -> None:
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request)

    async with (
        httpx.AsyncClient(event_hooks={"request": [record]}) as http,
        ParticleClient(cloud.token, base_url=cloud.url, http_client=http) as client,
    ):
        with anyio.fail_after(5):
            with pytest.raises(InvalidArgumentError, match="at most one of"):
                await client.env_vars.set("MODE", "eco", product=PRODUCT_ID, device="d")
            with pytest.raises(InvalidArgumentError, match="at most one of"):
                await client.env_vars.start_rollout("Immediate", org="acme", product=PRODUCT_ID)
            assert sent == []
            with pytest.raises(BadRequestError):
                await client.request("PUT", "/v1/env/mode", json={"value": "1"})
            assert len(sent) == 1  # the hook sees what the client sends
