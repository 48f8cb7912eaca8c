"""The routes of Gateway 2.13's OpenAPI document that the paper chain does not simulate.

EVM chains and connectors, wallet and key management, and writes to the token, pool and
configuration lists exist on the paper Gateway like on the real one: a request is validated
against the route's schema (a malformed one gets the real 400 naming the field), then answered
with a 400 saying what the paper Gateway simulates instead. None of them is ever "Route not
found", and none answers a 5xx.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lpexec.paper.gateway.context import Call, GatewayContext
from lpexec.paper.gateway.defaults import SIMULATED_CONNECTORS
from lpexec.paper.gateway.errors import bad_request
from lpexec.paper.gateway.routes import Handler, Route

__all__ = ["unsimulated_routes"]


def _answer(method: str, path: str) -> Handler:
    message = (
        f"{method} {path} is not simulated by the paper Gateway: it simulates the Solana chain "
        f"routes, {', '.join(SIMULATED_CONNECTORS)} and the unified /trading routes; use a real "
        "Gateway for this route"
    )

    async def handler(ctx: GatewayContext, call: Call) -> Any:
        del ctx, call
        raise bad_request(message, error="BadRequestError")

    return handler


def unsimulated_routes(spec: dict[str, Any], served: Iterable[tuple[str, str]]) -> list[Route]:
    """Return a route for every operation of ``spec`` that is not in ``served``."""
    taken = set(served)
    return [
        Route(method.upper(), path, _answer(method.upper(), path))
        for path, operations in spec.get("paths", {}).items()
        for method in operations
        if (method.upper(), path) not in taken
    ]
