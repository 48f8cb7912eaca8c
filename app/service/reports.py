"""Building the service's reports from stored executors, reports and held positions (pure).

Statuses are shown as Hummingbot's ``RunnableStatus`` (:data:`RUNNABLE_STATUS`); either naming
is accepted in filters (:func:`lifecycle_statuses`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, localcontext
from typing import Any

from lpexec.app.service.catalog import hummingbot_name
from lpexec.app.service.models import (
    ExecutorRecord,
    ExecutorSummary,
    PerformanceByType,
    PerformanceReport,
    PositionHoldReport,
    PositionsSummary,
    clean_amount,
    clean_json,
)
from lpexec.core import CloseType, ConfigError, ExecutorInfo, ExecutorStatus, HeldPosition
from lpexec.core.store import DEFAULT_ACCOUNT, ReportRow, StoredExecutor

__all__ = [
    "RUNNABLE_STATUS",
    "custom_info",
    "lifecycle_statuses",
    "performance_report",
    "position_report",
    "positions_summary",
    "record_model",
    "record_of",
    "summary_of",
]

ZERO = Decimal(0)

RUNNABLE_STATUS = {
    ExecutorStatus.CREATED: "NOT_STARTED",
    ExecutorStatus.ACTIVE: "RUNNING",
    ExecutorStatus.CLOSING: "SHUTTING_DOWN",
    ExecutorStatus.TERMINATED: "TERMINATED",
}
"""Hummingbot's ``RunnableStatus`` name of each of our statuses."""

_BY_RUNNABLE = {runnable: ours for ours, runnable in RUNNABLE_STATUS.items()}

_CUSTOM_INFO_ALIASES: dict[str, dict[str, str]] = {
    "lp": {"current_price": "price"},
    "order": {"order_id": "client_order_id", "current_retries": "retries"},
}
"""Hummingbot's custom_info key -> the key of our details it repeats, per type."""


def lifecycle_statuses(received: Iterable[str]) -> tuple[str, ...]:
    """Our status names for a status filter in either naming.

    Raises:
        ConfigError: a name that is neither ours nor Hummingbot's.
    """
    found: list[str] = []
    for name in received:
        key = name.strip().upper() if isinstance(name, str) else name
        if key in _BY_RUNNABLE:
            found.append(_BY_RUNNABLE[key].value)
        elif key in ExecutorStatus.__members__:
            found.append(key)
        else:
            names = sorted({*ExecutorStatus.__members__, *_BY_RUNNABLE})
            raise ConfigError(f"status: expected one of {', '.join(names)}, received {name!r}")
    return tuple(found)


def record_of(stored: StoredExecutor, info: ExecutorInfo | None = None) -> dict[str, Any]:
    """The fields of an :class:`ExecutorRecord` for a stored executor; the figures of ``info``
    (the live report) replace the stored ones when given."""
    figures: StoredExecutor | ExecutorInfo = info if info is not None else stored
    status = figures.status
    return {
        "executor_id": stored.executor_id,
        "executor_type": hummingbot_name(stored.type),
        "account_name": stored.account_name,
        "connector_name": stored.connector_name,
        "trading_pair": stored.trading_pair,
        "side": stored.side or None,
        "controller_id": stored.controller_id,
        "status": RUNNABLE_STATUS[status],
        "lifecycle_status": status.value,
        "is_active": status is not ExecutorStatus.TERMINATED,
        "is_trading": status is ExecutorStatus.ACTIVE and figures.value_quote != 0,
        "close_type": figures.close_type.value if figures.close_type else None,
        "timestamp": stored.created_at.timestamp(),
        "created_at": stored.created_at,
        "close_timestamp": figures.closed_at.timestamp() if figures.closed_at else None,
        "net_pnl_quote": figures.net_pnl_quote,
        "net_pnl_pct": figures.net_pnl_pct,
        "cum_fees_quote": figures.fees_paid_quote,
        "filled_amount_quote": figures.volume_quote,
        "error_count": stored.error_count,
        "last_error": stored.last_error,
        "stranded_reason": figures.stranded_reason or stored.stranded_reason,
    }


def record_model(stored: StoredExecutor) -> ExecutorRecord:
    """A search row."""
    return ExecutorRecord(**record_of(stored))


def custom_info(info: ExecutorInfo, config: dict[str, Any]) -> dict[str, Any]:
    """A report's type-specific figures with Hummingbot's keys, numbers clean."""
    details: dict[str, Any] = info.details.model_dump() if info.details is not None else {}
    for alias, ours in _CUSTOM_INFO_ALIASES.get(info.type, {}).items():
        if ours in details and alias not in details:
            details[alias] = details[ours]
    active = info.status is not ExecutorStatus.TERMINATED
    details.setdefault("side", config.get("side"))
    details.setdefault("total_value_quote", info.value_quote)
    details.setdefault("unrealized_pnl_quote", info.net_pnl_quote if active else ZERO)
    details.setdefault("fees_earned_quote", info.fees_earned_quote)
    details.setdefault("duration_seconds", info.duration_seconds)
    details["close_type"] = info.close_type.value if info.close_type else None
    details["stranded_reason"] = info.stranded_reason
    result: dict[str, Any] = clean_json(details)
    return result


def summary_of(rows: Sequence[ReportRow]) -> ExecutorSummary:
    """Totals over ``rows`` (the active executors)."""
    return ExecutorSummary(
        total_active=len(rows),
        total_pnl_quote=sum((row.net_pnl_quote for row in rows), ZERO),
        total_volume_quote=sum((row.volume_quote for row in rows), ZERO),
        by_type=dict(Counter(hummingbot_name(row.type) for row in rows)),
        by_connector=dict(Counter(row.connector_name for row in rows)),
        by_status=dict(Counter(RUNNABLE_STATUS[ExecutorStatus(row.status)] for row in rows)),
    )


