"""The request bodies and the response models of the REST API (and the WebSocket's data).

Shapes follow hummingbot-api's executor routes, so its stock client reads them unchanged.
Requests are strict (unknown fields refused, naming the field); responses are tolerant: they
declare what every answer carries and let the service add more (``extra="allow"``). Money on the
wire is a JSON number (see :mod:`lpexec.app.api.wire`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ClearPositionResponse",
    "ConfigField",
    "ConfigSchemaResponse",
    "CreateExecutorRequest",
    "CreateExecutorResponse",
    "ErrorResponse",
    "ExecutorDetailResponse",
    "ExecutorResponse",
    "ExecutorSummaryResponse",
    "ExecutorTypeResponse",
    "ExecutorTypesResponse",
    "LogEntry",
    "LogsResponse",
    "Pagination",
    "PerformanceByType",
    "PerformanceResponse",
    "PositionHoldResponse",
    "PositionsSummaryResponse",
    "SearchRequest",
    "SearchResponse",
    "StopRequest",
    "StopResponse",
]

JsonNumber = float
"""A money amount or a ratio on the wire (a Decimal inside lpexec)."""


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorResponse(BaseModel):
    """Every error that is not a request validation error: what went wrong, in words."""

    detail: str


class CreateExecutorRequest(_Request):
    """``POST /executors/``."""

    executor_config: dict[str, Any] = Field(
        description="The executor's config; its `type` names the executor type."
    )
    account_name: str | None = None
    controller_id: str | None = Field(
        default=None,
        description="The owner; else the config's `controller_id`, else the token's controller, "
        "else `main`. Disagreeing values are refused.",
    )


class SearchRequest(_Request):
    """``POST /executors/search``: every list is OR within itself, AND with the others."""

    account_names: list[str] | None = None
    connector_names: list[str] | None = None
    trading_pairs: list[str] | None = None
    executor_types: list[str] | None = None
    controller_ids: list[str] | None = None
    status: str | None = Field(
        default=None,
        description="NOT_STARTED, RUNNING, SHUTTING_DOWN, TERMINATED (or lpexec's CREATED, "
        "ACTIVE, CLOSING); several separated by commas.",
    )
    cursor: str | None = Field(default=None, description="`next_cursor` of the previous page.")
    limit: int = Field(default=100, ge=1, le=1000)


class StopRequest(_Request):
    """``POST /executors/{executor_id}/stop``."""

    keep_position: bool = Field(
        default=False, description="Leave the position open and hold it (close type POSITION_HOLD)."
    )


class CreateExecutorResponse(_Response):
    """The new executor."""

    executor_id: str
    executor_type: str
    connector_name: str | None = None
    trading_pair: str | None = None
    controller_id: str
    status: str
    created_at: str | None = None


class ExecutorResponse(_Response):
    """One executor (a search row): identity, state, timing, money, errors."""

    executor_id: str
    executor_type: str
    account_name: str | None = None
    connector_name: str | None = None
    trading_pair: str | None = None
    side: str | None = None
    controller_id: str
    status: str = Field(description="NOT_STARTED, RUNNING, SHUTTING_DOWN or TERMINATED.")
    is_active: bool
    is_trading: bool
    close_type: str | None = None
    timestamp: float | None = None
    created_at: str | None = None
    close_timestamp: float | None = None
    net_pnl_quote: JsonNumber | None = None
    net_pnl_pct: JsonNumber | None = Field(default=None, description="A ratio (0.01 = 1 %).")
    cum_fees_quote: JsonNumber | None = None
    filled_amount_quote: JsonNumber | None = None
    error_count: int = 0
    last_error: str | None = None


class ExecutorDetailResponse(ExecutorResponse):
    """One executor with its config and its ``custom_info``."""

    config: dict[str, Any] = Field(default_factory=dict)
    custom_info: dict[str, Any] = Field(default_factory=dict)


class Pagination(BaseModel):
    """Where a search page is: ``next_cursor`` is null on the last page."""

    limit: int
    has_more: bool
    next_cursor: str | None
    total_count: int


class SearchResponse(BaseModel):
    """One page of a search."""

    data: list[ExecutorResponse]
    pagination: Pagination


class ExecutorSummaryResponse(_Response):
    """Totals over the active executors."""

    total_active: int
    total_pnl_quote: JsonNumber | None = None
    total_volume_quote: JsonNumber | None = None
    by_type: dict[str, Any] = Field(default_factory=dict)
    by_connector: dict[str, Any] = Field(default_factory=dict)
    by_status: dict[str, Any] = Field(default_factory=dict)


class PerformanceByType(_Response):
    """One executor type's line of a performance report."""

    executor_type: str
    total: int
    completed: int
    running: int
    pnl_quote: JsonNumber | None = None
    volume_quote: JsonNumber | None = None
    fees_quote: JsonNumber | None = None


