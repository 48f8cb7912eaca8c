"""The LP executor's own states, their transition table and the lifecycle status of each.

:class:`~lp.executor.LPExecutor` declares them as its family machine; the base executor runs
the table and derives the status from the state, so no code keeps the two in step.
"""

from __future__ import annotations

from enum import StrEnum

from lpexec.core import ExecutorStatus, TransitionTable

__all__ = ["LP_STATUS", "LP_TRANSITIONS", "LPState", "LPTrigger"]


class LPState(StrEnum):
    """Where one LP position stands."""

    NOT_ACTIVE = "NOT_ACTIVE"
    OPENING = "OPENING"
    IN_RANGE = "IN_RANGE"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    CLOSING = "CLOSING"
    SWAPPING = "SWAPPING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    STRANDED = "STRANDED"


class LPTrigger(StrEnum):
    """What moves an LP position between states."""

    OPEN = "OPEN"
    OPENED_IN_RANGE = "OPENED_IN_RANGE"
    OPENED_OUT_OF_RANGE = "OPENED_OUT_OF_RANGE"
    LEAVE_RANGE = "LEAVE_RANGE"
    ENTER_RANGE = "ENTER_RANGE"
    CLOSE = "CLOSE"
    CLOSED = "CLOSED"
    CLOSED_NEEDS_SWAP = "CLOSED_NEEDS_SWAP"
    SWAPPED = "SWAPPED"
    STRAND = "STRAND"
    RETRY_CLOSE = "RETRY_CLOSE"
    FAIL = "FAIL"
    CANCEL = "CANCEL"


S, T = LPState, LPTrigger

LP_TRANSITIONS: TransitionTable[LPState, LPTrigger] = {
    (S.NOT_ACTIVE, T.OPEN): S.OPENING,
    (S.NOT_ACTIVE, T.CANCEL): S.COMPLETE,  # stopped before anything was sent
    (S.OPENING, T.OPENED_IN_RANGE): S.IN_RANGE,
    (S.OPENING, T.OPENED_OUT_OF_RANGE): S.OUT_OF_RANGE,
    (S.OPENING, T.FAIL): S.FAILED,  # the open certainly did not land: nothing on chain
    (S.IN_RANGE, T.LEAVE_RANGE): S.OUT_OF_RANGE,
    (S.OUT_OF_RANGE, T.ENTER_RANGE): S.IN_RANGE,
    (S.IN_RANGE, T.CLOSE): S.CLOSING,
    (S.OUT_OF_RANGE, T.CLOSE): S.CLOSING,
    (S.CLOSING, T.CLOSED): S.COMPLETE,
    (S.CLOSING, T.CLOSED_NEEDS_SWAP): S.SWAPPING,
    (S.CLOSING, T.STRAND): S.STRANDED,  # close budget spent; the position is still on chain
    (S.CLOSING, T.FAIL): S.FAILED,  # the position never existed on chain
    (S.STRANDED, T.RETRY_CLOSE): S.CLOSING,  # a caller asked to try again
    (S.STRANDED, T.CLOSED): S.COMPLETE,  # closed outside lpexec; seen on a refresh
    (S.STRANDED, T.CLOSED_NEEDS_SWAP): S.SWAPPING,
    (S.SWAPPING, T.SWAPPED): S.COMPLETE,
    (S.SWAPPING, T.FAIL): S.FAILED,  # swap budget spent; tokens stay in the wallet
    # An outcome still unknown at the end of its budget, or a position the chain does not
    # have: stranded with the reason, listed, and settled later by a retry's reconciliation.
    (S.OPENING, T.STRAND): S.STRANDED,
    (S.IN_RANGE, T.STRAND): S.STRANDED,
    (S.OUT_OF_RANGE, T.STRAND): S.STRANDED,
    (S.SWAPPING, T.STRAND): S.STRANDED,
    (S.STRANDED, T.OPENED_IN_RANGE): S.IN_RANGE,  # the open was found after all
    (S.STRANDED, T.OPENED_OUT_OF_RANGE): S.OUT_OF_RANGE,
    (S.STRANDED, T.SWAPPED): S.COMPLETE,  # the swap-back was found after all
    (S.STRANDED, T.FAIL): S.FAILED,  # reconciled: the open never landed, or swaps spent
}

LP_STATUS: dict[LPState, ExecutorStatus] = {
    S.NOT_ACTIVE: ExecutorStatus.CREATED,
    S.OPENING: ExecutorStatus.ACTIVE,
    S.IN_RANGE: ExecutorStatus.ACTIVE,
    S.OUT_OF_RANGE: ExecutorStatus.ACTIVE,
    S.CLOSING: ExecutorStatus.CLOSING,
    S.SWAPPING: ExecutorStatus.CLOSING,
    S.STRANDED: ExecutorStatus.CLOSING,
    S.COMPLETE: ExecutorStatus.TERMINATED,
    S.FAILED: ExecutorStatus.TERMINATED,
}
"""The lifecycle status of each LP state: the executor's status is derived from it."""
