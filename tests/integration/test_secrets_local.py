"""`client.secrets` against the local cloud over real HTTP: secrets are set, described without
their values, read by the cloud, and deleted."""

from __future__ import annotations

import anyio
import httpx
import pytest
from pydantic import SecretStr

from aioparticle import BadRequestError, NotFoundError, ParticleClient
from aioparticle.testing import LocalCloud
from tests.integration.conftest import bearer

pytestmark = pytest.mark.anyio

VALUE = "sk_live_51HxQ9b2eZvKYlo2C"


async def test_secrets_are_set_listed_without_values_and_deleted(
    cloud: LocalCloud, sdk: ParticleClient, raw: httpx.AsyncClient
) -> None:
    with anyio.fail_after(5):
        made = await sdk.secrets.set("STRIPE_KEY", VALUE)
        assert (made.name, made.created_by, made.last_accessed_at) == (
            "STRIPE_KEY",
            cloud.username,
            None,
        )
        await sdk.secrets.set("STRIPE_KEY", SecretStr("rotated-value-2"))
        assert [s.name for s in await sdk.secrets.list()] == ["STRIPE_KEY"]
        listed = await raw.get("/v1/secrets", headers=bearer(cloud.token))
        assert b"rotated-value-2" not in listed.content and VALUE.encode() not in listed.content

        # the cloud uses it: its value is the latest, and the read is stamped
        assert cloud.read_secret("STRIPE_KEY") == "rotated-value-2"
        described = await sdk.secrets.get("STRIPE_KEY")
        assert described.last_accessed_at is not None
        assert described.updated_at is not None and described.created_at is not None
        assert described.updated_at >= described.created_at

        await sdk.secrets.delete("STRIPE_KEY")
        assert await sdk.secrets.list() == []
        with pytest.raises(NotFoundError):
            await sdk.secrets.get("STRIPE_KEY")


async def test_org_secrets_are_apart_and_names_are_checked_by_the_cloud(
    cloud: LocalCloud, sdk: ParticleClient
) -> None:
    cloud.add_org("acme-corp")
    with anyio.fail_after(5):
        await sdk.secrets.set("API_TOKEN", VALUE, org="acme-corp")
        assert [s.name for s in await sdk.secrets.list(org="acme-corp")] == ["API_TOKEN"]
        assert await sdk.secrets.list() == []
        assert cloud.read_secret("API_TOKEN", org="acme-corp") == VALUE
        with pytest.raises(BadRequestError, match="Invalid secret name") as caught:
            await sdk.secrets.set("lower-case", VALUE)
        assert VALUE not in str(caught.value)
