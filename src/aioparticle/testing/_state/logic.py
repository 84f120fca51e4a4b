"""Logic: functions with their triggers, one-off executions and runs, per sandbox and per
organization.

The local cloud has no JavaScript engine. What an execution or a run does comes from
`logic_script`, a callable a test sets: it gets the source object and the event (or `None`)
and returns the result (`{"status": ..., "logs": [...]}`); without one, every execution
succeeds with one log line echoing the event. Runs appear when a published event matches an
enabled Event trigger of an enabled function, or when a test calls `add_logic_run`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ._base import NotFound, Refused, utcnow
from .events import EventsMixin, PublishedEvent
from .products import ProductsMixin

__all__ = [
    "LOGIC_TRIGGER_TYPES",
    "MAX_LOGIC_FUNCTIONS",
    "MAX_LOGIC_RUNS",
    "MAX_LOGIC_TRIGGERS",
    "FakeLogicFunction",
    "FakeLogicRun",
    "LogicExecution",
    "LogicMixin",
    "LogicScript",
    "default_logic_script",
]

#: What the cloud allows: functions per sandbox or organization, triggers per function, runs
#: kept per function (the oldest are dropped).
MAX_LOGIC_FUNCTIONS = 20
MAX_LOGIC_TRIGGERS = 5
MAX_LOGIC_RUNS = 100
#: The kinds of trigger a function may have.
LOGIC_TRIGGER_TYPES = ("Event", "Scheduled")

#: Stands in for the JavaScript engine: `(source, event or None) -> {"status", "logs", ...}`.
#: `logs` items are `{"level", "timestamp", "args"}` objects or plain strings (an `info` line).
LogicScript = Callable[[dict[str, Any], dict[str, Any] | None], Mapping[str, Any]]


def default_logic_script(source: dict[str, Any], event: dict[str, Any] | None) -> dict[str, Any]:
    """What an execution does unless a test scripts it: succeed, with one `info` line whose
    arguments are `"event"` and the event (`None` without one)."""
    return {"status": "Success", "logs": [{"level": "info", "args": ["event", event]}]}


def _log_line(line: object, when: datetime) -> dict[str, Any]:
    """A complete log line: an object keeps its keys (level `info` and `when` by default), any
    other value becomes the one argument of an `info` line."""
    if isinstance(line, Mapping):
        return {"level": "info", "timestamp": _iso(when), "args": [], **line}
    return {"level": "info", "timestamp": _iso(when), "args": [line]}


def _iso(when: datetime | None) -> str | None:
    """A timestamp as the Logic API writes it: UTC, microseconds, `Z`."""
    if when is None:
        return None
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass
class FakeLogicRun:
    """One run of a logic function: its outcome and its log lines."""

    id: str
    logic_function_id: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    logs: list[dict[str, Any]]
    logic_trigger_type: str | None = None
    logic_trigger_id: str | None = None
    #: the event that started it (`event_name`, `event_data`, `device_id`, `product_id`)
    event: dict[str, Any] | None = None

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "logic_function_id": self.logic_function_id,
            "logic_trigger_type": self.logic_trigger_type,
            "logic_trigger_id": self.logic_trigger_id,
            "status": self.status,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "log_filename": f"{self.id}.log",
        }


@dataclass
class FakeLogicFunction:
    """A saved logic function of a sandbox (`username`), an organization (`org_id`) or a
    product (`product_id`).

    `triggers` are wire objects (`type`, `id`, `enabled`, and `event_name` / `product_id` or
    `cron`); `runs` lists its runs, oldest first.
    """

    id: str
    name: str
    source: dict[str, Any]
    username: str | None = None
    org_id: str | None = None
    description: str = ""
    enabled: bool = True
    #: set for a function of a product (then `username` and `org_id` are None)
    product_id: int | None = None
    triggers: list[dict[str, Any]] = field(default_factory=list)
    version: int = 1
    api_username: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    created_by: str | None = None
    updated_by: str | None = None
    runs: list[FakeLogicRun] = field(default_factory=list)

    @property
    def owner_id(self) -> str:
        """`user:<id>` for a sandbox function, `org:<id>` for an organization's,
        `product:<id>` for a product's."""
        if self.product_id is not None:
            return f"product:{self.product_id}"
        if self.org_id is not None:
            return f"org:{self.org_id}"
        return f"user:{user_id(self.username or '')}"

    def json(self, *, today_stats: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "owner_id": self.owner_id,
            "version": self.version,
            "enabled": self.enabled,
            "name": self.name,
            "description": self.description,
            "template_slug": None,
            "source": dict(self.source),
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "created_by": self.created_by,
            "updated_by": self.updated_by,
            "logic_triggers": [dict(t) for t in self.triggers],
        }
        if self.api_username is not None:
            body["api_username"] = self.api_username
        if today_stats:
            body["today_stats"] = self.today_stats()
        return body

    def today_stats(self) -> dict[str, int]:
        """Runs started since midnight UTC, by outcome."""
        midnight = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        stats = {"success": 0, "failure": 0, "timeout": 0}
        for run in self.runs:
            if run.started_at >= midnight:
                stats[_outcome(run.status)] += 1
        return stats


