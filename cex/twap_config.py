"""The TWAP executor's config and its report's details model.

:class:`TWAPExecutorConfig` is what a :class:`~lpexec.cex.twap.TWAPExecutor` is created from:
the total, the duration and the interval between slices, and the mode. Validation reads
Hummingbot's ``TWAPExecutorConfig`` as JSON data unchanged (``type`` ``twap_executor`` or
``twap``, ``side`` as its ``TradeType`` number, ``id`` None, ``timestamp`` dropped).
:class:`TWAPDetails` is the TWAP part of the executor's report.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from lpexec.cex.hummingbot import is_perpetual_market, normalize, upper_name
from lpexec.core import ExecutorConfig, ExecutorDetails, Exposure
from lpexec.core.trade import Side

__all__ = ["TWAPDetails", "TWAPExecutorConfig", "TWAPSliceReport"]


class TWAPExecutorConfig(ExecutorConfig):
    """``total_amount_quote`` bought or sold in slices over ``total_duration`` seconds
    (Hummingbot's field names).

    Attributes:
        trading_pair: ``BASE-QUOTE``.
        connector_name: the venue that carries the orders.
        side: BUY or SELL.
        total_amount_quote: the quote to trade in all.
        total_duration: seconds from the start to the last slice.
        order_interval: seconds between slices; there are
            ``total_duration // order_interval + 1`` slices, the first at the start.
        mode: TAKER sends each slice as a MARKET order; MAKER rests a LIMIT order
            ``limit_order_buffer`` away from the mid (below it for a BUY) until the slice ends.
        limit_order_buffer: MAKER's price offset, a ratio of the mid (required in MAKER).
        order_resubmission_time: MAKER: seconds after which a resting slice order is canceled
            and placed again at the new mid within its slice; None: never.
        leverage: perpetuals' leverage, >= 1 (reported).
        is_perpetual: None infers it from ``connector_name``.
        max_retries: how many refused or venue-canceled orders are placed again before the
            executor fails.
        keep_position: no effect: a TWAP keeps what it traded (it never flattens).
    """

    type = "twap"

    trading_pair: str = Field(pattern=r"^[^-\s]+-[^-\s]+$")
    connector_name: str = Field(min_length=1)
    side: Side
    total_amount_quote: Decimal = Field(gt=0, allow_inf_nan=False)
    total_duration: int = Field(ge=0)
    order_interval: int = Field(gt=0)
    mode: Literal["MAKER", "TAKER"] = "TAKER"
    limit_order_buffer: Decimal | None = Field(default=None, ge=0, lt=1, allow_inf_nan=False)
    order_resubmission_time: int | None = Field(default=None, gt=0)
    leverage: int = Field(default=1, ge=1)
    is_perpetual: bool | None = None
    max_retries: int = Field(default=10, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_hummingbot(cls, data: Any) -> Any:
        return normalize(data, ours="twap", theirs="twap_executor")

    @field_validator("side", "mode", mode="before")
    @classmethod
    def _upper_names(cls, value: object) -> object:
        return upper_name(value)

    @model_validator(mode="after")
    def _consistent(self) -> TWAPExecutorConfig:
        if self.mode == "MAKER" and self.limit_order_buffer is None:
            raise ValueError(
                "limit_order_buffer: expected a ratio >= 0 in MAKER mode, received None"
            )
        if self.order_interval > self.total_duration > 0:
            raise ValueError(
                f"order_interval: expected at most total_duration ({self.total_duration} s), "
                f"received {self.order_interval}"
            )
        return self

    @property
    def number_of_orders(self) -> int:
        """How many slices: one at the start, then one per interval within the duration."""
        return self.total_duration // self.order_interval + 1

    @property
    def order_amount_quote(self) -> Decimal:
        """The quote of one slice as planned (later slices absorb what earlier ones missed)."""
        return self.total_amount_quote / self.number_of_orders

    @property
    def perpetual(self) -> bool:
        """True when orders carry a position action (a perpetual market)."""
        return is_perpetual_market(self.connector_name, self.is_perpetual)

    def exposure(self) -> Exposure:
        """What the TWAP moves: ``total_amount_quote`` valued at the pair's price."""
        return Exposure(trading_pair=self.trading_pair, quote_amount=self.total_amount_quote)


# --- report ---------------------------------------------------------------------------------


class TWAPSliceReport(ExecutorDetails):
    """One order of a slice in a report."""

    slice: int
    client_order_id: str
    order_type: str
    price: Decimal | None
    amount: Decimal
    filled_base: Decimal
    average_price: Decimal
    fees_quote: Decimal
    phase: str


class TWAPDetails(ExecutorDetails):
    """The TWAP part of a report: Hummingbot's figures, then ours."""

    side: Side
    trading_pair: str
    connector_name: str
    mode: str
    number_of_orders: int
    order_amount_quote: Decimal
    current_retries: int
    max_retries: int
    state: str
    is_trading: bool
    start_time: dt.datetime | None
    end_time: dt.datetime | None
    next_slice_time: dt.datetime | None
    slices_sent: int
    arrival_price: Decimal | None
    average_executed_price: Decimal
    slippage: Decimal | None
    """Against the arrival price, a ratio; positive: worse than arrival (paid more on a BUY)."""
    filled_amount_base: Decimal
    filled_amount_quote: Decimal
    filled_ratio: Decimal
    cum_fees_quote: Decimal
    order_ids: list[str]
    orders: list[TWAPSliceReport]
    failure_reason: str
    failure_code: str
