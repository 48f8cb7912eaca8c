"""``SwapDetails``: the swap part of an executor report (route, losing quotes, what moved)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from lpexec.core import ExecutorDetails
from lpexec.swap.quotes import ProviderQuote, QuoteFailure, rank_quotes

if TYPE_CHECKING:
    from lpexec.swap.executor import SwapExecutor

__all__ = ["SwapDetails"]


class SwapDetails(ExecutorDetails):
    """State, the provider comparison and the accounting of one swap.

    ``quotes`` are every provider's quote of the last round, best first; ``failures`` the
    providers that could not quote. ``limit`` is the minimum quote received (SELL) or maximum
    quote paid (BUY). ``executed_quote`` differs from ``chosen_quote`` when the venue renewed
    it before sending (``refresh_reason``). Native amounts are in the native token (SOL).
    """

    state: str
    trading_pair: str
    side: str
    amount: Decimal
    slippage_pct: Decimal
    providers: list[str]
    provider: str
    route: str
    quotes: list[ProviderQuote]
    failures: list[QuoteFailure]
    chosen_quote: ProviderQuote | None
    executed_quote: ProviderQuote | None
    refresh_reason: str
    limit: Decimal | None
    base_amount: Decimal
    quote_amount: Decimal
    effective_price: Decimal
    quoted_price: Decimal | None
    realized_slippage: Decimal | None
    shortfall_quote: Decimal | None
    tx_fee_native: Decimal
    network_fee_quote: Decimal
    signature: str
    evidence: str
    fee_estimated: bool
    stop_requested: bool
    keep_position: bool
    failure_reason: str
    failure_code: str

    @classmethod
    def build(cls, executor: SwapExecutor) -> SwapDetails:
        """Collect the report of ``executor`` as of its last event."""
        state, config = executor.state, executor.config
        figures = executor.accounting()
        chosen = state.chosen
        return cls(
            state=state.swap_state.value,
            trading_pair=config.trading_pair,
            side=config.side,
            amount=config.amount,
            slippage_pct=config.slippage,
            providers=list(config.providers),
            provider=state.provider,
            route=chosen.route if chosen is not None else "",
            quotes=rank_quotes(config.side, state.quotes),
            failures=list(state.failures),
            chosen_quote=chosen,
            executed_quote=state.executed_quote,
            refresh_reason=state.refresh_reason,
            limit=state.limit,
            base_amount=state.base_amount,
            quote_amount=state.quote_amount,
            effective_price=figures.effective_price,
            quoted_price=figures.quoted_price,
            realized_slippage=figures.realized_slippage,
            shortfall_quote=figures.shortfall_quote,
            tx_fee_native=state.tx_fee,
            network_fee_quote=figures.network_fee_quote,
            signature=state.signature,
            evidence=state.evidence,
            fee_estimated=state.fee_estimated,
            stop_requested=state.stop_requested,
            keep_position=config.keep_position,
            failure_reason=state.failure_reason,
            failure_code=state.failure_code,
        )
