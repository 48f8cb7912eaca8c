"""Paper venues that implement the core ports directly on a :class:`PaperChain` (no HTTP).

The paper Gateway serves the same chain over Gateway's API for the CLI, the daemon and tests of
the client; these adapters skip that layer so backtests run at full speed through the same
executors and engine. Amounts come from the chain's receipts, in human units.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar, overload

from lpexec.core import (
    Clock,
    Command,
    Evidence,
    OutcomeEvent,
    OutcomeUnknownError,
    Swap,
    SwapExecuted,
    VenueRejectedError,
)
from lpexec.lp.math.dlmm import LAMPORTS_PER_SOL
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
from lpexec.paper.chain import LiquidityReceipt, PaperChain, PositionRecord, Receipt
from lpexec.paper.chain.errors import (
    ChainError,
    InsufficientFundsError,
    SwapRejectedError,
)
from lpexec.paper.chain.errors import (
    PositionClosedError as ChainPositionClosedError,
)
from lpexec.paper.chain.errors import (
    PositionNotFoundError as ChainPositionNotFound,
)
from lpexec.paper.pools import ClmmPool, DlmmPool, Strategy, span_for_prices

__all__ = ["PaperLiquidityVenue", "PaperSwapVenue"]

_R = TypeVar("_R", bound=Receipt)
_Moved = TypeVar("_Moved", LiquidityAdded, LiquidityRemoved)


def _sol(lamports: int) -> Decimal:
    return Decimal(lamports) / LAMPORTS_PER_SOL


def _human(raw: int, decimals: int) -> Decimal:
    return Decimal(raw).scaleb(-decimals)


def _raw(amount: Decimal, decimals: int) -> int:
    return int(amount.scaleb(decimals).to_integral_value(rounding="ROUND_DOWN"))


def _rejected(error: ChainError) -> VenueRejectedError:
    code = "insufficient_funds" if isinstance(error, InsufficientFundsError) else "rejected"
    if isinstance(error, SwapRejectedError):
        code = "slippage_exceeded"
    return VenueRejectedError(str(error), code=code)


def _send(write: Callable[..., _R], wallet: str, *args: Any, **kwargs: Any) -> _R:
    """Send ``write(wallet, ...)`` on the chain; a refusal becomes ``VenueRejectedError``."""
    try:
        return write(wallet, *args, **kwargs)
    except ChainError as e:
        raise _rejected(e) from e


def _amounts(pool: DlmmPool | ClmmPool, base: int, quote: int) -> tuple[Decimal, Decimal]:
    return _human(base, pool.base_decimals), _human(quote, pool.quote_decimals)


class _PaperVenue:
    """A port on a paper chain, for one wallet; paper writes answer at once."""

    def __init__(self, chain: PaperChain, *, wallet: str, clock: Clock) -> None:
        self._chain = chain
        self._wallet = wallet
        self._clock = clock

    async def reconcile(
        self,
        command: Command,
        evidence: Evidence,  # noqa: ARG002 - nothing is ever left unknown
    ) -> OutcomeEvent | None:
        """Paper writes answer synchronously: nothing is ever left unknown."""
        raise OutcomeUnknownError(f"{type(command).__name__} {command.command_id} has no record")


class PaperLiquidityVenue(_PaperVenue):
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
        receipt = _send(
            self._chain.open_position,
            self._wallet,
            command.pool_address,
            lower=lower,
            upper=upper,
            base_amount=_raw(command.base_amount, pool.base_decimals),
            quote_amount=_raw(command.quote_amount, pool.quote_decimals),
            strategy=strategy,
        )
        bounds = self._bounds(pool, receipt.lower, receipt.upper)
        base, quote = _amounts(pool, receipt.base_amount, receipt.quote_amount)
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
            position_rent=_sol(receipt.position_rent),
            rent_sunk=_sol(receipt.bin_array_rent),
            tx_fee=_sol(receipt.fee),
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
        receipt = _send(self._chain.close_position, self._wallet, command.position_address)
        base, quote = _amounts(pool, receipt.base_amount, receipt.quote_amount)
        base_fee, quote_fee = _amounts(pool, receipt.base_fee, receipt.quote_fee)
        return PositionClosed(
            **self._written(command, receipt),
            base_amount=base,
            quote_amount=quote,
            base_fee=base_fee,
            quote_fee=quote_fee,
            position_rent_refunded=_sol(receipt.rent_refunded),
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
            "tx_fee": _sol(receipt.fee),
            "signature": receipt.signature,
        }

    def _liquidity_moved(
        self,
        event: type[_Moved],
        command: AddLiquidity | RemoveLiquidity,
        pool: DlmmPool | ClmmPool,
        receipt: LiquidityReceipt,
    ) -> _Moved:
        base, quote = _amounts(pool, receipt.base_amount, receipt.quote_amount)
        return event(**self._written(command, receipt), base_amount=base, quote_amount=quote)

    async def add_liquidity(
        self,
        command: AddLiquidity,
        evidence: Evidence,  # noqa: ARG002 - paper writes answer at once
    ) -> LiquidityAdded:
        """Add liquidity to an open position."""
        pool = self._position_pool(command.position_address)
        receipt = _send(
            self._chain.add_liquidity,
            self._wallet,
            command.position_address,
            base_amount=_raw(command.base_amount, pool.base_decimals),
            quote_amount=_raw(command.quote_amount, pool.quote_decimals),
        )
        return self._liquidity_moved(LiquidityAdded, command, pool, receipt)

    async def remove_liquidity(
        self,
        command: RemoveLiquidity,
        evidence: Evidence,  # noqa: ARG002 - paper writes answer at once
    ) -> LiquidityRemoved:
        """Remove a fraction of a position's liquidity."""
        pool = self._position_pool(command.position_address)
        receipt = _send(
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
        receipt = _send(self._chain.collect_fees, self._wallet, command.position_address)
        base_fee, quote_fee = _amounts(pool, receipt.base_fee, receipt.quote_fee)
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
            base_amount=_human(amounts.base_amount, pool.base_decimals),
            quote_amount=_human(amounts.quote_amount, pool.quote_decimals),
            base_fee=_human(amounts.base_fee, pool.base_decimals),
            quote_fee=_human(amounts.quote_fee, pool.quote_decimals),
            lower_price=lower,
            upper_price=upper,
            price=pool.price,
            lower_bin_id=record.lower,
            upper_bin_id=record.upper,
            active_bin_id=self._active(pool),
        )


