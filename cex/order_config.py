"""The order executor's config and its report's details model.

:class:`OrderExecutorConfig` is what an :class:`~lpexec.cex.order.OrderExecutor` is created from:
the pair, the side, the amount, the ``execution_strategy`` (:data:`ExecutionStrategy`) and its
price or chaser. Validation reads Hummingbot's configs unchanged (``type`` ``order_executor`` or
``order``, numeric sides, ``id`` None, ``timestamp`` dropped); Hummingbot-only fields are accepted
and ignored (:data:`HUMMINGBOT_IGNORED_FIELDS`), with a warning on the order executor's logger
when one differs from Hummingbot's default. :class:`OrderDetails` is the order part of the
executor's report. All are re-exported by :mod:`lpexec.cex.order` and :mod:`lpexec.cex`.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from lpexec.cex.chaser import LimitChaserConfig
from lpexec.cex.hummingbot import is_perpetual_market, normalize, upper_name
from lpexec.core import ExecutorConfig, ExecutorDetails, Exposure, PositionAction

__all__ = [
    "HUMMINGBOT_IGNORED_FIELDS",
    "ExecutionStrategy",
    "OrderDetails",
    "OrderExecutorConfig",
]

logger = logging.getLogger("lpexec.cex.order")
"""The order executor's logger: a config's warnings are the executor's."""

ExecutionStrategy = Literal["LIMIT", "LIMIT_MAKER", "MARKET", "LIMIT_CHASER"]

# --- config ---------------------------------------------------------------------------------

HUMMINGBOT_IGNORED_FIELDS: dict[str, Decimal] = {
    "slippage_pct": Decimal("0.05"),
    "slippage_multiplier": Decimal(5),
    "max_slippage_pct": Decimal(5),
}
"""Hummingbot-only fields accepted and ignored, with Hummingbot's defaults (a value that differs
is warned about); ``type`` and ``timestamp`` are handled apart (module docstring)."""


def _same_number(value: object, default: Decimal) -> bool:
    try:
        return Decimal(str(value)) == default
    except (InvalidOperation, ValueError):
        return False


