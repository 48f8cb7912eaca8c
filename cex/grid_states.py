"""The grid executor's states, their transitions and lifecycle statuses, and its state record
(what it serializes with its snapshot); the executor is :mod:`lpexec.cex.grid`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from lpexec.cex.grid_levels import GridLevel, Inventory, LevelState
from lpexec.cex.tracking import TrackedOrder
from lpexec.core import CloseType, ExecutorStatus, TransitionTable
from lpexec.core.money import ZERO

__all__ = ["GRID_STATUS", "GRID_TRANSITIONS", "GridExecutorState", "GridState", "GridTrigger"]


# --- states ---------------------------------------------------------------------------------


class GridState(StrEnum):
    """Where a grid stands."""

    NOT_STARTED = "NOT_STARTED"
    AWAITING_PRICE = "AWAITING_PRICE"  # started; the levels need a first mid price
    RUNNING = "RUNNING"
    CANCELING = "CANCELING"  # a barrier or a stop: every live order is being canceled
    CLOSING = "CLOSING"  # the MARKET order flattening the inventory is out
    DONE = "DONE"
    FAILED = "FAILED"


class GridTrigger(StrEnum):
    """What moves a grid."""

    START = "START"
    ACTIVATE = "ACTIVATE"  # first price: levels generated
    STOP = "STOP"  # a barrier, a stop request or too many refused orders
    FLATTEN = "FLATTEN"  # orders gone, inventory to sell (buy) back: market order placed
    RECLOSE = "RECLOSE"  # the market order left inventory: another one
    FINISH = "FINISH"
    FAIL = "FAIL"


_G, _GT = GridState, GridTrigger

GRID_TRANSITIONS: TransitionTable[GridState, GridTrigger] = {
    (_G.NOT_STARTED, _GT.START): _G.AWAITING_PRICE,
    (_G.NOT_STARTED, _GT.STOP): _G.DONE,  # stopped before it started
    (_G.AWAITING_PRICE, _GT.ACTIVATE): _G.RUNNING,
    (_G.AWAITING_PRICE, _GT.STOP): _G.DONE,  # stopped (or timed out) before any price: no orders
    (_G.RUNNING, _GT.STOP): _G.CANCELING,
    (_G.CANCELING, _GT.FLATTEN): _G.CLOSING,
    (_G.CANCELING, _GT.FINISH): _G.DONE,  # nothing to flatten, or the inventory is held
    (_G.CANCELING, _GT.FAIL): _G.FAILED,  # gave up after refused orders; holds what it holds
    (_G.CLOSING, _GT.RECLOSE): _G.CLOSING,
    (_G.CLOSING, _GT.FINISH): _G.DONE,
    (_G.CLOSING, _GT.FAIL): _G.FAILED,  # the market close refused too often; holds the rest
}

GRID_STATUS: dict[GridState, ExecutorStatus] = {
    _G.NOT_STARTED: ExecutorStatus.CREATED,
    _G.AWAITING_PRICE: ExecutorStatus.ACTIVE,
    _G.RUNNING: ExecutorStatus.ACTIVE,
    _G.CANCELING: ExecutorStatus.CLOSING,
    _G.CLOSING: ExecutorStatus.CLOSING,
    _G.DONE: ExecutorStatus.TERMINATED,
    _G.FAILED: ExecutorStatus.TERMINATED,
}
"""The lifecycle status of each grid state."""

# --- state ----------------------------------------------------------------------------------


@dataclass(slots=True)
class GridExecutorState:
    """Everything a grid knows (it serializes with the executor's snapshot)."""

    grid_state: GridState = GridState.NOT_STARTED
    levels: list[GridLevel] = field(default_factory=list)
    step: Decimal = ZERO
    level_counts: dict[LevelState, int] = field(default_factory=dict)
    live: dict[str, int] = field(default_factory=dict)
    """Client order id of every live order -> its level index (-1: the market close)."""
    market_close: TrackedOrder | None = None
    mid: Decimal = ZERO
    last_open_batch: dt.datetime | None = None
    position: Inventory = field(default_factory=Inventory)
    """All inventory held (every level's plus the residual), kept in step with them."""
    residual: Inventory = field(default_factory=Inventory)
    """Inventory no level holds: dust from partial fills, or everything while flattening."""
    realized_pnl: Decimal = ZERO
    realized_fees: Decimal = ZERO
    realized_open_quote: Decimal = ZERO
    realized_close_quote: Decimal = ZERO
    fees_quote: Decimal = ZERO
    volume_quote: Decimal = ZERO
    bought_base: Decimal = ZERO
    sold_base: Decimal = ZERO
    filled_orders: int = 0
    canceled_orders: int = 0
    failed_orders: int = 0
    failures: int = 0
    """Consecutive refused orders (reset when the venue accepts one)."""
    close_attempts: int = 0
    trailing_trigger: Decimal | None = None
    stop_close_type: CloseType | None = None
    hold: bool = False
    giving_up: bool = False
    unknown_orders: list[str] = field(default_factory=list)
    failure_reason: str = ""
