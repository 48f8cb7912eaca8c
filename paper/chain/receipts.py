"""What a chain operation returns: the signature, the fee and the operation's amounts.

A receipt is returned whatever the transaction's fate. Amounts describe what happened on chain:
they are zero (and ``fill``/``deposit`` None) when the transaction was dropped or failed.
``wallet_changes`` holds the payer's balance deltas by asset (``"lamports"`` or a mint), fees
and rent included, the way a client diffing balances would see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lpexec.paper.chain.transactions import TxFate
from lpexec.paper.pools import DepositResult, SwapResult

__all__ = [
    "CloseReceipt",
    "CollectReceipt",
    "LiquidityReceipt",
    "OpenReceipt",
    "Receipt",
    "SwapReceipt",
    "WrapReceipt",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Receipt:
    """Common part of every receipt."""

    signature: str
    operation: str
    payer: str
    fate: TxFate
    fee: int
    """Lamports charged as network fee (0 when dropped)."""
    priority_fee: int
    """The priority-fee part of ``fee`` (what Gateway 2.13 counts twice for Meteora)."""
    compute_units: int
    """Compute units consumed."""
    wallet_changes: Mapping[str, int] = field(default_factory=dict)

    @property
    def landed(self) -> bool:
        """True unless the transaction was dropped."""
        return self.fate is not TxFate.DROP

    @property
    def succeeded(self) -> bool:
        """True when the transaction landed and did what it was asked."""
        return self.fate is TxFate.LAND


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapReceipt(Receipt):
    """A swap on one pool, or a routed swap over one or more pools."""

    token_in: str
    token_out: str
    amount_in: int
    """Raw ``token_in`` paid, pool fees included (0 unless it succeeded)."""
    amount_out: int
    """Raw ``token_out`` received."""
    pool_fee: int
    """Raw ``token_in`` paid as pool fees (LP + protocol)."""
    fills: tuple[SwapResult, ...] = ()
    """One fill per pool hop."""
    token_account_rent: int = 0
    """Lamports locked to create the output token account, if it did not exist."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenReceipt(Receipt):
    """A position opened (and funded)."""

    position_address: str
    pool_address: str
    lower: int
    """Lower bin id (DLMM) or tick (CLMM)."""
    upper: int
    """Upper bin id (DLMM, inclusive) or tick (CLMM, exclusive)."""
    position_rent: int
    """Refundable lamports locked in the position account."""
    bin_array_rent: int
    """Lamports paid, never refunded, for BinArrays this position initialized."""
    bin_arrays_initialized: tuple[int, ...] = ()
    base_amount: int = 0
    quote_amount: int = 0
    deposit: DepositResult | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LiquidityReceipt(Receipt):
    """Liquidity added to or removed from a position."""

    position_address: str
    base_amount: int
    quote_amount: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectReceipt(Receipt):
    """Fees claimed from a position."""

    position_address: str
    base_fee: int
    quote_fee: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseReceipt(Receipt):
    """A position closed: liquidity withdrawn, fees claimed, rent refunded."""

    position_address: str
    base_amount: int
    quote_amount: int
    base_fee: int
    quote_fee: int
    rent_refunded: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WrapReceipt(Receipt):
    """SOL wrapped into, or unwrapped out of, the wallet's wrapped-SOL token account."""

    amount: int
    """Lamports wrapped or unwrapped."""
    wrapped_address: str
    """The wrapped-SOL token account."""
    token_account_rent: int = 0
    """Lamports locked (wrap, new account) or refunded (unwrap) as token-account rent."""
