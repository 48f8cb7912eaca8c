"""``DCAExecutor``: dollar-cost averaging into a position over price levels, with exits on the
average entry price; an order-book executor with no I/O.

Level ``i`` trades ``amounts_quote[i] / prices[i]`` base on the config's side. Semantics follow
Hummingbot's DCAExecutor (``executors.md`` §6) with the decisions below.

Levels are placed in the order given, each only once the ones before it are placed:

- MAKER: a LIMIT order at the level price. Without activation bounds every level is placed at
  start; with bounds ``[near, far]`` a level is placed once the price (mid) is within ``near`` of
  it (BUY: ``level > mid x (1 - near)``, SELL: ``level < mid x (1 + near)``, strict).
- TAKER: a MARKET order once the mid comes within the bounds of the level (BUY:
  ``level x (1 - near) < mid < level x (1 + far)``, SELL mirrored; strict); without bounds,
  Hummingbot's ``[0.0001, 0.005]``.

Exits, once anything filled, on the fill-weighted average entry ``a`` with entry fees ``f`` (a
ratio of the entry notional), turned into prices again after every entry fill (:mod:`lpexec.cex.
barriers`); checked on every price in Hummingbot's order (stop loss, trailing stop, take profit,
time limit), one exit per price:

=============  =========================================================  ==========
exit           fires when (net P&L, Hummingbot's)                         boundary
=============  =========================================================  ==========
take profit    net P&L ratio > ``take_profit``                            exclusive
stop loss      MAKER: every level filled and net P&L ratio <= -stop_loss  inclusive
               TAKER: net P&L quote <= -(sum of amounts_quote x stop_loss)
trailing stop  as the position executor's (arm ``>``, fire ``<``)         exclusive
time limit     ``now >= created_at + time_limit`` (Tick or price)         inclusive
=============  =========================================================  ==========

The price checked is the side one closes into (best bid for a long, best ask for a short) when
the event carries the book (:class:`~lpexec.cex.chaser.TopOfBookUpdated`), else the published
price; level placement compares with the mid. A trailing stop armed before another level fills
keeps its best price and trails it by the delta of the new average.

Closing cancels the live level orders, then sends one MARKET order for everything that filled
(reduce-only on perpetuals), sent again for the rest if it ends short, up to ``max_retries``.

Decisions on Hummingbot's quirks (``executors.md`` §16):

- Inclusivity as Hummingbot (table above), so configs carried over behave the same.
- ``StopRequested(keep_position=True)`` ends POSITION_HOLD and hands every fill to the
  held-positions ledger (Hummingbot hands over nothing, so the position is lost to its books);
  the executor then reports net P&L 0, its fees and volume, like the position executor.
- A level order the venue refuses or cancels is placed again for its rest (its fills are kept),
  counting one retry; with the retries spent the executor closes what filled (close type FAILED)
  or ends FAILED with nothing filled.
- A running DCA survives a restart: its levels, fills and barrier prices are in every snapshot.
- An executor unwinding (CLOSING) is still live until it terminates.

Not done: trading rules (min order size and notional) are not checked before placing, and no
budget check is made at start; ``leverage`` is reported only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from lpexec.cex.barriers import long_barrier, pnl_price, pnl_ratio, short_barrier
from lpexec.cex.base import CexExecutor
from lpexec.cex.chaser import TopOfBookUpdated
from lpexec.cex.dca_config import DCADetails, DCAExecutorConfig, level_reports
from lpexec.cex.held_orders import held_fills_of, held_order_records
from lpexec.cex.order_events import mark_created, mark_outcome_unknown
from lpexec.cex.tracking import (
    OrderPhase,
    TrackedOrder,
    cancel_refused_reason,
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
    TransitionTable,
    on,
)
from lpexec.core.money import ZERO, ratio
from lpexec.core.trade import Side

__all__ = [
    "DCA_STATUS",
    "DCA_TRANSITIONS",
    "DCADetails",
    "DCAExecutor",
    "DCAExecutorConfig",
    "DCAExecutorState",
    "DCAState",
    "DCATrigger",
]

ONE = Decimal(1)


class DCAState(StrEnum):
    """Where a DCA stands."""

    NOT_STARTED = "NOT_STARTED"
    RUNNING = "RUNNING"  # placing levels; exits armed once anything filled
    CLOSING = "CLOSING"  # canceling live levels, then closing (or holding) what filled
    CLOSED = "CLOSED"
    FAILED = "FAILED"


class DCATrigger(StrEnum):
    """What moves a DCA between states."""

    START = "START"
    CLOSE = "CLOSE"  # an exit, a stop, or failures with fills
    END = "END"
    FAIL = "FAIL"


S, T = DCAState, DCATrigger

DCA_TRANSITIONS: TransitionTable[DCAState, DCATrigger] = {
    (S.NOT_STARTED, T.START): S.RUNNING,
    (S.NOT_STARTED, T.END): S.CLOSED,  # expired at start, or stopped before it
    (S.RUNNING, T.CLOSE): S.CLOSING,
    (S.CLOSING, T.END): S.CLOSED,
    (S.CLOSING, T.FAIL): S.FAILED,  # closes failed max_retries times, or a cancel refused
}

DCA_STATUS: dict[DCAState, ExecutorStatus] = {
    S.NOT_STARTED: ExecutorStatus.CREATED,
    S.RUNNING: ExecutorStatus.ACTIVE,
    S.CLOSING: ExecutorStatus.CLOSING,
    S.CLOSED: ExecutorStatus.TERMINATED,
    S.FAILED: ExecutorStatus.TERMINATED,
}
"""The lifecycle status of each DCA state."""

_NOTHING: list[Command] = []


@dataclass(slots=True)
class DCAExecutorState:
    """Everything a DCA executor knows: each level's orders (the last one is current), the
    close orders, the entry and exit totals (quote = base x price summed, fees in quote) and
    the exits as prices (None: not armed)."""

    dca_state: DCAState = DCAState.NOT_STARTED
    level_orders: list[list[TrackedOrder]] = field(default_factory=list)
    close_orders: list[TrackedOrder] = field(default_factory=list)
    open_base: Decimal = ZERO
    open_quote: Decimal = ZERO
    open_fees: Decimal = ZERO
    close_base: Decimal = ZERO
    close_quote: Decimal = ZERO
    close_fees: Decimal = ZERO
    stop_loss_price: Decimal | None = None
    take_profit_price: Decimal | None = None
    trailing_activation_price: Decimal | None = None
    trailing_delta_quote: Decimal = ZERO
    trailing_peak_price: Decimal | None = None
    trailing_stop_price: Decimal | None = None
    end_time: dt.datetime | None = None
    last_price: Decimal | None = None
    last_mid: Decimal | None = None
    retries: int = 0
    keep_position: bool = False
    outcome_unknown: bool = False
    failure_reason: str = ""
    failure_code: str = ""


class DCAExecutor(CexExecutor[DCAExecutorConfig, DCAExecutorState]):
    """A DCA over price levels (see module docstring). Pure: events in, commands out."""

    config_class = DCAExecutorConfig
    state_class = DCAExecutorState
    family_table = DCA_TRANSITIONS
    family_status = DCA_STATUS
    family_field = "dca_state"
    wants_ticks = True

    __slots__ = ("_amounts", "_is_buy", "_placed")

    def __init__(
        self,
        config: DCAExecutorConfig,
        *,
        created_at: dt.datetime,
        state: DCAExecutorState | None = None,
    ) -> None:
        super().__init__(config, created_at=created_at, state=state)
        self._is_buy = config.side == "BUY"
        self._amounts = config.level_amounts
        self._placed = False  # every level live or complete: nothing to place (a cache)
        end = self.state.end_time
        if end is not None and end.tzinfo is not UTC:
            # A restored time carries pydantic's own UTC object: comparing datetimes with two
            # tzinfo objects costs ~1 us more on every price (bench/cex_dca.py).
            self.state.end_time = end.astimezone(UTC)

    # --- starting and placing levels --------------------------------------------------------

    @on(ExecutorStarted)
    def _started(self, event: ExecutorStarted) -> list[Command]:
        state, config = self.state, self.config
        if state.dca_state is not DCAState.NOT_STARTED:
            return _NOTHING
        if config.time_limit is not None:
            state.end_time = self.created_at + dt.timedelta(seconds=config.time_limit)
            if event.ts_event >= state.end_time:
                self._fire(T.END, close_type=CloseType.EXPIRED, now=event.ts_event)
                return _NOTHING
        state.level_orders = [[] for _ in config.prices]
        self._fire(T.START)
        return self._place_due(None)

    def _level_filled(self, index: int) -> Decimal:
        return sum((order.filled_base for order in self.state.level_orders[index]), ZERO)

    def _level_complete(self, index: int) -> bool:
        orders = self.state.level_orders[index]
        return bool(orders) and orders[-1].phase is OrderPhase.FILLED

    def _due(self, index: int, mid: Decimal | None) -> bool:
        """Whether level ``index`` may be placed at ``mid`` (Hummingbot's bounds, strict)."""
        config = self.config
        bounds = config.bounds
        if bounds is None:
            return True
        if mid is None:
            return False
        level, (near, far) = config.prices[index], bounds
        if config.mode == "MAKER":
            return level > mid * (ONE - near) if self._is_buy else level < mid * (ONE + near)
        if self._is_buy:
            return level * (ONE - near) < mid < level * (ONE + far)
        return level * (ONE - far) < mid < level * (ONE + near)

    def _place_due(self, mid: Decimal | None) -> list[Command]:
        """Place the levels that need an order and are due, in order, stopping at the first
        that is not due."""
        if self._placed:
            return _NOTHING
        state, config = self.state, self.config
        commands: list[Command] = []
        waiting = False
        for index, orders in enumerate(state.level_orders):
            if orders and (not orders[-1].is_done or orders[-1].phase is OrderPhase.FILLED):
                continue  # live, or complete
            if not self._due(index, mid):
                waiting = True
                break
            rest = self._amounts[index] - self._level_filled(index)
            maker = config.mode == "MAKER"
            order, command = self._place_order(
                config.side,
                "LIMIT" if maker else "MARKET",
                rest,
                config.prices[index] if maker else None,
                self._action("OPEN"),
            )
            orders.append(order)
            commands.append(command)
        self._placed = not waiting and bool(state.level_orders)
        return commands

    def _action(self, action: PositionAction) -> PositionAction | None:
        return action if self.config.perpetual else None

    # --- exits ------------------------------------------------------------------------------

    def _rearm(self) -> None:
        """Turn the exits into prices on the current average entry."""
        state, config = self.state, self.config
        base, quote, fees = state.open_base, state.open_quote, state.open_fees
        average, fee_ratio, buy = quote / base, fees / quote, self._is_buy
        if config.take_profit is not None:
            state.take_profit_price = pnl_price(average, config.take_profit, fee_ratio, buy)
        stop_loss = config.stop_loss
        if stop_loss is not None:
            if config.mode == "TAKER":  # net P&L quote <= -max loss
                room = (config.total_amount_quote * stop_loss - fees) / base
                state.stop_loss_price = average - room if buy else average + room
            elif all(self._level_complete(i) for i in range(len(self._amounts))):
                state.stop_loss_price = pnl_price(average, -stop_loss, fee_ratio, buy)
        trailing = config.trailing_stop
        if trailing is not None:
            state.trailing_activation_price = pnl_price(
                average, trailing.activation_price, fee_ratio, buy
            )
            state.trailing_delta_quote = trailing.trailing_delta * average
            peak = state.trailing_peak_price
            if peak is not None:
                delta = state.trailing_delta_quote
                state.trailing_stop_price = peak - delta if buy else peak + delta

    @on(PriceUpdated)
    def _price(self, event: PriceUpdated) -> list[Command]:
        state = self.state
        price = event.price
        if isinstance(event, TopOfBookUpdated):
            price = event.best_bid if self._is_buy else event.best_ask
        state.last_price, state.last_mid = price, event.price
        if state.dca_state is not DCAState.RUNNING:
            return _NOTHING
        now = event.ts_event
        if state.open_base > 0:
            check = long_barrier if self._is_buy else short_barrier
            fired = check(state, price, self._touch, strict_take_profit=True)
            if fired is not None:
                return self._close(fired, now)
        end = state.end_time
        if end is not None and now >= end:
            return self._close(CloseType.TIME_LIMIT, now)
        return self._place_due(event.price)

    @on(Tick)
    def _tick(self, event: Tick) -> list[Command]:
        state = self.state
        end = state.end_time
        if end is None or event.ts_event < end or state.dca_state is not DCAState.RUNNING:
            return _NOTHING
        return self._close(CloseType.TIME_LIMIT, event.ts_event)

    # --- closing ----------------------------------------------------------------------------

    def _level_order_list(self) -> list[TrackedOrder]:
        return [order for orders in self.state.level_orders for order in orders]

    def _live_orders(self) -> list[TrackedOrder]:
        return [
            order
            for order in (*self._level_order_list(), *self.state.close_orders)
            if not order.is_done
        ]

    def _close(
        self, close_type: CloseType, now: dt.datetime, *, keep: bool = False
    ) -> list[Command]:
        """Cancel the live level orders, then close (or hold) what filled once none is live."""
        self.state.keep_position = keep
        self._fire(T.CLOSE, close_type=close_type)
        commands: list[Command] = [
            self._cancel(order)
            for order in self._level_order_list()
            if order.phase in (OrderPhase.PLACING, OrderPhase.OPEN)
        ]
        commands.extend(self._finish_close(now))
        return commands

    def _finish_close(self, now: dt.datetime) -> list[Command]:
        """In CLOSING, once no order is live: end holding, end flat, or send a market close for
        what is left (again, while retries last)."""
        state, config = self.state, self.config
        if self._live_orders():
            return _NOTHING
        if state.keep_position:
            held = CloseType.POSITION_HOLD if state.open_base > 0 else CloseType.EARLY_STOP
            self._fire(T.END, close_type=held, now=now)
            return _NOTHING
        left = state.open_base - state.close_base
        if left <= 0:
            self._fire(T.END, now=now)
            return _NOTHING
        if state.close_orders:  # the last close ended short: a retry
            state.retries += 1
            if state.retries > config.max_retries:
                cause = state.failure_reason or "no reason given"
                return self._fail(
                    f"closing the DCA failed {len(state.close_orders)} times ({cause}); "
                    f"{left} base may still be open on the venue",
                    state.failure_code,
                    now,
                )
        order, command = self._place_order(
            config.close_side, "MARKET", left, None, self._action("CLOSE")
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
        if state.dca_state is DCAState.CLOSING:
            return _NOTHING  # already closing: its close type stands
        if state.dca_state is DCAState.NOT_STARTED:
            self._fire(T.END, close_type=CloseType.EARLY_STOP, now=now)
            return _NOTHING
        return self._close(
            CloseType.POSITION_HOLD if keep else CloseType.EARLY_STOP, now, keep=keep
        )

    # --- order events -----------------------------------------------------------------------

    def order_refs(self) -> list[OrderRef]:
        """The orders the venue may still fill or cancel (for the order poller)."""
        config = self.config
        return [
            order.ref(config.connector_name, config.trading_pair) for order in self._live_orders()
        ]

    def _find(self, client_order_id: str) -> tuple[TrackedOrder | None, bool]:
        """The order with ``client_order_id`` and whether it is a level (entry) order."""
        for orders in self.state.level_orders:
            for order in orders:
                if order.client_order_id == client_order_id:
                    return order, True
        for order in self.state.close_orders:
            if order.client_order_id == client_order_id:
                return order, False
        return None, False

    @on(OrderCreated)
    def _created(self, event: OrderCreated) -> list[Command]:
        order, _ = self._find(event.client_order_id)
        if order is None:
            return _NOTHING
        self.state.outcome_unknown = False
        mark_created(order, event)
        self._touch()
        return _NOTHING

    @on(OrderFilled)
    def _filled(self, event: OrderFilled) -> list[Command]:
        order, is_level = self._find(event.client_order_id)
        if order is None or not order.count_fill(event):
            return _NOTHING  # not ours, or the same fill twice
        state = self.state
        state.outcome_unknown = False
        quote = event.base_amount * event.price
        if is_level:
            state.open_base += event.base_amount
            state.open_quote += quote
            state.open_fees += event.fee_quote
            self._rearm()
        else:
            state.close_base += event.base_amount
            state.close_quote += quote
            state.close_fees += event.fee_quote
        self._touch()
        if state.dca_state is DCAState.CLOSING:
            return self._finish_close(event.ts_event)
        return _NOTHING

    @on(OrderCanceled)
    def _canceled(self, event: OrderCanceled) -> list[Command]:
        order, is_level = self._find(event.client_order_id)
        if order is None or order.is_done:
            return _NOTHING
        ours = order.phase is OrderPhase.CANCELING
        order.phase = OrderPhase.CANCELED
        self.state.outcome_unknown = False
        self._touch()
        reason = f"order {order.client_order_id} canceled by the venue"
        return self._order_ended(is_level, ours, reason, "", event.ts_event)

    @on(OrderFailed)
    def _order_failed(self, event: OrderFailed) -> list[Command]:
        order, is_level = self._find(event.client_order_id)
        if order is None or order.is_done:
            return _NOTHING
        order.phase, order.reason = OrderPhase.FAILED, event.reason
        self.state.outcome_unknown = False
        self._touch()
        reason = f"order {order.client_order_id} failed: {event.reason}"
        return self._order_ended(is_level, False, reason, "", event.ts_event)

    def _order_ended(
        self, is_level: bool, ours: bool, reason: str, code: str, now: dt.datetime
    ) -> list[Command]:
        """An order ended without filling all of it: decide what comes next."""
        state = self.state
        if not ours:
            state.failure_reason, state.failure_code = reason, code
        if state.dca_state is DCAState.CLOSING:
            return self._finish_close(now)
        if not is_level or state.dca_state is not DCAState.RUNNING:
            return _NOTHING
        self._placed = False  # the level needs an order again
        state.retries += 1
        if state.retries <= self.config.max_retries:
            return self._place_due(state.last_mid)
        # Retries spent: cancel the live levels, then close what filled (or hold it).
        keep = self.config.keep_position and state.open_base > 0
        return self._close(CloseType.POSITION_HOLD if keep else CloseType.FAILED, now, keep=keep)

    @on(CommandFailed)
    def _command_failed(self, event: CommandFailed) -> list[Command]:
        state = self.state
        for order, is_level in (
            *((order, True) for order in self._level_order_list()),
            *((order, False) for order in state.close_orders),
        ):
            if event.command_id == order.command_id and order.phase is OrderPhase.PLACING:
                if event.code == "outcome_unknown":  # it may exist: the poller reads it
                    mark_outcome_unknown(state, order, event)
                    self._touch()
                    return _NOTHING
                order.phase, order.reason = OrderPhase.FAILED, event.reason
                self._touch()
                reason = f"placing order {order.client_order_id} failed: {event.reason}"
                return self._order_ended(is_level, False, reason, event.code, event.ts_event)
            if event.command_id == order.cancel_command_id and order.phase is OrderPhase.CANCELING:
                state.retries += 1
                if state.retries > self.config.max_retries:
                    reason = cancel_refused_reason(order, event.reason)
                    return self._fail(reason, event.code, event.ts_event)
                return [self._cancel(order)]
        return _NOTHING

    # --- reporting --------------------------------------------------------------------------

    @property
    def average_price(self) -> Decimal:
        """The fill-weighted average entry price (0 before any fill)."""
        state = self.state
        return state.open_quote / state.open_base if state.open_base > 0 else ZERO

    @property
    def amount_to_close(self) -> Decimal:
        """The base amount entered and not closed yet."""
        return max(ZERO, self.state.open_base - self.state.close_base)

    def trade_pnl(self) -> tuple[Decimal, Decimal]:
        """Realized P&L on what closed and unrealized P&L on the rest at the last price,
        before fees."""
        state = self.state
        if state.open_base <= 0:
            return ZERO, ZERO
        average = self.average_price
        realized = state.close_quote - average * state.close_base
        last = state.last_price
        unrealized = ZERO if last is None else (last - average) * self.amount_to_close
        return (realized, unrealized) if self._is_buy else (-realized, -unrealized)

    def metrics(self) -> ExecutorMetrics:
        state = self.state
        fees = state.open_fees + state.close_fees
        volume = state.open_quote + state.close_quote
        last = state.last_price
        value = ZERO if last is None else self.amount_to_close * last
        if self.close_type is CloseType.POSITION_HOLD:  # the ledger owns the held P&L
            return ExecutorMetrics(fees_paid_quote=fees, volume_quote=volume, value_quote=value)
        realized, unrealized = self.trade_pnl()
        net = realized + unrealized - fees
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

    def details(self) -> DCADetails:
        state, config = self.state, self.config
        realized, unrealized = self.trade_pnl()
        if state.close_base > 0:
            close_price = state.close_quote / state.close_base
        else:
            close_price = state.last_price or ZERO
        total = config.total_amount_quote
        target = sum(
            (p * q for p, q in zip(config.prices, config.amounts_quote, strict=True)), ZERO
        )
        trailing_trigger = None
        if state.trailing_stop_price is not None and state.open_base > 0:
            trailing_trigger = pnl_ratio(
                state.trailing_stop_price,
                self.average_price,
                state.open_fees / state.open_quote,
                self._is_buy,
            )
        held = self.close_type is CloseType.POSITION_HOLD and self.is_terminated
        levels = level_reports(config, state.level_orders)
        return DCADetails(
            level_id=config.level_id,
            side=config.side,
            current_position_average_price=self.average_price,
            target_position_average_price=target / total,
            current_retries=state.retries,
            max_retries=config.max_retries,
            close_price=close_price,
            max_loss_quote=None if config.stop_loss is None else total * config.stop_loss,
            min_price=min(config.prices),
            max_price=max(config.prices),
            n_levels=len(config.prices),
            trailing_stop_trigger_pnl=trailing_trigger,
            order_ids=[o.client_order_id for o in (*self._level_order_list(), *state.close_orders)],
            held_position_orders=held_order_records(self._filled_orders()) if held else [],
            state=state.dca_state.value,
            mode=config.mode,
            trading_pair=config.trading_pair,
            connector_name=config.connector_name,
            leverage=config.leverage,
            is_perpetual=config.perpetual,
            is_trading=self.status is ExecutorStatus.ACTIVE and state.open_base > 0,
            filled_levels=sum(1 for level in levels if level.state == "FILLED"),
            levels=levels,
            filled_amount_base=state.open_base,
            close_filled_amount_base=state.close_base,
            amount_to_close=self.amount_to_close,
            realized_pnl_quote=realized,
            unrealized_pnl_quote=unrealized,
            cum_fees_quote=state.open_fees + state.close_fees,
            stop_loss_price=state.stop_loss_price,
            take_profit_price=state.take_profit_price,
            trailing_stop_activation_price=state.trailing_activation_price,
            trailing_stop_price=state.trailing_stop_price,
            end_time=state.end_time,
            keep_position=state.keep_position,
            failure_reason=state.failure_reason,
            failure_code=state.failure_code,
        )

    def _filled_orders(self) -> list[tuple[TrackedOrder, Side]]:
        config = self.config
        return [(o, config.side) for o in self._level_order_list() if o.filled_base > 0] + [
            (o, config.close_side) for o in self.state.close_orders if o.filled_base > 0
        ]

    def held_fills(self) -> list[tuple[HeldPositionKey, HeldFill]]:
        """One record per order that filled, for the held-positions ledger (the engine asks on
        POSITION_HOLD); none when the position was not held."""
        config = self.config
        if self.close_type is not CloseType.POSITION_HOLD:
            return []
        hedge = config.perpetual and config.position_mode == "HEDGE"
        key = self._held_key(config.side if hedge else None)
        return held_fills_of(key, self.id, self.closed_at or self.ts_last, self._filled_orders())
