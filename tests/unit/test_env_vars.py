"""`client.env_vars`: the wire shape of every call in all four scopes, the models, bad input."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone
from typing import Any

import pytest
import respx
from pydantic import BaseModel, ValidationError

from aioparticle import (
    APIError,
    EnvVar,
    EnvVarOp,
    EnvVars,
    EnvVarsRolloutReview,
    InvalidArgumentError,
    ParticleClient,
    RenderedEnvVars,
)
from tests.conftest import load
from tests.unit._wire import (
    BAD_PRODUCTS,
    BadInput,
    bad_input,
    bad_input_grid,
    bad_segments,
    check_request,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

DEV = "0123456789abcdef01234567"
BY = "60468db2509eb004820e11e0"

#: Every scope: the keywords that choose it and the base path they lead to.
SCOPES = [
    pytest.param({}, "/v1/env", id="sandbox"),
    pytest.param({"product": 4567}, "/v1/products/4567/env", id="product-id"),
    pytest.param({"product": "my-fleet"}, "/v1/products/my-fleet/env", id="product-slug"),
    pytest.param({"org": "acme"}, "/v1/orgs/acme/env", id="org"),
    pytest.param({"device": DEV}, f"/v1/env/{DEV}", id="device"),
    pytest.param({"device": "a b"}, "/v1/env/a%20b", id="device-encoded"),
]


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --------------------------------------------------------------------------- the calls


@pytest.mark.parametrize(("scope", "prefix"), SCOPES)
async def test_list(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    reply(api, load("env_vars/device.json"))
    env = await client.env_vars.list(**scope)
    check_request(only_request(api), "GET", prefix)
    assert isinstance(env, EnvVars)
    assert {k: v.value for k, v in env.latest.own.items()} == {"POLL_SECONDS": "30", "MODE": "eco"}
    inherited = env.latest.inherited
    assert {k: (v.value, v.from_) for k, v in inherited.items()} == {
        "ENDPOINT": ("https://example.com/ingest", "Owner"),
        "MODE": ("normal", "Product"),
    }
    assert env.latest.own["MODE"].access == ["Device"]
    assert env.latest.updated_at == _when("2025-11-26T15:27:41.278Z")
    assert env.latest.created_by == env.latest.updated_by == BY
    assert env.last_snapshot is not None
    assert env.last_snapshot.rollout_at == _when("2025-11-26T15:00:00.000Z")
    assert env.last_snapshot.rollout_by == BY
    assert list(env.last_snapshot.own) == ["MODE"]
    assert env.on_device is not None
    assert env.on_device.rendered == {"ENDPOINT": "https://example.com/ingest", "MODE": "eco"}
    assert env.on_device.last_reported_at == _when("2025-11-26T15:01:12.000Z")


@pytest.mark.parametrize(("scope", "prefix"), SCOPES)
async def test_set(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    reply(api, {"latest": {"own": {"POLL_SECONDS": {"value": "45"}}}, "last_snapshot": None})
    env = await client.env_vars.set("POLL_SECONDS", "45", **scope)
    check_request(only_request(api), "PUT", f"{prefix}/POLL_SECONDS", body={"value": "45"})
    assert env.latest.own["POLL_SECONDS"].value == "45"
    assert env.last_snapshot is None
    assert env.on_device is None


@pytest.mark.parametrize(
    "value", ["", "line one\nline two\ttabbed", "é" * 8192, "x" * 16384], ids=len
)
async def test_set_sends_any_value_within_the_limits(
    client: ParticleClient, api: respx.MockRouter, value: str
) -> None:
    reply(api, {"latest": {}})
    await client.env_vars.set("NOTE", value, org="acme")
    check_request(only_request(api), "PUT", "/v1/orgs/acme/env/NOTE", body={"value": value})


@pytest.mark.parametrize(("scope", "prefix"), SCOPES)
async def test_delete(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    reply(api, {"latest": {"own": {}, "inherited": {"MODE": {"value": "normal", "from": "Owner"}}}})
    env = await client.env_vars.delete("MODE", **scope)
    check_request(only_request(api), "DELETE", f"{prefix}/MODE")
    assert env.latest.own == {}
    assert env.latest.inherited["MODE"].value == "normal"


@pytest.mark.parametrize(("scope", "prefix"), SCOPES)
async def test_update(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    reply(api, load("env_vars/device.json"))
    env = await client.env_vars.update(
        [
            EnvVarOp.set("MODE", "eco"),
            EnvVarOp.unset("DEBUG"),
            {"op": "Set", "key": "_PRIVATE_2", "value": ""},
            {"op": "Unset", "key": "OLD"},
        ],
        **scope,
    )
    body = {
        "ops": [
            {"op": "Set", "key": "MODE", "value": "eco"},
            {"op": "Unset", "key": "DEBUG"},
            {"op": "Set", "key": "_PRIVATE_2", "value": ""},
            {"op": "Unset", "key": "OLD"},
        ]
    }
    check_request(only_request(api), "PATCH", prefix, body=body)
    assert env.latest.own["MODE"].value == "eco"


async def test_update_takes_fifty_operations(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"latest": {}})
    ops = [EnvVarOp.set(f"K{n}", str(n)) for n in range(50)]
    await client.env_vars.update(ops, product=4567)
    sent = [{"op": "Set", "key": f"K{n}", "value": str(n)} for n in range(50)]
    check_request(only_request(api), "PATCH", "/v1/products/4567/env", body={"ops": sent})


@pytest.mark.parametrize(("scope", "prefix"), SCOPES)
async def test_render(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    reply(api, load("env_vars/render.json"))
    rendered = await client.env_vars.render(**scope)
    check_request(only_request(api), "GET", f"{prefix}/render")
    assert isinstance(rendered, RenderedEnvVars)
    assert rendered.env == {
        "ENDPOINT": "https://example.com/ingest",
        "MODE": "eco",
        "POLL_SECONDS": "30",
    }
    assert rendered.last_updated_at == _when("2025-11-26T15:27:41.278Z")
    assert rendered.rollout_at == _when("2025-11-26T15:00:00.000Z")
    assert rendered.rollout_by == BY


@pytest.mark.parametrize(("scope", "prefix"), SCOPES)
async def test_review_rollout(
    client: ParticleClient, api: respx.MockRouter, scope: dict[str, Any], prefix: str
) -> None:
    reply(api, load("env_vars/rollout.json"))
    review = await client.env_vars.review_rollout(**scope)
    check_request(only_request(api), "GET", f"{prefix}/rollout")
    assert isinstance(review, EnvVarsRolloutReview)
    diff = review.from_snapshot
    assert [(c.op, c.key, c.before, c.after) for c in diff.changes] == [
        ("Added", "POLL_SECONDS", None, "30"),
        ("Changed", "MODE", "normal", "eco"),
        ("Removed", "DEBUG", "1", None),
    ]
    assert diff.added == {"POLL_SECONDS": "30"}
    assert diff.changed == {"MODE": ("normal", "eco")}
    assert diff.removed == {"DEBUG": "1"}
    assert diff.unchanged == {"ENDPOINT": "https://example.com/ingest"}
    assert review.from_device is not None
    assert review.from_device.added == {"POLL_SECONDS": "30"}
    assert review.from_device.changed == review.from_device.removed == {}


async def test_review_rollout_without_a_device_diff(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"from_snapshot": {"changes": [], "unchanged": {}}})
    review = await client.env_vars.review_rollout(product="my-fleet")
    assert review.from_snapshot.changes == []
    assert review.from_device is None


@pytest.mark.parametrize("when", ["Immediate", "Connect"])
@pytest.mark.parametrize(("scope", "prefix"), SCOPES)
async def test_start_rollout(
    client: ParticleClient,
    api: respx.MockRouter,
    scope: dict[str, Any],
    prefix: str,
    when: str,
) -> None:
    reply(api, {"success": True})
    assert await client.env_vars.start_rollout(when, **scope) is None  # type: ignore[arg-type]
    check_request(only_request(api), "POST", f"{prefix}/rollout", body={"when": when})


async def test_a_rollout_the_cloud_says_failed_raises(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"success": False, "error": "no devices"})
    with pytest.raises(APIError, match="did not confirm the operation: no devices"):
        await client.env_vars.start_rollout("Immediate", product=4567)


@pytest.mark.parametrize(
    ("call", "method", "path"),
    [
        (
            lambda c: c.env_vars.start_rollout("Immediate", org="acme"),
            "POST",
            "/v1/orgs/acme/env/rollout",
        ),
        (lambda c: c.env_vars.update([EnvVarOp.unset("A")]), "PATCH", "/v1/env"),
    ],
    ids=["start_rollout", "update"],
)
async def test_actions_are_not_retried_once_sent(
    client: ParticleClient, api: respx.MockRouter, call: Any, method: str, path: str
) -> None:
    route = api.route(method=method, path=path).respond(503, json={"error": "busy"})
    with pytest.raises(APIError, match="503"):
        await call(client)
    assert route.call_count == 1


async def test_reads_and_sets_are_retried(client: ParticleClient, api: respx.MockRouter) -> None:
    route = api.put("/v1/env/MODE").mock(
        side_effect=[
            respx.MockResponse(503, json={"error": "busy"}),
            respx.MockResponse(200, json={"latest": {"own": {"MODE": {"value": "eco"}}}}),
        ]
    )
    env = await client.env_vars.set("MODE", "eco")
    assert route.call_count == 2
    assert env.latest.own["MODE"].value == "eco"


# --------------------------------------------------------------------------- models


def _all_models(value: object) -> list[BaseModel]:
    found: list[BaseModel] = []
    if isinstance(value, BaseModel):
        found.append(value)
        for name in type(value).model_fields:
            found.extend(_all_models(getattr(value, name)))
    elif isinstance(value, dict):
        for item in value.values():
            found.extend(_all_models(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_all_models(item))
    return found


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("device.json", EnvVars),
        ("render.json", RenderedEnvVars),
        ("rollout.json", EnvVarsRolloutReview),
    ],
)
def test_the_documented_shapes_parse_without_unknown_fields(
    name: str, model: type[BaseModel]
) -> None:
    parsed = model.model_validate(load(f"env_vars/{name}"))
    for found in _all_models(parsed):
        assert found.model_extra == {}, f"{type(found).__name__} has undeclared fields"


def test_timestamps_are_aware_even_when_the_cloud_omits_the_zone() -> None:
    env = EnvVars.model_validate(
        {
            "latest": {"created_at": "2025-11-26T14:22:15"},
            "last_snapshot": {"rollout_at": "2025-11-26T15:00:00"},
            "on_device": {"last_reported_at": "2025-11-26T15:01:12"},
        }
    )
    stamps = [
        env.latest.created_at,
        env.last_snapshot.rollout_at if env.last_snapshot else None,
        env.on_device.last_reported_at if env.on_device else None,
    ]
    assert all(s is not None and s.tzinfo == timezone.utc for s in stamps)
    rendered = RenderedEnvVars.model_validate({"last_updated_at": "2025-11-26T15:27:41"})
    assert rendered.last_updated_at is not None
    assert rendered.last_updated_at.utcoffset() is not None


def test_unknown_fields_are_kept_where_they_appear() -> None:
    env = EnvVars.model_validate(
        {
            "latest": {"own": {"A": {"value": "1", "secret": False}}, "revision": 7},
            "scope": "device",
        }
    )
    assert env.model_extra == {"scope": "device"}
    assert env.latest.model_extra == {"revision": 7}
    assert env.latest.own["A"].model_extra == {"secret": False}


def test_the_earlier_env_wrapper_reads_as_latest() -> None:
    # the first version of the endpoint answered `env` where the reference now says `latest`
    env = EnvVars.model_validate(
        {"env": {"own": {"A": {"value": "1"}}, "inherited": {"B": {"value": "2", "from": "Owner"}}}}
    )
    assert env.latest.own["A"].value == "1"
    assert env.latest.inherited["B"].from_ == "Owner"
    assert env.model_extra == {}


def test_an_empty_answer_gives_empty_values() -> None:
    env = EnvVars.model_validate({})
    assert (env.latest.own, env.latest.inherited, env.last_snapshot, env.on_device) == (
        {},
        {},
        None,
        None,
    )
    review = EnvVarsRolloutReview.model_validate({})
    assert review.from_snapshot.changes == [] and review.from_device is None


def test_a_new_kind_of_change_still_parses() -> None:
    review = EnvVarsRolloutReview.model_validate(
        {"from_snapshot": {"changes": [{"op": "Renamed", "key": "A", "after": "B"}]}}
    )
    diff = review.from_snapshot
    assert diff.changes[0].op == "Renamed"
    assert diff.added == diff.changed == diff.removed == {}


def test_env_var_ops() -> None:
    assert EnvVarOp.set("A", "1").model_dump(exclude_none=True) == {
        "op": "Set",
        "key": "A",
        "value": "1",
    }
    assert EnvVarOp.unset("A").model_dump(exclude_none=True) == {"op": "Unset", "key": "A"}
    assert EnvVarOp.set("A", "") == EnvVarOp(op="Set", key="A", value="")
    with pytest.raises(ValidationError):
        EnvVarOp(op="Set", key="A")
    with pytest.raises(ValidationError):
        EnvVarOp(op="Unset", key="A", value="1")
    with pytest.raises(ValidationError):
        EnvVarOp(op="Delete", key="A")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        EnvVarOp(op="Set", key="A", value="1", access=["Device"])  # type: ignore[call-arg]
    op = EnvVarOp.unset("A")
    with pytest.raises(ValidationError):
        op.key = "B"  # type: ignore[misc]


def test_an_inherited_value_names_its_scope_by_the_wire_key() -> None:
    var = EnvVar.model_validate({"value": "1", "from": "Product"})
    assert var.from_ == "Product"
    assert var.model_dump(exclude_none=True) == {"value": "1", "from": "Product", "access": []}


# --------------------------------------------------------------------------- bad input


async def test_more_than_one_scope_is_refused_naming_the_call(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    with pytest.raises(
        InvalidArgumentError,
        match=r"^env_vars\.set\(\) takes at most one of product=, org= and device= "
        r"\(got product= and device=\)$",
    ):
        await client.env_vars.set("A", "1", product=4567, device=DEV)
    assert len(api.calls) == 0


@pytest.mark.parametrize("key", ["RENDER", "ROLLOUT", "render", "Rollout"])
async def test_keys_naming_another_endpoint_are_refused(
    client: ParticleClient, api: respx.MockRouter, key: str
) -> None:
    with pytest.raises(InvalidArgumentError, match="names another endpoint"):
        await client.env_vars.delete(key, device=DEV)
    with pytest.raises(InvalidArgumentError, match="names another endpoint"):
        await client.env_vars.update([EnvVarOp.set(key, "1")])
    assert len(api.calls) == 0


#: Every call, with one scope keyword left open.
def _scoped_calls(keyword: str) -> dict[str, Any]:
    return {
        "list": lambda c, v: c.env_vars.list(**{keyword: v}),
        "set": lambda c, v: c.env_vars.set("A", "1", **{keyword: v}),
        "delete": lambda c, v: c.env_vars.delete("A", **{keyword: v}),
        "update": lambda c, v: c.env_vars.update([EnvVarOp.unset("A")], **{keyword: v}),
        "render": lambda c, v: c.env_vars.render(**{keyword: v}),
        "review_rollout": lambda c, v: c.env_vars.review_rollout(**{keyword: v}),
        "start_rollout": lambda c, v: c.env_vars.start_rollout("Connect", **{keyword: v}),
    }


def _without_none(cases: tuple[list[object], list[str]]) -> tuple[list[object], list[str]]:
    """The bad segments less `None`, which means "not this scope" for a scope keyword."""
    pairs = [(v, i) for v, i in zip(*cases, strict=True) if v is not None]
    return [v for v, _ in pairs], [i for _, i in pairs]


BAD_KEYS, BAD_KEY_IDS = bad_segments(
    129,
    ("lowercase", "mode"),
    ("mixed-case", "Mode"),
    ("digit-first", "1MODE"),
    ("dash", "A-B"),
    ("dot-inside", "A.B"),
    ("space", "A B"),
    ("non-ascii", "ÄB"),
    ("render", "render"),
    ("RENDER", "RENDER"),
    ("rollout", "rollout"),
    ("ROLLOUT", "ROLLOUT"),
)
BAD_DEVICES, BAD_DEVICE_IDS = _without_none(
    bad_segments(257, ("render", "render"), ("ROLLOUT", "ROLLOUT"), ("bytes", b"abc"))
)
BAD_ORGS, BAD_ORG_IDS = _without_none(bad_segments(257))
BAD_VALUES: list[object] = [None, 123, b"v", "a\x00b", "a\x1bb", "x" * 16385, "é" * 8193, "\ud800"]
BAD_VALUE_IDS = ["None", "int", "bytes", "nul", "escape", "too-long", "too-many-bytes", "surrogate"]

SET_OP = {"op": "Set", "key": "A", "value": "1"}
BAD_OPS: list[object] = [
    [],
    [EnvVarOp.unset(f"K{n}") for n in range(51)],
    "A=1",
    b"ops",
    SET_OP,
    None,
    [None],
    ["A=1"],
    [("op", "Set")],
    [{"op": "set", "key": "A", "value": "1"}],
    [{"op": "Delete", "key": "A"}],
    [{"key": "A", "value": "1"}],
    [{"op": "Set", "key": "A"}],
    [{"op": "Set", "value": "1"}],
    [{"op": "Unset", "key": "A", "value": "1"}],
    [{"op": "Unset", "key": "A", "value": None}],
    [{**SET_OP, "access": ["Device"]}],
    [{**SET_OP, 1: "x"}],
    [SET_OP, {"op": "Set", "key": "a", "value": "1"}],
    [SET_OP, {"op": "Set", "key": "A", "value": "\x00"}],
]
BAD_OPS_IDS = [
    "empty",
    "51-ops",
    "str",
    "bytes",
    "a-bare-mapping",
    "None",
    "None-item",
    "str-item",
    "tuple-item",
    "lowercase-op",
    "unknown-op",
    "no-op",
    "set-without-value",
    "set-without-key",
    "unset-with-value",
    "unset-with-null-value",
    "extra-field",
    "non-str-field",
    "second-key-bad",
    "second-value-bad",
]

SCOPE_VALUES = {"product": 4567, "org": "acme", "device": DEV}

BAD_INPUT = [
    *bad_input_grid(
        {
            "set": lambda c, k: c.env_vars.set(k, "1"),
            "delete": lambda c, k: c.env_vars.delete(k, product=4567),
            "update-set": lambda c, k: c.env_vars.update([{"op": "Set", "key": k, "value": "1"}]),
            "update-unset": lambda c, k: c.env_vars.update([{"op": "Unset", "key": k}], org="o"),
        },
        BAD_KEYS,
        BAD_KEY_IDS,
        prefix="key",
    ),
    *bad_input_grid(_scoped_calls("device"), BAD_DEVICES, BAD_DEVICE_IDS, prefix="device"),
    *bad_input_grid(_scoped_calls("org"), BAD_ORGS, BAD_ORG_IDS, prefix="org"),
    *bad_input_grid(_scoped_calls("product"), BAD_PRODUCTS, prefix="product"),
    *bad_input_grid(
        {
            "set": lambda c, v: c.env_vars.set("A", v, device=DEV),
            "update": lambda c, v: c.env_vars.update([{"op": "Set", "key": "A", "value": v}]),
        },
        BAD_VALUES,
        BAD_VALUE_IDS,
        prefix="value",
    ),
    *bad_input_grid(
        {"update": lambda c, ops: c.env_vars.update(ops, product="my-fleet")},
        BAD_OPS,
        BAD_OPS_IDS,
        prefix="ops",
    ),
    *bad_input_grid(
        {"start_rollout": lambda c, when: c.env_vars.start_rollout(when)},
        ["immediate", "connect", "Now", "", None, 1],
        prefix="when",
    ),
    *[
        bad_input(
            f"scopes-{name}-{'+'.join(pair)}",
            lambda c, call=call, pair=pair: call(c, {k: SCOPE_VALUES[k] for k in pair}),
        )
        for name, call in {
            "list": lambda c, s: c.env_vars.list(**s),
            "set": lambda c, s: c.env_vars.set("A", "1", **s),
            "delete": lambda c, s: c.env_vars.delete("A", **s),
            "update": lambda c, s: c.env_vars.update([EnvVarOp.unset("A")], **s),
            "render": lambda c, s: c.env_vars.render(**s),
            "review_rollout": lambda c, s: c.env_vars.review_rollout(**s),
            "start_rollout": lambda c, s: c.env_vars.start_rollout("Immediate", **s),
        }.items()
        for pair in [
            *itertools.combinations(SCOPE_VALUES, 2),
            tuple(SCOPE_VALUES),
        ]
    ],
]


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json={"success": True})
    return api


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
