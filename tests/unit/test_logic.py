"""Wire-level tests of `client.logic` and its nested `functions` and `runs` sub-clients: the
exact request of every call in the sandbox and in an organization, the `logic_function` and
`result` wrappers, the models, which calls are retried, and every argument check that must
fire before any request."""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import MappingProxyType
from typing import Any

import pytest
import respx

from aioparticle import (
    APIError,
    APIResponseValidationError,
    InternalServerError,
    LogicEvent,
    LogicExecution,
    LogicFunction,
    LogicFunctionStats,
    LogicRun,
    LogicRunLog,
    LogicSource,
    LogicTodayStats,
    LogicTrigger,
    NotFoundError,
    ParticleClient,
    UnknownFunctionError,
)
from tests.conftest import load
from tests.unit._wire import (
    NO_BODY,
    BadInput,
    OpenCall,
    bad_input,
    bad_input_grid,
    bad_segments,
    check_request,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

UTC = timezone.utc
FUNCTION_ID = "0021e8f4-64ee-416d-83f3-898aa909fb1b"
RUN_ID = "a2f0c3d4-5b6e-4f70-8a91-b2c3d4e5f607"
CODE = "export default function main({ event }) {\n  console.log(event);\n}"
JS = {"type": "JavaScript", "code": CODE}

#: `org=` values and the path prefix each one must produce.
SCOPES = pytest.mark.parametrize(
    ("org", "prefix"),
    [(None, "/v1/logic"), ("acme", "/v1/orgs/acme/logic"), ("my org", "/v1/orgs/my%20org/logic")],
    ids=["sandbox", "org", "org-encoded"],
)

FUNCTION_BODY: dict[str, Any] = load("logic/function.json")
FUNCTIONS_BODY: dict[str, Any] = load("logic/functions.json")
RUNS_BODY: dict[str, Any] = load("logic/runs.json")
LOGS_BODY: dict[str, Any] = load("logic/logs.json")
EXECUTION_BODY: dict[str, Any] = load("logic/execution.json")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# =========================================================================== execute


@SCOPES
async def test_execute_sends_a_str_as_javascript_and_unwraps_the_result(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, EXECUTION_BODY)

    result = await client.logic.execute(CODE, org=org)

    check_request(only_request(api), "POST", f"{prefix}/execute", body={"source": JS})
    assert isinstance(result, LogicExecution)
    assert result.status == "Success"
    assert [log.level for log in result.logs] == ["info", "warn"]
    assert result.logs[0].args == ["event", {"event_name": "temperature", "event_data": "21.5"}]
    assert result.logs[1].timestamp == datetime(2023, 11, 8, 7, 5, 0, 130000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("event", "sent"),
    [
        (
            LogicEvent(event_name="temperature", event_data="21.5"),
            {"event_name": "temperature", "event_data": "21.5"},
        ),
        (
            LogicEvent(event_name="t", event_data=None, device_id="abc", product_id=18552),
            {"event_name": "t", "event_data": None, "device_id": "abc", "product_id": 18552},
        ),
        (
            LogicEvent.model_validate({"event_name": "t", "extra_key": [1, 2]}),
            {"event_name": "t", "extra_key": [1, 2]},
        ),
        (
            {"event_name": "t", "event_data": '{"a": 1}', "product_id": 5},
            {"event_name": "t", "event_data": '{"a": 1}', "product_id": 5},
        ),
        (
            MappingProxyType({"event_name": "t", "nested": (1, 2.5)}),
            {"event_name": "t", "nested": [1, 2.5]},
        ),
    ],
    ids=["model", "model-every-field", "model-extra-key", "mapping", "read-only-mapping"],
)
async def test_execute_sends_the_event_as_given(
    client: ParticleClient, api: respx.MockRouter, event: Any, sent: dict[str, Any]
) -> None:
    reply(api, EXECUTION_BODY)

    await client.logic.execute(CODE, event=event, api_username="bot+1a2b@api.particle.io")

    check_request(
        only_request(api),
        "POST",
        "/v1/logic/execute",
        body={"source": JS, "event": sent, "api_username": "bot+1a2b@api.particle.io"},
    )


async def test_execute_sends_a_source_mapping_as_given(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, EXECUTION_BODY)
    source = {"type": "JavaScript", "code": CODE, "entrypoint": "main"}

    await client.logic.execute(source, org="acme")

    check_request(only_request(api), "POST", "/v1/orgs/acme/logic/execute", body={"source": source})


async def test_execute_accepts_a_bare_result_and_keeps_unknown_fields(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"status": "Exception", "logs": [], "err": "TypeError: x is undefined", "ms": 12})

    result = await client.logic.execute(CODE)

    assert (result.status, result.logs, result.err) == (
        "Exception",
        [],
        "TypeError: x is undefined",
    )
    assert result.model_extra == {"ms": 12}


