"""Errors raised by the paper chain.

Tree (classified by what the caller should do)::

    ChainError                      root of every error raised by ``paper.chain``
    ├── InvalidRequest              bad arguments: fix the request (a Gateway 400)
    │   ├── FaultSpecError          a fault spec string does not parse (names the bad part)
    │   └── InsufficientFunds       a wallet cannot pay (simulation fails; nothing was sent)
    ├── SwapRejected                a swap or deposit cannot be filled as asked (slippage,
    │   │                           liquidity); nothing was sent
    │   └── RouteNotFound           no pool or pair of pools can fill a routed swap
    ├── NotFound                    something does not exist (a Gateway 404)
    │   ├── PoolNotFound            no pool at that address
    │   ├── WalletNotFound          no wallet at that address
    │   └── PositionNotFound        no position at that address; ``closed`` tells whether it
    │       └── PositionClosed      existed and was closed
    ├── NotOwner                    the signer does not own the position
    └── LedgerImbalance             a bug: postings that create or destroy value
"""

from __future__ import annotations

__all__ = [
    "ChainError",
    "FaultSpecError",
    "InsufficientFunds",
    "InvalidRequest",
    "LedgerImbalance",
    "NotFound",
    "NotOwner",
    "PoolNotFound",
    "PositionClosed",
    "PositionNotFound",
    "RouteNotFound",
    "SwapRejected",
    "WalletNotFound",
]


class ChainError(Exception):
    """Raised for any failure inside the paper chain; the root of this package's errors."""


class InvalidRequest(ChainError, ValueError):
    """Raised when a chain operation gets arguments it cannot accept."""


class FaultSpecError(InvalidRequest):
    """Raised when a fault spec string does not parse; the message names the bad part."""


class InsufficientFunds(InvalidRequest):
    """Raised when an account would go below zero; the operation is not applied."""

    def __init__(self, *, account: str, asset: str, required: int, available: int) -> None:
        self.account = account
        self.asset = asset
        self.required = required
        self.available = available
        super().__init__(
            f"Insufficient funds in {account} for {asset}: "
            f"required {required}, available {available} (base units)"
        )


class SwapRejected(ChainError):
    """Raised when a swap or deposit cannot be filled as asked (slippage, liquidity)."""


class RouteNotFound(SwapRejected):
    """Raised when no pool or pair of pools can fill a routed swap."""


class NotFound(ChainError, LookupError):
    """Raised when an address names nothing on the chain."""

    def __init__(self, message: str, *, address: str) -> None:
        self.address = address
        super().__init__(message)


class PoolNotFound(NotFound):
    """Raised when no pool has that address."""

    def __init__(self, address: str) -> None:
        super().__init__(f"Pool not found: {address}", address=address)


class WalletNotFound(NotFound):
    """Raised when no wallet has that address."""

    def __init__(self, address: str) -> None:
        super().__init__(f"Wallet not found for address: {address}", address=address)


class PositionNotFound(NotFound):
    """Raised when no position has that address (it never existed)."""

    closed = False

    def __init__(self, address: str, message: str | None = None) -> None:
        super().__init__(message or f"Position not found: {address}", address=address)


class PositionClosed(PositionNotFound):
    """Raised when a position existed and has been closed."""

    closed = True

    def __init__(self, address: str) -> None:
        super().__init__(address, f"Position closed: {address}")


class NotOwner(ChainError):
    """Raised when a wallet acts on a position it does not own."""


class LedgerImbalance(ChainError):
    """Raised when postings would create or destroy value (a bug in the caller)."""
