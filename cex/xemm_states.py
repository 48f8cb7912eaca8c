"""The XEMM executor's states, their transition table, the lifecycle status of each, and its
state object (re-exported by :mod:`lpexec.cex.xemm` and :mod:`lpexec.cex`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from lpexec.cex.cross_market import LegQuote
from lpexec.cex.cross_trades import TakerTrade
from lpexec.cex.tracking import TrackedOrder
from lpexec.core import ExecutorStatus, TransitionTable

__all__ = ["XEMM_STATUS", "XEMM_TRANSITIONS", "XEMMExecutorState", "XEMMState", "XEMMTrigger"]


class XEMMState(StrEnum):
    """Where an XEMM executor stands."""

    NOT_STARTED = "NOT_STARTED"
    WAITING = "WAITING"  # no maker order: waiting for quotes to price one
    QUOTING = "QUOTING"  # a maker order is live
    REFRESHING = "REFRESHING"  # its cancel is sent to re-price it
    CANCELING = "CANCELING"  # stopped: its cancel is sent
    HEDGING = "HEDGING"  # the maker fills are being hedged at the taker market
    UNWINDING = "UNWINDING"  # the hedge failed for good: trading the maker fills back
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"
    HELD = "HELD"  # ended keeping what is not hedged (POSITION_HOLD)


class XEMMTrigger(StrEnum):
    """What moves an XEMM executor between states."""

    START = "START"
    PLACE = "PLACE"
    REFRESH = "REFRESH"  # profitability left [min, max]: cancel to re-price
    KEEP = "KEEP"  # the refresh's cancel was refused for good: the order stays
    RECANCEL = "RECANCEL"  # a retryable refusal of a cancel: send it again
    RETRY = "RETRY"  # the maker order ended with nothing filled: quote again
    HEDGE = "HEDGE"
    RESEND = "RESEND"  # a hedge (or an unwind) fell short: send the rest again
    NEXT = "NEXT"  # hedged, more to make
    COMPLETE = "COMPLETE"
    STOPPED = "STOPPED"  # hedged after a stop
    UNWIND = "UNWIND"
    UNWOUND = "UNWOUND"
    HOLD = "HOLD"
    CANCEL = "CANCEL"
    CANCELED = "CANCELED"
    FAIL = "FAIL"


S, T = XEMMState, XEMMTrigger

XEMM_TRANSITIONS: TransitionTable[XEMMState, XEMMTrigger] = {
    (S.NOT_STARTED, T.START): S.WAITING,
    (S.NOT_STARTED, T.CANCEL): S.CANCELED,
    (S.WAITING, T.PLACE): S.QUOTING,
    (S.WAITING, T.CANCEL): S.CANCELED,  # flat: nothing live, everything made is hedged
    (S.QUOTING, T.REFRESH): S.REFRESHING,
    (S.QUOTING, T.HEDGE): S.HEDGING,  # the maker order ended with fills
    (S.QUOTING, T.RETRY): S.WAITING,  # refused, failed or canceled by the venue, unfilled
    (S.QUOTING, T.FAIL): S.FAILED,  # past max_retries
    (S.QUOTING, T.CANCEL): S.CANCELING,
    (S.REFRESHING, T.RECANCEL): S.REFRESHING,
    (S.REFRESHING, T.KEEP): S.QUOTING,
    (S.REFRESHING, T.PLACE): S.QUOTING,  # canceled unfilled: the new price at once
    (S.REFRESHING, T.RETRY): S.WAITING,  # canceled unfilled, no fresh quote to price
    (S.REFRESHING, T.HEDGE): S.HEDGING,  # it filled (in part) before the cancel landed
    (S.REFRESHING, T.CANCEL): S.CANCELING,  # stopped: the cancel in flight serves the stop
    (S.REFRESHING, T.FAIL): S.FAILED,  # cancels refused past max_retries
    (S.CANCELING, T.RECANCEL): S.CANCELING,
    (S.CANCELING, T.HEDGE): S.HEDGING,  # fills to flatten before ending
    (S.CANCELING, T.HOLD): S.HELD,  # fills kept (keep_position)
    (S.CANCELING, T.CANCELED): S.CANCELED,
    (S.CANCELING, T.FAIL): S.FAILED,  # the cancel refused for good: the order may be open
    (S.HEDGING, T.RESEND): S.HEDGING,
    (S.HEDGING, T.NEXT): S.WAITING,
    (S.HEDGING, T.COMPLETE): S.COMPLETED,
    (S.HEDGING, T.STOPPED): S.CANCELED,
    (S.HEDGING, T.UNWIND): S.UNWINDING,
    (S.HEDGING, T.HOLD): S.HELD,
    (S.UNWINDING, T.RESEND): S.UNWINDING,
    (S.UNWINDING, T.UNWOUND): S.FAILED,
    (S.UNWINDING, T.HOLD): S.HELD,
}

XEMM_STATUS: dict[XEMMState, ExecutorStatus] = {
    S.NOT_STARTED: ExecutorStatus.CREATED,
    S.WAITING: ExecutorStatus.ACTIVE,
    S.QUOTING: ExecutorStatus.ACTIVE,
    S.REFRESHING: ExecutorStatus.ACTIVE,
    S.HEDGING: ExecutorStatus.ACTIVE,
    S.CANCELING: ExecutorStatus.CLOSING,
    S.UNWINDING: ExecutorStatus.CLOSING,
    S.COMPLETED: ExecutorStatus.TERMINATED,
    S.CANCELED: ExecutorStatus.TERMINATED,
    S.FAILED: ExecutorStatus.TERMINATED,
    S.HELD: ExecutorStatus.TERMINATED,
}
"""The lifecycle status of each XEMM state."""


@dataclass(slots=True)
class XEMMExecutorState:
    """Everything an XEMM executor knows: the markets' last quotes (market data), every maker
    order (oldest first; only the last can be live), the hedges and unwinds, the counts."""

    xemm_state: XEMMState = XEMMState.NOT_STARTED
    quotes: dict[str, LegQuote] = field(default_factory=dict)
    maker_orders: list[TrackedOrder] = field(default_factory=list)
    trades: list[TakerTrade] = field(default_factory=list)
    last_profitability: Decimal | None = None
    refreshes: int = 0
    maker_failures: int = 0
    hedge_failures: int = 0
    unwind_failures: int = 0
    outcome_unknown: bool = False
    stop_requested: bool = False
    stop_keeps_position: bool | None = None
    failure_reason: str = ""
    failure_code: str = ""

    @property
    def live_maker(self) -> TrackedOrder | None:
        """The maker order the venue may still fill or cancel."""
        orders = self.maker_orders
        return orders[-1] if orders and not orders[-1].is_done else None
