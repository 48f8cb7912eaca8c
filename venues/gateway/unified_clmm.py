"""``UnifiedClmm``: Gateway's unified ``/trading/clmm`` routes behind the per-connector interface.

Orca, Uniswap and other CLMMs that have no connector resource of their own in the venue go
through ``client.trading_clmm`` with ``connector=...``; this adapter gives those routes the same
method names the liquidity venue calls on ``client.meteora`` or ``client.raydium_clmm``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gateway_client import PositionInfo

__all__ = ["UnifiedClmm"]


class UnifiedClmm:
    """One CLMM connector (e.g. ``orca/clmm``) over the unified routes."""

    def __init__(self, trading: Any, connector: str) -> None:
        self._trading = trading
        self._connector = connector

    async def pool_info(self, pool_address: str, *, network: str | None = None) -> Any:
        """Read a pool."""
        return await self._trading.pool_info(
            pool_address, connector=self._connector, network=network
        )

    async def position_info(
        self,
        position_address: str,
        *,
        wallet_address: str | None = None,
        network: str | None = None,
    ) -> PositionInfo:
        """Read a position (the unified route takes no wallet)."""
        del wallet_address
        info: PositionInfo = await self._trading.position_info(
            position_address, connector=self._connector, network=network
        )
        return info

    async def positions_owned(
        self, wallet_address: str, *, network: str | None = None
    ) -> list[PositionInfo]:
        """List the wallet's positions on this connector."""
        owned: list[PositionInfo] = await self._trading.positions_owned(
            wallet_address, connector=self._connector, network=network
        )
        return owned

    async def open_position(self, pool_address: str, **kwargs: Any) -> Any:
        """Open a position (``/trading/clmm/open``)."""
        return await self._trading.open(pool_address, connector=self._connector, **kwargs)

    async def add_liquidity(self, position_address: str, **kwargs: Any) -> Any:
        """Add liquidity (``/trading/clmm/add``)."""
        kwargs.pop("strategy_type", None)
        return await self._trading.add(position_address, connector=self._connector, **kwargs)

    async def remove_liquidity(
        self, position_address: str, *, fraction: Decimal, **kwargs: Any
    ) -> Any:
        """Remove a fraction (``/trading/clmm/remove`` sends ``percentageToRemove``)."""
        return await self._trading.remove(
            position_address, connector=self._connector, fraction=fraction, **kwargs
        )

    async def collect_fees(self, position_address: str, **kwargs: Any) -> Any:
        """Claim fees (``/trading/clmm/collect-fees``)."""
        return await self._trading.collect_fees(
            position_address, connector=self._connector, **kwargs
        )

    async def close_position(self, position_address: str, **kwargs: Any) -> Any:
        """Close (``/trading/clmm/close``)."""
        return await self._trading.close(position_address, connector=self._connector, **kwargs)
