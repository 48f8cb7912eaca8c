"""Errors raised by the core.

Tree (classified by what the caller should do)::

    ExecutorError                   root of every error raised by ``core``
    ├── ConfigError                 bad input: fix the request (operational)
    ├── InvalidTransitionError      a state machine was asked for a move its table lacks (bug)
    ├── RiskRejectedError           a create was refused by the risk engine (business outcome)
    ├── UnknownExecutorError        an id that the engine or store does not hold
    ├── ExecutorStrandedError       an executor cannot be resumed; it stays listed (alert a human)
    ├── StoreError                  the store cannot be used as it is
    │   └── SchemaVersionMismatchError  the database was written by another schema version
    └── VenueError                  raised by port adapters; the engine turns it into events
        ├── VenueRejectedError      refused; nothing happened (business outcome)
        ├── VenueUnavailableError   certainly not carried out (transient)
        └── OutcomeUnknownError     may have been carried out: reconcile
"""

from __future__ import annotations

from decimal import Decimal

__all__ = [
    "ConfigError",
    "ExecutorError",
    "ExecutorStrandedError",
    "InvalidTransitionError",
    "OutcomeUnknownError",
    "RiskRejectedError",
    "SchemaVersionMismatchError",
    "StoreError",
    "UnknownExecutorError",
    "VenueError",
    "VenueRejectedError",
    "VenueUnavailableError",
]


class ExecutorError(Exception):
    """Raised for any failure inside the core; the root of this package's errors."""


class ConfigError(ExecutorError, ValueError):
    """Raised when user input (a config, a command line value) is not acceptable."""


class InvalidTransitionError(ExecutorError):
    """Raised when a state machine is asked for a transition its table does not hold."""

    def __init__(self, state: object, trigger: object, *, machine: str = "state machine") -> None:
        self.state = state
        self.trigger = trigger
        super().__init__(
            f"{machine}: no transition from state {_name(state)} on trigger {_name(trigger)}"
        )


class RiskRejectedError(ExecutorError):
    """Raised when the risk engine refuses a create; ``limit`` names the limit that refused."""

    def __init__(self, message: str, *, limit: str) -> None:
        self.limit = limit
        super().__init__(message)


class UnknownExecutorError(ExecutorError, KeyError):
    """Raised when an executor id is not known to the engine or the store."""

    def __init__(self, executor_id: str) -> None:
        self.executor_id = executor_id
        super().__init__(f"Expected a known executor id, received {executor_id!r}")

    def __str__(self) -> str:
        return str(self.args[0])


class ExecutorStrandedError(ExecutorError):
    """Raised when an executor cannot be resumed; it is kept and listed as stranded."""


class StoreError(ExecutorError):
    """Raised when the store cannot be opened or used."""


class SchemaVersionMismatchError(StoreError):
    """Raised when the database schema version differs from the one this code expects."""


class VenueError(ExecutorError):
    """Raised by a port adapter when a venue call does not give a normal result.

    ``code`` is a stable machine-readable cause (e.g. ``position_not_found``), passed on to the
    executor in :class:`~core.events.CommandFailed`.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, code: str = "") -> None:
        self.retry_after = retry_after
        self.code = code
        super().__init__(message)


class VenueRejectedError(VenueError):
    """Raised when the venue refused the request and nothing was carried out (slippage, funds).

    A transaction that landed and failed on chain is a rejection too, but the chain charged its
    fee: ``tx_fee`` (native units) and ``signature`` say so, and reach the executor through
    :class:`~core.events.CommandFailed`.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        code: str = "",
        tx_fee: Decimal = Decimal(0),
        signature: str = "",
    ) -> None:
        super().__init__(message, retry_after=retry_after, code=code)
        self.tx_fee = tx_fee
        self.signature = signature


class VenueUnavailableError(VenueError):
    """Raised when the request was certainly not carried out (connection refused, 429, 503)."""


class OutcomeUnknownError(VenueError):
    """Raised when a write may have been carried out (timeout, 504, pending past its deadline)."""


def _name(value: object) -> str:
    return str(getattr(value, "name", value))
