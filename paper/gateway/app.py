"""The paper Gateway ASGI app: Gateway 2.13's HTTP API served from a :class:`PaperChain`.

Every request goes through the same steps, in Gateway's order: rate limit (upstream mode),
schema validation (Fastify/Ajv rules: coercion, defaults, first error as a Gateway-shaped 400
naming the field), injected faults (429, 500, RPC outage, slow answers; drop/504/pending/fail
for transactions), the route, errors rendered as ``{statusCode, error, message}``, and last the
faults that strike a write's answer after its transaction was sent (``lost``: the answer becomes a
generic 500; ``hang``: the answer is held back until the client gives up).

Example:
    >>> app = create_app(chain, mode="clean")                     # doctest: +SKIP
    >>> async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
    ...                              base_url="http://paper") as client:  # doctest: +SKIP
    ...     await client.get("/chains/solana/status")
"""

from __future__ import annotations

import asyncio
import contextlib
import decimal
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from lpexec.paper.chain import (
    ChainError,
    FaultDecision,
    FaultEffect,
    InsufficientFundsError,
    InvalidChainRequestError,
    NotFoundError,
    PaperChain,
    SwapRejectedError,
    UnknownTokenError,
    WalletNotFoundError,
)
from lpexec.paper.gateway.context import Call, GatewayContext, Mode, RateLimiter
from lpexec.paper.gateway.defaults import GATEWAY_TOKENS
from lpexec.paper.gateway.encoding import DecimalJSONResponse, loads
from lpexec.paper.gateway.errors import (
    RATE_LIMIT_MESSAGE,
    GatewayError,
    bad_request,
    internal_error,
    not_found,
    unexpected_error,
)
from lpexec.paper.gateway.jupiter_routes import JUPITER_ROUTES
from lpexec.paper.gateway.meteora_routes import METEORA_ROUTES
from lpexec.paper.gateway.routes import Route
from lpexec.paper.gateway.rpc import handle_rpc
from lpexec.paper.gateway.solana_routes import SOLANA_ROUTES
from lpexec.paper.gateway.spec import OperationSchemas, load_spec, operation_schemas
from lpexec.paper.gateway.system_routes import SYSTEM_ROUTES
from lpexec.paper.gateway.trading_routes import TRADING_ROUTES
from lpexec.paper.gateway.unsimulated_routes import unsimulated_routes
from lpexec.paper.gateway.validation import RequestInvalidError, validate

__all__ = ["ALL_ROUTES", "create_app"]

logger = logging.getLogger(__name__)

ALL_ROUTES: tuple[Route, ...] = (
    *SYSTEM_ROUTES,
    *SOLANA_ROUTES,
    *JUPITER_ROUTES,
    *METEORA_ROUTES,
    *TRADING_ROUTES,
)
"""Every Gateway route the paper Gateway serves (``POST /rpc`` comes on top)."""

UPSTREAM_RATE_LIMIT = 100


