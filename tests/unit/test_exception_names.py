"""The public exceptions show as `aioparticle.X` (in tracebacks, reprs and pickles), and
survive `pickle`, `copy` and `deepcopy` with their attributes."""

from __future__ import annotations

import copy
import pickle
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

import aioparticle
from aioparticle import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    DeviceOfflineError,
    MissingAccessTokenError,
    PageLimitError,
    ParticleClient,
    ParticleError,
    PollTimeoutError,
    ResponseTooLargeError,
)
from tests.conftest import API, TOKEN

EXCEPTIONS = sorted(
    (
        value
        for name in aioparticle.__all__
        if isinstance(value := getattr(aioparticle, name), type)
        and issubclass(value, BaseException)
    ),
    key=lambda cls: cls.__name__,
)

REQUEST = httpx.Request("GET", f"{API}/v1/devices/d1/temp")


def instance(cls: type[BaseException]) -> BaseException:
    """An instance of `cls`, built as aioparticle builds one."""
    response = httpx.Response(
        404, json={"error": "timed out"}, request=REQUEST, headers={"x-request-id": "r1"}
    )
    if issubclass(cls, APIStatusError):
        return cls(
            "404 Not Found: timed out [GET /v1/devices/d1/temp]",
            response=response,
            body={"error": "timed out"},
            method="GET",
            path="/v1/devices/d1/temp",
            error="timed out",
            retry_after=2.0,
        )
    if issubclass(cls, APIResponseValidationError):
        return cls("bad body", response=response, body="x", method="GET", path="/v1/x")
    if issubclass(cls, ResponseTooLargeError):
        return cls("too big", method="GET", path="/v1/x", request=REQUEST, limit=10)
    if issubclass(cls, APIConnectionError):
        return cls("refused", method="GET", path="/v1/x", may_have_reached_server=False)
    if cls is PageLimitError:
        return PageLimitError(7)
    if cls is PollTimeoutError:
        return PollTimeoutError("not done", last={"state": "pending"}, deadline=5.0)
    if cls is MissingAccessTokenError:
        return MissingAccessTokenError()
    return cls("went wrong")


def test_every_exported_exception_is_listed() -> None:
    assert len(EXCEPTIONS) >= 30
    assert all(issubclass(cls, ParticleError) for cls in EXCEPTIONS)


@pytest.mark.parametrize("cls", EXCEPTIONS, ids=lambda cls: cls.__name__)
def test_an_exported_exception_belongs_to_the_package(cls: type[BaseException]) -> None:
    assert cls.__module__ == "aioparticle"
    assert getattr(aioparticle, cls.__qualname__) is cls


@pytest.mark.parametrize("cls", EXCEPTIONS, ids=lambda cls: cls.__name__)
def test_a_traceback_names_the_public_class(cls: type[BaseException]) -> None:
    error = instance(cls)
    try:
        raise error
    except BaseException as caught:
        text = "".join(traceback.format_exception(type(caught), caught, caught.__traceback__))
    assert f"\naioparticle.{cls.__name__}: {error}" in text
    assert "_exceptions." not in text.splitlines()[-1]


COPIES: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda error: pickle.loads(pickle.dumps(error)),  # noqa: S301 - our own bytes
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}


@pytest.mark.parametrize("how", list(COPIES))
@pytest.mark.parametrize("cls", EXCEPTIONS, ids=lambda cls: cls.__name__)
def test_an_exception_survives_pickle_and_copy(cls: type[BaseException], how: str) -> None:
    error = instance(cls)
    again = COPIES[how](error)
    assert type(again) is cls
    assert str(again) == str(error)
    assert again.args == error.args
    kept = {k: v for k, v in vars(error).items() if k not in ("response", "request")}
    assert {k: v for k, v in vars(again).items() if k in kept} == kept
    if isinstance(error, APIStatusError):
        assert isinstance(again, APIStatusError)
        assert again.status_code == 404
        assert again.response.status_code == 404
        assert again.response.json() == {"error": "timed out"}
        assert again.request_id == "r1"


def test_page_limit_error_keeps_its_message_once_copied() -> None:
    error = PageLimitError(7)
    assert str(copy.copy(error)) == str(error)
    assert copy.copy(error).max_pages == 7


@pytest.mark.anyio
async def test_an_error_raised_by_a_call_shows_and_pickles_as_the_public_class(
    api: respx.MockRouter,
) -> None:
    api.get("/v1/devices/d1/temp").respond(404, json={"error": "timed out"})
    async with ParticleClient(TOKEN, base_url=API) as client:
        with pytest.raises(DeviceOfflineError) as caught:
            await client.devices.get_variable("d1", "temp")
    error = caught.value
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert "aioparticle.DeviceOfflineError: 404" in text
    pickled = pickle.dumps(error)
    assert TOKEN.encode() not in pickled
    again = pickle.loads(pickled)  # noqa: S301 - our own bytes
    assert isinstance(again, DeviceOfflineError)
    assert again.status_code == 404
    assert again.request is not None
    assert again.request.headers["authorization"] == "[redacted]"
