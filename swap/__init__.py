"""Swaps: the swap executor, its states, messages, quotes and accounting (pure).

The Gateway-backed swap venues are in :mod:`lpexec.venues.gateway`.

Example:
    ```python
    from decimal import Decimal
    from lpexec.swap import SwapExecutorConfig

    config = SwapExecutorConfig(
        trading_pair="SOL-USDC", side="SELL", amount=Decimal("1"),
        swap_providers=("meteora/clmm", "raydium/clmm"), slippage_pct=Decimal("0.005"),
    )
    info = await engine.create(config)  # an engine with SwapExecutor and BestQuoteSwapVenue
    ```
"""

from __future__ import annotations

from lpexec.swap.accounting import SwapAccounting, account_swap, native_price_for
from lpexec.swap.balances import BalanceMatch, SwapFingerprint, match_balances
from lpexec.swap.config import SWAP_PROVIDER_PATTERN, SwapExecutorConfig
from lpexec.swap.details import SwapDetails
from lpexec.swap.executor import SwapExecutor, SwapExecutorState
from lpexec.swap.messages import (
    SWAP_VENUE,
    ExecuteSwap,
    QuoteSwap,
    SwapFilled,
    SwapQuoted,
    SwapQuoteRefreshed,
)
from lpexec.swap.quotes import (
    DEFAULT_SLIPPAGE,
    ProviderQuote,
    QuoteFailure,
    best_quote,
    is_stale,
    matches_amount,
    meets_limit,
    rank_quotes,
    slippage_for_limit,
    swap_limit,
)
from lpexec.swap.states import SWAP_STATUS, SWAP_TRANSITIONS, SwapState, SwapTrigger

__all__ = [
    "DEFAULT_SLIPPAGE",
    "SWAP_PROVIDER_PATTERN",
    "SWAP_STATUS",
    "SWAP_TRANSITIONS",
    "SWAP_VENUE",
    "BalanceMatch",
    "ExecuteSwap",
    "ProviderQuote",
    "QuoteFailure",
    "QuoteSwap",
    "SwapAccounting",
    "SwapDetails",
    "SwapExecutor",
    "SwapExecutorConfig",
    "SwapExecutorState",
    "SwapFilled",
    "SwapFingerprint",
    "SwapQuoteRefreshed",
    "SwapQuoted",
    "SwapState",
    "SwapTrigger",
    "account_swap",
    "best_quote",
    "is_stale",
    "match_balances",
    "matches_amount",
    "meets_limit",
    "native_price_for",
    "rank_quotes",
    "slippage_for_limit",
    "swap_limit",
]