class PaperSwapVenue(_PaperVenue):
    """The SwapVenue port on a paper chain: swaps in the command's pool (or routes)."""

    async def swap(
        self,
        command: Swap,
        evidence: Evidence,  # noqa: ARG002 - paper writes answer at once
    ) -> SwapExecuted:
        """Swap ``amount`` of base: SELL pays base, BUY receives exactly ``amount`` base."""
        if command.pool_address is None:
            raise VenueRejectedError(
                "paper swaps need the command's pool_address", code="bad_request"
            )
        pool = self._chain.pool(command.pool_address)
        base_raw = _raw(command.amount, pool.base_decimals)
        token_in = pool.base_mint if command.side == "SELL" else pool.quote_mint
        receipt = _send(
            self._chain.swap,
            self._wallet,
            command.pool_address,
            token_in=self._chain.tokens.find(token_in).symbol,  # type: ignore[union-attr]
            amount=base_raw,
            exact_out=command.side == "BUY",
        )
        if command.side == "SELL":
            base, quote = _amounts(pool, receipt.amount_in, receipt.amount_out)
        else:
            base, quote = _amounts(pool, receipt.amount_out, receipt.amount_in)
        return SwapExecuted(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            trading_pair=command.trading_pair,
            side=command.side,
            base_amount=base,
            quote_amount=quote,
            tx_fee=_sol(receipt.fee),
            signature=receipt.signature,
            provider="paper",
        )
