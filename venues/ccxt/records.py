"""ccxt's unified structures (orders, trades, balances, positions, funding) read into ours.

Every number goes through :func:`~.markets.decimal_of` (exact Decimal), every time stamp (ccxt's
milliseconds) becomes an aware UTC datetime, and contract amounts become base amounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from lpexec.core.exchange import (
    Balance,
    FundingPayment,
    OrderReport,
    OrderReportStatus,
    PerpPosition,
)
from lpexec.core.money import ZERO
from lpexec.core.trade import OrderFilled, Side

from .markets import MarketSpec, decimal_of

__all__ = [
    "balances_from",
    "fill_from",
    "filled_amount",
    "from_ms",
    "funding_from",
    "position_from",
    "report_from",
    "to_ms",
]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_STATUS: dict[str | None, tuple[OrderReportStatus, str]] = {
    None: ("OPEN", ""),  # an answer with no status (an acknowledgement) is an accepted order
    "open": ("OPEN", ""),
    "closed": ("FILLED", ""),
    "canceled": ("CANCELED", ""),
    "cancelled": ("CANCELED", ""),
    "expired": ("CANCELED", "expired"),
    "rejected": ("FAILED", "rejected by the exchange"),
}


def from_ms(value: Any, *, default: dt.datetime) -> dt.datetime:
    """A ccxt time stamp (ms since the epoch) as an aware UTC datetime (``default`` if absent)."""
    if value is None:
        return default
    return _EPOCH + dt.timedelta(milliseconds=int(value))  # exact: no float seconds


def to_ms(value: dt.datetime) -> int:
    """An aware datetime as ms since the epoch."""
    if value.tzinfo is None:
        raise ValueError(f"since: expected an aware datetime, received naive {value.isoformat()}")
    return int(value.timestamp() * 1000)


def _side(value: Any, *, field: str, default: Any = None) -> Side:
    value = value or default
    if value == "buy":
        return "BUY"
    if value == "sell":
        return "SELL"
    raise ValueError(f"{field}: expected 'buy' or 'sell', received {value!r}")


def fill_from(
    trade: Mapping[str, Any],
    spec: MarketSpec,
    *,
    client_order_id: str,
    default_ts: dt.datetime,
    default_side: str | None = None,
    command_id: str = "",
) -> OrderFilled:
    """One of our fills from a ccxt trade (its amount in base, its fee in quote); a trade that
    does not say its side (an order's answer lists its fills without) takes ``default_side``."""
    if trade.get("id") in (None, ""):
        raise ValueError(
            f"trade.id: expected the exchange's trade id, received {trade.get('id')!r}"
        )
    price = decimal_of(trade.get("price"), field="trade.price")
    return OrderFilled(
        ts_event=from_ms(trade.get("timestamp"), default=default_ts),
        command_id=command_id,
        client_order_id=client_order_id,
        fill_id=str(trade["id"]),
        side=_side(trade.get("side"), field="trade.side", default=default_side),
        base_amount=spec.to_base_amount(decimal_of(trade.get("amount"), field="trade.amount")),
        price=price,
        fee_quote=spec.fee_in_quote(trade.get("fee"), price=price),
    )


def filled_amount(order: Mapping[str, Any], spec: MarketSpec) -> Decimal:
    """The base amount a ccxt order says is filled (0 when it does not say)."""
    filled = order.get("filled")
    return ZERO if filled in (None, "") else spec.to_base_amount(decimal_of(filled, field="filled"))


def report_from(
    order: Mapping[str, Any],
    trades: Iterable[Mapping[str, Any]],
    spec: MarketSpec,
    *,
    client_order_id: str,
    default_ts: dt.datetime,
) -> OrderReport:
    """Our record of a ccxt order and its trades (oldest first, each once by id)."""
    status = order.get("status")
    if status not in _STATUS:
        raise ValueError(
            f"order.status: expected one of {sorted(filter(None, _STATUS))}, received {status!r}"
        )
    our_status, reason = _STATUS[status]
    order_ts = from_ms(order.get("timestamp"), default=default_ts)
    fills: dict[str, OrderFilled] = {}
    for trade in trades:
        fill = fill_from(
            trade,
            spec,
            client_order_id=client_order_id,
            default_ts=order_ts,
            default_side=order.get("side"),
        )
        fills.setdefault(fill.fill_id, fill)
    return OrderReport(
        client_order_id=client_order_id,
        trading_pair=spec.trading_pair,
        status=our_status,
        venue_order_id=str(order.get("id") or ""),
        fills=tuple(sorted(fills.values(), key=lambda fill: fill.ts_event)),
        reason=reason,
    )


def balances_from(balance: Mapping[str, Any]) -> dict[str, Balance]:
    """Every asset with a non-zero total, from a ccxt balance structure."""
    totals = balance.get("total") or {}
    frees = balance.get("free") or {}
    result: dict[str, Balance] = {}
    for asset, total in totals.items():
        if total in (None, ""):
            continue
        total_amount = decimal_of(total, field=f"balance.total.{asset}")
        if total_amount == ZERO:
            continue
        free = frees.get(asset)
        available = (
            total_amount if free in (None, "") else decimal_of(free, field=f"balance.free.{asset}")
        )
        result[asset] = Balance(asset=asset, total=total_amount, available=available)
    return result


def position_from(position: Mapping[str, Any], spec: MarketSpec) -> PerpPosition | None:
    """An open position from a ccxt position structure (None for a flat one)."""
    contracts = position.get("contracts")
    if contracts in (None, "") or decimal_of(contracts, field="position.contracts") == ZERO:
        return None
    amount = spec.to_base_amount(abs(decimal_of(contracts, field="position.contracts")))
    side = position.get("side")
    if side not in ("long", "short"):
        raise ValueError(f"position.side: expected 'long' or 'short', received {side!r}")
    leverage = position.get("leverage")
    margin = position.get("initialMargin", position.get("collateral"))
    liquidation = position.get("liquidationPrice")
    return PerpPosition(
        trading_pair=spec.trading_pair,
        side="LONG" if side == "long" else "SHORT",
        amount=amount,
        entry_price=decimal_of(position.get("entryPrice"), field="position.entryPrice"),
        leverage=0 if leverage in (None, "") else int(decimal_of(leverage, field="leverage")),
        margin=ZERO if margin in (None, "") else decimal_of(margin, field="position.margin"),
        unrealized_pnl=ZERO
        if position.get("unrealizedPnl") in (None, "")
        else decimal_of(position["unrealizedPnl"], field="position.unrealizedPnl"),
        liquidation_price=None
        if liquidation in (None, "")
        else decimal_of(liquidation, field="position.liquidationPrice"),
    )


def funding_from(
    entry: Mapping[str, Any], spec: MarketSpec, *, default_ts: dt.datetime
) -> FundingPayment:
    """A funding payment from a ccxt funding-history entry (positive: received).

    ccxt's funding history carries no rate; ``rate`` is the entry's when the exchange gives one
    (``info.fundingRate``), else 0.
    """
    if entry.get("id") in (None, ""):
        raise ValueError(f"funding.id: expected the exchange's id, received {entry.get('id')!r}")
    rate = (entry.get("info") or {}).get("fundingRate")
    return FundingPayment(
        trading_pair=spec.trading_pair,
        payment_id=str(entry["id"]),
        amount=decimal_of(entry.get("amount"), field="funding.amount"),
        rate=ZERO if rate in (None, "") else decimal_of(rate, field="funding.rate"),
        ts=from_ms(entry.get("timestamp"), default=default_ts),
    )
