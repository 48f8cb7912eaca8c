"""Swaps: the swap executor, provider quote comparison and the Gateway-backed swap venues.

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
from lpexec.swap.best_venue import (
    DEFAULT_PROVIDERS,
    NATIVE_PRICE_AMOUNT,
    BestQuoteSwapVenue,
    quote_failure,
)
from lpexec.swap.config import SWAP_PROVIDER_PATTERN, SwapExecutorConfig
from lpexec.swap.details import SwapDetails
from lpexec.swap.executor import SwapExecutor, SwapExecutorState
from lpexec.swap.fills import SwapFill, fill_from_data, fill_from_poll
from lpexec.swap.gateway_io import LAMPORTS_PER_SOL, TxFacts, settle, tx_facts, venue_error
from lpexec.swap.messages import (
    SWAP_VENUE,
    ExecuteSwap,
    QuoteSwap,
    SwapFilled,
    SwapQuoted,
    SwapQuoteRefreshed,
)
from lpexec.swap.providers import (
    JupiterProvider,
    PoolProvider,
    SwapProvider,
    SwapRequest,
    UnifiedProvider,
    provider_for,
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
from lpexec.swap.venue import SWAP_PROVIDERS, GatewaySwapVenue

__all__ = [
    "DEFAULT_PROVIDERS",
    "DEFAULT_SLIPPAGE",
    "LAMPORTS_PER_SOL",
    "NATIVE_PRICE_AMOUNT",
    "SWAP_PROVIDERS",
    "SWAP_PROVIDER_PATTERN",
    "SWAP_STATUS",
    "SWAP_TRANSITIONS",
    "SWAP_VENUE",
    "BalanceMatch",
    "BestQuoteSwapVenue",
    "ExecuteSwap",
    "GatewaySwapVenue",
    "JupiterProvider",
    "PoolProvider",
    "ProviderQuote",
    "QuoteFailure",
    "QuoteSwap",
    "SwapAccounting",
    "SwapDetails",
    "SwapExecutor",
    "SwapExecutorConfig",
    "SwapExecutorState",
    "SwapFill",
    "SwapFilled",
    "SwapFingerprint",
    "SwapProvider",
    "SwapQuoteRefreshed",
    "SwapQuoted",
    "SwapRequest",
    "SwapState",
    "SwapTrigger",
    "TxFacts",
    "UnifiedProvider",
    "account_swap",
    "best_quote",
    "fill_from_data",
    "fill_from_poll",
    "is_stale",
    "match_balances",
    "matches_amount",
    "meets_limit",
    "native_price_for",
    "provider_for",
    "quote_failure",
    "rank_quotes",
    "settle",
    "slippage_for_limit",
    "swap_limit",
    "tx_facts",
    "venue_error",
]
