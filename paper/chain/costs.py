"""Transaction fees and rent on the paper chain (Solana mainnet figures).

* Fee = 5,000 lamports per signature + priority fee, where the priority fee is the compute-unit
  price (micro-lamports per CU) times the compute-unit limit / 10^6, rounded up.
* Rent-exempt minimum of an account = (128 + data bytes) x 6,960 lamports, which reproduces the
  Meteora SDK constants below exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from lpexec.lp.math.dlmm import (
    BIN_ARRAY_RENT_LAMPORTS,
    BINS_PER_ARRAY,
    DEFAULT_BINS_PER_POSITION,
    EXTRA_BIN_RENT_LAMPORTS,
    LAMPORTS_PER_SOL,
    POSITION_MAX_LENGTH,
    POSITION_RENT_LAMPORTS,
    TOKEN_ACCOUNT_RENT_LAMPORTS,
    bin_array_index,
    bin_array_indexes,
    lamports_to_sol,
    rent_exempt_lamports,
)
from lpexec.lp.math.dlmm import position_rent_lamports as position_rent

__all__ = [
    "BASE_FEE_LAMPORTS_PER_SIGNATURE",
    "BINS_PER_BIN_ARRAY",
    "BIN_ARRAY_RENT_LAMPORTS",
    "CLMM_POSITION_RENT_LAMPORTS",
    "DEFAULT_COMPUTE_UNIT_PRICE",
    "DEFAULT_OPERATION_BUDGETS",
    "LAMPORTS_PER_SOL",
    "MAX_POSITION_BINS",
    "POSITION_BASE_BINS",
    "POSITION_RENT_LAMPORTS",
    "POSITION_RENT_PER_EXTRA_BIN_LAMPORTS",
    "TOKEN_ACCOUNT_RENT_LAMPORTS",
    "FeeSchedule",
    "OperationBudget",
    "bin_array_index",
    "bin_array_indexes",
    "lamports_to_sol",
    "position_rent",
    "priority_fee",
    "rent_exempt_lamports",
    "transaction_fee",
]

BASE_FEE_LAMPORTS_PER_SIGNATURE = 5_000
POSITION_BASE_BINS = DEFAULT_BINS_PER_POSITION
"""Bins covered by the base Meteora position account (PositionV2)."""
MAX_POSITION_BINS = POSITION_MAX_LENGTH
"""Widest dynamic Meteora position."""
POSITION_RENT_PER_EXTRA_BIN_LAMPORTS = EXTRA_BIN_RENT_LAMPORTS
"""Extra rent per bin beyond 70: 0.00077952 SOL (refunded on close)."""
BINS_PER_BIN_ARRAY = BINS_PER_ARRAY
CLMM_POSITION_RENT_LAMPORTS = 10_057_200
"""Rent locked by a CLMM position (NFT mint + token account + position): 0.0100572 SOL."""

DEFAULT_COMPUTE_UNIT_PRICE = 100_000
"""Micro-lamports per CU: Gateway's floor of 0.1 lamport per CU without a Helius key."""


def priority_fee(compute_unit_price: int, compute_unit_limit: int) -> int:
    """Return the priority fee in lamports: price (micro-lamports/CU) x limit / 10^6, rounded up."""
    if compute_unit_price < 0 or compute_unit_limit < 0:
        raise ValueError(
            "Expected compute_unit_price >= 0 and compute_unit_limit >= 0, received "
            f"compute_unit_price={compute_unit_price} compute_unit_limit={compute_unit_limit}"
        )
    return -(-compute_unit_price * compute_unit_limit // 1_000_000)


def transaction_fee(signatures: int, compute_unit_price: int, compute_unit_limit: int) -> int:
    """Return the fee in lamports of a transaction: 5,000 per signature + priority fee."""
    if signatures < 1:
        raise ValueError(f"Expected signatures >= 1, received {signatures}")
    return BASE_FEE_LAMPORTS_PER_SIGNATURE * signatures + priority_fee(
        compute_unit_price, compute_unit_limit
    )


@dataclass(frozen=True, slots=True)
class OperationBudget:
    """Signatures and compute units one kind of transaction uses."""

    signatures: int
    """Signatures on the transaction (the fee payer, plus e.g. a new position keypair)."""
    compute_units: int
    """Compute units the transaction consumes."""

    @property
    def compute_unit_limit(self) -> int:
        """The CU limit Gateway sets: consumed x 1.1, rounded up."""
        return -(-self.compute_units * 11 // 10)


DEFAULT_OPERATION_BUDGETS: Mapping[str, OperationBudget] = MappingProxyType(
    {
        "open": OperationBudget(signatures=2, compute_units=150_000),
        "add": OperationBudget(signatures=1, compute_units=120_000),
        "remove": OperationBudget(signatures=1, compute_units=110_000),
        "collect": OperationBudget(signatures=1, compute_units=60_000),
        "close": OperationBudget(signatures=1, compute_units=140_000),
        "swap": OperationBudget(signatures=1, compute_units=90_000),
        "route": OperationBudget(signatures=1, compute_units=180_000),
        "wrap": OperationBudget(signatures=1, compute_units=20_000),
        "unwrap": OperationBudget(signatures=1, compute_units=10_000),
    }
)


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """How the paper chain prices transactions.

    Example:
        >>> FeeSchedule().fee("swap")  # 5,000 + ceil(100,000 x 99,000 / 10^6)
        14900
    """

    compute_unit_price: int = DEFAULT_COMPUTE_UNIT_PRICE
    """Priority fee in micro-lamports per compute unit."""
    budgets: Mapping[str, OperationBudget] = field(
        default_factory=lambda: DEFAULT_OPERATION_BUDGETS
    )
    """Signatures and compute units per operation name."""

    def budget(self, operation: str) -> OperationBudget:
        """Return the budget of ``operation``.

        Raises:
            KeyError: naming the unknown operation and the known ones.
        """
        try:
            return self.budgets[operation]
        except KeyError:
            raise KeyError(
                f"Expected an operation in {sorted(self.budgets)}, received {operation!r}"
            ) from None

    def fee(self, operation: str) -> int:
        """Return the lamports a transaction of ``operation`` pays (base + priority fee)."""
        budget = self.budget(operation)
        return transaction_fee(
            budget.signatures, self.compute_unit_price, budget.compute_unit_limit
        )

    def priority_fee(self, operation: str) -> int:
        """Return the priority-fee part of :meth:`fee` in lamports."""
        budget = self.budget(operation)
        return priority_fee(self.compute_unit_price, budget.compute_unit_limit)
