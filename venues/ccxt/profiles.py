"""What differs between exchanges, as data: one :class:`ExchangeProfile` per ccxt exchange.

The adapter speaks ccxt's unified API; a profile says only what that API leaves to the exchange:
which markets to load, how an order's own trades are asked for, whether an order can be looked
up by client order id directly, how hedge-mode orders name their side, and how long after a send
an order not found can be taken as never made.

Profiles for ``binance`` (spot), ``binanceusdm`` (USD-M perpetuals) and ``okx`` (spot, and its
linear perpetuals with ``market_type="swap"``, in contracts) are checked against recorded
payloads; any other ccxt exchange gets :func:`profile_for`'s generic profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

__all__ = ["PROFILES", "ExchangeProfile", "profile_for"]

MarketType = Literal["spot", "swap"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeProfile:
    """One exchange's differences (see the module docstring)."""

    exchange_id: str
    market_type: MarketType
    """The markets this venue trades: ``spot`` or linear ``swap`` (perpetuals)."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """ccxt ``options`` set at creation (which market types ``load_markets`` reads)."""
    fetch_order_by_client_id: bool = True
    """``fetch_order(None, symbol, {"clientOrderId": ...})`` works; otherwise the open and
    closed orders are searched for the client order id."""
    order_trades_param: str | None = None
    """Ask an order's trades with ``fetch_my_trades(symbol, params={param: order_id})``;
    None: with ccxt's ``fetch_order_trades``."""
    hedge_side_param: str | None = None
    """The order parameter naming the position side in hedge mode (None: not supported)."""
    hedge_side_upper: bool = True
    """Whether that side is written ``LONG``/``SHORT`` (else ``long``/``short``)."""
    leverage_params: Mapping[str, Any] = field(default_factory=dict)
    """Parameters ``set_leverage`` needs (OKX: the margin mode the leverage is for)."""
    not_found_after_seconds: float = 60.0
    """An order not found this long after its send was never made. Binance refuses a request
    older than its receive window (ccxt sends ``recvWindow`` 10 s), so a late one cannot land
    after that; OKX is sent no expiry, so its 60 s is a margin chosen, not one the exchange
    enforces."""


def _markets(*types: str) -> dict[str, Any]:
    return {"fetchCurrencies": False, "fetchMarkets": {"types": list(types)}}


PROFILES: dict[str, ExchangeProfile] = {
    "binance": ExchangeProfile(
        exchange_id="binance",
        market_type="spot",
        options={**_markets("spot"), "defaultType": "spot", "fetchMargins": False},
        order_trades_param="orderId",
        not_found_after_seconds=30.0,  # recvWindow 10 s (ccxt's default), with margin
    ),
    "binanceusdm": ExchangeProfile(
        exchange_id="binanceusdm",
        market_type="swap",
        options=_markets("linear"),
        order_trades_param="orderId",
        hedge_side_param="positionSide",
        not_found_after_seconds=30.0,
    ),
    "okx": ExchangeProfile(
        exchange_id="okx",
        market_type="spot",
        options={**_markets("spot"), "defaultType": "spot"},
        hedge_side_param="posSide",
        hedge_side_upper=False,
        leverage_params={"marginMode": "cross"},
    ),
}


def profile_for(exchange_id: str, *, market_type: MarketType | None = None) -> ExchangeProfile:
    """The profile of a ccxt exchange id; a generic one (unified calls only) for others.

    ``market_type`` overrides the profile's (e.g. ``okx`` perpetuals with ``"swap"``).
    """
    known = PROFILES.get(exchange_id)
    if known is None:
        known = ExchangeProfile(exchange_id=exchange_id, market_type=market_type or "spot")
    if market_type is not None and market_type != known.market_type:
        types = {"spot": ("spot",), "swap": ("swap",) if exchange_id == "okx" else ("linear",)}
        options = {**known.options, **_markets(*types[market_type]), "defaultType": market_type}
        return replace(known, market_type=market_type, options=options)
    return known
