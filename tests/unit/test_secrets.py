"""Wire-level tests of `client.secrets`: list, get, set, delete in the sandbox or an
organization, and the value kept out of errors, logs, reprs and the request an error keeps."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
import respx
from pydantic import SecretStr

from aioparticle import BadRequestError, InternalServerError, ParticleClient, Secret
from tests.unit._wire import (
    BadInput,
    bad_input_grid,
    bad_segments,
    check_request,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

SCOPES = pytest.mark.parametrize(
    ("org", "prefix"),
    [(None, "/v1/secrets"), ("acme-corp", "/v1/orgs/acme-corp/secrets")],
    ids=["sandbox", "org"],
)
VALUE = "sk_live_51HxQ9b2eZvKYlo2C0a1b2c3d4e5f"
SECRET = {
    "name": "STRIPE_KEY",
    "created_at": "2024-05-01T10:00:00.000Z",
    "updated_at": "2024-05-02T11:30:00.000Z",
    "created_by": "carol@example.com",
    "updated_by": "dave@example.com",
    "last_accessed_at": None,
    "integrations": [{"name": "Billing hook", "id": "6630aa"}],
    "logic_functions": ["f1", "f2"],
}
ORG_SECRET = {
    **SECRET,
    "last_accessed_at": "2024-05-03T08:00:00Z",
    "integrations": [{"name": "Billing hook", "org_integration_id": 4411}],
}


@SCOPES
async def test_list_describes_the_secrets(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, {"secrets": [SECRET, ORG_SECRET]})

    first, second = await client.secrets.list(org=org)

    check_request(only_request(api), "GET", prefix)
    assert isinstance(first, Secret)
    assert first.name == "STRIPE_KEY"
    assert first.created_at == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    assert first.updated_by == "dave@example.com"
    assert first.last_accessed_at is None
    assert [(i.name, i.id, i.org_integration_id) for i in first.integrations] == [
        ("Billing hook", "6630aa", None)
    ]
    assert first.logic_functions == ["f1", "f2"]
    assert first.model_extra == {}
    assert second.last_accessed_at == datetime(2024, 5, 3, 8, tzinfo=timezone.utc)
    assert second.integrations[0].org_integration_id == "4411"


@SCOPES
async def test_get_one_secret(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, {"secret": SECRET})

    secret = await client.secrets.get("STRIPE_KEY", org=org)

    check_request(only_request(api), "GET", f"{prefix}/STRIPE_KEY")
    assert secret.name == "STRIPE_KEY"


async def test_a_value_the_cloud_would_send_is_dropped(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"secret": {**SECRET, "value": VALUE}})

    secret = await client.secrets.get("STRIPE_KEY")

    assert "value" not in (secret.model_extra or {})
    assert VALUE not in repr(secret)
    assert VALUE not in secret.model_dump_json()


@SCOPES
@pytest.mark.parametrize("value", [VALUE, SecretStr(VALUE)], ids=["str", "SecretStr"])
async def test_set_puts_the_value(
    client: ParticleClient,
    api: respx.MockRouter,
    org: str | None,
    prefix: str,
    value: str | SecretStr,
) -> None:
    reply(api, {"secret": SECRET})

    secret = await client.secrets.set("STRIPE_KEY", value, org=org)

    check_request(
        only_request(api), "PUT", f"{prefix}/STRIPE_KEY", body={"secret": {"value": VALUE}}
    )
    assert secret.name == "STRIPE_KEY"
    assert VALUE not in repr(secret)


async def test_set_keeps_the_value_out_of_errors_and_logs(
    client: ParticleClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    # retried (PUT is idempotent), each answer echoing the value
    reply(api, {"ok": False, "error": f"could not encrypt {VALUE}"}, 503)

    with caplog.at_level(logging.DEBUG), pytest.raises(InternalServerError) as caught:
        await client.secrets.set("STRIPE_KEY", SecretStr(VALUE))

    error = caught.value
    assert len(api.calls) == 3
    assert "could not encrypt [redacted]" in str(error)
    assert error.request is not None
    assert error.request.content == b""  # the body with the value is not kept
    for text in (str(error), repr(error), repr(error.body), error.message, caplog.text):
        assert VALUE not in text
    assert "retrying PUT /v1/secrets/STRIPE_KEY" in caplog.text


async def test_set_refused_name_is_the_clouds_answer(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": False, "error": "Failed to create secret: Name already in use"}, 400)

    with pytest.raises(BadRequestError, match="Name already in use"):
        await client.secrets.set("lower_case_is_for_the_cloud_to_judge", VALUE)

    check_request(
        only_request(api),
        "PUT",
        "/v1/secrets/lower_case_is_for_the_cloud_to_judge",
        body={"secret": {"value": VALUE}},
    )


@SCOPES
@pytest.mark.parametrize("answer", [None, {"ok": True}], ids=["no-body", "ok"])
async def test_delete(
    client: ParticleClient,
    api: respx.MockRouter,
    org: str | None,
    prefix: str,
    answer: dict[str, bool] | None,
) -> None:
    reply(api, answer, 204 if answer is None else 200)

    assert await client.secrets.delete("STRIPE_KEY", org=org) is None

    check_request(only_request(api), "DELETE", f"{prefix}/STRIPE_KEY")


# --------------------------------------------------------------------------- bad input

_NAMES, _NAME_IDS = bad_segments(257)

BAD_INPUT = [
    *bad_input_grid(
        {
            "get": lambda c, name: c.secrets.get(name),
            "set": lambda c, name: c.secrets.set(name, VALUE),
            "delete": lambda c, name: c.secrets.delete(name),
        },
        _NAMES,
        _NAME_IDS,
        prefix="name",
    ),
    *bad_input_grid(
        {
            "list": lambda c, org: c.secrets.list(org=org),
            "set": lambda c, org: c.secrets.set("KEY", VALUE, org=org),
        },
        ["", "a/b", "..", "a?b", 5],
        prefix="org",
    ),
    *bad_input_grid(
        {"set": lambda c, value: c.secrets.set("KEY", value)},
        [None, "", SecretStr(""), b"bytes", 5],
        ["None", "empty", "empty-SecretStr", "bytes", "int"],
        prefix="value",
    ),
]


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    reply(api, {"secret": SECRET, "secrets": []})
    return api


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)


async def test_bad_value_errors_never_echo_the_value(client: ParticleClient) -> None:
    with pytest.raises(ValueError) as caught:  # noqa: PT011 - InvalidArgumentError is a ValueError
        await client.secrets.set("KEY", ["not", "a", VALUE])  # type: ignore[arg-type]
    assert VALUE not in str(caught.value)
