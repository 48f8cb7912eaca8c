"""Liquidity response models shared by Meteora, Raydium, Uniswap and the unified CLMM routes."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any

from pydantic import Field

from gateway_client._models.base import FeeCorrection, GatewayModel, LooseText, TransactionResult

__all__ = [
    "AddLiquidityData",
    "AddLiquidityResult",
    "AmmPoolInfo",
    "AmmPositionInfo",
    "Bin",
    "ClosePositionData",
    "ClosePositionResult",
    "CollectFeesData",
    "CollectFeesResult",
    "MeteoraPoolInfo",
    "OpenPositionData",
    "OpenPositionResult",
    "PoolInfo",
    "PositionInfo",
    "PositionQuote",
    "RemoveLiquidityData",
    "RemoveLiquidityResult",
]


def _exact(item: dict[str, Any]) -> dict[str, Any]:
    # A JSON number parsed as float goes through its shortest repr, i.e. the digits sent.
    return {
        key: Decimal(repr(value)) if isinstance(value, float) else value
        for key, value in item.items()
    }


class PoolInfo(GatewayModel):
    """A concentrated-liquidity pool (DLMM bins or CLMM ticks)."""

    address: str
    base_token_address: str
    quote_token_address: str
    bin_step: int | None = None
    """DLMM bin step (basis points) or CLMM tick spacing."""
    fee_pct: Decimal
    """Base fee in percent (0.04 = 0.04 %)."""
    price: Decimal
    """Current price, quote per base."""
    base_token_amount: Decimal
    """Pool reserve of the base token, human units."""
    quote_token_amount: Decimal
    active_bin_id: int
    """Active DLMM bin or current CLMM tick."""

    @property
    def fee_ratio(self) -> Decimal:
        """Base fee as a ratio (0.0004 for 0.04 %)."""
        return self.fee_pct / 100


class Bin(GatewayModel):
    """Liquidity of one DLMM bin."""

    bin_id: int
    price: Decimal
    base_token_amount: Decimal
    quote_token_amount: Decimal


class MeteoraPoolInfo(PoolInfo):
    """A Meteora DLMM pool with its dynamic fee and the bins around the active one.

    ``bins`` are parsed on first access: the ~139 bins are most of the payload, and turning
    their 556 numbers into Decimals would otherwise double the cost of every ``pool-info``.
    """

    dynamic_fee_pct: Decimal
    """Base plus variable fee, in percent."""
    min_bin_id: int
    max_bin_id: int
    raw_bins: list[dict[str, Any]] = Field(default_factory=list, alias="bins", repr=False)
    """The bins as sent (JSON numbers or decimal strings); use :attr:`bins`."""

    @cached_property
    def bins(self) -> list[Bin]:
        """Up to 69 bins either side of the active bin, amounts as Decimals."""
        return [Bin.model_validate(_exact(item)) for item in self.raw_bins]


class AmmPoolInfo(GatewayModel):
    """A constant-product (AMM/CPMM) pool."""

    address: str
    base_token_address: str
    quote_token_address: str
    fee_pct: Decimal
    price: Decimal
    base_token_amount: Decimal
    quote_token_amount: Decimal

    @property
    def fee_ratio(self) -> Decimal:
        """Fee as a ratio."""
        return self.fee_pct / 100


class PositionInfo(GatewayModel):
    """A concentrated-liquidity position."""

    address: str
    """Position account (Solana) or NFT token id (Uniswap V3)."""
    pool_address: str
    base_token_address: str
    quote_token_address: str
    base_token_amount: Decimal
    quote_token_amount: Decimal
    base_fee_amount: Decimal
    """Unclaimed fees in base (may read 0 on Meteora positions-owned, gateway#561)."""
    quote_fee_amount: Decimal
    lower_bin_id: int
    """Lower bin (DLMM) or tick (CLMM)."""
    upper_bin_id: int
    lower_price: Decimal
    """Price of the lower bin edge, not the price asked for at open."""
    upper_price: Decimal
    price: Decimal
    """Current pool price, quote per base."""
    reward_token_address: str | None = None
    reward_amount: Decimal | None = None


class AmmPositionInfo(GatewayModel):
    """A wallet's share of an AMM pool."""

    pool_address: str
    wallet_address: str
    base_token_address: str
    quote_token_address: str
    lp_token_amount: Decimal
    base_token_amount: Decimal
    quote_token_amount: Decimal
    price: Decimal


class PositionQuote(GatewayModel):
    """Amounts for a new position or a liquidity deposit (a rough estimate on Meteora)."""

    base_limited: bool
    base_token_amount: Decimal
    quote_token_amount: Decimal
    base_token_amount_max: Decimal
    quote_token_amount_max: Decimal
    liquidity: LooseText = None
    """Liquidity as text (Gateway types it ``any``)."""


class OpenPositionData(FeeCorrection):
    """Data of a confirmed open-position."""

    position_address: str
    position_rent: Decimal | None = None
    """Refundable rent of the position account, SOL (Raydium: may be a hard-coded value)."""
    base_token_amount_added: Decimal
    quote_token_amount_added: Decimal


class OpenPositionResult(TransactionResult):
    """Answer of open-position."""

    data: OpenPositionData | None = None


class AddLiquidityData(FeeCorrection):
    """Data of a confirmed add-liquidity."""

    base_token_amount_added: Decimal
    quote_token_amount_added: Decimal


class AddLiquidityResult(TransactionResult):
    """Answer of add-liquidity."""

    data: AddLiquidityData | None = None


class RemoveLiquidityData(FeeCorrection):
    """Data of a confirmed remove-liquidity."""

    base_token_amount_removed: Decimal
    quote_token_amount_removed: Decimal


class RemoveLiquidityResult(TransactionResult):
    """Answer of remove-liquidity."""

    data: RemoveLiquidityData | None = None


class CollectFeesData(FeeCorrection):
    """Data of a confirmed collect-fees."""

    base_fee_amount_collected: Decimal
    quote_fee_amount_collected: Decimal


class CollectFeesResult(TransactionResult):
    """Answer of collect-fees."""

    data: CollectFeesData | None = None


class ClosePositionData(FeeCorrection):
    """Data of a confirmed close-position."""

    position_rent_refunded: Decimal | None = None
    """Rent returned by closing the position account, SOL."""
    base_token_amount_removed: Decimal
    quote_token_amount_removed: Decimal
    base_fee_amount_collected: Decimal
    quote_fee_amount_collected: Decimal


class ClosePositionResult(TransactionResult):
    """Answer of close-position."""

    data: ClosePositionData | None = None
