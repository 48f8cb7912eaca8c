"""``OrderExecutor``: one order of ``amount`` base on an order-book venue, with no I/O.

Strategies (``execution_strategy``, Hummingbot's names, ``executors.md`` §4):

- **MARKET** and **LIMIT** place one order at start (LIMIT at ``price``).
- **LIMIT_MAKER** places one post-only order at ``price`` *as given*. The venue enforces
  post-only: one that would take is rejected there (ending FAILED with the venue's reason, fills
  held) or, on venues that expire it instead, canceled (ending CANCELED). Hummingbot clamps the
  price to the touch first (a BUY at ``min(price, best_bid)``); we do not: the executor's touch is
  one feed poll old, only the venue knows the book when the order arrives, and an order that
  differs from the one asked for is a surprise. Use LIMIT_CHASER to follow the touch.
- **LIMIT_CHASER** keeps one post-only order ``chaser_config.distance`` behind the touch
  (:mod:`lpexec.cex.chaser` has the prices and the re-quote rule). It subscribes to its pair's
  prices (``PriceUpdated``; a :class:`~lpexec.cex.chaser.TopOfBookUpdated` gives the real bid and
  ask, a plain price stands for both) and waits in WAITING for the first one. When the touch moves
  away by more than ``refresh_threshold`` it **re-quotes**: it cancels the order (REQUOTING) and
  only once the venue confirms the cancel places a new order, with a new command id and client
  order id, for what is still unfilled; there are never two live orders. Fills of every order
  count toward ``amount``. A chase order that ends without our asking (refused, failed, canceled by
  the venue) is quoted again at the next price, up to ``chaser_config.max_retries`` times (a
  re-quote's cancel refused for good counts too); one more ends the executor FAILED.

Every order is a :class:`~lpexec.cex.tracking.TrackedOrder` in the executor's one order list
(``state.orders``, oldest first; only the last can be live). Its ``client_order_id`` is derived
from the place command's id (:func:`client_order_id_for`), so an engine that retries the same
intent re-sends the same id and the venue never makes a second order. Fills
(:class:`~lpexec.core.trade.OrderFilled`) count once per ``fill_id`` per order, also when they
arrive after their order was replaced; the executor's totals are the sums over its orders. It is
complete when the filled base reaches ``amount`` or the live order's fill is final. A late fill of
a replaced order that reaches ``amount`` cancels the live one (ending FILLED on the cancel).

Perpetuals: ``position_action`` (OPEN or CLOSE) rides on every
:class:`~lpexec.core.trade.PlaceOrder` on a perpetual market: ``is_perpetual`` says so, or when
it is None (the default), ``connector_name`` does (Hummingbot's rule: the name contains
``perpetual``, e.g. ``binance_perpetual``). Spot orders carry None. CLOSE on a market that is not
perpetual is refused (it could only be a mistake: a spot venue cannot reduce a position, and a
perpetual venue not known as one would open a position instead).
``leverage`` is carried in the config and the report; the venue's leverage is set by whoever
wires the venue (``PerpetualVenue.set_leverage``), not by this executor.

Ending (decisions against the Hummingbot reference, ``executors.md`` §4 and §16):

- The executor's purpose is to create inventory, so it never flattens: ``keep_position`` is
  always True, and a stop's ``keep_position`` is ignored (as in Hummingbot). Whatever filled is
  held: every ending with fills has close type POSITION_HOLD and hands its fills to the
  held-positions ledger (:meth:`OrderExecutor.held_fills`), whatever the family state.
- A full fill ends FILLED with POSITION_HOLD (Hummingbot's OrderExecutor also ends every success
  as POSITION_HOLD).
- A stop with no live order (before start, or a chaser WAITING) ends CANCELED at once; with one it
  sends :class:`~core.trade.CancelOrder` (a chaser already REQUOTING waits for the cancel in
  flight) and waits in CANCELING for the venue's answer: an :class:`~core.trade.OrderCanceled`
  ends CANCELED (POSITION_HOLD with fills, EARLY_STOP without), a fill that completes the order
  first ends FILLED. Partial fills of a canceled order are never lost (§16 quirk 3).
- :class:`~core.trade.OrderFailed`, or a :class:`~core.messages.CommandFailed` answering the
  place command, ends FAILED (close type FAILED, or POSITION_HOLD when something filled), except
  for a chaser within its retries (above). A place whose outcome is unknown
  (``code="outcome_unknown"``) may have made the order: the executor stays PLACING (reported as
  stranded) until a later event tells; a stop cancels it by its client order id. A refused cancel
  is sent again when retryable; else a stop ends FAILED (the order may still be open) and a
  re-quote keeps the order (OPEN again: the order poller reads what became of it), counting it
  as one of the chaser's retries.
- Reports: ``net_pnl_quote`` is 0 (the P&L of held inventory is the ledger's), fees paid are the
  cumulative fees in quote, and the volume is the filled quote (not 0: §16 quirk 5).

Hummingbot configs: an ``OrderExecutorConfig`` from Hummingbot as JSON data
(``model_dump(mode="json")``, or the same dict with its enums as their values) validates
unchanged. ``side`` may be its ``TradeType`` value (1 BUY, 2 SELL),
``position_action`` may be ``NIL`` (no position action: spot only), ``id`` may be None
(generated). Fields only Hummingbot has are **accepted and ignored**, one rule for all of them:
each is dropped, and a warning is logged for every one whose value would have changed what
Hummingbot does (that is, differs from Hummingbot's default): ``type`` must be
``order_executor`` (or ``order``) and is otherwise refused; ``timestamp`` (Hummingbot's creation
time; the engine's clock records ``created_at``) is dropped silently; ``slippage_pct``,
``slippage_multiplier`` and ``max_slippage_pct`` steer Gateway swaps, which this executor does
not do (use the swap executor), and are warned about when not at Hummingbot's defaults. Any
other unknown field is refused as in every config. Where a shared field's value is not used by
the strategy we refuse it instead of ignoring it (a ``price`` for MARKET or LIMIT_CHASER, a
``chaser_config`` for anything but LIMIT_CHASER): Hummingbot ignores those silently.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from lpexec.cex.base import CexExecutor
from lpexec.cex.chaser import (
    LimitChaserConfig,
    chase_price,
    needs_requote,
    quoted_touch,
    touch_of,
)
from lpexec.cex.order_config import (
    HUMMINGBOT_IGNORED_FIELDS,
    ExecutionStrategy,
    OrderDetails,
    OrderExecutorConfig,
)
from lpexec.cex.tracking import (
    OrderPhase,
    TrackedOrder,
    cancel_again,
    cancel_refused_reason,
    client_order_id_for,
    outcome_unknown_reason,
)
from lpexec.core import (
    CloseType,
    Command,
    CommandFailed,
    Event,
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
    PlaceOrder,
    PriceUpdated,
    StopRequested,
    TransitionTable,
    on,
)
from lpexec.core.money import ZERO

__all__ = [
    "HUMMINGBOT_IGNORED_FIELDS",
    "ORDER_STATUS",
    "ORDER_TRANSITIONS",
    "ExecutionStrategy",
    "LimitChaserConfig",
    "OrderDetails",
    "OrderExecutor",
    "OrderExecutorConfig",
    "OrderExecutorState",
    "OrderFill",
    "OrderState",
    "OrderTrigger",
    "client_order_id_for",
]

logger = logging.getLogger(__name__)

# --- states ---------------------------------------------------------------------------------


class OrderState(StrEnum):
    """Where the executor's order stands."""

    NOT_STARTED = "NOT_STARTED"
    WAITING = "WAITING"  # a chaser with no live order, waiting for a price to quote at
    PLACING = "PLACING"  # PlaceOrder sent, the venue has not confirmed it yet
    OPEN = "OPEN"  # the venue holds it (perhaps partly filled)
    REQUOTING = "REQUOTING"  # a chaser canceled its order to re-quote; the next waits for it
    CANCELING = "CANCELING"  # stopped: CancelOrder sent
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"


