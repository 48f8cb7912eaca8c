"""ccxt's exception tree mapped once onto the core's venue errors.

What the caller should do decides the class (``lpexec.core.errors``)::

    ccxt error                                   read                   write (place, cancel, set)
    ───────────────────────────────────────────  ─────────────────────  ──────────────────────────
    InsufficientFunds                            rejected               rejected  insufficient_funds
    OrderNotFound                                rejected               rejected  order_not_found
    OrderImmediatelyFillable (post-only)         rejected               rejected  would_take
    InvalidOrder, DuplicateOrderId, ...          rejected               rejected  invalid_order
    BadSymbol                                    rejected               rejected  bad_symbol
    AuthenticationError, PermissionDenied        rejected               rejected  authentication
    BadRequest, ArgumentsRequired, NotSupported  rejected               rejected  bad_request
    other ExchangeError                          rejected               rejected  exchange_error
    RateLimitExceeded, DDoSProtection            unavailable            unavailable  rate_limited
    OnMaintenance                                unavailable            unavailable  maintenance
    InvalidNonce (clock skew, recvWindow)        unavailable            unavailable  invalid_nonce
    ExchangeNotAvailable, connect refused        unavailable            unavailable  unreachable
    ExchangeNotAvailable (a 5xx, a drop)         unavailable            OUTCOME UNKNOWN
    RequestTimeout, other NetworkError           unavailable            OUTCOME UNKNOWN
    BadResponse, NullResponse                    unavailable            OUTCOME UNKNOWN
    other OperationFailed (server busy, -1000)   unavailable            OUTCOME UNKNOWN

A write whose request may have reached the exchange is never called unavailable: ccxt reports a
5xx answer or a dropped connection as ``ExchangeNotAvailable`` too, and Binance documents a 5xx
as "execution status unknown". Only a connection that was never made (aiohttp's
``ClientConnectorError`` or ``ConnectionTimeoutError`` under ccxt's error) or an answer that
says the request was refused (429/418, maintenance, a stale timestamp) is certain.

The message and the chained cause are redacted (:class:`~.credentials.Redactor`): a URL's query
string (which holds the request's signature) is dropped and any secret masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import aiohttp
import ccxt.async_support as ccxt

from lpexec.core.errors import (
    OutcomeUnknownError,
    VenueError,
    VenueRejectedError,
    VenueUnavailableError,
)

__all__ = ["ERROR_RULES", "to_venue_error"]

_REJECTED, _UNAVAILABLE, _UNKNOWN_IF_WRITE = "rejected", "unavailable", "unknown_if_write"

ERROR_RULES: tuple[tuple[type[Exception], str, str], ...] = (
    # (ccxt class, what it means, our code); the first rule the error is an instance of wins.
    (ccxt.InsufficientFunds, _REJECTED, "insufficient_funds"),
    (ccxt.OrderNotFound, _REJECTED, "order_not_found"),
    (ccxt.OrderImmediatelyFillable, _REJECTED, "would_take"),
    (ccxt.InvalidOrder, _REJECTED, "invalid_order"),
    (ccxt.BadSymbol, _REJECTED, "bad_symbol"),
    (ccxt.AuthenticationError, _REJECTED, "authentication"),
    (ccxt.BadRequest, _REJECTED, "bad_request"),
    (ccxt.ArgumentsRequired, _REJECTED, "bad_request"),
    (ccxt.NotSupported, _REJECTED, "bad_request"),
    (ccxt.ExchangeError, _REJECTED, "exchange_error"),
    (ccxt.RateLimitExceeded, _UNAVAILABLE, "rate_limited"),
    (ccxt.DDoSProtection, _UNAVAILABLE, "rate_limited"),
    (ccxt.OnMaintenance, _UNAVAILABLE, "maintenance"),
    (ccxt.InvalidNonce, _UNAVAILABLE, "invalid_nonce"),
    (ccxt.ExchangeNotAvailable, _UNKNOWN_IF_WRITE, "unreachable"),
    (ccxt.RequestTimeout, _UNKNOWN_IF_WRITE, "timeout"),
    (ccxt.NetworkError, _UNKNOWN_IF_WRITE, "network"),
    (ccxt.BadResponse, _UNKNOWN_IF_WRITE, "bad_response"),
    (ccxt.OperationFailed, _UNKNOWN_IF_WRITE, "operation_failed"),
)

_QUERY = re.compile(r"(https?://[^\s?]+)\?\S*")


def _never_sent(error: BaseException) -> bool:
    """True when the connection was never made, so the request cannot have been carried out."""
    return isinstance(
        error.__cause__, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError
    )


def to_venue_error(
    error: ccxt.BaseError, *, action: str, write: bool, redact: Callable[[str], str]
) -> VenueError:
    """Return the core error for a ccxt error raised by ``action`` (e.g. ``"place order X"``).

    Args:
        error: what ccxt raised.
        action: what we were doing, for the message (no secrets: it is not redacted twice).
        write: True for a request that changes state on the exchange (place, cancel, settings).
        redact: masks secrets in text.

    The returned error's ``__cause__`` is a redacted copy of ``error`` (same ccxt class).
    """
    kind, code = _UNKNOWN_IF_WRITE, "network"
    for rule_class, rule_kind, rule_code in ERROR_RULES:
        if isinstance(error, rule_class):
            kind, code = rule_kind, rule_code
            break
    detail = redact(_QUERY.sub(r"\1?…", str(error)))
    message = f"{action}: {type(error).__name__}: {detail}"
    result: VenueError
    if kind == _REJECTED:
        result = VenueRejectedError(message, code=code)
    elif kind == _UNAVAILABLE or not write or _never_sent(error):
        result = VenueUnavailableError(message, code=code)
    else:
        result = OutcomeUnknownError(
            f"{message} (the request may have been carried out)", code=code
        )
    cause = type(error)(detail)
    result.__cause__ = cause
    result.__suppress_context__ = True
    return result
