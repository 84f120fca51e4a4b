"""`LocalCloud`: the local Particle Cloud served for real by uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._app import build_app
from ._persist import StateFile
from ._state import (
    CloudState,
    Fault,
    StreamFault,
)

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["LocalCloud", "check_token"]

_START_TIMEOUT = 10.0
#: what a fixed access token may be made of: the characters of an HTTP bearer token
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{8,256}")
#: methods that may change the state: a state file is written after each such request
_MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def check_token(token: str) -> str:
    """`token` if it can be an access token (8 to 256 letters, digits and `-._~+/=`); raises
    `ValueError` otherwise (the message never repeats the token)."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise ValueError(
            "an access token is 8 to 256 characters among letters, digits and - . _ ~ + / ="
        )
    return token


class _Server(uvicorn.Server):
    """uvicorn's server, stopping at once when told to: its main loop wakes on `exit()`
    instead of its next 0.1 s tick, and its shutdown waits for the requests under way (which
    `_Lifecycle.close` has just ended) by polling every 5 ms instead of a fixed 0.1 s."""

    wake: anyio.Event | None = None

    def exit(self) -> None:
        """Stop (called in the server's event loop)."""
        self.should_exit = True
        if self.wake is not None:
            self.wake.set()

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with anyio.move_on_after(0.1):
                if self.wake is not None:
                    await self.wake.wait()
                else:  # pragma: no cover - set before serving
                    await anyio.sleep(0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # a connection already waiting to be accepted gets its transport before the listening
        # socket closes (asyncio leaks the socket of one accepted after the close)
        await anyio.sleep(0.01)
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        with anyio.move_on_after(self.config.timeout_graceful_shutdown or 1):
            while self.server_state.connections or self.server_state.tasks:  # noqa: ASYNC110
                await anyio.sleep(0.005)  # (uvicorn has no event for either)
            for server in self.servers:
                await server.wait_closed()
        # what is left is cancelled by asyncio.run (no request: `_Lifecycle` ended them)
        for task in self.server_state.tasks:
            task.cancel()


class _Lifecycle:
    """The outermost middleware: adds `latency` to every response, tells the state file of
    each request that may have changed the state, and ends every request under way when the
    server stops (`close`): one still waiting for its answer gets a 503, one answering (an
    event stream) ends its body there. So stopping never leaves uvicorn a request to cancel,
    and never a `CancelledError` traceback in the log."""

    def __init__(self, app: ASGIApp, cloud: LocalCloud, state_file: StateFile | None) -> None:
        self.app = app
        self.cloud = cloud
        self.state_file = state_file
        self.closing = False
        self._under_way: set[anyio.CancelScope] = set()

    def close(self) -> None:
        """End every request under way, and answer any later one with a 503 (in the server's
        event loop)."""
        self.closing = True
        for scope in list(self._under_way):
            scope.cancel()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = finished = False

        async def tracked(message: Message) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finished = True
            await send(message)

        with anyio.CancelScope() as under_way:
            if self.closing:
                under_way.cancel()
            self._under_way.add(under_way)
            try:
                if self.cloud.latency:
                    await anyio.sleep(self.cloud.latency)
                await self.app(scope, receive, tracked)
            finally:
                self._under_way.discard(under_way)
                if self.state_file is not None and scope["method"] in _MUTATING:
                    self.state_file.changed()
        if not under_way.cancelled_caught:
            return
        if not started:
            body = b'{"error":"unavailable","error_description":"The local cloud is stopping"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
        elif not finished:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


class LocalCloud(CloudState):
    """A local stand-in for the Particle Cloud, served over real HTTP on 127.0.0.1.

    ```python
    async with LocalCloud() as cloud:
        cloud.add_device("garage", variables={"temp": 21.5}, functions={"open": lambda arg: 1})
        async with ParticleClient(cloud.token, base_url=cloud.url) as client:
            ...
    ```

    The server runs in a background thread with its own event loop, so it works the same from
    asyncio, trio or synchronous code (`start()` / `stop()`, or `with LocalCloud() as cloud`).
    `stop()` is prompt and quiet with requests under way: one still waiting for its answer gets
    a 503, open event streams end, and nothing is logged. `token=` fixes the default account's
    access token (`use_token()` later), `latency=` adds that many seconds before every
    response, and `state_file=` keeps the state in an SQLite file (see `aioparticle-cloud
    --help` for what it keeps): loaded by the constructor (`restored` says whether it held a
    state; an unusable file raises `StateFileError`), written soon after every request that may
    change it and by `stop()`. `reset()` forgets the whole state without a restart.
    Seed and drive it before or while it runs: `add_device`, `add_product`, `add_firmware`,
    `add_sim`, `add_library`, `add_binary`, `add_device_os_version`, `publish`, `inject` (HTTP
    faults, a 429 storm with `duration`), `inject_stream` (event-stream faults) and
    `limit_requests` (Particle's all-routes limit per source IP, off by default). `cloud.token`
    belongs to the default account (`cloud.username` / `cloud.password`), which owns the
    devices added. Read what clients did in `request_log` (every request, with
    `busiest_window(per)`), `compiles`, `flashes`, `archive_requests` and `password_resets`,
    and the API users they made in `api_users`; an account signed up over HTTP waits for the
    token in `verification_tokens[username]`.

    Logic code is stored, never executed: the local cloud has no JavaScript engine. What an
    execution or a run does is what `cloud.logic_script` says, a callable a test sets, taking
    the source object and the event (or `None`) and returning `{"status": "Success" or
    "Exception", "logs": [...]}` (log lines as `{"level", "args"}` objects or plain strings);
    without one, everything succeeds with one log line echoing the event. Runs appear when a
    published event matches an enabled Event trigger of an enabled function, or when a test
    calls `add_logic_run(function_id, status=..., logs=[...], started_at=...)`; scheduled
    triggers never fire. Seed functions with `add_logic_function`; read what was executed in
    `logic_executions`.

    Environment variables are kept per scope in `env_scopes`: each user's sandbox, each
    organization, product and device has its own values. A device in a product inherits the
    product's (and a product in an organization the organization's), a device outside any
    product its owner's sandbox; the most specific value wins. Starting a rollout snapshots the
    scope and every scope below it (`last_snapshot`) and hands each device reached its merged
    values: with `Immediate` an online device reports them at once (`on_device`); an offline
    device, or any device with `Connect`, when it next comes online (`go_online()`). Names
    follow Particle's rule (uppercase letters, digits, `_`); a `PATCH` takes at most 50
    operations and a scope holds at most 100 variables.

    Ledgers live per sandbox account and per organization (its members and API users reach
    them) in `ledgers`, by `(space, name)`. Archiving keeps the record (`archived`) and leaves
    it out of the listing unless `archived=true`; an archived ledger takes no more data. Each
    set of an instance (`Replace` replaces the data, `Merge` sets the top-level keys sent)
    keeps the data it replaced as a version with a later `replaced_at`; the versions list pages
    newest first, `ledger_versions_per_page` (20) at a time, with `meta.has_more` and the
    `replaced_before` / `replaced_after` window.

    Webhooks and integrations of type `Webhook` really deliver (unless `disabled`). Each
    event published (by a `FakeDevice.publish`, `cloud.publish` or the publish API) that a hook
    matches (the event name starts with the hook's event; from its device, if it names one;
    from a device of its product, of its organization's products, or owned by its user) makes
    an HTTP request to the hook's URL, as a background task of the server's event loop: the
    hook's request type, headers, query, basic auth, and JSON, form or raw body, with mustache
    templates such as `{{{PARTICLE_EVENT_VALUE}}}` filled from the event (`{{...}}`
    HTML-escapes). Without a body template the event's `event`, `data`, `published_at` and
    `coreid` are sent as a form (as query parameters for a GET), unless `noDefaults`. The
    answer comes back on the event streams as `hook-sent/<event>`, then
    `hook-response/<event>/<n>` (a 2xx answer's body, or its `responseTemplate` rendered, in
    parts of 512 bytes) or `hook-error/<event>/0` (any other status, a connection failure, the
    timeout), from `particle-internal` on the streams of the triggering device's owner and
    product; `responseTopic` and `errorResponseTopic` rename them. A hook's URL must be on a
    loopback host (127.0.0.1, ::1, localhost): creating one elsewhere is refused (400) and
    nothing else is ever contacted. Every attempt is recorded in `hook_deliveries`
    (`HookDelivery`: the request as sent, the status, the answer, or the error). Bounds:
    `hook_timeout` (5 s a delivery), `max_concurrent_deliveries` (8 requests at once) and
    `max_pending_deliveries` (64 waiting or under way; past it a delivery is dropped and
    recorded with its `error`). Other integration types are stored and listed only.

    Device vitals are kept per device in `vitals` (oldest first); seed them with
    `add_vitals(device, payload, at=...)`. A refresh of an online device answers 202 and,
    `vitals_refresh_delay` seconds later (0.2), stores a new report (what
    `vitals_payloads[device_id]` says, or one made up from the device) and publishes it as
    `spark/device/diagnostics/update` with the payload as JSON text; an offline device is a
    404 (`Device is offline`). The history honours `start_date` (included) and `end_date`
    (excluded), answers a bad date with 400 `{"error": "bad_request", "description": ...}`,
    and is CSV with `Accept: text/csv` (`updated_at`, `deviceID`, then one column per payload
    field, nested keys joined with `.`). A SIM's network status check (`sim_status_checks`)
    answers 202 `pending` with a null `sim_status`, then `complete` (200) after
    `sim_status_polls` (2) more requests. Fleet health metrics count buckets of `bucket_size`
    seconds from `start_date` to `end_date`: product devices online now, events they published
    (`events`), webhook and integration deliveries of the product (`hook_deliveries`), and
    function calls and variable reads with their outcome (`call_records`); zero counters are
    left out of the integration, function and variable buckets.

    Customers of a product live in `customers`, by `(product id, e-mail)`; seed one with
    `add_customer(product, email, password)` (`password=None`: a customer without one). They
    are created with the product's OAuth client pair (`add_oauth_client(..., product=...)`, in
    the form or HTTP Basic) or a team member's token, and listed a page at a time with the
    devices they own beside them. `POST /oauth/token` with the client-credentials grant and
    `scope=customer=<email>` (a product's client, a customer of that product; `expires_in` or
    `expires_at`) issues a token whose user is the customer: it reaches the devices the
    customer owns (`owner` = the e-mail). Deleting a customer revokes their tokens.

    Organizations (`add_org`) are listed and described to their members and API users, with
    their products; products are created over HTTP in the sandbox (`POST /v1/user/products`)
    or an organization, their creator on the team (`product_settings` keeps the settings sent).

    Each sandbox and organization gets a default service agreement when first asked
    (`service_agreement_of(space)`, `space` being `"user:<username>"` or `"org:<org id>"`);
    `add_service_agreement_notification` adds notifications. A usage report is `pending` until
    its `usage_report_polls`-th read (2 by default), then `available`, with a `download_url`
    signed for it on the server's other loopback name (`localhost` for a cloud reached as
    127.0.0.1, and back): another origin, so a client must not send its token there, and a
    download carrying an `Authorization` header is refused (400), as signed storage links
    refuse one. `usage_report_downloads` records every download: (path, `Authorization` or
    None). Its `created_at` is written as the cloud does, `"2022-01-18 13:43:23 +0000"`.

    Cloud secrets of each sandbox and organization are kept in `cloud_secrets` by
    `(space, name)`; names follow Particle's rule (uppercase letters, digits, `_`, not starting
    with a digit; others are refused with 400). Their values are stored and never answered
    over HTTP: `read_secret(name, org=...)` gives a test the value, as a use in the cloud
    would, and stamps `last_accessed_at`.

    Device groups live per product in `device_groups`; a name a product device carries
    (`add_device(groups=[...])`, `FakeDevice.groups`) is a group of its product, created with
    `DEFAULT_GROUP_COLOR` when first seen. Creating answers 201 and deleting 204 (the devices
    lose the membership); renaming moves the membership along. A device's `PUT {groups}`
    replaces its memberships (unknown names become groups) and the collection's
    `PUT {action: "groups"}` adds and removes them for many devices; the product device list's
    `groups` filter reads the same memberships. The impact of releasing a firmware version
    counts, by the version they run, the devices of the groups (or, with `product_default`,
    of the product) that run another version and are neither development devices nor locked
    to a version; it answers wrapped in `devices`. `fw_version` of a group is the version
    last released to it.

    A device added with `add_device(..., product=..., quarantined=True)` waits in its
    product's quarantine: the product's device list shows it (`quarantined=true` shows only
    such devices, `false` none of them), but no group's `device_count` or impact counts it and
    it cannot publish. `POST {id}` (or `{ids}`,
    or a multipart `file` listing ids, serial numbers or ICCIDs; `claim_user` a team member
    who then owns them) approves it or adds a device in no product, answering the import
    result; `DELETE {deny: true}` marks it `denied`, takes it out of the product and answers
    204. `firmware_updates_forced` set by a device `PUT` is stored and echoed. A product
    publish with `as_device_id` comes from that device of the product (403 for any other).

    `POST .../integrations/:id/test` sends one test event (`data`, default `test-event`, from
    `device_id`, default `api`) through a `Webhook` integration at once, disabled or not, and
    answers `{pass, data, error}` with what the target answered (also kept in
    `hook_deliveries`); other types answer `pass: false`.

    Product firmware can be deleted while it was never released (released or current: 409);
    `mandatory` is kept per version. A product's (or one product device's) asset-tracking
    configuration and JSON Schema live in `configurations` and `config_schemas`: a schema `PUT`
    as `application/schema+json` must be an object with a JSON Schema `type` (and object
    `properties`), otherwise 422 `{message: "Invalid Schema", description, violations}`;
    `DELETE` (204) restores the default schema (a device: its product's). Seed locations with
    `add_location(device_id, lat, lng, at=...)` (kept in `locations`);
    `GET /v1/products/:product/fleet_locations` answers each device's latest one.

    Logic functions and ledgers also live per product, under `/v1/products/:product/logic`
    and `/v1/products/:product/ledgers`, for tokens that may use the product; a function's
    `.../stats` counts its stored runs per UTC day (`{date: "YYYYMMDD", success, failure,
    timeout}`).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        keepalive_interval: float = 9.0,
        token: str | None = None,
        latency: float = 0.0,
        state_file: str | os.PathLike[str] | None = None,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the local cloud only listens on a loopback address")
        if not latency >= 0:  # NaN too
            raise ValueError("latency must be a number of seconds, 0 or more")
        if token is not None:
            check_token(token)
        self.host = host
        self.port = port
        super().__init__()
        #: seconds added before every response (event-stream opens too)
        self.latency = latency
        self._state_file = None if state_file is None else StateFile(state_file)
        #: whether the state came from `state_file` (False: a new file, or none)
        self.restored = self._state_file is not None and self._state_file.load(self)
        if token is not None:
            self.use_token(token)
        self._lifecycle = _Lifecycle(
            build_app(self, keepalive_interval=keepalive_interval), self, self._state_file
        )
        self._thread: threading.Thread | None = None
        self._server: _Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def use_token(self, token: str) -> None:
        """Make `token` the default account's access token (`cloud.token`), in place of the one
        it had (which stops working)."""
        check_token(token)
        with self.lock:
            if self.token != token:
                self.tokens.pop(self.token, None)
            self.issue_token(self.username, token=token)
            self.token = token

    def reset(self) -> None:
        """Start the state afresh without restarting the server: every device, product, account,
        token, event, fault and log is forgotten, open event streams end, and the default
        account gets back the same `token` (so a client made before keeps working). The
        `particle_cloud_session` fixture's reset; call it while no request is under way."""
        with self.lock:
            token, lock, subscribers = self.token, self.lock, list(self.subscribers)
            CloudState.__init__(self)
            # the server thread and any seeding thread hold on to the same lock object
            self.lock = lock
            self.use_token(token)
        for subscriber in subscribers:
            subscriber.close()
        if self._state_file is not None:
            self._state_file.changed()

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """Base URL to give `ParticleClient(base_url=...)`."""
        if not self.running:
            raise RuntimeError("the local cloud is not running: start() it first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._ready.is_set()

    def start(self) -> Self:
        """Start serving in a background thread; returns once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the local cloud is already running")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP (not 0): asyncio only sets TCP_NODELAY on such sockets; without it Nagle
        # holds each response body back ~40 ms waiting for the delayed ACK of its headers
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._lifecycle,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            timeout_keep_alive=30,
        )
        self._server = _Server(config)
        self._ready.clear()
        self._lifecycle.closing = False
        self._thread = threading.Thread(
            target=self._run,
            args=(self._server, sock),
            name="aioparticle-local-cloud",
            daemon=True,
        )
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT) or self._error is not None:
            self.stop()
            raise RuntimeError(f"the local cloud did not start: {self._error!r}")
        if self._state_file is not None:
            self._state_file.start(self)
            self._state_file.changed()
        return self

    def _run(self, server: _Server, sock: socket.socket) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            server.wake = anyio.Event()
            task = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn has no event
                await asyncio.sleep(0.005)
            self._ready.set()
            await task

        try:
            asyncio.run(main())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
        finally:
            sock.close()

    def delivery_loop(self) -> asyncio.AbstractEventLoop | None:
        """The server's event loop, where webhook deliveries run (`None` when stopped)."""
        return self._loop

    @property
    def state(self) -> CloudState:
        """The cloud's data (the cloud itself; kept for readability: `cloud.state.devices`)."""
        return self

    def stop(self) -> None:
        """Stop serving: requests under way end at once (one still waiting for its answer gets
        a 503), open event streams end, connections close, and the state file (if any) gets a
        last snapshot. Idempotent."""
        thread, server, loop = self._thread, self._server, self._loop
        if thread is None or server is None:
            self._save_last()
            return
        with self.lock:
            subscribers = list(self.subscribers)
            self._loop = None  # no webhook delivery starts from now on
        for subscriber in subscribers:
            subscriber.close()
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended on its own meanwhile
                loop.call_soon_threadsafe(self._lifecycle.close)
                loop.call_soon_threadsafe(server.exit)
        server.should_exit = True
        thread.join(_START_TIMEOUT)
        self._thread = self._server = None
        self._save_last()

    def _save_last(self) -> None:
        if self._state_file is not None:
            self._state_file.close(self)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await anyio.to_thread.run_sync(self.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await anyio.to_thread.run_sync(self.stop)

    def __repr__(self) -> str:
        where = f"http://{self.host}:{self.port}" if self.running else "stopped"
        return f"<LocalCloud {where}, {len(self.devices)} device(s)>"

    # ------------------------------------------------------------------ faults

    def inject(
        self,
        path: str,
        *,
        method: str | None = None,
        latency: float = 0.0,
        statuses: Iterable[int] = (),
        retry_after: str | int | None = None,
        html: bool = False,
        truncated_json: bool = False,
        invalid_json: bool = False,
        drop_mid_response: bool = False,
        times: int | None = None,
        duration: float | None = None,
    ) -> Fault:
        """Script a fault for requests whose path matches the glob `path` (e.g.
        `"/v1/devices/*/temp"`). `statuses=[503, 503, 200]` answers the first two with 503 and
        lets the third through; `times` bounds how many requests it affects (default: as many
        as `statuses`, else all). `duration` makes it last that many seconds instead, the last
        status answering every request past the others: `inject("*", statuses=[429],
        retry_after=1, duration=3)` is a three-second 429 storm. Returns the `Fault`, whose
        `hits` counts matches."""
        status_list = list(statuses)
        if times is None and status_list and duration is None:
            times = len(status_list)
        fault = Fault(
            path=path,
            method=method,
            latency=latency,
            statuses=status_list,
            retry_after=None if retry_after is None else str(retry_after),
            html=html,
            truncated_json=truncated_json,
            invalid_json=invalid_json,
            drop_mid_response=drop_mid_response,
            times=times,
            until=None if duration is None else time.monotonic() + duration,
        )
        with self.lock:
            self.faults.append(fault)
        return fault

    def inject_stream(
        self,
        path: str = "*",
        *,
        drop_after: int | None = None,
        silent_after: int | None = None,
        malformed: Iterable[str] = (),
        status: int | None = None,
        retry_after: str | int | None = None,
        times: int | None = None,
    ) -> StreamFault:
        """Script a fault for event streams whose path matches the glob `path`: drop after N
        events, go silent after N events, send malformed frames, or refuse with a status."""
        fault = StreamFault(
            path=path,
            drop_after=drop_after,
            silent_after=silent_after,
            malformed=list(malformed),
            status=status,
            retry_after=None if retry_after is None else str(retry_after),
            times=times,
        )
        with self.lock:
            self.stream_faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every scripted fault."""
        with self.lock:
            self.faults.clear()
            self.stream_faults.clear()
