"""The position executor's states, their transitions and lifecycle statuses, and its state
record (what it serializes with its snapshot); the executor is :mod:`lpexec.cex.position`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from lpexec.cex.tracking import TrackedOrder
from lpexec.core import ExecutorStatus, TransitionTable
from lpexec.core.money import ZERO

__all__ = [
    "POSITION_STATUS",
    "POSITION_TRANSITIONS",
    "PositionExecutorState",
    "PositionState",
    "PositionTrigger",
]


# --- states ---------------------------------------------------------------------------------


class PositionState(StrEnum):
    """Where a position stands."""

    NOT_STARTED = "NOT_STARTED"
    WAITING = "WAITING"  # no entry order live: waiting for a price (within the bounds)
    OPENING = "OPENING"  # an entry order is live
    OPEN = "OPEN"  # the entry filled: barriers armed
    CLOSING = "CLOSING"  # canceling live orders, then closing (or holding) what filled
    CLOSED = "CLOSED"
    FAILED = "FAILED"


class PositionTrigger(StrEnum):
    """What moves a position between states."""

    WAIT = "WAIT"  # started, but the entry needs a price first
    PLACE = "PLACE"  # an entry order is sent
    PAUSE = "PAUSE"  # the entry order was canceled (fills kept)
    ENTER = "ENTER"  # the entry order filled
    CLOSE = "CLOSE"  # a barrier, a stop or a failure with fills: unwind
    END = "END"
    FAIL = "FAIL"


S, T = PositionState, PositionTrigger

POSITION_TRANSITIONS: TransitionTable[PositionState, PositionTrigger] = {
    (S.NOT_STARTED, T.WAIT): S.WAITING,
    (S.NOT_STARTED, T.PLACE): S.OPENING,
    (S.NOT_STARTED, T.END): S.CLOSED,  # expired at start, or stopped before it
    (S.WAITING, T.PLACE): S.OPENING,
    (S.WAITING, T.ENTER): S.OPEN,  # a late fill of a canceled entry completed the amount
    (S.WAITING, T.CLOSE): S.CLOSING,  # time limit or stop holding fills of a canceled entry
    (S.WAITING, T.END): S.CLOSED,  # time limit or stop with nothing filled
    (S.OPENING, T.PLACE): S.OPENING,  # a retryable refusal: the entry is sent again
    (S.OPENING, T.PAUSE): S.WAITING,  # out of the bounds, or canceled by the venue
    (S.OPENING, T.ENTER): S.OPEN,
    (S.OPENING, T.CLOSE): S.CLOSING,  # cancel the entry, then close what filled
    (S.OPENING, T.FAIL): S.FAILED,  # refused with nothing filled, or a cancel refused for good
    (S.OPEN, T.CLOSE): S.CLOSING,
    (S.CLOSING, T.END): S.CLOSED,
    (S.CLOSING, T.FAIL): S.FAILED,  # exits failed max_retries times, or a cancel for good
}

POSITION_STATUS: dict[PositionState, ExecutorStatus] = {
    S.NOT_STARTED: ExecutorStatus.CREATED,
    S.WAITING: ExecutorStatus.ACTIVE,
    S.OPENING: ExecutorStatus.ACTIVE,
    S.OPEN: ExecutorStatus.ACTIVE,
    S.CLOSING: ExecutorStatus.CLOSING,
    S.CLOSED: ExecutorStatus.TERMINATED,
    S.FAILED: ExecutorStatus.TERMINATED,
}
"""The lifecycle status of each position state: the executor's status is derived from it."""

# --- state ----------------------------------------------------------------------------------


@dataclass(slots=True)
class PositionExecutorState:
    """Everything a position executor knows.

    Entry and exit totals are kept as the fills arrive (quote = base x price summed, fees in
    quote). The barrier prices are set once when the entry fills (None: barrier not configured,
    or the take profit rests as an order); the trailing stop's peak and stop price move as it
    trails.
    """

    position_state: PositionState = PositionState.NOT_STARTED
    open_orders: list[TrackedOrder] = field(default_factory=list)
    close_orders: list[TrackedOrder] = field(default_factory=list)
    take_profit_order_id: str = ""
    take_profit_order_price: Decimal | None = None
    open_base: Decimal = ZERO
    open_quote: Decimal = ZERO
    open_fees: Decimal = ZERO
    close_base: Decimal = ZERO
    close_quote: Decimal = ZERO
    close_fees: Decimal = ZERO
    entry_price: Decimal = ZERO
    stop_loss_price: Decimal | None = None
    take_profit_price: Decimal | None = None
    trailing_activation_price: Decimal | None = None
    trailing_delta_quote: Decimal = ZERO
    trailing_peak_price: Decimal | None = None
    trailing_stop_price: Decimal | None = None
    end_time: dt.datetime | None = None
    last_price: Decimal | None = None
    open_order_last_update: dt.datetime | None = None
    funding_quote: Decimal = ZERO
    funding_ids: list[str] = field(default_factory=list)
    retries: int = 0
    keep_position: bool = False
    stop_requested: bool = False
    outcome_unknown: bool = False
    failure_reason: str = ""
    failure_code: str = ""
