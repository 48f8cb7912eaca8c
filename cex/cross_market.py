"""Two markets at once: what the cross-venue executors (XEMM and arbitrage) share about markets.

- :class:`ConnectorPair`: one market, a venue key (``connector_name``) and a pair. A connector
  named ``name/type`` (``jupiter/router``, ``meteora/clmm``, ``raydium/amm``) is a **swap** venue
  (a DEX, traded with :class:`~lpexec.core.trade.Swap`); any other name is an order book (traded
  with :class:`~lpexec.core.trade.PlaceOrder`).
- :func:`interchangeable`: Hummingbot's rule for two tokens that trade as one (identical, a
  known wrapped or bridged pair, or both USD tokens). The two markets of an executor must have
  interchangeable bases and interchangeable quotes; quotes are then taken 1:1 (USDT for USDC):
  there is no rate oracle here, so a spread smaller than the two quotes' own difference is not
  an opportunity. Prefer the same quote token on both markets.
- :class:`LegQuoteUpdated`: what a market offers **one executor** for its amount: the price to
  buy and to sell it (an order book's touch, a swap's quote with its pool fees and price impact
  in), the venue's fee ratios, a swap's network fee in quote, and the balances available there.
  A runtime delivers it to the executor (``Engine.observe``) or publishes it under the leg's
  price key (:func:`leg_key`); it is market data, kept without a revision of its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lpexec.core import PriceUpdated
from lpexec.core.messages import register_message

__all__ = [
    "ConnectorPair",
    "LegQuote",
    "LegQuoteUpdated",
    "check_markets",
    "interchangeable",
    "is_swap_connector",
    "leg_key",
]

_SWAP_CONNECTOR = re.compile(r"^[a-z0-9-]+/(router|clmm|amm)$")

_WRAPPED = frozenset(
    frozenset(pair)
    for pair in (
        ("WETH", "ETH"),
        ("WBTC", "BTC"),
        ("WBNB", "BNB"),
        ("WPOL", "POL"),
        ("WAVAX", "AVAX"),
        ("WONE", "ONE"),
        ("USDC", "USDC.E"),
        ("USOL", "SOL"),
        ("UETH", "ETH"),
        ("UBTC", "BTC"),
        ("WSOL", "SOL"),
    )
)


def is_swap_connector(connector_name: str) -> bool:
    """True when ``connector_name`` is a Gateway swap connector (``name/type``)."""
    return bool(_SWAP_CONNECTOR.fullmatch(connector_name))


def interchangeable(first: str, second: str) -> bool:
    """True when two tokens trade as one: identical, a known wrapped/bridged pair, or both USD
    tokens (Hummingbot's rule, case-insensitive)."""
    a, b = first.upper(), second.upper()
    if a == b or frozenset((a, b)) in _WRAPPED:
        return True
    return "USD" in a and "USD" in b


def leg_key(connector_name: str, trading_pair: str) -> str:
    """The price key of one market: ``connector|pair`` (a pair on two venues is two keys)."""
    return f"{connector_name}|{trading_pair}"


class ConnectorPair(BaseModel):
    """One market: a venue key and a ``BASE-QUOTE`` pair (Hummingbot's ``ConnectorPair``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    connector_name: str = Field(min_length=1)
    trading_pair: str = Field(pattern=r"^[^-\s]+-[^-\s]+$")

    @field_validator("connector_name")
    @classmethod
    def _no_separator(cls, value: str) -> str:
        if "|" in value:
            raise ValueError(f"expected a venue key without '|', received {value!r}")
        return value

    @property
    def base_token(self) -> str:
        """The base token of the pair."""
        return self.trading_pair.split("-", 1)[0]

    @property
    def quote_token(self) -> str:
        """The quote token of the pair."""
        return self.trading_pair.split("-", 1)[1]

    @property
    def is_swap(self) -> bool:
        """True on a swap venue (a DEX), False on an order book."""
        return is_swap_connector(self.connector_name)

    @property
    def key(self) -> str:
        """This market's price key (:func:`leg_key`)."""
        return leg_key(self.connector_name, self.trading_pair)


def check_markets(buying: ConnectorPair, selling: ConnectorPair) -> None:
    """Refuse two markets an executor cannot trade against each other.

    Raises:
        ValueError: the markets are the same, or their bases or quotes are not interchangeable.
    """
    if buying == selling:
        raise ValueError(
            "selling_market: expected a market other than buying_market, received the same "
            f"{selling.connector_name} {selling.trading_pair}"
        )
    for part, one, other in (
        ("base", buying.base_token, selling.base_token),
        ("quote", buying.quote_token, selling.quote_token),
    ):
        if not interchangeable(one, other):
            raise ValueError(
                f"selling_market: expected a {part} token interchangeable with buying_market's "
                f"{one!r} (the same, a wrapped pair, or both USD tokens), received {other!r}"
            )


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class LegQuoteUpdated(PriceUpdated):
    """What one market offers for an executor's amount (see the module docstring).

    Attributes:
        venue: the market's venue key (``connector_name``).
        buy_price: quote per base paid to buy the amount now (an ask, or a swap's BUY quote).
        sell_price: quote per base received to sell the amount now.
        taker_fee: fee ratio of the notional on a taker trade there (0 on a swap: the pool fee
            is in the price).
        maker_fee: fee ratio of the notional on a maker fill there.
        network_fee_quote: a swap's network fee per trade, in quote (0 on an order book).
        native_price: the network's native token in quote, to value fees paid in it (None when
            the pair holds it or it is not known).
        base_available, quote_available: the balances free to trade there (None: not known).
    """

    venue: str
    buy_price: Decimal
    sell_price: Decimal
    taker_fee: Decimal = Decimal(0)
    maker_fee: Decimal = Decimal(0)
    network_fee_quote: Decimal = Decimal(0)
    native_price: Decimal | None = None
    base_available: Decimal | None = None
    quote_available: Decimal | None = None

    def keys(self) -> tuple[str, ...]:
        """Only the market's own key: another venue's price of the pair is not this one's."""
        return (leg_key(self.venue, self.trading_pair),)


@dataclass(slots=True)
class LegQuote:
    """The last :class:`LegQuoteUpdated` of a market, as an executor keeps it."""

    buy_price: Decimal
    sell_price: Decimal
    taker_fee: Decimal
    maker_fee: Decimal
    network_fee_quote: Decimal
    ts: dt.datetime
    native_price: Decimal | None = None
    base_available: Decimal | None = None
    quote_available: Decimal | None = None

    @classmethod
    def of(cls, event: LegQuoteUpdated) -> LegQuote:
        """The quote an event carries."""
        values = {
            field.name: getattr(event, field.name)
            for field in dataclasses.fields(cls)
            if field.name != "ts"
        }
        return cls(ts=event.ts_event, **values)

    def is_fresh(self, now: dt.datetime, max_age_seconds: float) -> bool:
        """True when the quote is at most ``max_age_seconds`` old at ``now``."""
        return (now - self.ts).total_seconds() <= max_age_seconds
