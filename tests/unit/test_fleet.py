"""`client.fleet`: one operation over many devices, against respx.

What each device's outcome becomes (classification), that a failure never stops the others,
the concurrency and buffering bounds, lazy feeding, progress, leaving early, cancellation,
the errors that end a run, and the checks made before any request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

from aioparticle import (
    AuthenticationError,
    ClientClosedError,
    Device,
    DeviceNotFoundError,
    DeviceOfflineError,
    DeviceTimeoutError,
    FleetProgress,
    FleetReport,
    FleetResult,
    FleetRun,
    FunctionResult,
    InternalServerError,
    InvalidArgumentError,
    NotFoundError,
    ParticleClient,
    UnknownVariableError,
    VariableValue,
)
from aioparticle._fleet import classify

pytestmark = pytest.mark.anyio

PRODUCT = "my-fleet"
DEVICE_PATH = r"^/v1/devices/(?P<device>[0-9a-f]{24})/temp$"
PRODUCT_PATH = rf"^/v1/products/{PRODUCT}/devices/(?P<device>[0-9a-f]{{24}})/temp$"
NOT_RECOGNIZED = {
    "ok": False,
    "error": "Permission Denied",
    "info": "I didn't recognize that device name or ID, try opening https://api.particle.io",
}


def dev(n: int) -> str:
    return f"{n:024x}"


def value(device: str) -> dict[str, Any]:
    return {"name": "temp", "result": int(device, 16), "coreInfo": {"deviceID": device}}


def read_temp(client: ParticleClient) -> Any:
    return lambda device_id: client.devices.get_variable(device_id, "temp")


def temp_route(api: respx.MockRouter, path: str = DEVICE_PATH) -> respx.Route:
    return api.route(method="GET", path__regex=path)


def answer_by_device(replies: dict[str, httpx.Response]) -> Any:
    def side_effect(request: httpx.Request, device: str) -> httpx.Response:
        return replies.get(device) or httpx.Response(200, json=value(device))

    return side_effect


class InFlight:
    """An async respx side effect counting the requests in flight (and the most at once).

    The first requests wait until `fill` are in flight at once (for at most a second), so the
    bound is reached however slow the machine is; later ones answer after a checkpoint.
    """

    def __init__(self, fill: int) -> None:
        self.now = 0
        self.most = 0
        self.started = 0
        self.fill = fill
        self.full = anyio.Event()

    async def __call__(self, request: httpx.Request, device: str) -> httpx.Response:
        self.started += 1
        self.now += 1
        self.most = max(self.most, self.now)
        if self.now >= self.fill:
            self.full.set()
        try:
            with anyio.move_on_after(1):
                await self.full.wait()
            await anyio.lowlevel.checkpoint()
        finally:
            self.now -= 1
        return httpx.Response(200, json=value(device))


async def settled(route: respx.Route, calls: int) -> None:
    """Wait until `route` has answered `calls` requests, then check that no more follow."""
    with anyio.fail_after(5):
        while route.call_count < calls:
            await anyio.sleep(0.005)
    await anyio.sleep(0.05)
    assert route.call_count == calls


async def hang(request: httpx.Request, device: str) -> httpx.Response:
    await anyio.sleep_forever()
    raise AssertionError("unreachable")


# ============================================================================ classification


async def test_each_outcome_becomes_its_devices_result_and_none_stops_the_others(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    ids = [dev(n) for n in range(1, 9)]
    replies = {
        ids[1]: httpx.Response(404, json={"ok": False, "error": "timed out"}),
        ids[2]: httpx.Response(408, json={"ok": False, "error": "Request Timeout"}),
        ids[3]: httpx.Response(403, json=NOT_RECOGNIZED),
        ids[4]: httpx.Response(404, json={"ok": False, "error": "Device not found"}),
        ids[5]: httpx.Response(404, json={"ok": False, "error": "Unknown Variable: temp"}),
        ids[6]: httpx.Response(500, json={"error": "boom"}),
    }
    route = temp_route(api)
    route.side_effect = answer_by_device(replies)

    report = await client.fleet.run(read_temp(client), devices=ids, concurrency=3).collect()

    by_id = {r.device_id: r for r in report}
    assert set(by_id) == set(ids)
    assert [by_id[i].status for i in ids] == [
        "ok",
        "offline",
        "offline",
        "not_found",
        "not_found",
        "error",
        "error",
        "ok",
    ]
    assert isinstance(by_id[ids[0]].value, VariableValue)
    assert by_id[ids[0]].unwrap().result == 1
    assert by_id[ids[0]].error is None and by_id[ids[0]].ok
    assert type(by_id[ids[1]].error) is DeviceOfflineError
    assert type(by_id[ids[2]].error) is DeviceTimeoutError
    assert type(by_id[ids[3]].error) is DeviceNotFoundError
    assert type(by_id[ids[4]].error) is NotFoundError
    assert type(by_id[ids[5]].error) is UnknownVariableError
    assert type(by_id[ids[6]].error) is InternalServerError  # after the client's retries
    for result in report:
        if not result.ok:
            assert result.value is None
            assert result.error is not None
            with pytest.raises(type(result.error)):
                result.unwrap()
    assert by_id[ids[7]].unwrap().result == 8
    assert report.progress == FleetProgress(done=8, total=8, ok=2, offline=2, not_found=2, failed=2)
    assert set(report.values) == {ids[0], ids[7]}
    assert [r.device_id for r in report.by_status("offline")] == sorted(
        [ids[1], ids[2]], key=[r.device_id for r in report].index
    )


def test_classify_names_the_errors_that_end_a_run() -> None:
    request = httpx.Request("GET", "https://api.particle.io/v1/devices/x/temp")
    unauthorized = AuthenticationError(
        "401", response=httpx.Response(401, request=request), body=None, method="GET", path="/"
    )
    assert classify(unauthorized) is None
    assert classify(ClientClosedError("closed")) is None
    assert classify(InvalidArgumentError("bad")) is None


async def test_results_come_in_the_order_they_complete(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    ids = [dev(n) for n in range(1, 6)]
    slow = anyio.Event()

    async def side_effect(request: httpx.Request, device: str) -> httpx.Response:
        if device == ids[0]:
            await slow.wait()
        return httpx.Response(200, json=value(device))

    temp_route(api).side_effect = side_effect
    order = []
    async with client.fleet.run(read_temp(client), devices=ids) as results:
        async for result in results:
            order.append(result.device_id)
            if len(order) == 4:
                slow.set()

    assert order == [*ids[1:], ids[0]]


# ============================================================================ bounds


@pytest.mark.parametrize("concurrency", [1, 4, 9])
async def test_no_more_than_concurrency_operations_are_ever_in_flight(
    client: ParticleClient, api: respx.MockRouter, concurrency: int
) -> None:
    counter = InFlight(fill=concurrency)
    temp_route(api).side_effect = counter
    ids = [dev(n) for n in range(1, 41)]

    report = await client.fleet.run(
        read_temp(client), devices=ids, concurrency=concurrency
    ).collect()

    assert counter.most == concurrency
    assert counter.started == 40
    assert {r.device_id for r in report} == set(ids)
    assert all(r.ok for r in report)


async def test_the_default_concurrency_is_50_or_the_clients_limit(api: respx.MockRouter) -> None:
    ids = [dev(n) for n in range(1, 121)]
    for max_concurrency, expected in ((7, 7), (None, 50)):
        counter = InFlight(fill=expected)
        temp_route(api).side_effect = counter
        async with ParticleClient("t0ken", max_concurrency=max_concurrency) as particle:
            await particle.fleet.run(read_temp(particle), devices=ids).collect()
        assert counter.most == expected
        assert counter.started == 120


async def test_a_slow_consumer_holds_back_new_operations(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    route = temp_route(api)
    route.side_effect = answer_by_device({})
    ids = [dev(n) for n in range(1, 51)]

    async with client.fleet.run(read_temp(client), devices=ids, concurrency=3, buffer=2) as results:
        taken = [await results.__anext__()]
        # one consumed, two waiting in the buffer, three finished and held by their slots
        await settled(route, 1 + 2 + 3)
        taken.append(await results.__anext__())
        await settled(route, 2 + 2 + 3)
        async for result in results:
            taken.append(result)

    assert len(taken) == 50


async def test_devices_are_taken_from_an_async_source_only_as_slots_free_up(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    temp_route(api).side_effect = answer_by_device({})
    pulled = 0
    closed = False

    async def source() -> AsyncIterator[str]:
        nonlocal pulled, closed
        try:
            for n in range(1, 1000):
                pulled += 1
                yield dev(n)
        finally:
            closed = True

    async with client.fleet.run(
        read_temp(client), devices=source(), concurrency=2, buffer=0
    ) as results:
        async for _ in results:
            break

    assert pulled <= 4  # never the whole source
    assert closed  # the generator was closed when the run ended


# ============================================================================ product listings


def devices_page(ids: list[str], page: int, total: int, per_page: int = 2) -> dict[str, Any]:
    return {
        "devices": [{"id": i, "name": f"unit-{i[-2:]}", "online": True} for i in ids],
        "meta": {
            "page": page,
            "per_page": per_page,
            "total_pages": -(-total // per_page),
            "total": total,
        },
    }


def product_listing(api: respx.MockRouter, ids: list[str]) -> respx.Route:
    pages = [ids[i : i + 2] for i in range(0, len(ids), 2)]

    def side_effect(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", "1"))
        return httpx.Response(200, json=devices_page(pages[number - 1], number, len(ids)))

    route = api.get(f"/v1/products/{PRODUCT}/devices")
    route.side_effect = side_effect
    return route


async def test_a_product_is_walked_page_by_page_and_read_through_its_routes(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    ids = [dev(n) for n in range(1, 8)]
    listing = product_listing(api, ids)
    reads = temp_route(api, PRODUCT_PATH)
    reads.side_effect = answer_by_device(
        {ids[2]: httpx.Response(404, json={"ok": False, "error": "timed out"})}
    )
    seen: list[FleetProgress] = []

    async with client.fleet.get_variable(
        "temp", product=PRODUCT, groups=["north", "south"], on_progress=seen.append
    ) as results:
        got = [r async for r in results]

    assert listing.call_count == 4
    assert listing.calls[0].request.url.params["groups"] == "north,south"
    assert {r.device_id for r in got} == set(ids)
    assert all(isinstance(r.device, Device) and r.device.id == r.device_id for r in got)
    assert reads.call_count == 7
    assert seen[0].total == 7  # from the first page's metadata
    assert seen[-1] == FleetProgress(done=7, total=7, ok=6, offline=1, not_found=0, failed=0)


async def test_leaving_early_stops_the_walk_of_a_listing(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    listing = product_listing(api, [dev(n) for n in range(1, 11)])
    temp_route(api, PRODUCT_PATH).side_effect = answer_by_device({})

    async with client.fleet.get_variable(
        "temp", product=PRODUCT, concurrency=1, buffer=0
    ) as results:
        async for _ in results:
            break

    assert listing.call_count == 1


async def test_a_failing_listing_ends_the_run_after_the_reads_in_flight(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    ids = [dev(n) for n in range(1, 5)]

    def side_effect(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("page", "1") == "1":
            return httpx.Response(200, json=devices_page(ids[:2], 1, 4))
        return httpx.Response(403, json={"ok": False, "error": "Permission Denied"})

    api.get(f"/v1/products/{PRODUCT}/devices").side_effect = side_effect
    temp_route(api, PRODUCT_PATH).side_effect = answer_by_device({})
    got = []

    with pytest.raises(Exception, match="Permission Denied") as raised:
        async with client.fleet.get_variable("temp", product=PRODUCT) as results:
            async for result in results:
                got.append(result.device_id)

    assert type(raised.value).__name__ == "PermissionDeniedError"
    assert sorted(got) == ids[:2]


# ============================================================================ sources


async def test_a_device_listed_twice_runs_once_and_device_objects_come_back(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    route = temp_route(api)
    route.side_effect = answer_by_device({})
    one = Device(id=dev(1), name="one", platform_id=6)

    report = await client.fleet.run(
        read_temp(client), devices=[one, dev(2), dev(1), dev(2)]
    ).collect()

    assert route.call_count == 2
    assert report.progress.total == 2
    assert {r.device_id: r.device for r in report} == {dev(1): one, dev(2): None}


async def test_a_generators_bad_id_ends_the_run_when_reached(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    temp_route(api).side_effect = answer_by_device({})

    def ids() -> Iterator[str]:
        yield dev(1)
        yield dev(2)
        yield "not/an/id"
        yield dev(3)

    got = []
    with pytest.raises(InvalidArgumentError, match="device id must not contain '/'"):
        async with client.fleet.run(read_temp(client), devices=ids(), concurrency=1) as results:
            async for result in results:
                got.append(result.device_id)

    assert got == [dev(1), dev(2)]


async def test_the_total_is_known_once_a_generator_runs_out(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    temp_route(api).side_effect = answer_by_device({})
    seen: list[FleetProgress] = []

    async def record(progress: FleetProgress) -> None:  # an async callback
        seen.append(progress)

    report = await client.fleet.run(
        read_temp(client),
        devices=(dev(n) for n in range(1, 4)),
        concurrency=1,
        buffer=0,
        on_progress=record,
    ).collect()

    assert [p.done for p in seen] == [1, 2, 3]
    assert seen[0].total is None
    assert report.progress.total == 3


# ============================================================================ ending a run


async def test_break_cancels_the_operations_in_flight_promptly(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    ids = [dev(n) for n in range(1, 21)]
    cancelled = started = 0

    async def side_effect(request: httpx.Request, device: str) -> httpx.Response:
        nonlocal cancelled, started
        started += 1
        if device != ids[0]:
            try:
                await anyio.sleep_forever()
            except anyio.get_cancelled_exc_class():
                cancelled += 1
                raise
        return httpx.Response(200, json=value(device))

    route = temp_route(api)
    route.side_effect = side_effect

    with anyio.fail_after(5):
        async with client.fleet.run(read_temp(client), devices=ids, concurrency=4) as results:
            async for result in results:
                assert result.device_id == ids[0]
                while started < 5:  # the freed slot starts another hanging read
                    await anyio.sleep(0.005)
                break

    assert started == 5  # the first read, then four hanging ones
    assert cancelled == 4
    await anyio.sleep(0.02)
    assert started == 5  # nothing starts after the block


async def test_cancellation_propagates_and_never_becomes_a_result(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    temp_route(api).side_effect = hang
    got: list[FleetResult[VariableValue]] = []

    with anyio.move_on_after(0.1) as scope:
        async with client.fleet.get_variable("temp", devices=[dev(1), dev(2)]) as results:
            async for result in results:
                got.append(result)

    assert scope.cancelled_caught
    assert got == []


async def test_a_bug_in_the_operation_ends_the_run_as_itself(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    temp_route(api).side_effect = hang

    async def operation(device_id: str) -> int:
        if device_id == dev(3):
            raise KeyError(device_id)
        await client.devices.get_variable(device_id, "temp")
        return 1

    with anyio.fail_after(5), pytest.raises(KeyError):
        async with client.fleet.run(operation, devices=[dev(n) for n in range(1, 6)]) as results:
            async for _ in results:
                pass


async def test_catch_records_more_exception_types_as_errors(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    async def operation(device_id: str) -> float:
        if device_id == dev(2):
            raise ValueError("not a number")
        return 1.0

    report = await client.fleet.run(operation, devices=[dev(1), dev(2)], catch=ValueError).collect()

    assert {r.device_id: r.status for r in report} == {dev(1): "ok", dev(2): "error"}
    assert isinstance(report.by_status("error")[0].error, ValueError)
    assert len(api.calls) == 0


async def test_closing_the_client_ends_the_run(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    temp_route(api).side_effect = answer_by_device({})
    got = []

    with pytest.raises(ClientClosedError):
        async with client.fleet.run(
            read_temp(client), devices=[dev(n) for n in range(1, 10)], concurrency=1, buffer=0
        ) as results:
            async for result in results:
                got.append(result)
                await client.aclose()

    assert len(got) <= 2 and all(r.ok for r in got)


async def test_a_refused_token_ends_the_run(client: ParticleClient, api: respx.MockRouter) -> None:
    temp_route(api).respond(401, json={"error": "invalid_token"})

    with pytest.raises(AuthenticationError):
        await client.fleet.get_variable("temp", devices=[dev(n) for n in range(1, 30)]).collect()
    assert len(api.calls) < 29


async def test_what_on_progress_raises_ends_the_run(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    temp_route(api).side_effect = answer_by_device({})

    def stop(progress: FleetProgress) -> None:
        if progress.done == 2:
            raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        await client.fleet.get_variable(
            "temp", devices=[dev(n) for n in range(1, 30)], on_progress=stop, concurrency=2
        ).collect()


async def test_collect_inside_async_with_takes_the_results_not_consumed_yet(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    temp_route(api).side_effect = answer_by_device({})
    ids = [dev(n) for n in range(1, 6)]

    async with client.fleet.run(read_temp(client), devices=ids, concurrency=1) as results:
        first = await results.__anext__()
        rest = await results.collect()

    assert first.device_id == ids[0]
    assert [r.device_id for r in rest] == ids[1:]
    assert rest.progress.done == 5


async def test_a_run_is_iterated_inside_async_with_and_runs_once(client: ParticleClient) -> None:
    run = client.fleet.run(read_temp(client), devices=[dev(1)])
    with pytest.raises(RuntimeError, match="async with"):
        await run.__anext__()
    async with run:
        pass
    with pytest.raises(RuntimeError, match="runs once"):
        async with run:
            pass


# ============================================================================ shorthands


async def test_call_function_calls_each_device_once_in_product_scope(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    route = api.route(
        method="POST",
        path__regex=rf"^/v1/products/{PRODUCT}/devices/(?P<device>[0-9a-f]{{24}})/reboot$",
    )
    route.side_effect = lambda request, device: httpx.Response(
        200, json={"id": device, "connected": True, "return_value": 7}
    )
    listing = product_listing(api, [dev(1), dev(2), dev(3)])

    run = client.fleet.call_function("reboot", "now", product=PRODUCT)
    assert isinstance(run, FleetRun)
    report = await run.collect()

    assert isinstance(report, FleetReport)
    assert listing.call_count == 2
    assert route.call_count == 3
    assert {r.request.content for r in route.calls} == {b'{"arg":"now"}'}
    assert all(
        isinstance(v, FunctionResult) and v.return_value == 7 for v in report.values.values()
    )


async def test_shorthands_read_given_devices_through_a_products_routes(
    client: ParticleClient, api: respx.MockRouter
) -> None:
    reads = temp_route(api, PRODUCT_PATH)
    reads.side_effect = answer_by_device({})

    report = await client.fleet.get_variable(
        "temp", devices=[dev(1), dev(2)], product=PRODUCT
    ).collect()

    assert reads.call_count == 2  # no listing: the devices were given
    assert set(report.values) == {dev(1), dev(2)}


# ============================================================================ bad input


def _not_callable(client: ParticleClient) -> Any:
    return client.fleet.run("nope", devices=[dev(1)])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda c: c.fleet.run(read_temp(c), devices=[dev(1)], concurrency=0), "concurrency"),
        (lambda c: c.fleet.run(read_temp(c), devices=[dev(1)], concurrency=-3), "concurrency"),
        (lambda c: c.fleet.run(read_temp(c), devices=[dev(1)], concurrency=True), "concurrency"),
        (lambda c: c.fleet.run(read_temp(c), devices=[dev(1)], concurrency=2.5), "concurrency"),
        (lambda c: c.fleet.run(read_temp(c), devices=[dev(1)], concurrency=10**6), "concurrency"),
        (lambda c: c.fleet.run(read_temp(c), devices=[dev(1)], buffer=-1), "buffer"),
        (lambda c: c.fleet.run(read_temp(c), devices=[dev(1)], product=PRODUCT), "not both"),
        (lambda c: c.fleet.run(read_temp(c)), "needs devices="),
        (lambda c: c.fleet.get_variable("temp"), r"fleet\.get_variable\(\) needs devices="),
        (lambda c: c.fleet.run(read_temp(c), devices=[dev(1)], groups=["a"]), "groups="),
        (lambda c: c.fleet.run(read_temp(c), devices=dev(1)), "not a single str"),
        (lambda c: c.fleet.run(read_temp(c), devices=42), "iterable"),
        (lambda c: c.fleet.run(read_temp(c), devices=[dev(1), 7]), "ids"),
        (lambda c: c.fleet.run(read_temp(c), devices=[dev(1), "a/b"]), "'/'"),
        (lambda c: c.fleet.run(read_temp(c), devices=["events"]), "another endpoint"),
        (lambda c: c.fleet.run(read_temp(c), devices=[""]), "device id"),
        (_not_callable, "operation"),
        (lambda c: c.fleet.run(read_temp(c), devices=[dev(1)], on_progress=3), "on_progress"),
        (lambda c: c.fleet.run(read_temp(c), devices=[], catch=KeyboardInterrupt), "catch"),
        (lambda c: c.fleet.run(read_temp(c), product="a/b"), "product"),
        (lambda c: c.fleet.run(read_temp(c), product=PRODUCT, groups="north"), "groups"),
        (lambda c: c.fleet.get_variable("temp", devices=[dev(1)], product="a/b"), "product"),
        (
            lambda c: c.fleet.get_variable("t", devices=[dev(1)], product=PRODUCT, groups=["a"]),
            "not devices=",
        ),
        (lambda c: c.fleet.get_variable("te mp", devices=[dev(1)]), "variable name"),
        (lambda c: c.fleet.call_function("go", "x" * 1025, devices=[dev(1)]), "arg is too long"),
    ],
)
async def test_bad_input_is_refused_at_the_call_before_any_request(
    client: ParticleClient, api: respx.MockRouter, make: Any, message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        make(client)
    assert len(api.calls) == 0


async def test_an_empty_list_of_devices_gives_an_empty_report(client: ParticleClient) -> None:
    report = await client.fleet.run(read_temp(client), devices=[]).collect()
    assert report.results == []
    assert report.progress == FleetProgress(total=0)


async def test_the_exception_that_ends_a_run_keeps_its_cause(client: ParticleClient) -> None:
    async def operation(device_id: str) -> None:
        try:
            {}["missing"]
        except KeyError as exc:
            raise LookupError(device_id) from exc

    with pytest.raises(LookupError) as raised:
        await client.fleet.run(operation, devices=[dev(1)]).collect()

    assert isinstance(raised.value.__cause__, KeyError)
