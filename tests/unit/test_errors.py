"""Every error body shape of the Particle Cloud becomes the right typed exception."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from aioparticle import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DeviceNotFoundError,
    DeviceOfflineError,
    DeviceTimeoutError,
    InternalServerError,
    NotFoundError,
    ParticleClient,
    ParticleError,
    PermissionDeniedError,
    RateLimitError,
    RedirectError,
    TLSError,
    UnknownFunctionError,
    UnknownVariableError,
    UnprocessableEntityError,
)
from tests.conftest import API, TOKEN

pytestmark = pytest.mark.anyio

DEVICE = "0123456789abcdef01234567"
HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


@pytest.fixture
async def strict_client() -> AsyncIterator[ParticleClient]:
    """A client that does not retry, so one response maps to one exception."""
    async with ParticleClient(TOKEN, base_url=API, max_retries=0) as client:
        yield client


async def test_offline_device_variable(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    api.get(f"/v1/devices/{DEVICE}/temp").respond(404, json={"ok": False, "error": "timed out"})
    with pytest.raises(DeviceOfflineError) as info:
        await strict_client.devices.get_variable(DEVICE, "temp")
    error = info.value
    assert isinstance(error, NotFoundError)
    assert error.status_code == 404
    assert error.error == "timed out"
    assert error.body == {"ok": False, "error": "timed out"}
    assert error.method == "GET"
    assert error.path == f"/v1/devices/{DEVICE}/temp"
    assert str(error) == f"404 Not Found: timed out [GET /v1/devices/{DEVICE}/temp]"


async def test_offline_device_function(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    api.post(f"/v1/devices/{DEVICE}/open").respond(404, json={"ok": False, "error": "timed out"})
    with pytest.raises(DeviceOfflineError):
        await strict_client.devices.call_function(DEVICE, "open")


async def test_unknown_variable(strict_client: ParticleClient, api: respx.MockRouter) -> None:
    body = {"ok": False, "error": "Unknown Variable: sensor2"}
    api.get(f"/v1/devices/{DEVICE}/sensor2").respond(404, json=body)
    with pytest.raises(UnknownVariableError) as info:
        await strict_client.devices.get_variable(DEVICE, "sensor2")
    assert info.value.error == "Unknown Variable: sensor2"
    assert "Unknown Variable: sensor2" in str(info.value)


@pytest.mark.parametrize("text", ["Function nope not found", "Unknown Function: nope"])
async def test_unknown_function(
    strict_client: ParticleClient, api: respx.MockRouter, text: str
) -> None:
    api.post(f"/v1/devices/{DEVICE}/nope").respond(404, json={"ok": False, "error": text})
    with pytest.raises(UnknownFunctionError) as info:
        await strict_client.devices.call_function(DEVICE, "nope", "x")
    assert info.value.error == text


async def test_plain_not_found(strict_client: ParticleClient, api: respx.MockRouter) -> None:
    api.get(f"/v1/devices/{DEVICE}").respond(404, json={"error": "Device not found."})
    with pytest.raises(NotFoundError) as info:
        await strict_client.devices.get(DEVICE)
    assert type(info.value) is NotFoundError


@pytest.mark.parametrize(
    ("body", "description"),
    [
        (
            {"error": "invalid_request", "error_description": "The access token was not found"},
            "The access token was not found",
        ),
        (
            {
                "error": "invalid_token",
                "error_description": "The access token provided is invalid.",
            },
            "The access token provided is invalid.",
        ),
    ],
)
async def test_authentication_errors(
    strict_client: ParticleClient, api: respx.MockRouter, body: dict[str, str], description: str
) -> None:
    api.get("/v1/devices").respond(401, json=body)
    with pytest.raises(AuthenticationError) as info:
        await strict_client.devices.list()
    error = info.value
    assert error.status_code == 401
    assert error.error == body["error"]
    assert error.error_description == description
    assert str(error) == f"401 Unauthorized: {description} [GET /v1/devices]"


async def test_permission_denied_keeps_info_hint_without_token(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    body = {
        "ok": False,
        "error": "Permission Denied",
        "info": (
            "I didn't recognize that device name or ID, try opening "
            f"https://api.particle.io/v1/devices?access_token={TOKEN}"
        ),
    }
    api.get(f"/v1/devices/{DEVICE}").respond(403, json=body)
    with pytest.raises(PermissionDeniedError) as info:
        await strict_client.devices.get(DEVICE)
    error = info.value
    assert error.status_code == 403
    assert error.error == "Permission Denied"
    assert error.info is not None
    assert error.info.startswith("I didn't recognize that device name or ID")
    assert "access_token=[redacted]" in error.info
    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)
    assert TOKEN not in json.dumps(error.body)
    assert "I didn't recognize" in str(error)
    assert str(error).endswith(f"access_token=[redacted]) [GET /v1/devices/{DEVICE}]")


async def test_rate_limited_with_retry_after(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    api.get("/v1/devices").respond(
        429, headers={"Retry-After": "12"}, json={"error": "Too many requests"}
    )
    with pytest.raises(RateLimitError) as info:
        await strict_client.devices.list()
    assert info.value.retry_after == 12.0
    assert info.value.status_code == 429


async def test_rate_limited_without_retry_after(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    api.get("/v1/devices").respond(429, text="Too Many Requests")
    with pytest.raises(RateLimitError) as info:
        await strict_client.devices.list()
    assert info.value.retry_after is None
    assert info.value.body == "Too Many Requests"


async def test_html_502_page(strict_client: ParticleClient, api: respx.MockRouter) -> None:
    api.get(f"/v1/devices/{DEVICE}").respond(
        502, content=HTML_502, headers={"content-type": "text/html"}
    )
    with pytest.raises(InternalServerError) as info:
        await strict_client.devices.get(DEVICE)
    error = info.value
    assert error.status_code == 502
    assert str(error) == f"502 Bad Gateway: 502 Bad Gateway [GET /v1/devices/{DEVICE}]"
    assert isinstance(error.body, str) and "<center>" in error.body
    assert error.error is None
    assert not isinstance(error.__cause__, json.JSONDecodeError)
    assert not isinstance(error.__context__, json.JSONDecodeError)


async def test_json_content_type_with_broken_json(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    api.get("/v1/devices").respond(
        500, content=b'{"error": "boom', headers={"content-type": "application/json"}
    )
    with pytest.raises(InternalServerError) as info:
        await strict_client.devices.list()
    assert info.value.body == '{"error": "boom'
    assert not isinstance(info.value.__context__, json.JSONDecodeError)


async def test_jsonapi_errors_joined(strict_client: ParticleClient, api: respx.MockRouter) -> None:
    body = {"errors": [{"message": "Library not found"}, {"message": "Check the name"}]}
    api.get("/v1/devices").respond(404, json=body)
    with pytest.raises(NotFoundError) as info:
        await strict_client.devices.list()
    assert info.value.errors == ["Library not found", "Check the name"]
    assert "Library not found; Check the name" in str(info.value)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (408, DeviceTimeoutError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (500, InternalServerError),
        (503, InternalServerError),
        (529, RateLimitError),
        (418, APIStatusError),
    ],
)
async def test_status_classes(
    strict_client: ParticleClient, api: respx.MockRouter, status: int, cls: type[APIStatusError]
) -> None:
    api.get("/v1/devices").respond(status, json={"error": "x"})
    with pytest.raises(cls) as info:
        await strict_client.devices.list()
    assert type(info.value) is cls
    assert isinstance(info.value, APIError) and isinstance(info.value, ParticleError)
    assert info.value.status_code == status


async def test_empty_error_body(strict_client: ParticleClient, api: respx.MockRouter) -> None:
    api.get("/v1/devices").respond(503)
    with pytest.raises(InternalServerError) as info:
        await strict_client.devices.list()
    assert info.value.body is None
    assert str(info.value) == "503 Service Unavailable [GET /v1/devices]"


async def test_bad_400_unauthorized_scope(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    body = {
        "error": "unauthorized",
        "error_description": "API users are not allowed to call this endpoint",
    }
    api.get("/v1/devices").respond(400, json=body)
    with pytest.raises(BadRequestError, match="API users are not allowed"):
        await strict_client.devices.list()


@pytest.mark.parametrize(
    "content",
    [b"not json at all", b'{"name": "temp", "result": ', b"[1, 2, 3]", b'{"name": "temp"}'],
)
async def test_bad_success_body_is_a_validation_error(
    strict_client: ParticleClient, api: respx.MockRouter, content: bytes
) -> None:
    api.get(f"/v1/devices/{DEVICE}/temp").respond(
        200, content=content, headers={"content-type": "application/json"}
    )
    with pytest.raises(APIResponseValidationError) as info:
        await strict_client.devices.get_variable(DEVICE, "temp")
    assert info.value.status_code == 200
    assert info.value.body == content.decode()
    assert f"GET /v1/devices/{DEVICE}/temp" in str(info.value)


async def test_connection_refused_maps_to_connection_error() -> None:
    client = ParticleClient(TOKEN, base_url="http://127.0.0.1:9", max_retries=0)
    with pytest.raises(APIConnectionError) as info:
        await client.devices.get(DEVICE)
    assert not isinstance(info.value, APITimeoutError)
    assert info.value.method == "GET" and info.value.path == f"/v1/devices/{DEVICE}"
    await client.aclose()


async def test_unknown_device_is_a_typed_device_not_found_error(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    body = {
        "ok": False,
        "error": "Permission Denied",
        "info": "I didn't recognize that device name or ID, try opening https://api.particle.io",
    }
    api.get(f"/v1/devices/{DEVICE}").respond(403, json=body)
    with pytest.raises(DeviceNotFoundError) as info:
        await strict_client.devices.get(DEVICE)
    assert isinstance(info.value, PermissionDeniedError)  # existing handlers still catch it
    assert info.value.status_code == 403


async def test_other_permission_errors_stay_permission_denied(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    api.get("/v1/products/7").respond(403, json={"error": "Permission Denied"})
    with pytest.raises(PermissionDeniedError) as info:
        await strict_client.products.get(7)
    assert not isinstance(info.value, DeviceNotFoundError)


@pytest.mark.parametrize("text", ["Timed out.", "timed out", " Timed out. "])
async def test_timed_out_with_or_without_full_stop_is_the_offline_case(
    strict_client: ParticleClient, api: respx.MockRouter, text: str
) -> None:
    api.get(f"/v1/devices/{DEVICE}/temp").respond(404, json={"ok": False, "error": text})
    with pytest.raises(DeviceOfflineError):
        await strict_client.devices.get_variable(DEVICE, "temp")


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_a_typed_error_naming_the_target_origin(
    strict_client: ParticleClient, api: respx.MockRouter, status: int
) -> None:
    target = "https://elsewhere.example:8443/v1/devices?access_token=x"
    route = api.get("/v1/devices").respond(status, headers={"Location": target})
    with pytest.raises(RedirectError) as info:
        await strict_client.request("GET", "/v1/devices")
    error = info.value
    assert error.status_code == status
    assert error.location == target
    assert "redirected to https://elsewhere.example:8443, not followed" in str(error)
    assert "access_token" not in str(error)
    assert route.call_count == 1


class _Failing(httpx.AsyncBaseTransport):
    """A transport failing every request as httpx does, with the low-level cause chained."""

    def __init__(self, cause: BaseException, failure: httpx.TransportError) -> None:
        self.cause = cause
        self.failure = failure
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        raise self.failure from self.cause


async def test_a_name_that_does_not_resolve_is_named_in_the_message() -> None:
    transport = _Failing(
        socket.gaierror(-2, "Name or service not known"),
        httpx.ConnectError("[Errno -2] Name or service not known"),
    )
    async with httpx.AsyncClient(transport=transport) as http:
        client = ParticleClient(TOKEN, base_url=API, max_retries=0, http_client=http)
        with pytest.raises(APIConnectionError) as info:
            await client.request("GET", "/v1/devices")
    assert "could not resolve host 'api.particle.io'" in str(info.value)
    assert info.value.may_have_reached_server is False


async def test_a_certificate_failure_is_a_tls_error_and_never_retried(
    sleeps: list[float],
) -> None:
    transport = _Failing(
        ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate"),
        httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
    )
    async with httpx.AsyncClient(transport=transport) as http:
        client = ParticleClient(TOKEN, base_url=API, max_retries=2, http_client=http)
        with pytest.raises(TLSError) as info:
            await client.request("GET", "/v1/devices")
    assert "TLS handshake with api.particle.io failed" in str(info.value)
    assert isinstance(info.value, APIConnectionError)
    assert info.value.may_have_reached_server is False
    assert transport.calls == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("failure", "reached"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("slow connect"), False),
        (httpx.ReadError("reset"), True),
        (httpx.ReadTimeout("slow answer"), True),
        (httpx.RemoteProtocolError("closed early"), True),
    ],
)
async def test_a_failed_action_says_whether_it_may_have_reached_the_server(
    api: respx.MockRouter, failure: Exception, reached: bool
) -> None:
    api.post(f"/v1/devices/{DEVICE}/open").mock(side_effect=failure)
    async with ParticleClient(TOKEN, base_url=API, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.devices.call_function(DEVICE, "open", "now")
    assert info.value.may_have_reached_server is reached


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError(f"refused for {TOKEN}"), httpx.ReadError(f"reset: Bearer {TOKEN}")],
)
async def test_a_token_in_a_transport_error_text_is_scrubbed(
    api: respx.MockRouter, failure: Exception
) -> None:
    api.get("/v1/devices").mock(side_effect=failure)
    async with ParticleClient(TOKEN, base_url=API, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.request("GET", "/v1/devices")
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(info.value)
    assert "[redacted]" in str(info.value)


async def test_a_bare_token_echoed_in_an_error_body_is_scrubbed(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    api.get("/v1/devices").respond(400, json={"error": f"bad token {TOKEN} given"})
    with pytest.raises(BadRequestError) as info:
        await strict_client.request("GET", "/v1/devices")
    assert TOKEN not in str(info.value)
    assert TOKEN not in json.dumps(info.value.body)


def assert_request_kept_without_secrets(error: APIError, *secrets: str) -> None:
    request = error.request
    assert request is not None
    assert request.headers.get("authorization") in (None, "[redacted]")
    shown = repr(request) + repr(dict(request.headers)) + request.content.decode(errors="replace")
    for secret in (TOKEN, *secrets):
        assert secret not in shown
    response = getattr(error, "response", None)
    if response is not None:
        assert response.request is request


async def test_a_status_error_keeps_the_request_without_the_token(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    api.put(f"/v1/devices/{DEVICE}").respond(400, json={"error": "nope"})
    with pytest.raises(BadRequestError) as info:
        await strict_client.devices.rename(DEVICE, "porch")
    assert_request_kept_without_secrets(info.value)
    assert info.value.request is not None
    assert info.value.request.headers["authorization"] == "[redacted]"
    assert json.loads(info.value.request.content) == {"name": "porch"}  # kept: no secret in it
    assert info.value.request.url.path == f"/v1/devices/{DEVICE}"


async def test_connection_and_validation_errors_keep_the_request_without_the_token(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    api.get(f"/v1/devices/{DEVICE}").mock(side_effect=httpx.ReadError("reset"))
    with pytest.raises(APIConnectionError) as dropped:
        await strict_client.devices.get(DEVICE)
    assert_request_kept_without_secrets(dropped.value)
    api.get(f"/v1/devices/{DEVICE}/temp").respond(json={"unexpected": True})
    with pytest.raises(APIResponseValidationError) as invalid:
        await strict_client.devices.get_variable(DEVICE, "temp")
    assert_request_kept_without_secrets(invalid.value)


async def test_a_customers_password_and_client_secret_stay_out_of_the_kept_request(
    api: respx.MockRouter,
) -> None:
    secret = "client-secret-value-0123456789"
    password = "hunter2-but-longer"
    api.post("/v1/products/7/customers").respond(400, json={"error": f"bad {password}"})
    async with ParticleClient(
        TOKEN, base_url=API, max_retries=0, client_id="app", client_secret=secret
    ) as client:
        with pytest.raises(BadRequestError) as info:
            await client.customers.create("a@b.c", password, product=7)
    assert_request_kept_without_secrets(info.value, password, secret)
    assert password not in str(info.value)


# --------------------------------------------------------------------------- more error shapes


@pytest.mark.parametrize(
    ("body", "shown", "error", "description"),
    [
        pytest.param(
            {"error": "bad_request", "description": "start_date must be before end_date"},
            "400 Bad Request: start_date must be before end_date",
            "bad_request",
            "start_date must be before end_date",
            id="code-and-description",
        ),
        pytest.param(
            {"error": "Device is offline", "description": "it went away"},
            "400 Bad Request: Device is offline",
            "Device is offline",
            "it went away",
            id="sentence-error-wins",
        ),
        pytest.param(
            {"error": "bad_request", "error_description": "Bad date", "description": "other"},
            "400 Bad Request: Bad date",
            "bad_request",
            "other",
            id="error-description-first",
        ),
        pytest.param(
            {"description": "Only the description"},
            "400 Bad Request: Only the description",
            None,
            "Only the description",
            id="description-only",
        ),
        pytest.param(
            {"message": "Only a message"},
            "400 Bad Request: Only a message",
            None,
            None,
            id="message-only",
        ),
        pytest.param(
            {"message": "Invalid input", "description": "name is required"},
            "400 Bad Request: Invalid input: name is required",
            None,
            "name is required",
            id="message-and-description",
        ),
        pytest.param(
            {"errors": [{"message": "first"}], "description": "later"},
            "400 Bad Request: first",
            None,
            "later",
            id="jsonapi-before-description",
        ),
        pytest.param(
            {"ok": False, "error": "event prefix filter is required"},
            "400 Bad Request: event prefix filter is required",
            "event prefix filter is required",
            None,
            id="ok-false-error",
        ),
        pytest.param(
            {"error": "bad_request"},
            "400 Bad Request: bad_request",
            "bad_request",
            None,
            id="bare-code",
        ),
    ],
)
async def test_error_text_reads_description_and_message_too(
    strict_client: ParticleClient,
    api: respx.MockRouter,
    body: dict[str, object],
    shown: str,
    error: str | None,
    description: str | None,
) -> None:
    api.get("/v1/devices").respond(400, json=body)
    with pytest.raises(BadRequestError) as caught:
        await strict_client.devices.list()
    assert str(caught.value) == f"{shown} [GET /v1/devices]"
    assert caught.value.error == error
    assert caught.value.description == description
    assert caught.value.violations == []


def _violation(n: int) -> dict[str, object]:
    return {
        "keyword": "type",
        "dataPath": f".properties.field{n}",
        "schemaPath": "#/type",
        "params": {"type": "object"},
        "message": "should be object",
    }


async def test_a_422_shows_a_short_summary_of_its_violations(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    violations = [_violation(n) for n in range(5)]
    body = {"message": "Invalid Schema", "description": "Bad schema", "violations": violations}
    api.get("/v1/devices").respond(422, json=body)
    with pytest.raises(UnprocessableEntityError) as caught:
        await strict_client.devices.list()
    error = caught.value
    assert error.violations == violations
    assert error.description == "Bad schema"
    assert str(error) == (
        "422 Unprocessable Entity: Invalid Schema: Bad schema (violations: "
        ".properties.field0: should be object; .properties.field1: should be object; "
        ".properties.field2: should be object; and 2 more) [GET /v1/devices]"
    )


async def test_violations_that_are_not_objects_are_kept_as_messages(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    body = {"message": "Invalid Schema", "violations": ["type is required", {"keyword": "x"}]}
    api.get("/v1/devices").respond(422, json=body)
    with pytest.raises(UnprocessableEntityError) as caught:
        await strict_client.devices.list()
    assert caught.value.violations == [{"message": "type is required"}, {"keyword": "x"}]
    assert "(violations: type is required; x)" in str(caught.value)


async def test_violations_of_another_status_are_kept_but_not_shown(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    body = {"error": "bad_request", "violations": [_violation(0)]}
    api.get("/v1/devices").respond(400, json=body)
    with pytest.raises(BadRequestError) as caught:
        await strict_client.devices.list()
    assert caught.value.violations == [_violation(0)]
    assert "violations" not in str(caught.value)


# --------------------------------------------------------------------------- 201 and 202


@pytest.mark.parametrize("status", [200, 201, 202, 204])
@pytest.mark.parametrize("content", [b"", b"  ", b'{"ok": true}'], ids=["empty", "blank", "ok"])
async def test_an_acknowledged_call_accepts_any_2xx_with_or_without_a_body(
    strict_client: ParticleClient, api: respx.MockRouter, status: int, content: bytes
) -> None:
    if status == 204:
        content = b""
    api.delete("/v1/products/acme/firmware/3").respond(status, content=content)
    assert await strict_client.products.firmware.delete(3, product="acme") is None


@pytest.mark.parametrize("status", [201, 202])
async def test_a_created_or_accepted_answer_with_a_body_is_parsed(
    strict_client: ParticleClient, api: respx.MockRouter, status: int
) -> None:
    api.get("/v1/logic/functions/f1/stats").respond(
        status, json={"logic_function_stats": [{"date": "20250301", "success": 1}]}
    )
    stats = await strict_client.logic.functions.get_stats("f1")
    assert [(s.date.isoformat(), s.success) for s in stats] == [("2025-03-01", 1)]


@pytest.mark.parametrize("status", [201, 202, 204])
@pytest.mark.parametrize("content", [b"", b" \n"], ids=["empty", "blank"])
async def test_a_model_answer_without_a_body_parses_as_an_empty_object(
    strict_client: ParticleClient, api: respx.MockRouter, status: int, content: bytes
) -> None:
    api.post("/v1/integrations/i1/test").respond(status, content=content)
    result = await strict_client.integrations.test("i1")
    assert (result.pass_, result.data, result.error) == (False, None, None)


async def test_a_202_that_says_not_ok_is_an_api_error(
    strict_client: ParticleClient, api: respx.MockRouter
) -> None:
    api.delete("/v1/products/acme/firmware/3").respond(202, json={"ok": False, "error": "no"})
    with pytest.raises(APIError, match="did not confirm the operation: no"):
        await strict_client.products.firmware.delete(3, product="acme")
