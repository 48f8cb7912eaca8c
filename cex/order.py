"""``OrderExecutor``: one order on an order-book venue, with no I/O.

On start it places one order (:class:`~core.trade.PlaceOrder`) for ``amount`` base. The order's
``client_order_id`` is derived from the place command's id (:func:`client_order_id_for`), so an
engine that retries the same intent re-sends the same client order id and the venue never makes
a second order. Fills (:class:`~core.trade.OrderFilled`) are counted once per ``fill_id``: the
cumulative base filled, the quote value at the fill-weighted average price and the fees in
quote. The order is complete when a fill is final or the cumulative base reaches ``amount``.

Ending (decisions against the Hummingbot reference, ``executors.md`` §4 and §16):

- The executor's purpose is to create inventory, so it never flattens: ``keep_position`` is
  always True, and a stop's ``keep_position`` is ignored (as in Hummingbot). Whatever filled is
  held: every ending with fills has close type POSITION_HOLD and hands its fills to the
  held-positions ledger (:meth:`OrderExecutor.held_fills`), whatever the family state.
- A full fill ends FILLED with POSITION_HOLD (Hummingbot's OrderExecutor also ends every success
  as POSITION_HOLD).
- A stop before the order is placed ends CANCELED with EARLY_STOP; once placed it sends
  :class:`~core.trade.CancelOrder` and waits in CANCELING for the venue's answer: an
  :class:`~core.trade.OrderCanceled` ends CANCELED (POSITION_HOLD with partial fills, EARLY_STOP
  without), a fill that completes the order first ends FILLED. Partial fills of a canceled order
  are never lost (§16 quirk 3).
- :class:`~core.trade.OrderFailed`, or a :class:`~core.messages.CommandFailed` answering the
  place command, ends FAILED (close type FAILED, or POSITION_HOLD when something filled). A place
  whose outcome is unknown (``code="outcome_unknown"``) may have made the order: the executor
  stays PLACING (reported as stranded) until a later event tells; a stop cancels it by its client
  order id. A refused cancel is sent again when retryable, else ends FAILED with the reason that
  the order may still be open.
- Reports: ``net_pnl_quote`` is 0 (the P&L of held inventory is the ledger's), fees paid are the
  cumulative fees in quote, and the volume is the filled quote (not 0: §16 quirk 5).

Not done yet: LIMIT_CHASER (it needs book prices and re-quoting); LIMIT_MAKER is placed at
``price`` as given (the venue rejects it if it would take; Hummingbot clamps to the best bid or
ask, which needs the book); ``position_action`` and ``leverage`` are carried in the config and
report but :class:`~core.trade.PlaceOrder` has no fields for them yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from lpexec.cex.tracking import client_order_id_for
from lpexec.core import (
    CancelOrder,
    CloseType,
    Command,
    CommandFailed,
    Event,
    Executor,
    ExecutorConfig,
    ExecutorDetails,
    ExecutorInfo,
    ExecutorMetrics,
    ExecutorStarted,
    ExecutorStatus,
    Exposure,
    HeldFill,
    HeldPositionKey,
    OrderCanceled,
    OrderCreated,
    OrderFailed,
    OrderFilled,
    OrderRef,
    PlaceOrder,
    StopRequested,
    TransitionTable,
    on,
)
from lpexec.core.money import ZERO

__all__ = [
    "ORDER_STATUS",
    "ORDER_TRANSITIONS",
    "ExecutionStrategy",
    "OrderDetails",
    "OrderExecutor",
    "OrderExecutorConfig",
    "OrderExecutorState",
    "OrderFill",
    "OrderState",
    "OrderTrigger",
    "client_order_id_for",
]


ExecutionStrategy = Literal["LIMIT", "LIMIT_MAKER", "MARKET"]
_STRATEGIES = ("LIMIT", "LIMIT_MAKER", "MARKET")

# --- states ---------------------------------------------------------------------------------


class OrderState(StrEnum):
    """Where one order stands."""

    NOT_STARTED = "NOT_STARTED"
    PLACING = "PLACING"  # PlaceOrder sent, the venue has not confirmed it yet
    OPEN = "OPEN"  # the venue holds it (perhaps partly filled)
    CANCELING = "CANCELING"  # CancelOrder sent
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"


class OrderTrigger(StrEnum):
    """What moves an order between states."""

    PLACE = "PLACE"
    CONFIRM = "CONFIRM"  # OrderCreated
    FILL = "FILL"  # a fill that does not complete the order
    COMPLETE = "COMPLETE"  # a fill that completes it
    CANCEL = "CANCEL"  # a stop: send CancelOrder (or end, before placing)
    RECANCEL = "RECANCEL"  # a retryable refusal of the cancel: send it again
    CANCELED = "CANCELED"  # OrderCanceled
    FAIL = "FAIL"


S, T = OrderState, OrderTrigger

ORDER_TRANSITIONS: TransitionTable[OrderState, OrderTrigger] = {
    (S.NOT_STARTED, T.PLACE): S.PLACING,
    (S.NOT_STARTED, T.CANCEL): S.CANCELED,  # stopped before anything was sent
    (S.PLACING, T.CONFIRM): S.OPEN,
    (S.PLACING, T.FILL): S.OPEN,  # a fill before the confirmation: the order exists
    (S.PLACING, T.COMPLETE): S.FILLED,  # a market order filled at once
    (S.PLACING, T.CANCEL): S.CANCELING,  # cancel by client order id, it may exist
    (S.PLACING, T.CANCELED): S.CANCELED,  # the venue canceled it at once (nothing to rest)
    (S.PLACING, T.FAIL): S.FAILED,  # refused: nothing was made
    (S.OPEN, T.CONFIRM): S.OPEN,  # a repeated confirmation
    (S.OPEN, T.FILL): S.OPEN,
    (S.OPEN, T.COMPLETE): S.FILLED,
    (S.OPEN, T.CANCEL): S.CANCELING,
    (S.OPEN, T.CANCELED): S.CANCELED,  # the venue canceled it on its own
    (S.OPEN, T.FAIL): S.FAILED,
    (S.CANCELING, T.CONFIRM): S.CANCELING,  # a late confirmation
    (S.CANCELING, T.FILL): S.CANCELING,  # fills before the cancel landed still count
    (S.CANCELING, T.COMPLETE): S.FILLED,  # it filled before the cancel landed
    (S.CANCELING, T.RECANCEL): S.CANCELING,
    (S.CANCELING, T.CANCELED): S.CANCELED,
    (S.CANCELING, T.FAIL): S.FAILED,  # the order failed, or the cancel was refused for good
}

ORDER_STATUS: dict[OrderState, ExecutorStatus] = {
    S.NOT_STARTED: ExecutorStatus.CREATED,
    S.PLACING: ExecutorStatus.ACTIVE,
    S.OPEN: ExecutorStatus.ACTIVE,
    S.CANCELING: ExecutorStatus.CLOSING,
    S.FILLED: ExecutorStatus.TERMINATED,
    S.CANCELED: ExecutorStatus.TERMINATED,
    S.FAILED: ExecutorStatus.TERMINATED,
}
"""The lifecycle status of each order state: the executor's status is derived from it."""


