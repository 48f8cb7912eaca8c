"""Errors raised by the paper pool simulators.

Tree (classified by what the caller should do)::

    PoolError                       root of every error raised by ``paper.pools`` (a ValueError)
    ├── InvalidPoolRequestError          bad arguments: fix the request (maps to a Gateway 400)
    │   └── InvalidPositionWidthError    a DLMM range wider than the venue allows
    ├── PositionNotFoundError            no open position with that id in this pool
    ├── InsufficientLiquidityError       the pool cannot fill the swap or the deposit side
    └── SlippageExceededError            the fill is worse than the caller's limit; nothing changed
"""

from __future__ import annotations

__all__ = [
    "InsufficientLiquidityError",
    "InvalidPoolRequestError",
    "InvalidPositionWidthError",
    "PoolError",
    "PositionNotFoundError",
    "SlippageExceededError",
]


class PoolError(ValueError):
    """Raised by a paper pool when a request cannot be carried out; pool state is unchanged."""


class InvalidPoolRequestError(PoolError):
    """Raised when arguments are invalid (unknown mint, bad range, negative amount, ...)."""


class InvalidPositionWidthError(InvalidPoolRequestError):
    """Raised when a DLMM position would span more bins than the pool allows."""


class PositionNotFoundError(PoolError):
    """Raised when a position id is not open in the pool (never opened, or already closed)."""

    def __init__(self, message: str, *, position_id: str, closed: bool) -> None:
        super().__init__(message)
        self.position_id = position_id
        self.closed = closed


class InsufficientLiquidityError(PoolError):
    """Raised when a swap runs out of liquidity before it is filled (and partial is not allowed)."""


class SlippageExceededError(PoolError):
    """Raised when a swap's output is below ``min_amount_out`` or input above ``max_amount_in``."""