async def test_execute_is_not_retried(client: ParticleClient, api: respx.MockRouter) -> None:
    route = reply(api, {"error": "busy"}, status=503)

    with pytest.raises(InternalServerError):
        await client.logic.execute(CODE)
    assert route.call_count == 1


# =========================================================================== functions.list


@SCOPES
async def test_list_functions(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, FUNCTIONS_BODY)

    functions = await client.logic.functions.list(org=org)

    check_request(only_request(api), "GET", f"{prefix}/functions")
    assert [f.name for f in functions] == ["Temperature relay", "Nightly summary"]
    assert all(isinstance(f, LogicFunction) for f in functions)
    first = functions[0]
    assert first.today_stats == LogicTodayStats(success=12, failure=1, timeout=0)
    assert first.logic_triggers == [
        LogicTrigger(
            type="Event",
            id="36e618dc-62be-4d05-a6bd-213ca850182b",
            logic_function_id=FUNCTION_ID,
            enabled=True,
            product_id=18552,
            event_name="temperature",
        )
    ]
    assert functions[1].template_slug == "summary"
    assert functions[1].enabled is False


@pytest.mark.parametrize(("org", "prefix"), [(None, "/v1/logic"), ("acme", "/v1/orgs/acme/logic")])
async def test_list_functions_sends_today_stats_only_when_true(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, FUNCTIONS_BODY)

    await client.logic.functions.list(today_stats=True, org=org)
    await client.logic.functions.list(today_stats=False, org=org)

    check_request(api.calls[0].request, "GET", f"{prefix}/functions", query=b"today_stats=true")
    check_request(api.calls[1].request, "GET", f"{prefix}/functions")


async def test_list_functions_accepts_a_bare_list(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, [FUNCTION_BODY["logic_function"]])

    functions = await client.logic.functions.list()

    assert [f.id for f in functions] == [FUNCTION_ID]
    assert functions[0].today_stats is None


# =========================================================================== functions.get


@SCOPES
async def test_get_function(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, FUNCTION_BODY)

    function = await client.logic.functions.get(FUNCTION_ID, org=org)

    check_request(only_request(api), "GET", f"{prefix}/functions/{FUNCTION_ID}")
    assert function.id == FUNCTION_ID
    assert function.version == 3
    assert function.owner_id == "user:5dccf215b8d97300012b9d62"
    assert function.source == LogicSource(
        type="JavaScript", code=FUNCTION_BODY["logic_function"]["source"]["code"]
    )
    assert function.created_at == datetime(2023, 11, 7, 23, 6, 28, 942405, tzinfo=UTC)
    assert function.updated_at == at("2023-11-08T07:01:20.134717Z")
    scheduled = function.logic_triggers[1]
    assert (scheduled.type, scheduled.cron, scheduled.enabled) == (
        "Scheduled",
        "*/15 * * * *",
        False,
    )
    # a trigger key the model does not name is kept
    assert scheduled.model_extra == {"start_at": "2023-11-08T00:00:00Z"}


async def test_get_function_encodes_the_id_as_one_segment(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, FUNCTION_BODY)

    await client.logic.functions.get("a b%c", org="acme")

    check_request(only_request(api), "GET", "/v1/orgs/acme/logic/functions/a%20b%25c")


async def test_get_function_accepts_a_bare_object(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {**FUNCTION_BODY["logic_function"], "brand_new": {"x": 1}})

    function = await client.logic.functions.get(FUNCTION_ID)

    assert function.name == "Temperature relay"
    assert function.model_extra == {"brand_new": {"x": 1}}


