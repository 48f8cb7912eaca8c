"""API keys come from the environment by name and never appear in reprs, logs or errors (their
messages, their chained causes, their tracebacks), nor do request signatures derived from them."""

from __future__ import annotations

import logging
import traceback
from decimal import Decimal

import pytest

from lpexec.core import Evidence, PlaceOrder, VenueError
from lpexec.venues.ccxt import CcxtExchangeVenue, Credentials, Redactor, env_names

API_KEY = "tEsTkEyA1b2C3d4E5f6G7h8I9j0"
API_SECRET = "tEsTsEcReTz9Y8x7W6v5U4t3S2r1"
API_PASSWORD = "tEsTpAsSpHrAsE42"
SECRETS = (API_KEY, API_SECRET, API_PASSWORD)
V = "binance_spot"
ENVIRON = {
    "LPEXEC_BINANCE_API_KEY": API_KEY,
    "LPEXEC_BINANCE_SECRET": API_SECRET,
    "LPEXEC_BINANCE_PASSWORD": API_PASSWORD,
}


def place() -> PlaceOrder:
    return PlaceOrder(
        command_id="cmd-1",
        executor_id="ord-1",
        venue="binance",
        trading_pair="SOL-USDT",
        side="BUY",
        order_type="LIMIT",
        amount=Decimal("1.5"),
        price=Decimal("131.25"),
        client_order_id="lpx6f1c0a9e2b7d4c8e1f3a5b7c9d0e2",
    )


def everything_said_by(error: BaseException) -> str:
    """The error as a log or a crash report would show it: message, repr, causes, traceback."""
    return "\n".join(
        [str(error), repr(error), str(error.__cause__), repr(error.__cause__)]
        + traceback.format_exception(error)
    )


def assert_no_secret(text: str, *also: str) -> None:
    for secret in SECRETS + also:
        assert secret not in text


def test_the_environment_names_the_variables_by_exchange_id():
    assert env_names("binanceusdm") == (
        "LPEXEC_BINANCEUSDM_API_KEY",
        "LPEXEC_BINANCEUSDM_SECRET",
        "LPEXEC_BINANCEUSDM_PASSWORD",
    )


def test_credentials_read_from_the_environment_print_masked():
    credentials = Credentials.from_env("binance", ENVIRON)

    assert (credentials.api_key, credentials.secret, credentials.password) == SECRETS
    assert_no_secret(repr(credentials) + str(credentials) + f"{credentials}")
    assert "***" in repr(credentials)


def test_missing_credentials_name_the_variable_and_nothing_of_the_others():
    with pytest.raises(ValueError, match="LPEXEC_BINANCE_SECRET") as caught:
        Credentials.from_env("binance", {"LPEXEC_BINANCE_API_KEY": API_KEY})
    assert_no_secret(everything_said_by(caught.value))


def test_the_redactor_masks_secrets_and_signatures():
    redact = Redactor(SECRETS)

    text = redact(
        f"GET https://x/api/v3/order?symbol=SOLUSDT&signature=9f86d081884c7d65, "
        f"headers {{'X-MBX-APIKEY': '{API_KEY}'}} secret={API_SECRET} pass {API_PASSWORD}"
    )

    assert_no_secret(text, "9f86d081884c7d65")
    assert "symbol=SOLUSDT" in text


async def test_a_venue_from_the_environment_signs_with_those_keys_and_never_shows_them(
    server, clock, point_at, caplog
):
    caplog.set_level(logging.DEBUG)
    server.json("GET", "/api/v3/exchangeInfo", V, "exchange_info")
    server.json("POST", "/api/v3/order", V, "error_insufficient_balance", status=400)
    venue = CcxtExchangeVenue.from_env("binance", clock=clock, environ=ENVIRON)
    venue.exchange.timeout_on_exit = 0
    point_at(venue.exchange, server.base_url)
    try:
        with pytest.raises(VenueError) as caught:
            await venue.place_order(place(), Evidence())
    finally:
        await venue.close()

    (sent,) = server.requests("POST", "/api/v3/order")
    assert sent.headers["X-MBX-APIKEY"] == API_KEY  # the key from the environment is used
    signature = sent.fields["signature"]
    assert_no_secret(everything_said_by(caught.value), signature)
    assert_no_secret(repr(venue))
    # ccxt logs every request with its headers at DEBUG: through our logger, masked
    assert "Request" in caplog.text and "/api/v3/order" in caplog.text
    assert_no_secret(caplog.text, signature)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, "error_insufficient_balance"),
        (401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}),
        (503, "<html>503 Service Unavailable</html>"),
        (429, "error_too_many_requests"),
    ],
)
async def test_no_error_class_carries_a_secret_or_a_signature(
    server, make_venue, caplog, status, body
):
    caplog.set_level(logging.DEBUG)
    server.json("GET", "/api/v3/exchangeInfo", V, "exchange_info")
    if isinstance(body, str) and not body.startswith("<"):
        server.json("GET", "/api/v3/account", V, body, status=status)
    else:
        server.answer("GET", "/api/v3/account", (status, body))
    venue = make_venue("binance")

    with pytest.raises(VenueError) as caught:
        await venue.balances()

    (sent,) = server.requests("GET", "/api/v3/account")
    assert_no_secret(everything_said_by(caught.value), sent.fields["signature"])
    assert_no_secret(caplog.text, sent.fields["signature"])


async def test_a_timeout_carries_no_signature_either(server, make_venue, caplog):
    caplog.set_level(logging.DEBUG)
    server.json("GET", "/api/v3/exchangeInfo", V, "exchange_info")
    server.answer("POST", "/api/v3/order", "hang")
    venue = make_venue("binance")
    await venue.trading_rules("SOL-USDT")
    venue.exchange.timeout = 100

    with pytest.raises(VenueError) as caught:
        await venue.place_order(place(), Evidence())

    (sent,) = server.requests("POST", "/api/v3/order")
    assert_no_secret(everything_said_by(caught.value), sent.fields["signature"])
    assert_no_secret(caplog.text, sent.fields["signature"])


async def test_the_exchange_underneath_prints_no_secret_either(make_venue):
    venue = make_venue("binance")

    assert_no_secret(repr(venue.exchange) + str(venue.exchange) + repr(venue))
