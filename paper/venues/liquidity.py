"""The LiquidityVenue port directly on a paper chain (no HTTP): backtests run the same LP
executors and engine at full speed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar, overload

from lpexec.core import (
    Command,
    Evidence,
    OutcomeEvent,
    VenueRejectedError,
)
from lpexec.lp.messages import (
    AddLiquidity,
    ClosePosition,
    CollectFees,
    FeesCollected,
    LiquidityAdded,
    LiquidityRemoved,
    OpenPosition,
    PositionClosed,
    PositionOpened,
    PositionUpdated,
    RefreshPosition,
    RemoveLiquidity,
)
from lpexec.paper.chain import LiquidityReceipt, PositionRecord, Receipt
from lpexec.paper.chain.errors import (
    PositionClosedError as ChainPositionClosedError,
)
from lpexec.paper.chain.errors import (
    PositionNotFoundError as ChainPositionNotFound,
)
from lpexec.paper.pools import ClmmPool, DlmmPool, Strategy, span_for_prices
from lpexec.paper.venues.common import PaperVenue, amounts, human, raw, send, sol

__all__ = ["PaperLiquidityVenue"]

_Moved = TypeVar("_Moved", LiquidityAdded, LiquidityRemoved)


class PaperLiquidityVenue(PaperVenue):
    """The LiquidityVenue port on a paper chain, for one wallet."""

    def _pool(self, address: str) -> DlmmPool | ClmmPool:
        return self._chain.pool(address)

    def _position_pool(self, position_address: str) -> DlmmPool | ClmmPool:
        return self._pool(self._record(position_address).pool_address)

    async def open_position(
        self,
        command: OpenPosition,
        evidence: Evidence,  # noqa: ARG002 - paper writes answer at once
    ) -> PositionOpened:
        """Open on the chain; report what the receipt says."""
        pool = self._pool(command.pool_address)
        lower, upper = span_for_prices(pool, command.lower_price, command.upper_price)
        strategy = Strategy.parse(command.strategy_type or "Spot")
        receipt = send(
            self._chain.open_position,
            self._wallet,
            command.pool_address,
            lower=lower,
            upper=upper,
            base_amount=raw(command.base_amount, pool.base_decimals),
            quote_amount=raw(command.quote_amount, pool.quote_decimals),
            strategy=strategy,
        )
        bounds = self._bounds(pool, receipt.lower, receipt.upper)
        base, quote = amounts(pool, receipt.base_amount, receipt.quote_amount)
        return PositionOpened(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=receipt.position_address,
            base_amount=base,
            quote_amount=quote,
            lower_price=bounds[0],
            upper_price=bounds[1],
            lower_bin_id=receipt.lower,
            upper_bin_id=receipt.upper,
            active_bin_id=self._active(pool),
            price=pool.price,
            position_rent=sol(receipt.position_rent),
            rent_sunk=sol(receipt.bin_array_rent),
            tx_fee=sol(receipt.fee),
            signature=receipt.signature,
        )

    @staticmethod
    def _active(pool: object) -> int:
        return pool.active_bin_id if isinstance(pool, DlmmPool) else pool.tick_current  # type: ignore[attr-defined]

    @staticmethod
    def _bounds(pool: object, lower: int, upper: int) -> tuple[Decimal, Decimal]:
        if isinstance(pool, DlmmPool):
            return pool.bin_price(lower), pool.bin_price(upper)
        from lpexec.lp.math.clmm import tick_to_price

        decimals = (pool.base_decimals, pool.quote_decimals)  # type: ignore[attr-defined]
        return tick_to_price(lower, *decimals), tick_to_price(upper, *decimals)

    async def close_position(
        self,
        command: ClosePosition,
        evidence: Evidence,  # noqa: ARG002 - paper writes answer at once
    ) -> PositionClosed:
        """Close on the chain (an already closed position is reported as closed)."""
        record = self._record(command.position_address, closed_ok=True)
        if record is None:
            return self._already_closed(command)
        pool = self._pool(record.pool_address)
        receipt = send(self._chain.close_position, self._wallet, command.position_address)
        base, quote = amounts(pool, receipt.base_amount, receipt.quote_amount)
        base_fee, quote_fee = amounts(pool, receipt.base_fee, receipt.quote_fee)
        return PositionClosed(
            **self._written(command, receipt),
            base_amount=base,
            quote_amount=quote,
            base_fee=base_fee,
            quote_fee=quote_fee,
            position_rent_refunded=sol(receipt.rent_refunded),
        )

    def _already_closed(self, command: Command) -> PositionClosed:
        return PositionClosed(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=getattr(command, "position_address", ""),
            base_amount=Decimal(0),
            quote_amount=Decimal(0),
            already_closed=True,
            estimated=True,
        )

    def _written(self, command: Command, receipt: Receipt) -> dict[str, Any]:
        """The fields every position write event carries."""
        return {
            "ts_event": self._clock.now(),
            "command_id": command.command_id,
            "position_address": getattr(command, "position_address", ""),
            "tx_fee": sol(receipt.fee),
            "signature": receipt.signature,
        }

    def _liquidity_moved(
        self,
        event: type[_Moved],
        command: AddLiquidity | RemoveLiquidity,
        pool: DlmmPool | ClmmPool,
        receipt: LiquidityReceipt,
    ) -> _Moved:
        base, quote = amounts(pool, receipt.base_amount, receipt.quote_amount)
        return event(**self._written(command, receipt), base_amount=base, quote_amount=quote)

    async def add_liquidity(
        self,
        command: AddLiquidity,
        evidence: Evidence,  # noqa: ARG002 - paper writes answer at once
    ) -> LiquidityAdded:
        """Add liquidity to an open position."""
        pool = self._position_pool(command.position_address)
        receipt = send(
            self._chain.add_liquidity,
            self._wallet,
            command.position_address,
            base_amount=raw(command.base_amount, pool.base_decimals),
            quote_amount=raw(command.quote_amount, pool.quote_decimals),
        )
        return self._liquidity_moved(LiquidityAdded, command, pool, receipt)

    async def remove_liquidity(
        self,
        command: RemoveLiquidity,
        evidence: Evidence,  # noqa: ARG002 - paper writes answer at once
    ) -> LiquidityRemoved:
        """Remove a fraction of a position's liquidity."""
        pool = self._position_pool(command.position_address)
        receipt = send(
            self._chain.remove_liquidity,
            self._wallet,
            command.position_address,
            fraction=command.fraction,
        )
        return self._liquidity_moved(LiquidityRemoved, command, pool, receipt)

    async def collect_fees(
        self,
        command: CollectFees,
        evidence: Evidence,  # noqa: ARG002 - paper writes answer at once
    ) -> FeesCollected:
        """Claim a position's fees."""
        pool = self._position_pool(command.position_address)
        receipt = send(self._chain.collect_fees, self._wallet, command.position_address)
        base_fee, quote_fee = amounts(pool, receipt.base_fee, receipt.quote_fee)
        return FeesCollected(
            **self._written(command, receipt), base_fee=base_fee, quote_fee=quote_fee
        )

    @overload
    def _record(self, address: str) -> PositionRecord: ...

    @overload
    def _record(self, address: str, *, closed_ok: bool) -> PositionRecord | None: ...

    def _record(self, address: str, *, closed_ok: bool = False) -> PositionRecord | None:
        # The chain's record of a position; None for a closed one when ``closed_ok``.
        try:
            return self._chain.position_record(address)
        except ChainPositionNotFound as e:
            if closed_ok and isinstance(e, ChainPositionClosedError):
                return None
            raise VenueRejectedError(str(e), code="position_not_found") from e

    async def refresh_position(self, command: RefreshPosition) -> OutcomeEvent:
        """Read a position and its pool."""
        record = self._record(command.position_address, closed_ok=True)
        if record is None:
            return self._already_closed(command)
        pool = self._pool(record.pool_address)
        amounts = pool.position_amounts(command.position_address)
        lower, upper = self._bounds(pool, record.lower, record.upper)
        return PositionUpdated(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=command.position_address,
            base_amount=human(amounts.base_amount, pool.base_decimals),
            quote_amount=human(amounts.quote_amount, pool.quote_decimals),
            base_fee=human(amounts.base_fee, pool.base_decimals),
            quote_fee=human(amounts.quote_fee, pool.quote_decimals),
            lower_price=lower,
            upper_price=upper,
            price=pool.price,
            lower_bin_id=record.lower,
            upper_bin_id=record.upper,
            active_bin_id=self._active(pool),
        )
