"""Typed async client for Hummingbot Gateway 2.13's HTTP API.

Standalone SDK: it imports nothing else from this repository.

Example:
    ```python
    from decimal import Decimal
    from gateway_client import GatewayClient

    async with GatewayClient("http://localhost:15888") as client:
        quote = await client.jupiter.quote_swap(
            base_token="SOL", quote_token="USDC", amount=Decimal("0.1"), side="SELL",
            slippage=Decimal("0.01"),  # a ratio: 1 %
        )
    ```
"""

from __future__ import annotations

from ._client import GatewayClient
from ._confirmation import ConfirmationResult
from ._connectors import (
    CONNECTOR_QUIRKS,
    ConnectorQuirks,
    estimate_priority_fee,
    percent_to_ratio,
    quirks_for,
    ratio_to_percent,
)
from ._exceptions import (
    AuthenticationError,
    BadRequestError,
    GatewayClientStateError,
    GatewayConnectionError,
    GatewayError,
    GatewayServerError,
    GatewayStatusError,
    GatewayTimeoutError,
    GatewayUnavailableError,
    GatewayValidationError,
    InsufficientFundsError,
    InvalidRequestError,
    NotFoundError,
    PositionClosedError,
    PositionNotFoundError,
    PositionTooWideError,
    QuoteNotFoundError,
    RateLimitedError,
    SimulationFailedError,
    SlippageExceededError,
    SolanaRpcError,
    TransactionFailedError,
    TransactionOutcomeUnknownError,
    UnexpectedResponseError,
    UpstreamUnavailableError,
    ValidationIssue,
)
from ._history import ChainHistory, SignatureRecord
from ._models.base import GatewayModel, TransactionResult
from ._models.chain import (
    ApproveData,
    ApproveResult,
    Balances,
    ChainStatus,
    EthereumPollResult,
    GasEstimate,
    PollResult,
    SolanaPollResult,
    TokenAllowances,
    WrapData,
    WrapResult,
)
from ._models.liquidity import (
    AddLiquidityData,
    AddLiquidityResult,
    AmmPoolInfo,
    AmmPositionInfo,
    Bin,
    ClosePositionData,
    ClosePositionResult,
    CollectFeesData,
    CollectFeesResult,
    MeteoraPoolInfo,
    OpenPositionData,
    OpenPositionResult,
    PoolInfo,
    PositionInfo,
    PositionQuote,
    RemoveLiquidityData,
    RemoveLiquidityResult,
)
from ._models.server import (
    ChainNetworks,
    ConnectorInfo,
    HealthStatus,
    PoolListing,
    PoolType,
    TokenInfo,
    WalletGroup,
)
from ._models.swap import (
    JupiterQuoteDetails,
    PriorityLevel,
    RouterQuote,
    SwapData,
    SwapQuote,
    SwapResult,
)
from ._resources.amm import AmmConnector, RaydiumAmm, UniswapAmm
from ._resources.chain import EthereumChain, SolanaChain
from ._resources.clmm import ClmmConnector, MeteoraClmm, RaydiumClmm, UniswapClmm
from ._resources.router import JupiterRouter, UniswapRouter
from ._resources.server import ConfigResource, PoolsResource, TokensResource, WalletsResource
from ._resources.trading import TradingClmm, TradingSwap
from ._retry import RetryPolicy, retry_wait, should_retry
from ._rpc import ChainTransaction, SolanaRpcCheck
from ._transport import ClientState, Timeouts
from ._types import Chain, Clock, Side, StrategyType, SystemClock, TransactionStatus

__all__ = [
    "CONNECTOR_QUIRKS",
    "AddLiquidityData",
    "AddLiquidityResult",
    "AmmConnector",
    "AmmPoolInfo",
    "AmmPositionInfo",
    "ApproveData",
    "ApproveResult",
    "AuthenticationError",
    "BadRequestError",
    "Balances",
    "Bin",
    "Chain",
    "ChainHistory",
    "ChainNetworks",
    "ChainStatus",
    "ChainTransaction",
    "ClientState",
    "ClmmConnector",
    "Clock",
    "ClosePositionData",
    "ClosePositionResult",
    "CollectFeesData",
    "CollectFeesResult",
    "ConfigResource",
    "ConfirmationResult",
    "ConnectorInfo",
    "ConnectorQuirks",
    "EthereumChain",
    "EthereumPollResult",
    "GasEstimate",
    "GatewayClient",
    "GatewayClientStateError",
    "GatewayConnectionError",
    "GatewayError",
    "GatewayModel",
    "GatewayServerError",
    "GatewayStatusError",
    "GatewayTimeoutError",
    "GatewayUnavailableError",
    "GatewayValidationError",
    "HealthStatus",
    "InsufficientFundsError",
    "InvalidRequestError",
    "JupiterQuoteDetails",
    "JupiterRouter",
    "MeteoraClmm",
    "MeteoraPoolInfo",
    "NotFoundError",
    "OpenPositionData",
    "OpenPositionResult",
    "PollResult",
    "PoolInfo",
    "PoolListing",
    "PoolType",
    "PoolsResource",
    "PositionClosedError",
    "PositionInfo",
    "PositionNotFoundError",
    "PositionQuote",
    "PositionTooWideError",
    "PriorityLevel",
    "QuoteNotFoundError",
    "RateLimitedError",
    "RaydiumAmm",
    "RaydiumClmm",
    "RemoveLiquidityData",
    "RemoveLiquidityResult",
    "RetryPolicy",
    "RouterQuote",
    "Side",
    "SignatureRecord",
    "SimulationFailedError",
    "SlippageExceededError",
    "SolanaChain",
    "SolanaPollResult",
    "SolanaRpcCheck",
    "SolanaRpcError",
    "StrategyType",
    "SwapData",
    "SwapQuote",
    "SwapResult",
    "SystemClock",
    "Timeouts",
    "TokenAllowances",
    "TokenInfo",
    "TokensResource",
    "TradingClmm",
    "TradingSwap",
    "TransactionFailedError",
    "TransactionOutcomeUnknownError",
    "TransactionResult",
    "TransactionStatus",
    "UnexpectedResponseError",
    "UniswapAmm",
    "UniswapClmm",
    "UniswapRouter",
    "UpstreamUnavailableError",
    "ValidationIssue",
    "WalletGroup",
    "WalletsResource",
    "WrapData",
    "WrapResult",
    "estimate_priority_fee",
    "percent_to_ratio",
    "quirks_for",
    "ratio_to_percent",
    "retry_wait",
    "should_retry",
]
