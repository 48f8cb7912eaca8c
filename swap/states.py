"""The swap executor's own states, their transition table and the lifecycle status of each.

:class:`~swap.executor.SwapExecutor` declares them as its family machine; the base executor runs
the table and derives the status from the state, so no code keeps the two in step.
"""

from __future__ import annotations

from enum import StrEnum

from lpexec.core import ExecutorStatus, TransitionTable

__all__ = ["SWAP_STATUS", "SWAP_TRANSITIONS", "SwapState", "SwapTrigger"]


class SwapState(StrEnum):
    """Where one swap stands."""

    NOT_STARTED = "NOT_STARTED"
    QUOTING = "QUOTING"
    EXECUTING = "EXECUTING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    CANCELED = "CANCELED"
    STRANDED = "STRANDED"


class SwapTrigger(StrEnum):
    """What moves a swap between states."""

    QUOTE = "QUOTE"
    REQUOTE = "REQUOTE"
    EXECUTE = "EXECUTE"
    FILL = "FILL"
    FAIL = "FAIL"
    CANCEL = "CANCEL"
    STRAND = "STRAND"


S, T = SwapState, SwapTrigger

SWAP_TRANSITIONS: TransitionTable[SwapState, SwapTrigger] = {
    (S.NOT_STARTED, T.QUOTE): S.QUOTING,
    (S.NOT_STARTED, T.CANCEL): S.CANCELED,  # stopped before anything was asked
    (S.QUOTING, T.REQUOTE): S.QUOTING,  # no quote, but a provider may answer later
    (S.QUOTING, T.EXECUTE): S.EXECUTING,
    (S.QUOTING, T.FAIL): S.FAILED,  # no route, or the wallet cannot pay: nothing was sent
    (S.QUOTING, T.CANCEL): S.CANCELED,  # stopped before sending
    (S.EXECUTING, T.FILL): S.COMPLETE,
    (S.EXECUTING, T.REQUOTE): S.QUOTING,  # the send certainly did not go out: compare again
    (S.EXECUTING, T.FAIL): S.FAILED,  # refused (slippage, no route) or failed on chain
    (S.EXECUTING, T.STRAND): S.STRANDED,  # outcome still unknown at the end of its budget
    (S.STRANDED, T.FILL): S.COMPLETE,  # a retry's reconciliation found it landed
    (S.STRANDED, T.FAIL): S.FAILED,  # ... or that it never did
}

SWAP_STATUS: dict[SwapState, ExecutorStatus] = {
    S.NOT_STARTED: ExecutorStatus.CREATED,
    S.QUOTING: ExecutorStatus.ACTIVE,
    S.EXECUTING: ExecutorStatus.ACTIVE,
    S.COMPLETE: ExecutorStatus.TERMINATED,
    S.FAILED: ExecutorStatus.TERMINATED,
    S.CANCELED: ExecutorStatus.TERMINATED,
    S.STRANDED: ExecutorStatus.ACTIVE,
}
"""The lifecycle status of each swap state: the executor's status is derived from it."""
