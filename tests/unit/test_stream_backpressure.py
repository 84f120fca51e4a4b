"""A slow consumer holds the stream back instead of growing memory; nothing read is lost, and
frames split across chunks anywhere arrive whole (MockTransport with a streaming body)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio.lowlevel
import httpx
import pytest

from aioparticle import Event, ParticleClient
from tests.conftest import API, TOKEN

pytestmark = pytest.mark.anyio

FRAMES_PER_CHUNK = 10
CHUNKS = 300


def frame(n: int) -> bytes:
    return (
        b'event: t\ndata: {"data":"%d","ttl":60,'
        b'"published_at":"2025-03-01T12:00:00.000Z","coreid":"d1"}\n\n' % n
    )


class Body:
    """A response body of `chunks` after the greeting, counting the chunks pulled from it.

    An iterator object rather than an async generator: the stream stops reading it half-way,
    and an abandoned async generator would be finalized whenever the collector gets to it.
    """

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = [b":ok\n\n", *chunks]
        self.pulled = -1  # the greeting is not counted

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        await anyio.lowlevel.checkpoint()
        if self.pulled + 1 >= len(self.chunks):
            raise StopAsyncIteration
        self.pulled += 1
        return self.chunks[self.pulled]


def client_for(body: Body) -> tuple[ParticleClient, httpx.AsyncClient]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return ParticleClient(TOKEN, base_url=API, http_client=http), http


def numbered_chunks() -> list[bytes]:
    return [
        b"".join(frame(c * FRAMES_PER_CHUNK + i) for i in range(FRAMES_PER_CHUNK))
        for c in range(CHUNKS)
    ]


async def take(events: object, count: int) -> list[Event]:
    got: list[Event] = []
    async for event in events:  # type: ignore[attr-defined]
        got.append(event)
        if len(got) == count:
            break
    return got


async def test_a_slow_consumer_stops_the_reader_and_loses_nothing() -> None:
    body = Body(numbered_chunks())
    client, http = client_for(body)
    async with http, client:
        with anyio.fail_after(10):
            async with client.events.stream(device="mine", buffer=16) as events:
                first = await take(events, 1)
                for _ in range(200):  # the reader gets every chance to run ahead
                    await anyio.lowlevel.checkpoint()
                # at most `buffer` frames and the rest of the last chunk read wait in memory
                assert body.pulled <= 16 // FRAMES_PER_CHUNK + 2
                rest = await take(events, CHUNKS * FRAMES_PER_CHUNK - 1)
    assert [int(e.data) for e in first + rest] == list(range(CHUNKS * FRAMES_PER_CHUNK))


async def test_the_reader_resumes_as_the_consumer_catches_up() -> None:
    body = Body(numbered_chunks())
    client, http = client_for(body)
    async with http, client:
        with anyio.fail_after(10):
            async with client.events.stream(device="mine", buffer=16) as events:
                pulled = []
                for _ in range(5):
                    await take(events, 50)
                    for _ in range(50):
                        await anyio.lowlevel.checkpoint()
                    pulled.append(body.pulled)
    # five more chunks consumed each round: the reader keeps a bounded distance ahead
    assert pulled == sorted(pulled)
    assert all(
        count * FRAMES_PER_CHUNK - 50 * (n + 1) <= 16 + 2 * FRAMES_PER_CHUNK
        for n, count in enumerate(pulled)
    )


@pytest.mark.parametrize(
    "size",
    [
        # a frame a byte (or two, three) at a time: thousands of reads, the slowest sizes
        pytest.param(1, marks=pytest.mark.slow),
        pytest.param(2, marks=pytest.mark.slow),
        pytest.param(3, marks=pytest.mark.slow),
        7,
        64,
        1000,
    ],
)
async def test_frames_cut_into_chunks_of_any_size_arrive_whole(size: int) -> None:
    stream = b"".join(frame(n) for n in range(200))
    body = Body([stream[i : i + size] for i in range(0, len(stream), size)])
    client, http = client_for(body)
    async with http, client:
        with anyio.fail_after(10):
            async with client.events.stream(device="mine") as events:
                got = await take(events, 200)
    assert [int(e.data) for e in got] == list(range(200))
    assert {e.device_id for e in got} == {"d1"}
