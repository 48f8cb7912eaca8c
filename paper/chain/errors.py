"""Errors raised by the paper chain.

Tree (classified by what the caller should do)::

    ChainError                      root of every error raised by ``paper.chain``
    ├── InvalidChainRequestError              bad arguments: fix the request (a Gateway 400)
    │   ├── FaultSpecError          a fault spec string does not parse (names the bad part)
    │   └── InsufficientFundsError       a wallet cannot pay (simulation fails; nothing was sent)
    ├── SwapRejectedError                a swap or deposit cannot be filled as asked (slippage,
    │   │                           liquidity); nothing was sent
    │   └── RouteNotFoundError           no pool or pair of pools can fill a routed swap
    ├── NotFoundError                    something does not exist (a Gateway 404)
    │   ├── PoolNotFoundError            no pool at that address
    │   ├── WalletNotFoundError          no wallet at that address
    │   └── PositionNotFoundError        no position at that address; ``closed`` tells whether it
    │       └── PositionClosedError      existed and was closed
    ├── NotOwnerError                    the signer does not own the position
    └── LedgerImbalanceError             a bug: postings that create or destroy value
"""

from __future__ import annotations

__all__ = [
    "ChainError",
    "FaultSpecError",
    "InsufficientFundsError",
    "InvalidChainRequestError",
    "LedgerImbalanceError",
    "NotFoundError",
    "NotOwnerError",
    "PoolNotFoundError",
    "PositionClosedError",
    "PositionNotFoundError",
    "RouteNotFoundError",
    "SwapRejectedError",
    "WalletNotFoundError",
]


class ChainError(Exception):
    """Raised for any failure inside the paper chain; the root of this package's errors."""


class InvalidChainRequestError(ChainError, ValueError):
    """Raised when a chain operation gets arguments it cannot accept."""


class FaultSpecError(InvalidChainRequestError):
    """Raised when a fault spec string does not parse; the message names the bad part."""


class InsufficientFundsError(InvalidChainRequestError):
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


class SwapRejectedError(ChainError):
    """Raised when a swap or deposit cannot be filled as asked (slippage, liquidity)."""


class RouteNotFoundError(SwapRejectedError):
    """Raised when no pool or pair of pools can fill a routed swap."""


class NotFoundError(ChainError, LookupError):
    """Raised when an address names nothing on the chain."""

    def __init__(self, message: str, *, address: str) -> None:
        self.address = address
        super().__init__(message)


class PoolNotFoundError(NotFoundError):
    """Raised when no pool has that address."""

    def __init__(self, address: str) -> None:
        super().__init__(f"Pool not found: {address}", address=address)


class WalletNotFoundError(NotFoundError):
    """Raised when no wallet has that address."""

    def __init__(self, address: str) -> None:
        super().__init__(f"Wallet not found for address: {address}", address=address)


class PositionNotFoundError(NotFoundError):
    """Raised when no position has that address (it never existed)."""

    closed = False

    def __init__(self, address: str, message: str | None = None) -> None:
        super().__init__(message or f"Position not found: {address}", address=address)


class PositionClosedError(PositionNotFoundError):
    """Raised when a position existed and has been closed."""

    closed = True

    def __init__(self, address: str) -> None:
        super().__init__(address, f"Position closed: {address}")


class NotOwnerError(ChainError):
    """Raised when a wallet acts on a position it does not own."""


class LedgerImbalanceError(ChainError):
    """Raised when postings would create or destroy value (a bug in the caller)."""
