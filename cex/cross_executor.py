"""The base of the cross-venue executors (XEMM and arbitrage): two markets, quotes, taker trades,
the unwind of a leg that failed, and the money of it all.

:class:`CrossVenueConfig` holds what both configs share: ``buying_market`` and
``selling_market`` (:class:`~lpexec.cex.cross_market.ConnectorPair`, checked interchangeable),
``order_amount``, the ``slippage`` of swap legs, ``max_retries``, how old a quote may be and the
native token network fees are paid in.

:class:`CrossVenueExecutor` keeps each market's last quote (:class:`LegQuoteUpdated`; market
data, kept without a revision of its own), sends taker trades (:func:`send_taker`) and counts
their answers, and **unwinds**: when a leg cannot be completed within ``max_retries`` the base
left over (bought net of sold) is traded back at the market where it is held (a long is sold on
the buying market, a short bought back on the selling market), again within ``max_retries``.
What still cannot be unwound, or what a ``keep_position`` stop asks to keep, ends the executor
POSITION_HOLD: every trade is handed to the held-positions ledger under its own market, with the
reason in the report. Nothing is dropped silently.

Money: :meth:`CrossVenueExecutor.metrics` reports the cash flow of every trade of the executor
(its maker orders too, for XEMM): received minus paid minus every fee (exchange fees, swap
network fees valued at the native token's price), any base still held marked at the buying
market's mid; ``net_pnl_pct`` is that over the quote paid (a ratio of the capital used, not of
the base amount as Hummingbot's, §16 quirk 7); the volume is the quote traded both ways.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar, Protocol, TypeVar

from pydantic import Field, model_validator

from lpexec.cex.cross_market import ConnectorPair, LegQuote, LegQuoteUpdated, check_markets
from lpexec.cex.cross_trades import (
    DUST,
    CashFlow,
    TakerTrade,
    apply_to_trades,
    cash_flow,
    held_fills_of,
    open_trade_refs,
    send_taker,
    unknown_trade_reason,
)
from lpexec.core import (
    CloseType,
    Command,
    Event,
    Executor,
    ExecutorConfig,
    ExecutorInfo,
    ExecutorMetrics,
    Exposure,
    HeldFill,
    HeldPositionKey,
    OrderRef,
)
from lpexec.core.money import ZERO
from lpexec.core.trade import Side

__all__ = ["CrossVenueConfig", "CrossVenueExecutor", "CrossVenueState"]


class CrossVenueConfig(ExecutorConfig):
    """What the XEMM and arbitrage configs share (see the module docstring).

    Attributes:
        buying_market: where base is bought.
        selling_market: where base is sold.
        order_amount: the base amount, > 0.
        slippage: the slippage bound of a swap leg (a ratio, 0.01 = 1 %).
        max_retries: how many failed trades of a leg (and of its unwind) are sent again.
        max_quote_age_seconds: a market's quote older than this is not acted on.
        native_token: the token swap network fees are paid in (valued in quote for the P&L).
        keep_position: False (the default) unwinds a leg that cannot be completed; True keeps
            it (POSITION_HOLD).
    """

    buying_market: ConnectorPair
    selling_market: ConnectorPair
    order_amount: Decimal = Field(gt=0, allow_inf_nan=False)
    slippage: Decimal = Field(default=Decimal("0.01"), ge=0, lt=Decimal("0.5"))
    max_retries: int = Field(default=3, ge=0)
    max_quote_age_seconds: float = Field(default=10.0, gt=0)
    native_token: str = Field(default="SOL", min_length=1)

    @model_validator(mode="after")
    def _markets(self) -> CrossVenueConfig:
        check_markets(self.buying_market, self.selling_market)
        return self

    def price_keys(self) -> frozenset[str]:
        """Both markets' keys (a pair on two venues is two streams)."""
        return frozenset({self.buying_market.key, self.selling_market.key})

    def exposure(self) -> Exposure:
        """What a run may move: ``order_amount`` base, valued at the buying market's price."""
        return Exposure(trading_pair=self.buying_market.trading_pair, base_amount=self.order_amount)


class CrossVenueState(Protocol):
    """What :class:`CrossVenueExecutor` reads and writes on its executor's state."""

    quotes: dict[str, LegQuote]
    trades: list[TakerTrade]
    unwind_failures: int
    stop_requested: bool
    stop_keeps_position: bool | None
    failure_reason: str
    failure_code: str


ConfigT = TypeVar("ConfigT", bound=CrossVenueConfig)
StateT = TypeVar("StateT", bound=CrossVenueState)


