"""Models of Logic: functions, their triggers and source, executions, runs and run logs."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import Field, field_validator

from ._base import ParticleModel, UTCDateTime

__all__ = [
    "LogicEvent",
    "LogicExecution",
    "LogicFunction",
    "LogicFunctionStats",
    "LogicRun",
    "LogicRunLog",
    "LogicSource",
    "LogicTodayStats",
    "LogicTrigger",
]


class LogicSource(ParticleModel):
    """A logic function's code: `type` (`"JavaScript"`) and the `code` itself."""

    type: str = "JavaScript"
    """The language of the code: `"JavaScript"`."""
    code: str | None = None
    """The code itself."""


class LogicTrigger(ParticleModel):
    """What runs a logic function; also what `logic.functions.create` and `update` take.

    An `"Event"` trigger fires on events named `event_name` (of the product `product_id`); a
    `"Scheduled"` trigger on its `cron` schedule. A trigger given back with its `id` is
    updated in place. Keys the model does not name are kept and sent as given
    (`LogicTrigger(type="Scheduled", cron="*/5 * * * *", start_at="...")`).
    """

    type: str
    """The kind of trigger: `"Event"` or `"Scheduled"`."""
    id: str | None = None
    """The trigger's id; a trigger given back with its id is updated in place."""
    logic_function_id: str | None = None
    """The id of the logic function the trigger runs."""
    enabled: bool | None = None
    """Whether the trigger is enabled."""
    event_name: str | None = None
    """The name of the events that fire an `"Event"` trigger."""
    product_id: int | None = None
    """The product whose events fire an `"Event"` trigger."""
    cron: str | None = None
    """The cron schedule of a `"Scheduled"` trigger, such as `"*/5 * * * *"`."""


class LogicEvent(ParticleModel):
    """The event a one-off `logic.execute` hands to the code, as if it had been published."""

    event_name: str
    """The event's name."""
    event_data: str | None = None
    """The event's data."""
    device_id: str | None = None
    """The id of the device the event appears to come from."""
    product_id: int | None = None
    """The id of the product the event appears to come through."""


class LogicTodayStats(ParticleModel):
    """A function's runs since midnight UTC, by outcome (`functions.list(today_stats=True)`)."""

    success: int = 0
    """Runs since midnight UTC that succeeded."""
    failure: int = 0
    """Runs since midnight UTC that failed."""
    timeout: int = 0
    """Runs since midnight UTC that timed out."""


_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


class LogicFunctionStats(ParticleModel):
    """A function's runs on one day (UTC), by outcome (`logic.functions.get_stats`); the
    wire's `"YYYYMMDD"` date is a `datetime.date`."""

    date: dt.date
    """The day (UTC) the counts are for, from the wire's `"YYYYMMDD"`."""
    success: int = 0
    """Runs that day that succeeded."""
    failure: int = 0
    """Runs that day that failed."""
    timeout: int = 0
    """Runs that day that timed out."""

    @field_validator("date", mode="before")
    @classmethod
    def _compact_date(cls, value: object) -> object:
        if isinstance(value, str):
            match = _COMPACT_DATE.fullmatch(value.strip())
            if match:
                year, month, day = (int(part) for part in match.groups())
                return dt.date(year, month, day)
        return value


class LogicFunction(ParticleModel):
    """A saved logic function: its code, its triggers and its version (one more per update)."""

    id: str
    """The function's id."""
    name: str | None = None
    """The function's name."""
    description: str | None = None
    """The function's description."""
    enabled: bool | None = None
    """Whether the function is enabled."""
    version: int | None = None
    """The function's version: one more per update."""
    owner_id: str | None = None
    """The id of the function's owner."""
    template_slug: str | None = None
    """The slug of the template the function was made from, when the cloud sends one."""
    source: LogicSource | None = None
    """The function's code."""
    logic_triggers: list[LogicTrigger] = Field(default_factory=list)
    """What runs the function: its event and scheduled triggers."""
    api_username: str | None = None
    """The wire field `api_username`: the username of an API user, when the function has one."""
    created_at: UTCDateTime | None = None
    """When the function was created (UTC)."""
    updated_at: UTCDateTime | None = None
    """When the function was last changed (UTC)."""
    created_by: str | None = None
    """Who created the function, as the cloud names them."""
    updated_by: str | None = None
    """Who last changed the function, as the cloud names them."""
    today_stats: LogicTodayStats | None = None
    """The function's runs since midnight UTC, by outcome; only when listed with
    `today_stats=True`."""


class LogicRunLog(ParticleModel):
    """One log line of a run or an execution: its level and the values the code logged."""

    level: str | None = None
    """The line's log level."""
    timestamp: UTCDateTime | None = None
    """When the line was logged (UTC)."""
    args: list[Any] = Field(default_factory=list)
    """The values the code logged on that line."""


class LogicExecution(ParticleModel):
    """The outcome of a one-off execution: `status` (such as `"Success"`) and the logs."""

    status: str | None = None
    """The execution's outcome, such as `"Success"` or `"Failure"`."""
    logs: list[LogicRunLog] = Field(default_factory=list)
    """The log lines the code wrote."""
    err: Any = None
    """What the code threw, when it failed; `None` otherwise."""


class LogicRun(ParticleModel):
    """One run of a saved function: what triggered it, its outcome and when it ran."""

    id: str
    """The run's id."""
    logic_function_id: str | None = None
    """The id of the function that ran."""
    logic_trigger_type: str | None = None
    """The kind of trigger that ran it (such as `"Event"` or `"Scheduled"`)."""
    logic_trigger_id: str | None = None
    """The id of the trigger that ran it."""
    status: str | None = None
    """The run's outcome, as the cloud words it."""
    started_at: UTCDateTime | None = None
    """When the run started (UTC)."""
    finished_at: UTCDateTime | None = None
    """When the run finished (UTC); `None` while it runs."""
    log_filename: str | None = None
    """The name of the file holding the run's logs, as the cloud sends it."""
