"""The grid executor's config (with its barriers) and its report's details model.

:class:`GridExecutorConfig` is what a :class:`~lpexec.cex.grid.GridExecutor` is created from:
the range, the capital, the order pacing and the exits (:class:`GridTripleBarrierConfig`,
:class:`GridTrailingStop`). Validation reads Hummingbot's configs unchanged (``type``
``grid_executor`` or ``grid``, numeric sides, ``id`` None, ``timestamp`` dropped).
:class:`GridDetails` is the grid part of the executor's report. Both are re-exported by
:mod:`lpexec.cex.grid` and :mod:`lpexec.cex`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lpexec.cex.hummingbot import is_perpetual_market, normalize, upper_name
from lpexec.core import ExecutorConfig, ExecutorDetails, Exposure
from lpexec.core.money import ZERO

__all__ = ["GridDetails", "GridExecutorConfig", "GridTrailingStop", "GridTripleBarrierConfig"]

# --- config ---------------------------------------------------------------------------------

_OrderTypeName = Literal["MARKET", "LIMIT", "LIMIT_MAKER"]


class GridTrailingStop(BaseModel):
    """Trailing stop on the open inventory's P&L ratio (Hummingbot's names: both are ratios)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    activation_price: Decimal = Field(gt=0, allow_inf_nan=False)
    """The P&L ratio above which the stop arms (a ratio despite its name)."""
    trailing_delta: Decimal = Field(gt=0, allow_inf_nan=False)
    """How far (ratio) below the best P&L ratio the stop fires."""


