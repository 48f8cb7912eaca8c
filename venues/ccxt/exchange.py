"""Setting up a ccxt exchange for the adapter: keys, the rate limiter, the markets to load, and
the redacting request log.

Example:
    >>> exchange = create_exchange("binance", Credentials.from_env("binance", os.environ))
    >>> venue = CcxtExchangeVenue(exchange, venue="binance", clock=LiveClock())
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import ccxt.async_support as ccxt

from .credentials import Credentials, RedactingLogger, Redactor
from .profiles import MarketType, profile_for

__all__ = ["HTTP_LOGGER", "create_exchange"]

HTTP_LOGGER = "lpexec.venues.ccxt.http"
"""The logger ccxt's request and response records go to, redacted (DEBUG)."""


def create_exchange(
    exchange_id: str,
    credentials: Credentials,
    *,
    market_type: MarketType | None = None,
    timeout_ms: int = 10_000,
    config: Mapping[str, Any] | None = None,
) -> Any:
    """A ccxt async exchange set up for :class:`~.adapter.CcxtExchangeVenue`.

    Args:
        exchange_id: a ccxt exchange id (``binance``, ``binanceusdm``, ``okx``).
        credentials: the API key, secret and password.
        market_type: ``spot`` or ``swap``; the exchange profile's by default.
        timeout_ms: the request timeout (a place that times out is an unknown outcome).
        config: more ccxt settings (``rateLimit``, ``options``); the rate limiter stays on and
            verbose printing off.

    Raises:
        ValueError: the id is not a ccxt exchange.
    """
    exchange_class = getattr(ccxt, exchange_id, None) if exchange_id in ccxt.exchanges else None
    if exchange_class is None:
        raise ValueError(f"exchange_id: expected a ccxt exchange id, received {exchange_id!r}")
    if timeout_ms <= 0:
        raise ValueError(f"timeout_ms: expected a positive number, received {timeout_ms}")
    profile = profile_for(exchange_id, market_type=market_type)
    extra = dict(config or {})
    settings: dict[str, Any] = {
        **extra,
        "apiKey": credentials.api_key,
        "secret": credentials.secret,
        "enableRateLimit": True,
        "verbose": False,  # ccxt's verbose mode prints requests, keys included, to stdout
        "timeout": timeout_ms,
        "options": {**profile.options, **extra.get("options", {})},
    }
    if credentials.password:
        settings["password"] = credentials.password
    exchange = exchange_class(settings)
    # Currencies are not needed (markets name their assets) and some exchanges read them from
    # private endpoints on every start.
    exchange.has["fetchCurrencies"] = False
    # Numbers as the exchange's own text (ccxt computes on strings internally): read into
    # Decimal exactly, where a float keeps only ~15 significant digits (a meme coin balance
    # of 123456789012.12345678 would not survive it).
    exchange.number = str
    exchange.logger = RedactingLogger(
        logging.getLogger(HTTP_LOGGER), Redactor(credentials.secrets())
    )
    return exchange