def create_app(
    chain: PaperChain,
    *,
    mode: Mode | Literal["clean", "upstream"] = "clean",
    default_wallet: str | None = None,
    confirm_timeout: float = 10.0,
    rate_limit: int | None | Literal["mode"] = "mode",
    max_position_width: int = 69,
    rpc_url: str = "http://127.0.0.1:15888/rpc",
    spec_path: str | Path | None = None,
) -> FastAPI:
    """Return a FastAPI app serving Gateway 2.13's API from ``chain``.

    Args:
        chain: The paper chain (its clock drives slots, confirmations and rate-limit windows).
        mode: ``clean`` (correct numbers) or ``upstream`` (Gateway 2.13's quirks).
        default_wallet: Wallet used when a request omits ``walletAddress``/``address``
            (Gateway's configured ``defaultWallet``); default: the chain's first wallet.
        confirm_timeout: Clock seconds a write waits for confirmation before answering
            504 / ``status 0`` (Gateway: 10 attempts x 1 s).
        rate_limit: Requests per minute per client (None: off; ``"mode"``: 100 in upstream
            mode, off in clean mode).
        max_position_width: Widest DLMM position the Meteora routes accept (2.13: 69 bins).
        rpc_url: What ``/chains/solana/status`` reports as ``rpcUrl``.
        spec_path: OpenAPI document to serve and validate against (default: the repository's
            Gateway 2.13.0 copy).
    """
    resolved = Mode(mode)
    if rate_limit == "mode":
        limit: int | None = UPSTREAM_RATE_LIMIT if resolved is Mode.UPSTREAM else None
    else:
        limit = rate_limit
    spec = load_spec(spec_path)
    _list_gateway_tokens(chain)
    wallets = chain.wallets()
    context = GatewayContext(
        chain=chain,
        mode=resolved,
        default_wallet=default_wallet or (wallets[0] if wallets else None),
        confirm_timeout=confirm_timeout,
        max_position_width=max_position_width,
        rpc_url=rpc_url,
        limiter=None if limit is None else RateLimiter(limit, clock_now=chain.clock.now),
        spec=spec,
    )
    app = FastAPI(
        title="lpexec paper Gateway",
        version=str(spec.get("info", {}).get("version", "2.13.0")),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    # Fastify serves a prefix route ("/tokens/") with and without its slash and redirects
    # nothing: "/chains/solana/status/" is an unknown route, not a 307
    app.router.redirect_slashes = False
    app.state.gateway = context
    app.state.chain = chain
    _register(app, context, ALL_ROUTES, spec)
    served = {(r.method, r.path) for r in ALL_ROUTES}
    _register(app, context, unsimulated_routes(spec, served), spec)
    app.router.add_route("/rpc", _rpc_endpoint(context), methods=["POST"], include_in_schema=False)
    app.add_exception_handler(StarletteHTTPException, _unknown_route)
    return app


def _list_gateway_tokens(chain: PaperChain) -> None:
    """Add the tokens of Gateway 2.13's default list the chain does not list yet."""
    for token in GATEWAY_TOKENS:
        if chain.tokens.find(token.address) is None and chain.tokens.find(token.symbol) is None:
            chain.tokens.add(token)


def _register(
    app: FastAPI, context: GatewayContext, routes: Iterable[Route], spec: dict[str, Any]
) -> None:
    for route in routes:
        schemas = operation_schemas(spec, route.method, route.path) if route.validated else None
        endpoint = _endpoint(context, route, schemas)
        # plain Starlette routes: the endpoint parses and validates the request itself, so
        # FastAPI's dependency machinery would only add latency
        paths = [route.path]
        if route.path != "/" and route.path.endswith("/"):
            paths.append(route.path.rstrip("/"))
        for path in paths:
            app.router.add_route(path, endpoint, methods=[route.method], include_in_schema=False)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _endpoint(context: GatewayContext, route: Route, schemas: OperationSchemas | None) -> Any:
    async def endpoint(request: Request) -> Response:
        headers: dict[str, str] = {}
        decision = FaultDecision()
        try:
            if context.limiter is not None and route.path != "/":
                headers = context.limiter.hit(_client(request))
            call = await _parse(request, context, schemas)
            call.client = _client(request)
            if route.operation is not None and context.chain.faults:
                call.decision = decision = context.chain.faults.decide(route.operation)
            await _apply_http_faults(decision)
            result = await route.handler(context, call)
            response: Response = DecimalJSONResponse(result, headers=headers)
        except GatewayError as e:
            response = _error_response(e, headers)
        except Exception as e:  # every failure becomes a Gateway-shaped answer
            response = _error_response(_translate(context, e), headers)
        return await _deliver(request, decision, response, headers)

    endpoint.__name__ = f"{route.method.lower()}_{route.path.strip('/').replace('/', '_')}"
    return endpoint


def _error_response(error: GatewayError, headers: dict[str, str]) -> Response:
    return DecimalJSONResponse(
        error.body(), status_code=error.status_code, headers={**headers, **error.headers}
    )


async def _apply_http_faults(decision: FaultDecision) -> None:
    if decision.delay_seconds:
        await asyncio.sleep(decision.delay_seconds)
    fault = decision.fault
    if fault is None:
        return
    if fault.effect is FaultEffect.RATE_LIMIT:
        raise GatewayError(
            429, RATE_LIMIT_MESSAGE, error=None, headers={"retry-after": str(fault.retry_after)}
        )
    if fault.effect is FaultEffect.SERVER_ERROR:
        raise unexpected_error()


async def _deliver(
    request: Request, decision: FaultDecision, response: Response, headers: dict[str, str]
) -> Response:
    # the faults that strike a write's answer, whatever it was, once the route has run
    fault = decision.fault
    if fault is None:
        return response
    if fault.effect is FaultEffect.LOST:
        return _error_response(unexpected_error(), headers)
    if fault.effect is FaultEffect.HANG:
        await _hold_answer(request, fault.hold_seconds or 0.0)
    return response


async def _hold_answer(request: Request, seconds: float) -> None:
    # Wait until the client disconnects (a real server) or cancels the call (the in-process
    # ASGI transport runs the app in the caller's task), or until ``seconds`` pass.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while (await request.receive())["type"] != "http.disconnect":
                pass


def _translate(context: GatewayContext, error: Exception) -> GatewayError:
    if isinstance(error, InsufficientFundsError):
        return context.insufficient(error)
    if isinstance(error, UnknownTokenError):
        return bad_request(str(error))
    if isinstance(error, WalletNotFoundError):
        return internal_error(str(error), error="HttpError")
    if isinstance(error, NotFoundError):
        return not_found(str(error))
    if isinstance(error, SwapRejectedError):
        return GatewayError(400, f"Swap failed: {error}", error="Error")
    if isinstance(error, InvalidChainRequestError | ChainError):
        return bad_request(str(error))
    if isinstance(error, decimal.DecimalException | OverflowError):
        # a number out of what the arithmetic can carry (1e308 prices, subnormal ranges)
        return bad_request(f"Invalid number in the request: {type(error).__name__}")
    logger.exception("Unhandled error in the paper Gateway")
    return unexpected_error()


async def _parse(
    request: Request, context: GatewayContext, schemas: OperationSchemas | None
) -> Call:
    query = _query_values(request)
    params = dict(request.path_params)
    body: Any = None
    if request.method in ("POST", "PUT", "DELETE", "PATCH"):
        body = await _read_body(request)
    if schemas is None:
        return Call(query=query, params=params, body=body if isinstance(body, dict) else {})
    hook = context.wallet_default
    try:
        if schemas.querystring is not None:
            query = validate(schemas.querystring, query, data_var="querystring", default_hook=hook)
        if schemas.params is not None:
            params = validate(schemas.params, params, data_var="params", default_hook=hook)
        if schemas.body is not None:
            body = validate(schemas.body, body, data_var="body", default_hook=hook)
    except RequestInvalidError as e:
        raise GatewayError(
            400, str(e), error="Validation Error", validation=[e.error.to_dict()]
        ) from e
    return Call(query=query, params=params, body=body if isinstance(body, dict) else {})


def _query_values(request: Request) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in values:
            existing = values[key]
            values[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            values[key] = value
    return values


async def _read_body(request: Request) -> Any:
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not content_type:
        if raw.strip():
            raise _media_type_error("")
        return None
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise _media_type_error(content_type)
    if not raw.strip():
        raise GatewayError(
            400,
            "Body cannot be empty when content-type is set to 'application/json'",
            error="Bad Request",
            code="FST_ERR_CTP_EMPTY_JSON_BODY",
        )
    try:
        return loads(raw)
    except ValueError:
        raise GatewayError(
            400,
            "Body is not valid JSON but content-type is set to 'application/json'",
            error="Bad Request",
            code="FST_ERR_CTP_INVALID_JSON_BODY",
        ) from None


def _media_type_error(content_type: str) -> GatewayError:
    return GatewayError(
        415,
        f"Unsupported Media Type: {content_type}",
        error="Unsupported Media Type",
        code="FST_ERR_CTP_INVALID_MEDIA_TYPE",
    )


async def _unknown_route(request: Request, exc: Exception) -> Response:
    del exc
    body = {
        "message": f"Route {request.method}:{request.url.path} not found",
        "error": "Not Found",
        "statusCode": 404,
    }
    return DecimalJSONResponse(body, status_code=404)


def _rpc_endpoint(context: GatewayContext) -> Any:
    async def rpc(request: Request) -> Response:
        decision = context.chain.faults.decide("rpc") if context.chain.faults else FaultDecision()
        if decision.delay_seconds:
            await asyncio.sleep(decision.delay_seconds)
        effect = decision.effect
        if effect is FaultEffect.RATE_LIMIT:
            retry = decision.fault.retry_after if decision.fault else 1
            return DecimalJSONResponse(
                {
                    "jsonrpc": "2.0",
                    "error": {"code": 429, "message": "Too many requests"},
                    "id": None,
                },
                status_code=429,
                headers={"retry-after": str(retry)},
            )
        if effect in (FaultEffect.SERVER_ERROR, FaultEffect.RPC_DOWN):
            status = 500 if effect is FaultEffect.SERVER_ERROR else 503
            return DecimalJSONResponse(
                {
                    "jsonrpc": "2.0",
                    "error": {"code": -32603, "message": "Internal error"},
                    "id": None,
                },
                status_code=status,
            )
        try:
            payload = loads(await request.body())
        except ValueError:
            return DecimalJSONResponse(
                {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}
            )
        return DecimalJSONResponse(handle_rpc(context.chain, payload))

    return rpc