class OrderTrigger(StrEnum):
    """What moves the executor's order between states."""

    PLACE = "PLACE"
    WAIT = "WAIT"  # a chaser started with no price yet
    CONFIRM = "CONFIRM"  # OrderCreated
    FILL = "FILL"  # a fill that does not complete the order
    COMPLETE = "COMPLETE"  # a fill that completes it
    REQUOTE = "REQUOTE"  # the touch moved away beyond the threshold: cancel to re-quote
    REPLACE = "REPLACE"  # the re-quote's cancel landed: place the rest at the touch
    KEEP = "KEEP"  # the re-quote's cancel was refused for good: the order stays
    RETRY = "RETRY"  # a chase order ended without our asking: quote again at the next price
    CANCEL = "CANCEL"  # a stop: send CancelOrder (or end, with no live order)
    RECANCEL = "RECANCEL"  # a retryable refusal of the cancel: send it again
    CANCELED = "CANCELED"  # OrderCanceled
    FAIL = "FAIL"


S, T = OrderState, OrderTrigger

ORDER_TRANSITIONS: TransitionTable[OrderState, OrderTrigger] = {
    (S.NOT_STARTED, T.PLACE): S.PLACING,
    (S.NOT_STARTED, T.WAIT): S.WAITING,  # a chaser with no touch yet
    (S.NOT_STARTED, T.CANCEL): S.CANCELED,  # stopped before anything was sent
    (S.WAITING, T.PLACE): S.PLACING,  # a price to quote at
    (S.WAITING, T.COMPLETE): S.FILLED,  # a late fill of an earlier order reached the amount
    (S.WAITING, T.CANCEL): S.CANCELED,  # stopped with no order live
    (S.PLACING, T.CONFIRM): S.OPEN,
    (S.PLACING, T.FILL): S.OPEN,  # a fill before the confirmation: the order exists
    (S.PLACING, T.COMPLETE): S.FILLED,  # a market order filled at once
    (S.PLACING, T.RETRY): S.WAITING,  # a chase order refused or canceled by the venue
    (S.PLACING, T.CANCEL): S.CANCELING,  # cancel by client order id, it may exist
    (S.PLACING, T.CANCELED): S.CANCELED,  # the venue canceled it at once (nothing to rest)
    (S.PLACING, T.FAIL): S.FAILED,  # refused: nothing was made
    (S.OPEN, T.CONFIRM): S.OPEN,  # a repeated confirmation
    (S.OPEN, T.FILL): S.OPEN,
    (S.OPEN, T.COMPLETE): S.FILLED,
    (S.OPEN, T.REQUOTE): S.REQUOTING,
    (S.OPEN, T.RETRY): S.WAITING,  # a chase order failed or was canceled by the venue
    (S.OPEN, T.CANCEL): S.CANCELING,
    (S.OPEN, T.CANCELED): S.CANCELED,  # the venue canceled it on its own
    (S.OPEN, T.FAIL): S.FAILED,
    (S.REQUOTING, T.CONFIRM): S.REQUOTING,  # a late confirmation
    (S.REQUOTING, T.FILL): S.REQUOTING,  # fills before the cancel landed still count
    (S.REQUOTING, T.COMPLETE): S.FILLED,  # it filled before the cancel landed
    (S.REQUOTING, T.REPLACE): S.PLACING,  # canceled (or failed): only now the next order
    (S.REQUOTING, T.KEEP): S.OPEN,  # the cancel was refused for good: still tracked
    (S.REQUOTING, T.RECANCEL): S.REQUOTING,
    (S.REQUOTING, T.CANCEL): S.CANCELING,  # stopped: the cancel in flight serves the stop
    (S.REQUOTING, T.FAIL): S.FAILED,  # the cancel refused for good past max_retries
    (S.CANCELING, T.CONFIRM): S.CANCELING,  # a late confirmation
    (S.CANCELING, T.FILL): S.CANCELING,  # fills before the cancel landed still count
    (S.CANCELING, T.COMPLETE): S.FILLED,  # it filled before the cancel landed
    (S.CANCELING, T.RECANCEL): S.CANCELING,
    (S.CANCELING, T.CANCELED): S.CANCELED,
    (S.CANCELING, T.FAIL): S.FAILED,  # the order failed, or the cancel was refused for good
}

