"""The local cloud state's foundation: the lock, the collections, per-instance ids, refusals."""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .auth import FakeUser, OAuthClient, Token, TokenRequest
    from .builds import CompileRequest, FlashRequest
    from .device_os import DeviceOsVersion
    from .devices import FakeDevice
    from .env_vars import EnvScope, EnvScopeKey
    from .events import PublishedEvent, Subscriber
    from .faults import Fault, StreamFault
    from .ledgers import FakeLedger
    from .libraries import FakeLibrary
    from .logic import FakeLogicFunction, LogicExecution, LogicScript
    from .products import FakeOrg, FakeProduct
    from .rate_limits import LoggedRequest
    from .sims import FakeSim
    from .teams import FakeApiUser
    from .users import PendingMfa

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "MFA_PASSWORD",
    "MFA_SECRET",
    "MFA_USERNAME",
    "PLATFORMS",
    "Denied",
    "NotFound",
    "Refused",
    "StateBase",
    "iso",
    "page_of",
    "platform_id",
    "utcnow",
    "version_key",
]

DEFAULT_USERNAME = "developer@example.com"
DEFAULT_PASSWORD = "local-cloud-password"  # noqa: S105 - a fake account of the local cloud
#: An account with MFA on, and the fixed TOTP secret its codes come from.
MFA_USERNAME = "mfa-user@example.com"
MFA_PASSWORD = "local-cloud-mfa-password"  # noqa: S105 - a fake account of the local cloud
MFA_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 - the public example secret of authenticator apps

PLATFORMS = {
    "argon": 12,
    "boron": 13,
    "bsom": 23,
    "b5som": 25,
    "tracker": 26,
    "p2": 32,
    "msom": 35,
    "photon": 6,
    "electron": 10,
}

_T = TypeVar("_T")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def version_key(version: str) -> tuple[tuple[int, ...], int, str]:
    """Sort key of a semantic version: `1.2.10` > `1.2.9` > `1.2.9-rc.1`."""
    main, dash, pre = version.partition("-")
    numbers = tuple(int(n) if n.isdigit() else 0 for n in main.split("+")[0].split("."))
    return numbers, 0 if dash else 1, pre


def platform_id(platform: int | str) -> int:
    """A platform id from an id or a name (`"boron"`)."""
    if isinstance(platform, int):
        return platform
    try:
        return PLATFORMS[platform.lower()]
    except KeyError:
        raise ValueError(
            f"unknown platform {platform!r}; use an id or one of {', '.join(sorted(PLATFORMS))}"
        ) from None


def page_of(items: Sequence[_T], page: int, size: int) -> list[_T]:
    """Page `page` (from 1) of `items`, `size` items a page."""
    return list(items[(page - 1) * size : page * size])


class Refused(Exception):  # noqa: N818 - a refusal the wire reports, not a failure
    """A request the cloud refuses, with the status and message the wire reports (and, for the
    compiler, each of its `errors`). The routes give it the error body shape of their API."""

    status = 400

    def __init__(
        self, message: str, *, status: int | None = None, errors: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)
        if status is not None:
            self.status = status


class NotFound(Refused):
    """The record the request names does not exist (or is not visible to it)."""

    status = 404


class Denied(Refused):
    """The record exists but the request's token may not use it."""

    status = 403

    def __init__(self, message: str = "Permission Denied") -> None:
        super().__init__(message)


