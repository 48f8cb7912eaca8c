"""Markets, read once from ccxt: our trading pairs, ccxt symbols and trading rules.

ccxt describes a market's precision either as the increment itself (``TICK_SIZE``, most
exchanges) or as a count of decimal places (``DECIMAL_PLACES``); :func:`step_from_precision`
turns both into the increment. Contract markets (perpetuals) count amounts in contracts of
``contract_size`` base each: :class:`MarketSpec` converts, so everything we expose is in base.

Our trading pair is ``BASE-QUOTE`` (``SOL-USDT``); on a perpetual venue it names the linear
perpetual settled in the quote asset (ccxt's ``SOL/USDT:USDT``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ccxt.base.decimal_to_precision import DECIMAL_PLACES, TICK_SIZE

from lpexec.core.exchange import ORDER_TYPES, TradingRules
from lpexec.core.money import ZERO

__all__ = ["MarketBook", "MarketSpec", "decimal_of", "step_from_precision"]

_OUR_ORDER_TYPES = {"LIMIT": "LIMIT", "LIMIT_MAKER": "LIMIT_MAKER", "MARKET": "MARKET"}


def decimal_of(value: Any, *, field: str) -> Decimal:
    """``value`` (a ccxt number: float, int or numeric string) as an exact Decimal.

    A float goes through its shortest text form, which is the text the exchange sent.
    """
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(f"{field}: expected a number, received {value!r}")
    try:
        result = Decimal(str(value))
    except ArithmeticError as e:
        raise ValueError(f"{field}: expected a number, received {value!r}") from e
    if not result.is_finite():
        raise ValueError(f"{field}: expected a finite number, received {value!r}")
    return result


def step_from_precision(value: Any, precision_mode: int, *, field: str) -> Decimal:
    """The increment a ccxt precision stands for (``0.01`` for a tick of 0.01 or for 2 places)."""
    if value is None:
        raise ValueError(f"{field}: expected the market's precision, received None")
    if precision_mode == TICK_SIZE:
        return decimal_of(value, field=field)
    if precision_mode == DECIMAL_PLACES:
        return Decimal(1).scaleb(-int(decimal_of(value, field=field)))
    raise ValueError(
        f"{field}: expected a precision mode TICK_SIZE or DECIMAL_PLACES, "
        f"received mode {precision_mode}"
    )


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """One market: our pair, ccxt's symbol, its rules (in base) and its contract size."""

    trading_pair: str
    symbol: str
    base: str
    quote: str
    rules: TradingRules
    contract_size: Decimal = Decimal(1)
    """Base per contract on contract markets (1 on spot)."""
    is_contract: bool = False

    def to_venue_amount(self, base_amount: Decimal) -> Decimal:
        """Base amount → the amount ccxt takes (contracts on contract markets)."""
        return base_amount / self.contract_size if self.is_contract else base_amount

    def to_base_amount(self, venue_amount: Decimal) -> Decimal:
        """The amount ccxt reports (contracts on contract markets) → base."""
        return venue_amount * self.contract_size if self.is_contract else venue_amount

    def fee_in_quote(self, fee: Mapping[str, Any] | None, *, price: Decimal) -> Decimal:
        """A ccxt fee ``{"cost", "currency"}`` in quote: a base fee at ``price``; a fee in a
        third asset (e.g. BNB) cannot be valued here and counts 0."""
        if not fee or fee.get("cost") in (None, ""):
            return ZERO
        cost = decimal_of(fee["cost"], field="fee.cost")
        currency = fee.get("currency")
        if currency == self.quote:
            return cost
        if currency == self.base:
            return cost * price
        return ZERO


def _order_types(market: Mapping[str, Any]) -> frozenset[str]:
    listed = (market.get("info") or {}).get("orderTypes")
    if not market.get("spot") or not isinstance(listed, list):
        return ORDER_TYPES
    return frozenset(_OUR_ORDER_TYPES[t] for t in listed if t in _OUR_ORDER_TYPES) or ORDER_TYPES


def _rules(market: Mapping[str, Any], precision_mode: int, contract_size: Decimal) -> TradingRules:
    symbol = market["symbol"]
    precision = market.get("precision") or {}
    limits = market.get("limits") or {}
    amount_min = (limits.get("amount") or {}).get("min")
    cost_min = (limits.get("cost") or {}).get("min")
    return TradingRules(
        price_tick=step_from_precision(
            precision.get("price"), precision_mode, field=f"{symbol} precision.price"
        ),
        amount_step=step_from_precision(
            precision.get("amount"), precision_mode, field=f"{symbol} precision.amount"
        )
        * contract_size,
        min_amount=ZERO
        if amount_min is None
        else decimal_of(amount_min, field=f"{symbol} limits.amount.min") * contract_size,
        min_notional=ZERO
        if cost_min is None
        else decimal_of(cost_min, field=f"{symbol} limits.cost.min"),
        order_types=_order_types(market),
    )


class MarketBook:
    """The markets of one market type (``spot`` or ``swap``), by our pair and by ccxt symbol.

    Built once from ``exchange.markets`` after ``load_markets``; markets of other types, inactive
    ones and (on ``swap``) inverse perpetuals are left out.
    """

    __slots__ = ("_by_pair", "_by_symbol", "market_type")

    def __init__(
        self, markets: Mapping[str, Mapping[str, Any]], *, market_type: str, precision_mode: int
    ) -> None:
        self.market_type = market_type
        self._by_pair: dict[str, MarketSpec] = {}
        self._by_symbol: dict[str, MarketSpec] = {}
        for market in markets.values():
            if market.get("type") != market_type or market.get("active") is False:
                continue
            if market_type == "swap" and (
                not market.get("linear") or market.get("settle") != market.get("quote")
            ):
                continue
            is_contract = bool(market.get("contract"))
            size = market.get("contractSize") if is_contract else None
            contract_size = Decimal(1) if size is None else decimal_of(size, field="contractSize")
            spec = MarketSpec(
                trading_pair=f"{market['base']}-{market['quote']}",
                symbol=market["symbol"],
                base=market["base"],
                quote=market["quote"],
                rules=_rules(market, precision_mode, contract_size),
                contract_size=contract_size,
                is_contract=is_contract,
            )
            self._by_pair[spec.trading_pair] = spec
            self._by_symbol[spec.symbol] = spec

    def __len__(self) -> int:
        return len(self._by_pair)

    def by_pair(self, trading_pair: str) -> MarketSpec | None:
        """The market of ``BASE-QUOTE``, or None."""
        return self._by_pair.get(trading_pair)

    def by_symbol(self, symbol: str) -> MarketSpec | None:
        """The market of a ccxt symbol (``SOL/USDT``, ``SOL/USDT:USDT``), or None."""
        return self._by_symbol.get(symbol)

    def pairs(self) -> list[str]:
        """Every pair, sorted."""
        return sorted(self._by_pair)
