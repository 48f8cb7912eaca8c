"""``ArbitrageExecutor``: buy on one market and sell on another at once, when the spread pays;
pure (``executors.md`` §9, decisions against §16 below).

**Watching.** Each market's quote for ``order_amount`` arrives as a
:class:`~lpexec.cex.cross_market.LegQuoteUpdated` (an order book's touch, a swap's quote). With
both quotes at most ``max_quote_age_seconds`` apart from the event, the executor computes, in
quote: ``cost = buy_price × amount`` on the buying market, ``proceeds = sell_price × amount`` on
the selling market, ``fees = cost × buy taker fee + proceeds × sell taker fee + both legs'
network fees``, and ``profitability = (proceeds − cost − fees) / cost``. When it is **strictly
greater** than ``min_profitability`` (Hummingbot's ``>``) it sends both legs at once: a MARKET
BUY (or a swap) on the buying market and a MARKET SELL (or a swap) on the selling market. A
market whose quote shows too little balance (base to sell, quote to buy with the fee) ends it
FAILED with close type INSUFFICIENT_BALANCE instead, nothing sent.

**Executing.** Each leg's answer is counted (:mod:`lpexec.cex.cross_trades`). Once no trade is
in flight: a leg that fell short (refused, failed, or a market order's rest canceled) is sent
again for what is missing, up to ``max_retries`` failures in all (Hummingbot re-sends at once
too). Both legs complete: COMPLETED. A leg still short: the base left over is **unwound**
(:class:`~lpexec.cex.cross_executor.CrossVenueExecutor`): traded back where it is held, ending
FAILED (flat, the loss realized, the reason in the report) or, when that also fails, or when
``keep_position`` says so, POSITION_HOLD with every trade in the held-positions ledger. Both legs
refused outright: FAILED, nothing held. A trade whose outcome stayed unknown keeps the executor
waiting, reported stranded with the reason, until the engine settles it.

**Stopping.** Before the legs are sent a stop ends it CANCELED (EARLY_STOP). Once sent, trades
cannot be called back: the stop is recorded, its ``keep_position`` decides between unwinding and
holding should a leg fail, and the outcomes end it.

Decisions against Hummingbot: P&L is reported whatever the ending (from the cash flow of every
trade, fees and network costs in), ``net_pnl_pct`` is over the quote paid, not the base amount
(§16 quirk 7), the executor stays ACTIVE while its legs are out (quirk 8), and a failed leg is
never left unhedged silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from lpexec.cex.arbitrage_config import ArbitrageDetails, ArbitrageExecutorConfig
from lpexec.cex.cross_executor import CrossVenueExecutor
from lpexec.cex.cross_market import ConnectorPair, LegQuote, LegQuoteUpdated
from lpexec.cex.cross_trades import TakerTrade
from lpexec.core import (
    CloseType,
    Command,
    Event,
    ExecutorStarted,
    ExecutorStatus,
    OutcomeEvent,
    StopRequested,
    TransitionTable,
    on,
)
from lpexec.core.money import ZERO
from lpexec.core.trade import Side

__all__ = [
    "ARBITRAGE_STATUS",
    "ARBITRAGE_TRANSITIONS",
    "ArbitrageDetails",
    "ArbitrageExecutor",
    "ArbitrageExecutorConfig",
    "ArbitrageExecutorState",
    "ArbitrageState",
    "ArbitrageTrigger",
]

logger = logging.getLogger(__name__)


class ArbitrageState(StrEnum):
    """Where an arbitrage stands."""

    NOT_STARTED = "NOT_STARTED"
    WATCHING = "WATCHING"  # waiting for a spread that pays
    EXECUTING = "EXECUTING"  # both legs sent
    UNWINDING = "UNWINDING"  # a leg failed for good: trading the rest back
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"
    HELD = "HELD"  # ended keeping what could not be unwound (POSITION_HOLD)


class ArbitrageTrigger(StrEnum):
    """What moves an arbitrage between states."""

    START = "START"
    EXECUTE = "EXECUTE"  # the spread beat min_profitability: both legs sent
    SHORT = "SHORT"  # a quote showed too little balance for a leg
    RESEND = "RESEND"  # a leg (or an unwind) fell short: send the rest again
    COMPLETE = "COMPLETE"
    UNWIND = "UNWIND"
    UNWOUND = "UNWOUND"
    HOLD = "HOLD"
    FAIL = "FAIL"  # both legs refused outright: nothing moved
    CANCEL = "CANCEL"


S, T = ArbitrageState, ArbitrageTrigger

ARBITRAGE_TRANSITIONS: TransitionTable[ArbitrageState, ArbitrageTrigger] = {
    (S.NOT_STARTED, T.START): S.WATCHING,
    (S.NOT_STARTED, T.CANCEL): S.CANCELED,  # stopped before it started
    (S.WATCHING, T.EXECUTE): S.EXECUTING,
    (S.WATCHING, T.SHORT): S.FAILED,  # INSUFFICIENT_BALANCE, nothing sent
    (S.WATCHING, T.CANCEL): S.CANCELED,
    (S.EXECUTING, T.RESEND): S.EXECUTING,
    (S.EXECUTING, T.COMPLETE): S.COMPLETED,
    (S.EXECUTING, T.UNWIND): S.UNWINDING,
    (S.EXECUTING, T.HOLD): S.HELD,  # a leg failed and keep_position keeps the rest
    (S.EXECUTING, T.FAIL): S.FAILED,  # nothing moved, or both legs moved alike
    (S.UNWINDING, T.RESEND): S.UNWINDING,
    (S.UNWINDING, T.UNWOUND): S.FAILED,  # flat again, the loss realized
    (S.UNWINDING, T.HOLD): S.HELD,  # the unwind failed too: reported, held
}

ARBITRAGE_STATUS: dict[ArbitrageState, ExecutorStatus] = {
    S.NOT_STARTED: ExecutorStatus.CREATED,
    S.WATCHING: ExecutorStatus.ACTIVE,
    S.EXECUTING: ExecutorStatus.ACTIVE,
    S.UNWINDING: ExecutorStatus.CLOSING,
    S.COMPLETED: ExecutorStatus.TERMINATED,
    S.CANCELED: ExecutorStatus.TERMINATED,
    S.FAILED: ExecutorStatus.TERMINATED,
    S.HELD: ExecutorStatus.TERMINATED,
}
"""The lifecycle status of each arbitrage state."""


@dataclass(slots=True)
class ArbitrageExecutorState:
    """Everything an arbitrage executor knows: the markets' last quotes (market data), the trades
    sent (legs, re-sends, unwinds), the counts and why it ended as it did."""

    arbitrage_state: ArbitrageState = ArbitrageState.NOT_STARTED
    quotes: dict[str, LegQuote] = field(default_factory=dict)
    trades: list[TakerTrade] = field(default_factory=list)
    last_profitability: Decimal | None = None
    executed_profitability: Decimal | None = None
    failures: int = 0
    unwind_failures: int = 0
    stop_requested: bool = False
    stop_keeps_position: bool | None = None
    failure_reason: str = ""
    failure_code: str = ""


class ArbitrageExecutor(CrossVenueExecutor[ArbitrageExecutorConfig, ArbitrageExecutorState]):
    """Two simultaneous taker legs (see module docstring). Pure: events in, commands out."""

    config_class = ArbitrageExecutorConfig
    state_class = ArbitrageExecutorState
    family_table = ARBITRAGE_TRANSITIONS
    family_status = ARBITRAGE_STATUS
    family_field = "arbitrage_state"
    unwind_triggers = ArbitrageTrigger

    @on(ExecutorStarted)
    def _started(self, _event: ExecutorStarted) -> list[Command]:
        self._fire(ArbitrageTrigger.START)
        return []

    # --- watching -----------------------------------------------------------------------------

    @on(LegQuoteUpdated)
    def _quoted(self, event: LegQuoteUpdated) -> list[Command]:
        if not self._keep_quote(event) or self.state.arbitrage_state is not S.WATCHING:
            return []
        return self._evaluate(event)

    def profitability(self, buy: LegQuote, sell: LegQuote) -> Decimal | None:
        """The net profit over the quote paid of trading ``order_amount`` at these quotes (None
        when a price is not positive); see the module docstring."""
        amount = self.config.order_amount
        if buy.buy_price <= 0 or sell.sell_price <= 0:
            return None
        cost, proceeds = buy.buy_price * amount, sell.sell_price * amount
        fees = (
            cost * buy.taker_fee
            + proceeds * sell.taker_fee
            + buy.network_fee_quote
            + sell.network_fee_quote
        )
        return (proceeds - cost - fees) / cost

    def _evaluate(self, event: LegQuoteUpdated) -> list[Command]:
        config, state = self.config, self.state
        buy = self._fresh_quote(config.buying_market, event.ts_event)
        sell = self._fresh_quote(config.selling_market, event.ts_event)
        if buy is None or sell is None:
            return []
        profitability = self.profitability(buy, sell)
        state.last_profitability = profitability
        if profitability is None or profitability <= config.min_profitability:
            return []
        shortage = self._shortage(buy, sell)
        if shortage:
            state.failure_reason, state.failure_code = shortage, "insufficient_balance"
            self._fire(T.SHORT, close_type=CloseType.INSUFFICIENT_BALANCE, now=event.ts_event)
            return []
        state.executed_profitability = profitability
        self._fire(T.EXECUTE)
        amount = config.order_amount
        return [
            self._send(config.buying_market, "BUY", amount, "BUY"),
            self._send(config.selling_market, "SELL", amount, "SELL"),
        ]

    def _shortage(self, buy: LegQuote, sell: LegQuote) -> str:
        config = self.config
        amount = config.order_amount
        needed = buy.buy_price * amount * (1 + buy.taker_fee)
        if buy.quote_available is not None and buy.quote_available < needed:
            market = config.buying_market
            return (
                f"insufficient balance on {market.connector_name}: expected at least {needed} "
                f"{market.quote_token} to buy {amount} {market.base_token}, received "
                f"{buy.quote_available} available; nothing was sent"
            )
        if sell.base_available is not None and sell.base_available < amount:
            market = config.selling_market
            return (
                f"insufficient balance on {market.connector_name}: expected at least {amount} "
                f"{market.base_token} to sell, received {sell.base_available} available; "
                "nothing was sent"
            )
        return ""

    # --- executing ----------------------------------------------------------------------------

    @on(OutcomeEvent)
    def _answered(self, event: OutcomeEvent) -> list[Command]:
        """Any venue answer (orders, swaps, refusals) to one of the trades."""
        family = self.state.arbitrage_state
        if family not in (S.EXECUTING, S.UNWINDING) or not self._trades_settled_by(event):
            return []
        if family is S.EXECUTING:
            return self._legs_answered(event)
        return self._unwind_answered(event)

    def _leg_filled(self, purpose: str) -> Decimal:
        return sum((t.filled_base for t in self.state.trades if t.purpose == purpose), ZERO)

    def _legs_answered(self, event: Event) -> list[Command]:
        config, state = self.config, self.state
        amount = config.order_amount
        resends: list[Command] = []
        legs: tuple[tuple[Side, ConnectorPair], ...] = (
            ("BUY", config.buying_market),
            ("SELL", config.selling_market),
        )
        for purpose, market in legs:
            missing = amount - self._leg_filled(purpose)
            if self._is_flat(missing):
                continue
            state.failures += 1
            if state.failures <= config.max_retries:
                logger.warning(
                    "arbitrage %s: the %s leg is %s short (%s); sending it again",
                    self.id,
                    purpose,
                    missing,
                    self._last_reason(purpose)[0],
                )
                resends.append(self._send(market, purpose, missing, purpose))
        if resends:
            self._fire(T.RESEND)
            return resends
        buy_short = not self._is_flat(amount - self._leg_filled("BUY"))
        sell_short = not self._is_flat(amount - self._leg_filled("SELL"))
        if not buy_short and not sell_short:
            self._fire(T.COMPLETE, close_type=CloseType.COMPLETED, now=event.ts_event)
            return []
        reason, code = self._last_reason("BUY" if buy_short else "SELL")
        leg = "buy" if buy_short else "sell"
        state.failure_reason = (
            f"the {leg} leg could not be completed after {state.failures} failure(s) "
            f"(max_retries={config.max_retries}): {reason}"
        )
        state.failure_code = code
        if self._is_flat(self._net_base()):
            state.failure_reason += "; nothing is left over"
            self._fire(T.FAIL, close_type=CloseType.FAILED, now=event.ts_event)
            return []
        if self._keeps_position():
            state.failure_reason += "; the rest is kept (keep_position)"
            self._fire(T.HOLD, close_type=CloseType.POSITION_HOLD, now=event.ts_event)
            return []
        self._fire(T.UNWIND)
        return [self._unwind()]

    # --- stopping -----------------------------------------------------------------------------

    @on(StopRequested)
    def _stop(self, event: StopRequested) -> list[Command]:
        state = self.state
        if state.arbitrage_state in (S.NOT_STARTED, S.WATCHING):
            state.stop_requested = True
            self._fire(T.CANCEL, close_type=CloseType.EARLY_STOP, now=event.ts_event)
            return []
        if not state.stop_requested:
            # Sent trades cannot be called back: their outcomes end the executor.
            state.stop_requested, state.stop_keeps_position = True, event.keep_position
            self._touch()
        return []

    # --- reporting ----------------------------------------------------------------------------

    def details(self) -> ArbitrageDetails:
        config, state = self.config, self.state
        flow = self._cash_flow()
        legs = {
            purpose: [t for t in state.trades if t.purpose == purpose]
            for purpose in ("BUY", "SELL", "UNWIND")
        }

        def average(trades: list[TakerTrade]) -> Decimal:
            base = sum((t.filled_base for t in trades), ZERO)
            quote = sum((t.filled_quote for t in trades), ZERO)
            return quote / base if base > 0 else ZERO

        return ArbitrageDetails(
            state=state.arbitrage_state.value,
            buying_connector=config.buying_market.connector_name,
            buying_pair=config.buying_market.trading_pair,
            selling_connector=config.selling_market.connector_name,
            selling_pair=config.selling_market.trading_pair,
            order_amount=config.order_amount,
            min_profitability=config.min_profitability,
            last_profitability=state.last_profitability,
            executed_profitability=state.executed_profitability,
            bought_base=self._leg_filled("BUY"),
            sold_base=self._leg_filled("SELL"),
            buy_average_price=average(legs["BUY"]),
            sell_average_price=average(legs["SELL"]),
            unwound_base=self._leg_filled("UNWIND"),
            net_base=flow.net_base,
            bought_quote=flow.bought_quote,
            sold_quote=flow.sold_quote,
            fees_quote=flow.fees_quote,
            trades=len(state.trades),
            failures=state.failures,
            unwind_failures=state.unwind_failures,
            stop_requested=state.stop_requested,
            failure_reason=state.failure_reason,
            failure_code=state.failure_code,
        )