class StateBase:
    """The collections of a local cloud, its lock and its id counters.

    Every collection is public: tests seed and inspect them. The API groups' mixins (the other
    modules of this package) query and change them under `lock`.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, FakeUser] = {}
        #: when set, no token issued lives longer than this many seconds (tests of expiry)
        self.token_lifetime: int | None = None
        #: every request the token endpoint answered, oldest first
        self.token_requests: list[TokenRequest] = []
        #: failed token requests in a row that lock a source IP out, and for how many seconds
        self.lockout_after = 10
        self.lockout_seconds = 1800
        #: failed token requests in a row per source IP; when a locked-out IP is let in again
        self.login_failures: dict[str, int] = {}
        self.locked_until: dict[str, float] = {}
        #: logins waiting for their one-time code: mfa_token -> (username, expires_in, until)
        self.mfa_logins: dict[str, tuple[str, int, float]] = {}
        self.tokens: dict[str, Token] = {}
        self.clients: dict[str, OAuthClient] = {}
        self.devices: dict[str, FakeDevice] = {}
        self.products: dict[int, FakeProduct] = {}
        self.orgs: dict[str, FakeOrg] = {}
        #: the API users of every product and organization, by username
        self.api_users: dict[str, FakeApiUser] = {}
        self.events: list[PublishedEvent] = []
        self.subscribers: set[Subscriber] = set()
        self.faults: list[Fault] = []
        self.stream_faults: list[StreamFault] = []
        #: every HTTP request received (event-stream opens too), oldest first; the latest
        #: 100,000 are kept
        self.request_log: deque[LoggedRequest] = deque(maxlen=100_000)
        #: Particle's all-routes limit when a test turns it on: (requests, per seconds)
        self.request_limit: tuple[int, float] | None = None
        #: when each source IP's requests counted by the limit arrived, oldest first
        self.limited_requests: dict[str, deque[float]] = {}
        #: when each event stream was opened (every path), oldest first
        self.stream_opens: list[datetime] = []
        #: every event written to an event stream, once per stream it was written to
        self.delivered: list[PublishedEvent] = []
        self.sims: dict[str, FakeSim] = {}
        self.libraries: dict[str, FakeLibrary] = {}
        #: compiled or registered firmware binaries by binary id
        self.binaries: dict[str, bytes] = {}
        self.device_os_versions: list[DeviceOsVersion] = []
        #: every `POST /v1/binaries`, oldest first (refused ones too, with `ok` False)
        self.compiles: list[CompileRequest] = []
        #: every flash over `PUT .../devices/:device`, oldest first (refused ones with `ok` False)
        self.flashes: list[FlashRequest] = []
        #: every library archive download: (path, Authorization header or None), oldest first
        self.archive_requests: list[tuple[str, str | None]] = []
        #: the token of each account's verification e-mail, until the account is verified
        self.verification_tokens: dict[str, str] = {}
        #: every password reset asked for (the username as sent), oldest first
        self.password_resets: list[str] = []
        #: MFA enrolments begun and not yet confirmed, by their `mfa_token`
        self.mfa_enrollments: dict[str, PendingMfa] = {}
        #: saved logic functions of every sandbox and organization, by id
        self.logic_functions: dict[str, FakeLogicFunction] = {}
        #: what Logic code does here (no JavaScript runs): see `LogicScript`; None: succeed
        self.logic_script: LogicScript | None = None
        #: every one-off Logic execution answered, oldest first
        self.logic_executions: list[LogicExecution] = []
        #: environment variables by scope (`env_vars.EnvScopeKey`)
        self.env_scopes: dict[EnvScopeKey, EnvScope] = {}
        #: ledger definitions by (space, name): space is "user:<username>", "org:<org id>" or
        #: "product:<product id>"
        self.ledgers: dict[tuple[str, str], FakeLedger] = {}
        self.username = DEFAULT_USERNAME
        self.password = DEFAULT_PASSWORD
        #: the last number handed out of each kind of id
        self._counters: dict[str, int] = {}

    def device_connected(self, device: FakeDevice) -> None:
        """Called under the lock when a device comes online; mixins that deliver something
        at connect time extend it."""

    def _next_id(self, kind: str) -> int:
        """The next number of `kind` (1, 2, ...): each state counts on its own."""
        with self.lock:
            number = self._counters.get(kind, 0) + 1
            self._counters[kind] = number
            return number

    def id_counters(self) -> dict[str, int]:
        """The last number handed out of each kind of id (what a state file keeps)."""
        with self.lock:
            return dict(self._counters)

    def restore_id_counters(self, counters: dict[str, int]) -> None:
        """Go on counting from `counters` (from `id_counters()` of a state saved earlier)."""
        with self.lock:
            self._counters.update(counters)

    def _hex_id(self, kind: str) -> str:
        """The next id of `kind` shaped like a Particle id (24 hex digits): it looks random, but
        the n-th id of a kind is the same in every state."""
        number = self._next_id(kind)
        return hashlib.blake2b(f"{kind}-{number}".encode(), digest_size=12).hexdigest()
