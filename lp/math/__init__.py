"""Pure pool math: DLMM bins, strategies and fees, CLMM ticks and liquidity, impermanent loss.

No I/O, no clocks. Exact functions take and return ``Decimal`` (human amounts) or ``int`` (raw
units, bin ids, ticks, Q64.64 values); ``*_fast`` functions are float versions of the same
formulas for backtests, tested against the exact ones.
"""

from __future__ import annotations

from lp.math.dlmm import (
    BIN_ARRAY_RENT_LAMPORTS,
    BINS_PER_ARRAY,
    EXTRA_BIN_RENT_LAMPORTS,
    GATEWAY_MAX_POSITION_WIDTH,
    POSITION_RENT_LAMPORTS,
    TOKEN_ACCOUNT_RENT_LAMPORTS,
    BinRounding,
    bin_array_index,
    bin_array_indexes,
    bin_id_from_price,
    bin_id_from_price_fast,
    bin_price,
    bin_price_fast,
    bin_price_q64,
    lamports_to_sol,
    position_rent_lamports,
    position_width,
    rent_exempt_lamports,
    validate_position_width,
)
from lp.math.dlmm_distribution import (
    BinAllocation,
    Strategy,
    distribute_liquidity,
    split_proportionally,
    strategy_weights,
)

__all__ = [
    "BINS_PER_ARRAY",
    "BIN_ARRAY_RENT_LAMPORTS",
    "EXTRA_BIN_RENT_LAMPORTS",
    "GATEWAY_MAX_POSITION_WIDTH",
    "POSITION_RENT_LAMPORTS",
    "TOKEN_ACCOUNT_RENT_LAMPORTS",
    "BinAllocation",
    "BinRounding",
    "Strategy",
    "bin_array_index",
    "bin_array_indexes",
    "bin_id_from_price",
    "bin_id_from_price_fast",
    "bin_price",
    "bin_price_fast",
    "bin_price_q64",
    "distribute_liquidity",
    "lamports_to_sol",
    "position_rent_lamports",
    "position_width",
    "rent_exempt_lamports",
    "split_proportionally",
    "strategy_weights",
    "validate_position_width",
]
