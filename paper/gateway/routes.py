"""The route table type shared by the paper Gateway's route modules, and handler composition.

The connector routes (``/connectors/meteora/clmm/*``) and the unified routes (``/trading/*``)
serve the same operations and differ in how a request names its connector and what an RPC
outage answers. A route's handler is therefore an operation bound to a connector resolver
(:func:`with_connector`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from lpexec.paper.gateway.context import Call, GatewayContext

__all__ = ["ConnectorResolver", "Handler", "Operation", "Route", "with_connector"]

Handler = Callable[[GatewayContext, Call], Awaitable[Any]]
ConnectorResolver = Callable[[GatewayContext, Call], str]
"""Check a request's connector (and the RPC, with the route's outage answer); return it."""
Operation = Callable[[GatewayContext, Call, str], Awaitable[Any]]
"""Answer a validated request for a connector."""


@dataclass(frozen=True, slots=True)
class Route:
    """One served route: method, path template (as in the OpenAPI spec) and handler."""

    method: str
    path: str
    handler: Handler
    operation: str | None = None
    """Fault-injection operation name (see :mod:`paper.chain.faults`), or None."""
    validated: bool = True
    """Validate the request against the spec's schemas (False for routes not in the spec)."""


def with_connector(resolve: ConnectorResolver, operation: Operation) -> Handler:
    """Return a handler that resolves the request's connector, then runs ``operation``."""

    async def handler(ctx: GatewayContext, call: Call) -> Any:
        return await operation(ctx, call, resolve(ctx, call))

    return handler
