"""``TWAPExecutor``: a total traded in slices at a fixed interval on an order-book venue, with no
I/O.

Semantics follow Hummingbot's TWAPExecutor (``executors.md`` §7) with the decisions below.

Schedule: ``N = total_duration // order_interval + 1`` slices; slice ``i`` starts at
``start + i x order_interval`` (``start``: when the executor starts) and ends when the next one
starts (the last at ``start + N x order_interval``). A slice is sent on the first price or tick
at or after its start, once the previous slice's order is done, sized on the mid (the
published price) as Hummingbot's: ``(total - quote filled so far) / slices left (this one
included) / mid`` base, so later slices absorb what earlier ones missed and the total is met.

- TAKER: each slice is one MARKET order. The executor completes when the last slice's order is
  done.
- MAKER: each slice rests a LIMIT order at ``mid x (1 - limit_order_buffer)`` for a BUY
  (``1 +`` for a SELL) until the slice ends; then it is canceled and what it did not fill rolls
  into the next slices. With ``order_resubmission_time`` a resting order older than that is
  canceled and placed again at the new mid within its slice. The last slice rests until its
  end; the executor completes when it fills or, at the end, once its cancel is confirmed (what
  did not fill is reported in ``filled_ratio``).

Only one order is live at a time, so sizes never count an order twice. Reports: the
fill-weighted average price, the arrival price (the mid when the first slice was sent) and the
slippage against it (a ratio; positive is worse: paid more on a BUY, received less on a SELL).
P&L is Hummingbot's, marked to the live mid: BUY ``(mid - avg) / avg x quote filled``, less
fees; ``net_pnl_pct`` over the quote filled; volume the quote filled.

Decisions on Hummingbot's quirks (``executors.md`` §16):

- A stop cancels the live order and ends EARLY_STOP (Hummingbot overwrites it with COMPLETED, so
  a stopped TWAP looked finished); a natural end is COMPLETED, as Hummingbot. Either way the
  TWAP keeps what it traded (it never flattens) and hands nothing to the held-positions ledger,
  as Hummingbot.
- A refused or venue-canceled order is placed again within its slice (one retry each, up to
  ``max_retries``, then FAILED keeping the fills); the rest of the plan is kept (Hummingbot drops
  it).
- The minimum-size check compares base with base (Hummingbot compares a quote slice with a base
  minimum): not done here, like the other CEX executors, trading rules are not checked before
  placing.
- A running TWAP survives a restart: its schedule, orders and fills are in every snapshot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from lpexec.cex.base import CexExecutor
from lpexec.cex.order_events import mark_created, mark_outcome_unknown
from lpexec.cex.tracking import (
    OrderPhase,
    TrackedOrder,
    cancel_refused_reason,
)
from lpexec.cex.twap_config import TWAPDetails, TWAPExecutorConfig, TWAPSliceReport
from lpexec.core import (
    CloseType,
    Command,
    CommandFailed,
    ExecutorMetrics,
    ExecutorStarted,
    ExecutorStatus,
    OrderCanceled,
    OrderCreated,
    OrderFailed,
    OrderFilled,
    OrderRef,
    PriceUpdated,
    StopRequested,
    Tick,
    TransitionTable,
    on,
)
from lpexec.core.money import ZERO, ratio

__all__ = [
    "TWAP_STATUS",
    "TWAP_TRANSITIONS",
    "TWAPDetails",
    "TWAPExecutor",
    "TWAPExecutorConfig",
    "TWAPExecutorState",
    "TWAPState",
    "TWAPTrigger",
]

ONE = Decimal(1)


class TWAPState(StrEnum):
    """Where a TWAP stands."""

    NOT_STARTED = "NOT_STARTED"
    RUNNING = "RUNNING"  # sending slices
    CLOSING = "CLOSING"  # canceling the live order (a stop, or the last MAKER slice's end)
    CLOSED = "CLOSED"
    FAILED = "FAILED"


class TWAPTrigger(StrEnum):
    """What moves a TWAP between states."""

    START = "START"
    CLOSE = "CLOSE"
    END = "END"
    FAIL = "FAIL"


S, T = TWAPState, TWAPTrigger

TWAP_TRANSITIONS: TransitionTable[TWAPState, TWAPTrigger] = {
    (S.NOT_STARTED, T.START): S.RUNNING,
    (S.NOT_STARTED, T.END): S.CLOSED,  # stopped before it started
    (S.RUNNING, T.CLOSE): S.CLOSING,
    (S.RUNNING, T.END): S.CLOSED,  # the last slice done, or stopped with nothing live
    (S.RUNNING, T.FAIL): S.FAILED,  # retries spent
    (S.CLOSING, T.END): S.CLOSED,
    (S.CLOSING, T.FAIL): S.FAILED,  # the cancel refused for good
}

TWAP_STATUS: dict[TWAPState, ExecutorStatus] = {
    S.NOT_STARTED: ExecutorStatus.CREATED,
    S.RUNNING: ExecutorStatus.ACTIVE,
    S.CLOSING: ExecutorStatus.CLOSING,
    S.CLOSED: ExecutorStatus.TERMINATED,
    S.FAILED: ExecutorStatus.TERMINATED,
}
"""The lifecycle status of each TWAP state."""

_NOTHING: list[Command] = []


@dataclass(slots=True)
class TWAPExecutorState:
    """Everything a TWAP executor knows: the schedule's start, the current slice, every order
    with its slice, and the fill totals (quote = base x price summed, fees in quote)."""

    twap_state: TWAPState = TWAPState.NOT_STARTED
    start_time: dt.datetime | None = None
    slice: int = -1  # the current slice (-1: none sent yet)
    slice_wants_order: bool = False  # place again within the current slice
    orders: list[TrackedOrder] = field(default_factory=list)
    order_slices: list[int] = field(default_factory=list)
    placed_at: dt.datetime | None = None  # when the live order was sent
    filled_base: Decimal = ZERO
    filled_quote: Decimal = ZERO
    fees_quote: Decimal = ZERO
    arrival_price: Decimal | None = None
    last_mid: Decimal | None = None
    retries: int = 0
    outcome_unknown: bool = False
    failure_reason: str = ""
    failure_code: str = ""


class TWAPExecutor(CexExecutor[TWAPExecutorConfig, TWAPExecutorState]):
    """A TWAP (see module docstring). Pure: events in, commands out."""

    config_class = TWAPExecutorConfig
    state_class = TWAPExecutorState
    family_table = TWAP_TRANSITIONS
    family_status = TWAP_STATUS
    family_field = "twap_state"
    wants_ticks = True

    __slots__ = ("_is_buy", "_slices")

    def __init__(
        self,
        config: TWAPExecutorConfig,
        *,
        created_at: dt.datetime,
        state: TWAPExecutorState | None = None,
    ) -> None:
        super().__init__(config, created_at=created_at, state=state)
        self._is_buy = config.side == "BUY"
        self._slices = config.number_of_orders

    # --- the schedule -----------------------------------------------------------------------

    def slice_start(self, index: int) -> dt.datetime:
        """When slice ``index`` starts (the previous one ends)."""
        start = self.state.start_time
        assert start is not None, "the schedule starts with the executor"
        return start + dt.timedelta(seconds=index * self.config.order_interval)

    @property
    def end_time(self) -> dt.datetime | None:
        """When the last slice ends (None before the start)."""
        return None if self.state.start_time is None else self.slice_start(self._slices)

    def _live(self) -> TrackedOrder | None:
        orders = self.state.orders
        return orders[-1] if orders and not orders[-1].is_done else None

    @on(ExecutorStarted)
    def _started(self, event: ExecutorStarted) -> list[Command]:
        state = self.state
        if state.twap_state is not TWAPState.NOT_STARTED:
            return _NOTHING
        state.start_time = event.ts_event
        self._fire(T.START)
        return self._advance(event.ts_event)

    @on(PriceUpdated)
    def _price(self, event: PriceUpdated) -> list[Command]:
        self.state.last_mid = event.price
        if self.state.twap_state is not TWAPState.RUNNING:
            return _NOTHING
        return self._advance(event.ts_event)

    @on(Tick)
    def _tick(self, event: Tick) -> list[Command]:
        if self.state.twap_state is not TWAPState.RUNNING:
            return _NOTHING
        return self._advance(event.ts_event)

    def _advance(self, now: dt.datetime) -> list[Command]:
        """Do what the schedule asks at ``now``: end a slice, send one, or complete."""
        state, config = self.state, self.config
        live = self._live()
        maker = config.mode == "MAKER"
        if live is not None:
            if live.phase is OrderPhase.CANCELING or not maker:
                return _NOTHING
            if now >= self.slice_start(state.slice + 1):  # the slice ended
                state.slice_wants_order = False
                if state.slice + 1 >= self._slices:  # the last: complete once it is canceled
                    self._fire(T.CLOSE, close_type=CloseType.COMPLETED)
                return [self._cancel(live)]
            resubmit = config.order_resubmission_time
            placed = state.placed_at
            if resubmit is not None and placed is not None:
                if now >= placed + dt.timedelta(seconds=resubmit):
                    state.slice_wants_order = True
                    return [self._cancel(live)]
            return _NOTHING
        if state.filled_quote >= config.total_amount_quote:  # met early (a slice over-filled)
            self._fire(T.END, close_type=CloseType.COMPLETED, now=now)
            return _NOTHING
        if state.slice >= 0 and state.slice_wants_order:
            if now < self.slice_start(state.slice + 1):
                return self._send_slice(now)
            state.slice_wants_order = False
        if state.slice + 1 < self._slices:
            if now < self.slice_start(state.slice + 1) or state.last_mid is None:
                return _NOTHING
            state.slice += 1
            self._touch()
            return self._send_slice(now)
        self._fire(T.END, close_type=CloseType.COMPLETED, now=now)
        return _NOTHING

    def _send_slice(self, now: dt.datetime) -> list[Command]:
        """Send the current slice's order for its share of what is left (none while no price
        is known: it is sent at the first)."""
        state, config = self.state, self.config
        mid = state.last_mid
        left = config.total_amount_quote - state.filled_quote
        if mid is None:  # sent at the first price
            state.slice_wants_order = True
            return _NOTHING
        if state.arrival_price is None:
            state.arrival_price = mid
        amount = left / (self._slices - state.slice) / mid
        price = None
        if config.mode == "MAKER":
            buffer = config.limit_order_buffer or ZERO
            price = mid * (ONE - buffer) if self._is_buy else mid * (ONE + buffer)
        order, command = self._place_order(
            config.side,
            "LIMIT" if price is not None else "MARKET",
            amount,
            price,
            "OPEN" if config.perpetual else None,
        )
        state.orders.append(order)
        state.order_slices.append(state.slice)
        state.placed_at = now
        state.slice_wants_order = False
        return [command]

    @on(StopRequested)
    def _stop(self, event: StopRequested) -> list[Command]:
        state, now = self.state, event.ts_event
        if state.twap_state is TWAPState.CLOSING:
            return _NOTHING
        live = self._live()
        if live is None:
            self._fire(T.END, close_type=CloseType.EARLY_STOP, now=now)
            return _NOTHING
        self._fire(T.CLOSE, close_type=CloseType.EARLY_STOP)
        if live.phase is OrderPhase.CANCELING:
            return _NOTHING
        return [self._cancel(live)]

    # --- order events -----------------------------------------------------------------------

    def order_refs(self) -> list[OrderRef]:
        """The order the venue may still fill or cancel (for the order poller)."""
        live, config = self._live(), self.config
        return [] if live is None else [live.ref(config.connector_name, config.trading_pair)]

    def _find(self, client_order_id: str) -> TrackedOrder | None:
        for order in reversed(self.state.orders):
            if order.client_order_id == client_order_id:
                return order
        return None

    @on(OrderCreated)
    def _created(self, event: OrderCreated) -> list[Command]:
        order = self._find(event.client_order_id)
        if order is None:
            return _NOTHING
        self.state.outcome_unknown = False
        mark_created(order, event)
        self._touch()
        return _NOTHING

    @on(OrderFilled)
    def _filled(self, event: OrderFilled) -> list[Command]:
        order = self._find(event.client_order_id)
        if order is None or not order.count_fill(event):
            return _NOTHING
        state = self.state
        state.outcome_unknown = False
        state.filled_base += event.base_amount
        state.filled_quote += event.base_amount * event.price
        state.fees_quote += event.fee_quote
        self._touch()
        return self._after(order, event.ts_event)

    def _after(self, order: TrackedOrder, now: dt.datetime) -> list[Command]:
        """``order`` moved: go on with the schedule once it is done."""
        if not order.is_done:
            return _NOTHING
        if self.state.twap_state is TWAPState.CLOSING:
            self._fire(T.END, now=now)
            return _NOTHING
        return self._advance(now)

    @on(OrderCanceled)
    def _canceled(self, event: OrderCanceled) -> list[Command]:
        order = self._find(event.client_order_id)
        if order is None or order.is_done:
            return _NOTHING
        ours = order.phase is OrderPhase.CANCELING
        order.phase = OrderPhase.CANCELED
        self.state.outcome_unknown = False
        self._touch()
        if ours:
            return self._after(order, event.ts_event)
        reason = f"order {order.client_order_id} canceled by the venue"
        return self._refused(order, reason, "", event.ts_event)

    @on(OrderFailed)
    def _order_failed(self, event: OrderFailed) -> list[Command]:
        order = self._find(event.client_order_id)
        if order is None or order.is_done:
            return _NOTHING
        order.phase, order.reason = OrderPhase.FAILED, event.reason
        self._touch()
        reason = f"order {order.client_order_id} failed: {event.reason}"
        return self._refused(order, reason, "", event.ts_event)

    def _refused(
        self, order: TrackedOrder, reason: str, code: str, now: dt.datetime
    ) -> list[Command]:
        """The venue refused or canceled ``order``: place its slice again, while retries last."""
        state = self.state
        state.outcome_unknown = False
        state.failure_reason, state.failure_code = reason, code
        if state.twap_state is TWAPState.CLOSING:
            return self._after(order, now)
        state.retries += 1
        if state.retries > self.config.max_retries:
            self._fire(T.FAIL, close_type=CloseType.FAILED, now=now)
            return _NOTHING
        state.slice_wants_order = True
        return self._advance(now)

    @on(CommandFailed)
    def _command_failed(self, event: CommandFailed) -> list[Command]:
        state = self.state
        order = self._live()
        if order is None:
            return _NOTHING
        if event.command_id == order.command_id and order.phase is OrderPhase.PLACING:
            if event.code == "outcome_unknown":  # it may exist: the poller reads it
                mark_outcome_unknown(state, order, event)
                self._touch()
                return _NOTHING
            order.phase, order.reason = OrderPhase.FAILED, event.reason
            self._touch()
            reason = f"placing order {order.client_order_id} failed: {event.reason}"
            return self._refused(order, reason, event.code, event.ts_event)
        if event.command_id == order.cancel_command_id and order.phase is OrderPhase.CANCELING:
            state.retries += 1
            if state.retries > self.config.max_retries:
                state.failure_reason = cancel_refused_reason(order, event.reason)
                state.failure_code = event.code
                self._fire(T.FAIL, close_type=CloseType.FAILED, now=event.ts_event)
                return _NOTHING
            return [self._cancel(order)]
        return _NOTHING

    # --- reporting --------------------------------------------------------------------------

    @property
    def average_price(self) -> Decimal:
        """The fill-weighted average price (0 before any fill)."""
        state = self.state
        return state.filled_quote / state.filled_base if state.filled_base > 0 else ZERO

    @property
    def slippage(self) -> Decimal | None:
        """The average price against the arrival price, a ratio; positive is worse (None
        before a fill)."""
        arrival, average = self.state.arrival_price, self.average_price
        if arrival is None or average == 0:
            return None
        move = average / arrival - ONE
        return move if self._is_buy else -move

    def metrics(self) -> ExecutorMetrics:
        state = self.state
        mid, average = state.last_mid, self.average_price
        trade = ZERO
        if mid is not None and average > 0:
            move = (mid - average) / average
            trade = (move if self._is_buy else -move) * state.filled_quote
        net = trade - state.fees_quote
        return ExecutorMetrics(
            net_pnl_quote=net,
            net_pnl_pct=ratio(net, state.filled_quote),
            fees_paid_quote=state.fees_quote,
            volume_quote=state.filled_quote,
            value_quote=ZERO if mid is None else state.filled_base * mid,
        )

    def _stranded_reason(self) -> str | None:
        state = self.state
        return state.failure_reason if state.outcome_unknown else None

    def details(self) -> TWAPDetails:
        state, config = self.state, self.config
        nxt = state.slice + 1
        next_time = (
            self.slice_start(nxt)
            if state.start_time is not None and nxt < self._slices and not self.is_terminated
            else None
        )
        return TWAPDetails(
            side=config.side,
            trading_pair=config.trading_pair,
            connector_name=config.connector_name,
            mode=config.mode,
            number_of_orders=self._slices,
            order_amount_quote=config.order_amount_quote,
            current_retries=state.retries,
            max_retries=config.max_retries,
            state=state.twap_state.value,
            is_trading=self.status is ExecutorStatus.ACTIVE and state.filled_base > 0,
            start_time=state.start_time,
            end_time=self.end_time,
            next_slice_time=next_time,
            slices_sent=len(set(state.order_slices)),
            arrival_price=state.arrival_price,
            average_executed_price=self.average_price,
            slippage=self.slippage,
            filled_amount_base=state.filled_base,
            filled_amount_quote=state.filled_quote,
            filled_ratio=state.filled_quote / config.total_amount_quote,
            cum_fees_quote=state.fees_quote,
            order_ids=[order.client_order_id for order in state.orders],
            orders=[
                TWAPSliceReport(
                    slice=index,
                    client_order_id=order.client_order_id,
                    order_type=order.order_type,
                    price=order.price,
                    amount=order.amount,
                    filled_base=order.filled_base,
                    average_price=order.average_price,
                    fees_quote=order.fees_quote,
                    phase=order.phase.value,
                )
                for order, index in zip(state.orders, state.order_slices, strict=True)
            ],
            failure_reason=state.failure_reason,
            failure_code=state.failure_code,
        )
