"""The DCA executor's config and its report's details model.

:class:`DCAExecutorConfig` is what a :class:`~lpexec.cex.dca.DCAExecutor` is created from: the
levels (``amounts_quote`` and ``prices``, one level each), the mode, and the exits on the
average entry price. Validation reads Hummingbot's ``DCAExecutorConfig`` as JSON data unchanged
(``type`` ``dca_executor`` or ``dca``, ``side`` as its ``TradeType`` number, ``id`` None,
``timestamp`` dropped). :class:`DCADetails` is the DCA part of the executor's report (with
:func:`level_reports`, one :class:`DCALevelReport` per level).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from lpexec.cex.hummingbot import ActivationBounds, is_perpetual_market, normalize, upper_name
from lpexec.cex.position_config import TrailingStop
from lpexec.cex.tracking import OrderPhase, TrackedOrder
from lpexec.core import ExecutorConfig, ExecutorDetails, Exposure
from lpexec.core.money import ZERO
from lpexec.core.trade import Side

__all__ = [
    "TAKER_DEFAULT_BOUNDS",
    "DCADetails",
    "DCAExecutorConfig",
    "DCALevelReport",
    "level_reports",
]

TAKER_DEFAULT_BOUNDS = (Decimal("0.0001"), Decimal("0.005"))
"""Hummingbot's activation bounds of a TAKER DCA configured without any."""


