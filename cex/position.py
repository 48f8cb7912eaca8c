"""``PositionExecutor``: a position with a triple barrier on an order-book venue, with no I/O.

It enters with one order (``open_order_type`` MARKET, LIMIT or LIMIT_MAKER, at ``entry_price``)
for ``amount`` base, then exits on the first barrier that fires: stop loss, trailing stop, take
profit, time limit; or on a stop. Exits are MARKET orders for what is left to close; a LIMIT or
LIMIT_MAKER take profit instead rests as an order from the moment the entry fills. Spot and
perpetual markets, BUY (long) and SELL (short) positions. Semantics follow Hummingbot's
PositionExecutor (``executors.md`` §3) with the decisions below.

Barriers (``triple_barrier_config``, ratios of **net** P&L as in Hummingbot: the entry fees count).
When the entry fills, each barrier is turned once into a price, exact in 28-digit ``Decimal``
(``e`` the fill-weighted entry price, ``f`` = entry fees / entry notional):

=============  ==============================  ==============================  ==========
barrier        BUY fires when price ...        SELL fires when price ...       boundary
=============  ==============================  ==============================  ==========
stop loss      ``<= e x (1 - stop_loss + f)``  ``>= e x (1 + stop_loss - f)``  inclusive
take profit    ``>= e x (1 + take_profit+f)``  ``<= e x (1 - take_profit-f)``  inclusive
trailing arm   ``> e x (1 + activation + f)``  ``< e x (1 - activation - f)``  exclusive
trailing fire  ``< peak - delta x e``          ``> trough + delta x e``        exclusive
time limit     ``now >= created_at + time_limit`` (Tick or PriceUpdated)       inclusive
=============  ==============================  ==============================  ==========

They are checked on every :class:`~lpexec.core.messages.PriceUpdated` of the pair in Hummingbot's
order (stop loss, trailing stop, take profit, then time limit); the first that fires closes, so
one price never fires two. The trailing stop arms without firing; once armed, each new peak
(BUY; trough for SELL) beyond the last raises (lowers) the stop price by the move. The price
checked is the side one closes into, as Hummingbot's: the best bid for a long and the best ask
for a short when the event carries the book (:class:`~lpexec.cex.chaser.TopOfBookUpdated`),
else the published reference price; the activation bounds compare with the reference (mid).

Decisions on Hummingbot's quirks (``executors.md`` §16):

1. Inclusivity: as Hummingbot (table above), so configs carried over behave the same.
2. A LIMIT or LIMIT_MAKER take profit is an order resting at ``e x (1 +/- take_profit)`` (not
   fee-adjusted, as Hummingbot) and the market check is off while it rests: the order is the take
   profit. If the venue refuses or cancels it, the take profit falls back to the market check, so
   the position never loses its take profit.
3. Partial entry fills are never lost: an entry order canceled (out of the activation bounds, or
   by the venue) keeps its fills, and the next entry order asks only for the rest. Every exit
   closes (or holds) everything that filled.
5. POSITION_HOLD hands every fill (entry and exit orders, one record each, plus funding) to the
   held-positions ledger, which owns the P&L of what is held: the executor reports
   ``net_pnl_quote`` 0 (not Hummingbot's -fees, which the ledger would subtract again), its fees
   paid, and the quote it traded as volume (not 0), like the OrderExecutor.
8. An executor unwinding (CLOSING) is still live: it reports status CLOSING, receives events and
   counts in the engine's ``active_count`` until it terminates (Hummingbot counts SHUTTING_DOWN as
   inactive, so a controller may open a level twice).
9. Stopped without a choice (``keep_position`` None), it flattens: the config default is False,
   Hummingbot's default for position executors at bot stop.
10. Unlike Hummingbot, a running position survives a restart: its state (orders, fills, barrier
    prices, trailing stop) is in every snapshot and the engine resumes it.

Other decisions:

- Time limit: counted from ``created_at`` and bounding the whole life, entry included (as
  Hummingbot). A start at or after it ends EXPIRED with no order placed.
- Activation bounds (``[near, far]`` ratios, Hummingbot's formulas and inclusive bounds) gate the
  entry order against the price: it is placed when the price is within, canceled when it leaves
  (fills kept), placed again for the rest when it comes back. They need a price, so an executor
  with bounds (or a LIMIT entry without ``entry_price``, placed at the first price) waits for
  one. They gate the resting take profit the same way (Hummingbot's limit formula on the close
  side at its price): it rests while the price is within, is canceled when the price leaves
  (fills kept) and rests again for the rest when it comes back.
- P&L: realized on what closed plus unrealized on what is open at the last price; net of every
  fee and of funding (:class:`~lpexec.cex.messages.FundingPaid`, counted once per payment id, not
  moving the barriers). ``net_pnl_pct`` = net P&L / entry notional (a ratio).
- Failures (one retry count for the whole executor, as Hummingbot): a retryable refusal of the
  entry, or an entry canceled by the venue, sends the entry again for the rest; a refusal for
  good, or retries spent, ends FAILED when nothing filled, else closes what filled (close type
  FAILED; held instead with ``keep_position``). Exit orders that fail or are canceled before
  filling are placed again for the rest, then the executor ends FAILED saying what may still be
  open; a refused cancel is sent again, then ends FAILED saying the order may be open. A place
  whose outcome is unknown waits for the venue's record (the order poller reads it by client
  order id) and is reported stranded meanwhile.
- Stops: ``StopRequested.keep_position`` (else the config's, default False) flattens (EARLY_STOP)
  or holds (POSITION_HOLD) after canceling live orders; a stop while already closing changes
  nothing. Perpetual exits carry ``position_action="CLOSE"`` (reduce-only, they can never flip the
  position), also in one-way mode where Hummingbot sends OPEN; spot orders carry none.

Hummingbot configs: a ``PositionExecutorConfig`` from Hummingbot as JSON data
(``model_dump(mode="json")``, or the same dict with its enums as their values) validates
unchanged: ``type`` must be ``position_executor`` (or ``position``), ``side`` may be its
``TradeType`` value (1 BUY, 2 SELL), order types its ``OrderType`` values (1 MARKET, 2 LIMIT,
3 LIMIT_MAKER), ``id`` may be None (generated), and ``timestamp`` is dropped (the time limit runs
from the engine's ``created_at``), as for the OrderExecutor.

Not done: ``leverage`` is carried and reported but no command sets it on the venue; trading rules
(min order size and notional) are not checked before placing; LIMIT_MAKER prices are not
clamped to the book.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lpexec.cex.barriers import long_barrier, pnl_price, short_barrier
from lpexec.cex.base import CexExecutor
from lpexec.cex.chaser import TopOfBookUpdated
from lpexec.cex.held_orders import held_fills_of, held_order_records
from lpexec.cex.messages import FundingPaid
from lpexec.cex.position_config import (
    PositionDetails,
    PositionExecutorConfig,
    TrailingStop,
    TripleBarrierConfig,
)
from lpexec.cex.position_states import (
    POSITION_STATUS,
    POSITION_TRANSITIONS,
    PositionExecutorState,
    PositionState,
    PositionTrigger,
)
from lpexec.cex.tracking import (
    DONE_PHASES,
    OrderPhase,
    TrackedOrder,
    cancel_refused_reason,
    outcome_unknown_reason,
)
from lpexec.core import (
    UTC,
    CloseType,
    Command,
    CommandFailed,
    ExecutorMetrics,
    ExecutorStarted,
    ExecutorStatus,
    HeldFill,
    HeldPositionKey,
    OrderCanceled,
    OrderCreated,
    OrderFailed,
    OrderFilled,
    OrderRef,
    PositionAction,
    PriceUpdated,
    StopRequested,
    Tick,
    on,
)
from lpexec.core.money import ZERO, ratio
from lpexec.core.trade import Side

__all__ = [
    "POSITION_STATUS",
    "POSITION_TRANSITIONS",
    "PositionDetails",
    "PositionExecutor",
    "PositionExecutorConfig",
    "PositionExecutorState",
    "PositionState",
    "PositionTrigger",
    "TrailingStop",
    "TripleBarrierConfig",
]

ONE = Decimal(1)
T = PositionTrigger

_NOTHING: list[Command] = []
"""Returned when nothing is wanted (no allocation per price); never mutated by the engine."""

# --- executor -------------------------------------------------------------------------------

_ENTERING = (PositionState.WAITING, PositionState.OPENING)
_TIMED = (PositionState.WAITING, PositionState.OPENING, PositionState.OPEN)


class PositionExecutor(CexExecutor[PositionExecutorConfig, PositionExecutorState]):
    """A triple-barrier position (see module docstring). Pure: events in, commands out."""

    config_class = PositionExecutorConfig
    state_class = PositionExecutorState
    family_table = POSITION_TRANSITIONS
    family_status = POSITION_STATUS
    family_field = "position_state"
    wants_ticks = True
    prices_cover_ticks = True
    """A tick right after a price of the same time changes nothing: the price handler checks
    the time limit first, in every state the tick checks it in (an engine may skip that tick,
    see :meth:`Engine.tick <lpexec.core.Engine.tick>`)."""

    __slots__ = ("_gated_take_profit", "_is_buy", "_perpetual", "_unbounded")

    def __init__(
        self,
        config: PositionExecutorConfig,
        *,
        created_at: dt.datetime,
        state: PositionExecutorState | None = None,
    ) -> None:
        super().__init__(config, created_at=created_at, state=state)
        self._is_buy = config.side == "BUY"
        self._perpetual = config.perpetual  # the config is frozen: read once
        self._unbounded = config.activation_bounds is None
        barriers = config.triple_barrier_config
        self._gated_take_profit = (
            config.activation_bounds is not None
            and barriers.take_profit is not None
            and barriers.take_profit_order_type != "MARKET"
        )
        end = self.state.end_time
        if end is not None and end.tzinfo is not UTC:
            # A restored time carries pydantic's own UTC object; comparing datetimes with two
            # different tzinfo objects costs ~1 us more on every price (bench/cex_position.py).
            self.state.end_time = end.astimezone(UTC)

    # --- starting and entering ----------------------------------------------------------------

    @on(ExecutorStarted)
    def _started(self, event: ExecutorStarted) -> list[Command]:
        state, barriers = self.state, self.config.triple_barrier_config
        if state.position_state is not PositionState.NOT_STARTED:
            return _NOTHING  # started once only
        if barriers.time_limit is not None:
            state.end_time = self.created_at + dt.timedelta(seconds=barriers.time_limit)
            if event.ts_event >= state.end_time:
                self._fire(T.END, close_type=CloseType.EXPIRED, now=event.ts_event)
                return _NOTHING
        if self._needs_price():
            self._fire(T.WAIT)
            return _NOTHING
        return [self._place_open(None)]

    def _needs_price(self) -> bool:
        config = self.config
        if config.activation_bounds is not None:
            return True
        return (
            config.triple_barrier_config.open_order_type != "MARKET" and config.entry_price is None
        )

    def _place_open(self, price: Decimal | None) -> Command:
        """Send an entry order for what is not filled yet (limit at ``entry_price`` or
        ``price``)."""
        config, state = self.config, self.state
        order_type = config.triple_barrier_config.open_order_type
        limit = None if order_type == "MARKET" else (config.entry_price or price)
        order, command = self._place_order(
            config.side, order_type, config.amount - state.open_base, limit, self._action("OPEN")
        )
        state.open_orders.append(order)
        self._fire(T.PLACE)
        return command

    def _action(self, action: PositionAction) -> PositionAction | None:
        return action if self._perpetual else None

    def _within_bounds(self, mid: Decimal) -> bool:
        """Hummingbot's activation bounds for the entry order at ``mid`` (inclusive)."""
        config = self.config
        bounds, price = config.activation_bounds, config.entry_price
        if bounds is None or price is None:
            return True
        near, far = bounds
        if config.triple_barrier_config.open_order_type != "MARKET":
            if self._is_buy:
                return price >= mid * (ONE - near)
            return price <= mid * (ONE + near)
        if self._is_buy:
            return price * (ONE - near) <= mid <= price * (ONE + far)
        return price * (ONE - far) <= mid <= price * (ONE + near)

    def _enter(self) -> list[Command]:
        """The entry filled: turn the barriers into prices and arm them."""
        config, state = self.config, self.state
        barriers = config.triple_barrier_config
        entry = state.entry_price = state.open_quote / state.open_base
        fees = state.open_fees / state.open_quote
        sign = ONE if self._is_buy else -ONE
        if barriers.stop_loss is not None:
            state.stop_loss_price = pnl_price(entry, -barriers.stop_loss, fees, self._is_buy)
        trailing = barriers.trailing_stop
        if trailing is not None:
            state.trailing_activation_price = pnl_price(
                entry, trailing.activation_price, fees, self._is_buy
            )
            state.trailing_delta_quote = trailing.trailing_delta * entry
        self._fire(T.ENTER)
        if barriers.take_profit is None:
            return _NOTHING
        if barriers.take_profit_order_type == "MARKET":
            self._market_take_profit()
            return _NOTHING
        target = state.take_profit_order_price = entry * (ONE + sign * barriers.take_profit)
        last = state.last_price
        if self._gated_take_profit and (last is None or not self._take_profit_within(target, last)):
            return _NOTHING  # placed when the price comes within the bounds
        return [self._place_take_profit()]

    def _place_take_profit(self) -> Command:
        """Rest a take-profit order for what is left to close."""
        config, state = self.config, self.state
        order, command = self._place_order(
            config.close_side,
            config.triple_barrier_config.take_profit_order_type,
            state.open_base - state.close_base,
            state.take_profit_order_price,
            self._action("CLOSE"),
        )
        state.close_orders.append(order)
        state.take_profit_order_id = order.client_order_id
        return command

    def _take_profit_within(self, price: Decimal, mid: Decimal) -> bool:
        """Hummingbot's activation bounds for a take profit resting at ``price`` (a limit order
        on the close side) at ``mid``, inclusive."""
        bounds = self.config.activation_bounds
        near = bounds[0] if bounds is not None else ZERO
        if self._is_buy:  # the take profit sells
            return price <= mid * (ONE + near)
        return price >= mid * (ONE - near)

    def _gate_take_profit(self, price: Decimal) -> list[Command]:
        """With activation bounds, rest the take profit while the price is within them, and
        cancel it when the price leaves."""
        state = self.state
        target = state.take_profit_order_price
        if state.take_profit_price is not None or target is None:
            return _NOTHING  # the market check took over
        within = self._take_profit_within(target, price)
        order = state.close_orders[-1] if state.close_orders else None
        if order is not None and not order.is_done:
            if order.phase is not OrderPhase.CANCELING and not within:
                return [self._cancel(order)]
            return _NOTHING
        if within and self.amount_to_close > 0:
            return [self._place_take_profit()]
        return _NOTHING

    def _market_take_profit(self) -> None:
        """Arm the take profit as a price check (net of the entry fees): for a MARKET take
        profit, and for a resting one the venue refused or canceled."""
        state, take_profit = self.state, self.config.triple_barrier_config.take_profit
        if take_profit is None or state.open_base <= 0:
            return
        fees = state.open_fees / state.open_quote
        state.take_profit_price = pnl_price(state.entry_price, take_profit, fees, self._is_buy)
        self._touch()

    # --- prices and time ------------------------------------------------------------------------

    @on(PriceUpdated)
    def _price(self, event: PriceUpdated) -> list[Command]:
        # The hot path: one price for every open position of the pair, compared with prices
        # computed at entry; nothing is allocated unless a barrier moves or fires.
        state = self.state
        kind = type(event)
        if kind is PriceUpdated:
            price = event.price
        elif kind is TopOfBookUpdated:  # what _closing_price reads, without a call
            price = event.best_bid if self._is_buy else event.best_ask  # type: ignore[attr-defined]
        else:
            price = self._closing_price(event)
        state.last_price = price
        phase = state.position_state
        if phase is not PositionState.OPEN:
            if (
                phase is PositionState.OPENING
                and self._unbounded
                and state.open_orders
                and (state.end_time is None or event.ts_event < state.end_time)
            ):
                return _NOTHING  # an entry resting without bounds, in time: nothing to do
            if phase in _ENTERING:
                return self._price_while_entering(event, price)
            return _NOTHING
        if self._is_buy:
            fired = long_barrier(state, price, self._touch)
        else:
            fired = short_barrier(state, price, self._touch)
        if fired is None:
            end = state.end_time
            if end is None or event.ts_event < end:
                return self._gate_take_profit(event.price) if self._gated_take_profit else _NOTHING
            fired = CloseType.TIME_LIMIT
        return self._close(fired, event.ts_event)

    def _closing_price(self, event: PriceUpdated) -> Decimal:
        """The price a position on this side closes into: the best bid for a long, the best ask
        for a short, when the event carries the book (Hummingbot's ``current_market_price``)."""
        if isinstance(event, TopOfBookUpdated):
            return event.best_bid if self._is_buy else event.best_ask
        return event.price

    def _price_while_entering(self, event: PriceUpdated, touch: Decimal) -> list[Command]:
        # The bounds compare with the reference price (the mid), an entry without a price of
        # its own rests at the touch (Hummingbot: the best bid for a BUY, the best ask for a SELL).
        state = self.state
        end = state.end_time
        if end is not None and event.ts_event >= end:
            return self._time_limit(event.ts_event)
        if state.position_state is PositionState.WAITING:
            if self._within_bounds(event.price):
                return [self._place_open(touch)]
            return _NOTHING
        order = state.open_orders[-1]
        if (
            self.config.activation_bounds is not None
            and order.phase in (OrderPhase.PLACING, OrderPhase.OPEN)
            and not self._within_bounds(event.price)
        ):
            return [self._cancel(order)]
        return _NOTHING

    @on(Tick)
    def _tick(self, event: Tick) -> list[Command]:
        state = self.state
        end = state.end_time
        if end is None or event.ts_event < end or state.position_state not in _TIMED:
            return _NOTHING
        return self._time_limit(event.ts_event)

    def _time_limit(self, now: dt.datetime) -> list[Command]:
        state = self.state
        if state.position_state is PositionState.WAITING and state.open_base == 0:
            self._fire(T.END, close_type=CloseType.TIME_LIMIT, now=now)
            return _NOTHING
        return self._close(CloseType.TIME_LIMIT, now)

    # --- closing --------------------------------------------------------------------------------

    def _close(
        self, close_type: CloseType, now: dt.datetime, *, keep: bool = False
    ) -> list[Command]:
        """Start closing: cancel the live entry and take-profit orders, then close (or hold)
        what filled once nothing is live."""
        state = self.state
        state.keep_position = keep
        self._fire(T.CLOSE, close_type=close_type)
        commands: list[Command] = [
            self._cancel(order)
            for order in (*state.open_orders[-1:], *state.close_orders)
            if order.phase in (OrderPhase.PLACING, OrderPhase.OPEN)
        ]
        commands.extend(self._advance_close(now))
        return commands

    def _live_orders(self) -> list[TrackedOrder]:
        state = self.state
        live = [order for order in state.open_orders[-1:] if order.phase not in DONE_PHASES]
        for order in state.close_orders:
            if order.phase not in DONE_PHASES:  # OrderPhase.is_done
                live.append(order)
        return live

    def _advance_close(self, now: dt.datetime) -> list[Command]:
        """In CLOSING: wait while an order is live; then hold, end, or send a market close."""
        state, config = self.state, self.config
        if self._live_orders():
            return _NOTHING
        if state.keep_position:
            held = state.open_base > 0 or state.close_base > 0
            close_type = CloseType.POSITION_HOLD if held else CloseType.EARLY_STOP
            self._fire(T.END, close_type=close_type, now=now)
            return _NOTHING
        remaining = state.open_base - state.close_base
        if remaining <= 0:
            self._fire(T.END, now=now)
            return _NOTHING
        closes = sum(1 for order in state.close_orders if order.order_type == "MARKET")
        if closes:  # an earlier close did not finish the job: a retry
            state.retries += 1
            if state.retries > config.max_retries:
                last = state.failure_reason or "no reason given"
                reason = (
                    f"closing the position failed {closes} times ({last}); "
                    f"{remaining} base may still be open on the venue"
                )
                return self._fail(reason, state.failure_code, now)
        order, command = self._place_order(
            config.close_side, "MARKET", remaining, None, self._action("CLOSE")
        )
        state.close_orders.append(order)
        return [command]

    def _fail(self, reason: str, code: str, now: dt.datetime) -> list[Command]:
        state = self.state
        state.failure_reason, state.failure_code = reason, code
        self._fire(T.FAIL, close_type=CloseType.FAILED, now=now)
        return _NOTHING

    @on(StopRequested)
    def _stop(self, event: StopRequested) -> list[Command]:
        state, now = self.state, event.ts_event
        keep = self.config.keep_position if event.keep_position is None else event.keep_position
        position_state = state.position_state
        if position_state is PositionState.CLOSING:
            return _NOTHING  # already closing: its close type stands
        state.stop_requested = True
        if position_state is PositionState.NOT_STARTED or (
            position_state is PositionState.WAITING and state.open_base == 0
        ):
            self._fire(T.END, close_type=CloseType.EARLY_STOP, now=now)
            return _NOTHING
        close_type = CloseType.POSITION_HOLD if keep else CloseType.EARLY_STOP
        return self._close(close_type, now, keep=keep)

    # --- order events ---------------------------------------------------------------------------

    def order_refs(self) -> list[OrderRef]:
        """The orders the venue may still fill or cancel (for the order poller)."""
        config = self.config
        return [
            order.ref(config.connector_name, config.trading_pair) for order in self._live_orders()
        ]

    def _find(self, client_order_id: str) -> tuple[TrackedOrder | None, bool]:
        """The order with ``client_order_id`` and whether it is an entry order."""
        state = self.state
        for order in reversed(state.open_orders):
            if order.client_order_id == client_order_id:
                return order, True
        for order in state.close_orders:
            if order.client_order_id == client_order_id:
                return order, False
        return None, False

    @on(OrderCreated)
    def _created(self, event: OrderCreated) -> list[Command]:
        order, is_open = self._find(event.client_order_id)
        if order is None:
            return _NOTHING
        self.state.outcome_unknown = False
        order.venue_order_id = event.venue_order_id or order.venue_order_id
        if order.phase is OrderPhase.PLACING:
            order.phase = OrderPhase.OPEN
        if is_open:
            self.state.open_order_last_update = event.ts_event
        self._touch()
        return _NOTHING

    @on(OrderFilled)
    def _filled(self, event: OrderFilled) -> list[Command]:
        order, is_open = self._find(event.client_order_id)
        if order is None:
            return _NOTHING
        if not order.count_fill(event):
            return _NOTHING  # the same fill twice counts once
        state = self.state
        state.outcome_unknown = False
        quote = event.base_amount * event.price
        if is_open:
            state.open_base += event.base_amount
            state.open_quote += quote
            state.open_fees += event.fee_quote
            state.open_order_last_update = event.ts_event
        else:
            state.close_base += event.base_amount
            state.close_quote += quote
            state.close_fees += event.fee_quote
        self._touch()
        return self._order_moved(order, is_open, event.ts_event)

    def _order_moved(self, order: TrackedOrder, is_open: bool, now: dt.datetime) -> list[Command]:
        """React to ``order`` changing (a fill, or its end)."""
        state = self.state
        position_state = state.position_state
        if position_state is PositionState.CLOSING:
            return self._advance_close(now)
        if is_open:
            if position_state is PositionState.OPENING and order.phase is OrderPhase.FILLED:
                return self._enter()
            if position_state is PositionState.WAITING and state.open_base >= self.config.amount:
                return self._enter()
            return _NOTHING
        if position_state is PositionState.OPEN and order.phase is OrderPhase.FILLED:
            return self._close(CloseType.TAKE_PROFIT, now)  # the resting take profit filled
        return _NOTHING

    @on(OrderCanceled)
    def _canceled(self, event: OrderCanceled) -> list[Command]:
        order, is_open = self._find(event.client_order_id)
        if order is None or order.phase.is_done:
            return _NOTHING
        ours = order.phase is OrderPhase.CANCELING
        order.phase = OrderPhase.CANCELED
        self.state.outcome_unknown = False
        self._touch()
        return self._order_ended(order, is_open, ours, "canceled by the venue", "", event.ts_event)

    @on(OrderFailed)
    def _order_failed(self, event: OrderFailed) -> list[Command]:
        order, is_open = self._find(event.client_order_id)
        if order is None or order.phase.is_done:
            return _NOTHING
        order.phase = OrderPhase.FAILED
        order.reason = event.reason
        self.state.outcome_unknown = False
        self._touch()
        reason = f"order {order.client_order_id} failed: {event.reason}"
        return self._order_ended(order, is_open, False, reason, "", event.ts_event)

    def _order_ended(
        self,
        order: TrackedOrder,
        is_open: bool,
        ours: bool,
        reason: str,
        code: str,
        now: dt.datetime,
        *,
        retryable: bool = False,
    ) -> list[Command]:
        """An order ended without filling (canceled or failed): decide what comes next."""
        state = self.state
        position_state = state.position_state
        if not ours:
            state.failure_reason, state.failure_code = reason, code
        if position_state is PositionState.CLOSING:
            return self._advance_close(now)
        if not is_open:
            if position_state is PositionState.OPEN and not ours:
                self._market_take_profit()  # the resting take profit is gone: check the price
            return _NOTHING  # canceled out of the bounds: rested again when the price is back
        if position_state is not PositionState.OPENING:
            return _NOTHING
        if ours:  # canceled out of the bounds: wait for the price to come back
            self._fire(T.PAUSE)
            return _NOTHING
        if order.phase is OrderPhase.CANCELED or retryable:
            state.retries += 1
            if state.retries <= self.config.max_retries:
                if order.phase is OrderPhase.CANCELED:
                    self._fire(T.PAUSE)
                    return [self._place_open(None)] if not self._needs_price() else _NOTHING
                return [self._place_open(order.price)]
        if state.open_base == 0:
            return self._fail(f"entering failed: {reason}", code, now)
        keep = self.config.keep_position
        return self._close(CloseType.POSITION_HOLD if keep else CloseType.FAILED, now, keep=keep)

    @on(CommandFailed)
    def _command_failed(self, event: CommandFailed) -> list[Command]:
        state = self.state
        for order, is_open in (
            *((order, True) for order in state.open_orders[-1:]),
            *((order, False) for order in state.close_orders),
        ):
            if event.command_id == order.command_id and order.phase is OrderPhase.PLACING:
                return self._place_failed(order, is_open, event)
            if event.command_id == order.cancel_command_id and order.phase is OrderPhase.CANCELING:
                return self._cancel_failed(order, event)
        return _NOTHING

    def _place_failed(
        self, order: TrackedOrder, is_open: bool, event: CommandFailed
    ) -> list[Command]:
        state = self.state
        if event.code == "outcome_unknown":
            # It may have made the order: wait for the venue's record (the poller reads it).
            state.outcome_unknown = True
            state.failure_reason = outcome_unknown_reason(order, event.reason)
            state.failure_code = event.code
            self._touch()
            return _NOTHING
        order.phase = OrderPhase.FAILED
        order.reason = event.reason
        self._touch()
        reason = f"placing order {order.client_order_id} failed: {event.reason}"
        return self._order_ended(
            order, is_open, False, reason, event.code, event.ts_event, retryable=event.retryable
        )

    def _cancel_failed(self, order: TrackedOrder, event: CommandFailed) -> list[Command]:
        state = self.state
        state.retries += 1
        if state.retries > self.config.max_retries:
            reason = cancel_refused_reason(order, event.reason)
            return self._fail(reason, event.code, event.ts_event)
        return [self._cancel(order)]

    # --- funding --------------------------------------------------------------------------------

    @on(FundingPaid)
    def _funding(self, event: FundingPaid) -> list[Command]:
        state = self.state
        if (
            event.trading_pair != self.config.trading_pair
            or event.payment_id in state.funding_ids
            or state.open_base <= state.close_base
            or event.position_side not in (None, "LONG" if self._is_buy else "SHORT")
        ):
            return _NOTHING
        state.funding_ids.append(event.payment_id)
        state.funding_quote += event.amount
        self._touch()
        return _NOTHING

    # --- reporting ------------------------------------------------------------------------------

    @property
    def amount_to_close(self) -> Decimal:
        """The base amount entered and not closed yet."""
        return max(ZERO, self.state.open_base - self.state.close_base)

    def trade_pnl(self) -> tuple[Decimal, Decimal]:
        """Realized P&L on what closed and unrealized P&L on the rest at the last price,
        before fees and funding."""
        state = self.state
        if state.open_base <= 0:
            return ZERO, ZERO
        entry = state.open_quote / state.open_base
        realized = state.close_quote - entry * state.close_base
        last = state.last_price
        unrealized = ZERO if last is None else (last - entry) * self.amount_to_close
        if not self._is_buy:
            realized, unrealized = -realized, -unrealized
        return realized, unrealized

    def metrics(self) -> ExecutorMetrics:
        state = self.state
        fees = state.open_fees + state.close_fees
        volume = state.open_quote + state.close_quote
        last = state.last_price
        value = ZERO if last is None else self.amount_to_close * last
        if self.close_type is CloseType.POSITION_HOLD:  # the ledger owns the held P&L
            return ExecutorMetrics(fees_paid_quote=fees, volume_quote=volume, value_quote=value)
        realized, unrealized = self.trade_pnl()
        net = realized + unrealized + state.funding_quote - fees
        return ExecutorMetrics(
            net_pnl_quote=net,
            net_pnl_pct=ratio(net, state.open_quote),
            fees_paid_quote=fees,
            volume_quote=volume,
            value_quote=value,
        )

    def _stranded_reason(self) -> str | None:
        state = self.state
        return state.failure_reason if state.outcome_unknown else None

    def details(self) -> PositionDetails:
        state, config = self.state, self.config
        realized, unrealized = self.trade_pnl()
        entry = state.open_quote / state.open_base if state.open_base > 0 else ZERO
        if state.close_base > 0:
            close_price = state.close_quote / state.close_base
        else:
            close_price = state.last_price or ZERO
        held = self.close_type is CloseType.POSITION_HOLD and self.is_terminated
        return PositionDetails(
            level_id=config.level_id,
            current_position_average_price=entry,
            side=config.side,
            current_retries=state.retries,
            max_retries=config.max_retries,
            close_price=close_price,
            open_order_last_update=state.open_order_last_update,
            order_ids=[o.client_order_id for o in (*state.open_orders, *state.close_orders)],
            held_position_orders=held_order_records(self._filled_orders()) if held else [],
            state=state.position_state.value,
            trading_pair=config.trading_pair,
            connector_name=config.connector_name,
            amount=config.amount,
            entry_price=config.entry_price,
            leverage=config.leverage,
            is_perpetual=config.perpetual,
            is_trading=self.status is ExecutorStatus.ACTIVE and state.open_base > 0,
            filled_amount_base=state.open_base,
            close_filled_amount_base=state.close_base,
            amount_to_close=self.amount_to_close,
            realized_pnl_quote=realized,
            unrealized_pnl_quote=unrealized,
            funding_quote=state.funding_quote,
            cum_fees_quote=state.open_fees + state.close_fees,
            stop_loss_price=state.stop_loss_price,
            take_profit_price=state.take_profit_price,
            take_profit_order_id=state.take_profit_order_id,
            trailing_stop_activation_price=state.trailing_activation_price,
            trailing_stop_price=state.trailing_stop_price,
            end_time=state.end_time,
            keep_position=state.keep_position,
            failure_reason=state.failure_reason,
            failure_code=state.failure_code,
        )

    def _filled_orders(self) -> list[tuple[TrackedOrder, Side]]:
        state, config = self.state, self.config
        return [(o, config.side) for o in state.open_orders if o.filled_base > 0] + [
            (o, config.close_side) for o in state.close_orders if o.filled_base > 0
        ]

    def held_fills(self) -> list[tuple[HeldPositionKey, HeldFill]]:
        """One record per order that filled, and one for funding, for the held-positions
        ledger (the engine asks on POSITION_HOLD); none when the position was not held."""
        config, state = self.config, self.state
        if self.close_type is not CloseType.POSITION_HOLD:
            return []
        hedge = config.perpetual and config.position_mode == "HEDGE"
        key = self._held_key(config.side if hedge else None)
        ts = self.closed_at or self.ts_last
        fills = held_fills_of(key, self.id, ts, self._filled_orders())
        if state.funding_quote:
            funding = HeldFill(
                fill_id=f"{self.id}:funding",
                executor_id=self.id,
                side=config.side,
                base_amount=ZERO,
                quote_amount=ZERO,
                fee_quote=-state.funding_quote,
                ts=ts,
            )
            fills.append((key, funding))
        return fills