ORDER_STATUS: dict[OrderState, ExecutorStatus] = {
    S.NOT_STARTED: ExecutorStatus.CREATED,
    S.WAITING: ExecutorStatus.ACTIVE,
    S.PLACING: ExecutorStatus.ACTIVE,
    S.OPEN: ExecutorStatus.ACTIVE,
    S.REQUOTING: ExecutorStatus.ACTIVE,
    S.CANCELING: ExecutorStatus.CLOSING,
    S.FILLED: ExecutorStatus.TERMINATED,
    S.CANCELED: ExecutorStatus.TERMINATED,
    S.FAILED: ExecutorStatus.TERMINATED,
}
"""The lifecycle status of each order state: the executor's status is derived from it."""

# --- state ----------------------------------------------------------------------------------


@dataclass(slots=True)
class OrderFill:
    """One fill counted, in base and quote units; ``fee_quote`` in quote; the order it filled."""

    fill_id: str
    base_amount: Decimal
    price: Decimal
    fee_quote: Decimal
    ts: dt.datetime
    client_order_id: str = ""


@dataclass(slots=True)
class OrderExecutorState:
    """Everything an order executor knows.

    ``orders`` holds every order placed, oldest first (only the last can be live); the totals
    (``filled_base``, ``filled_quote``, ``fees_quote``) are sums over them, and the id
    properties are the last order's. ``best_bid``/``best_ask`` are the last touch seen (0
    before any price; kept for a chaser only), ``quoted`` the side of the touch the live chase
    order was priced from.
    """

    order_state: OrderState = OrderState.NOT_STARTED
    orders: list[TrackedOrder] = field(default_factory=list)
    fills: list[OrderFill] = field(default_factory=list)
    best_bid: Decimal = ZERO
    best_ask: Decimal = ZERO
    quoted: Decimal = ZERO
    requotes: int = 0
    retries: int = 0
    stop_requested: bool = False
    outcome_unknown: bool = False
    failure_reason: str = ""
    failure_code: str = ""

    @property
    def live_order(self) -> TrackedOrder | None:
        """The order the venue may still fill or cancel, if any."""
        orders = self.orders
        return orders[-1] if orders and not orders[-1].is_done else None

    @property
    def last_order(self) -> TrackedOrder | None:
        """The order placed last, live or not."""
        return self.orders[-1] if self.orders else None

    @property
    def client_order_id(self) -> str:
        """The last order's client order id ('' before any)."""
        order = self.last_order
        return order.client_order_id if order else ""

    @property
    def venue_order_id(self) -> str:
        """The last order's venue order id ('' until the venue gives one)."""
        order = self.last_order
        return order.venue_order_id if order else ""

    @property
    def place_command_id(self) -> str:
        """The command that placed the last order."""
        order = self.last_order
        return order.command_id if order else ""

    @property
    def cancel_command_id(self) -> str:
        """The last cancel command sent for the last order."""
        order = self.last_order
        return order.cancel_command_id if order else ""

    @property
    def filled_base(self) -> Decimal:
        """Base filled over every order."""
        return sum((order.filled_base for order in self.orders), ZERO)

    @property
    def filled_quote(self) -> Decimal:
        """Quote value of every fill (base x price)."""
        return sum((order.filled_quote for order in self.orders), ZERO)

    @property
    def fees_quote(self) -> Decimal:
        """Fees of every fill, in quote."""
        return sum((order.fees_quote for order in self.orders), ZERO)


