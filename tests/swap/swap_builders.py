"""Builders for swap tests: configs, quotes and a started executor."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lpexec.core import UTC, ExecutorStarted
from lpexec.swap import ProviderQuote, SwapExecutor, SwapExecutorConfig

T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def make_config(**overrides) -> SwapExecutorConfig:
    values = {
        "trading_pair": "SOL-USDC",
        "side": "SELL",
        "amount": Decimal(2),
        "swap_providers": ("meteora/clmm", "raydium/clmm"),
    }
    values.update(overrides)
    return SwapExecutorConfig(**values)


def quote(
    provider: str,
    quote_amount: str,
    *,
    side: str = "SELL",
    base_amount: str = "2",
    quoted_at: dt.datetime = T0,
    quote_id: str = "",
    slippage: str = "0.01",
) -> ProviderQuote:
    amount = Decimal(quote_amount)
    ratio = Decimal(slippage)
    return ProviderQuote(
        provider=provider,
        side=side,
        base_amount=Decimal(base_amount),
        quote_amount=amount,
        min_amount_out=amount * (1 - ratio) if side == "SELL" else Decimal(base_amount),
        max_amount_in=Decimal(base_amount) if side == "SELL" else amount * (1 + ratio),
        price_impact=Decimal("0.001"),
        quoted_at=quoted_at,
        quote_id=quote_id,
        route=f"{provider} pool",
    )


def started(**overrides) -> tuple[SwapExecutor, object]:
    """An executor that has asked for quotes, and that QuoteSwap command."""
    executor = SwapExecutor(make_config(**overrides), created_at=T0)
    (command,) = executor.apply(ExecutorStarted(ts_event=T0))
    return executor, command
