"""The position executor's config (with its triple barrier) and its report's details model.

:class:`PositionExecutorConfig` is what a :class:`~lpexec.cex.position.PositionExecutor` is
created from: the entry, the exits (:class:`TripleBarrierConfig`, :class:`TrailingStop`) and the
market. Validation reads Hummingbot's configs unchanged: ``type`` ``position_executor`` (or
``position``), ``side`` as its ``TradeType`` value (1 BUY, 2 SELL), order types as its
``OrderType`` values (1 MARKET, 2 LIMIT, 3 LIMIT_MAKER), ``id`` None (generated), ``timestamp``
dropped. :class:`PositionDetails` is the position part of the executor's report. Both are
re-exported by :mod:`lpexec.cex.position` and :mod:`lpexec.cex`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lpexec.cex.hummingbot import ActivationBounds, is_perpetual_market, normalize, upper_name
from lpexec.core import ExecutorConfig, ExecutorDetails, Exposure
from lpexec.core.trade import OrderType, Side

__all__ = ["PositionDetails", "PositionExecutorConfig", "TrailingStop", "TripleBarrierConfig"]

# --- config ---------------------------------------------------------------------------------

_STRICT = ConfigDict(frozen=True, extra="forbid")


_HUMMINGBOT_ORDER_TYPES = {1: "MARKET", 2: "LIMIT", 3: "LIMIT_MAKER"}
_ORDER_TYPE_FIELDS = (
    "open_order_type",
    "take_profit_order_type",
    "stop_loss_order_type",
    "time_limit_order_type",
)


class TrailingStop(BaseModel):
    """A trailing stop: armed when net P&L exceeds ``activation_price`` (a ratio of net P&L,
    despite its Hummingbot name), it closes when net P&L falls ``trailing_delta`` (a ratio of the
    entry price) below its best since."""

    model_config = _STRICT

    activation_price: Decimal = Field(ge=0, allow_inf_nan=False)
    trailing_delta: Decimal = Field(gt=0, allow_inf_nan=False)


class TripleBarrierConfig(BaseModel):
    """The exits (Hummingbot's names); each barrier is optional and a ratio of net P&L.

    Attributes:
        stop_loss: close when net P&L <= -stop_loss.
        take_profit: close when net P&L >= take_profit (MARKET), or rest a limit order at
            entry x (1 +/- take_profit) (LIMIT, LIMIT_MAKER).
        time_limit: seconds from creation after which the position closes.
        trailing_stop: see :class:`TrailingStop`.
        open_order_type: the entry order's type.
        take_profit_order_type: MARKET, LIMIT or LIMIT_MAKER.
        stop_loss_order_type, time_limit_order_type: MARKET only (as Hummingbot).
    """

    model_config = _STRICT

    stop_loss: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    take_profit: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    time_limit: int | None = Field(default=None, gt=0)
    trailing_stop: TrailingStop | None = None
    open_order_type: OrderType = "LIMIT"
    take_profit_order_type: OrderType = "MARKET"
    stop_loss_order_type: Literal["MARKET"] = "MARKET"
    time_limit_order_type: Literal["MARKET"] = "MARKET"

    @field_validator(*_ORDER_TYPE_FIELDS, mode="before")
    @classmethod
    def _known_type(cls, value: object) -> object:
        if type(value) is int and value in _HUMMINGBOT_ORDER_TYPES:
            return _HUMMINGBOT_ORDER_TYPES[value]  # Hummingbot's OrderType values
        return upper_name(value)


class PositionExecutorConfig(ExecutorConfig):
    """A position of ``amount`` base with a triple barrier (Hummingbot's field names).

    Attributes:
        trading_pair: ``BASE-QUOTE``.
        connector_name: the venue that carries the orders.
        side: BUY (long) or SELL (short).
        amount: the base amount to enter.
        entry_price: the entry limit price; None: MARKET entries take none, LIMIT entries are
            placed at the first price published.
        triple_barrier_config: the exits.
        leverage: perpetuals' leverage, >= 1 (reported; not set on the venue yet).
        activation_bounds: ``[near, far]`` ratios around the price within which the entry order
            lives (Hummingbot's formulas); None: always.
        level_id: an optional tag a controller uses to find its executors.
        is_perpetual: None infers it from ``connector_name`` (Hummingbot: "perpetual" in it).
        position_mode: perpetuals: HEDGE keeps a held long and short apart in the ledger.
        max_retries: how many failed placements are tried again before the executor fails.
        keep_position: what a stop without its own choice does: hold (True) or flatten (False).
    """

    type = "position"

    trading_pair: str = Field(pattern=r"^[^-\s]+-[^-\s]+$")
    connector_name: str = Field(min_length=1)
    side: Side
    amount: Decimal = Field(gt=0, allow_inf_nan=False)
    entry_price: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    triple_barrier_config: TripleBarrierConfig = Field(default_factory=TripleBarrierConfig)
    leverage: int = Field(default=1, ge=1)
    activation_bounds: ActivationBounds = None
    level_id: str | None = None
    is_perpetual: bool | None = None
    position_mode: Literal["ONEWAY", "HEDGE"] = "ONEWAY"
    max_retries: int = Field(default=10, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_hummingbot(cls, data: Any) -> Any:
        return normalize(data, ours="position", theirs="position_executor")

    @field_validator("side", "position_mode", mode="before")
    @classmethod
    def _upper_names(cls, value: object) -> object:
        return upper_name(value)

    @property
    def perpetual(self) -> bool:
        """True when orders carry a position action (a perpetual market)."""
        return is_perpetual_market(self.connector_name, self.is_perpetual)

    @property
    def close_side(self) -> Side:
        """The side of the orders that close the position."""
        return "SELL" if self.side == "BUY" else "BUY"

    def exposure(self) -> Exposure:
        """What the position moves: ``amount`` base, valued at the pair's price."""
        return Exposure(trading_pair=self.trading_pair, base_amount=self.amount)


# --- report ---------------------------------------------------------------------------------


class PositionDetails(ExecutorDetails):
    """The position part of a report: Hummingbot's custom_info keys, then ours."""

    level_id: str | None
    current_position_average_price: Decimal
    side: str
    current_retries: int
    max_retries: int
    close_price: Decimal
    open_order_last_update: dt.datetime | None
    order_ids: list[str]
    held_position_orders: list[dict[str, Any]]
    state: str
    trading_pair: str
    connector_name: str
    amount: Decimal
    entry_price: Decimal | None
    leverage: int
    is_perpetual: bool
    is_trading: bool
    filled_amount_base: Decimal
    close_filled_amount_base: Decimal
    amount_to_close: Decimal
    realized_pnl_quote: Decimal
    unrealized_pnl_quote: Decimal
    funding_quote: Decimal
    cum_fees_quote: Decimal
    stop_loss_price: Decimal | None
    take_profit_price: Decimal | None
    take_profit_order_id: str
    trailing_stop_activation_price: Decimal | None
    trailing_stop_price: Decimal | None
    end_time: dt.datetime | None
    keep_position: bool
    failure_reason: str
    failure_code: str
