"""The paper Gateway: Gateway 2.13's HTTP API (and a Solana JSON-RPC subset) over a paper chain.

Serve it in-process (``httpx.ASGITransport(app=create_app(chain))``) or as a real server
(:func:`serve`). ``clean`` mode answers with correct numbers; ``upstream`` mode reproduces
Gateway 2.13's documented quirks so that client normalizations are tested against both.
"""

from __future__ import annotations

from lpexec.paper.gateway.app import ALL_ROUTES, create_app
from lpexec.paper.gateway.context import ConfirmStyle, GatewayContext, Mode, RateLimiter
from lpexec.paper.gateway.demo import (
    DEMO_FUNDS,
    PaperGateway,
    build_demo_chain,
    build_paper_gateway,
)
from lpexec.paper.gateway.encoding import DecimalJSONResponse, dumps, loads
from lpexec.paper.gateway.errors import GatewayError
from lpexec.paper.gateway.routes import Route
from lpexec.paper.gateway.rpc import handle_rpc
from lpexec.paper.gateway.server import GracefulServer, make_server, serve
from lpexec.paper.gateway.spec import OperationSchemas, load_spec, operation_schemas
from lpexec.paper.gateway.validation import AjvError, RequestInvalidError, validate

__all__ = [
    "ALL_ROUTES",
    "DEMO_FUNDS",
    "AjvError",
    "ConfirmStyle",
    "DecimalJSONResponse",
    "GatewayContext",
    "GatewayError",
    "GracefulServer",
    "Mode",
    "OperationSchemas",
    "PaperGateway",
    "RateLimiter",
    "RequestInvalidError",
    "Route",
    "build_demo_chain",
    "build_paper_gateway",
    "create_app",
    "dumps",
    "handle_rpc",
    "load_spec",
    "loads",
    "make_server",
    "operation_schemas",
    "serve",
    "validate",
]
