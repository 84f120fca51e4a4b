"""Logic: one-off executions, saved logic functions and their runs (sandbox or organization)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .._core import SubClient
from .._exceptions import InvalidArgumentError
from .._parsing import parse_ack, parse_unwrapped
from .._paths import check_text, scope_prefix, segment
from ..models.logic import (
    LogicEvent,
    LogicExecution,
    LogicFunction,
    LogicFunctionStats,
    LogicRun,
    LogicRunLog,
    LogicTrigger,
)
from ._base import Resource
from ._checks import flag, free_text, json_value, org_prefix, short_text

if TYPE_CHECKING:
    from ..types import JSONObject, JSONValue, ProductRef

__all__ = ["Logic", "LogicFunctions", "LogicRuns"]

#: Longest function name and description accepted.
MAX_NAME_LENGTH = 256
MAX_DESCRIPTION_LENGTH = 4096
#: Longest JavaScript source accepted, in characters.
MAX_CODE_LENGTH = 1_048_576
#: Longest `api_username` accepted (an e-mail address).
MAX_USERNAME_LENGTH = 254

_parse_execution = parse_unwrapped(LogicExecution, "result")
_parse_functions = parse_unwrapped(list[LogicFunction], "logic_functions")
_parse_function = parse_unwrapped(LogicFunction, "logic_function")
_parse_runs = parse_unwrapped(list[LogicRun], "logic_runs")
_parse_run = parse_unwrapped(LogicRun, "logic_run")
_parse_logs = parse_unwrapped(list[LogicRunLog], "logs")
_parse_stats = parse_unwrapped(list[LogicFunctionStats], "logic_function_stats")


def _prefix(org: str | None, product: ProductRef | None) -> str:
    """`/v1/logic` (the token's sandbox), `/v1/orgs/<org>/logic` or
    `/v1/products/<product>/logic`."""
    if product is not None:
        if org is not None:
            raise InvalidArgumentError("pass product= or org=, not both")
        return f"{scope_prefix(product)}/logic"
    return "/v1/logic" if org is None else f"{org_prefix(org)}/logic"


def _function_path(function_id: object, org: str | None, product: ProductRef | None) -> str:
    return f"{_prefix(org, product)}/functions/{segment(function_id, 'function_id')}"


def _run_path(
    function_id: object, run_id: object, org: str | None, product: ProductRef | None
) -> str:
    return f"{_function_path(function_id, org, product)}/runs/{segment(run_id, 'run_id')}"


def _object(value: object, what: str, model: str) -> dict[str, JSONValue]:
    """A JSON object given as a mapping (its keys sent as given)."""
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            f"{what} must be a {model} or a mapping (a JSON object), got {type(value).__name__}"
        )
    result = json_value(value, what)
    assert isinstance(result, dict)
    return result


def _code(value: object, what: str) -> str:
    code = check_text(value, what, max_length=MAX_CODE_LENGTH, multiline=True)
    if not code.strip():
        raise InvalidArgumentError(f"{what} must not be blank")
    return code


def _source(value: object) -> dict[str, JSONValue]:
    """A `str` is JavaScript code; a mapping is the whole source object, sent as given."""
    if isinstance(value, str):
        return {"type": "JavaScript", "code": _code(value, "source")}
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            "source must be JavaScript code (a str) or a source object such as "
            f"{{'type': 'JavaScript', 'code': '...'}}, got {type(value).__name__}"
        )
    source = _object(value, "source", "source object")
    kind = source.get("type")
    if not isinstance(kind, str) or not kind.strip():
        raise InvalidArgumentError("source['type'] must be a non-empty str such as 'JavaScript'")
    _code(source.get("code"), "source['code']")
    return source


def _event(value: object) -> dict[str, JSONValue]:
    if isinstance(value, LogicEvent):
        return _modeljson_value(value)
    return _object(value, "event", "LogicEvent")


def _modeljson_value(model: LogicEvent | LogicTrigger) -> dict[str, JSONValue]:
    """The fields of an input model that were set (unknown keys included), as JSON."""
    dumped = json_value(model.model_dump(mode="json", by_alias=True, exclude_unset=True), "model")
    assert isinstance(dumped, dict)
    return dumped


def _triggers(value: object) -> list[JSONValue]:
    """A sequence (not a str) of `LogicTrigger`s or trigger objects, each with a `type`."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise InvalidArgumentError(
            "logic_triggers must be a sequence of LogicTrigger or trigger objects "
            f"(mappings with a 'type'), got {type(value).__name__}"
        )
    triggers: list[JSONValue] = []
    for n, item in enumerate(value):
        what = f"logic_triggers[{n}]"
        if isinstance(item, LogicTrigger):
            trigger = _modeljson_value(item)
        else:
            trigger = _object(item, what, "LogicTrigger")
        kind = trigger.get("type")
        if not isinstance(kind, str) or not kind.strip():
            raise InvalidArgumentError(
                f"{what} needs a 'type' such as 'Event' or 'Scheduled', got {kind!r}"
            )
        triggers.append(trigger)
    return triggers


