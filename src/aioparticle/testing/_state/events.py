"""Events: the event bus and its subscribers (the open event streams)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._base import StateBase, iso, utcnow

__all__ = ["EventsMixin", "PublishedEvent", "Subscriber"]


@dataclass(frozen=True)
class PublishedEvent:
    """An event on the local cloud's bus."""

    name: str
    data: str
    ttl: int
    published_at: datetime
    coreid: str
    private: bool = True
    product_id: int | None = None
    owner: str | None = None

    def payload(self, *, with_product: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "data": self.data,
            "ttl": self.ttl,
            "published_at": iso(self.published_at),
            "coreid": self.coreid,
        }
        if with_product and self.product_id is not None:
            body["productID"] = self.product_id
        return body


class Subscriber:
    """One open event stream; events are handed over thread-safely to its event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        accepts: Callable[[PublishedEvent], bool],
        *,
        with_product: bool,
        max_queue: int = 10_000,
    ) -> None:
        self.loop = loop
        self.accepts = accepts
        self.with_product = with_product
        self.queue: asyncio.Queue[PublishedEvent | None] = asyncio.Queue(max_queue)

    def offer(self, event: PublishedEvent) -> None:
        self.loop.call_soon_threadsafe(self._put, event)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self._put, None)

    def _put(self, event: PublishedEvent | None) -> None:
        if self.queue.full():  # a stalled reader loses the oldest events, like a real cloud
            self.queue.get_nowait()
        self.queue.put_nowait(event)


class EventsMixin(StateBase):
    """Publishing events to the bus and the streams subscribed to it."""

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
        """Publish an event (from `device` when given) to every matching open stream."""
        with self.lock:
            source = self.devices.get(device) if device else None
            event = PublishedEvent(
                name=name,
                data=data,
                ttl=ttl,
                published_at=utcnow(),
                coreid=source.id if source else (device or "particle-internal"),
                private=private,
                product_id=source.product_id if source else product_id,
                owner=source.owner if source else owner,
            )
            if source is not None:
                source.last_heard = event.published_at
            self.events.append(event)
            for subscriber in list(self.subscribers):
                if subscriber.accepts(event):
                    subscriber.offer(event)
            return event

    def subscribe(self, subscriber: Subscriber) -> None:
        with self.lock:
            self.subscribers.add(subscriber)
            self.stream_opens.append(utcnow())

    def record_delivery(self, event: PublishedEvent) -> None:
        with self.lock:
            self.delivered.append(event)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self.lock:
            self.subscribers.discard(subscriber)