async def test_get_function_is_retried(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(f"/v1/logic/functions/{FUNCTION_ID}")
    route.side_effect = [
        respx.MockResponse(503, json={"error": "busy"}),
        respx.MockResponse(200, json=FUNCTION_BODY),
    ]

    function = await client.logic.functions.get(FUNCTION_ID)

    assert route.call_count == 2
    assert len(sleeps) == 1
    assert function.id == FUNCTION_ID


@pytest.mark.parametrize(
    "path",
    [f"/v1/logic/functions/{FUNCTION_ID}", f"/v1/orgs/acme/logic/functions/{FUNCTION_ID}"],
)
async def test_an_unknown_logic_function_is_a_plain_not_found(
    client: ParticleClient, api: respx.MockRouter, path: str
) -> None:
    reply(api, {"ok": False, "error": "Logic function not found"}, status=404)
    org = "acme" if "/orgs/" in path else None

    with pytest.raises(NotFoundError, match="Logic function not found") as caught:
        await client.logic.functions.get(FUNCTION_ID, org=org)
    # not the error of a function a device does not expose
    assert type(caught.value) is NotFoundError


async def test_a_device_named_logic_still_reports_its_unknown_functions(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"ok": False, "error": "Function not found"}, status=404)

    with pytest.raises(UnknownFunctionError):
        await client.devices.call_function("logic", "open")


# =========================================================================== functions.create


@SCOPES
async def test_create_function_wraps_the_body_and_unwraps_the_answer(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, FUNCTION_BODY)

    function = await client.logic.functions.create("Temperature relay", CODE, org=org)

    check_request(
        only_request(api),
        "POST",
        f"{prefix}/functions",
        body={"logic_function": {"name": "Temperature relay", "source": JS}},
    )
    assert isinstance(function, LogicFunction)
    assert function.id == FUNCTION_ID


async def test_create_function_sends_every_option(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, FUNCTION_BODY)
    source = MappingProxyType({"type": "JavaScript", "code": CODE})

    await client.logic.functions.create(
        "Relay",
        source,
        description="Line one\nline two",
        enabled=False,
        logic_triggers=[
            LogicTrigger(type="Event", event_name="temperature", product_id=18552),
            LogicTrigger(
                type="Scheduled", cron="0 * * * *", enabled=True, start_at="2024-01-01T00:00:00Z"
            ),
            {"type": "Event", "event_name": "door", "product_id": 18552, "enabled": False},
        ],
        api_username="relay+5f0c1e@api.particle.io",
        org="acme",
    )

    check_request(
        only_request(api),
        "POST",
        "/v1/orgs/acme/logic/functions",
        body={
            "logic_function": {
                "name": "Relay",
                "source": JS,
                "description": "Line one\nline two",
                "enabled": False,
                "logic_triggers": [
                    {"type": "Event", "event_name": "temperature", "product_id": 18552},
                    {
                        "type": "Scheduled",
                        "cron": "0 * * * *",
                        "enabled": True,
                        "start_at": "2024-01-01T00:00:00Z",
                    },
                    {"type": "Event", "event_name": "door", "product_id": 18552, "enabled": False},
                ],
                "api_username": "relay+5f0c1e@api.particle.io",
            }
        },
    )


async def test_create_function_sends_an_empty_trigger_list_and_empty_description(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, FUNCTION_BODY)

    await client.logic.functions.create("n", CODE, description="", logic_triggers=())

    body = {"logic_function": {"name": "n", "source": JS, "description": "", "logic_triggers": []}}
    check_request(only_request(api), "POST", "/v1/logic/functions", body=body)


async def test_create_function_is_not_retried(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    route = reply(api, {"error": "busy"}, status=503)

    with pytest.raises(InternalServerError):
        await client.logic.functions.create("n", CODE)
    assert route.call_count == 1


# =========================================================================== functions.update


@SCOPES
@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"name": "Renamed"}, {"name": "Renamed"}),
        ({"enabled": False}, {"enabled": False}),
        ({"description": ""}, {"description": ""}),
        ({"source": CODE}, {"source": JS}),
        ({"logic_triggers": []}, {"logic_triggers": []}),
        (
            {"name": "n", "source": JS, "description": "d", "enabled": True},
            {"name": "n", "source": JS, "description": "d", "enabled": True},
        ),
    ],
    ids=["name", "enabled", "description-cleared", "source", "no-triggers", "several"],
)
async def test_update_function_sends_only_what_changes(
    client: ParticleClient,
    api: respx.MockRouter,
    org: str | None,
    prefix: str,
    kwargs: dict[str, Any],
    fields: dict[str, Any],
) -> None:
    reply(api, FUNCTION_BODY)

    function = await client.logic.functions.update(FUNCTION_ID, **kwargs, org=org)

    check_request(
        only_request(api),
        "PUT",
        f"{prefix}/functions/{FUNCTION_ID}",
        body={"logic_function": fields},
    )
    assert function.id == FUNCTION_ID


