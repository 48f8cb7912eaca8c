"""A simulated Meteora DLMM (Liquidity Book) pool in raw integer token units.

The pool holds no wallet: callers (the paper chain) move tokens and use the returned amounts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lp.math.dlmm import GATEWAY_MAX_POSITION_WIDTH, BinRounding
from lp.math.dlmm_distribution import Strategy
from paper.pools.dlmm_parameters import DlmmFeeParameters
from paper.pools.results import (
    BinSnapshot,
    ClosedPosition,
    DepositResult,
    FeeAmounts,
    MoveResult,
    PositionAmounts,
    PositionOpened,
    SwapResult,
    WithdrawResult,
)

__all__ = ["DlmmPool"]


class DlmmPool:
    """A DLMM pool: bins of constant-sum liquidity, per-bin shares, dynamic fees.

    Bins below the active bin hold only quote (Y), bins above only base (X), the active bin
    both. Swaps walk bins, charging ``base + variable`` fee on the input per bin; the protocol
    keeps ``protocol_share`` of every fee and the rest is split exactly (to the raw unit) among
    that bin's positions pro rata to their shares. Every rounding favours the pool.

    Example:
        >>> pool = DlmmPool.at_price("pool1", base_mint="SOL", quote_mint="USDC",
        ...     base_decimals=9, quote_decimals=6, bin_step=10, price=Decimal(150))
        >>> _ = pool.add_liquidity("lp1", pool.active_bin_id - 10, pool.active_bin_id + 10,
        ...     10 * 10**9, 1_500 * 10**6)
        >>> pool.swap("SOL", 10**8).amount_out > 0
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
        bin_step: int,
        active_bin_id: int,
        fee_parameters: DlmmFeeParameters | None = None,
        max_position_width: int = GATEWAY_MAX_POSITION_WIDTH,
        timestamp: int = 0,
    ) -> None:
        """Create an empty pool.

        Args:
            address: Pool address.
            base_mint: Mint of the base token (X).
            quote_mint: Mint of the quote token (Y).
            base_decimals: Decimals of the base token.
            quote_decimals: Decimals of the quote token.
            bin_step: Bin step in basis points (1..400).
            active_bin_id: Initial active bin.
            fee_parameters: Static fee parameters; defaults to :class:`DlmmFeeParameters()`.
            max_position_width: Most bins one position may span (Gateway 2.13: 69).
            timestamp: Unix seconds of the pool's creation (start of the volatility clock).
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
        bin_step: int,
        fee_parameters: DlmmFeeParameters | None = None,
        max_position_width: int = GATEWAY_MAX_POSITION_WIDTH,
        timestamp: int = 0,
    ) -> DlmmPool:
        """Create an empty pool whose active bin holds ``price`` (human, quote per base)."""
        raise NotImplementedError

    # -- identity and prices -------------------------------------------------------------

    @property
    def address(self) -> str:
        """Pool address."""
        raise NotImplementedError

    @property
    def base_mint(self) -> str:
        """Mint of the base token (X)."""
        raise NotImplementedError

    @property
    def quote_mint(self) -> str:
        """Mint of the quote token (Y)."""
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
    def bin_step(self) -> int:
        """Bin step in basis points."""
        raise NotImplementedError

    @property
    def fee_parameters(self) -> DlmmFeeParameters:
        """Static fee parameters."""
        raise NotImplementedError

    @property
    def max_position_width(self) -> int:
        """Most bins one position may span."""
        raise NotImplementedError

    @property
    def active_bin_id(self) -> int:
        """The active bin id."""
        raise NotImplementedError

    @property
    def timestamp(self) -> int:
        """Unix seconds of the last swap (or creation)."""
        raise NotImplementedError

    @property
    def price(self) -> Decimal:
        """Human price of the active bin (quote per base)."""
        raise NotImplementedError

    def bin_price(self, bin_id: int) -> Decimal:
        """Return the human price of ``bin_id``."""
        raise NotImplementedError

    def bin_id_for_price(self, price: Decimal, rounding: BinRounding = BinRounding.DOWN) -> int:
        """Return the bin id holding a human price in this pool."""
        raise NotImplementedError

    @property
    def base_fee_rate(self) -> int:
        """Base fee rate in 10^-9 units (``feePct`` = rate / 10^7)."""
        raise NotImplementedError

    @property
    def current_fee_rate(self) -> int:
        """Base + variable fee rate in 10^-9 units as of the last swap (``dynamicFeePct``)."""
        raise NotImplementedError

    # -- balances and bins ---------------------------------------------------------------

    def reserves(self) -> tuple[int, int]:
        """Return the raw (base, quote) liquidity held in bins (unclaimed fees excluded)."""
        raise NotImplementedError

    def vault_balances(self) -> tuple[int, int]:
        """Return the raw (base, quote) the pool's token vaults hold in total.

        That is bin reserves + fees owed to positions + protocol fees not yet collected.
        """
        raise NotImplementedError

    def protocol_fees(self) -> FeeAmounts:
        """Return protocol fees accrued and not yet collected."""
        raise NotImplementedError

    def collect_protocol_fees(self) -> FeeAmounts:
        """Return and reset the accrued protocol fees (they leave the vaults)."""
        raise NotImplementedError

    def bins(self, lower_bin_id: int, upper_bin_id: int) -> list[BinSnapshot]:
        """Return a snapshot of every bin in ``[lower_bin_id, upper_bin_id]`` (empty ones too)."""
        raise NotImplementedError

    def bins_around_active(self, count: int = 69) -> list[BinSnapshot]:
        """Return ``count`` bins on each side of the active bin plus the active bin."""
        raise NotImplementedError

    def liquidity_bin_range(self) -> tuple[int, int] | None:
        """Return the lowest and highest bin ids holding liquidity, or None if empty."""
        raise NotImplementedError

    @property
    def initialized_bin_arrays(self) -> frozenset[int]:
        """BinArray indexes already initialized (their rent is paid)."""
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

    def open_position(
        self,
        position_id: str,
        lower_bin_id: int,
        upper_bin_id: int,
    ) -> PositionOpened:
        """Open an empty position over ``[lower_bin_id, upper_bin_id]`` (both inclusive).

        Raises:
            InvalidPositionWidth: The range spans more than :attr:`max_position_width` bins.
            InvalidPoolRequest: The id is already used or the range is invalid.
        """
        raise NotImplementedError

    def add_liquidity(
        self,
        position_id: str,
        lower_bin_id: int,
        upper_bin_id: int,
        base_amount: int,
        quote_amount: int,
        strategy: Strategy = Strategy.SPOT,
    ) -> DepositResult:
        """Deposit raw amounts into a position, spread over its bins by ``strategy``.

        Opens the position first when ``position_id`` is new; otherwise the range must equal
        the position's. Base goes to bins at or above the active bin, quote to bins at or
        below it; the full amounts are placed.

        Raises:
            InvalidPoolRequest: A negative amount, both zero, a token for a side the range does
                not cover, or a range that differs from the existing position's.
            InvalidPositionWidth: A new range wider than allowed.
        """
        raise NotImplementedError

    def remove_liquidity(
        self,
        position_id: str,
        fraction: Decimal | int = 1,
    ) -> WithdrawResult:
        """Burn ``fraction`` (0 < fraction <= 1) of the position's shares in every bin.

        Each bin pays ``floor(burned * reserve / supply)`` of each token. Fees stay claimable.

        Raises:
            PositionNotFound: The position is not open.
            InvalidPoolRequest: The fraction is outside (0, 1].
        """
        raise NotImplementedError

    def claimable_fees(self, position_id: str) -> FeeAmounts:
        """Return the fees the position can claim now."""
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
        """Return what :meth:`swap` would do, without changing the pool.

        A quote that runs out of liquidity is returned with ``complete=False``.
        """
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
        """Swap against the pool.

        Args:
            token_in: Mint paid in (the base or quote mint).
            amount: Raw units of ``token_in`` to pay (exact in), or of the other token to
                receive (``exact_out=True``).
            exact_out: Treat ``amount`` as the output wanted.
            min_amount_out: Fail with :class:`SlippageExceeded` if the output would be lower.
            max_amount_in: Fail with :class:`SlippageExceeded` if the input would be higher.
            timestamp: Unix seconds of the swap (drives the volatility fee); defaults to the
                last timestamp.
            allow_partial: Fill what the liquidity allows instead of raising
                :class:`InsufficientLiquidity`.

        Returns:
            The fill, fees included in ``amount_in``.
        """
        raise NotImplementedError

    def move_to_bin(
        self,
        target_bin_id: int,
        volume: int = 0,
        *,
        timestamp: int | None = None,
    ) -> MoveResult:
        """Swap until ``target_bin_id`` is the active bin, then trade round trips inside it.

        Args:
            target_bin_id: Bin to end in.
            volume: Quote raw units of total volume to trade; what the directional move does not
                use is traded as round trips that stay in the target bin (fees, no move).
            timestamp: Unix seconds of the move.
        """
        raise NotImplementedError

    def move_to_price(
        self,
        target_price: Decimal,
        volume: int = 0,
        *,
        timestamp: int | None = None,
    ) -> MoveResult:
        """Move the active bin to the bin holding ``target_price`` (see :meth:`move_to_bin`)."""
        raise NotImplementedError

    # -- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the full pool state as plain JSON-safe data."""
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DlmmPool:
        """Rebuild a pool from :meth:`to_dict` output."""
        raise NotImplementedError
