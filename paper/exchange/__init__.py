"""The paper exchange: a simulated spot and perpetual venue (rules, markets stepped by prices,
balances, fills, positions with margin, funding and liquidation), saved and loaded whole.

See :mod:`lpexec.paper.exchange.engine` for the fill rule, :mod:`.perpetual` for the margin,
funding and liquidation formulas, :mod:`.persistence` for the saved state.
"""

from __future__ import annotations

from lpexec.core.exchange import TradingRules, floor_to_step
from lpexec.paper.exchange.accounts import Balance, Balances
from lpexec.paper.exchange.engine import PaperExchange
from lpexec.paper.exchange.errors import (
    BalanceError,
    DuplicateClientOrderIdError,
    ExchangeError,
    InvalidExchangeRequestError,
    InvalidQuoteError,
    MarketNotFoundError,
    NotFoundError,
    OrderNotFoundError,
    OrderNotOpenError,
    PositionStateError,
    StateFormatError,
)
from lpexec.paper.exchange.market import Market, Quote
from lpexec.paper.exchange.orders import (
    ORDER_LIFECYCLE,
    ClientOrderId,
    Fill,
    Liquidity,
    Order,
    OrderSide,
    OrderStatus,
    OrderTrigger,
    OrderType,
)
from lpexec.paper.exchange.perpetual import Liquidation, PerpetualSpec

__all__ = [
    "ORDER_LIFECYCLE",
    "Balance",
    "BalanceError",
    "Balances",
    "ClientOrderId",
    "DuplicateClientOrderIdError",
    "ExchangeError",
    "Fill",
    "InvalidExchangeRequestError",
    "InvalidQuoteError",
    "Liquidation",
    "Liquidity",
    "Market",
    "MarketNotFoundError",
    "NotFoundError",
    "Order",
    "OrderNotFoundError",
    "OrderNotOpenError",
    "OrderSide",
    "OrderStatus",
    "OrderTrigger",
    "OrderType",
    "PaperExchange",
    "PerpetualSpec",
    "PositionStateError",
    "Quote",
    "StateFormatError",
    "TradingRules",
    "floor_to_step",
]
