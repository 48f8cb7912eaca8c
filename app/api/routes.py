"""The ``/executors`` routes: thin adapters from HTTP to the service (hummingbot-api's shapes).

The literal routes (``/summary``, ``/performance``, ``/search``, ``/types/...``,
``/positions/...``) are declared before ``/{executor_id}`` so it does not capture them. Every
route needs credentials (:func:`current_caller`); the service enforces the caller's scope.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Security
from fastapi.security.http import HTTPBase

from lpexec.app.api.auth import ApiAuth, AuthError
from lpexec.app.api.errors import ERROR_RESPONSES, ApiError, service_errors
from lpexec.app.api.schemas import (
    CreateExecutorRequest,
    ErrorResponse,
    ExecutorTypesResponse,
    Pagination,
    SearchRequest,
    SearchResponse,
    StopRequest,
)
from lpexec.app.service.contract import Caller, ExecutorServicePort, SearchFilters
from lpexec.app.service.models import (
    ClearedPosition,
    ConfigSchema,
    ExecutorReport,
    ExecutorSummary,
    ExecutorTypeInfo,
    LogPage,
    PerformanceReport,
    PositionHoldReport,
    PositionsSummary,
    SearchPage,
    StopResult,
)

__all__ = ["current_caller", "executors_router", "filters_of"]

# Declared for the OpenAPI document only; the header is read and checked by ApiAuth.
_bearer = HTTPBase(scheme="bearer", scheme_name="BearerToken", auto_error=False)
_basic = HTTPBase(scheme="basic", scheme_name="HTTPBasic", auto_error=False)


async def current_caller(
    request: Request,
    _bearer_credentials: Annotated[Any, Security(_bearer)] = None,
    _basic_credentials: Annotated[Any, Security(_basic)] = None,
) -> Caller:
    """The caller of this request (401 without valid credentials)."""
    auth: ApiAuth = request.app.state.auth
    try:
        return auth.caller_from_header(request.headers.get("authorization"))
    except AuthError as e:
        raise ApiError(401, str(e)) from None


def _service(request: Request) -> ExecutorServicePort:
    service: ExecutorServicePort = request.app.state.service
    return service


CallerDep = Annotated[Caller, Depends(current_caller)]
ServiceDep = Annotated[ExecutorServicePort, Depends(_service)]
ControllerQuery = Annotated[str | None, Query(description="One controller's executors only.")]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Unknown (or not the caller's)."}
}
_INVALID: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The body could not be read (not JSON)."},
    422: {"description": "Invalid request; the message names the field."},
}

executors_router = APIRouter(prefix="/executors", tags=["executors"], responses=ERROR_RESPONSES)
"""Every executor route; mount it with ``app.include_router``."""


def filters_of(request: SearchRequest) -> SearchFilters:
    """The service's filters for a search body (``status`` may list several, comma-separated)."""
    statuses = (
        [part.strip() for part in request.status.split(",") if part.strip()]
        if request.status
        else None
    )
    return SearchFilters(
        controller_ids=request.controller_ids or None,
        connector_names=request.connector_names or None,
        trading_pairs=request.trading_pairs or None,
        executor_types=request.executor_types or None,
        account_names=request.account_names or None,
        statuses=statuses,
        stranded=request.stranded,
    )


@executors_router.post(
    "/",
    status_code=201,
    response_model=ExecutorReport,
    responses={
        **_INVALID,
        409: {"model": ErrorResponse, "description": "Refused by the risk engine (its reason)."},
    },
    summary="Create an executor",
)
async def create_executor(
    body: CreateExecutorRequest, caller: CallerDep, service: ServiceDep
) -> ExecutorReport:
    """Validate, risk-check, create and start an executor; 201 with its identity."""
    with service_errors():
        return await service.create(
            body.executor_config,
            caller=caller,
            controller_id=body.controller_id,
            account_name=body.account_name,
        )


@executors_router.post(
    "/search", response_model=SearchResponse, responses=_INVALID, summary="Search executors"
)
async def search_executors(
    body: SearchRequest, caller: CallerDep, service: ServiceDep
) -> SearchResponse:
    """Every executor, running or finished, newest first, one page at a time."""
    with service_errors():
        page: SearchPage = await service.search(
            filters_of(body), caller=caller, cursor=body.cursor, limit=body.limit
        )
    return search_response(page)


def search_response(page: SearchPage) -> SearchResponse:
    """A service page in hummingbot-api's envelope (``data`` and ``pagination``)."""
    return SearchResponse(
        data=page.items,
        pagination=Pagination(
            limit=page.limit,
            has_more=page.next_cursor is not None,
            next_cursor=page.next_cursor,
            total_count=page.total_count,
        ),
    )


@executors_router.get(
    "/summary", response_model=ExecutorSummary, summary="Totals of the active executors"
)
async def executors_summary(caller: CallerDep, service: ServiceDep) -> ExecutorSummary:
    """Count, P&L and volume of the active executors, by type, connector and status."""
    with service_errors():
        return await service.summary(caller=caller)


