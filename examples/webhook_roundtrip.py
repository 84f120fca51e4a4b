"""Webhook round trip: an event makes the cloud call your web server, and its answer comes back.

    python examples/webhook_roundtrip.py

It runs on the bundled local Particle Cloud (`pip install aioparticle[local-cloud]`), which really
delivers webhooks, to loopback addresses only. The example starts a small web server of its
own on 127.0.0.1 (Starlette and uvicorn, which the `testing` extra installs), creates a
webhook to it with a JSON template, opens an event stream, lets a device publish an event,
and prints the request the server received and the `hook-response` event that carried its
answer back. Then it deletes the webhook.

The real Particle Cloud cannot reach a server on your machine's loopback interface, so this
example ignores PARTICLE_ACCESS_TOKEN.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import socket
import sys
from typing import TYPE_CHECKING

import anyio

from aioparticle import ParticleClient, ParticleError

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

#: What the web server received, one dict per request.
received: list[dict[str, object]] = []


async def receive(request: Request) -> Response:
    """The web server's only route: keep the request, answer with a small JSON document."""
    from starlette.responses import JSONResponse

    body = await request.body()
    received.append(
        {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "headers": dict(request.headers),
            "body": body.decode(),
        }
    )
    return JSONResponse({"stored": True, "id": len(received)})


async def main(argv: list[str]) -> int:
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args(argv)
    try:
        import uvicorn
        from starlette.applications import Starlette
        from starlette.routing import Route

        from aioparticle.testing import LocalCloud
    except ImportError:
        print("This example needs the local cloud:\n  pip install 'aioparticle[local-cloud]'")
        return 2
    if os.environ.get("PARTICLE_ACCESS_TOKEN"):
        print("(PARTICLE_ACCESS_TOKEN is ignored: the Particle Cloud cannot reach 127.0.0.1)\n")

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()  # connections wait in the backlog until the server accepts them
    receiver_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = Starlette(routes=[Route("/{path:path}", receive, methods=["GET", "POST", "PUT"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))

    async with LocalCloud() as cloud, anyio.create_task_group() as tasks:
        tasks.start_soon(functools.partial(server.serve, sockets=[sock]))
        print(f"Local Particle Cloud at {cloud.url}, web server at {receiver_url}\n")
        door = cloud.add_device("front-door")

        async with ParticleClient(cloud.token, base_url=cloud.url) as client:
            hook = await client.webhooks.create(
                "door/",  # every event whose name starts with "door/"
                receiver_url + "/hooks/{{{PARTICLE_DEVICE_ID}}}",
                headers={"X-Source": "particle"},
                query={"event": "{{{PARTICLE_EVENT_NAME}}}"},
                json={"state": "{{{PARTICLE_EVENT_VALUE}}}", "at": "{{{PARTICLE_PUBLISHED_AT}}}"},
            )
            print(f"Created webhook {hook.id} for events 'door/...' -> {hook.url}")

            with anyio.fail_after(10):
                async with client.events.stream(device="mine") as events:
                    door.publish("door/state", "open")  # the device publishes an event
                    async for event in events:
                        print(f"  event  {event.name:<26} {event.data!r} from {event.device_id}")
                        if event.name.startswith(("hook-response/", "hook-error/")):
                            break

            request = received[0]
            headers = request["headers"]
            assert isinstance(headers, dict)
            print("\nThe web server received:")
            print(f"  {request['method']} {request['path']}?{request['query']}")
            for name in ("content-type", "x-source", "user-agent"):
                print(f"  {name}: {headers.get(name)}")
            print(f"  body: {json.loads(str(request['body']))}")

            await client.webhooks.delete(hook.id)
            left = await client.webhooks.list()
            print(f"\nDeleted webhook {hook.id}; webhooks left: {len(left)}")
        server.should_exit = True
    return 0


if __name__ == "__main__":
    try:
        sys.exit(anyio.run(main, sys.argv[1:]))
    except ParticleError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