class PerformanceResponse(_Response):
    """A controller's (or every visible) performance."""

    controller_id: str | None = None
    total_executors: int
    by_status: dict[str, Any] = Field(default_factory=dict)
    pnl_total_quote: JsonNumber | None = None
    unrealized_pnl_quote: JsonNumber | None = None
    global_pnl_quote: JsonNumber | None = None
    pnl_pct_avg: JsonNumber | None = None
    fees_total_quote: JsonNumber | None = None
    volume_total_quote: JsonNumber | None = None
    win_rate: JsonNumber | None = None
    sharpe_ratio: JsonNumber | None = None
    by_type: list[PerformanceByType] = Field(default_factory=list)
    active_positions: int | None = None


class PositionHoldResponse(_Response):
    """A position held after executors stopped with ``keep_position``."""

    trading_pair: str
    connector_name: str
    account_name: str | None = None
    controller_id: str | None = None
    buy_amount_base: JsonNumber | None = None
    buy_amount_quote: JsonNumber | None = None
    sell_amount_base: JsonNumber | None = None
    sell_amount_quote: JsonNumber | None = None
    net_amount_base: JsonNumber | None = None
    matched_amount_base: JsonNumber | None = None
    unmatched_amount_base: JsonNumber | None = None
    buy_breakeven_price: JsonNumber | None = None
    sell_breakeven_price: JsonNumber | None = None
    position_side: str | None = None
    realized_pnl_quote: JsonNumber | None = None
    cum_fees_quote: JsonNumber | None = None
    unrealized_pnl_quote: JsonNumber | None = None
    executor_count: int = 0
    executor_ids: list[str] = Field(default_factory=list)
    last_updated: str | float | None = None


class PositionsSummaryResponse(_Response):
    """Every held position the caller may see."""

    total_positions: int
    total_realized_pnl: JsonNumber | None = None
    total_unrealized_pnl: JsonNumber | None = None
    positions: list[PositionHoldResponse] = Field(default_factory=list)


class ClearPositionResponse(BaseModel):
    """A held position forgotten."""

    message: str
    connector_name: str
    trading_pair: str


class LogEntry(_Response):
    """One log line of an executor."""

    timestamp: str | float | None = None
    level: str
    message: str
    exc_info: str | None = None


class LogsResponse(_Response):
    """An executor's log lines (kept after it ends)."""

    executor_id: str
    logs: list[LogEntry]
    total_count: int


class StopResponse(_Response):
    """A stop asked (``stopping``), or the state of an executor that had already ended
    (``already_terminated`` with its close type)."""

    executor_id: str
    status: str
    keep_position: bool | None = None
    close_type: str | None = None


class ExecutorTypeResponse(_Response):
    """One executor type."""

    type: str
    description: str
    use_case: str | None = None


class ExecutorTypesResponse(BaseModel):
    """Every executor type this service runs."""

    executor_types: list[ExecutorTypeResponse]


class ConfigField(_Response):
    """One field of an executor type's config."""

    name: str
    type: str
    required: bool
    default: Any = None
    description: str | None = None
    constraints: dict[str, Any] | None = None
    enum_values: list[Any] | None = None


class ConfigSchemaResponse(_Response):
    """An executor type's config fields."""

    executor_type: str
    config_class: str
    description: str | None = None
    fields: list[ConfigField]
    nested_types: dict[str, Any] = Field(default_factory=dict)
