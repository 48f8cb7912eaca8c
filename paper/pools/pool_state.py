"""What every paper pool's state holds: identity, the clock of its last trade, positions.

:class:`~paper.pools.dlmm_state.DlmmState` and :class:`~paper.pools.clmm_state.ClmmState`
extend it with their bins or ticks. States are plain mutable objects with public fields; the
pool classes own one each and the planners (swap walks, bar replay, liquidity) read and change
them through those fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from lpexec.paper.pools.errors import InvalidPoolRequestError, PositionNotFoundError
from lpexec.paper.pools.results import SwapResult
from lpexec.paper.pools.validation import check_identity

__all__ = ["PoolIdentity", "PoolState"]

PositionT = TypeVar("PositionT")


@dataclass(frozen=True, slots=True)
class PoolIdentity:
    """What names a pool and its tokens: address, mints and decimals."""

    address: str
    base_mint: str
    quote_mint: str
    base_decimals: int
    quote_decimals: int


class PoolState(Generic[PositionT]):
    """Identity, last trade time and positions (open ones by id, closed ids) of a pool."""

    __slots__ = (
        "address",
        "base_decimals",
        "base_mint",
        "closed",
        "last_timestamp",
        "positions",
        "quote_decimals",
        "quote_mint",
    )

    def __init__(self, identity: PoolIdentity, last_timestamp: int) -> None:
        check_identity(identity.address, identity.base_mint, identity.quote_mint)
        self.address = identity.address
        self.base_mint = identity.base_mint
        self.quote_mint = identity.quote_mint
        self.base_decimals = identity.base_decimals
        self.quote_decimals = identity.quote_decimals
        self.last_timestamp = last_timestamp
        """Unix seconds of the last swap (or creation)."""
        self.positions: dict[str, PositionT] = {}
        """Open positions by id, in opening order."""
        self.closed: set[str] = set()
        """Ids of positions that were open here and are closed."""

    def position(self, position_id: str) -> PositionT:
        """Return the open position ``position_id``; PositionNotFoundError otherwise."""
        position = self.positions.get(position_id)
        if position is None:
            closed = position_id in self.closed
            state = "closed" if closed else "not found"
            raise PositionNotFoundError(
                f"Position {state}: expected an open position in pool {self.address}, "
                f"received position_id={position_id!r}",
                position_id=position_id,
                closed=closed,
            )
        return position

    def check_new_position_id(self, position_id: str) -> None:
        """Raise unless ``position_id`` is non-empty and never used in this pool."""
        if not position_id:
            raise InvalidPoolRequestError(
                f"Expected a non-empty position_id, received {position_id!r}"
            )
        if position_id in self.positions or position_id in self.closed:
            raise InvalidPoolRequestError(
                f"Expected a new position_id, received position_id={position_id!r} "
                "which this pool already used",
            )

    def sells_base(self, token_in: str) -> bool:
        """Return True when paying ``token_in`` sells base (X, token0) for quote."""
        if token_in == self.base_mint:
            return True
        if token_in == self.quote_mint:
            return False
        raise InvalidPoolRequestError(
            f"Expected token_in to be {self.base_mint!r} or {self.quote_mint!r} for pool "
            f"{self.address}, received token_in={token_in!r}",
        )

    def advance_clock(self, timestamp: int | None) -> None:
        """Move :attr:`last_timestamp` forward to ``timestamp`` (never back)."""
        if timestamp is not None and timestamp > self.last_timestamp:
            self.last_timestamp = timestamp

    def swap_result(
        self,
        sells_base: bool,
        amount_in: int,
        amount_out: int,
        fee_total: int,
        protocol_fee: int,
        crossed: int,
        new_active: int,
        complete: bool,
    ) -> SwapResult:
        """Return the :class:`SwapResult` of a swap walk over this pool (fees on the input).

        Arguments are positional: the swap walks call it once per swap, and keyword calls
        cost them measurably.
        """
        return SwapResult(
            pool_address=self.address,
            token_in=self.base_mint if sells_base else self.quote_mint,
            token_out=self.quote_mint if sells_base else self.base_mint,
            amount_in=amount_in,
            amount_out=amount_out,
            fee_total=fee_total,
            lp_fee=fee_total - protocol_fee,
            protocol_fee=protocol_fee,
            bins_crossed=crossed,
            new_active_bin=new_active,
            complete=complete,
        )
