"""``LPExecutorConfig``: one concentrated-liquidity position, strictly validated.

Percentages are ratios (``slippage_pct=0.01`` is 1 %); the Gateway client converts at the boundary.
Checks that need the pool or the wallet (price side, DLMM width, SOL for rent) live in
:mod:`lp.preflight`.
"""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, field_validator, model_validator

from lpexec.core import ExecutorConfig, Exposure
from lpexec.core.config import TradingPairTokens
from lpexec.lp.math.dlmm_distribution import Strategy

__all__ = ["LP_PROVIDERS", "LPExecutorConfig", "LPSide", "StrategyType"]

LP_PROVIDERS = ("meteora/clmm", "raydium/clmm", "orca/clmm", "uniswap/clmm")


class LPSide(IntEnum):
    """Which tokens the position starts with: both, quote only (BUY) or base only (SELL)."""

    BOTH = 0
    BUY = 1
    SELL = 2


StrategyType = Annotated[
    Strategy,
    BeforeValidator(Strategy.parse),
    PlainSerializer(lambda strategy: strategy.label, return_type=str),
]
"""A config's DLMM strategy: :class:`~lpexec.lp.math.Strategy`, written and stored by its label
(``"Spot"``, ``"Curve"``, ``"BidAsk"``)."""


_SIDE_NAMES = {"BOTH": LPSide.BOTH, "RANGE": LPSide.BOTH, "BUY": LPSide.BUY, "SELL": LPSide.SELL}


class LPExecutorConfig(TradingPairTokens, ExecutorConfig):
    """One LP position from open to close.

    Attributes:
        connector: the network, e.g. ``solana-mainnet-beta``.
        lp_provider: ``meteora/clmm`` (DLMM, default) or a CLMM through the unified routes.
        swap_provider: the venue that swaps inventory back after the close.
        pool_address, trading_pair: the pool and its ``BASE-QUOTE`` pair.
        lower_price, upper_price: the range in quote per base; on-chain bounds are bin/tick rounded.
        base_amount, quote_amount: what to deposit (not both 0).
        side: BOTH (0), BUY (1, quote only) or SELL (2, base only); RANGE means BOTH.
        strategy_type: Spot, Curve or BidAsk (DLMM).
        slippage_pct: a ratio (0.01 = 1 %).
        auto_close_above_range_seconds, auto_close_below_range_seconds: close after the price
            has been continuously above (below) the range this long.
        upper_limit_price, lower_limit_price: close at once when the price reaches them.
        keep_position: False (default): swap the inventory back after the close; True: keep the
            net change as a held position (close type POSITION_HOLD for timer and limit closes).
        adopt_position_address: take over this existing position of the wallet (opened
            elsewhere) instead of opening one; range and amounts are then the position's own,
            read from the chain (see :mod:`lpexec.lp.adoption`).
    """

    type = "lp"

    connector: str = Field(default="solana-mainnet-beta", min_length=1)
    lp_provider: Literal["meteora/clmm", "raydium/clmm", "orca/clmm", "uniswap/clmm"] = (
        "meteora/clmm"
    )
    swap_provider: str = Field(default="jupiter/router", min_length=1)
    pool_address: str = Field(min_length=1)
    trading_pair: str = Field(pattern=r"^[^-\s]+-[^-\s]+$")
    lower_price: Decimal = Field(gt=0, allow_inf_nan=False)
    upper_price: Decimal = Field(gt=0, allow_inf_nan=False)
    base_amount: Decimal = Field(default=Decimal(0), ge=0, allow_inf_nan=False)
    quote_amount: Decimal = Field(default=Decimal(0), ge=0, allow_inf_nan=False)
    side: LPSide = LPSide.BOTH
    strategy_type: StrategyType = Strategy.SPOT
    slippage_pct: Decimal = Field(default=Decimal("0.01"), ge=0, le=Decimal("0.5"))
    auto_close_above_range_seconds: int | None = Field(default=None, ge=0)
    auto_close_below_range_seconds: int | None = Field(default=None, ge=0)
    upper_limit_price: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    lower_limit_price: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    keep_position: bool = False
    refresh_interval_seconds: int = Field(default=10, ge=1)
    max_open_attempts: int = Field(default=3, ge=1)
    max_close_attempts: int = Field(default=5, ge=1)
    close_retry_seconds: int = Field(default=5, ge=0)
    close_slippage_step: Decimal = Field(default=Decimal("0.005"), ge=0)
    max_close_slippage: Decimal = Field(default=Decimal("0.05"), ge=0, le=Decimal("0.5"))
    max_swap_attempts: int = Field(default=3, ge=1)
    dust_base: Decimal = Field(default=Decimal("0.000001"), ge=0)
    native_token: str = "SOL"
    adopt_position_address: str = ""

    @field_validator("side", mode="before")
    @classmethod
    def _side_by_name(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().isdigit():
            name = value.strip().upper()
            if name not in _SIDE_NAMES:
                raise ValueError(
                    f"expected 0, 1, 2 or one of {sorted(_SIDE_NAMES)}, received {value!r}"
                )
            return _SIDE_NAMES[name]
        return value

    @model_validator(mode="after")
    def _consistent(self) -> LPExecutorConfig:
        if self.lower_price >= self.upper_price:
            raise ValueError(
                f"expected lower_price < upper_price, received lower_price={self.lower_price} "
                f"upper_price={self.upper_price}"
            )
        if self.base_amount == 0 and self.quote_amount == 0:
            raise ValueError("expected base_amount or quote_amount > 0, received both 0")
        if self.side is LPSide.BUY and self.base_amount != 0:
            raise ValueError(
                f"side BUY deposits quote only: expected base_amount=0, received {self.base_amount}"
            )
        if self.side is LPSide.SELL and self.quote_amount != 0:
            raise ValueError(
                "side SELL deposits base only: expected quote_amount=0, "
                f"received {self.quote_amount}"
            )
        low, high = self.lower_limit_price, self.upper_limit_price
        if low is not None and high is not None and low >= high:
            raise ValueError(
                "expected lower_limit_price < upper_limit_price, received "
                f"lower_limit_price={low} upper_limit_price={high}"
            )
        return self

    @property
    def is_dlmm(self) -> bool:
        """True for Meteora DLMM (bins, upper bound inclusive); False for tick CLMMs."""
        return self.lp_provider == "meteora/clmm"

    @property
    def native_pair(self) -> str | None:
        """The pair that prices the native token in quote, when neither side is native."""
        if self.native_token in (self.base_token, self.quote_token):
            return None
        return f"{self.native_token}-{self.quote_token}"

    def exposure(self) -> Exposure:
        """What the deposit puts at risk: its base and quote parts."""
        return Exposure(
            trading_pair=self.trading_pair,
            base_amount=self.base_amount,
            quote_amount=self.quote_amount,
        )

    def price_keys(self) -> frozenset[str]:
        """The pool itself, and the native token's pair when tx fees need pricing."""
        native = self.native_pair
        return frozenset({self.pool_address} if native is None else {self.pool_address, native})