class CrossVenueExecutor(Executor[ConfigT, StateT]):
    """Quotes, taker trades, unwinds and money of a two-market executor (module docstring)."""

    __slots__ = ()

    unwind_triggers: ClassVar[Any]
    """The family's trigger enum; its ``RESEND``, ``UNWOUND`` and ``HOLD`` end an unwind."""

    # --- quotes -------------------------------------------------------------------------------

    def _keep_quote(self, event: LegQuoteUpdated) -> bool:
        """Keep ``event`` when it is one of the two markets' (no revision: market data)."""
        key = event.keys()[0]
        config = self.config
        if key not in (config.buying_market.key, config.selling_market.key):
            return False
        self.state.quotes[key] = LegQuote.of(event)
        return True

    def _fresh_quote(self, market: ConnectorPair, now: dt.datetime) -> LegQuote | None:
        quote = self.state.quotes.get(market.key)
        if quote is None or not quote.is_fresh(now, self.config.max_quote_age_seconds):
            return None
        return quote

    def _native_prices(self) -> dict[str, Decimal]:
        prices = {}
        for market in (self.config.buying_market, self.config.selling_market):
            quote = self.state.quotes.get(market.key)
            if quote is not None and quote.native_price is not None:
                prices[market.connector_name] = quote.native_price
        return prices

    # --- trades -------------------------------------------------------------------------------

    def _send(self, market: ConnectorPair, side: Side, amount: Decimal, purpose: str) -> Command:
        trade, command = send_taker(
            command_id=self._next_command_id(),
            executor_id=self.id,
            market=market,
            side=side,
            amount=amount,
            slippage=self.config.slippage,
            purpose=purpose,
        )
        self.state.trades.append(trade)
        return command

    def _trades_open(self) -> bool:
        return any(trade.is_open for trade in self.state.trades)

    def _trades_settled_by(self, event: Event) -> bool:
        """Apply a venue's answer to the trade it concerns; True when it changed one and no
        trade is in flight any more (time to decide what comes next)."""
        if apply_to_trades(self.state.trades, event) is None:
            return False
        self._touch()
        return not self._trades_open()

    def _extra_flow(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """Bought quote, sold quote, fees and net base of trades kept apart from
        ``state.trades`` (XEMM's maker orders); none here."""
        return ZERO, ZERO, ZERO, ZERO

    def _net_base(self) -> Decimal:
        """Base bought net of sold, over every trade."""
        return self._cash_flow().net_base

    def _is_flat(self, net: Decimal) -> bool:
        return abs(net) <= self.config.order_amount * DUST

    def _keeps_position(self) -> bool:
        keep = self.state.stop_keeps_position
        return self.config.keep_position if keep is None else keep

    def _unwind(self) -> Command:
        """The trade that takes the base left over back to flat (module docstring)."""
        net = self._net_base()
        config = self.config
        if net > 0:
            return self._send(config.buying_market, "SELL", net, "UNWIND")
        return self._send(config.selling_market, "BUY", -net, "UNWIND")

    def _unwind_answered(self, event: Event) -> list[Command]:
        """Every unwind trade answered: FAILED when flat (the loss realized), else the rest sent
        again within ``max_retries``, else POSITION_HOLD with the reason."""
        state, triggers = self.state, self.unwind_triggers
        net = self._net_base()
        if self._is_flat(net):
            state.failure_reason += "; unwound"
            self._fire(triggers.UNWOUND, close_type=CloseType.FAILED, now=event.ts_event)
            return []
        state.unwind_failures += 1
        if state.unwind_failures <= self.config.max_retries:
            self._fire(triggers.RESEND)
            return [self._unwind()]
        reason, code = self._last_reason("UNWIND")
        state.failure_reason += (
            f"; unwinding failed {state.unwind_failures} time(s): {reason}; {abs(net)} "
            f"{self.config.buying_market.base_token} is held"
        )
        state.failure_code = code or state.failure_code
        self._fire(triggers.HOLD, close_type=CloseType.POSITION_HOLD, now=event.ts_event)
        return []

    def _last_reason(self, purpose: str) -> tuple[str, str]:
        for trade in reversed(self.state.trades):
            if trade.purpose == purpose and trade.reason:
                return trade.reason, trade.code
        return "", ""

    # --- reporting ----------------------------------------------------------------------------

    def _cash_flow(self) -> CashFlow:
        flow = cash_flow(
            self.state.trades,
            native_token=self.config.native_token,
            native_prices=self._native_prices(),
        )
        bought, sold, fees, net = self._extra_flow()
        return CashFlow(
            bought_quote=flow.bought_quote + bought,
            sold_quote=flow.sold_quote + sold,
            fees_quote=flow.fees_quote + fees,
            net_base=flow.net_base + net,
        )

    def _mark_price(self) -> Decimal:
        quote = self.state.quotes.get(self.config.buying_market.key)
        if quote is None:
            return ZERO
        return (quote.buy_price + quote.sell_price) / 2

    def metrics(self) -> ExecutorMetrics:
        flow = self._cash_flow()
        pnl = flow.pnl(self._mark_price())
        return ExecutorMetrics(
            net_pnl_quote=pnl,
            net_pnl_pct=pnl / flow.bought_quote if flow.bought_quote > 0 else ZERO,
            fees_paid_quote=flow.fees_quote,
            volume_quote=flow.volume_quote,
        )

    def order_refs(self) -> list[OrderRef]:
        """Market orders not answered for good (for the order poller)."""
        return open_trade_refs(self.state.trades)

    def _stranded_reason(self) -> str | None:
        return unknown_trade_reason(self.state.trades)

    def info(self, now: dt.datetime, *, stranded_reason: str | None = None) -> ExecutorInfo:
        if stranded_reason is None:
            stranded_reason = self._stranded_reason()
        return super().info(now, stranded_reason=stranded_reason)

    def held_fills(self) -> list[Any]:
        """Every trade that moved something, each under its own market (POSITION_HOLD)."""
        fills: list[tuple[HeldPositionKey, HeldFill]] = held_fills_of(
            self.state.trades,
            executor_id=self.id,
            controller_id=self.config.controller_id,
            native_token=self.config.native_token,
            native_prices=self._native_prices(),
        )
        return fills