class GridTripleBarrierConfig(BaseModel):
    """The grid's barriers (ratios; ``time_limit`` in seconds) and order types.

    ``take_profit`` is per level (required: every level needs one); ``stop_loss``,
    ``time_limit`` and ``trailing_stop`` apply to the whole grid.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    stop_loss: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    take_profit: Decimal = Field(gt=0, allow_inf_nan=False)
    time_limit: int | None = Field(default=None, gt=0)
    trailing_stop: GridTrailingStop | None = None
    open_order_type: _OrderTypeName = "LIMIT"
    take_profit_order_type: _OrderTypeName = "LIMIT"
    stop_loss_order_type: _OrderTypeName = "MARKET"
    time_limit_order_type: _OrderTypeName = "MARKET"

    @field_validator(
        "open_order_type",
        "take_profit_order_type",
        "stop_loss_order_type",
        "time_limit_order_type",
        mode="before",
    )
    @classmethod
    def _upper(cls, value: object) -> object:
        return upper_name(value)

    @model_validator(mode="after")
    def _market_exits(self) -> GridTripleBarrierConfig:
        for name in ("stop_loss_order_type", "time_limit_order_type"):
            value = getattr(self, name)
            if value != "MARKET":
                raise ValueError(f"{name}: expected MARKET, received {value}")
        return self


class GridExecutorConfig(ExecutorConfig):
    """A grid of ``total_amount_quote`` between ``start_price`` and ``end_price`` (Hummingbot's
    field names; every ratio is a ratio, 0.01 = 1 %).

    Attributes:
        connector_name: the venue key (e.g. ``binance``).
        trading_pair: ``BASE-QUOTE``.
        side: BUY (buys levels, sells each one take profit higher) or SELL (the mirror).
        start_price: the lowest level; below ``end_price``.
        end_price: the highest level.
        limit_price: the hard stop: below ``start_price`` for BUY, above ``end_price`` for SELL.
        total_amount_quote: the capital of every level together.
        min_spread_between_orders: the smallest relative step between levels.
        min_order_amount_quote: the smallest quote amount of a level.
        max_open_orders: at most this many open orders rest at once (a cap).
        max_orders_per_batch: at most this many new open orders per batch (None: no limit).
        order_frequency: seconds between open-order batches.
        activation_bounds: only keep orders within this distance (ratio) of the mid.
        safe_extra_spread: how far from the mid an order that would cross is placed (ratio).
        triple_barrier_config: per-level take profit, grid stop loss, time limit, trailing stop.
        leverage: perpetuals' leverage (carried and reported; orders do not carry it yet).
        level_id: an optional tag a controller uses to find its executors.
        keep_position: on the limit price, and on a stop that does not say, hold the inventory
            (POSITION_HOLD) instead of flattening it.
        deduct_base_fees: the venue takes the open fees in base: close what is left after them.
        coerce_tp_to_step: a level's take profit is at least the grid's step.
        price_tick, amount_step, min_amount, min_notional: the market's trading rules (as
            :class:`~lpexec.core.exchange.TradingRules` names), copied by whoever creates the
            grid from the venue; without them prices and amounts are not rounded.
        max_retries: consecutive refused orders before the grid gives up (FAILED).
    """

    type = "grid"

    connector_name: str = Field(min_length=1)
    trading_pair: str = Field(pattern=r"^[^-\s]+-[^-\s]+$")
    side: Literal["BUY", "SELL"] = "BUY"
    start_price: Decimal = Field(gt=0, allow_inf_nan=False)
    end_price: Decimal = Field(gt=0, allow_inf_nan=False)
    limit_price: Decimal = Field(gt=0, allow_inf_nan=False)
    total_amount_quote: Decimal = Field(gt=0, allow_inf_nan=False)
    min_spread_between_orders: Decimal = Field(default=Decimal("0.0005"), ge=0, allow_inf_nan=False)
    min_order_amount_quote: Decimal = Field(default=Decimal(5), gt=0, allow_inf_nan=False)
    max_open_orders: int = Field(default=5, ge=1)
    max_orders_per_batch: int | None = Field(default=None, ge=1)
    order_frequency: int = Field(default=0, ge=0)
    activation_bounds: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    safe_extra_spread: Decimal = Field(default=Decimal("0.0001"), ge=0, lt=1, allow_inf_nan=False)
    triple_barrier_config: GridTripleBarrierConfig
    leverage: int = Field(default=20, ge=1)
    level_id: str | None = None
    keep_position: bool = False
    deduct_base_fees: bool = False
    coerce_tp_to_step: bool = False
    price_tick: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    amount_step: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    min_amount: Decimal = Field(default=ZERO, ge=0, allow_inf_nan=False)
    min_notional: Decimal = Field(default=ZERO, ge=0, allow_inf_nan=False)
    max_retries: int = Field(default=10, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_hummingbot(cls, data: Any) -> Any:
        return normalize(data, ours="grid", theirs="grid_executor")

    @field_validator("side", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return upper_name(value)

    @model_validator(mode="after")
    def _consistent(self) -> GridExecutorConfig:
        if self.start_price >= self.end_price:
            raise ValueError(
                f"start_price: expected below end_price {self.end_price}, "
                f"received {self.start_price}"
            )
        if self.side == "BUY" and self.limit_price >= self.start_price:
            raise ValueError(
                f"limit_price: a BUY grid stops below its range, expected below start_price "
                f"{self.start_price}, received {self.limit_price}"
            )
        if self.side == "SELL" and self.limit_price <= self.end_price:
            raise ValueError(
                f"limit_price: a SELL grid stops above its range, expected above end_price "
                f"{self.end_price}, received {self.limit_price}"
            )
        return self

    @property
    def is_perpetual(self) -> bool:
        """True on a perpetual connector (Hummingbot's rule: the name says ``perpetual``)."""
        return is_perpetual_market(self.connector_name)

    @property
    def perpetual(self) -> bool:
        """The same as :attr:`is_perpetual` (the name the order and position configs use)."""
        return self.is_perpetual

    def exposure(self) -> Exposure:
        """What the grid commits: ``total_amount_quote`` (its levels together)."""
        return Exposure(trading_pair=self.trading_pair, quote_amount=self.total_amount_quote)


# --- report ---------------------------------------------------------------------------------


class GridDetails(ExecutorDetails):
    """The grid part of a report: Hummingbot's ``custom_info`` keys, and what the grid holds.

    ``position_*`` is the open inventory (P&L net of its open fees, at the mid); ``realized_*``
    the closed part (net of its fees); ``inventory_delta_base`` is the base the grid has added
    (+) or removed (-) from the account.
    """

    state: str
    side: str
    grid_side: str
    connector_name: str
    trading_pair: str
    level_id: str | None
    leverage: int
    mid_price: Decimal
    grid_limit_price: Decimal
    grid_level_prices: list[Decimal]
    grid_tp_prices: list[Decimal]
    step: Decimal
    levels: int
    levels_by_state: dict[str, int]
    filled_levels: int
    completed_cycles: int
    inventory_delta_base: Decimal
    position_size_base: Decimal
    position_size_quote: Decimal
    current_position_average_price: Decimal
    break_even_price: Decimal
    position_fees_quote: Decimal
    position_pnl_quote: Decimal
    position_pnl_pct: Decimal
    realized_buy_size_quote: Decimal
    realized_sell_size_quote: Decimal
    realized_imbalance_quote: Decimal
    realized_fees_quote: Decimal
    realized_pnl_quote: Decimal
    realized_pnl_pct: Decimal
    residual_base: Decimal
    cum_fees_quote: Decimal
    volume_quote: Decimal
    open_liquidity_placed: Decimal
    close_liquidity_placed: Decimal
    open_orders: int
    filled_orders: int
    failed_orders: int
    canceled_orders: int
    held_position_value: Decimal
    held_position_orders: list[dict[str, str]]
    trailing_stop_trigger: Decimal | None
    current_retries: int
    max_retries: int
    failure_reason: str
