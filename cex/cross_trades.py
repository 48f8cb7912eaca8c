"""Taker trades of the cross-venue executors: sent, answered, counted, and their cash flow.

A :class:`TakerTrade` is one trade taken at the market on one :class:`ConnectorPair`: a
**MARKET order** on an order book (:class:`~lpexec.core.trade.PlaceOrder`, its client order id
derived from the command id as every CEX order's, see :func:`~lpexec.cex.tracking.place`) or a
**swap** on a swap venue (:class:`~lpexec.core.trade.Swap`). The arbitrage executor's two legs,
the XEMM executor's hedges, and the unwinds of both are taker trades.

:func:`apply_to_trades` feeds a venue's answer to the trade it concerns (fills counted once per
``fill_id``; a market order's unfilled rest canceled by the venue ends it; a swap's settlement
ends it with what moved; a refused send ends it with nothing; an unknown outcome leaves it
UNKNOWN: it may have traded). :func:`cash_flow` and :func:`trade_fees_quote` turn the trades into
money: what was paid and received in quote, the base bought net of sold, and every fee in quote
(exchange fees, and a swap's network fee valued at the native token's price).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from lpexec.cex.cross_market import ConnectorPair
from lpexec.cex.tracking import place
from lpexec.core import (
    Command,
    CommandFailed,
    Event,
    HeldFill,
    HeldPositionKey,
    OrderCanceled,
    OrderCreated,
    OrderFailed,
    OrderFilled,
    OrderRef,
    Swap,
    SwapExecuted,
)
from lpexec.core.money import ZERO
from lpexec.core.trade import Side

__all__ = [
    "CashFlow",
    "TakerTrade",
    "TradePhase",
    "apply_to_trades",
    "cash_flow",
    "held_fills_of",
    "open_trade_refs",
    "send_taker",
    "trade_fees_quote",
    "unknown_trade_reason",
]

DUST = Decimal("0.000001")
"""A base amount this small relative to the amount asked counts as nothing left (rounding)."""


class TradePhase(StrEnum):
    """Where a taker trade stands."""

    SENT = "SENT"  # sent; its answer has not come
    UNKNOWN = "UNKNOWN"  # the answer was lost and stayed unknown: it may have traded
    ENDED = "ENDED"  # answered: filled (all or part) or refused


@dataclass(slots=True)
class TakerTrade:
    """One taker trade: what was asked, what moved, where it stands.

    ``purpose`` says why it was sent (``BUY``/``SELL`` legs, ``HEDGE``, ``UNWIND``);
    ``filled_quote`` is the quote paid (BUY) or received (SELL) before fees; ``fees_quote`` the
    exchange fees in quote; ``tx_fee_native`` a swap's network fee in the native token.
    """

    purpose: str
    connector_name: str
    trading_pair: str
    side: Side
    amount: Decimal
    command_id: str
    client_order_id: str = ""
    phase: TradePhase = TradePhase.SENT
    fill_ids: list[str] = field(default_factory=list)
    filled_base: Decimal = ZERO
    filled_quote: Decimal = ZERO
    fees_quote: Decimal = ZERO
    tx_fee_native: Decimal = ZERO
    reason: str = ""
    code: str = ""
    ts: dt.datetime | None = None

    @property
    def is_swap(self) -> bool:
        """True for a swap (no client order id), False for a market order."""
        return not self.client_order_id

    @property
    def is_open(self) -> bool:
        """True until the venue has answered for good."""
        return self.phase is not TradePhase.ENDED

    @property
    def shortfall(self) -> Decimal:
        """The base asked that did not fill (0 when within :data:`DUST` of the amount)."""
        left = self.amount - self.filled_base
        return left if left > self.amount * DUST else ZERO

    @property
    def average_price(self) -> Decimal:
        """Quote per base of what filled (0 before any fill)."""
        return self.filled_quote / self.filled_base if self.filled_base > 0 else ZERO

    @property
    def signed_base(self) -> Decimal:
        """Base bought (positive) or sold (negative)."""
        return self.filled_base if self.side == "BUY" else -self.filled_base

    def end(self, reason: str = "", code: str = "") -> None:
        """Mark the trade answered for good, with why it stopped short (if it did)."""
        self.phase = TradePhase.ENDED
        if reason:
            self.reason, self.code = reason, code


def send_taker(
    *,
    command_id: str,
    executor_id: str,
    market: ConnectorPair,
    side: Side,
    amount: Decimal,
    slippage: Decimal,
    purpose: str,
) -> tuple[TakerTrade, Command]:
    """A new taker trade of ``amount`` base on ``market`` and the command that sends it: a swap
    on a swap venue (within ``slippage``), else a MARKET order."""
    trade = TakerTrade(
        purpose=purpose,
        connector_name=market.connector_name,
        trading_pair=market.trading_pair,
        side=side,
        amount=amount,
        command_id=command_id,
    )
    if market.is_swap:
        command: Command = Swap(
            command_id=command_id,
            executor_id=executor_id,
            venue=market.connector_name,
            trading_pair=market.trading_pair,
            side=side,
            amount=amount,
            slippage=slippage,
        )
        return trade, command
    order, command = place(
        command_id=command_id,
        executor_id=executor_id,
        venue=market.connector_name,
        trading_pair=market.trading_pair,
        side=side,
        order_type="MARKET",
        amount=amount,
    )
    trade.client_order_id = order.client_order_id
    return trade, command


def apply_to_trades(trades: Sequence[TakerTrade], event: Event) -> TakerTrade | None:
    """Apply a venue's answer to the trade it concerns; return that trade when it changed."""
    if isinstance(event, OrderFilled | OrderCanceled | OrderFailed | OrderCreated):
        trade = next((t for t in trades if t.client_order_id == event.client_order_id), None)
        if trade is None:
            return None
        return _order_event(trade, event)
    if isinstance(event, SwapExecuted | CommandFailed):
        trade = next((t for t in trades if t.command_id == event.command_id), None)
        if trade is None or not trade.is_open:
            return None
        if isinstance(event, SwapExecuted):
            trade.filled_base, trade.filled_quote = event.base_amount, event.quote_amount
            trade.tx_fee_native += event.tx_fee
            trade.fees_quote += event.fee_quote
            trade.fill_ids.append(event.signature or event.command_id)
            trade.ts = event.ts_event
            trade.end()
            return trade
        trade.tx_fee_native += event.tx_fee  # a transaction that failed on chain still cost it
        if event.code == "outcome_unknown":
            trade.phase, trade.reason, trade.code = TradePhase.UNKNOWN, event.reason, event.code
            return trade
        trade.end(event.reason, event.code)
        return trade
    return None


