"""Meteora DLMM bin math: bin prices, price -> bin id, widths, bin arrays and rent.

A bin ``i`` of a pool with bin step ``b`` (basis points) has the raw price
``(1 + b / 10_000) ** i`` (quote raw units per base raw unit). The human price (quote per base in
whole tokens) multiplies that by ``10 ** (base_decimals - quote_decimals)``.

Exact functions work on :class:`~decimal.Decimal` with a private high-precision context; the
``*_fast`` variants use ``float`` and are tested against the exact ones. The pool simulators use
:func:`bin_price_q64`, the price as a Q64.64 integer like the on-chain program.
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Context, Decimal, localcontext
from enum import Enum
from functools import lru_cache

__all__ = [
    "BASIS_POINT_MAX",
    "BINS_PER_ARRAY",
    "BIN_ARRAY_RENT_LAMPORTS",
    "BIN_ID_MAX",
    "BIN_ID_MIN",
    "DEFAULT_BINS_PER_POSITION",
    "EXTRA_BIN_RENT_LAMPORTS",
    "GATEWAY_MAX_POSITION_WIDTH",
    "LAMPORTS_PER_SOL",
    "MAX_BIN_STEP",
    "POSITION_MAX_LENGTH",
    "POSITION_RENT_LAMPORTS",
    "Q64",
    "TOKEN_ACCOUNT_RENT_LAMPORTS",
    "BinRounding",
    "bin_array_index",
    "bin_array_indexes",
    "bin_id_from_price",
    "bin_id_from_price_fast",
    "bin_price",
    "bin_price_fast",
    "bin_price_q64",
    "lamports_to_sol",
    "position_rent_lamports",
    "position_width",
    "rent_exempt_lamports",
    "validate_position_width",
]

BASIS_POINT_MAX = 10_000
MAX_BIN_STEP = 400
BIN_ID_MAX = 443_636
BIN_ID_MIN = -443_636
BINS_PER_ARRAY = 70
DEFAULT_BINS_PER_POSITION = 70
POSITION_MAX_LENGTH = 1_400
GATEWAY_MAX_POSITION_WIDTH = 69
"""Gateway 2.13 rejects wider positions with ``InvalidPositionWidthError`` (6040)."""
Q64 = 1 << 64
LAMPORTS_PER_SOL = 1_000_000_000

_RENT_LAMPORTS_PER_BYTE_YEAR_EXEMPT = 6_960
_ACCOUNT_OVERHEAD_BYTES = 128
_POSITION_BYTES = 8_120
_EXTRA_BIN_BYTES = 112
_BIN_ARRAY_BYTES = 10_136
_TOKEN_ACCOUNT_BYTES = 165


def rent_exempt_lamports(data_bytes: int) -> int:
    """Return the rent-exempt minimum balance of an account holding ``data_bytes`` bytes."""
    if data_bytes < 0:
        raise ValueError(f"Expected data_bytes >= 0, received data_bytes={data_bytes}")
    return (_ACCOUNT_OVERHEAD_BYTES + data_bytes) * _RENT_LAMPORTS_PER_BYTE_YEAR_EXEMPT


POSITION_RENT_LAMPORTS = rent_exempt_lamports(_POSITION_BYTES)
"""Rent of a PositionV2 account of up to 70 bins: 57,406,080 lamports (0.05740608 SOL)."""
EXTRA_BIN_RENT_LAMPORTS = _EXTRA_BIN_BYTES * _RENT_LAMPORTS_PER_BYTE_YEAR_EXEMPT
"""Rent per bin beyond 70 in a dynamic position: 779,520 lamports (0.00077952 SOL)."""
BIN_ARRAY_RENT_LAMPORTS = rent_exempt_lamports(_BIN_ARRAY_BYTES)
"""Rent of one BinArray account (70 bins): 71,437,440 lamports (0.07143744 SOL), never refunded."""
TOKEN_ACCOUNT_RENT_LAMPORTS = rent_exempt_lamports(_TOKEN_ACCOUNT_BYTES)
"""Rent of an SPL token account: 2,039,280 lamports (0.00203928 SOL)."""

_CONTEXT = Context(prec=60)


class BinRounding(Enum):
    """How :func:`bin_id_from_price` maps a price between two bins to a bin id."""

    DOWN = "down"
    """The highest bin whose price is <= the price."""
    UP = "up"
    """The lowest bin whose price is >= the price."""
    NEAREST = "nearest"
    """The bin whose price is closest in log space (ties go to the lower bin)."""


def _check_bin_step(bin_step: int) -> None:
    if not 1 <= bin_step <= MAX_BIN_STEP:
        raise ValueError(
            f"Expected 1 <= bin_step <= {MAX_BIN_STEP}, received bin_step={bin_step}",
        )


def _check_bin_id(bin_id: int) -> None:
    if not BIN_ID_MIN <= bin_id <= BIN_ID_MAX:
        raise ValueError(
            f"Expected {BIN_ID_MIN} <= bin_id <= {BIN_ID_MAX}, received bin_id={bin_id}",
        )


@lru_cache(maxsize=65_536)
def _raw_price(bin_id: int, bin_step: int) -> Decimal:
    base = _CONTEXT.divide(Decimal(BASIS_POINT_MAX + bin_step), Decimal(BASIS_POINT_MAX))
    return _CONTEXT.power(base, bin_id)


@lru_cache(maxsize=65_536)
def bin_price(
    bin_id: int,
    bin_step: int,
    base_decimals: int = 0,
    quote_decimals: int = 0,
) -> Decimal:
    """Return the human price (quote per base) of a bin (pure, so cached: pools read it on
    every price they publish).

    Args:
        bin_id: The bin id.
        bin_step: The pool's bin step in basis points (1..400).
        base_decimals: Decimals of the base token (X).
        quote_decimals: Decimals of the quote token (Y).

    Returns:
        ``(1 + bin_step/10_000) ** bin_id * 10 ** (base_decimals - quote_decimals)``, exact to
        about 50 significant digits.

    Example:
        >>> round(bin_price(-25_369, 1, 9, 6), 4)
        Decimal('79.1213')
    """
    _check_bin_step(bin_step)
    _check_bin_id(bin_id)
    raw = _raw_price(bin_id, bin_step)
    return _CONTEXT.multiply(raw, Decimal(1).scaleb(base_decimals - quote_decimals))


def bin_price_fast(
    bin_id: int,
    bin_step: int,
    base_decimals: int = 0,
    quote_decimals: int = 0,
) -> float:
    """Return :func:`bin_price` as a float (relative error below 1e-12 for realistic bins)."""
    return math.exp(bin_id * math.log1p(bin_step / BASIS_POINT_MAX)) * 10.0 ** (
        base_decimals - quote_decimals
    )


@lru_cache(maxsize=65_536)
def bin_price_q64(bin_id: int, bin_step: int) -> int:
    """Return the raw price of a bin as a Q64.64 integer, rounded down.

    This is what the pool simulators trade at: ``amount_out_y = amount_in_x * price_q64 >> 64``.
    """
    _check_bin_step(bin_step)
    _check_bin_id(bin_id)
    raw = _raw_price(bin_id, bin_step)
    # Multiply exactly: the product needs the raw digits plus about 20 more for 2**64.
    with localcontext(Context(prec=_CONTEXT.prec + max(raw.adjusted(), 0) + 25)) as context:
        context.rounding = ROUND_FLOOR
        value = (raw * Q64).to_integral_value()
    return max(int(value), 1)


@lru_cache(maxsize=65_536)
def bin_id_from_price(
    price: Decimal,
    bin_step: int,
    base_decimals: int = 0,
    quote_decimals: int = 0,
    rounding: BinRounding = BinRounding.DOWN,
) -> int:
    """Return the bin id for a human price (inverse of :func:`bin_price`).

    Args:
        price: Human price, quote per base; must be > 0.
        bin_step: The pool's bin step in basis points.
        base_decimals: Decimals of the base token.
        quote_decimals: Decimals of the quote token.
        rounding: Which neighbouring bin to return when the price lies between two bins.

    Returns:
        The bin id; ``bin_price(bin_id_from_price(bin_price(i))) == i`` for every bin.
    """
    _check_bin_step(bin_step)
    price = Decimal(price)
    if not price > 0:
        raise ValueError(f"Expected price > 0, received price={price}")
    raw = _CONTEXT.multiply(price, Decimal(1).scaleb(quote_decimals - base_decimals))
    low = _estimate_bin(raw, bin_step)
    # The estimate is within a bin or two of the truth; settle the boundary with exact prices.
    while low > BIN_ID_MIN and _raw_price(low, bin_step) > raw:
        low -= 1
    while low < BIN_ID_MAX and _raw_price(low + 1, bin_step) <= raw:
        low += 1
    low = min(max(low, BIN_ID_MIN), BIN_ID_MAX)
    if rounding is BinRounding.DOWN or _raw_price(low, bin_step) == raw or low == BIN_ID_MAX:
        return low
    if rounding is BinRounding.UP:
        return low + 1
    # Nearest in log space: compare raw / p(low) with p(low + 1) / raw.
    lower_ratio = _CONTEXT.divide(raw, _raw_price(low, bin_step))
    upper_ratio = _CONTEXT.divide(_raw_price(low + 1, bin_step), raw)
    return low if lower_ratio <= upper_ratio else low + 1


def _estimate_bin(raw: Decimal, bin_step: int) -> int:
    """A bin id near the one holding ``raw`` (float logs; Decimal logs outside float range)."""
    try:
        return math.floor(math.log(float(raw)) / math.log1p(bin_step / BASIS_POINT_MAX))
    except (OverflowError, ValueError):
        step = _CONTEXT.divide(Decimal(BASIS_POINT_MAX + bin_step), Decimal(BASIS_POINT_MAX))
        estimate = _CONTEXT.divide(_CONTEXT.ln(raw), _CONTEXT.ln(step))
        return int(estimate.to_integral_value(rounding=ROUND_FLOOR))


def bin_id_from_price_fast(
    price: float,
    bin_step: int,
    base_decimals: int = 0,
    quote_decimals: int = 0,
    rounding: BinRounding = BinRounding.DOWN,
) -> int:
    """Return :func:`bin_id_from_price` computed in float (may differ by one bin at a boundary)."""
    if not price > 0:
        raise ValueError(f"Expected price > 0, received price={price}")
    estimate = (math.log(price) + (quote_decimals - base_decimals) * math.log(10.0)) / math.log1p(
        bin_step / BASIS_POINT_MAX,
    )
    if rounding is BinRounding.DOWN:
        return math.floor(estimate + 1e-9)
    if rounding is BinRounding.UP:
        return math.ceil(estimate - 1e-9)
    return math.floor(estimate + 0.5)


def position_width(lower_bin_id: int, upper_bin_id: int) -> int:
    """Return the number of bins in ``[lower_bin_id, upper_bin_id]`` (both inclusive)."""
    if lower_bin_id > upper_bin_id:
        raise ValueError(
            "Expected lower_bin_id <= upper_bin_id, received "
            f"lower_bin_id={lower_bin_id} upper_bin_id={upper_bin_id}",
        )
    return upper_bin_id - lower_bin_id + 1


def validate_position_width(
    lower_bin_id: int,
    upper_bin_id: int,
    max_width: int = GATEWAY_MAX_POSITION_WIDTH,
) -> int:
    """Return the width of a range, raising ``ValueError`` when it exceeds ``max_width`` bins."""
    _check_bin_id(lower_bin_id)
    _check_bin_id(upper_bin_id)
    width = position_width(lower_bin_id, upper_bin_id)
    if width > max_width:
        raise ValueError(
            f"Expected a position width of at most {max_width} bins, received {width} bins "
            f"(lower_bin_id={lower_bin_id} upper_bin_id={upper_bin_id})",
        )
    return width


def position_rent_lamports(width_bins: int) -> int:
    """Return the refundable rent of a position account covering ``width_bins`` bins.

    Up to 70 bins the PositionV2 account costs 57,406,080 lamports; every extra bin of a
    dynamic position adds 779,520 lamports (up to 1,400 bins).
    """
    if not 1 <= width_bins <= POSITION_MAX_LENGTH:
        raise ValueError(
            f"Expected 1 <= width_bins <= {POSITION_MAX_LENGTH}, received width_bins={width_bins}",
        )
    extra = max(width_bins - DEFAULT_BINS_PER_POSITION, 0)
    return POSITION_RENT_LAMPORTS + extra * EXTRA_BIN_RENT_LAMPORTS


def bin_array_index(bin_id: int) -> int:
    """Return the index of the BinArray holding ``bin_id`` (floor division by 70)."""
    return bin_id // BINS_PER_ARRAY


def bin_array_indexes(lower_bin_id: int, upper_bin_id: int) -> range:
    """Return the BinArray indexes a range ``[lower_bin_id, upper_bin_id]`` touches."""
    position_width(lower_bin_id, upper_bin_id)
    return range(bin_array_index(lower_bin_id), bin_array_index(upper_bin_id) + 1)


def lamports_to_sol(lamports: int) -> Decimal:
    """Return a lamport amount in SOL, exactly."""
    return Decimal(lamports).scaleb(-9)
