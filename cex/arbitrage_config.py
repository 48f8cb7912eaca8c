"""The arbitrage executor's config and its report's details model.

A Hummingbot ``ArbitrageExecutorConfig`` as JSON data validates unchanged (``type``
``arbitrage_executor``, ``timestamp`` dropped, ``id`` None generated); its
``gas_conversion_price`` is accepted and ignored: a swap leg's network fee comes priced in quote
with the leg's quote (:class:`~lpexec.cex.cross_market.LegQuoteUpdated`).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator

from lpexec.cex.cross_executor import CrossVenueConfig
from lpexec.cex.hummingbot import normalize
from lpexec.core import ExecutorDetails

__all__ = ["ArbitrageDetails", "ArbitrageExecutorConfig"]

logger = logging.getLogger("lpexec.cex.arbitrage")


class ArbitrageExecutorConfig(CrossVenueConfig):
    """Buy ``order_amount`` on ``buying_market`` and sell it on ``selling_market`` at once,
    when the spread beats ``min_profitability`` after fees (see :mod:`lpexec.cex.arbitrage`).

    Attributes:
        min_profitability: the net profit over the quote paid (a ratio, 0.002 = 0.2 %) the
            spread must exceed (strictly) after both legs' fees and network costs; > -1.
        (and :class:`~lpexec.cex.cross_executor.CrossVenueConfig`'s fields)
    """

    type = "arbitrage"

    min_profitability: Decimal = Field(gt=-1, lt=1, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _from_hummingbot(cls, data: Any) -> Any:
        values = normalize(data, ours="arbitrage", theirs="arbitrage_executor")
        if isinstance(values, dict) and "gas_conversion_price" in values:
            price = values.pop("gas_conversion_price")
            if price is not None:
                logger.warning(
                    "arbitrage executor %s: ignored gas_conversion_price=%r (a swap leg's network "
                    "fee is priced with its quote)",
                    values.get("id", "(new)"),
                    price,
                )
        return values


class ArbitrageDetails(ExecutorDetails):
    """The arbitrage part of a report: the markets, the decision, both legs and any unwind."""

    state: str
    buying_connector: str
    buying_pair: str
    selling_connector: str
    selling_pair: str
    order_amount: Decimal
    min_profitability: Decimal
    last_profitability: Decimal | None
    executed_profitability: Decimal | None
    bought_base: Decimal
    sold_base: Decimal
    buy_average_price: Decimal
    sell_average_price: Decimal
    unwound_base: Decimal
    net_base: Decimal
    bought_quote: Decimal
    sold_quote: Decimal
    fees_quote: Decimal
    trades: int
    failures: int
    unwind_failures: int
    stop_requested: bool
    failure_reason: str
    failure_code: str
