"""The route table type shared by the paper Gateway's route modules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from lpexec.paper.gateway.context import Call, GatewayContext

__all__ = ["Handler", "Route"]

Handler = Callable[[GatewayContext, Call], Awaitable[Any]]


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