async def test_update_function_sends_fetched_triggers_back_with_their_ids(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, FUNCTION_BODY)
    function = await client.logic.functions.get(FUNCTION_ID)
    event_trigger = function.logic_triggers[0]

    await client.logic.functions.update(
        FUNCTION_ID, logic_triggers=[event_trigger, {"type": "Event", "event_name": "new"}]
    )

    check_request(
        api.calls[1].request,
        "PUT",
        f"/v1/logic/functions/{FUNCTION_ID}",
        body={
            "logic_function": {
                "logic_triggers": [
                    {
                        "type": "Event",
                        "id": "36e618dc-62be-4d05-a6bd-213ca850182b",
                        "logic_function_id": FUNCTION_ID,
                        "enabled": True,
                        "product_id": 18552,
                        "event_name": "temperature",
                    },
                    {"type": "Event", "event_name": "new"},
                ]
            }
        },
    )


async def test_update_function_is_retried(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.put(f"/v1/logic/functions/{FUNCTION_ID}")
    route.side_effect = [
        respx.MockResponse(503, json={"error": "busy"}),
        respx.MockResponse(200, json=FUNCTION_BODY),
    ]

    await client.logic.functions.update(FUNCTION_ID, enabled=True)

    assert route.call_count == 2
    assert len(sleeps) == 1


# =========================================================================== functions.delete


@SCOPES
async def test_delete_function(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, {"ok": True})

    assert await client.logic.functions.delete(FUNCTION_ID, org=org) is None

    check_request(only_request(api), "DELETE", f"{prefix}/functions/{FUNCTION_ID}")


async def test_delete_function_accepts_no_content(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, None, status=204)

    assert await client.logic.functions.delete(FUNCTION_ID) is None


async def test_delete_function_not_ok_raises(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, {"ok": False, "error": "function is locked"})

    with pytest.raises(APIError, match="function is locked"):
        await client.logic.functions.delete(FUNCTION_ID)


async def test_delete_function_is_retried(
    client: ParticleClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.delete(f"/v1/logic/functions/{FUNCTION_ID}")
    route.side_effect = [
        respx.MockResponse(502, json={"error": "bad gateway"}),
        respx.MockResponse(200, json={"ok": True}),
    ]

    await client.logic.functions.delete(FUNCTION_ID)

    assert route.call_count == 2


# =========================================================================== runs


@SCOPES
async def test_list_runs(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, RUNS_BODY)

    runs = await client.logic.runs.list(FUNCTION_ID, org=org)

    check_request(only_request(api), "GET", f"{prefix}/functions/{FUNCTION_ID}/runs")
    assert all(isinstance(run, LogicRun) for run in runs)
    assert [(r.status, r.logic_trigger_type) for r in runs] == [
        ("Success", "Event"),
        ("Exception", "Scheduled"),
    ]
    assert runs[0].started_at == datetime(2023, 11, 8, 7, 5, 0, 100000, tzinfo=UTC)
    assert runs[0].finished_at == datetime(2023, 11, 8, 7, 5, 0, 350000, tzinfo=UTC)
    assert runs[0].logic_trigger_id == "36e618dc-62be-4d05-a6bd-213ca850182b"
    assert runs[0].log_filename == f"{RUN_ID}.log"


async def test_list_runs_accepts_a_bare_list(client: ParticleClient, api: respx.MockRouter) -> None:
    reply(api, RUNS_BODY["logic_runs"][:1])

    runs = await client.logic.runs.list(FUNCTION_ID)

    assert [r.id for r in runs] == [RUN_ID]


@SCOPES
@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "bare"])
async def test_get_run(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str, wrapped: bool
) -> None:
    run_body = {**RUNS_BODY["logic_runs"][0], "duration_ms": 250}
    reply(api, {"logic_run": run_body} if wrapped else run_body)

    run = await client.logic.runs.get(FUNCTION_ID, RUN_ID, org=org)

    check_request(only_request(api), "GET", f"{prefix}/functions/{FUNCTION_ID}/runs/{RUN_ID}")
    assert run.id == RUN_ID
    assert run.logic_function_id == FUNCTION_ID
    assert run.model_extra == {"duration_ms": 250}


