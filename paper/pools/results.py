"""Result records returned by the paper pools (frozen, raw integer token units).

``base`` is the pool's X / token0 and ``quote`` its Y / token1. Prices are human prices
(quote per base in whole tokens) as :class:`~decimal.Decimal`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypeVar, overload

__all__ = [
    "BinDeposit",
    "BinRecords",
    "BinSnapshot",
    "BinWithdrawal",
    "ClosedPosition",
    "DepositResult",
    "FeeAmounts",
    "MoveResult",
    "PositionAmounts",
    "PositionOpened",
    "SwapResult",
    "WithdrawResult",
    "summarize_move",
]


@dataclass(frozen=True, slots=True)
class SwapResult:
    """Outcome (or quote) of one swap against one pool.

    Fees are charged on the input token: ``fee_total == lp_fee + protocol_fee`` exactly and
    ``amount_in`` includes ``fee_total``.
    """

    pool_address: str
    token_in: str
    """Mint paid in by the swapper."""
    token_out: str
    """Mint paid out to the swapper."""
    amount_in: int
    """Raw units of ``token_in`` taken from the swapper, fee included."""
    amount_out: int
    """Raw units of ``token_out`` given to the swapper."""
    fee_total: int
    """Raw units of ``token_in`` charged as fee."""
    lp_fee: int
    """Part of the fee credited to liquidity providers."""
    protocol_fee: int
    """Part of the fee kept by the protocol."""
    bins_crossed: int
    """DLMM: bins left behind during the swap. CLMM: initialized ticks crossed."""
    new_active_bin: int
    """DLMM: active bin id after the swap. CLMM: current tick after the swap."""
    complete: bool = True
    """False when the pool ran out of liquidity before the requested amount was filled."""

    @property
    def ticks_crossed(self) -> int:
        """Alias of :attr:`bins_crossed` for CLMM pools."""
        return self.bins_crossed

    @property
    def new_tick(self) -> int:
        """Alias of :attr:`new_active_bin` for CLMM pools."""
        return self.new_active_bin


@dataclass(frozen=True, slots=True)
class FeeAmounts:
    """Fee amounts in raw units of each token."""

    base_amount: int
    quote_amount: int


class BinDeposit(NamedTuple):
    """What a deposit put into one DLMM bin. (a named tuple: one per bin, made in bulk)."""

    bin_id: int
    base_amount: int
    quote_amount: int
    shares: int
    """Liquidity shares minted in this bin (Q64.64 liquidity units)."""


class BinWithdrawal(NamedTuple):
    """What a withdrawal took out of one DLMM bin. (a named tuple: one per bin, made in bulk)."""

    bin_id: int
    base_amount: int
    quote_amount: int
    shares: int
    """Liquidity shares burned in this bin."""


_Record = TypeVar("_Record", BinDeposit, BinWithdrawal)


class BinRecords(Sequence[_Record], Generic[_Record]):
    """The per-bin records of one deposit or withdrawal, made on first use.

    A pool keeps the columns it computed anyway (bin ids, the two amounts, the shares; one
    entry per bin it looked at) and makes the records only when someone reads them: backtests
    deposit and withdraw thousands of times and never look bin by bin. Bins where ``keep`` is
    zero (by default: where neither amount is) have no record. Compares equal to a sequence of
    the same records.
    """

    __slots__ = ("_columns", "_items", "_make")

    def __init__(
        self,
        make: type[_Record],
        bin_ids: Sequence[int],
        base: Sequence[int],
        quote: Sequence[int],
        shares: Sequence[int],
        keep: Sequence[int] | None = None,
    ) -> None:
        self._make: type[_Record] = make
        self._columns: tuple[Any, ...] | None = (bin_ids, base, quote, shares, keep)
        self._items: tuple[_Record, ...] = ()

    def _records(self) -> tuple[_Record, ...]:
        if self._columns is not None:
            make = self._make
            bin_ids, base, quote, shares, keep = self._columns
            rows = zip(bin_ids, base, quote, shares, strict=True)
            if keep is None:
                self._items = tuple(make(*row) for row in rows if row[1] or row[2])
            else:
                self._items = tuple(make(*row) for row, k in zip(rows, keep, strict=True) if k)
            self._columns = None
        return self._items

    @overload
    def __getitem__(self, index: int) -> _Record: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[_Record, ...]: ...
    def __getitem__(self, index: int | slice) -> _Record | tuple[_Record, ...]:
        return self._records()[index]

    def __len__(self) -> int:
        return len(self._records())

    def __iter__(self) -> Iterator[_Record]:
        return iter(self._records())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return self._records() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._records())

    def __repr__(self) -> str:
        return repr(self._records())


@dataclass(frozen=True, slots=True)
class PositionOpened:
    """A new, empty position and the bin arrays (DLMM) its opening initialized."""

    position_id: str
    lower: int
    """Lower bin id (DLMM) or lower tick (CLMM), inclusive."""
    upper: int
    """Upper bin id (DLMM, inclusive) or upper tick (CLMM, exclusive)."""
    width: int
    """Bins in the range (DLMM) or ticks ``upper - lower`` (CLMM)."""
    bin_arrays_initialized: tuple[int, ...]
    """DLMM BinArray indexes first initialized by this position (their rent is sunk)."""


@dataclass(frozen=True, slots=True)
class DepositResult:
    """Amounts actually deposited into a position.

    ``base_amount``/``quote_amount`` may be less than requested on a CLMM pool (the binding
    token decides); on a DLMM pool the strategy places the full amounts.
    """

    position_id: str
    base_amount: int
    quote_amount: int
    liquidity: int
    """Liquidity added: DLMM shares summed over bins, CLMM liquidity L."""
    bins: Sequence[BinDeposit] = ()
    """Per-bin detail (DLMM only)."""
    bin_arrays_initialized: tuple[int, ...] = ()
    """DLMM BinArray indexes first initialized when this call also opened the position."""


@dataclass(frozen=True, slots=True)
class WithdrawResult:
    """Amounts taken out of a position by a liquidity removal (fees not included)."""

    position_id: str
    base_amount: int
    quote_amount: int
    liquidity: int
    """Liquidity removed: DLMM shares summed over bins, CLMM liquidity L."""
    bins: Sequence[BinWithdrawal] = ()
    """Per-bin detail (DLMM only)."""


@dataclass(frozen=True, slots=True)
class ClosedPosition:
    """Everything returned when a position is closed: remaining liquidity and unclaimed fees."""

    position_id: str
    withdrawn: WithdrawResult
    fees: FeeAmounts


@dataclass(frozen=True, slots=True)
class PositionAmounts:
    """Current holdings of one position (what a full withdrawal would return now)."""

    position_id: str
    lower: int
    """Lower bin id (DLMM) or lower tick (CLMM), inclusive."""
    upper: int
    """Upper bin id (DLMM, inclusive) or upper tick (CLMM, exclusive)."""
    base_amount: int
    quote_amount: int
    base_fee: int
    """Unclaimed fees in base raw units."""
    quote_fee: int
    """Unclaimed fees in quote raw units."""
    liquidity: int
    """DLMM: shares summed over bins. CLMM: liquidity L."""
    in_range: bool
    """DLMM: lower <= active <= upper. CLMM: lower <= tick < upper."""


@dataclass(frozen=True, slots=True)
class BinSnapshot:
    """One DLMM bin as shown by pool-info."""

    bin_id: int
    price: Decimal
    """Human price of the bin (quote per base)."""
    base_amount: int
    quote_amount: int
    supply: int
    """Total liquidity shares of the bin."""


@dataclass(frozen=True, slots=True)
class MoveResult:
    """Outcome of moving a pool to a target price (price-path replay).

    The counterparty is the outside market: ``base_in``/``quote_in`` are raw units it paid into
    the pool, ``base_out``/``quote_out`` what it received.
    """

    swaps: tuple[SwapResult, ...]
    base_in: int
    base_out: int
    quote_in: int
    quote_out: int
    base_fee: int
    """Fees charged in base (LP + protocol)."""
    quote_fee: int
    """Fees charged in quote (LP + protocol)."""
    bins_crossed: int
    new_active_bin: int
    """DLMM active bin id or CLMM tick after the move."""
    reached_target: bool
    """False when the pool ran out of liquidity before reaching the target price."""
    protocol_fee: int | None = None
    """The protocol's part of the fees, when the move reports it (bar replays do)."""


def summarize_move(
    base_mint: str,
    swaps: list[SwapResult],
    start: int,
    end: int,
    *,
    reached: bool,
) -> MoveResult:
    """Aggregate the swaps of a price move into the market's flows (DLMM and CLMM pools)."""
    base_in = base_out = quote_in = quote_out = base_fee = quote_fee = 0
    for swap in swaps:
        if swap.token_in == base_mint:
            base_in += swap.amount_in
            quote_out += swap.amount_out
            base_fee += swap.fee_total
        else:
            quote_in += swap.amount_in
            base_out += swap.amount_out
            quote_fee += swap.fee_total
    return MoveResult(
        swaps=tuple(swaps),
        base_in=base_in,
        base_out=base_out,
        quote_in=quote_in,
        quote_out=quote_out,
        base_fee=base_fee,
        quote_fee=quote_fee,
        bins_crossed=abs(end - start),
        new_active_bin=end,
        reached_target=reached,
    )
