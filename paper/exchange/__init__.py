"""The paper exchange: a simulated spot venue (rules, markets stepped by prices, balances, fills).

See :mod:`lpexec.paper.exchange.engine` for the fill rule.
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
    "Quote",
    "TradingRules",
    "floor_to_step",
]
