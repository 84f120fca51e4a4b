"""`aioparticle.relay` without Redis: bad input refused before any I/O, trio refused clearly,
no password in a repr. (Against a real redis-server: tests/integration/test_relay.py.)"""

from __future__ import annotations

import pytest

from aioparticle import EventLoopError, InvalidArgumentError, ParticleClient
from aioparticle.relay import DEFAULT_KEY, DEFAULT_MAXLEN, EventRelay

#: nothing listens there: no test here reaches Redis
URL = "redis://worker:s3cret-pass@127.0.0.1:1/0"


def test_defaults_and_a_repr_without_the_password() -> None:
    relay = EventRelay(URL)
    assert relay.key == DEFAULT_KEY
    assert relay.maxlen == DEFAULT_MAXLEN
    text = repr(relay)
    assert "s3cret" not in text
    assert "worker" not in text
    assert "127.0.0.1:1" in text
    consumer = relay.consume("billing", "w1")
    assert "s3cret" not in repr(consumer)
    assert "'w1'" in repr(consumer)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": ""}, "key must be"),
        ({"key": 3}, "key must be"),
        ({"maxlen": 0}, "maxlen must be"),
        ({"maxlen": True}, "maxlen must be"),
        ({"max_outage": 0}, "max_outage must be"),
        ({"timeout": -1}, "timeout must be"),
    ],
)
def test_bad_relay_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        EventRelay(URL, **kwargs)  # type: ignore[arg-type]


def test_a_bad_redis_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="redis://"):
        EventRelay("http://127.0.0.1:6379")
    with pytest.raises(InvalidArgumentError, match="got int"):
        EventRelay(6379)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("", "w"), {}, "group must be"),
        (("g", "a\nb"), {}, "consumer must be"),
        (("g", "w"), {"claim_after": 0}, "claim_after must be"),
        (("g", "w"), {"block": "1"}, "block must be"),
        (("g", "w"), {"start": "1-0"}, "start must be"),
        (("g", "w"), {"auto_ack": 1}, "auto_ack must be"),
        (("g", "w"), {"prefetch": 0}, "prefetch must be"),
        (("g", "w"), {"prefetch": 1001}, "prefetch must be"),
        (("g", "w"), {"on_gap": "print"}, "on_gap must be a callable"),
        (("g", "w"), {"on_gap": lambda a, b: None}, "on_gap must be a callable"),
    ],
)
def test_bad_consumer_arguments_are_refused(
    args: tuple[str, str], kwargs: dict[str, object], message: str
) -> None:
    relay = EventRelay(URL)
    with pytest.raises(InvalidArgumentError, match=message):
        relay.consume(*args, **kwargs)  # type: ignore[arg-type]


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_under_trio_run_and_consume_refuse_before_any_io() -> None:
    relay = EventRelay(URL)
    async with ParticleClient("token", base_url="http://127.0.0.1:1") as client:
        with pytest.raises(EventLoopError, match="asyncio only"):
            await relay.run(client, device="mine")
    with pytest.raises(EventLoopError, match="asyncio only"):
        async with relay.consume("g", "w"):
            pass
    with pytest.raises(EventLoopError, match="asyncio only"):
        await relay.consume("g", "w").__anext__()