@SCOPES
async def test_get_run_logs(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, LOGS_BODY)

    logs = await client.logic.runs.get_logs(FUNCTION_ID, RUN_ID, org=org)

    check_request(only_request(api), "GET", f"{prefix}/functions/{FUNCTION_ID}/runs/{RUN_ID}/logs")
    assert all(isinstance(line, LogicRunLog) for line in logs)
    assert [(line.level, line.args) for line in logs] == [
        ("info", ["received", {"temp": 21.5}]),
        ("error", ["relay failed:", "timeout"]),
    ]
    # an ISO timestamp and one in epoch milliseconds are both aware UTC instants
    assert logs[0].timestamp == datetime(2023, 11, 8, 7, 5, 0, 120000, tzinfo=UTC)
    assert logs[1].timestamp == datetime(2023, 11, 8, 7, 5, 0, 300000, tzinfo=UTC)


async def test_get_run_logs_accepts_a_bare_list(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, [{"level": "info", "args": []}])

    logs = await client.logic.runs.get_logs(FUNCTION_ID, RUN_ID)

    assert logs == [LogicRunLog(level="info", timestamp=None, args=[])]


# =========================================================================== models


def test_models_make_naive_timestamps_utc() -> None:
    function = LogicFunction.model_validate(
        {"id": "f", "created_at": "2024-03-01T12:00:00", "updated_at": "2024-03-01T13:00:00+02:00"}
    )
    run = LogicRun.model_validate({"id": "r", "started_at": "2024-03-01T12:00:00.5"})
    line = LogicRunLog.model_validate({"timestamp": "2024-03-01T12:00:00"})

    assert function.created_at == datetime(2024, 3, 1, 12, tzinfo=UTC)
    assert function.updated_at == datetime(2024, 3, 1, 11, tzinfo=UTC)
    for when in (function.created_at, function.updated_at, run.started_at, line.timestamp):
        assert when is not None and when.tzinfo is not None


def test_models_keep_unknown_fields_at_every_level() -> None:
    body = FUNCTION_BODY["logic_function"]
    function = LogicFunction.model_validate(
        {**body, "source": {**body["source"], "runtime": "v2"}, "locked": False}
    )

    assert function.model_extra == {"locked": False}
    assert function.source is not None and function.source.model_extra == {"runtime": "v2"}


def test_a_function_listed_without_stats_or_source_still_parses() -> None:
    function = LogicFunction.model_validate({"id": "f"})

    assert (function.name, function.source, function.today_stats) == (None, None, None)
    assert function.logic_triggers == []


def test_the_input_models_need_their_key_field() -> None:
    with pytest.raises(ValueError, match="type"):
        LogicTrigger()  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="event_name"):
        LogicEvent()  # type: ignore[call-arg]


# =========================================================================== bad input

FUNCTION_ID_CALLS: dict[str, OpenCall] = {
    "get": lambda c, v: c.logic.functions.get(v),
    "update": lambda c, v: c.logic.functions.update(v, name="n"),
    "delete": lambda c, v: c.logic.functions.delete(v),
    "runs.list": lambda c, v: c.logic.runs.list(v),
    "runs.get": lambda c, v: c.logic.runs.get(v, RUN_ID),
    "runs.get_logs": lambda c, v: c.logic.runs.get_logs(v, RUN_ID),
}
RUN_ID_CALLS: dict[str, OpenCall] = {
    "runs.get": lambda c, v: c.logic.runs.get(FUNCTION_ID, v),
    "runs.get_logs": lambda c, v: c.logic.runs.get_logs(FUNCTION_ID, v),
}
ORG_CALLS: dict[str, OpenCall] = {
    "execute": lambda c, v: c.logic.execute(CODE, org=v),
    "list": lambda c, v: c.logic.functions.list(org=v),
    "get": lambda c, v: c.logic.functions.get(FUNCTION_ID, org=v),
    "create": lambda c, v: c.logic.functions.create("n", CODE, org=v),
    "update": lambda c, v: c.logic.functions.update(FUNCTION_ID, name="n", org=v),
    "delete": lambda c, v: c.logic.functions.delete(FUNCTION_ID, org=v),
    "runs.list": lambda c, v: c.logic.runs.list(FUNCTION_ID, org=v),
    "runs.get": lambda c, v: c.logic.runs.get(FUNCTION_ID, RUN_ID, org=v),
    "runs.get_logs": lambda c, v: c.logic.runs.get_logs(FUNCTION_ID, RUN_ID, org=v),
}
SOURCE_CALLS: dict[str, OpenCall] = {
    "execute": lambda c, v: c.logic.execute(v),
    "create": lambda c, v: c.logic.functions.create("n", v),
    "update": lambda c, v: c.logic.functions.update(FUNCTION_ID, source=v),
}
NAME_CALLS: dict[str, OpenCall] = {
    "create": lambda c, v: c.logic.functions.create(v, CODE),
    "update": lambda c, v: c.logic.functions.update(FUNCTION_ID, name=v),
}
DESCRIPTION_CALLS: dict[str, OpenCall] = {
    "create": lambda c, v: c.logic.functions.create("n", CODE, description=v),
    "update": lambda c, v: c.logic.functions.update(FUNCTION_ID, description=v),
}
TRIGGER_CALLS: dict[str, OpenCall] = {
    "create": lambda c, v: c.logic.functions.create("n", CODE, logic_triggers=v),
    "update": lambda c, v: c.logic.functions.update(FUNCTION_ID, logic_triggers=v),
}
API_USERNAME_CALLS: dict[str, OpenCall] = {
    "execute": lambda c, v: c.logic.execute(CODE, api_username=v),
    "create": lambda c, v: c.logic.functions.create("n", CODE, api_username=v),
}
FLAG_CALLS: dict[str, OpenCall] = {
    "list-today_stats": lambda c, v: c.logic.functions.list(today_stats=v),
    "create-enabled": lambda c, v: c.logic.functions.create("n", CODE, enabled=v),
    "update-enabled": lambda c, v: c.logic.functions.update(FUNCTION_ID, enabled=v),
}

