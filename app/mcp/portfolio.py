"""Where the balances of ``get_portfolio_overview`` come from: one reader per account.

A :class:`BalanceReader` is a name (the connector an agent names: ``paper``,
``solana-mainnet-beta``...) and a coroutine returning ``{asset: {"total", "available"}}``.
:func:`balance_readers` builds them from the runtimes ``lpexec mcp`` opens: the Gateway wallet
of the LP runtime and each exchange venue of the CEX runtime (on paper: ``paper`` and
``paper_perpetual``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lpexec.app.cex_runtime import PAPER_PERPETUAL, CexRuntime
from lpexec.app.runtime import LPRuntime

__all__ = ["BalanceReader", "Balances", "balance_readers"]

Balances = dict[str, dict[str, Decimal | None]]
"""``{asset: {"total": amount, "available": amount or None when the venue does not say}}``."""


@dataclass(frozen=True, slots=True)
class BalanceReader:
    """One account's balances, read when asked."""

    connector_name: str
    read: Callable[[], Awaitable[Balances]]


def balance_readers(
    *, lp: LPRuntime | None, cex: CexRuntime | None, network: str = "mainnet-beta"
) -> list[BalanceReader]:
    """The balance readers of the runtimes (either may be None); the LP wallet's connector name
    is ``solana-<network>``, as LP executors name it."""
    readers: list[BalanceReader] = []
    if lp is not None:
        readers.append(BalanceReader(f"solana-{network}", _wallet_reader(lp)))
    if cex is not None:
        readers.append(BalanceReader(cex.venue_key, _venue_reader(cex.venue)))
        if cex.paper is not None:
            readers.append(
                BalanceReader(PAPER_PERPETUAL, _venue_reader(cex.engine.venue(PAPER_PERPETUAL)))
            )
    return readers


def _wallet_reader(lp: LPRuntime) -> Callable[[], Awaitable[Balances]]:
    async def read() -> Balances:
        answer = await lp.client.solana.balances(lp.wallet)
        return {
            asset: {"total": total, "available": None} for asset, total in answer.balances.items()
        }

    return read


def _venue_reader(venue: Any) -> Callable[[], Awaitable[Balances]]:
    async def read() -> Balances:
        held = await venue.balances()
        return {
            asset: {"total": balance.total, "available": balance.available}
            for asset, balance in sorted(held.items())
        }

    return read
