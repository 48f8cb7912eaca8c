"""Strict request models of the CLMM, AMM and unified ``/trading/clmm`` routes."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from gateway_client._models.base import GatewayRequest
from gateway_client._types import StrategyType
from gateway_client._validation import Address, Amount, NonEmptyStr, Percent, PositionId, Price

__all__ = [
    "AmmLiquidityRequest",
    "AmmPositionInfoQuery",
    "AmmRemoveLiquidityRequest",
    "ClmmAddLiquidityRequest",
    "ClmmOpenPositionRequest",
    "ClmmPositionInfoQuery",
    "ClmmQuotePositionQuery",
    "ClmmRemoveLiquidityRequest",
    "FetchPoolsQuery",
    "PoolInfoQuery",
    "PositionActionRequest",
    "PositionsOwnedQuery",
    "QuoteLiquidityQuery",
    "TradingAddRequest",
    "TradingOpenRequest",
    "TradingPoolInfoQuery",
    "TradingPositionActionRequest",
    "TradingPositionInfoQuery",
    "TradingPositionsOwnedQuery",
    "TradingQuotePositionQuery",
    "TradingRemoveRequest",
]


class _OnNetwork(GatewayRequest):
    network: NonEmptyStr


class _OnTrading(GatewayRequest):
    connector: NonEmptyStr
    chain_network: NonEmptyStr


class _Range(GatewayRequest):
    pool_address: Address
    lower_price: Price
    upper_price: Price
    base_token_amount: Amount | None = None
    quote_token_amount: Amount | None = None
    slippage_pct: Percent

    @model_validator(mode="after")
    def _check_range(self) -> Self:
        if self.lower_price >= self.upper_price:
            raise ValueError(
                f"Expected lower_price < upper_price, received lower_price={self.lower_price} "
                f"upper_price={self.upper_price}"
            )
        if self.base_token_amount is None and self.quote_token_amount is None:
            raise ValueError(
                "Expected base_token_amount and/or quote_token_amount, received neither"
            )
        return self


class _Deposit(GatewayRequest):
    wallet_address: Address
    position_address: PositionId
    base_token_amount: Amount
    quote_token_amount: Amount
    slippage_pct: Percent


class _PositionAction(GatewayRequest):
    wallet_address: Address
    position_address: PositionId


class FetchPoolsQuery(_OnNetwork):
    limit: int | None = Field(default=None, ge=1)
    token_a: NonEmptyStr | None = None
    token_b: NonEmptyStr | None = None


class PoolInfoQuery(_OnNetwork):
    pool_address: Address


class TradingPoolInfoQuery(_OnTrading):
    pool_address: Address


class PositionsOwnedQuery(_OnNetwork):
    wallet_address: Address


class TradingPositionsOwnedQuery(_OnTrading):
    wallet_address: Address


class ClmmPositionInfoQuery(_OnNetwork):
    position_address: PositionId
    wallet_address: Address | None = None


class TradingPositionInfoQuery(_OnTrading):
    position_address: PositionId


class ClmmQuotePositionQuery(_OnNetwork, _Range):
    strategy_type: StrategyType | None = None


class TradingQuotePositionQuery(_OnTrading, _Range):
    pass


class ClmmOpenPositionRequest(_OnNetwork, _Range):
    wallet_address: Address
    strategy_type: StrategyType | None = None


class TradingOpenRequest(_OnTrading, _Range):
    wallet_address: Address
    strategy_type: StrategyType | None = None


class ClmmAddLiquidityRequest(_OnNetwork, _Deposit):
    strategy_type: StrategyType | None = None


class TradingAddRequest(_OnTrading, _Deposit):
    pass


class ClmmRemoveLiquidityRequest(_OnNetwork, _PositionAction):
    """Exactly one of the two percentage fields is set (see the connector quirk table)."""

    liquidity_pct: Percent | None = None
    percentage_to_remove: Percent | None = None

    @model_validator(mode="after")
    def _one_percentage(self) -> Self:
        if (self.liquidity_pct is None) == (self.percentage_to_remove is None):
            raise ValueError(
                "Expected exactly one of liquidity_pct / percentage_to_remove, received "
                f"liquidity_pct={self.liquidity_pct} percentage_to_remove="
                f"{self.percentage_to_remove}"
            )
        return self


class TradingRemoveRequest(_OnTrading, _PositionAction):
    percentage_to_remove: Percent


class PositionActionRequest(_OnNetwork, _PositionAction):
    pass


class TradingPositionActionRequest(_OnTrading, _PositionAction):
    pass


class AmmPositionInfoQuery(_OnNetwork):
    pool_address: Address
    wallet_address: Address


class QuoteLiquidityQuery(_OnNetwork):
    pool_address: Address
    base_token_amount: Amount
    quote_token_amount: Amount
    slippage_pct: Percent


class AmmLiquidityRequest(_OnNetwork):
    wallet_address: Address
    pool_address: Address
    base_token_amount: Amount
    quote_token_amount: Amount
    slippage_pct: Percent


class AmmRemoveLiquidityRequest(_OnNetwork):
    wallet_address: Address
    pool_address: Address
    percentage_to_remove: Percent
