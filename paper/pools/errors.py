"""Errors raised by the paper pool simulators.

Tree (classified by what the caller should do)::

    PoolError                       root of every error raised by ``paper.pools`` (a ValueError)
    ├── InvalidPoolRequest          bad arguments: fix the request (maps to a Gateway 400)
    │   └── InvalidPositionWidth    a DLMM range wider than the venue allows
    ├── PositionNotFound            no open position with that id in this pool
    ├── InsufficientLiquidity       the pool cannot fill the swap or the deposit side
    └── SlippageExceeded            the fill is worse than the caller's limit; nothing changed
"""

from __future__ import annotations

__all__ = [
    "InsufficientLiquidity",
    "InvalidPoolRequest",
    "InvalidPositionWidth",
    "PoolError",
    "PositionNotFound",
    "SlippageExceeded",
]


class PoolError(ValueError):
    """Raised by a paper pool when a request cannot be carried out; pool state is unchanged."""


class InvalidPoolRequest(PoolError):
    """Raised when arguments are invalid (unknown mint, bad range, negative amount, ...)."""


class InvalidPositionWidth(InvalidPoolRequest):
    """Raised when a DLMM position would span more bins than the pool allows."""


class PositionNotFound(PoolError):
    """Raised when a position id is not open in the pool (never opened, or already closed)."""

    def __init__(self, message: str, *, position_id: str, closed: bool) -> None:
        super().__init__(message)
        self.position_id = position_id
        self.closed = closed


class InsufficientLiquidity(PoolError):
    """Raised when a swap runs out of liquidity before it is filled (and partial is not allowed)."""


class SlippageExceeded(PoolError):
    """Raised when a swap's output is below ``min_amount_out`` or input above ``max_amount_in``."""