# --- executor -------------------------------------------------------------------------------


class OrderExecutor(CexExecutor[OrderExecutorConfig, OrderExecutorState]):
    """One order (see module docstring). Pure: events in, commands out."""

    config_class = OrderExecutorConfig
    state_class = OrderExecutorState
    family_table = ORDER_TRANSITIONS
    family_status = ORDER_STATUS
    family_field = "order_state"

    # --- placing ------------------------------------------------------------------------------

    @on(ExecutorStarted)
    def _started(self, event: ExecutorStarted) -> list[Command]:
        config = self.config
        if config.chaser_config is not None:
            if self.state.best_bid <= ZERO:
                self._fire(OrderTrigger.WAIT)
                return []
            return self._quote(OrderTrigger.PLACE, event)
        self._fire(OrderTrigger.PLACE)
        return [self._place(config.amount, config.price)]

    def _place(self, amount: Decimal, price: Decimal | None) -> PlaceOrder:
        config = self.config
        action = config.position_action if config.perpetual else None
        order, command = self._place_order(config.side, config.order_type, amount, price, action)
        self.state.orders.append(order)
        return command

    def _quote(self, trigger: OrderTrigger, event: Event) -> list[Command]:
        """Place a chase order for what is unfilled at the touch (``trigger`` PLACE or REPLACE),
        or complete when nothing is."""
        config, state = self.config, self.state
        remaining = config.amount - state.filled_base
        if remaining <= ZERO:
            self._fire(
                OrderTrigger.COMPLETE, close_type=CloseType.POSITION_HOLD, now=event.ts_event
            )
            return []
        distance = self._chaser().distance
        touch = quoted_touch(config.side, state.best_bid, state.best_ask)
        self._fire(trigger)
        state.quoted = touch
        return [self._place(remaining, chase_price(config.side, touch, distance))]

    def _chaser(self) -> LimitChaserConfig:
        chaser = self.config.chaser_config
        if chaser is None:  # only a LIMIT_CHASER quotes, re-quotes and retries
            raise TypeError(
                f"order executor {self.id}: expected execution_strategy=LIMIT_CHASER, "
                f"received {self.config.execution_strategy}"
            )
        return chaser

    def order_refs(self) -> list[OrderRef]:
        """The live order, while the venue may still fill or cancel it (for the order poller)."""
        order = self.state.live_order
        if order is None:
            return []
        return [order.ref(self.config.connector_name, self.config.trading_pair)]

    def _find(self, client_order_id: str) -> TrackedOrder | None:
        for order in reversed(self.state.orders):
            if order.client_order_id == client_order_id:
                return order
        return None

    # --- chasing ------------------------------------------------------------------------------

    @on(PriceUpdated)
    def _price(self, event: PriceUpdated) -> list[Command]:
        chaser = self.config.chaser_config
        if chaser is None or event.trading_pair != self.config.trading_pair:
            return []
        state = self.state
        # The touch is a cache of market data: kept without a revision of its own (a restart
        # before the next change quotes at the next price instead).
        state.best_bid, state.best_ask = touch_of(event)
        family = state.order_state
        if family is OrderState.WAITING:
            return self._quote(OrderTrigger.PLACE, event)
        order = state.live_order
        if family is not OrderState.OPEN or order is None:
            return []
        side = self.config.side
        touch = quoted_touch(side, state.best_bid, state.best_ask)
        if not needs_requote(
            side, quoted=state.quoted, touch=touch, threshold=chaser.refresh_threshold
        ):
            return []
        self._fire(OrderTrigger.REQUOTE)
        state.requotes += 1
        return [self._cancel(order)]

    def _retry(self, reason: str, code: str, event: Event) -> list[Command]:
        """A chase order ended without our asking: quote again at the next price, or end FAILED
        past ``max_retries``."""
        state = self.state
        limit = self._chaser().max_retries
        state.retries += 1
        if state.retries > limit:
            reason = f"{reason}; {state.retries} chase orders failed (max_retries={limit})"
            return self._fail(reason, code, event)
        logger.warning("order executor %s: %s; quoting again at the next price", self.id, reason)
        self._fire(OrderTrigger.RETRY)
        return []

    # --- confirming and filling ---------------------------------------------------------------

    @on(OrderCreated)
    def _created(self, event: OrderCreated) -> list[Command]:
        state = self.state
        order = self._find(event.client_order_id)
        if order is None:
            return []
        venue_order_id = event.venue_order_id or order.venue_order_id
        news = venue_order_id != order.venue_order_id
        order.venue_order_id = venue_order_id
        if order is not state.live_order:
            if news:
                self._touch()  # a late confirmation of an order already replaced
            return []
        if not (news or order.phase is OrderPhase.PLACING or state.outcome_unknown):
            return []  # the same confirmation again (each poll of an open order): no change
        state.outcome_unknown = False
        if order.phase is OrderPhase.PLACING:
            order.phase = OrderPhase.OPEN
        self._fire(OrderTrigger.CONFIRM)
        return []

    @on(OrderFilled)
    def _filled(self, event: OrderFilled) -> list[Command]:
        state = self.state
        order = self._find(event.client_order_id)
        if order is None:
            return []
        live = order is state.live_order
        if not order.count_fill(event):
            return []  # the same fill reported twice counts once
        state.fills.append(
            OrderFill(
                fill_id=event.fill_id,
                base_amount=event.base_amount,
                price=event.price,
                fee_quote=event.fee_quote,
                ts=event.ts_event,
                client_order_id=order.client_order_id,
            )
        )
        complete = state.filled_base >= self.config.amount
        if live:
            state.outcome_unknown = False
            if complete or order.phase is OrderPhase.FILLED:
                self._fire(
                    OrderTrigger.COMPLETE, close_type=CloseType.POSITION_HOLD, now=event.ts_event
                )
            else:
                self._fire(OrderTrigger.FILL)
            return []
        # A late fill of an order already replaced: it counts; if it reaches the amount, the
        # live order (if any) is not needed any more.
        if not complete:
            self._touch()
            return []
        live_order = state.live_order
        if live_order is None:
            self._fire(
                OrderTrigger.COMPLETE, close_type=CloseType.POSITION_HOLD, now=event.ts_event
            )
            return []
        if state.order_state in (OrderState.PLACING, OrderState.OPEN):
            self._fire(OrderTrigger.CANCEL)
            return [self._cancel(live_order)]
        self._touch()  # a cancel is already in flight; its answer ends the executor
        return []

    # --- canceling ----------------------------------------------------------------------------

    @on(StopRequested)
    def _stop(self, event: StopRequested) -> list[Command]:
        # ``event.keep_position`` is ignored: an order executor never flattens (module docstring).
        state = self.state
        family = state.order_state
        if family in (OrderState.NOT_STARTED, OrderState.WAITING):
            state.stop_requested = True
            close_type = self._held_or(CloseType.EARLY_STOP)
            self._fire(OrderTrigger.CANCEL, close_type=close_type, now=event.ts_event)
            return []
        if family is OrderState.REQUOTING:
            state.stop_requested = True
            self._fire(OrderTrigger.CANCEL)  # the re-quote's cancel in flight serves the stop
            return []
        order = state.live_order
        if family not in (OrderState.PLACING, OrderState.OPEN) or order is None:
            return []  # already canceling
        state.stop_requested = True
        self._fire(OrderTrigger.CANCEL)
        return [self._cancel(order)]

    @on(OrderCanceled)
    def _canceled(self, event: OrderCanceled) -> list[Command]:
        state = self.state
        order = self._find(event.client_order_id)
        if order is None or order is not state.live_order:
            return []  # not ours, or an order already ended
        order.phase = OrderPhase.CANCELED
        state.outcome_unknown = False
        family = state.order_state
        if family is OrderState.REQUOTING:
            return self._quote(OrderTrigger.REPLACE, event)
        if self.config.chaser_config is not None and family in (S.PLACING, S.OPEN):
            return self._retry(
                f"order {order.client_order_id} was canceled by the venue", "", event
            )
        if state.filled_base >= self.config.amount:
            self._fire(
                OrderTrigger.COMPLETE, close_type=CloseType.POSITION_HOLD, now=event.ts_event
            )
            return []
        close_type = self._held_or(CloseType.EARLY_STOP)
        self._fire(OrderTrigger.CANCELED, close_type=close_type, now=event.ts_event)
        return []

    # --- failures -------------------------------------------------------------------------------

    @on(OrderFailed)
    def _order_failed(self, event: OrderFailed) -> list[Command]:
        state = self.state
        order = self._find(event.client_order_id)
        if order is None or order is not state.live_order:
            return []
        order.phase, order.reason = OrderPhase.FAILED, event.reason
        reason = f"order {event.client_order_id} failed: {event.reason}"
        family = state.order_state
        if family is OrderState.REQUOTING:
            return self._quote(OrderTrigger.REPLACE, event)  # gone, as the re-quote wanted
        if self.config.chaser_config is not None and family in (S.PLACING, S.OPEN):
            return self._retry(reason, "", event)
        return self._fail(reason, "", event)

    @on(CommandFailed)
    def _command_failed(self, event: CommandFailed) -> list[Command]:
        order = self.state.live_order
        if order is None:
            return []
        if event.command_id == order.command_id:
            return self._place_failed(order, event)
        if event.command_id == order.cancel_command_id:
            return self._cancel_failed(order, event)
        return []

    def _place_failed(self, order: TrackedOrder, event: CommandFailed) -> list[Command]:
        state = self.state
        family = state.order_state
        if family is OrderState.CANCELING:
            if event.code == "outcome_unknown":
                return []  # the cancel sent by its client order id tells
            # Stopped while placing, and the venue refused the order: nothing is open.
            order.phase = OrderPhase.FAILED
            state.failure_reason = f"placing the order failed: {event.reason}"
            state.failure_code = event.code
            close_type = self._held_or(CloseType.EARLY_STOP)
            self._fire(OrderTrigger.CANCELED, close_type=close_type, now=event.ts_event)
            return []
        if family is not OrderState.PLACING:
            return []
        if event.code == "outcome_unknown":
            # It may have made the order: wait for the venue to tell, cancel it on a stop.
            state.outcome_unknown = True
            state.failure_reason = outcome_unknown_reason(order, event.reason)
            state.failure_code = event.code
            self._touch()
            return []
        order.phase, order.reason = OrderPhase.FAILED, event.reason
        reason = f"placing the order failed: {event.reason}"
        if self.config.chaser_config is not None:
            return self._retry(reason, event.code, event)
        return self._fail(reason, event.code, event)

    def _cancel_failed(self, order: TrackedOrder, event: CommandFailed) -> list[Command]:
        family = self.state.order_state
        if family not in (OrderState.CANCELING, OrderState.REQUOTING):
            return []
        if cancel_again(event):
            self._fire(OrderTrigger.RECANCEL)
            return [self._cancel(order)]
        reason = cancel_refused_reason(order, event.reason)
        if family is OrderState.REQUOTING:
            # Keep the order: the order poller reads what became of it (filled, canceled, open).
            # Each refusal counts as a retry, so a venue that never lets go does not get a
            # cancel on every price for ever.
            limit = self._chaser().max_retries
            self.state.retries += 1
            if self.state.retries > limit:
                reason = f"{reason}; {self.state.retries} chase orders failed (max_retries={limit})"
                return self._fail(reason, event.code, event)
            logger.warning("order executor %s: %s; keeping it", self.id, reason)
            order.phase = OrderPhase.OPEN
            self._fire(OrderTrigger.KEEP)
            return []
        return self._fail(reason, event.code, event)

    def _fail(self, reason: str, code: str, event: Event) -> list[Command]:
        self.state.failure_reason, self.state.failure_code = reason, code
        close_type = self._held_or(CloseType.FAILED)
        self._fire(OrderTrigger.FAIL, close_type=close_type, now=event.ts_event)
        return []

    def _held_or(self, close_type: CloseType) -> CloseType:
        """POSITION_HOLD when something filled (it is held), else ``close_type``."""
        return CloseType.POSITION_HOLD if self.state.filled_base > 0 else close_type

    # --- reporting ------------------------------------------------------------------------------

    @property
    def average_price(self) -> Decimal:
        """The fill-weighted average price over every order (0 before any fill)."""
        state = self.state
        filled_base = state.filled_base
        return state.filled_quote / filled_base if filled_base > 0 else ZERO

    def metrics(self) -> ExecutorMetrics:
        state = self.state
        return ExecutorMetrics(fees_paid_quote=state.fees_quote, volume_quote=state.filled_quote)

    def _stranded_reason(self) -> str | None:
        state = self.state
        return state.failure_reason if state.outcome_unknown else None

    def details(self) -> OrderDetails:
        state, config = self.state, self.config
        last = state.last_order
        return OrderDetails(
            state=state.order_state.value,
            trading_pair=config.trading_pair,
            connector_name=config.connector_name,
            side=config.side,
            execution_strategy=config.execution_strategy,
            amount=config.amount,
            price=config.price,
            order_price=last.price if last else None,
            position_action=config.position_action,
            leverage=config.leverage,
            level_id=config.level_id,
            client_order_id=state.client_order_id,
            venue_order_id=state.venue_order_id,
            filled_amount_base=state.filled_base,
            filled_amount_quote=state.filled_quote,
            average_price=self.average_price,
            cum_fees_quote=state.fees_quote,
            fills=len(state.fills),
            orders=len(state.orders),
            requotes=state.requotes,
            retries=state.retries,
            stop_requested=state.stop_requested,
            failure_reason=state.failure_reason,
            failure_code=state.failure_code,
        )

    def held_fills(self) -> list[tuple[HeldPositionKey, HeldFill]]:
        """Every fill of every order, for the held-positions ledger (the engine asks on
        POSITION_HOLD)."""
        config = self.config
        key = self._held_key()
        return [
            (
                key,
                HeldFill(
                    fill_id=f"{fill.client_order_id}:{fill.fill_id}",
                    executor_id=self.id,
                    side=config.side,
                    base_amount=fill.base_amount,
                    quote_amount=fill.base_amount * fill.price,
                    fee_quote=fill.fee_quote,
                    ts=fill.ts,
                ),
            )
            for fill in self.state.fills
        ]