@executors_router.get(
    "/performance", response_model=PerformanceReport, summary="Performance report"
)
async def performance_report(
    caller: CallerDep, service: ServiceDep, controller_id: ControllerQuery = None
) -> PerformanceReport:
    """P&L, fees, volume, win rate and Sharpe ratio of a controller (or every visible one)."""
    with service_errors():
        return await service.performance(caller=caller, controller_id=controller_id)


@executors_router.get(
    "/types/available", response_model=ExecutorTypesResponse, summary="Executor types"
)
async def executor_types(_caller: CallerDep, service: ServiceDep) -> ExecutorTypesResponse:
    """Every executor type this service runs, with a description."""
    with service_errors():
        types: list[ExecutorTypeInfo] = service.types()
    return ExecutorTypesResponse(executor_types=types)


@executors_router.get(
    "/types/{executor_type}/config",
    response_model=ConfigSchema,
    responses=_NOT_FOUND,
    summary="An executor type's config schema",
)
async def executor_config_schema(
    executor_type: str, _caller: CallerDep, service: ServiceDep
) -> ConfigSchema:
    """The fields of a type's config: name, type, required, default, constraints."""
    with service_errors():
        try:
            schema: ConfigSchema = service.config_schema(executor_type)
        except ValueError as e:  # an unknown type is not found, not a bad request
            raise LookupError(str(e)) from e
    return schema


@executors_router.get(
    "/positions/summary", response_model=PositionsSummary, summary="Held positions"
)
async def positions_summary(
    caller: CallerDep, service: ServiceDep, controller_id: ControllerQuery = None
) -> PositionsSummary:
    """Every position held by executors stopped with ``keep_position``."""
    with service_errors():
        return await service.positions_summary(caller=caller, controller_id=controller_id)


PositionPath = Annotated[str, Path(min_length=1)]
PositionController = Annotated[
    str | None,
    Query(description="The holder; default: the token's controller, else `main`."),
]


def _position_owner(controller_id: str | None, caller: Caller) -> str:
    """The controller whose held position a request names: the one asked for, else the
    caller's own (a scoped token), else ``main``."""
    return controller_id or caller.controller_id or "main"


@executors_router.get(
    "/positions/{connector_name:path}/{trading_pair}",
    response_model=PositionHoldReport,
    responses=_NOT_FOUND,
    summary="One held position",
)
async def get_position(
    connector_name: PositionPath,
    trading_pair: PositionPath,
    caller: CallerDep,
    service: ServiceDep,
    account_name: str = "master_account",
    controller_id: PositionController = None,
) -> PositionHoldReport:
    """The position held on a connector and pair for an account and controller."""
    with service_errors():
        return await service.position(
            connector_name,
            trading_pair,
            caller=caller,
            account_name=account_name,
            controller_id=_position_owner(controller_id, caller),
        )


@executors_router.delete(
    "/positions/{connector_name:path}/{trading_pair}",
    response_model=ClearedPosition,
    responses=_NOT_FOUND,
    summary="Forget one held position",
)
async def clear_position(
    connector_name: PositionPath,
    trading_pair: PositionPath,
    caller: CallerDep,
    service: ServiceDep,
    account_name: str = "master_account",
    controller_id: PositionController = None,
) -> ClearedPosition:
    """Forget the position held on a connector and pair (nothing is traded)."""
    with service_errors():
        return await service.clear_position(
            connector_name,
            trading_pair,
            caller=caller,
            account_name=account_name,
            controller_id=_position_owner(controller_id, caller),
        )


@executors_router.get(
    "/{executor_id}",
    response_model=ExecutorReport,
    responses=_NOT_FOUND,
    summary="One executor",
)
async def get_executor(executor_id: str, caller: CallerDep, service: ServiceDep) -> ExecutorReport:
    """One executor, active or finished, with its config and ``custom_info``."""
    with service_errors():
        return await service.get(executor_id, caller=caller)


@executors_router.get(
    "/{executor_id}/logs",
    response_model=LogPage,
    responses=_NOT_FOUND,
    summary="An executor's logs",
)
async def executor_logs(
    executor_id: str,
    caller: CallerDep,
    service: ServiceDep,
    level: Annotated[str | None, Query(description="DEBUG, INFO, WARNING or ERROR.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> LogPage:
    """Its log lines, newest last; kept after it ends."""
    with service_errors():
        return await service.logs(executor_id, caller=caller, level=level, limit=limit)


@executors_router.post(
    "/{executor_id}/stop",
    response_model=StopResult,
    responses={**_NOT_FOUND, **_INVALID},
    summary="Stop an executor",
)
async def stop_executor(
    executor_id: str,
    caller: CallerDep,
    service: ServiceDep,
    body: StopRequest | None = None,
) -> StopResult:
    """Ask it to stop (``stopping``); a finished one answers ``already_terminated``."""
    keep_position = body.keep_position if body is not None else False
    with service_errors():
        return await service.stop(executor_id, caller=caller, keep_position=keep_position)
