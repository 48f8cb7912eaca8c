"""Paper pool simulators: Meteora DLMM and concentrated-liquidity (CLMM) pools in raw units.

Pools hold no wallets; the paper chain moves tokens using the amounts the pools return.
"""

from __future__ import annotations

from lp.math.dlmm import BinRounding
from lp.math.dlmm_distribution import Strategy
from paper.pools.clmm import ClmmPool
from paper.pools.dlmm import DlmmPool
from paper.pools.dlmm_parameters import DlmmFeeParameters
from paper.pools.errors import (
    InsufficientLiquidity,
    InvalidPoolRequest,
    InvalidPositionWidth,
    PoolError,
    PositionNotFound,
    SlippageExceeded,
)
from paper.pools.protocol import PaperPool
from paper.pools.results import (
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
from paper.pools.serialization import pool_from_dict
from paper.pools.spans import span_for_prices

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
    "InsufficientLiquidity",
    "InvalidPoolRequest",
    "InvalidPositionWidth",
    "MoveResult",
    "PaperPool",
    "PoolError",
    "PositionAmounts",
    "PositionNotFound",
    "PositionOpened",
    "SlippageExceeded",
    "Strategy",
    "SwapResult",
    "WithdrawResult",
    "pool_from_dict",
    "span_for_prices",
]