@dataclass(frozen=True)
class LogicExecution:
    """One `POST .../logic/execute` the cloud answered: who asked (`username` or `org_id`),
    what it ran and what it answered."""

    username: str | None
    org_id: str | None
    source: dict[str, Any]
    event: dict[str, Any] | None
    api_username: str | None
    result: dict[str, Any]
    product_id: int | None = None


def _outcome(status: str) -> str:
    """The stats key of a run's status: `success`, `timeout` or `failure`."""
    return {"Success": "success", "Timeout": "timeout"}.get(status, "failure")


def user_id(username: str) -> str:
    """The id of an account (24 hex digits, the same for the same username)."""
    return hashlib.blake2b(f"user:{username}".encode(), digest_size=12).hexdigest()


class LogicMixin(ProductsMixin, EventsMixin):
    """Logic functions, executions and runs.

    A function belongs to a sandbox (`username`) or an organization (`org_id`): the routes
    resolve which from the path and the token, and every method here takes both. Ids and
    timestamps are shaped like the real cloud's (UUIDs; UTC with microseconds).
    """

    # ------------------------------------------------------------- helpers

    def _uuid(self, kind: str) -> str:
        """The next id of `kind` as a UUID: it looks random, but the n-th is the same in
        every state."""
        digest = hashlib.blake2b(f"{kind}-{self._next_id(kind)}".encode(), digest_size=16)
        return str(uuid.UUID(bytes=digest.digest(), version=4))

    def _logic_owned(
        self, username: str | None, org_id: str | None, product_id: int | None = None
    ) -> list[FakeLogicFunction]:
        """The functions of the product `product_id`, else of the organization `org_id`, else
        of the sandbox of `username`."""
        functions = self.logic_functions.values()
        if product_id is not None:
            return [f for f in functions if f.product_id == product_id]
        if org_id is not None:
            return [f for f in functions if f.org_id == org_id]
        return [
            f
            for f in functions
            if f.org_id is None and f.product_id is None and f.username == username
        ]

    def logic_function(
        self,
        function_id: str,
        *,
        username: str | None = None,
        org_id: str | None = None,
        product_id: int | None = None,
    ) -> FakeLogicFunction:
        """The function `function_id` of the sandbox or organization. Raises `NotFound`."""
        with self.lock:
            found = self.logic_functions.get(function_id)
            if found is None or found not in self._logic_owned(username, org_id, product_id):
                raise NotFound("Logic function not found")
            return found

    def _logic_triggers(
        self, function_id: str, given: Sequence[Mapping[str, Any]], old: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Checked triggers: one with the id of an existing trigger updates it in place, one
        without an id is new. Raises `Refused`."""
        if len(given) > MAX_LOGIC_TRIGGERS:
            raise Refused(f"A logic function may have at most {MAX_LOGIC_TRIGGERS} triggers")
        existing = {t["id"]: t for t in old}
        triggers = []
        for item in given:
            trigger_id = item.get("id")
            if trigger_id is not None and trigger_id not in existing:
                raise Refused(f"Unknown logic trigger id {trigger_id!r}")
            trigger = {**existing.get(trigger_id, {}), **item} if trigger_id else dict(item)
            kind = trigger.get("type")
            if kind not in LOGIC_TRIGGER_TYPES:
                raise Refused(f"Trigger type must be one of {', '.join(LOGIC_TRIGGER_TYPES)}")
            key = "event_name" if kind == "Event" else "cron"
            if not isinstance(trigger.get(key), str) or not trigger[key].strip():
                raise Refused(f"A trigger of type {kind} needs {key}")
            if kind == "Event" and not isinstance(trigger.get("product_id"), (int, type(None))):
                raise Refused("product_id must be a product id")
            trigger.setdefault("enabled", True)
            trigger["id"] = trigger_id or self._uuid("logic-trigger")
            trigger["logic_function_id"] = function_id
            triggers.append(trigger)
        return triggers

    def _logic_result(self, source: dict[str, Any], event: dict[str, Any] | None) -> dict[str, Any]:
        """What `logic_script` (or the default) says the code did, with complete log lines."""
        script = self.logic_script or default_logic_script
        answer = dict(script(dict(source), None if event is None else dict(event)))
        now = utcnow()
        logs = [_log_line(line, now) for line in answer.get("logs") or []]
        return {**answer, "status": answer.get("status", "Success"), "logs": logs}

    # ------------------------------------------------------------- functions

    def list_logic_functions(
        self,
        *,
        username: str | None = None,
        org_id: str | None = None,
        today_stats: bool = False,
        product_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """The functions of the sandbox, organization or product, oldest first."""
        with self.lock:
            owned = sorted(
                self._logic_owned(username, org_id, product_id), key=lambda f: f.created_at
            )
            return [f.json(today_stats=today_stats) for f in owned]

    def add_logic_function(
        self,
        name: str,
        source: str | Mapping[str, Any] = "export default function main() {}",
        *,
        username: str | None = None,
        org_id: str | None = None,
        product_id: int | None = None,
        description: str = "",
        enabled: bool = True,
        triggers: Sequence[Mapping[str, Any]] = (),
        api_username: str | None = None,
        created_by: str | None = None,
    ) -> FakeLogicFunction:
        """Save a function in the sandbox of `username` (the default account's without either)
        or of the organization `org_id`. `source` is JavaScript code or a whole source object.
        Raises `Refused` past the cloud's limits or for a malformed trigger."""
        if isinstance(source, str):
            source = {"type": "JavaScript", "code": source}
        with self.lock:
            if username is None and org_id is None and product_id is None:
                username = self.username
            if len(self._logic_owned(username, org_id, product_id)) >= MAX_LOGIC_FUNCTIONS:
                raise Refused(f"At most {MAX_LOGIC_FUNCTIONS} logic functions are allowed")
            function_id = self._uuid("logic-function")
            now = utcnow()
            author = f"user:{user_id(created_by or username or self.username)}"
            function = FakeLogicFunction(
                id=function_id,
                name=name,
                source=dict(source),
                username=None if org_id is not None or product_id is not None else username,
                org_id=None if product_id is not None else org_id,
                product_id=product_id,
                description=description,
                enabled=enabled,
                triggers=self._logic_triggers(function_id, triggers, []),
                api_username=api_username,
                created_at=now,
                updated_at=now,
                created_by=author,
                updated_by=author,
            )
            self.logic_functions[function_id] = function
            return function

    def update_logic_function(
        self,
        function_id: str,
        changes: Mapping[str, Any],
        *,
        username: str | None = None,
        org_id: str | None = None,
        product_id: int | None = None,
        updated_by: str | None = None,
    ) -> FakeLogicFunction:
        """Apply `changes` (wire keys: `name`, `description`, `enabled`, `source`,
        `logic_triggers`, `api_username`); the version goes up by one. Raises `NotFound`,
        `Refused`."""
        with self.lock:
            function = self.logic_function(
                function_id, username=username, org_id=org_id, product_id=product_id
            )
            triggers = function.triggers
            if "logic_triggers" in changes:
                triggers = self._logic_triggers(function.id, changes["logic_triggers"], triggers)
            for key in ("name", "description", "enabled", "source", "api_username"):
                if key in changes:
                    setattr(function, key, changes[key])
            function.triggers = triggers
            function.version += 1
            function.updated_at = max(utcnow(), function.updated_at + timedelta(microseconds=1))
            if updated_by is not None:
                function.updated_by = f"user:{user_id(updated_by)}"
            return function

    def delete_logic_function(
        self,
        function_id: str,
        *,
        username: str | None = None,
        org_id: str | None = None,
        product_id: int | None = None,
    ) -> None:
        """Delete a function, its triggers and its runs. Raises `NotFound`."""
        with self.lock:
            self.logic_function(
                function_id, username=username, org_id=org_id, product_id=product_id
            )
            del self.logic_functions[function_id]

    # ------------------------------------------------------------- executions and runs

    def execute_logic(
        self,
        source: dict[str, Any],
        event: dict[str, Any] | None = None,
        *,
        username: str | None = None,
        org_id: str | None = None,
        product_id: int | None = None,
        api_username: str | None = None,
    ) -> dict[str, Any]:
        """Run `source` once, without saving it: the result `logic_script` gives."""
        with self.lock:
            result = self._logic_result(source, event)
            self.logic_executions.append(
                LogicExecution(
                    username, org_id, dict(source), event, api_username, result, product_id
                )
            )
            return result

    def add_logic_run(
        self,
        function_id: str,
        *,
        status: str = "Success",
        logs: Sequence[str | Mapping[str, Any]] = (),
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
        trigger_type: str | None = "Scheduled",
        trigger_id: str | None = None,
        event: Mapping[str, Any] | None = None,
    ) -> FakeLogicRun:
        """Record a run of the function (any owner's) as if a trigger had fired: `logs` are
        `{"level", "timestamp", "args"}` objects or strings (an `info` line each). It finishes
        a second after it starts unless `finished_at` says otherwise."""
        with self.lock:
            function = self.logic_functions.get(function_id)
            if function is None:
                raise KeyError(f"no logic function {function_id!r}: add_logic_function() it first")
            started = started_at or utcnow()
            finished = finished_at or started + timedelta(seconds=1)
            lines = [_log_line(line, started) for line in logs]
            run = FakeLogicRun(
                id=self._uuid("logic-run"),
                logic_function_id=function.id,
                status=status,
                started_at=started,
                finished_at=finished,
                logs=lines,
                logic_trigger_type=trigger_type,
                logic_trigger_id=trigger_id,
                event=None if event is None else dict(event),
            )
            function.runs.append(run)
            del function.runs[:-MAX_LOGIC_RUNS]
            return run

    def _logic_run(self, function: FakeLogicFunction, run_id: str) -> FakeLogicRun:
        run = next((r for r in function.runs if r.id == run_id), None)
        if run is None:
            raise NotFound("Logic run not found")
        return run

    def list_logic_runs(
        self,
        function_id: str,
        *,
        username: str | None = None,
        org_id: str | None = None,
        product_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """The function's runs, newest first. Raises `NotFound`."""
        with self.lock:
            function = self.logic_function(
                function_id, username=username, org_id=org_id, product_id=product_id
            )
            runs = sorted(function.runs, key=lambda r: r.started_at, reverse=True)
            return [run.json() for run in runs]

    def get_logic_run(
        self,
        function_id: str,
        run_id: str,
        *,
        username: str | None = None,
        org_id: str | None = None,
        product_id: int | None = None,
    ) -> dict[str, Any]:
        """One run. Raises `NotFound`."""
        with self.lock:
            function = self.logic_function(
                function_id, username=username, org_id=org_id, product_id=product_id
            )
            return self._logic_run(function, run_id).json()

    def get_logic_run_logs(
        self,
        function_id: str,
        run_id: str,
        *,
        username: str | None = None,
        org_id: str | None = None,
        product_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """One run's log lines, oldest first. Raises `NotFound`."""
        with self.lock:
            function = self.logic_function(
                function_id, username=username, org_id=org_id, product_id=product_id
            )
            return [dict(line) for line in self._logic_run(function, run_id).logs]

    def logic_function_stats(
        self,
        function_id: str,
        *,
        username: str | None = None,
        org_id: str | None = None,
        product_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """The function's runs per day (UTC) by outcome, oldest day first, for the days it
        ran: `{date: "YYYYMMDD", success, failure, timeout}`. Raises `NotFound`."""
        with self.lock:
            function = self.logic_function(
                function_id, username=username, org_id=org_id, product_id=product_id
            )
            days: dict[str, dict[str, Any]] = {}
            for run in function.runs:
                date = run.started_at.astimezone(timezone.utc).strftime("%Y%m%d")
                day = days.setdefault(
                    date, {"date": date, "success": 0, "failure": 0, "timeout": 0}
                )
                day[_outcome(run.status)] += 1
            return [days[date] for date in sorted(days)]

    # ------------------------------------------------------------- event triggers

    def publish(
        self,
        name: str,
        data: str = "",
        *,
        device: str | None = None,
        ttl: int = 60,
        private: bool = True,
        owner: str | None = None,
        product_id: int | None = None,
    ) -> PublishedEvent:
        """Publish an event (see `EventsMixin.publish`), then run every enabled function with
        an enabled Event trigger for it."""
        with self.lock:
            event = super().publish(
                name,
                data,
                device=device,
                ttl=ttl,
                private=private,
                owner=owner,
                product_id=product_id,
            )
            for function in list(self.logic_functions.values()):
                if not function.enabled:
                    continue
                for trigger in function.triggers:
                    if self._fires(function, trigger, event):
                        self._run_triggered(function, trigger, event)
            return event

    def _fires(
        self, function: FakeLogicFunction, trigger: dict[str, Any], event: PublishedEvent
    ) -> bool:
        """Whether `trigger` of `function` fires for `event`: an enabled Event trigger of the
        event's name, for the event's product (which the function's owner must reach), or,
        without a product, for the sandbox events of the function's own account."""
        if trigger.get("type") != "Event" or not trigger.get("enabled", True):
            return False
        if trigger.get("event_name") != event.name:
            return False
        wanted = trigger.get("product_id")
        if function.product_id is not None:
            return event.product_id == function.product_id and wanted in (None, event.product_id)
        if wanted is None:
            return (
                function.org_id is None
                and event.product_id is None
                and (event.owner is not None and event.owner == function.username)
            )
        if event.product_id != wanted:
            return False
        product = self.find_product(wanted)
        if product is None:
            return False
        if function.org_id is not None:
            org = self.find_org(product.org) if product.org is not None else None
            return org is not None and org.id == function.org_id
        return function.username in product.members

    def _run_triggered(
        self, function: FakeLogicFunction, trigger: dict[str, Any], event: PublishedEvent
    ) -> None:
        wire_event = {
            "event_name": event.name,
            "event_data": event.data,
            "device_id": event.coreid,
            "product_id": event.product_id,
        }
        started = utcnow()
        result = self._logic_result(function.source, wire_event)
        self.add_logic_run(
            function.id,
            status=str(result["status"]),
            logs=result["logs"],
            started_at=started,
            finished_at=utcnow(),
            trigger_type="Event",
            trigger_id=trigger.get("id"),
            event=wire_event,
        )