PriceOf = Callable[[str], Decimal | None]


def position_report(position: HeldPosition, price: PriceOf) -> PositionHoldReport:
    """A held position as Hummingbot's ``PositionHold``, valued at ``price`` of its pair."""
    key = position.key
    net = position.net_base
    mid = price(key.trading_pair)
    unrealized: Decimal | None = ZERO if net == 0 else None
    if net != 0 and mid is not None and mid.is_finite() and mid > 0:
        unrealized = position.unrealized_pnl(mid)
    side = "FLAT" if net == 0 else ("LONG" if net > 0 else "SHORT")
    return PositionHoldReport(
        trading_pair=key.trading_pair,
        connector_name=key.connector,
        account_name=DEFAULT_ACCOUNT,
        controller_id=key.controller_id,
        side=key.side,
        buy_amount_base=position.buy_base,
        buy_amount_quote=position.buy_quote,
        sell_amount_base=position.sell_base,
        sell_amount_quote=position.sell_quote,
        net_amount_base=net,
        matched_amount_base=min(position.buy_base, position.sell_base),
        unmatched_amount_base=abs(net),
        buy_breakeven_price=position.average_price if net > 0 else None,
        sell_breakeven_price=position.average_price if net < 0 else None,
        position_side=side,
        realized_pnl_quote=position.realized_pnl_quote,
        cum_fees_quote=position.fees_quote,
        unrealized_pnl_quote=unrealized,
        executor_count=len(position.executor_ids),
        executor_ids=list(position.executor_ids),
        last_updated=position.last_fill_at,
    )


def positions_summary(reports: Sequence[PositionHoldReport]) -> PositionsSummary:
    """Totals over held positions; the unrealized total is None when one has no price."""
    unrealized: Decimal | None = ZERO
    for report in reports:
        if report.unrealized_pnl_quote is None:
            unrealized = None
            break
        assert unrealized is not None
        unrealized += report.unrealized_pnl_quote
    return PositionsSummary(
        total_positions=len(reports),
        total_realized_pnl=sum((report.realized_pnl_quote for report in reports), ZERO),
        total_unrealized_pnl=unrealized,
        positions=list(reports),
    )


def performance_report(
    rows: Sequence[ReportRow],
    holds: Sequence[PositionHoldReport],
    *,
    controller_id: str | None,
) -> PerformanceReport:
    """The performance of ``rows`` and ``holds`` (see :class:`PerformanceReport`)."""
    terminated = ExecutorStatus.TERMINATED.value
    realized = [
        row
        for row in rows
        if row.status == terminated and row.close_type != CloseType.POSITION_HOLD.value
    ]
    running = [row for row in rows if row.status != terminated]
    # Both shown to 18 places, so the global figure is exactly their sum as shown.
    pnl_total = clean_amount(sum((row.net_pnl_quote for row in realized), ZERO))
    held = sum(
        (
            hold.realized_pnl_quote + hold.unrealized_pnl_quote - hold.cum_fees_quote
            for hold in holds
            if hold.unrealized_pnl_quote is not None
        ),
        ZERO,
    )
    unrealized = clean_amount(sum((row.net_pnl_quote for row in running), ZERO) + held)
    count = len(realized)
    by_type: dict[str, list[ReportRow]] = {}
    for row in rows:
        by_type.setdefault(row.type, []).append(row)
    return PerformanceReport(
        controller_id=controller_id,
        total_executors=len(rows),
        by_status=dict(Counter(RUNNABLE_STATUS[ExecutorStatus(row.status)] for row in rows)),
        pnl_total_quote=pnl_total,
        unrealized_pnl_quote=unrealized,
        global_pnl_quote=pnl_total + unrealized,
        pnl_pct_avg=sum((row.net_pnl_pct for row in realized), ZERO) / count if count else ZERO,
        fees_total_quote=sum((row.fees_paid_quote for row in rows), ZERO),
        volume_total_quote=sum((row.volume_quote for row in rows), ZERO),
        win_rate=Decimal(sum(1 for row in realized if row.net_pnl_quote > 0)) / count
        if count
        else ZERO,
        sharpe_ratio=_sharpe([row.net_pnl_quote for row in realized]),
        by_type=[
            PerformanceByType(
                executor_type=hummingbot_name(type_name),
                total=len(group),
                completed=sum(1 for row in group if row.status == terminated),
                running=sum(1 for row in group if row.status != terminated),
                pnl_quote=sum((row.net_pnl_quote for row in group), ZERO),
                volume_quote=sum((row.volume_quote for row in group), ZERO),
                fees_quote=sum((row.fees_paid_quote for row in group), ZERO),
            )
            for type_name, group in sorted(by_type.items())
        ],
        active_positions=sum(1 for hold in holds if hold.net_amount_base != 0),
    )


def _sharpe(pnls: Sequence[Decimal]) -> Decimal | None:
    """Mean over the sample standard deviation; None below two values or with no spread."""
    if len(pnls) < 2:
        return None
    with localcontext() as context:
        context.prec = 34
        mean = sum(pnls, ZERO) / len(pnls)
        variance = sum(((pnl - mean) ** 2 for pnl in pnls), ZERO) / (len(pnls) - 1)
        if variance == 0:
            return None
        return mean / variance.sqrt()
