"""`client.products.team` and `client.orgs.team` against the local cloud over real HTTP: API
users whose tokens work until they are regenerated, rotated or removed; people with roles."""

from __future__ import annotations

import re

import anyio
import httpx
import pytest
from pydantic import SecretStr

from aioparticle import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    ParticleClient,
    PermissionDeniedError,
    TeamRole,
)
from aioparticle.testing import LocalCloud
from tests.integration.conftest import OTHER_USER, PRODUCT_ID, PRODUCT_SLUG, Fleet, bearer

pytestmark = pytest.mark.anyio

API_USERNAME = re.compile(r"ci-bot\+[0-9a-f]+@api\.particle\.io")
ORG_PRODUCT = 4300


def as_token(sdk: ParticleClient, token: SecretStr | None) -> ParticleClient:
    """A view of `sdk` using an API user's token."""
    assert token is not None
    return sdk.with_options(access_token=token.get_secret_value())


async def device_count(client: ParticleClient, product: int | str) -> int:
    return len((await client.devices.list(product=product)).items)


async def test_a_product_api_user_works_until_its_token_is_regenerated_rotated_or_removed(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    team = sdk.products.team
    with anyio.fail_after(10):
        user = await team.create_api_user("CI bot", ["devices:list"], product=PRODUCT_SLUG)
        assert API_USERNAME.fullmatch(user.username)
        assert user.is_programmatic is True
        assert user.token is not None
        first = as_token(sdk, user.token)
        assert await device_count(first, PRODUCT_ID) == 5

        listed = {m.username: m for m in await team.list(product=PRODUCT_ID)}
        bot = listed[user.username]
        assert (bot.is_programmatic, bot.friendly_name, bot.scopes, bot.product_id) == (
            True,
            "CI bot",
            ["devices:list"],
            PRODUCT_ID,
        )
        owner = listed[fleet.cloud.username]
        assert isinstance(owner.role, TeamRole) and owner.role.name == "Administrator"
        assert owner.id is not None and owner.is_programmatic is None

        # regenerate: the old token is refused, the new one works
        regenerated = await team.regenerate_token(user.username, product=PRODUCT_ID)
        assert regenerated.username == user.username
        assert regenerated.token is not None
        assert regenerated.token.get_secret_value() != user.token.get_secret_value()
        with pytest.raises(AuthenticationError):
            await first.devices.list(product=PRODUCT_ID)
        second = as_token(sdk, regenerated.token)
        assert await device_count(second, PRODUCT_ID) == 5

        # a new name alone keeps the token
        renamed = await team.update_api_user(user.username, product=PRODUCT_ID, friendly_name="Bot")
        assert (renamed.friendly_name, renamed.token) == ("Bot", None)
        assert await device_count(second, PRODUCT_ID) == 5

        # new scopes rotate it
        rescoped = await team.update_api_user(
            user.username, product=PRODUCT_SLUG, scopes=["devices:list", "sims:list"]
        )
        assert rescoped.scopes == ["devices:list", "sims:list"]
        assert rescoped.token is not None
        with pytest.raises(AuthenticationError):
            await second.devices.list(product=PRODUCT_ID)
        third = as_token(sdk, rescoped.token)
        assert await device_count(third, PRODUCT_ID) == 5
        listed = {m.username: m for m in await team.list(product=PRODUCT_ID)}
        assert listed[user.username].scopes == ["devices:list", "sims:list"]
        assert listed[user.username].friendly_name == "Bot"

        # removed: its token is refused and it is gone from the team
        await team.remove(user.username, product=PRODUCT_ID)
        with pytest.raises(AuthenticationError):
            await third.devices.list(product=PRODUCT_ID)
        assert user.username not in {m.username for m in await team.list(product=PRODUCT_ID)}
        with pytest.raises(NotFoundError):
            await team.regenerate_token(user.username, product=PRODUCT_ID)


async def test_a_product_api_user_reaches_its_product_only(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    fleet.cloud.add_product(4343, slug="elsewhere", members=[OTHER_USER])
    with anyio.fail_after(5):
        user = await sdk.products.team.create_api_user("CI bot", ["*"], product=PRODUCT_ID)
        bot = as_token(sdk, user.token)
        assert [p.id for p in await bot.products.list()] == [PRODUCT_ID]
        with pytest.raises(PermissionDeniedError):
            await bot.devices.list(product=4343)
        # another product's API user is not this product's to change
        other = await sdk.products.team.create_api_user("CI bot", ["*"], product=PRODUCT_SLUG)
        fleet.cloud.add_product(4344, slug="mine-too")
        with pytest.raises(NotFoundError):
            await sdk.products.team.regenerate_token(other.username, product=4344)


@pytest.fixture
def org(fleet: Fleet) -> str:
    """An organization of the default account owning one product (ORG_PRODUCT, one device)."""
    fleet.cloud.add_org("acme")
    fleet.cloud.add_product(ORG_PRODUCT, slug="org-product", org="acme")
    fleet.cloud.add_device("org-unit", product=ORG_PRODUCT, owner=None)
    return "acme"


async def test_org_team_people_with_roles(fleet: Fleet, sdk: ParticleClient, org: str) -> None:
    team = sdk.orgs.team
    org_id = fleet.cloud.orgs[org].id
    with anyio.fail_after(5):
        (owner,) = await team.list(org=org)
        assert owner.username == fleet.cloud.username
        assert isinstance(owner.role, TeamRole) and owner.role.name == "Administrator"

        await team.invite(OTHER_USER, org=org, role="View-only")
        await team.invite("new+member@example.com", org=org_id)  # by id, default role
        roles = {m.username: m.role for m in await team.list(org=org_id)}
        assert {name: getattr(role, "name", None) for name, role in roles.items()} == {
            fleet.cloud.username: "Administrator",
            OTHER_USER: "View-only",
            "new+member@example.com": "Developer",
        }
        with pytest.raises(BadRequestError, match="already a team member"):
            await team.invite(OTHER_USER, org=org)
        with pytest.raises(BadRequestError, match="role must be one of"):
            await team.invite("third@example.com", org=org, role="Owner")

        await team.remove(OTHER_USER, org=org)
        await team.remove("new+member@example.com", org=org_id)
        assert [m.username for m in await team.list(org=org)] == [fleet.cloud.username]
        with pytest.raises(NotFoundError):
            await team.remove(OTHER_USER, org=org)
    assert fleet.cloud.orgs[org].members == {fleet.cloud.username}


async def test_an_org_api_user_reaches_the_orgs_products(
    fleet: Fleet, sdk: ParticleClient, org: str
) -> None:
    team = sdk.orgs.team
    org_unit = next(d.id for d in fleet.cloud.devices.values() if d.product_id == ORG_PRODUCT)
    with anyio.fail_after(5):
        user = await team.create_api_user("CI bot", ["devices:list"], org=org)
        assert API_USERNAME.fullmatch(user.username)
        bot = as_token(sdk, user.token)
        assert await device_count(bot, ORG_PRODUCT) == 1
        assert await device_count(bot, "org-product") == 1
        with pytest.raises(PermissionDeniedError):
            await bot.devices.list(product=PRODUCT_ID)  # not an organization product
        assert [p.id for p in await bot.products.list()] == [ORG_PRODUCT]
        # and the organization's event stream
        async with bot.events.stream(org=org) as events:
            fleet.cloud.devices[org_unit].publish("spark/status", "online")
            event = await events.__anext__()
        assert (event.device_id, event.product_id) == (org_unit, ORG_PRODUCT)
        # the organization's API user can see its team
        assert user.username in {m.username for m in await bot.orgs.team.list(org=org)}

        # the organization lists its products' API users too
        product_user = await sdk.products.team.create_api_user(
            "CI bot", ["devices:list"], product=ORG_PRODUCT
        )
        listed = {m.username: m for m in await team.list(org=org)}
        assert listed[user.username].product_id is None
        assert listed[product_user.username].product_id == ORG_PRODUCT
        assert listed[product_user.username].is_programmatic is True

        regenerated = await team.regenerate_token(user.username, org=org)
        with pytest.raises(AuthenticationError):
            await bot.devices.list(product=ORG_PRODUCT)
        bot = as_token(sdk, regenerated.token)
        assert await device_count(bot, ORG_PRODUCT) == 1

        await team.remove(user.username, org=org)
        with pytest.raises(AuthenticationError):
            await bot.devices.list(product=ORG_PRODUCT)


async def test_org_team_needs_a_member_and_a_known_org(
    fleet: Fleet, sdk: ParticleClient, org: str
) -> None:
    other = sdk.with_options(access_token=fleet.other_token)
    with anyio.fail_after(5):
        with pytest.raises(PermissionDeniedError):
            await other.orgs.team.list(org=org)
        with pytest.raises(PermissionDeniedError):
            await other.orgs.team.create_api_user("bot", ["devices:list"], org=org)
        with pytest.raises(NotFoundError, match="Organization not found"):
            await sdk.orgs.team.list(org="no-such-org")
        with pytest.raises(NotFoundError, match="Product not found"):
            await sdk.products.team.list(product=99999)
    assert fleet.cloud.api_users == {}


async def test_the_cloud_checks_team_bodies(
    fleet: Fleet, cloud: LocalCloud, raw: httpx.AsyncClient, org: str
) -> None:
    """What the SDK never sends, the local cloud still refuses as the API would."""
    auth = bearer(cloud.token)
    product_team = f"/v1/products/{PRODUCT_ID}/team"
    cases = [
        ("POST", product_team, {"friendly_name": "bot", "scopes": []}, "scopes must be"),
        ("POST", product_team, {"friendly_name": "bot", "scopes": "devices:list"}, "scopes must"),
        ("POST", product_team, {"scopes": ["devices:list"]}, "friendly_name and scopes"),
        ("POST", product_team, {"friendly_name": " ", "scopes": ["a"]}, "friendly_name must"),
        ("POST", product_team, {"username": ""}, "username is required"),
        ("POST", product_team, {"username": "a@b.c", "role": 5}, "role must be"),
        ("PUT", f"{product_team}/{cloud.username}", {}, "role is required"),
        ("PUT", f"{product_team}/{cloud.username}", {"role": "Owner"}, "role must be one of"),
    ]
    with anyio.fail_after(5):
        for method, path, body, error in cases:
            response = await raw.request(method, path, headers=auth, json=body)
            assert response.status_code == 400, (method, path, body)
            assert response.json()["ok"] is False
            assert error in response.json()["error"], (body, response.json())
        created = await raw.post(
            product_team, headers=auth, json={"friendly_name": "bot", "scopes": ["a"]}
        )
        assert created.status_code == 200
        answer = created.json()
        assert answer["ok"] is True
        assert answer["created"].keys() == {"username", "is_programmatic", "tokens"}
        username = answer["created"]["username"]
        nothing = await raw.put(f"{product_team}/{username}", headers=auth, json={})
        assert nothing.status_code == 400
        assert nothing.json() == {"ok": False, "error": "friendly_name or scopes is required"}
        # a person's role changes with the same route
        role = await raw.put(
            f"/v1/orgs/{org}/team/{cloud.username}", headers=auth, json={"role": "Support"}
        )
        assert role.status_code == 200
        assert role.json()["updated"]["role"]["name"] == "Support"
        unknown = await raw.put(f"{product_team}/nobody@example.com/token", headers=auth)
        assert unknown.status_code == 404
        assert unknown.json() == {"ok": False, "error": "API user not found"}
        missing = await raw.get(f"/v1/orgs/{org}/team")
        assert missing.status_code == 401