def _order_event(
    trade: TakerTrade, event: OrderFilled | OrderCanceled | OrderFailed | OrderCreated
) -> TakerTrade | None:
    if isinstance(event, OrderFilled):
        if event.fill_id in trade.fill_ids:
            return None  # the same fill read twice counts once
        trade.fill_ids.append(event.fill_id)
        trade.filled_base += event.base_amount
        trade.filled_quote += event.base_amount * event.price
        trade.fees_quote += event.fee_quote
        trade.ts = event.ts_event
        if event.is_final or trade.filled_base >= trade.amount:
            trade.end()
        elif trade.phase is TradePhase.UNKNOWN:
            trade.phase = TradePhase.SENT
        return trade
    if not trade.is_open:
        return None
    if isinstance(event, OrderCreated):
        if trade.phase is not TradePhase.UNKNOWN:
            return None
        trade.phase = TradePhase.SENT
        return trade
    if isinstance(event, OrderFailed):
        trade.end(f"order {trade.client_order_id} failed: {event.reason}")
        return trade
    trade.end(f"order {trade.client_order_id} was canceled by the venue (unfilled rest)")
    return trade


def open_trade_refs(trades: Iterable[TakerTrade]) -> list[OrderRef]:
    """The market orders not answered for good, for the order poller."""
    return [
        OrderRef(t.connector_name, t.trading_pair, t.client_order_id)
        for t in trades
        if t.is_open and not t.is_swap
    ]