SEGMENTS, SEGMENT_IDS = bad_segments(257)
BAD_SOURCES: list[object] = [
    "",
    "   \n\t",
    "a\x00b",
    "x" * 1_048_577,
    b"code",
    42,
    ["export default function main() {}"],
    {},
    {"type": "JavaScript"},
    {"type": "JavaScript", "code": ""},
    {"type": "JavaScript", "code": 7},
    {"code": CODE},
    {"type": "", "code": CODE},
    {"type": "JavaScript", "code": CODE, "opts": {1: "non-str key"}},
    {"type": "JavaScript", "code": CODE, "opts": float("nan")},
    {"type": "JavaScript", "code": CODE, "opts": object()},
]
BAD_SOURCE_IDS = [
    "empty",
    "blank",
    "nul",
    "too-long",
    "bytes",
    "int",
    "list",
    "empty-mapping",
    "no-code",
    "empty-code",
    "code-not-str",
    "no-type",
    "empty-type",
    "non-str-key",
    "nan",
    "not-json",
]
BAD_NAMES: list[object] = ["", "a\nb", "tab\there", "x" * 257, 3]
BAD_DESCRIPTIONS: list[object] = ["x" * 4097, "bell\x07", 3, ["d"]]
BAD_TRIGGERS: list[object] = [
    "",
    "Event",
    b"Event",
    {"type": "Event", "event_name": "t"},
    LogicTrigger(type="Event", event_name="t"),
    42,
    ["Event"],
    [None],
    [{"event_name": "t"}],
    [{"type": "", "event_name": "t"}],
    [{"type": 1}],
    [{"type": "Event", "when": datetime(2024, 1, 1, tzinfo=UTC)}],
]
BAD_TRIGGER_IDS = [
    "empty-str",
    "str",
    "bytes",
    "bare-mapping",
    "bare-model",
    "int",
    "list-of-str",
    "list-of-None",
    "no-type",
    "empty-type",
    "type-not-str",
    "not-json",
]
BAD_API_USERNAMES: list[object] = ["", "bot", "@api.particle.io", "bot@", "a b@x.io", "x\n@y", 1]
BAD_FLAGS: list[object] = [1, "true"]
BAD_ORGS: list[object] = ["", ".", "..", "a/b", "a?b", "a#b", "a\x00b", "x" * 257, 7]