class DCAExecutorConfig(ExecutorConfig):
    """Dollar-cost averaging into a position over price levels (Hummingbot's field names).

    Attributes:
        trading_pair: ``BASE-QUOTE``.
        connector_name: the venue that carries the orders.
        side: BUY (average into a long) or SELL (into a short).
        amounts_quote: the quote to spend at each level (level ``i`` buys or sells
            ``amounts_quote[i] / prices[i]`` base).
        prices: the level prices, placed in the order given.
        mode: MAKER rests a LIMIT order at each level price; TAKER sends a MARKET order when the
            price comes within the activation bounds of the level.
        take_profit, stop_loss: ratios of net P&L on the average entry (see the executor).
        trailing_stop: as the position executor's, on the average entry.
        time_limit: seconds from creation after which the executor closes.
        activation_bounds: ``[near, far]`` ratios; MAKER: a level is placed once its price is
            within ``near`` of the price; TAKER: the level fires within them (default
            ``[0.0001, 0.005]``, Hummingbot's).
        leverage: perpetuals' leverage, >= 1 (reported).
        level_id: an optional tag a controller uses to find its executors.
        is_perpetual: None infers it from ``connector_name``.
        position_mode: perpetuals: HEDGE keeps a held long and short apart in the ledger.
        max_retries: how many failed placements are tried again before the executor fails.
        keep_position: what a stop without its own choice does: hold (True) or flatten (False).
    """

    type = "dca"

    trading_pair: str = Field(pattern=r"^[^-\s]+-[^-\s]+$")
    connector_name: str = Field(min_length=1)
    side: Side
    amounts_quote: list[Decimal] = Field(min_length=1)
    prices: list[Decimal] = Field(min_length=1)
    mode: Literal["MAKER", "TAKER"] = "MAKER"
    take_profit: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    stop_loss: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    trailing_stop: TrailingStop | None = None
    time_limit: int | None = Field(default=None, gt=0)
    activation_bounds: ActivationBounds = None
    leverage: int = Field(default=1, ge=1)
    level_id: str | None = None
    is_perpetual: bool | None = None
    position_mode: Literal["ONEWAY", "HEDGE"] = "ONEWAY"
    max_retries: int = Field(default=10, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_hummingbot(cls, data: Any) -> Any:
        return normalize(data, ours="dca", theirs="dca_executor")

    @field_validator("side", "mode", "position_mode", mode="before")
    @classmethod
    def _upper_names(cls, value: object) -> object:
        return upper_name(value)

    @model_validator(mode="after")
    def _consistent(self) -> DCAExecutorConfig:
        for name in ("amounts_quote", "prices"):
            values = getattr(self, name)
            for index, value in enumerate(values):
                if not value.is_finite() or value <= 0:
                    raise ValueError(
                        f"{name}[{index}]: expected a finite amount > 0, received {value}"
                    )
        if len(self.amounts_quote) != len(self.prices):
            raise ValueError(
                f"prices: expected one price per amount in amounts_quote "
                f"({len(self.amounts_quote)}), received {len(self.prices)}"
            )
        return self

    @property
    def bounds(self) -> tuple[Decimal, Decimal] | None:
        """The activation bounds in force: TAKER without any gets Hummingbot's default."""
        if self.activation_bounds is None and self.mode == "TAKER":
            return TAKER_DEFAULT_BOUNDS
        return self.activation_bounds

    @property
    def perpetual(self) -> bool:
        """True when orders carry a position action (a perpetual market)."""
        return is_perpetual_market(self.connector_name, self.is_perpetual)

    @property
    def close_side(self) -> Side:
        """The side of the orders that close the position."""
        return "SELL" if self.side == "BUY" else "BUY"

    @property
    def level_amounts(self) -> list[Decimal]:
        """The base amount of each level: its quote over its price."""
        return [quote / price for quote, price in zip(self.amounts_quote, self.prices, strict=True)]

    @property
    def total_amount_quote(self) -> Decimal:
        """The quote of every level together."""
        return sum(self.amounts_quote, ZERO)

    def exposure(self) -> Exposure:
        """What the executor moves: every level's base, valued at the pair's price."""
        return Exposure(trading_pair=self.trading_pair, base_amount=sum(self.level_amounts, ZERO))


# --- report ---------------------------------------------------------------------------------


class DCALevelReport(ExecutorDetails):
    """One level in a report: what was asked and what filled."""

    index: int
    price: Decimal
    amount_quote: Decimal
    amount_base: Decimal
    filled_base: Decimal
    average_price: Decimal
    fees_quote: Decimal
    state: str
    """NOT_PLACED, PLACED (an order is live), FILLED, or PARTIAL (ended with part filled)."""


class DCADetails(ExecutorDetails):
    """The DCA part of a report: Hummingbot's custom_info keys, then ours."""

    level_id: str | None
    side: str
    current_position_average_price: Decimal
    target_position_average_price: Decimal
    current_retries: int
    max_retries: int
    close_price: Decimal
    max_loss_quote: Decimal | None
    min_price: Decimal
    max_price: Decimal
    n_levels: int
    trailing_stop_trigger_pnl: Decimal | None
    order_ids: list[str]
    held_position_orders: list[dict[str, Any]]
    state: str
    mode: str
    trading_pair: str
    connector_name: str
    leverage: int
    is_perpetual: bool
    is_trading: bool
    filled_levels: int
    levels: list[DCALevelReport]
    filled_amount_base: Decimal
    close_filled_amount_base: Decimal
    amount_to_close: Decimal
    realized_pnl_quote: Decimal
    unrealized_pnl_quote: Decimal
    cum_fees_quote: Decimal
    stop_loss_price: Decimal | None
    take_profit_price: Decimal | None
    trailing_stop_activation_price: Decimal | None
    trailing_stop_price: Decimal | None
    end_time: dt.datetime | None
    keep_position: bool
    failure_reason: str
    failure_code: str


def level_reports(
    config: DCAExecutorConfig, level_orders: Sequence[Sequence[TrackedOrder]]
) -> list[DCALevelReport]:
    """Each level of ``config`` with what its orders (``level_orders[i]``, the last current)
    filled."""
    reports = []
    for index, (price, amount) in enumerate(zip(config.prices, config.level_amounts, strict=True)):
        orders = level_orders[index] if index < len(level_orders) else ()
        filled = sum((o.filled_base for o in orders), ZERO)
        quote = sum((o.filled_quote for o in orders), ZERO)
        if not orders:
            level_state = "NOT_PLACED"
        elif orders[-1].phase is OrderPhase.FILLED:
            level_state = "FILLED"
        elif not orders[-1].is_done:
            level_state = "PLACED"
        else:
            level_state = "PARTIAL" if filled > 0 else "NOT_PLACED"
        reports.append(
            DCALevelReport(
                index=index,
                price=price,
                amount_quote=config.amounts_quote[index],
                amount_base=amount,
                filled_base=filled,
                average_price=quote / filled if filled > 0 else ZERO,
                fees_quote=sum((o.fees_quote for o in orders), ZERO),
                state=level_state,
            )
        )
    return reports
