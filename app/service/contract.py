"""The service layer's contract: what every surface (CLI, REST, MCP, library) calls.

``lpexec.app.service.ExecutorService`` implements :class:`ExecutorServicePort`; the REST API, the
MCP server and the CLI depend on this Protocol and the models in
:mod:`lpexec.app.service.models` only. Every method takes the :class:`Caller` and enforces its
scope: a scoped caller sees and changes only its own controller's executors (another's reads as
unknown: :class:`~lpexec.core.UnknownExecutorError`), and creates only for its controller
(:class:`ScopeError` otherwise).

Errors (all :class:`~lpexec.core.ExecutorError` or ``ValueError`` subclasses, each message naming
the field, the value and what was expected): ``ConfigError`` (bad config, unknown type,
disagreeing controller ids, unknown cursor), ``RiskRejectedError`` (the risk engine's reason,
e.g. ``max_open_executors: 3 would exceed 2``), ``UnknownExecutorError``, :class:`ScopeError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from lpexec.core import ExecutorError

if TYPE_CHECKING:
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

__all__ = ["Caller", "ExecutorServicePort", "ScopeError", "SearchFilters"]


class ScopeError(ExecutorError, PermissionError):
    """A scoped caller asked for another controller's executors."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: the operator (every controller) or one controller's agent."""

    controller_id: str | None = None
    """None: the operator; else the one controller this caller may see and act for."""

    @property
    def is_operator(self) -> bool:
        """True for the operator."""
        return self.controller_id is None


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchFilters:
    """Search filters: OR within a field, AND across fields; None or empty means any."""

    controller_ids: Sequence[str] | None = None
    connector_names: Sequence[str] | None = None
    trading_pairs: Sequence[str] | None = None
    executor_types: Sequence[str] | None = None
    account_names: Sequence[str] | None = None
    statuses: Sequence[str] | None = None
    """Our lifecycle statuses (CREATED, ACTIVE, CLOSING, TERMINATED) or Hummingbot's
    RunnableStatus names (NOT_STARTED, RUNNING, SHUTTING_DOWN, TERMINATED)."""
    stranded: bool | None = None
    """True: only executors stranded (with a reason to act on); False: only the others."""


class ExecutorServicePort(Protocol):
    """Every executor use case, once (the models are in :mod:`lpexec.app.service.models`)."""

    async def create(
        self,
        executor_config: Mapping[str, Any],
        *,
        caller: Caller,
        controller_id: str | None = None,
        account_name: str | None = None,
    ) -> ExecutorReport:
        """Validate, resolve the controller id (top-level, else the config's, else the
        caller's, else ``main``; disagreeing values refused), risk-check, create and start;
        return the new executor's report (``ExecutorReport``)."""
        ...

    async def search(
        self, filters: SearchFilters, *, caller: Caller, cursor: str | None, limit: int
    ) -> SearchPage:
        """One page (``SearchPage``: ``items``, ``next_cursor`` None on the last page,
        ``total_count``) over every executor, running or finished, newest first."""
        ...

    async def get(self, executor_id: str, *, caller: Caller) -> ExecutorReport:
        """One executor's report with its config and ``custom_info`` (``ExecutorReport``)."""
        ...

    async def logs(
        self, executor_id: str, *, caller: Caller, level: str | None = None, limit: int = 100
    ) -> LogPage:
        """Its log entries (``LogPage``), kept after it ends."""
        ...

    async def stop(
        self, executor_id: str, *, caller: Caller, keep_position: bool = False
    ) -> StopResult:
        """Ask it to stop (``StopResult``: ``stopping``, or ``already_terminated`` with its close
        type for a finished one)."""
        ...

    async def summary(self, *, caller: Caller) -> ExecutorSummary:
        """Totals over the active executors (``ExecutorSummary``)."""
        ...

    async def performance(
        self, *, caller: Caller, controller_id: str | None = None
    ) -> PerformanceReport:
        """A controller's (or every visible) performance (``PerformanceReport``)."""
        ...

    async def positions_summary(
        self, *, caller: Caller, controller_id: str | None = None
    ) -> PositionsSummary:
        """The held positions (``PositionsSummary``)."""
        ...

    async def position(
        self,
        connector_name: str,
        trading_pair: str,
        *,
        caller: Caller,
        account_name: str = "master_account",
        controller_id: str = "main",
    ) -> PositionHoldReport:
        """One held position (``PositionHoldReport``); ``LookupError``
        (``UnknownPositionError``) when none."""
        ...

    async def clear_position(
        self,
        connector_name: str,
        trading_pair: str,
        *,
        caller: Caller,
        account_name: str = "master_account",
        controller_id: str = "main",
    ) -> ClearedPosition:
        """Forget one held position (``ClearedPosition``: ``message``, ``connector_name``,
        ``trading_pair``, ``controller_id``); ``LookupError`` (``UnknownPositionError``) when
        none."""
        ...

    def types(self) -> list[ExecutorTypeInfo]:
        """The executor types with a description each (``ExecutorTypeInfo``)."""
        ...

    def config_schema(self, executor_type: str) -> ConfigSchema:
        """A type's config fields (``ConfigSchema``); ConfigError for an unknown type."""
        ...