BAD_INPUT = [
    *bad_input_grid(FUNCTION_ID_CALLS, SEGMENTS, SEGMENT_IDS, prefix="function_id"),
    *bad_input_grid(RUN_ID_CALLS, SEGMENTS, SEGMENT_IDS, prefix="run_id"),
    *bad_input_grid(ORG_CALLS, BAD_ORGS, prefix="org"),
    *bad_input_grid(SOURCE_CALLS, BAD_SOURCES, BAD_SOURCE_IDS, prefix="source"),
    *bad_input_grid(NAME_CALLS, BAD_NAMES, prefix="name"),
    *bad_input_grid(DESCRIPTION_CALLS, BAD_DESCRIPTIONS, prefix="description"),
    *bad_input_grid(TRIGGER_CALLS, BAD_TRIGGERS, BAD_TRIGGER_IDS, prefix="logic_triggers"),
    *bad_input_grid(API_USERNAME_CALLS, BAD_API_USERNAMES, prefix="api_username"),
    *bad_input_grid(FLAG_CALLS, BAD_FLAGS, prefix="flag"),
    bad_input("create-name-None", lambda c: c.logic.functions.create(None, CODE)),
    bad_input("create-source-None", lambda c: c.logic.functions.create("n", None)),
    bad_input("list-today_stats-None", lambda c: c.logic.functions.list(today_stats=None)),
    bad_input("update-nothing", lambda c: c.logic.functions.update(FUNCTION_ID)),
    bad_input("update-only-None", lambda c: c.logic.functions.update(FUNCTION_ID, name=None)),
    bad_input("execute-event-str", lambda c: c.logic.execute(CODE, event="temperature")),
    bad_input("execute-event-list", lambda c: c.logic.execute(CODE, event=[("event_name", "t")])),
    bad_input("execute-event-not-json", lambda c: c.logic.execute(CODE, event={"t": {1, 2}})),
    bad_input("execute-source-None", lambda c: c.logic.execute(None)),
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
    ("call", "words"),
    [
        (lambda c: c.logic.execute(42), ["source", "str", "'type': 'JavaScript'"]),
        (
            lambda c: c.logic.functions.create("n", CODE, logic_triggers="t"),
            ["LogicTrigger", "sequence", "got str"],
        ),
        (
            lambda c: c.logic.functions.create("n", CODE, logic_triggers=[{}]),
            ["logic_triggers[0]", "'Event'", "'Scheduled'"],
        ),
        (lambda c: c.logic.execute(CODE, api_username="bot"), ["api_username", "name@domain"]),
        (lambda c: c.logic.functions.update(FUNCTION_ID), ["name=", "source=", "logic_triggers="]),
        (lambda c: c.logic.execute(CODE, event="t"), ["event", "LogicEvent", "mapping"]),
    ],
    ids=["source", "triggers-str", "trigger-type", "api_username", "update-nothing", "event"],
)
async def test_refusals_name_what_is_allowed(
    client: ParticleClient, guard: respx.MockRouter, call: Any, words: list[str]
) -> None:
    with pytest.raises(ValueError) as caught:  # noqa: PT011 - the message is checked below
        await call(client)
    for word in words:
        assert word in str(caught.value)
    assert len(guard.calls) == 0


# =========================================================================== stats, product scope

STATS_BODY: dict[str, Any] = {
    "logic_function_stats": [
        {"date": "20250301", "success": 10, "failure": 2, "timeout": 0},
        {"date": "20250302", "success": 7, "failure": 0, "timeout": 1, "retried": 3},
    ]
}


@SCOPES
async def test_get_stats_reads_the_compact_dates(
    client: ParticleClient, api: respx.MockRouter, org: str | None, prefix: str
) -> None:
    reply(api, STATS_BODY)

    stats = await client.logic.functions.get_stats(FUNCTION_ID, org=org)

    check_request(only_request(api), "GET", f"{prefix}/functions/{FUNCTION_ID}/stats")
    assert all(isinstance(day, LogicFunctionStats) for day in stats)
    assert [(d.date, d.success, d.failure, d.timeout) for d in stats] == [
        (date(2025, 3, 1), 10, 2, 0),
        (date(2025, 3, 2), 7, 0, 1),
    ]
    assert stats[1].model_extra == {"retried": 3}


async def test_get_stats_of_a_function_that_never_ran_is_empty(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"logic_function_stats": []})
    assert await client.logic.functions.get_stats(FUNCTION_ID) == []


