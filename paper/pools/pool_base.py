"""What the DLMM and CLMM pool classes share: identity, positions by id, swap and close.

A pool class owns one state object (:class:`~paper.pools.pool_state.PoolState` subclass) and
plugs in its planner through :meth:`PoolBase._plan_swap` and :meth:`PoolBase._apply_swap`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from decimal import Decimal
from typing import Any, Generic, Protocol, Self, TypeVar

from lpexec.paper.pools.pool_state import PoolState
from lpexec.paper.pools.results import ClosedPosition, FeeAmounts, SwapResult, WithdrawResult
from lpexec.paper.pools.validation import check_limits

__all__ = ["PoolBase", "SwapPlan"]

StateT = TypeVar("StateT", bound=PoolState[Any])


class SwapPlan(Protocol):
    """A computed swap that has not changed the pool yet."""

    @property
    def result(self) -> SwapResult:
        """The fill the plan would make."""
        ...


PlanT = TypeVar("PlanT", bound=SwapPlan)


class PoolBase(ABC, Generic[StateT, PlanT]):
    """Identity, positions by id, swaps and closing, over the pool's state object."""

    __slots__ = ("_state",)

    _state: StateT

    @classmethod
    def from_state(cls, state: StateT) -> Self:
        """Return a pool over ``state`` (which it then owns)."""
        pool = cls.__new__(cls)
        pool._state = state
        return pool

    # -- identity ------------------------------------------------------------------------

    @property
    def state(self) -> StateT:
        """The pool's state object: read it freely; change it only through the pool."""
        return self._state

    @property
    def address(self) -> str:
        """Pool address."""
        return self._state.address

    @property
    def base_mint(self) -> str:
        """Mint of the base token (X, token0)."""
        return self._state.base_mint

    @property
    def quote_mint(self) -> str:
        """Mint of the quote token (Y, token1)."""
        return self._state.quote_mint

    @property
    def base_decimals(self) -> int:
        """Decimals of the base token."""
        return self._state.base_decimals

    @property
    def quote_decimals(self) -> int:
        """Decimals of the quote token."""
        return self._state.quote_decimals

    @property
    def timestamp(self) -> int:
        """Unix seconds of the last swap (or creation)."""
        return self._state.last_timestamp

    # -- positions -----------------------------------------------------------------------

    def position_ids(self) -> list[str]:
        """Return the ids of open positions, in opening order."""
        return list(self._state.positions)

    def has_position(self, position_id: str) -> bool:
        """Return True if ``position_id`` is open in this pool."""
        return position_id in self._state.positions

    def is_closed(self, position_id: str) -> bool:
        """Return True if ``position_id`` was open in this pool and has been closed."""
        return position_id in self._state.closed

    @abstractmethod
    def remove_liquidity(self, position_id: str, fraction: Decimal | int = 1) -> WithdrawResult:
        """Burn ``fraction`` (0 < fraction <= 1) of the position's liquidity."""

    @abstractmethod
    def claim_fees(self, position_id: str) -> FeeAmounts:
        """Pay out and reset the position's fees."""

    def close_position(self, position_id: str) -> ClosedPosition:
        """Withdraw all liquidity, claim all fees and forget the position."""
        withdrawn = self.remove_liquidity(position_id, 1)
        fees = self.claim_fees(position_id)
        state = self._state
        del state.positions[position_id]
        state.closed.add(position_id)
        return ClosedPosition(position_id=position_id, withdrawn=withdrawn, fees=fees)

    # -- swaps ---------------------------------------------------------------------------

    @abstractmethod
    def _plan_swap(
        self, token_in: str, amount: int, exact_out: bool, timestamp: int | None
    ) -> PlanT:
        """Compute a swap without changing the pool (the kind's planner)."""

    @abstractmethod
    def _apply_swap(self, plan: PlanT, timestamp: int | None) -> None:
        """Carry out a planned swap on the pool's state."""

    def quote(
        self,
        token_in: str,
        amount: int,
        *,
        exact_out: bool = False,
        timestamp: int | None = None,
    ) -> SwapResult:
        """Return what :meth:`swap` would do, without changing the pool.

        A quote that runs out of liquidity is returned with ``complete=False``.
        """
        return self._plan_swap(token_in, amount, exact_out, timestamp).result

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
        """Swap against the pool.

        Args:
            token_in: Mint paid in (the base or quote mint).
            amount: Raw units of ``token_in`` to pay (exact in), or of the other token to
                receive (``exact_out=True``).
            exact_out: Treat ``amount`` as the output wanted.
            min_amount_out: Fail with :class:`SlippageExceededError` if the output would be lower.
            max_amount_in: Fail with :class:`SlippageExceededError` if the input would be higher.
            timestamp: Unix seconds of the swap (drives the DLMM volatility fee); defaults to
                the last timestamp.
            allow_partial: Fill what the liquidity allows instead of raising
                :class:`InsufficientLiquidityError`.

        Returns:
            The fill, fees included in ``amount_in``.
        """
        plan = self._plan_swap(token_in, amount, exact_out, timestamp)
        result = plan.result
        check_limits(result, min_amount_out, max_amount_in, allow_partial)
        self._apply_swap(plan, timestamp)
        return result
