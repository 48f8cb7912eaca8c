"""The ccxt exchange adapter: spot and perpetual order-book venues behind the core's ports.

``CcxtExchangeVenue`` implements :class:`~lpexec.core.ports.ExchangeVenue` and
:class:`~lpexec.core.ports.PerpetualVenue` on ccxt's async client; ccxt's errors are mapped once
(:mod:`.errors`), markets and trading rules are read once (:mod:`.markets`), orders are checked
and built without I/O (:mod:`.orders`), what differs between exchanges is data
(:mod:`.profiles`), ccxt records are read into ours in :mod:`.records`, and API keys come from
the environment and stay out of reprs, logs and errors (:mod:`.credentials`, :mod:`.exchange`).
Only this package imports ccxt.

Example:
    >>> venue = CcxtExchangeVenue.from_env("binanceusdm", clock=LiveClock())
    >>> await venue.set_leverage("BTC-USDT", 5)
"""

from .adapter import CcxtExchangeVenue
from .credentials import Credentials, Redactor, env_names
from .errors import ERROR_RULES, to_venue_error
from .exchange import HTTP_LOGGER, create_exchange
from .markets import MarketBook, MarketSpec
from .profiles import PROFILES, ExchangeProfile, profile_for

__all__ = [
    "ERROR_RULES",
    "HTTP_LOGGER",
    "PROFILES",
    "CcxtExchangeVenue",
    "Credentials",
    "ExchangeProfile",
    "MarketBook",
    "MarketSpec",
    "Redactor",
    "create_exchange",
    "env_names",
    "profile_for",
    "to_venue_error",
]