def _api_username(value: object) -> str:
    text = short_text(value, "api_username", max_length=MAX_USERNAME_LENGTH)
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or any(char.isspace() for char in text):
        raise InvalidArgumentError(
            f"api_username must be an API user's username, an e-mail address "
            f"(name@domain, without spaces), got {text!r}"
        )
    return text


def _name(value: object) -> str:
    return short_text(value, "name", max_length=MAX_NAME_LENGTH)


def _description(value: object) -> str:
    return free_text(value, "description", max_length=MAX_DESCRIPTION_LENGTH)


class LogicFunctions(Resource):
    """Saved logic functions and their triggers. Without `org=` every call reaches the token
    user's sandbox; with it, the organization's (`org=`: its id or slug); with `product=` (an
    id or slug; not with `org=`), the product's, under `/v1/products/:product/logic` (a
    route Particle shows in request examples only, without a full reference)."""

    __slots__ = ()

    async def get_stats(
        self, function_id: str, *, org: str | None = None, product: ProductRef | None = None
    ) -> list[LogicFunctionStats]:
        """The function's runs per day (UTC), by outcome: success, failure, timeout."""
        path = f"{_function_path(function_id, org, product)}/stats"
        return await self._request("GET", path, _parse_stats)

    async def list(
        self,
        *,
        today_stats: bool = False,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> list[LogicFunction]:
        """Every logic function; with `today_stats=True` each carries the day's run counts
        (`LogicFunction.today_stats`)."""
        params = {"today_stats": True} if flag(today_stats, "today_stats") else None
        path = f"{_prefix(org, product)}/functions"
        return await self._request("GET", path, _parse_functions, params=params)

    async def get(
        self, function_id: str, *, org: str | None = None, product: ProductRef | None = None
    ) -> LogicFunction:
        """One logic function, with its source and triggers."""
        return await self._request(
            "GET", _function_path(function_id, org, product), _parse_function
        )

    async def create(
        self,
        name: str,
        source: str | JSONObject,
        *,
        description: str | None = None,
        enabled: bool | None = None,
        logic_triggers: Sequence[LogicTrigger | JSONObject] | None = None,
        api_username: str | None = None,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> LogicFunction:
        """Save a logic function. `source` is JavaScript code (a `str`) or a whole source
        object (`{"type": "JavaScript", "code": ...}`); `logic_triggers` are `LogicTrigger`s
        or trigger objects; `api_username` names the API user whose scopes the code runs
        with. Event triggers start firing at once. Not retried once sent."""
        fields: dict[str, JSONValue] = {"name": _name(name), "source": _source(source)}
        if description is not None:
            fields["description"] = _description(description)
        if enabled is not None:
            fields["enabled"] = flag(enabled, "enabled")
        if logic_triggers is not None:
            fields["logic_triggers"] = _triggers(logic_triggers)
        if api_username is not None:
            fields["api_username"] = _api_username(api_username)
        path = f"{_prefix(org, product)}/functions"
        return await self._request(
            "POST", path, _parse_function, json={"logic_function": fields}, idempotent=False
        )

    async def update(
        self,
        function_id: str,
        *,
        name: str | None = None,
        source: str | JSONObject | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        logic_triggers: Sequence[LogicTrigger | JSONObject] | None = None,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> LogicFunction:
        """Change a function: only the options given are sent. `logic_triggers` replaces
        the triggers; one that carries the `id` of an existing trigger updates it in place."""
        path = _function_path(function_id, org, product)
        fields: dict[str, JSONValue] = {}
        if name is not None:
            fields["name"] = _name(name)
        if source is not None:
            fields["source"] = _source(source)
        if description is not None:
            fields["description"] = _description(description)
        if enabled is not None:
            fields["enabled"] = flag(enabled, "enabled")
        if logic_triggers is not None:
            fields["logic_triggers"] = _triggers(logic_triggers)
        if not fields:
            raise InvalidArgumentError(
                "logic.functions.update() needs at least one of name=, source=, description=, "
                "enabled=, logic_triggers="
            )
        return await self._request("PUT", path, _parse_function, json={"logic_function": fields})

    async def delete(
        self, function_id: str, *, org: str | None = None, product: ProductRef | None = None
    ) -> None:
        """Delete a function, its triggers and its runs."""
        await self._request("DELETE", _function_path(function_id, org, product), parse_ack)


class LogicRuns(Resource):
    """The runs of a saved logic function and their logs (`org=` and `product=` as in
    `logic.functions`)."""

    __slots__ = ()

    async def get(
        self,
        function_id: str,
        run_id: str,
        *,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> LogicRun:
        """One run: what triggered it, its status, when it started and finished."""
        return await self._request("GET", _run_path(function_id, run_id, org, product), _parse_run)

    async def get_logs(
        self,
        function_id: str,
        run_id: str,
        *,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> list[LogicRunLog]:
        """The log lines of one run, each with its level, timestamp and logged values."""
        path = f"{_run_path(function_id, run_id, org, product)}/logs"
        return await self._request("GET", path, _parse_logs)

    # defined last: below it, `list` in an annotation of this class would name this method
    async def list(
        self, function_id: str, *, org: str | None = None, product: ProductRef | None = None
    ) -> list[LogicRun]:
        """The function's recent runs (the cloud keeps the last 100)."""
        path = f"{_function_path(function_id, org, product)}/runs"
        return await self._request("GET", path, _parse_runs)


class Logic(Resource):
    """Logic: run code once with `execute`; saved functions in the nested `functions`
    sub-client, their runs in `runs`. Without `org=` every call reaches the token user's
    sandbox; with it, the organization's (its id or slug); with `product=` (an id or slug;
    not with `org=`), the product's, under `/v1/products/:product/logic` (a route Particle
    shows in request examples only, without a full reference)."""

    __slots__ = ()

    #: Saved logic functions: list, get, create, update, delete, get_stats.
    functions = SubClient(LogicFunctions)
    #: Runs of a saved function: list, get, get_logs.
    runs = SubClient(LogicRuns)

    async def execute(
        self,
        source: str | JSONObject,
        *,
        event: LogicEvent | JSONObject | None = None,
        api_username: str | None = None,
        org: str | None = None,
        product: ProductRef | None = None,
    ) -> LogicExecution:
        """Run code once without saving it, with `event` as its triggering event, and return
        its status and logs. `source` is JavaScript code (a `str`) or a whole source object.
        What the code does (publishing events, say) really happens. Not retried once sent."""
        body: dict[str, JSONValue] = {"source": _source(source)}
        if event is not None:
            body["event"] = _event(event)
        if api_username is not None:
            body["api_username"] = _api_username(api_username)
        path = f"{_prefix(org, product)}/execute"
        return await self._request("POST", path, _parse_execution, json=body, idempotent=False)
