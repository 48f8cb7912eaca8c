"""The error table: every ccxt error class onto the core's, for reads and for writes, with the
message redacted and the cause chained as a redacted copy."""

from __future__ import annotations

import aiohttp
import ccxt.async_support as ccxt
import pytest

from lpexec.core import OutcomeUnknownError, VenueRejectedError, VenueUnavailableError
from lpexec.venues.ccxt import ERROR_RULES, Redactor, to_venue_error

REDACT = Redactor(["s3cr3t-key"])

# (ccxt error, core error on a read, core error on a write, code)
TABLE = [
    (ccxt.InsufficientFunds, VenueRejectedError, VenueRejectedError, "insufficient_funds"),
    (ccxt.OrderNotFound, VenueRejectedError, VenueRejectedError, "order_not_found"),
    (ccxt.OrderImmediatelyFillable, VenueRejectedError, VenueRejectedError, "would_take"),
    (ccxt.InvalidOrder, VenueRejectedError, VenueRejectedError, "invalid_order"),
    (ccxt.DuplicateOrderId, VenueRejectedError, VenueRejectedError, "invalid_order"),
    (ccxt.BadSymbol, VenueRejectedError, VenueRejectedError, "bad_symbol"),
    (ccxt.AuthenticationError, VenueRejectedError, VenueRejectedError, "authentication"),
    (ccxt.PermissionDenied, VenueRejectedError, VenueRejectedError, "authentication"),
    (ccxt.BadRequest, VenueRejectedError, VenueRejectedError, "bad_request"),
    (ccxt.ArgumentsRequired, VenueRejectedError, VenueRejectedError, "bad_request"),
    (ccxt.NotSupported, VenueRejectedError, VenueRejectedError, "bad_request"),
    (ccxt.ExchangeError, VenueRejectedError, VenueRejectedError, "exchange_error"),
    (ccxt.RateLimitExceeded, VenueUnavailableError, VenueUnavailableError, "rate_limited"),
    (ccxt.DDoSProtection, VenueUnavailableError, VenueUnavailableError, "rate_limited"),
    (ccxt.OnMaintenance, VenueUnavailableError, VenueUnavailableError, "maintenance"),
    (ccxt.InvalidNonce, VenueUnavailableError, VenueUnavailableError, "invalid_nonce"),
    (ccxt.ExchangeNotAvailable, VenueUnavailableError, OutcomeUnknownError, "unreachable"),
    (ccxt.RequestTimeout, VenueUnavailableError, OutcomeUnknownError, "timeout"),
    (ccxt.NetworkError, VenueUnavailableError, OutcomeUnknownError, "network"),
    (ccxt.BadResponse, VenueUnavailableError, OutcomeUnknownError, "bad_response"),
    (ccxt.NullResponse, VenueUnavailableError, OutcomeUnknownError, "bad_response"),
    (ccxt.OperationFailed, VenueUnavailableError, OutcomeUnknownError, "operation_failed"),
]


@pytest.mark.parametrize(("ccxt_error", "on_read", "on_write", "code"), TABLE)
def test_every_ccxt_error_class_maps_by_what_the_caller_should_do(
    ccxt_error, on_read, on_write, code
):
    error = ccxt_error("binance GET https://api.binance.com/api/v3/order?signature=abc s3cr3t-key")

    read = to_venue_error(error, action="read", write=False, redact=REDACT)
    write = to_venue_error(error, action="place", write=True, redact=REDACT)

    assert (type(read), type(write), read.code, write.code) == (on_read, on_write, code, code)
    for mapped in (read, write):
        assert "s3cr3t-key" not in str(mapped) and "signature=abc" not in str(mapped)
        assert type(mapped.__cause__) is ccxt_error
        assert "s3cr3t-key" not in str(mapped.__cause__)
        assert mapped.__suppress_context__


def test_the_table_covers_every_rule():
    assert {rule[0] for rule in ERROR_RULES} <= {row[0] for row in TABLE}


def test_a_write_whose_connection_was_never_made_is_unavailable_not_unknown():
    connect_failed = aiohttp.ClientConnectorError(
        connection_key=None,  # type: ignore[arg-type]
        os_error=ConnectionRefusedError(111, "Connection refused"),
    )
    error = ccxt.ExchangeNotAvailable("binance POST https://api.binance.com/api/v3/order")
    error.__cause__ = connect_failed

    mapped = to_venue_error(error, action="place", write=True, redact=REDACT)

    assert type(mapped) is VenueUnavailableError and mapped.code == "unreachable"


def test_the_message_names_the_action_and_the_ccxt_class():
    mapped = to_venue_error(
        ccxt.InsufficientFunds('binance {"code":-2010,"msg":"Account has insufficient balance"}'),
        action="place LIMIT BUY order lpx1 on SOL/USDT",
        write=True,
        redact=REDACT,
    )

    assert str(mapped).startswith("place LIMIT BUY order lpx1 on SOL/USDT: InsufficientFunds: ")
    assert "insufficient balance" in str(mapped)
