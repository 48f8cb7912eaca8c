"""Our ``PlaceOrder`` as ccxt's ``create_order`` arguments, checked against the market's rules.

Pure: amounts are floored to the step and prices to the tick (as the core's
:class:`~lpexec.core.exchange.TradingRules` say), minimums are checked before anything is sent,
amounts become contracts on contract markets, and a perpetual order's position action becomes
``reduceOnly`` (one-way mode) or the exchange's position-side parameter (hedge mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lpexec.core.errors import VenueRejectedError
from lpexec.core.exchange import PositionMode
from lpexec.core.money import ZERO
from lpexec.core.trade import PlaceOrder

from .markets import MarketSpec
from .profiles import ExchangeProfile

__all__ = ["OrderRequest", "order_request"]


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """The arguments of ccxt's ``create_order`` (amount and price as plain decimal text)."""

    symbol: str
    order_type: str
    side: str
    amount: str
    price: str | None
    params: dict[str, Any]


def order_request(
    command: PlaceOrder,
    spec: MarketSpec,
    *,
    profile: ExchangeProfile,
    position_mode: PositionMode,
) -> OrderRequest:
    """Build the request for ``command`` on ``spec``'s market.

    Raises:
        VenueRejectedError: an order type the market refuses, a limit without a price, an
            amount or notional below the minimum after flooring (``below_minimum``), or a
            position action the venue cannot carry (``invalid_order``). Nothing was sent.
    """
    rules = spec.rules
    if command.order_type not in rules.order_types:
        raise VenueRejectedError(
            f"order_type: expected one of {sorted(rules.order_types)} on {spec.symbol}, "
            f"received {command.order_type}",
            code="invalid_order",
        )
    amount = rules.floor_amount(command.amount)
    price: Decimal | None = None
    if command.order_type != "MARKET":
        if command.price is None:
            raise VenueRejectedError(
                f"price: expected a price for a {command.order_type} order, received None",
                code="invalid_order",
            )
        price = rules.floor_price(command.price)
    if price is not None:
        problem = rules.check(amount=amount, price=price)
    else:  # a market order's notional is only known once filled: check the amount alone
        short = amount <= ZERO or amount < rules.min_amount
        problem = rules.check(amount=amount, price=ZERO) if short else None
    if problem is not None:
        raise VenueRejectedError(
            f"order {command.client_order_id}: {problem}", code="below_minimum"
        )
    params: dict[str, Any] = {"clientOrderId": command.client_order_id}
    if command.order_type == "LIMIT_MAKER":
        params["postOnly"] = True
    params.update(_position_params(command, profile, position_mode))
    return OrderRequest(
        symbol=spec.symbol,
        order_type="market" if command.order_type == "MARKET" else "limit",
        side=command.side.lower(),
        amount=format(spec.to_venue_amount(amount), "f"),  # plain digits: never "1E-8"
        price=None if price is None else format(price, "f"),
        params=params,
    )


def _position_params(
    command: PlaceOrder, profile: ExchangeProfile, position_mode: PositionMode
) -> dict[str, Any]:
    action = command.position_action
    if action is None:
        return {}
    if profile.market_type != "swap":
        raise VenueRejectedError(
            f"position_action: expected None on a spot market of {profile.exchange_id}, "
            f"received {action}",
            code="invalid_order",
        )
    if position_mode == "ONEWAY":
        return {"reduceOnly": True} if action == "CLOSE" else {}
    if profile.hedge_side_param is None:
        raise VenueRejectedError(
            f"position mode: hedge-mode orders are not supported on {profile.exchange_id}",
            code="invalid_order",
        )
    buys_long = command.side == "BUY"
    long_side = buys_long if action == "OPEN" else not buys_long
    side = "LONG" if long_side else "SHORT"
    return {profile.hedge_side_param: side if profile.hedge_side_upper else side.lower()}
