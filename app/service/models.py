"""The service's answers: pydantic models every surface (REST, MCP, CLI, library) shows as is.

Field names follow hummingbot-api's executor routes (``ExecutorResponse``, ``PositionHold``,
the performance report), so a Hummingbot client reads them unchanged. Amounts are ``Decimal``
inside, cleaned of noise when a model is built (at most 18 decimal places, trailing zeros
dropped: never ``0E-57`` nor 28 digits of rounding); in JSON (``model_dump(mode="json")``,
``model_dump_json``) they are numbers. Statuses are Hummingbot's ``RunnableStatus`` names
(``NOT_STARTED``, ``RUNNING``, ``SHUTTING_DOWN``, ``TERMINATED``); ``lifecycle_status`` keeps ours.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

__all__ = [
    "Amount",
    "ClearedPosition",
    "ConfigField",
    "ConfigSchema",
    "CreateOutcome",
    "ExecutorRecord",
    "ExecutorReport",
    "ExecutorSummary",
    "ExecutorTypeInfo",
    "LogEntry",
    "LogPage",
    "PerformanceByType",
    "PerformanceReport",
    "PositionHoldReport",
    "PositionsSummary",
    "SearchPage",
    "StopResult",
    "clean_amount",
    "clean_json",
]

_SCALE = Decimal("1e-18")


def clean_amount(value: Decimal) -> Decimal:
    """``value`` without noise: non-finite as 0, at most 18 decimal places, no trailing zeros,
    never in exponent form (``Decimal("0E-57")`` is ``0``, ``1.50`` is ``1.5``, ``1E+2`` is
    ``100``)."""
    if not value.is_finite():
        return Decimal(0)
    if value.as_tuple().exponent < -18:  # type: ignore[operator]
        value = value.quantize(_SCALE)
    if value == 0:
        return Decimal(0)  # no -0, no 0E-57
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _to_amount(value: object) -> object:
    if isinstance(value, Decimal):
        return clean_amount(value)
    if isinstance(value, int | str) and not isinstance(value, bool):
        return clean_amount(Decimal(value))
    if isinstance(value, float):
        return clean_amount(Decimal(repr(value)))
    return value


def _json_number(value: Decimal) -> float:
    return float(value)


Amount = Annotated[
    Decimal,
    BeforeValidator(_to_amount),
    PlainSerializer(_json_number, return_type=float, when_used="json"),
]
"""A money amount, a price or a ratio: a clean ``Decimal``; a number in JSON."""


def clean_json(value: Any) -> Any:
    """``value`` (details of a report, a config) as JSON-ready data with clean numbers:
    Decimals as numbers (see :data:`Amount`), datetimes in ISO 8601, enums by value."""
    if isinstance(value, BaseModel):
        return clean_json(value.model_dump())
    if isinstance(value, Mapping):
        return {str(key): clean_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [clean_json(item) for item in value]
    if isinstance(value, Decimal):
        amount = clean_amount(value)
        whole = amount == amount.to_integral_value() and abs(amount) < 2**53
        return int(amount) if whole else float(amount)
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return clean_json(value.value)
    return value


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


RunnableStatus = Literal["NOT_STARTED", "RUNNING", "SHUTTING_DOWN", "TERMINATED"]


class ExecutorRecord(_Model):
    """One executor as a search lists it (Hummingbot's ``ExecutorResponse``)."""

    executor_id: str
    executor_type: str = Field(description="Hummingbot's type name, e.g. lp_executor.")
    account_name: str
    connector_name: str
    trading_pair: str
    side: str | None
    controller_id: str
    status: RunnableStatus
    lifecycle_status: str = Field(description="lpexec's status: CREATED, ACTIVE, CLOSING, ...")
    is_active: bool = Field(description="Not terminated yet.")
    is_trading: bool = Field(description="Running and holding something at its venue.")
    close_type: str | None
    timestamp: float = Field(description="Creation time, seconds since the epoch.")
    created_at: dt.datetime
    close_timestamp: float | None
    net_pnl_quote: Amount
    net_pnl_pct: Amount = Field(description="A ratio (0.01 = 1 %).")
    cum_fees_quote: Amount
    filled_amount_quote: Amount
    error_count: int
    last_error: str | None
    stranded_reason: str | None = None


class ExecutorReport(ExecutorRecord):
    """One executor in full: its record, its config and its type's own figures."""

    config: dict[str, Any]
    custom_info: dict[str, Any] = Field(
        description="The type's report with Hummingbot's keys (for LP: position_rent, "
        "position_rent_refunded, tx_fee, base_fee, quote_fee, out_of_range_seconds, state...)."
    )


class CreateOutcome(_Model):
    """One create of a batch: its report, or why it was refused."""

    index: int
    executor_id: str | None
    report: ExecutorReport | None = None
    error: str | None = None
    limit: str | None = Field(default=None, description="The risk check that refused it.")


class SearchPage(_Model):
    """One page of a search; ``next_cursor`` is None on the last page."""

    items: list[ExecutorRecord]
    next_cursor: str | None
    total_count: int
    limit: int
    has_more: bool


class LogEntry(_Model):
    """One entry of an executor's log."""

    timestamp: float = Field(description="Seconds since the epoch.")
    time: dt.datetime
    level: str
    message: str
    exc_info: str | None = None


class LogPage(_Model):
    """An executor's latest log entries, oldest first; ``total_count`` counts every match."""

    executor_id: str
    logs: list[LogEntry]
    total_count: int


class StopResult(_Model):
    """The answer to a stop: ``stopping``, ``already_terminated`` (with its close type), or
    ``not_running`` (not finished, but no runtime here runs it: ``detail`` says why)."""

    executor_id: str
    status: Literal["stopping", "already_terminated", "not_running"]
    keep_position: bool
    close_type: str | None = None
    executor_status: RunnableStatus
    detail: str | None = None


class ExecutorSummary(_Model):
    """Totals over the active executors, by type, connector and status."""

    total_active: int
    total_pnl_quote: Amount
    total_volume_quote: Amount
    by_type: dict[str, int]
    by_connector: dict[str, int]
    by_status: dict[str, int]


class PerformanceByType(_Model):
    """One executor type's share of a performance report."""

    executor_type: str
    total: int
    completed: int
    running: int
    pnl_quote: Amount
    volume_quote: Amount
    fees_quote: Amount


class PerformanceReport(_Model):
    """A controller's (or every visible) performance.

    ``pnl_total_quote`` is realized: finished executors, except those that ended holding their
    position; ``unrealized_pnl_quote`` is the running executors' net P&L plus the held positions
    that have a price (their unrealized P&L less their fees); ``global_pnl_quote`` is the sum.
    ``win_rate`` and ``pnl_pct_avg`` (a ratio) are over the realized executors; ``sharpe_ratio``
    is the mean over the standard deviation of their P&L (None below two, or with no spread).
    """

    controller_id: str | None
    total_executors: int
    by_status: dict[str, int]
    pnl_total_quote: Amount
    unrealized_pnl_quote: Amount
    global_pnl_quote: Amount
    pnl_pct_avg: Amount
    fees_total_quote: Amount
    volume_total_quote: Amount
    win_rate: Amount
    sharpe_ratio: Amount | None
    by_type: list[PerformanceByType]
    active_positions: int


class PositionHoldReport(_Model):
    """A held position (Hummingbot's ``PositionHold``), what executors that ended with
    ``keep_position`` left; ``unrealized_pnl_quote`` is None without a price for the pair."""

    trading_pair: str
    connector_name: str
    account_name: str
    controller_id: str
    side: str | None = Field(description="The hedge-mode side of the key, else None.")
    buy_amount_base: Amount
    buy_amount_quote: Amount
    sell_amount_base: Amount
    sell_amount_quote: Amount
    net_amount_base: Amount
    matched_amount_base: Amount
    unmatched_amount_base: Amount
    buy_breakeven_price: Amount | None
    sell_breakeven_price: Amount | None
    position_side: Literal["LONG", "SHORT", "FLAT"]
    realized_pnl_quote: Amount
    cum_fees_quote: Amount
    unrealized_pnl_quote: Amount | None
    executor_count: int
    executor_ids: list[str]
    last_updated: dt.datetime | None


class ClearedPosition(_Model):
    """A held position that was forgotten."""

    message: str
    connector_name: str
    trading_pair: str
    controller_id: str


class PositionsSummary(_Model):
    """Every visible held position; ``total_unrealized_pnl`` is None when one has no price."""

    total_positions: int
    total_realized_pnl: Amount
    total_unrealized_pnl: Amount | None
    positions: list[PositionHoldReport]


class ExecutorTypeInfo(_Model):
    """An executor type this service creates."""

    type: str = Field(description="Hummingbot's type name, e.g. lp_executor.")
    name: str = Field(description="lpexec's type name, e.g. lp (accepted too).")
    description: str
    use_case: str | None = None


class ConfigField(_Model):
    """One field of a type's config."""

    name: str
    type: str
    required: bool
    default: Any = None
    description: str | None = None
    constraints: dict[str, Any] | None = None
    enum_values: list[Any] | None = None


class ConfigSchema(_Model):
    """A type's config fields; ``nested_types`` holds the fields of nested models by name."""

    executor_type: str
    config_class: str
    description: str
    fields: list[ConfigField]
    nested_types: dict[str, list[ConfigField]]