_LIVE = frozenset((OrderState.PLACING, OrderState.OPEN, OrderState.CANCELING))

# --- config ---------------------------------------------------------------------------------


class OrderExecutorConfig(ExecutorConfig):
    """One order of ``amount`` base on ``connector_name`` (Hummingbot's field names).

    Attributes:
        trading_pair: ``BASE-QUOTE``.
        connector_name: the venue that carries the order (e.g. ``binance``, ``paper``).
        side: BUY or SELL.
        amount: the base amount.
        execution_strategy: MARKET, LIMIT or LIMIT_MAKER (post-only); LIMIT_CHASER is not
            supported yet.
        price: the limit price, required for LIMIT and LIMIT_MAKER, refused for MARKET.
        position_action: OPEN or CLOSE (perpetuals).
        leverage: perpetuals' leverage, >= 1.
        level_id: an optional tag a controller uses to find its executors.
        keep_position: always True (what filled is held); False is refused.
    """

    type = "order"

    trading_pair: str = Field(pattern=r"^[^-\s]+-[^-\s]+$")
    connector_name: str = Field(min_length=1)
    side: Literal["BUY", "SELL"]
    amount: Decimal = Field(gt=0, allow_inf_nan=False)
    price: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    execution_strategy: ExecutionStrategy
    position_action: Literal["OPEN", "CLOSE"] = "OPEN"
    leverage: int = Field(default=1, ge=1)
    level_id: str | None = None
    keep_position: bool = True

    @field_validator("side", "execution_strategy", "position_action", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("execution_strategy", mode="before")
    @classmethod
    def _known_strategy(cls, value: object) -> object:
        if value == "LIMIT_CHASER":
            raise ValueError(
                "execution_strategy: LIMIT_CHASER is not supported yet, expected one of "
                f"{', '.join(_STRATEGIES)}, received 'LIMIT_CHASER'"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> OrderExecutorConfig:
        if not self.keep_position:
            raise ValueError(
                "keep_position: an order executor always keeps what filled, expected True, "
                "received False"
            )
        if self.execution_strategy == "MARKET" and self.price is not None:
            raise ValueError(
                f"price: a MARKET order takes no price, expected none, received {self.price}"
            )
        if self.execution_strategy != "MARKET" and self.price is None:
            raise ValueError(
                f"price: required for execution_strategy={self.execution_strategy}, received none"
            )
        return self

    @property
    def order_type(self) -> Literal["MARKET", "LIMIT", "LIMIT_MAKER"]:
        """The venue order type of the strategy."""
        return self.execution_strategy

    def exposure(self) -> Exposure:
        """What the order moves: ``amount`` base, valued at the pair's price."""
        return Exposure(trading_pair=self.trading_pair, base_amount=self.amount)


# --- state ----------------------------------------------------------------------------------


@dataclass(slots=True)
class OrderFill:
    """One fill counted, in base and quote units; ``fee_quote`` in quote."""

    fill_id: str
    base_amount: Decimal
    price: Decimal
    fee_quote: Decimal
    ts: dt.datetime


@dataclass(slots=True)
class OrderExecutorState:
    """Everything an order executor knows."""

    order_state: OrderState = OrderState.NOT_STARTED
    place_command_id: str = ""
    cancel_command_id: str = ""
    client_order_id: str = ""
    venue_order_id: str = ""
    fills: list[OrderFill] = field(default_factory=list)
    filled_base: Decimal = ZERO
    filled_quote: Decimal = ZERO
    fees_quote: Decimal = ZERO
    stop_requested: bool = False
    outcome_unknown: bool = False
    failure_reason: str = ""
    failure_code: str = ""


# --- report ---------------------------------------------------------------------------------


class OrderDetails(ExecutorDetails):
    """The order part of a report: the order, what filled and why it ended."""

    state: str
    trading_pair: str
    connector_name: str
    side: str
    execution_strategy: str
    amount: Decimal
    price: Decimal | None
    position_action: str
    leverage: int
    level_id: str | None
    client_order_id: str
    venue_order_id: str
    filled_amount_base: Decimal
    filled_amount_quote: Decimal
    average_price: Decimal
    cum_fees_quote: Decimal
    fills: int
    stop_requested: bool
    failure_reason: str
    failure_code: str


# --- executor -------------------------------------------------------------------------------


class OrderExecutor(Executor[OrderExecutorConfig, OrderExecutorState]):
    """One order (see module docstring). Pure: events in, commands out."""

    config_class = OrderExecutorConfig
    state_class = OrderExecutorState
    family_table = ORDER_TRANSITIONS
    family_status = ORDER_STATUS
    family_field = "order_state"

    # --- placing ------------------------------------------------------------------------------

    @on(ExecutorStarted)
    def _started(self, _event: ExecutorStarted) -> list[Command]:
        config, state = self.config, self.state
        self._fire(OrderTrigger.PLACE)
        state.place_command_id = self._next_command_id()
        state.client_order_id = client_order_id_for(state.place_command_id)
        return [
            PlaceOrder(
                command_id=state.place_command_id,
                executor_id=self.id,
                venue=config.connector_name,
                trading_pair=config.trading_pair,
                side=config.side,
                order_type=config.order_type,
                amount=config.amount,
                client_order_id=state.client_order_id,
                price=config.price,
            )
        ]

    def order_refs(self) -> list[OrderRef]:
        """The order while the venue may still fill or cancel it (for the order poller)."""
        state = self.state
        if state.order_state in _LIVE and state.client_order_id:
            config = self.config
            return [OrderRef(config.connector_name, config.trading_pair, state.client_order_id)]
        return []

    def _ours(self, client_order_id: str) -> bool:
        return bool(client_order_id) and client_order_id == self.state.client_order_id

    @on(OrderCreated)
    def _created(self, event: OrderCreated) -> list[Command]:
        state = self.state
        if not self._ours(event.client_order_id):
            return []
        state.outcome_unknown = False
        state.venue_order_id = event.venue_order_id or state.venue_order_id
        self._fire(OrderTrigger.CONFIRM)
        return []

    # --- filling ------------------------------------------------------------------------------

    @on(OrderFilled)
    def _filled(self, event: OrderFilled) -> list[Command]:
        state = self.state
        if not self._ours(event.client_order_id):
            return []
        if any(fill.fill_id == event.fill_id for fill in state.fills):
            return []  # the same fill reported twice counts once
        state.outcome_unknown = False
        state.fills.append(
            OrderFill(
                fill_id=event.fill_id,
                base_amount=event.base_amount,
                price=event.price,
                fee_quote=event.fee_quote,
                ts=event.ts_event,
            )
        )
        state.filled_base += event.base_amount
        state.filled_quote += event.base_amount * event.price
        state.fees_quote += event.fee_quote
        if event.is_final or state.filled_base >= self.config.amount:
            self._fire(
                OrderTrigger.COMPLETE, close_type=CloseType.POSITION_HOLD, now=event.ts_event
            )
        else:
            self._fire(OrderTrigger.FILL)
        return []

    # --- canceling ----------------------------------------------------------------------------

    @on(StopRequested)
    def _stop(self, event: StopRequested) -> list[Command]:
        # ``event.keep_position`` is ignored: an order executor never flattens (module docstring).
        state = self.state
        if state.order_state is OrderState.NOT_STARTED:
            self._fire(OrderTrigger.CANCEL, close_type=CloseType.EARLY_STOP, now=event.ts_event)
            return []
        if state.order_state not in (OrderState.PLACING, OrderState.OPEN):
            return []  # already canceling
        state.stop_requested = True
        self._fire(OrderTrigger.CANCEL)
        return [self._cancel_command()]

    def _cancel_command(self) -> CancelOrder:
        state = self.state
        state.cancel_command_id = self._next_command_id()
        return CancelOrder(
            command_id=state.cancel_command_id,
            executor_id=self.id,
            venue=self.config.connector_name,
            trading_pair=self.config.trading_pair,
            client_order_id=state.client_order_id,
        )

    @on(OrderCanceled)
    def _canceled(self, event: OrderCanceled) -> list[Command]:
        if not self._ours(event.client_order_id):
            return []
        self.state.outcome_unknown = False
        close_type = self._held_or(CloseType.EARLY_STOP)
        self._fire(OrderTrigger.CANCELED, close_type=close_type, now=event.ts_event)
        return []

    # --- failures -------------------------------------------------------------------------------

    @on(OrderFailed)
    def _order_failed(self, event: OrderFailed) -> list[Command]:
        if not self._ours(event.client_order_id):
            return []
        return self._fail(f"order {event.client_order_id} failed: {event.reason}", "", event)

    @on(CommandFailed)
    def _command_failed(self, event: CommandFailed) -> list[Command]:
        state = self.state
        if event.command_id == state.place_command_id and state.order_state is S.CANCELING:
            if event.code == "outcome_unknown":
                return []  # the cancel sent by its client order id tells
            # Stopped while placing, and the venue refused the order: nothing is open.
            state.failure_reason = f"placing the order failed: {event.reason}"
            state.failure_code = event.code
            close_type = self._held_or(CloseType.EARLY_STOP)
            self._fire(OrderTrigger.CANCELED, close_type=close_type, now=event.ts_event)
            return []
        if event.command_id == state.place_command_id and state.order_state is OrderState.PLACING:
            if event.code == "outcome_unknown":
                # It may have made the order: wait for the venue to tell, cancel it on a stop.
                state.outcome_unknown = True
                state.failure_reason = (
                    f"placing order {state.client_order_id} outcome unknown: {event.reason}; "
                    "it may be open on the venue"
                )
                state.failure_code = event.code
                self._touch()
                return []
            return self._fail(f"placing the order failed: {event.reason}", event.code, event)
        if event.command_id == state.cancel_command_id and state.order_state is S.CANCELING:
            if event.retryable:
                self._fire(OrderTrigger.RECANCEL)
                return [self._cancel_command()]
            reason = (
                f"canceling order {state.client_order_id} was refused: {event.reason}; "
                "the order may still be open on the venue"
            )
            return self._fail(reason, event.code, event)
        return []

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
        """The fill-weighted average price (0 before any fill)."""
        state = self.state
        return state.filled_quote / state.filled_base if state.filled_base > 0 else ZERO

    def metrics(self) -> ExecutorMetrics:
        state = self.state
        return ExecutorMetrics(fees_paid_quote=state.fees_quote, volume_quote=state.filled_quote)

    def info(self, now: dt.datetime, *, stranded_reason: str | None = None) -> ExecutorInfo:
        if stranded_reason is None and self.state.outcome_unknown:
            stranded_reason = self.state.failure_reason
        return super().info(now, stranded_reason=stranded_reason)

    def details(self) -> OrderDetails:
        state, config = self.state, self.config
        return OrderDetails(
            state=state.order_state.value,
            trading_pair=config.trading_pair,
            connector_name=config.connector_name,
            side=config.side,
            execution_strategy=config.execution_strategy,
            amount=config.amount,
            price=config.price,
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
            stop_requested=state.stop_requested,
            failure_reason=state.failure_reason,
            failure_code=state.failure_code,
        )

    def held_fills(self) -> list[tuple[HeldPositionKey, HeldFill]]:
        """Every fill, for the held-positions ledger (the engine asks on POSITION_HOLD)."""
        config = self.config
        key = HeldPositionKey(
            controller_id=config.controller_id,
            connector=config.connector_name,
            trading_pair=config.trading_pair,
        )
        return [
            (
                key,
                HeldFill(
                    fill_id=f"{self.state.client_order_id}:{fill.fill_id}",
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
