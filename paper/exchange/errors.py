"""Errors raised by the paper exchange.

A business outcome (too small, not enough funds, a LIMIT_MAKER that would cross) is not an
error: the order is recorded as REJECTED with a reason. These errors are for requests the
exchange refuses outright.

Tree (classified by what the caller should do)::

    ExchangeError                       root of every error raised by ``paper.exchange``
    ├── InvalidExchangeRequestError     bad arguments: fix the request
    │   ├── DuplicateClientOrderIdError the client order id already names an order (idempotency:
    │   │                               look that order up instead of placing it again)
    │   └── InvalidQuoteError           a market step with a bid, ask or last that is not usable
    ├── NotFoundError                   something does not exist
    │   ├── MarketNotFoundError         no market for that trading pair
    │   └── OrderNotFoundError          no order with that client order id
    ├── OrderNotOpenError               cancel of an order that is already terminal
    ├── PositionStateError              perpetuals: leverage or position mode changed while a
    │                                   position (or, for the mode, an order) depends on it
    ├── StateFormatError                a saved state that cannot be read (fix or restore the file)
    └── BalanceError                    a bug: a posting that would make a balance negative
"""

from __future__ import annotations

__all__ = [
    "BalanceError",
    "DuplicateClientOrderIdError",
    "ExchangeError",
    "InvalidExchangeRequestError",
    "InvalidQuoteError",
    "MarketNotFoundError",
    "NotFoundError",
    "OrderNotFoundError",
    "OrderNotOpenError",
    "PositionStateError",
    "StateFormatError",
]


class ExchangeError(Exception):
    """Raised for any failure inside the paper exchange; the root of this package's errors."""


class InvalidExchangeRequestError(ExchangeError, ValueError):
    """Raised when an exchange operation gets arguments it cannot accept."""


class DuplicateClientOrderIdError(InvalidExchangeRequestError):
    """Raised when a place reuses a client order id; the existing order is left untouched."""


class InvalidQuoteError(InvalidExchangeRequestError):
    """Raised when a market step gets a non-positive price or a bid above the ask."""


class NotFoundError(ExchangeError, LookupError):
    """Raised when the thing asked for does not exist."""


class MarketNotFoundError(NotFoundError):
    """Raised when no market is listed for the trading pair."""


class OrderNotFoundError(NotFoundError):
    """Raised when no order carries the client order id."""


class OrderNotOpenError(ExchangeError):
    """Raised when canceling an order that is already filled, canceled or rejected."""


class BalanceError(ExchangeError):
    """Raised when a posting would make a total or reserved balance negative (a bug)."""


class PositionStateError(ExchangeError):
    """Raised when leverage or the position mode is changed while positions depend on it."""


class StateFormatError(ExchangeError, ValueError):
    """Raised when a saved exchange state has an unknown format or a missing or bad field."""
