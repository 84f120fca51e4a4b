"""Events: typed, reconnecting event streams, and publishing."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from .._exceptions import InvalidArgumentError
from .._hub import EventHub
from .._parsing import parse_ack
from .._paths import (
    MAX_ID_LENGTH,
    check_text,
    event_name,
    product_segment,
    scope_prefix,
    segment,
)
from .._sse import DEFAULT_MAX_FRAME_BYTES
from .._stream import (
    DEFAULT_BUFFER,
    DEFAULT_IDLE_TIMEOUT,
    EventStream,
    MalformedCallback,
    ReconnectCallback,
)
from ._base import Resource

if TYPE_CHECKING:
    from ..types import JSONValue, ProductRef

__all__ = ["MAX_EVENT_DATA_BYTES", "MAX_EVENT_NAME_LENGTH", "Events"]

#: Longest event name Particle accepts.
MAX_EVENT_NAME_LENGTH = 64
#: Most event data Particle accepts, in UTF-8 bytes.
MAX_EVENT_DATA_BYTES = 1024


def _prefix_segment(prefix: object) -> str:
    text = check_text(prefix, "prefix", max_length=MAX_EVENT_NAME_LENGTH)
    if text.strip() in (".", ".."):
        raise InvalidArgumentError(f"prefix must not be {text!r}")
    return quote(text, safe="")


def stream_path(
    *,
    prefix: str | None = None,
    device: str | None = None,
    product: ProductRef | None = None,
    org: str | None = None,
) -> str:
    """The stream path for a scope, validated: `/v1[/orgs/o][/products/p][/devices[/d]]/events`."""
    parts = ["/v1"]
    if org is not None:
        parts.append(f"orgs/{segment(org, 'org')}")
    if product is not None:
        parts.append(f"products/{product_segment(product)}")
    if device is not None:
        if isinstance(device, str) and device.lower() == "mine":
            if org is not None or product is not None:
                raise InvalidArgumentError("device='mine' cannot be combined with product= or org=")
            parts.append("devices")
        else:
            if org is not None and product is not None:
                raise InvalidArgumentError(
                    "a device stream is scoped by product= or org=, not both"
                )
            parts.append(f"devices/{segment(device, 'device', reserved={'events'})}")
    parts.append("events")
    if prefix is not None:
        parts.append(_prefix_segment(prefix))
    elif device is None and product is None and org is None:
        raise InvalidArgumentError(
            "the public event stream needs a prefix=; for your own devices pass device='mine'"
        )
    return "/".join(parts)


class Events(Resource):
    """Event streams (Server-Sent Events) and publishing."""

    __slots__ = ()

    def stream(
        self,
        *,
        prefix: str | None = None,
        device: str | None = None,
        product: ProductRef | None = None,
        org: str | None = None,
        reconnect: bool = True,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        dedupe: int = 0,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        on_reconnect: ReconnectCallback | None = None,
        on_malformed: MalformedCallback | None = None,
        buffer: int = DEFAULT_BUFFER,
    ) -> EventStream:
        """Open an event stream: `async with client.events.stream(device="mine") as events:`.

        Scope: `device="mine"` (every device you own), `device=<id>` (one device), `product=`,
        `product=` with `device=`, `org=`, `org=` with `device=` or `product=`; with no scope,
        the public stream, which needs `prefix`. `prefix` filters by event-name prefix.

        The stream reconnects by itself (backoff with jitter, within Particle's limits) when
        the connection drops or stays silent for `idle_timeout` seconds; `on_reconnect` is
        called each time so you can resync. 401, 403 and 404 end it with a typed error.

        `on_reconnect(reconnect)` receives a `Reconnect` (`attempt`, `reason`, `downtime`)
        and `on_malformed(frame)` a `MalformedFrame`; either may also take no argument, and
        may be a plain function or a coroutine function. Anything else raises
        `InvalidArgumentError` here, before any I/O. A callback that raises is logged (with
        its traceback, on the `aioparticle.events` logger) and the stream goes on.
        `dedupe=N` skips an event identical to one of the last N (repeats across reconnects).
        Inside `async with`, up to `buffer` events are read ahead of the consumer.
        """
        path = stream_path(prefix=prefix, device=device, product=product, org=org)
        if not idle_timeout > 0:
            raise InvalidArgumentError("idle_timeout must be positive")
        if isinstance(dedupe, bool) or not isinstance(dedupe, int) or dedupe < 0:
            raise InvalidArgumentError("dedupe must be an int >= 0")
        if isinstance(buffer, bool) or not isinstance(buffer, int) or buffer < 1:
            raise InvalidArgumentError("buffer must be an int >= 1")
        return EventStream(
            self._core,
            path,
            reconnect=reconnect,
            idle_timeout=float(idle_timeout),
            max_frame_bytes=max_frame_bytes,
            dedupe=dedupe,
            on_reconnect=on_reconnect,
            on_malformed=on_malformed,
            buffer=buffer,
        )

    def hub(
        self,
        *,
        prefix: str | None = None,
        device: str | None = None,
        product: ProductRef | None = None,
        org: str | None = None,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        dedupe: int = 0,
        on_reconnect: ReconnectCallback | None = None,
        on_malformed: MalformedCallback | None = None,
        buffer: int = DEFAULT_BUFFER,
    ) -> EventHub:
        """One upstream stream (scoped as in `stream()`) fanned out to local subscribers:
        `async with client.events.hub(device="mine") as hub:` then
        `async with hub.subscribe(prefix="temp") as temps: async for event in temps: ...`.

        `on_reconnect` and `on_malformed` take the forms `stream()` documents.
        """
        stream = self.stream(
            prefix=prefix,
            device=device,
            product=product,
            org=org,
            idle_timeout=idle_timeout,
            dedupe=dedupe,
            on_reconnect=on_reconnect,
            on_malformed=on_malformed,
            buffer=buffer,
        )
        return EventHub(stream, buffer=buffer)

    async def publish(
        self,
        name: str,
        data: str | None = None,
        *,
        private: bool = True,
        ttl: int | None = None,
        product: ProductRef | None = None,
        as_device: str | None = None,
    ) -> None:
        """Publish an event: a name of 1-64 printable ASCII characters without spaces, not
        starting with `spark`; data up to 1024 bytes of UTF-8. Not retried once sent.

        With `product=`, `as_device=` publishes the event as coming from that device of the
        product (the cloud refuses a device outside it).
        """
        event_name(name)
        if name.lower().startswith("spark"):
            raise InvalidArgumentError("event names starting with 'spark' are reserved")
        body: dict[str, JSONValue] = {"name": name}
        if data is not None:
            if not isinstance(data, str):
                raise InvalidArgumentError(f"data must be a str, got {type(data).__name__}")
            size = len(data.encode("utf-8"))
            if size > MAX_EVENT_DATA_BYTES:
                raise InvalidArgumentError(
                    f"data is too long ({size} bytes of UTF-8, at most {MAX_EVENT_DATA_BYTES})"
                )
            body["data"] = data
        if not isinstance(private, bool):
            raise InvalidArgumentError("private must be a bool")
        body["private"] = private
        if ttl is not None:
            if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
                raise InvalidArgumentError("ttl must be an int >= 0 (seconds)")
            body["ttl"] = ttl
        if as_device is not None:
            if product is None:
                raise InvalidArgumentError(
                    "as_device= is only honoured in product scope: pass product="
                )
            body["as_device_id"] = check_text(as_device, "as_device", max_length=MAX_ID_LENGTH)
        path = f"{scope_prefix(product)}/{'events' if product is not None else 'devices/events'}"
        await self._request("POST", path, json=body, parse=parse_ack, idempotent=False)