def unknown_trade_reason(trades: Iterable[TakerTrade]) -> str | None:
    """Why the executor is reported stranded: a trade whose outcome stayed unknown (None: none)."""
    for trade in trades:
        if trade.phase is TradePhase.UNKNOWN:
            what = "swap" if trade.is_swap else f"order {trade.client_order_id}"
            return (
                f"{trade.purpose} {what} ({trade.side} {trade.amount} {trade.trading_pair} on "
                f"{trade.connector_name}) outcome unknown: {trade.reason}; it may have traded: "
                "retry to reconcile it"
            )
    return None


def trade_fees_quote(
    trade: TakerTrade, *, native_token: str, native_price: Decimal | None
) -> Decimal:
    """Every fee of ``trade`` in its quote token: exchange fees, and a network fee valued at the
    native token's price (the trade's own price when the native token is the base, 1 when it is
    the quote, else ``native_price``; unknown counts 0)."""
    fee = trade.fees_quote
    if trade.tx_fee_native:
        base, quote = trade.trading_pair.split("-", 1)
        if native_token == quote:
            price: Decimal | None = Decimal(1)
        elif native_token == base:
            price = trade.average_price or native_price
        else:
            price = native_price
        if price:
            fee += trade.tx_fee_native * price
    return fee


@dataclass(frozen=True, slots=True)
class CashFlow:
    """The money of a set of trades: quote paid and received, fees, base held net."""

    bought_quote: Decimal
    sold_quote: Decimal
    fees_quote: Decimal
    net_base: Decimal

    @property
    def volume_quote(self) -> Decimal:
        """Quote traded both ways."""
        return self.bought_quote + self.sold_quote

    def pnl(self, mark_price: Decimal) -> Decimal:
        """Net P&L in quote: received minus paid minus fees, with the base still held valued at
        ``mark_price``."""
        return self.sold_quote - self.bought_quote - self.fees_quote + self.net_base * mark_price


def cash_flow(
    trades: Iterable[TakerTrade], *, native_token: str, native_prices: dict[str, Decimal]
) -> CashFlow:
    """Sum ``trades`` (``native_prices`` by connector: the native token in quote there)."""
    bought = sold = fees = net = ZERO
    for trade in trades:
        if trade.side == "BUY":
            bought += trade.filled_quote
        else:
            sold += trade.filled_quote
        net += trade.signed_base
        fees += trade_fees_quote(
            trade, native_token=native_token, native_price=native_prices.get(trade.connector_name)
        )
    return CashFlow(bought_quote=bought, sold_quote=sold, fees_quote=fees, net_base=net)


def held_fills_of(
    trades: Iterable[TakerTrade],
    *,
    executor_id: str,
    controller_id: str,
    native_token: str,
    native_prices: dict[str, Decimal],
) -> list[tuple[HeldPositionKey, HeldFill]]:
    """One held fill per trade that moved something, under its own market's key (what each
    venue's inventory became), for the held-positions ledger."""
    fills = []
    for trade in trades:
        if trade.filled_base <= 0 or trade.ts is None:
            continue
        key = HeldPositionKey(
            controller_id=controller_id,
            connector=trade.connector_name,
            trading_pair=trade.trading_pair,
        )
        fee = trade_fees_quote(
            trade, native_token=native_token, native_price=native_prices.get(trade.connector_name)
        )
        fills.append(
            (
                key,
                HeldFill(
                    fill_id=f"{executor_id}:{trade.command_id}",
                    executor_id=executor_id,
                    side=trade.side,
                    base_amount=trade.filled_base,
                    quote_amount=trade.filled_quote,
                    fee_quote=fee,
                    ts=trade.ts,
                ),
            )
        )
    return fills
