"""The service layer: every executor use case once, shared by the CLI, the REST API and MCP.

:class:`ExecutorService` implements :class:`ExecutorServicePort` (the contract every surface
depends on) over the engines that run executors and their shared store; its answers are the
pydantic models of :mod:`lpexec.app.service.models`.
"""

from lpexec.app.service.catalog import TypeCatalog, hummingbot_name
from lpexec.app.service.contract import Caller, ExecutorServicePort, ScopeError, SearchFilters
from lpexec.app.service.cursor import CursorCodec
from lpexec.app.service.models import (
    Amount,
    ClearedPosition,
    ConfigField,
    ConfigSchema,
    CreateOutcome,
    ExecutorRecord,
    ExecutorReport,
    ExecutorSummary,
    ExecutorTypeInfo,
    LogEntry,
    LogPage,
    PerformanceByType,
    PerformanceReport,
    PositionHoldReport,
    PositionsSummary,
    SearchPage,
    StopResult,
    clean_amount,
    clean_json,
)
from lpexec.app.service.requests import DEFAULT_CONTROLLER, resolve_controller_id
from lpexec.app.service.risk import RiskGate, risk_engine_from
from lpexec.app.service.service import MAX_PAGE, ExecutorService, UnknownPositionError

__all__ = [
    "DEFAULT_CONTROLLER",
    "MAX_PAGE",
    "Amount",
    "Caller",
    "ClearedPosition",
    "ConfigField",
    "ConfigSchema",
    "CreateOutcome",
    "CursorCodec",
    "ExecutorRecord",
    "ExecutorReport",
    "ExecutorService",
    "ExecutorServicePort",
    "ExecutorSummary",
    "ExecutorTypeInfo",
    "LogEntry",
    "LogPage",
    "PerformanceByType",
    "PerformanceReport",
    "PositionHoldReport",
    "PositionsSummary",
    "RiskGate",
    "ScopeError",
    "SearchFilters",
    "SearchPage",
    "StopResult",
    "TypeCatalog",
    "UnknownPositionError",
    "clean_amount",
    "clean_json",
    "hummingbot_name",
    "resolve_controller_id",
    "risk_engine_from",
]
