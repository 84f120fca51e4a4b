"""`client.logic` against the local cloud over real HTTP: saved functions with their triggers
in a sandbox and in an organization, one-off executions whose outcome the test scripts (the
local cloud runs no JavaScript), runs started by published events or seeded by the test, and
who may see what."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import anyio
import pytest

from aioparticle import (
    BadRequestError,
    LogicEvent,
    LogicTrigger,
    NotFoundError,
    ParticleClient,
    PermissionDeniedError,
)
from aioparticle.testing import LocalCloud
from tests.integration.conftest import OTHER_USER, PRODUCT_ID, Fleet

pytestmark = pytest.mark.anyio

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
CODE = "export default function main({ event }) {\n  console.log(event.eventData);\n}"
ORG_PRODUCT = 4300


@pytest.fixture
def org(fleet: Fleet) -> str:
    """An organization of the default account owning one product (ORG_PRODUCT)."""
    fleet.cloud.add_org("acme")
    fleet.cloud.add_product(ORG_PRODUCT, slug="org-product", org="acme")
    return "acme"


async def _lifecycle(sdk: ParticleClient, org: str | None, org_ref: str | None) -> None:
    """Create, list, get, update and delete one function in the scope `org` (reached again as
    `org_ref`, the same scope by another name)."""
    functions = sdk.logic.functions
    before = datetime.now(timezone.utc)
    created = await functions.create(
        "Temperature relay",
        CODE,
        description="Relays temperatures",
        logic_triggers=[
            LogicTrigger(type="Event", event_name="temperature", product_id=PRODUCT_ID),
            {"type": "Scheduled", "cron": "*/15 * * * *"},
        ],
        org=org,
    )
    assert UUID.fullmatch(created.id)
    assert (created.name, created.description, created.enabled, created.version) == (
        "Temperature relay",
        "Relays temperatures",
        True,
        1,
    )
    assert created.source is not None
    assert (created.source.type, created.source.code) == ("JavaScript", CODE)
    assert created.created_at is not None and created.created_at.tzinfo is not None
    assert before - timedelta(seconds=1) <= created.created_at <= datetime.now(timezone.utc)
    assert created.updated_at == created.created_at
    event_trigger, scheduled = created.logic_triggers
    assert (event_trigger.type, event_trigger.event_name, event_trigger.product_id) == (
        "Event",
        "temperature",
        PRODUCT_ID,
    )
    assert (scheduled.type, scheduled.cron) == ("Scheduled", "*/15 * * * *")
    for trigger in created.logic_triggers:
        assert trigger.id is not None and UUID.fullmatch(trigger.id)
        assert (trigger.logic_function_id, trigger.enabled) == (created.id, True)

    assert [f.id for f in await functions.list(org=org_ref)] == [created.id]
    assert await functions.get(created.id, org=org_ref) == created

    # the Event trigger is changed in place (same id), the scheduled one dropped, one added
    updated = await functions.update(
        created.id,
        name="Relay",
        enabled=False,
        logic_triggers=[
            event_trigger.model_copy(update={"event_name": "temp"}),
            {"type": "Event", "event_name": "door"},
        ],
        org=org_ref,
    )
    assert (updated.id, updated.name, updated.enabled, updated.version) == (
        created.id,
        "Relay",
        False,
        2,
    )
    assert updated.description == "Relays temperatures"  # not sent, so kept
    assert updated.source == created.source
    assert updated.created_at == created.created_at
    assert updated.updated_at is not None and created.updated_at is not None
    assert updated.updated_at > created.updated_at
    first, added = updated.logic_triggers
    assert (first.id, first.event_name, first.product_id) == (event_trigger.id, "temp", PRODUCT_ID)
    assert added.id not in (event_trigger.id, scheduled.id)
    assert (added.event_name, added.product_id) == ("door", None)
    assert await functions.get(created.id, org=org) == updated

    await functions.delete(created.id, org=org)
    assert await functions.list(org=org) == []
    for gone in (
        functions.get(created.id, org=org),
        functions.update(created.id, name="again", org=org),
        functions.delete(created.id, org=org),
        sdk.logic.runs.list(created.id, org=org),
    ):
        with pytest.raises(NotFoundError) as caught:
            await gone
        assert type(caught.value) is NotFoundError


async def test_a_sandbox_function_from_creation_to_deletion(
    fleet: Fleet, sdk: ParticleClient
) -> None:
    with anyio.fail_after(10):
        await _lifecycle(sdk, None, None)


async def test_an_org_function_from_creation_to_deletion(
    fleet: Fleet, sdk: ParticleClient, org: str
) -> None:
    org_id = fleet.cloud.orgs[org].id
    with anyio.fail_after(10):
        await _lifecycle(sdk, org, org_id)


async def test_sandbox_and_org_functions_are_kept_apart(
    fleet: Fleet, sdk: ParticleClient, org: str
) -> None:
    with anyio.fail_after(10):
        mine = await sdk.logic.functions.create("mine", CODE)
        theirs = await sdk.logic.functions.create("the org's", CODE, org=org)
        assert theirs.owner_id == f"org:{fleet.cloud.orgs[org].id}"
        assert mine.owner_id is not None and mine.owner_id.startswith("user:")

        assert [f.name for f in await sdk.logic.functions.list()] == ["mine"]
        assert [f.name for f in await sdk.logic.functions.list(org=org)] == ["the org's"]
        with pytest.raises(NotFoundError):
            await sdk.logic.functions.get(theirs.id)
        with pytest.raises(NotFoundError):
            await sdk.logic.functions.get(mine.id, org=org)
        with pytest.raises(NotFoundError):
            await sdk.logic.functions.delete(mine.id, org=org)

        # another account's sandbox is its own
        other = sdk.with_options(access_token=fleet.other_token)
        assert await other.logic.functions.list() == []
        with pytest.raises(NotFoundError):
            await other.logic.functions.get(mine.id)
        with pytest.raises(NotFoundError):
            await other.logic.runs.list(mine.id)
        assert [f.name for f in await sdk.logic.functions.list()] == ["mine"]


async def test_only_org_members_reach_an_orgs_logic(
    fleet: Fleet, sdk: ParticleClient, org: str
) -> None:
    with anyio.fail_after(10):
        function = await sdk.logic.functions.create("the org's", CODE, org=org)
        run = fleet.cloud.add_logic_run(function.id)
        outsider = sdk.with_options(access_token=fleet.other_token)
        for refused in (
            outsider.logic.functions.list(org=org),
            outsider.logic.functions.get(function.id, org=org),
            outsider.logic.functions.create("mine now", CODE, org=org),
            outsider.logic.functions.update(function.id, name="mine now", org=org),
            outsider.logic.functions.delete(function.id, org=org),
            outsider.logic.execute(CODE, org=org),
            outsider.logic.runs.list(function.id, org=org),
            outsider.logic.runs.get(function.id, run.id, org=org),
            outsider.logic.runs.get_logs(function.id, run.id, org=org),
        ):
            with pytest.raises(PermissionDeniedError):
                await refused
        with pytest.raises(NotFoundError):
            await sdk.logic.functions.list(org="no-such-org")
        # nothing changed
        assert await sdk.logic.functions.get(function.id, org=org) == function
        assert fleet.cloud.logic_executions == []

        # once a member, the outsider sees the organization's functions
        fleet.cloud.orgs[org].members.add(OTHER_USER)
        assert [f.id for f in await outsider.logic.functions.list(org=org)] == [function.id]


async def test_execute_answers_what_the_test_scripted(
    fleet: Fleet, sdk: ParticleClient, org: str
) -> None:
    cloud = fleet.cloud
    seen: list[tuple[dict[str, Any], dict[str, Any] | None]] = []

    def script(source: dict[str, Any], event: dict[str, Any] | None) -> dict[str, Any]:
        seen.append((source, event))
        return {
            "status": "Exception",
            "logs": ["starting", {"level": "error", "args": ["boom", 42]}],
            "err": "Error: boom",
        }

    with anyio.fail_after(10):
        # unscripted, an execution succeeds and logs the event it was given
        default = await sdk.logic.execute(CODE, event={"event_name": "temperature"})
        assert default.status == "Success"
        (line,) = default.logs
        assert (line.level, line.args) == ("info", ["event", {"event_name": "temperature"}])
        assert line.timestamp is not None and line.timestamp.tzinfo is not None

        cloud.logic_script = script
        event = LogicEvent(event_name="temperature", event_data="21.5", product_id=ORG_PRODUCT)
        result = await sdk.logic.execute(
            CODE, event=event, api_username="bot+1a2b@api.particle.io", org=org
        )
        assert (result.status, result.err) == ("Exception", "Error: boom")
        assert [(log.level, log.args) for log in result.logs] == [
            ("info", ["starting"]),
            ("error", ["boom", 42]),
        ]
        assert seen == [
            (
                {"type": "JavaScript", "code": CODE},
                {"event_name": "temperature", "event_data": "21.5", "product_id": ORG_PRODUCT},
            )
        ]

        # a source object is run as given, without an event
        await sdk.logic.execute({"type": "JavaScript", "code": "main()"})
        assert seen[-1] == ({"type": "JavaScript", "code": "main()"}, None)

    first, second, third = cloud.logic_executions
    assert (first.username, first.org_id) == (cloud.username, None)
    assert (second.username, second.org_id) == (None, cloud.orgs[org].id)
    assert second.api_username == "bot+1a2b@api.particle.io"
    assert third.event is None
    assert cloud.logic_functions == {}  # executing saves nothing


async def test_published_events_run_the_functions_they_trigger(
    fleet: Fleet, sdk: ParticleClient, org: str
) -> None:
    cloud = fleet.cloud
    cloud.logic_script = lambda source, event: {
        "status": "Success",
        "logs": [{"level": "info", "args": [source["code"], event]}],
    }
    with anyio.fail_after(10):
        sandbox = await sdk.logic.functions.create(
            "sandbox",
            "sandbox()",
            logic_triggers=[{"type": "Event", "event_name": "temperature"}],
        )
        product = await sdk.logic.functions.create(
            "product",
            "product()",
            logic_triggers=[
                LogicTrigger(type="Event", event_name="temperature", product_id=PRODUCT_ID),
                LogicTrigger(type="Event", event_name="door", product_id=PRODUCT_ID, enabled=False),
            ],
        )
        disabled = await sdk.logic.functions.create(
            "disabled",
            "disabled()",
            enabled=False,
            logic_triggers=[{"type": "Event", "event_name": "temperature"}],
        )
        in_org = await sdk.logic.functions.create(
            "org",
            "org()",
            logic_triggers=[
                {"type": "Event", "event_name": "temperature", "product_id": ORG_PRODUCT}
            ],
            org=org,
        )

        await sdk.events.publish("temperature", "21.5")  # the sandbox's own event
        fleet.units[0].publish("temperature", "19")  # a device of the fleet product
        fleet.units[0].publish("door", "open")  # its trigger is disabled
        await sdk.events.publish("humidity", "40")  # no trigger
        cloud.add_device("org-unit", product=ORG_PRODUCT, owner=None).publish("temperature", "7")

        (sandbox_run,) = await sdk.logic.runs.list(sandbox.id)
        assert (sandbox_run.status, sandbox_run.logic_trigger_type) == ("Success", "Event")
        assert sandbox_run.logic_trigger_id == sandbox.logic_triggers[0].id
        assert sandbox_run.logic_function_id == sandbox.id
        (line,) = await sdk.logic.runs.get_logs(sandbox.id, sandbox_run.id)
        assert line.args == [
            "sandbox()",
            {
                "event_name": "temperature",
                "event_data": "21.5",
                "device_id": "api",
                "product_id": None,
            },
        ]

        (product_run,) = await sdk.logic.runs.list(product.id)
        assert product_run.logic_trigger_id == product.logic_triggers[0].id
        (line,) = await sdk.logic.runs.get_logs(product.id, product_run.id)
        assert line.args[1] == {
            "event_name": "temperature",
            "event_data": "19",
            "device_id": fleet.units[0].id,
            "product_id": PRODUCT_ID,
        }

        assert await sdk.logic.runs.list(disabled.id) == []
        (org_run,) = await sdk.logic.runs.list(in_org.id, org=org)
        (line,) = await sdk.logic.runs.get_logs(in_org.id, org_run.id, org=org)
        assert line.args[1]["event_data"] == "7"


async def test_runs_and_their_logs_as_the_test_seeds_them(
    cloud: LocalCloud, sdk: ParticleClient
) -> None:
    function = cloud.add_logic_function(
        "seeded", triggers=[{"type": "Scheduled", "cron": "0 * * * *"}]
    )
    now = datetime.now(timezone.utc)
    yesterday = cloud.add_logic_run(
        function.id, status="Success", logs=["old"], started_at=now - timedelta(days=1)
    )
    failed = cloud.add_logic_run(
        function.id,
        status="Exception",
        logs=["parsing", {"level": "error", "args": ["bad JSON", 3]}],
        started_at=now - timedelta(minutes=5),
        trigger_id=function.triggers[0]["id"],
    )
    timed_out = cloud.add_logic_run(
        function.id, status="Timeout", started_at=now - timedelta(minutes=1)
    )

    with anyio.fail_after(10):
        runs = await sdk.logic.runs.list(function.id)
        assert [r.id for r in runs] == [timed_out.id, failed.id, yesterday.id]  # newest first

        run = await sdk.logic.runs.get(function.id, failed.id)
        assert run == runs[1]
        assert (run.status, run.logic_trigger_type, run.logic_trigger_id) == (
            "Exception",
            "Scheduled",
            function.triggers[0]["id"],
        )
        assert run.started_at is not None and run.finished_at is not None
        assert abs(run.started_at - (now - timedelta(minutes=5))) < timedelta(milliseconds=1)
        assert run.finished_at - run.started_at == timedelta(seconds=1)

        logs = await sdk.logic.runs.get_logs(function.id, failed.id)
        assert [(line.level, line.args) for line in logs] == [
            ("info", ["parsing"]),
            ("error", ["bad JSON", 3]),
        ]
        assert all(line.timestamp == run.started_at for line in logs)

        # today's counts (since midnight UTC) leave yesterday's run out
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        (listed,) = await sdk.logic.functions.list(today_stats=True)
        assert listed.today_stats is not None
        stats = listed.today_stats
        assert (stats.success, stats.failure, stats.timeout) == (
            0,
            int(failed.started_at >= midnight),
            int(timed_out.started_at >= midnight),
        )
        (plain,) = await sdk.logic.functions.list()
        assert plain.today_stats is None

        with pytest.raises(NotFoundError):
            await sdk.logic.runs.get(function.id, "no-such-run")
        with pytest.raises(NotFoundError):
            await sdk.logic.runs.get_logs(function.id, "no-such-run")


async def test_the_cloud_refuses_what_it_cannot_store(
    cloud: LocalCloud, sdk: ParticleClient
) -> None:
    with anyio.fail_after(10):
        with pytest.raises(BadRequestError, match="Trigger type"):
            await sdk.logic.functions.create("n", CODE, logic_triggers=[{"type": "Webhook"}])
        with pytest.raises(BadRequestError, match="at most 5 triggers"):
            await sdk.logic.functions.create(
                "n",
                CODE,
                logic_triggers=[{"type": "Event", "event_name": f"e{n}"} for n in range(6)],
            )
        with pytest.raises(BadRequestError, match=r"source\.type must be JavaScript"):
            await sdk.logic.functions.create("n", {"type": "Python", "code": "print()"})
        function = await sdk.logic.functions.create("n", CODE)
        with pytest.raises(BadRequestError, match="Unknown logic trigger id"):
            await sdk.logic.functions.update(
                function.id, logic_triggers=[{"type": "Event", "event_name": "e", "id": "nope"}]
            )
        assert (await sdk.logic.functions.get(function.id)).version == 1
        assert len(await sdk.logic.functions.list()) == 1
