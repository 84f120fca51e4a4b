"""The local cloud's HTTP API: a Starlette app speaking the Particle Cloud's wire format."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp

from ._faults import DropConnection, FaultMiddleware
from ._routes import (
    access_tokens,
    auth,
    builds,
    customers,
    device_os,
    devices,
    diagnostics,
    env_vars,
    events,
    groups,
    integrations,
    ledgers,
    libraries,
    logic,
    metrics,
    oauth_clients,
    orgs,
    products,
    secrets,
    serial_numbers,
    service_agreements,
    sims,
    teams,
    users,
    webhooks,
)
from ._routes._common import ERROR_HANDLERS
from ._state import CloudState

__all__ = ["DropConnection", "build_app"]

#: Every route, in the order Starlette tries them: the first route matching a request's path
#: and method answers it, so the event streams come before the device and product routes
#: sharing their prefixes (each group keeps its own order: "release" before "{version}",
#: "data_usage" before "{iccid}").
ROUTES: list[Route] = [
    *auth.ROUTES,
    *access_tokens.ROUTES,
    *users.ROUTES,
    *events.ROUTES,
    *diagnostics.ROUTES,
    *metrics.ROUTES,
    *devices.ROUTES,
    *groups.ROUTES,
    *serial_numbers.ROUTES,
    *customers.ROUTES,
    *products.ROUTES,
    *teams.ROUTES,
    *sims.ROUTES,
    *libraries.ROUTES,
    *builds.ROUTES,
    *device_os.ROUTES,
    *oauth_clients.ROUTES,
    *logic.ROUTES,
    *env_vars.ROUTES,
    *ledgers.ROUTES,
    *webhooks.ROUTES,
    *integrations.ROUTES,
    *orgs.ROUTES,
    *service_agreements.ROUTES,
    *secrets.ROUTES,
]


def build_app(state: CloudState, *, keepalive_interval: float = 9.0) -> ASGIApp:
    """The ASGI app of a local cloud backed by `state` (the routes find it in `app.state`)."""
    app = Starlette(routes=ROUTES, exception_handlers=ERROR_HANDLERS)
    app.state.cloud = state
    app.state.keepalive_interval = keepalive_interval
    return FaultMiddleware(app, state)
