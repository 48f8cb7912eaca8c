"""The interface every paper pool offers to the router, the price-path driver and the chain."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from lpexec.paper.pools.results import MoveResult, SwapResult

__all__ = ["PaperPool"]


@runtime_checkable
class PaperPool(Protocol):
    """A simulated pool holding base (X / token0) and quote (Y / token1) in raw units."""

    @property
    def address(self) -> str:
        """Pool address."""
        ...

    @property
    def base_mint(self) -> str:
        """Mint of the base token."""
        ...

    @property
    def quote_mint(self) -> str:
        """Mint of the quote token."""
        ...

    @property
    def base_decimals(self) -> int:
        """Decimals of the base token."""
        ...

    @property
    def quote_decimals(self) -> int:
        """Decimals of the quote token."""
        ...

    @property
    def price(self) -> Decimal:
        """Current human price, quote per base."""
        ...

    def vault_balances(self) -> tuple[int, int]:
        """Raw (base, quote) held by the pool's vaults: liquidity, unclaimed and protocol fees."""
        ...

    def quote(
        self,
        token_in: str,
        amount: int,
        *,
        exact_out: bool = False,
        timestamp: int | None = None,
    ) -> SwapResult:
        """Return what :meth:`swap` would do now, without changing the pool."""
        ...

    def swap(
        self,
        token_in: str,
        amount: int,
        *,
        exact_out: bool = False,
        min_amount_out: int | None = None,
        max_amount_in: int | None = None,
        timestamp: int | None = None,
        allow_partial: bool = False,
    ) -> SwapResult:
        """Swap ``amount`` raw units in (or out, with ``exact_out``) and return the fill."""
        ...

    def move_to_price(
        self,
        target_price: Decimal,
        volume: int = 0,
        *,
        timestamp: int | None = None,
    ) -> MoveResult:
        """Swap the pool to ``target_price`` and trade about ``volume`` quote raw units."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """Return the pool state as plain JSON-safe data."""
        ...
