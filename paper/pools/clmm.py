"""A simulated concentrated-liquidity pool (Uniswap v3 shape; Orca, Raydium) in raw units.

Prices are Q64.64 square roots as on Solana CLMMs. The pool holds no wallet: callers (the paper
chain) move tokens and use the returned amounts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from paper.pools.results import (
    ClosedPosition,
    DepositResult,
    FeeAmounts,
    MoveResult,
    PositionAmounts,
    PositionOpened,
    SwapResult,
    WithdrawResult,
)

__all__ = ["ClmmPool"]


class ClmmPool:
    """A concentrated-liquidity pool with ticks, fee growth inside/outside and positions.

    A position ``[lower_tick, upper_tick)`` is in range iff ``lower_tick <= tick < upper_tick``.
    Fees are charged on the input (``fee_rate`` in millionths, 3_000 = 0.3 %); the protocol
    keeps ``protocol_fee_share`` basis points of each fee; the rest grows the per-liquidity
    fee accumulators (Q64.64). Amounts owed to the pool round up, amounts paid out round down.

    Example:
        >>> pool = ClmmPool.at_price("pool2", base_mint="SOL", quote_mint="USDC",
        ...     base_decimals=9, quote_decimals=6, tick_spacing=64, price=Decimal(150))
        >>> _ = pool.add_liquidity("lp1", pool.tick_current - 640, pool.tick_current + 640,
        ...     10**9, 150 * 10**6)
        >>> pool.swap("USDC", 10 * 10**6).amount_out > 0
        True
    """

    def __init__(
        self,
        address: str,
        *,
        base_mint: str,
        quote_mint: str,
        base_decimals: int,
        quote_decimals: int,
        tick_spacing: int,
        sqrt_price_x64: int,
        fee_rate: int = 3_000,
        protocol_fee_share: int = 0,
        timestamp: int = 0,
    ) -> None:
        """Create an empty pool.

        Args:
            address: Pool address.
            base_mint: Mint of the base token (token0).
            quote_mint: Mint of the quote token (token1).
            base_decimals: Decimals of the base token.
            quote_decimals: Decimals of the quote token.
            tick_spacing: Position ticks must be multiples of this.
            sqrt_price_x64: Initial ``sqrt(raw price) * 2**64``.
            fee_rate: Swap fee in millionths of the input (3_000 = 0.3 %).
            protocol_fee_share: Basis points of each fee kept by the protocol (0..10_000).
            timestamp: Unix seconds of creation.
        """
        raise NotImplementedError

    @classmethod
    def at_price(
        cls,
        address: str,
        *,
        price: Decimal,
        base_mint: str,
        quote_mint: str,
        base_decimals: int,
        quote_decimals: int,
        tick_spacing: int,
        fee_rate: int = 3_000,
        protocol_fee_share: int = 0,
        timestamp: int = 0,
    ) -> ClmmPool:
        """Create an empty pool at a human ``price`` (quote per base)."""
        raise NotImplementedError

    # -- identity and prices -------------------------------------------------------------

    @property
    def address(self) -> str:
        """Pool address."""
        raise NotImplementedError

    @property
    def base_mint(self) -> str:
        """Mint of the base token (token0)."""
        raise NotImplementedError

    @property
    def quote_mint(self) -> str:
        """Mint of the quote token (token1)."""
        raise NotImplementedError

    @property
    def base_decimals(self) -> int:
        """Decimals of the base token."""
        raise NotImplementedError

    @property
    def quote_decimals(self) -> int:
        """Decimals of the quote token."""
        raise NotImplementedError

    @property
    def tick_spacing(self) -> int:
        """Tick spacing."""
        raise NotImplementedError

    @property
    def fee_rate(self) -> int:
        """Swap fee in millionths of the input."""
        raise NotImplementedError

    @property
    def protocol_fee_share(self) -> int:
        """Basis points of each fee kept by the protocol."""
        raise NotImplementedError

    @property
    def tick_current(self) -> int:
        """The current tick: the greatest tick whose sqrt price is <= the pool's."""
        raise NotImplementedError

    @property
    def sqrt_price_x64(self) -> int:
        """Current ``sqrt(raw price) * 2**64``."""
        raise NotImplementedError

    @property
    def liquidity(self) -> int:
        """Active liquidity L at the current price."""
        raise NotImplementedError

    @property
    def timestamp(self) -> int:
        """Unix seconds of the last swap (or creation)."""
        raise NotImplementedError

    @property
    def price(self) -> Decimal:
        """Current human price (quote per base)."""
        raise NotImplementedError

    # -- balances and ticks --------------------------------------------------------------

    def vault_balances(self) -> tuple[int, int]:
        """Return the raw (base, quote) the pool's vaults hold (liquidity, fees, protocol)."""
        raise NotImplementedError

    def protocol_fees(self) -> FeeAmounts:
        """Return protocol fees accrued and not yet collected."""
        raise NotImplementedError

    def collect_protocol_fees(self) -> FeeAmounts:
        """Return and reset the accrued protocol fees (they leave the vaults)."""
        raise NotImplementedError

    def initialized_ticks(self) -> list[tuple[int, int]]:
        """Return ``(tick, liquidity_net)`` for every initialized tick, in tick order."""
        raise NotImplementedError

    # -- positions -----------------------------------------------------------------------

    def position_ids(self) -> list[str]:
        """Return the ids of open positions, in opening order."""
        raise NotImplementedError

    def has_position(self, position_id: str) -> bool:
        """Return True if ``position_id`` is open in this pool."""
        raise NotImplementedError

    def is_closed(self, position_id: str) -> bool:
        """Return True if ``position_id`` was open in this pool and has been closed."""
        raise NotImplementedError

    def open_position(self, position_id: str, lower_tick: int, upper_tick: int) -> PositionOpened:
        """Open an empty position over ``[lower_tick, upper_tick)``.

        Raises:
            InvalidPoolRequest: Ticks not multiples of the spacing, out of bounds or not
                ``lower < upper``, or the id is already used.
        """
        raise NotImplementedError

    def add_liquidity(
        self,
        position_id: str,
        lower_tick: int,
        upper_tick: int,
        base_amount: int,
        quote_amount: int,
    ) -> DepositResult:
        """Add the most liquidity that ``base_amount``/``quote_amount`` (maxima) allow.

        Opens the position first when ``position_id`` is new. The returned amounts (rounded up)
        are what the caller must pay; they never exceed the maxima.
        """
        raise NotImplementedError

    def add_liquidity_amount(
        self,
        position_id: str,
        liquidity: int,
    ) -> DepositResult:
        """Add exactly ``liquidity`` to an open position; return the amounts owed (rounded up)."""
        raise NotImplementedError

    def remove_liquidity(self, position_id: str, fraction: Decimal | int = 1) -> WithdrawResult:
        """Burn ``fraction`` (0 < fraction <= 1) of the position's liquidity (amounts round down).

        Fees accrued so far are credited to the position and stay claimable.
        """
        raise NotImplementedError

    def claimable_fees(self, position_id: str) -> FeeAmounts:
        """Return the fees the position can claim now (recomputed from fee growth)."""
        raise NotImplementedError

    def claim_fees(self, position_id: str) -> FeeAmounts:
        """Pay out and reset the position's fees."""
        raise NotImplementedError

    def close_position(self, position_id: str) -> ClosedPosition:
        """Withdraw all liquidity, claim all fees and forget the position."""
        raise NotImplementedError

    def position_amounts(self, position_id: str) -> PositionAmounts:
        """Return what the position holds now (amounts a full withdrawal would pay, fees)."""
        raise NotImplementedError

    # -- swaps ---------------------------------------------------------------------------

    def quote(
        self,
        token_in: str,
        amount: int,
        *,
        exact_out: bool = False,
        timestamp: int | None = None,
    ) -> SwapResult:
        """Return what :meth:`swap` would do, without changing the pool."""
        raise NotImplementedError

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
        """Swap against the pool (same arguments as :meth:`DlmmPool.swap`)."""
        raise NotImplementedError

    def move_to_tick(
        self,
        target_tick: int,
        volume: int = 0,
        *,
        timestamp: int | None = None,
    ) -> MoveResult:
        """Swap until the price reaches ``target_tick``'s price, then trade round trips.

        ``volume`` is in quote raw units; what the directional move does not use is traded as
        a round trip (fees, price back where it was).
        """
        raise NotImplementedError

    def move_to_price(
        self,
        target_price: Decimal,
        volume: int = 0,
        *,
        timestamp: int | None = None,
    ) -> MoveResult:
        """Move the pool to a human price (see :meth:`move_to_tick`)."""
        raise NotImplementedError

    # -- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the full pool state as plain JSON-safe data."""
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClmmPool:
        """Rebuild a pool from :meth:`to_dict` output."""
        raise NotImplementedError
