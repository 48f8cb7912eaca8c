"""Executor lifecycle: status, the triggers that move it, its transition table, and close types.

An executor's status is never set by hand: it is derived from the executor's family state
through the family's status mapping (see :class:`~core.executor.Executor`). An executor with no
states of its own runs the lifecycle itself as its family: :data:`EXECUTOR_TRANSITIONS` with
:data:`LIFECYCLE_STATUS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from lpexec.core.fsm import TransitionTable

__all__ = [
    "EXECUTOR_TRANSITIONS",
    "LIFECYCLE_STATUS",
    "CloseType",
    "ExecutorStatus",
    "LifecycleTrigger",
]


class ExecutorStatus(StrEnum):
    """Where an executor is in its life; stored as these strings."""

    CREATED = "CREATED"
    ACTIVE = "ACTIVE"
    CLOSING = "CLOSING"
    TERMINATED = "TERMINATED"


class LifecycleTrigger(StrEnum):
    """What moves an executor's status."""

    START = "START"
    CLOSE = "CLOSE"
    FINISH = "FINISH"


EXECUTOR_TRANSITIONS: TransitionTable[ExecutorStatus, LifecycleTrigger] = {
    (ExecutorStatus.CREATED, LifecycleTrigger.START): ExecutorStatus.ACTIVE,
    # Ended before doing anything: expired, insufficient balance, stopped before start.
    (ExecutorStatus.CREATED, LifecycleTrigger.FINISH): ExecutorStatus.TERMINATED,
    (ExecutorStatus.ACTIVE, LifecycleTrigger.CLOSE): ExecutorStatus.CLOSING,
    # Nothing to unwind: an order executor that filled completely, or a failure before exposure.
    (ExecutorStatus.ACTIVE, LifecycleTrigger.FINISH): ExecutorStatus.TERMINATED,
    (ExecutorStatus.CLOSING, LifecycleTrigger.FINISH): ExecutorStatus.TERMINATED,
}

LIFECYCLE_STATUS: Mapping[ExecutorStatus, ExecutorStatus] = {
    status: status for status in ExecutorStatus
}
"""The lifecycle as a family of its own: each status is its own lifecycle status."""


class CloseType(StrEnum):
    """Why an executor ended; stored as these stable strings (never as integers)."""

    TAKE_PROFIT = "TAKE_PROFIT"
    STOP_LOSS = "STOP_LOSS"
    TIME_LIMIT = "TIME_LIMIT"
    TRAILING_STOP = "TRAILING_STOP"
    EARLY_STOP = "EARLY_STOP"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    POSITION_HOLD = "POSITION_HOLD"
