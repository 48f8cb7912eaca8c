"""The XEMM executor's config and its report's details model.

A Hummingbot ``XEMMExecutorConfig`` as JSON data validates unchanged (``type`` ``xemm_executor``,
``timestamp`` dropped, ``id`` None generated, ``maker_side`` 1/2 for BUY/SELL).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from lpexec.cex.cross_executor import CrossVenueConfig
from lpexec.cex.cross_market import ConnectorPair
from lpexec.cex.hummingbot import HUMMINGBOT_SIDES, normalize, upper_name
from lpexec.core import ExecutorDetails

__all__ = ["XEMMDetails", "XEMMExecutorConfig"]


class XEMMExecutorConfig(CrossVenueConfig):
    """A maker order on one market hedged at the other when it fills (see
    :mod:`lpexec.cex.xemm`).

    Attributes:
        maker_side: BUY rests a buy on ``buying_market`` and hedges with a sell on
            ``selling_market``; SELL rests a sell on ``selling_market`` and hedges with a buy on
            ``buying_market``. The maker market must be an order book.
        min_profitability, target_profitability, max_profitability: ratios of the maker price
            (0.002 = 0.2 %), net of both legs' fees; the maker order is priced at the target and
            replaced when its profitability leaves [min, max]; min <= target <= max.
        (and :class:`~lpexec.cex.cross_executor.CrossVenueConfig`'s fields)
    """

    type = "xemm"

    maker_side: Literal["BUY", "SELL"]
    min_profitability: Decimal = Field(gt=-1, lt=1, allow_inf_nan=False)
    target_profitability: Decimal = Field(gt=-1, lt=1, allow_inf_nan=False)
    max_profitability: Decimal = Field(gt=-1, lt=1, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _from_hummingbot(cls, data: Any) -> Any:
        values = normalize(data, ours="xemm", theirs="xemm_executor")
        if isinstance(values, dict):
            side = values.get("maker_side")
            if type(side) is int and side in HUMMINGBOT_SIDES:
                values["maker_side"] = HUMMINGBOT_SIDES[side]
        return values

    @field_validator("maker_side", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return upper_name(value)

    @model_validator(mode="after")
    def _consistent(self) -> XEMMExecutorConfig:
        low, target, high = (
            self.min_profitability,
            self.target_profitability,
            self.max_profitability,
        )
        if not low <= target <= high:
            raise ValueError(
                "target_profitability: expected min_profitability <= target_profitability <= "
                f"max_profitability, received {low} <= {target} <= {high}"
            )
        maker = self.maker_market
        if maker.is_swap:
            field = "buying_market" if self.maker_side == "BUY" else "selling_market"
            raise ValueError(
                f"{field}: the maker market (maker_side={self.maker_side}) must be an order "
                f"book, received the swap connector {maker.connector_name!r}"
            )
        return self

    @property
    def maker_market(self) -> ConnectorPair:
        """Where the maker order rests."""
        return self.buying_market if self.maker_side == "BUY" else self.selling_market

    @property
    def taker_market(self) -> ConnectorPair:
        """Where fills are hedged."""
        return self.selling_market if self.maker_side == "BUY" else self.buying_market

    @property
    def taker_side(self) -> Literal["BUY", "SELL"]:
        """The hedge's side: the maker's opposite."""
        return "SELL" if self.maker_side == "BUY" else "BUY"


class XEMMDetails(ExecutorDetails):
    """The XEMM part of a report: the maker order, the hedges and any unwind."""

    state: str
    maker_connector: str
    taker_connector: str
    maker_side: str
    order_amount: Decimal
    target_profitability: Decimal
    maker_price: Decimal | None
    last_profitability: Decimal | None
    maker_orders: int
    refreshes: int
    maker_filled_base: Decimal
    maker_average_price: Decimal
    hedged_base: Decimal
    hedge_average_price: Decimal
    unwound_base: Decimal
    net_base: Decimal
    fees_quote: Decimal
    maker_failures: int
    hedge_failures: int
    unwind_failures: int
    stop_requested: bool
    failure_reason: str
    failure_code: str