async def test_stats_with_a_date_that_is_not_a_date_is_a_validation_error(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reply(api, {"logic_function_stats": [{"date": "20251399", "success": 1}]})
    with pytest.raises(APIResponseValidationError):
        await client.logic.functions.get_stats(FUNCTION_ID)


PRODUCT_PREFIXES = pytest.mark.parametrize(
    ("product", "prefix"),
    [(4567, "/v1/products/4567/logic"), ("my product", "/v1/products/my%20product/logic")],
    ids=["product-id", "product-slug"],
)

#: Every Logic call in a product: (call, method, path after the prefix, body sent, answer).
PRODUCT_CALLS: list[Any] = [
    pytest.param(
        lambda c, p: c.logic.execute(CODE, product=p),
        "POST",
        "/execute",
        {"source": JS},
        EXECUTION_BODY,
        id="execute",
    ),
    pytest.param(
        lambda c, p: c.logic.functions.list(product=p),
        "GET",
        "/functions",
        NO_BODY,
        FUNCTIONS_BODY,
        id="functions-list",
    ),
    pytest.param(
        lambda c, p: c.logic.functions.get(FUNCTION_ID, product=p),
        "GET",
        f"/functions/{FUNCTION_ID}",
        NO_BODY,
        FUNCTION_BODY,
        id="functions-get",
    ),
    pytest.param(
        lambda c, p: c.logic.functions.create("relay", CODE, product=p),
        "POST",
        "/functions",
        {"logic_function": {"name": "relay", "source": JS}},
        FUNCTION_BODY,
        id="functions-create",
    ),
    pytest.param(
        lambda c, p: c.logic.functions.update(FUNCTION_ID, enabled=False, product=p),
        "PUT",
        f"/functions/{FUNCTION_ID}",
        {"logic_function": {"enabled": False}},
        FUNCTION_BODY,
        id="functions-update",
    ),
    pytest.param(
        lambda c, p: c.logic.functions.delete(FUNCTION_ID, product=p),
        "DELETE",
        f"/functions/{FUNCTION_ID}",
        NO_BODY,
        None,
        id="functions-delete",
    ),
    pytest.param(
        lambda c, p: c.logic.functions.get_stats(FUNCTION_ID, product=p),
        "GET",
        f"/functions/{FUNCTION_ID}/stats",
        NO_BODY,
        STATS_BODY,
        id="functions-get-stats",
    ),
    pytest.param(
        lambda c, p: c.logic.runs.list(FUNCTION_ID, product=p),
        "GET",
        f"/functions/{FUNCTION_ID}/runs",
        NO_BODY,
        RUNS_BODY,
        id="runs-list",
    ),
    pytest.param(
        lambda c, p: c.logic.runs.get(FUNCTION_ID, RUN_ID, product=p),
        "GET",
        f"/functions/{FUNCTION_ID}/runs/{RUN_ID}",
        NO_BODY,
        {"logic_run": RUNS_BODY["logic_runs"][0]},
        id="runs-get",
    ),
    pytest.param(
        lambda c, p: c.logic.runs.get_logs(FUNCTION_ID, RUN_ID, product=p),
        "GET",
        f"/functions/{FUNCTION_ID}/runs/{RUN_ID}/logs",
        NO_BODY,
        LOGS_BODY,
        id="runs-get-logs",
    ),
]


@PRODUCT_PREFIXES
@pytest.mark.parametrize(("call", "method", "path", "body", "answer"), PRODUCT_CALLS)
async def test_every_logic_call_reaches_a_product_with_product(
    client: ParticleClient,
    api: respx.MockRouter,
    product: int | str,
    prefix: str,
    call: OpenCall,
    method: str,
    path: str,
    body: Any,
    answer: Any,
) -> None:
    reply(api, answer)

    await call(client, product)

    check_request(only_request(api), method, f"{prefix}{path}", body=body)


BAD_PRODUCT_SCOPE = [
    *bad_input_grid(
        {
            "execute": lambda c, v: c.logic.execute(CODE, **v),
            "functions-list": lambda c, v: c.logic.functions.list(**v),
            "functions-get": lambda c, v: c.logic.functions.get(FUNCTION_ID, **v),
            "functions-create": lambda c, v: c.logic.functions.create("n", CODE, **v),
            "functions-update": lambda c, v: c.logic.functions.update(FUNCTION_ID, name="n", **v),
            "functions-delete": lambda c, v: c.logic.functions.delete(FUNCTION_ID, **v),
            "functions-get-stats": lambda c, v: c.logic.functions.get_stats(FUNCTION_ID, **v),
            "runs-list": lambda c, v: c.logic.runs.list(FUNCTION_ID, **v),
            "runs-get": lambda c, v: c.logic.runs.get(FUNCTION_ID, RUN_ID, **v),
            "runs-get-logs": lambda c, v: c.logic.runs.get_logs(FUNCTION_ID, RUN_ID, **v),
        },
        [{"product": 1, "org": "acme"}, {"product": -1}, {"product": "a/b"}, {"product": True}],
        ["product-and-org", "negative-product", "slash-product", "bool-product"],
    ),
    *bad_input_grid(
        {"get-stats": lambda c, v: c.logic.functions.get_stats(v)},
        *bad_segments(300),
        prefix="function-id",
    ),
]


@pytest.mark.parametrize("case", BAD_PRODUCT_SCOPE)
async def test_product_scope_and_stats_refuse_bad_input_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)
