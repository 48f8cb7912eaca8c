"""Paper pool simulators: Meteora DLMM and concentrated-liquidity (CLMM) pools in raw units.

Pools hold no wallets; the paper chain moves tokens using the amounts the pools return.
"""

from __future__ import annotations

from lpexec.lp.math.dlmm import BinRounding
from lpexec.lp.math.dlmm_distribution import Strategy
from lpexec.paper.pools.clmm import ClmmPool
from lpexec.paper.pools.dlmm import DlmmPool
from lpexec.paper.pools.dlmm_parameters import DlmmFeeParameters
from lpexec.paper.pools.errors import (
    InsufficientLiquidityError,
    InvalidPoolRequestError,
    InvalidPositionWidthError,
    PoolError,
    PositionNotFoundError,
    SlippageExceededError,
)
from lpexec.paper.pools.protocol import PaperPool
from lpexec.paper.pools.results import (
    BinDeposit,
    BinSnapshot,
    BinWithdrawal,
    ClosedPosition,
    DepositResult,
    FeeAmounts,
    MoveResult,
    PositionAmounts,
    PositionOpened,
    SwapResult,
    WithdrawResult,
)
from lpexec.paper.pools.serialization import pool_from_dict
from lpexec.paper.pools.spans import span_for_prices

__all__ = [
    "BinDeposit",
    "BinRounding",
    "BinSnapshot",
    "BinWithdrawal",
    "ClmmPool",
    "ClosedPosition",
    "DepositResult",
    "DlmmFeeParameters",
    "DlmmPool",
    "FeeAmounts",
    "InsufficientLiquidityError",
    "InvalidPoolRequestError",
    "InvalidPositionWidthError",
    "MoveResult",
    "PaperPool",
    "PoolError",
    "PositionAmounts",
    "PositionNotFoundError",
    "PositionOpened",
    "SlippageExceededError",
    "Strategy",
    "SwapResult",
    "WithdrawResult",
    "pool_from_dict",
    "span_for_prices",
]