class OrderExecutorConfig(ExecutorConfig):
    """One order of ``amount`` base on ``connector_name`` (Hummingbot's field names; a
    Hummingbot dict validates unchanged, see the module docstring).

    Attributes:
        trading_pair: ``BASE-QUOTE``.
        connector_name: the venue that carries the order (e.g. ``binance``,
            ``binance_perpetual``, ``paper``); a name containing ``perpetual`` is a perpetual
            market.
        side: BUY or SELL (Hummingbot's 1 and 2 are accepted).
        amount: the base amount.
        execution_strategy: MARKET, LIMIT, LIMIT_MAKER (post-only at ``price``) or LIMIT_CHASER
            (post-only, following the touch).
        price: the limit price, required for LIMIT and LIMIT_MAKER, refused for MARKET and
            LIMIT_CHASER.
        chaser_config: distance and refresh threshold (ratios), required for LIMIT_CHASER and
            refused otherwise.
        position_action: OPEN or CLOSE; sent on perpetual markets only, CLOSE refused on
            others.
        is_perpetual: whether the market is perpetual; None (the default) infers it from
            ``connector_name`` (Hummingbot's rule). Not a Hummingbot field.
        leverage: perpetuals' leverage, >= 1 (reported; the venue's leverage is set apart).
        level_id: an optional tag a controller uses to find its executors.
        keep_position: always True (what filled is held); False is refused.
    """

    type = "order"

    trading_pair: str = Field(pattern=r"^[^-\s]+-[^-\s]+$")
    connector_name: str = Field(min_length=1)
    side: Literal["BUY", "SELL"]
    amount: Decimal = Field(gt=0, allow_inf_nan=False)
    price: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    chaser_config: LimitChaserConfig | None = None
    execution_strategy: ExecutionStrategy
    position_action: PositionAction = "OPEN"
    is_perpetual: bool | None = None
    leverage: int = Field(default=1, ge=1)
    level_id: str | None = None
    keep_position: bool = True

    @model_validator(mode="before")
    @classmethod
    def _from_hummingbot(cls, data: Any) -> Any:
        values = normalize(data, ours="order", theirs="order_executor")
        if not isinstance(values, dict):
            return values
        ignored = []
        for name, default in HUMMINGBOT_IGNORED_FIELDS.items():
            if name in values and not _same_number(value := values.pop(name), default):
                ignored.append(f"{name}={value!r}")
        if ignored:
            logger.warning(
                "order executor %s: ignored Hummingbot-only fields %s (they steer Gateway swaps; "
                "use the swap executor for those)",
                values.get("id", "(new)"),
                ", ".join(ignored),
            )
        action = values.get("position_action")
        if isinstance(action, str) and action.strip().upper() == "NIL":
            if is_perpetual_market(values.get("connector_name"), values.get("is_perpetual")):
                raise ValueError(
                    "position_action: a perpetual order needs OPEN or CLOSE, received 'NIL'"
                )
            del values["position_action"]  # no position action: a spot order
        return values

    @field_validator("side", "execution_strategy", "position_action", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return upper_name(value)

    @model_validator(mode="after")
    def _consistent(self) -> OrderExecutorConfig:
        if not self.keep_position:
            raise ValueError(
                "keep_position: an order executor always keeps what filled, expected True, "
                "received False"
            )
        strategy = self.execution_strategy
        if strategy in ("MARKET", "LIMIT_CHASER") and self.price is not None:
            raise ValueError(
                f"price: a {strategy} order takes no price, expected none, received {self.price}"
            )
        if strategy in ("LIMIT", "LIMIT_MAKER") and self.price is None:
            raise ValueError(f"price: required for execution_strategy={strategy}, received none")
        if strategy == "LIMIT_CHASER" and self.chaser_config is None:
            raise ValueError(
                "chaser_config: required for execution_strategy=LIMIT_CHASER (distance and "
                "refresh_threshold), received none"
            )
        if strategy != "LIMIT_CHASER" and self.chaser_config is not None:
            raise ValueError(
                f"chaser_config: only LIMIT_CHASER uses it, expected none for "
                f"execution_strategy={strategy}, received {self.chaser_config!r}"
            )
        if self.position_action == "CLOSE" and not self.perpetual:
            raise ValueError(
                f"position_action: CLOSE reduces a perpetual position, but connector "
                f"{self.connector_name!r} is not perpetual (its name has no 'perpetual' and "
                "is_perpetual is not true); expected OPEN"
            )
        return self

    @property
    def perpetual(self) -> bool:
        """True when orders carry a position action: ``is_perpetual``, or when None, a
        ``connector_name`` containing ``perpetual``."""
        return is_perpetual_market(self.connector_name, self.is_perpetual)

    @property
    def order_type(self) -> Literal["MARKET", "LIMIT", "LIMIT_MAKER"]:
        """The venue order type of the strategy (a chaser's orders are post-only)."""
        strategy = self.execution_strategy
        return "LIMIT_MAKER" if strategy == "LIMIT_CHASER" else strategy

    def exposure(self) -> Exposure:
        """What the order moves: ``amount`` base, valued at the pair's price."""
        return Exposure(trading_pair=self.trading_pair, base_amount=self.amount)


# --- report ---------------------------------------------------------------------------------


class OrderDetails(ExecutorDetails):
    """The order part of a report: the order, what filled and why it ended."""

    state: str
    trading_pair: str
    connector_name: str
    side: str
    execution_strategy: str
    amount: Decimal
    price: Decimal | None
    order_price: Decimal | None
    position_action: str
    leverage: int
    level_id: str | None
    client_order_id: str
    venue_order_id: str
    filled_amount_base: Decimal
    filled_amount_quote: Decimal
    average_price: Decimal
    cum_fees_quote: Decimal
    fills: int
    orders: int
    requotes: int
    retries: int
    stop_requested: bool
    failure_reason: str
    failure_code: str
