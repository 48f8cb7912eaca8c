"""``XEMMExecutor``: cross-exchange market making, one maker order hedged at the other market;
pure (``executors.md`` §8, decisions against §16 below).

``maker_side`` BUY rests a buy on ``buying_market`` and hedges each fill with a sell on
``selling_market``; SELL rests a sell on ``selling_market`` and hedges with a buy on
``buying_market``. The maker market is an order book; the hedge is a MARKET order or a swap.

**Pricing.** From the two markets' quotes (:class:`~lpexec.cex.cross_market.LegQuoteUpdated`,
both at most ``max_quote_age_seconds`` old): the taker price is what the hedge gets for
``order_amount`` (the taker market's sell price for a maker BUY, its buy price for a maker SELL),
and the cost ratio ``tx = maker fee + taker fee + taker network fee / (taker price × amount)``.
The maker order goes at the target: BUY ``taker / (1 + target + tx)``, SELL
``taker / (1 − target − tx)``, kept on its own side of the maker market's touch (a BUY at most
the best bid, a SELL at least the best ask: the order is post-only, LIMIT_MAKER, and a price
through the touch would be refused; behind the touch it earns more than the target). Its
profitability at the current quotes is BUY ``(taker − price) / price − tx``, SELL
``(price − taker) / price − tx``; on every quote, a confirmed maker order whose profitability is
**strictly** below ``min_profitability`` or above ``max_profitability`` is canceled (REFRESHING)
and, once the venue confirms the cancel, replaced at the new price; there are never two maker
orders live. An order already at the price it would be replaced at is kept (no cancel and
replace for nothing, e.g. one held at the touch). A maker order the venue refuses anyway (the
touch moved) is quoted again.

**Hedging.** When the maker order ends with fills (filled; or canceled, for a refresh or a stop,
after partial fills) what filled and is not hedged yet is sent to the taker market at once
(HEDGING). A hedge that falls short is sent again for the rest, up to ``max_retries``; then the
unhedged base is unwound on the maker market (or kept with ``keep_position``), as in
:class:`~lpexec.cex.cross_executor.CrossVenueExecutor`. Hedged: COMPLETED once ``order_amount``
was made, else back to WAITING and a new maker order for the rest. A maker order refused, failed
or canceled by the venue with nothing filled is quoted again at the next quote, up to
``max_retries`` in all; one more ends it FAILED.

**Stopping.** With no maker order the executor ends CANCELED (EARLY_STOP). A live maker order is
canceled first; what it filled is hedged (EARLY_STOP once flat) or, with ``keep_position``, held
(POSITION_HOLD). A hedge or an unwind in flight finishes first.

Decisions against Hummingbot (§16 quirk 7): success has close type COMPLETED (not None); P&L
follows the maker side (bought and sold quote from every maker fill and hedge, maker and taker
fees, a swap hedge's network fee) and is reported at every moment; ``net_pnl_pct`` is over the
quote paid; a maker order not yet confirmed is never canceled for a 0 profitability; partial
maker fills are hedged, never lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from lpexec.cex.cross_executor import CrossVenueExecutor
from lpexec.cex.cross_market import LegQuoteUpdated
from lpexec.cex.tracking import (
    OrderPhase,
    TrackedOrder,
    cancel,
    cancel_again,
    cancel_refused_reason,
    outcome_unknown_reason,
    place,
)
from lpexec.cex.xemm_config import XEMMDetails, XEMMExecutorConfig
from lpexec.cex.xemm_states import (
    XEMM_STATUS,
    XEMM_TRANSITIONS,
    XEMMExecutorState,
    XEMMState,
    XEMMTrigger,
)
from lpexec.core import (
    CloseType,
    Command,
    CommandFailed,
    Event,
    ExecutorStarted,
    HeldFill,
    HeldPositionKey,
    OrderCanceled,
    OrderCreated,
    OrderFailed,
    OrderFilled,
    OrderRef,
    OutcomeEvent,
    StopRequested,
    on,
)
from lpexec.core.money import ZERO

__all__ = [
    "XEMM_STATUS",
    "XEMM_TRANSITIONS",
    "XEMMDetails",
    "XEMMExecutor",
    "XEMMExecutorConfig",
    "XEMMExecutorState",
    "XEMMState",
    "XEMMTrigger",
]

logger = logging.getLogger(__name__)

_SAME = Decimal("1e-9")
"""Two maker prices this close (relative) are the same price."""


S, T = XEMMState, XEMMTrigger


class XEMMExecutor(CrossVenueExecutor[XEMMExecutorConfig, XEMMExecutorState]):
    """One maker order hedged at the other market (see module docstring). Pure."""

    config_class = XEMMExecutorConfig
    state_class = XEMMExecutorState
    family_table = XEMM_TRANSITIONS
    family_status = XEMM_STATUS
    family_field = "xemm_state"
    unwind_triggers = XEMMTrigger

    @on(ExecutorStarted)
    def _started(self, _event: ExecutorStarted) -> list[Command]:
        self._fire(T.START)
        return []

    # --- pricing ------------------------------------------------------------------------------

    def _priced(self, now: dt.datetime) -> tuple[Decimal, Decimal] | None:
        """The taker price and the cost ratio ``tx`` at fresh quotes (None without both)."""
        config = self.config
        maker = self._fresh_quote(config.maker_market, now)
        taker = self._fresh_quote(config.taker_market, now)
        if maker is None or taker is None:
            return None
        price = taker.sell_price if config.maker_side == "BUY" else taker.buy_price
        if price <= 0:
            return None
        network = taker.network_fee_quote + maker.network_fee_quote
        return price, maker.maker_fee + taker.taker_fee + network / (price * config.order_amount)

    def target_price(self, taker_price: Decimal, tx: Decimal) -> Decimal | None:
        """The maker price that earns ``target_profitability`` net of ``tx`` (None: none can)."""
        target = self.config.target_profitability
        if self.config.maker_side == "BUY":
            return taker_price / (1 + target + tx)
        denominator = 1 - target - tx
        return taker_price / denominator if denominator > 0 else None

    def profitability(self, maker_price: Decimal, taker_price: Decimal, tx: Decimal) -> Decimal:
        """The net profitability of a maker order at ``maker_price`` (module docstring)."""
        if self.config.maker_side == "BUY":
            return (taker_price - maker_price) / maker_price - tx
        return (maker_price - taker_price) / maker_price - tx

    def maker_price(self, now: dt.datetime) -> Decimal | None:
        """The price a maker order placed now gets: the target, kept on its own side of the
        maker market's touch (None without fresh quotes, or when no price earns the target)."""
        priced = self._priced(now)
        if priced is None:
            return None
        price = self.target_price(*priced)
        if price is None or price <= 0:
            return None
        touch = self.state.quotes[self.config.maker_market.key]
        if self.config.maker_side == "BUY":
            return min(price, touch.sell_price) if touch.sell_price > 0 else price
        return max(price, touch.buy_price)

    @on(LegQuoteUpdated)
    def _quoted(self, event: LegQuoteUpdated) -> list[Command]:
        if not self._keep_quote(event):
            return []
        family = self.state.xemm_state
        if family is S.WAITING:
            return self._place_maker(T.PLACE, event.ts_event)
        order = self.state.live_maker
        if family is not S.QUOTING or order is None or order.phase is not OrderPhase.OPEN:
            return []
        priced = self._priced(event.ts_event)
        if priced is None or order.price is None:
            return []
        current = self.profitability(order.price, *priced)
        self.state.last_profitability = current
        config = self.config
        if config.min_profitability <= current <= config.max_profitability:
            return []
        replacement = self.maker_price(event.ts_event)
        if replacement is not None and abs(replacement - order.price) <= order.price * _SAME:
            return []  # it would be replaced by itself
        self.state.refreshes += 1
        self._fire(T.REFRESH)
        return [self._cancel_maker(order)]

    def _place_maker(self, trigger: XEMMTrigger, now: dt.datetime) -> list[Command]:
        """Place a maker order for what is left at :meth:`maker_price` (nothing without fresh
        quotes)."""
        price = self.maker_price(now)
        if price is None:
            return []
        config, state = self.config, self.state
        market = config.maker_market
        order, command = place(
            command_id=self._next_command_id(),
            executor_id=self.id,
            venue=market.connector_name,
            trading_pair=market.trading_pair,
            side=config.maker_side,
            order_type="LIMIT_MAKER",
            amount=config.order_amount - self._maker_filled(),
            price=price,
        )
        state.maker_orders.append(order)
        priced = self._priced(now)
        if priced is not None:
            state.last_profitability = self.profitability(price, *priced)
        self._fire(trigger)
        return [command]

    def _cancel_maker(self, order: TrackedOrder) -> Command:
        market = self.config.maker_market
        return cancel(
            order,
            command_id=self._next_command_id(),
            executor_id=self.id,
            venue=market.connector_name,
            trading_pair=market.trading_pair,
        )

    # --- answers --------------------------------------------------------------------------------

    @on(OutcomeEvent)
    def _answered(self, event: OutcomeEvent) -> list[Command]:
        """Any venue answer: to the maker order, or to a hedge or unwind."""
        order = self._maker_of(event)
        if order is not None:
            return self._maker_answered(order, event)
        family = self.state.xemm_state
        if family not in (S.HEDGING, S.UNWINDING) or not self._trades_settled_by(event):
            return []
        if family is S.HEDGING:
            return self._hedge_answered(event)
        return self._unwind_answered(event)

    def _maker_of(self, event: Event) -> TrackedOrder | None:
        client_order_id = getattr(event, "client_order_id", None)
        for order in reversed(self.state.maker_orders):
            if client_order_id is not None:
                if order.client_order_id == client_order_id:
                    return order
            elif isinstance(event, CommandFailed) and event.command_id in (
                order.command_id,
                order.cancel_command_id,
            ):
                return order
        return None

    def _maker_answered(self, order: TrackedOrder, event: Event) -> list[Command]:
        state = self.state
        live = order is state.live_maker
        if isinstance(event, OrderFilled):
            if not order.count_fill(event):
                return []
            state.outcome_unknown = False
            if live and order.is_done:
                return self._maker_ended(event)
            self._touch()
            return []
        if not live:
            return []
        if isinstance(event, OrderCreated):
            if order.phase is OrderPhase.PLACING or state.outcome_unknown:
                order.phase, state.outcome_unknown = OrderPhase.OPEN, False
                order.venue_order_id = event.venue_order_id or order.venue_order_id
                self._touch()
            return []
        if isinstance(event, OrderCanceled):
            order.phase, state.outcome_unknown = OrderPhase.CANCELED, False
            return self._maker_ended(event)
        if isinstance(event, OrderFailed):
            order.phase, order.reason = OrderPhase.FAILED, event.reason
            return self._maker_ended(event)
        if isinstance(event, CommandFailed):
            if event.command_id == order.cancel_command_id:
                return self._cancel_failed(order, event)
            if event.code == "outcome_unknown":
                state.outcome_unknown = True
                state.failure_reason = outcome_unknown_reason(order, event.reason)
                state.failure_code = event.code
                self._touch()
                return []
            order.phase, order.reason = OrderPhase.FAILED, event.reason
            return self._maker_ended(event)
        return []

    def _maker_ended(self, event: Event) -> list[Command]:
        """The live maker order ended (filled, canceled or failed)."""
        state, config = self.state, self.config
        family = state.xemm_state
        unhedged = self._unhedged()
        if family is S.CANCELING:
            if self._is_flat(unhedged):
                self._fire(T.CANCELED, close_type=CloseType.EARLY_STOP, now=event.ts_event)
                return []
            if self._keeps_position():
                state.failure_reason = f"stopped keeping {unhedged} unhedged (keep_position)"
                self._fire(T.HOLD, close_type=CloseType.POSITION_HOLD, now=event.ts_event)
                return []
            self._fire(T.HEDGE)
            return [self._hedge(unhedged)]
        if not self._is_flat(unhedged):
            self._fire(T.HEDGE)
            return [self._hedge(unhedged)]
        if family is S.REFRESHING:
            placed = self._place_maker(T.PLACE, event.ts_event)
            if not placed:
                self._fire(T.RETRY)
            return placed
        order = state.maker_orders[-1]
        state.maker_failures += 1
        reason = order.reason or f"order {order.client_order_id} was canceled by the venue"
        if state.maker_failures > config.max_retries:
            state.failure_reason = (
                f"the maker order failed {state.maker_failures} time(s) "
                f"(max_retries={config.max_retries}): {reason}"
            )
            self._fire(T.FAIL, close_type=CloseType.FAILED, now=event.ts_event)
            return []
        logger.warning("xemm %s: maker order ended unfilled (%s); quoting again", self.id, reason)
        self._fire(T.RETRY)
        return []

    def _cancel_failed(self, order: TrackedOrder, event: CommandFailed) -> list[Command]:
        state, config = self.state, self.config
        family = state.xemm_state
        if family not in (S.REFRESHING, S.CANCELING):
            return []
        if cancel_again(event):
            self._fire(T.RECANCEL)
            return [self._cancel_maker(order)]
        reason = cancel_refused_reason(order, event.reason)
        state.maker_failures += 1
        if family is S.CANCELING or state.maker_failures > config.max_retries:
            state.failure_reason, state.failure_code = reason, event.code
            self._fire(T.FAIL, close_type=CloseType.FAILED, now=event.ts_event)
            return []
        order.phase = OrderPhase.OPEN  # still the venue's: the order poller reads it
        self._fire(T.KEEP)
        return []

    # --- hedging ------------------------------------------------------------------------------

    def _maker_filled(self) -> Decimal:
        return sum((order.filled_base for order in self.state.maker_orders), ZERO)

    def _hedged(self) -> Decimal:
        return sum((t.filled_base for t in self.state.trades if t.purpose == "HEDGE"), ZERO)

    def _unhedged(self) -> Decimal:
        return self._maker_filled() - self._hedged()

    def _hedge(self, amount: Decimal) -> Command:
        config = self.config
        return self._send(config.taker_market, config.taker_side, amount, "HEDGE")

    def _hedge_answered(self, event: Event) -> list[Command]:
        state, config = self.state, self.config
        unhedged = self._unhedged()
        if not self._is_flat(unhedged):
            state.hedge_failures += 1
            if state.hedge_failures <= config.max_retries:
                self._fire(T.RESEND)
                return [self._hedge(unhedged)]
            reason, code = self._last_reason("HEDGE")
            state.failure_reason = (
                f"the hedge could not be completed after {state.hedge_failures} failure(s) "
                f"(max_retries={config.max_retries}): {reason}"
            )
            state.failure_code = code
            if self._keeps_position():
                state.failure_reason += "; the unhedged rest is kept (keep_position)"
                self._fire(T.HOLD, close_type=CloseType.POSITION_HOLD, now=event.ts_event)
                return []
            self._fire(T.UNWIND)
            return [self._unwind()]
        if state.stop_requested:
            self._fire(T.STOPPED, close_type=CloseType.EARLY_STOP, now=event.ts_event)
            return []
        if self._is_flat(config.order_amount - self._maker_filled()):
            self._fire(T.COMPLETE, close_type=CloseType.COMPLETED, now=event.ts_event)
            return []
        self._fire(T.NEXT)
        return self._place_maker(T.PLACE, event.ts_event)

    # --- stopping -----------------------------------------------------------------------------

    @on(StopRequested)
    def _stop(self, event: StopRequested) -> list[Command]:
        state = self.state
        family = state.xemm_state
        if not state.stop_requested:
            state.stop_requested, state.stop_keeps_position = True, event.keep_position
            self._touch()
        if family in (S.NOT_STARTED, S.WAITING):
            self._fire(T.CANCEL, close_type=CloseType.EARLY_STOP, now=event.ts_event)
            return []
        if family is S.REFRESHING:
            self._fire(T.CANCEL)  # the cancel in flight serves the stop
            return []
        order = state.live_maker
        if family is S.QUOTING and order is not None:
            self._fire(T.CANCEL)
            return [self._cancel_maker(order)]
        return []  # canceling, hedging or unwinding: their outcomes end it

    # --- reporting ----------------------------------------------------------------------------

    def _extra_flow(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        bought = sold = fees = net = ZERO
        for order in self.state.maker_orders:
            fees += order.fees_quote
            if order.side == "BUY":
                bought += order.filled_quote
                net += order.filled_base
            else:
                sold += order.filled_quote
                net -= order.filled_base
        return bought, sold, fees, net

    def order_refs(self) -> list[OrderRef]:
        """The live maker order and any market order not answered yet (for the order poller)."""
        refs = super().order_refs()
        order = self.state.live_maker
        if order is not None:
            market = self.config.maker_market
            refs.append(order.ref(market.connector_name, market.trading_pair))
        return refs

    def _stranded_reason(self) -> str | None:
        state = self.state
        if state.outcome_unknown:
            return state.failure_reason
        return super()._stranded_reason()

    def held_fills(self) -> list[Any]:
        """The maker orders' fills and every trade, each under its own market."""
        config = self.config
        market = config.maker_market
        key = HeldPositionKey(
            controller_id=config.controller_id,
            connector=market.connector_name,
            trading_pair=market.trading_pair,
        )
        fills: list[Any] = [
            (
                key,
                HeldFill(
                    fill_id=f"{self.id}:{order.client_order_id}",
                    executor_id=self.id,
                    side=order.side,
                    base_amount=order.filled_base,
                    quote_amount=order.filled_quote,
                    fee_quote=order.fees_quote,
                    ts=self.ts_last,
                ),
            )
            for order in self.state.maker_orders
            if order.filled_base > 0
        ]
        return fills + super().held_fills()

    def details(self) -> XEMMDetails:
        config, state = self.config, self.state
        hedges = [t for t in state.trades if t.purpose == "HEDGE"]
        hedged = self._hedged()
        hedged_quote = sum((t.filled_quote for t in hedges), ZERO)
        maker_base = self._maker_filled()
        maker_quote = sum((o.filled_quote for o in state.maker_orders), ZERO)
        live = state.live_maker
        flow = self._cash_flow()
        return XEMMDetails(
            state=state.xemm_state.value,
            maker_connector=config.maker_market.connector_name,
            taker_connector=config.taker_market.connector_name,
            maker_side=config.maker_side,
            order_amount=config.order_amount,
            target_profitability=config.target_profitability,
            maker_price=live.price if live is not None else None,
            last_profitability=state.last_profitability,
            maker_orders=len(state.maker_orders),
            refreshes=state.refreshes,
            maker_filled_base=maker_base,
            maker_average_price=maker_quote / maker_base if maker_base > 0 else ZERO,
            hedged_base=hedged,
            hedge_average_price=hedged_quote / hedged if hedged > 0 else ZERO,
            unwound_base=sum((t.filled_base for t in state.trades if t.purpose == "UNWIND"), ZERO),
            net_base=flow.net_base,
            fees_quote=flow.fees_quote,
            maker_failures=state.maker_failures,
            hedge_failures=state.hedge_failures,
            unwind_failures=state.unwind_failures,
            stop_requested=state.stop_requested,
            failure_reason=state.failure_reason,
            failure_code=state.failure_code,
        )
