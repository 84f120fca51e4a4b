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
    code: str | None = None


class LogicTrigger(ParticleModel):
    """What runs a logic function; also what `logic.functions.create` and `update` take.

    An `"Event"` trigger fires on events named `event_name` (of the product `product_id`); a
    `"Scheduled"` trigger on its `cron` schedule. A trigger given back with its `id` is
    updated in place. Keys the model does not name are kept and sent as given
    (`LogicTrigger(type="Scheduled", cron="*/5 * * * *", start_at="...")`).
    """

    type: str
    id: str | None = None
    logic_function_id: str | None = None
    enabled: bool | None = None
    event_name: str | None = None
    product_id: int | None = None
    cron: str | None = None


class LogicEvent(ParticleModel):
    """The event a one-off `logic.execute` hands to the code, as if it had been published."""

    event_name: str
    event_data: str | None = None
    device_id: str | None = None
    product_id: int | None = None


class LogicTodayStats(ParticleModel):
    """A function's runs since midnight UTC, by outcome (`functions.list(today_stats=True)`)."""

    success: int = 0
    failure: int = 0
    timeout: int = 0


_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


class LogicFunctionStats(ParticleModel):
    """A function's runs on one day (UTC), by outcome (`logic.functions.get_stats`); the
    wire's `"YYYYMMDD"` date is a `datetime.date`."""

    date: dt.date
    success: int = 0
    failure: int = 0
    timeout: int = 0

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
    name: str | None = None
    description: str | None = None
    enabled: bool | None = None
    version: int | None = None
    owner_id: str | None = None
    template_slug: str | None = None
    source: LogicSource | None = None
    logic_triggers: list[LogicTrigger] = Field(default_factory=list)
    api_username: str | None = None
    created_at: UTCDateTime | None = None
    updated_at: UTCDateTime | None = None
    created_by: str | None = None
    updated_by: str | None = None
    #: only when listed with `today_stats=True`
    today_stats: LogicTodayStats | None = None


class LogicRunLog(ParticleModel):
    """One log line of a run or an execution: its level and the values the code logged."""

    level: str | None = None
    timestamp: UTCDateTime | None = None
    args: list[Any] = Field(default_factory=list)


class LogicExecution(ParticleModel):
    """The outcome of a one-off execution: `status` (such as `"Success"`) and the logs."""

    status: str | None = None
    logs: list[LogicRunLog] = Field(default_factory=list)
    #: what the code threw, when it failed
    err: Any = None


class LogicRun(ParticleModel):
    """One run of a saved function: what triggered it, its outcome and when it ran."""

    id: str
    logic_function_id: str | None = None
    logic_trigger_type: str | None = None
    logic_trigger_id: str | None = None
    status: str | None = None
    started_at: UTCDateTime | None = None
    finished_at: UTCDateTime | None = None
    log_filename: str | None = None
