"""Concentrated-liquidity math (Uniswap v3 shape; Orca Whirlpools and Raydium CLMM use Q64.64).

Notation: token0 = base (x), token1 = quote (y); raw price ``p = y_raw / x_raw``; tick ``i`` has
``p(i) = 1.0001 ** i``; human price ``P = p * 10 ** (base_decimals - quote_decimals)``.

Two families of functions:

* Human ``Decimal`` helpers (:func:`tick_to_price`, :func:`liquidity_from_amounts`,
  :func:`amounts_from_liquidity`, ...) for planning and accounting, with ``*_fast`` float twins.
* Raw integer Q64.64 helpers (:func:`sqrt_price_x64_at_tick`, :func:`amount0_delta`,
  :func:`liquidity_for_amounts`, ...) that the pool simulator uses, with on-chain rounding:
  amounts owed to the pool round up, amounts paid out round down.
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Context, Decimal, localcontext
from enum import Enum
from functools import lru_cache

__all__ = [
    "MAX_SQRT_PRICE_X64",
    "MAX_TICK",
    "MIN_SQRT_PRICE_X64",
    "MIN_TICK",
    "TickRounding",
    "align_tick",
    "amount0_delta",
    "amount1_delta",
    "amounts_for_liquidity",
    "amounts_from_liquidity",
    "amounts_from_liquidity_fast",
    "deposit_quote_fraction",
    "is_in_range",
    "liquidity_for_amounts",
    "liquidity_from_amounts",
    "liquidity_from_amounts_fast",
    "next_sqrt_price_from_input",
    "next_sqrt_price_from_output",
    "price_from_sqrt_price_x64",
    "price_to_tick",
    "price_to_tick_fast",
    "sqrt_price_x64_at_tick",
    "sqrt_price_x64_from_price",
    "tick_at_sqrt_price_x64",
    "tick_to_price",
    "tick_to_price_fast",
]

MIN_TICK = -443_636
MAX_TICK = 443_636
_CONTEXT = Context(prec=60)
_TICK_BASE = Decimal("1.0001")
_LOG_TICK_BASE = math.log(1.0001)


class TickRounding(Enum):
    """How a price or tick between two grid points is mapped to one."""

    DOWN = "down"
    UP = "up"
    NEAREST = "nearest"


def _check_tick(tick: int) -> None:
    if not MIN_TICK <= tick <= MAX_TICK:
        raise ValueError(f"Expected {MIN_TICK} <= tick <= {MAX_TICK}, received tick={tick}")


@lru_cache(maxsize=65_536)
def _raw_price(tick: int) -> Decimal:
    return _CONTEXT.power(_TICK_BASE, tick)


def tick_to_price(tick: int, base_decimals: int = 0, quote_decimals: int = 0) -> Decimal:
    """Return the human price (quote per base) of a tick: ``1.0001**tick * 10**(d0 - d1)``."""
    _check_tick(tick)
    return _CONTEXT.multiply(_raw_price(tick), Decimal(1).scaleb(base_decimals - quote_decimals))


def tick_to_price_fast(tick: int, base_decimals: int = 0, quote_decimals: int = 0) -> float:
    """Return :func:`tick_to_price` as a float."""
    return math.exp(tick * _LOG_TICK_BASE) * 10.0 ** (base_decimals - quote_decimals)


def price_to_tick(
    price: Decimal,
    base_decimals: int = 0,
    quote_decimals: int = 0,
    rounding: TickRounding = TickRounding.DOWN,
) -> int:
    """Return the tick of a human price (DOWN: the greatest tick whose price is <= price)."""
    price = Decimal(price)
    if not price > 0:
        raise ValueError(f"Expected price > 0, received price={price}")
    raw = _CONTEXT.multiply(price, Decimal(1).scaleb(quote_decimals - base_decimals))
    estimate = _CONTEXT.divide(_CONTEXT.ln(raw), _CONTEXT.ln(_TICK_BASE))
    tick = int(estimate.to_integral_value(rounding=ROUND_FLOOR))
    tick = min(max(tick, MIN_TICK), MAX_TICK)
    while tick > MIN_TICK and _raw_price(tick) > raw:
        tick -= 1
    while tick < MAX_TICK and _raw_price(tick + 1) <= raw:
        tick += 1
    if rounding is TickRounding.DOWN or _raw_price(tick) == raw or tick == MAX_TICK:
        return tick
    if rounding is TickRounding.UP:
        return tick + 1
    lower_ratio = _CONTEXT.divide(raw, _raw_price(tick))
    upper_ratio = _CONTEXT.divide(_raw_price(tick + 1), raw)
    return tick if lower_ratio <= upper_ratio else tick + 1


def price_to_tick_fast(price: float, base_decimals: int = 0, quote_decimals: int = 0) -> int:
    """Return :func:`price_to_tick` (rounding down) computed in float."""
    if not price > 0:
        raise ValueError(f"Expected price > 0, received price={price}")
    raw_log = math.log(price) + (quote_decimals - base_decimals) * math.log(10.0)
    return math.floor(raw_log / _LOG_TICK_BASE + 1e-9)


def align_tick(tick: int, tick_spacing: int, rounding: TickRounding = TickRounding.DOWN) -> int:
    """Round a tick to a multiple of ``tick_spacing`` (floor, ceiling or nearest)."""
    if tick_spacing < 1:
        raise ValueError(f"Expected tick_spacing >= 1, received tick_spacing={tick_spacing}")
    low = (tick // tick_spacing) * tick_spacing
    if low == tick or rounding is TickRounding.DOWN:
        return low
    if rounding is TickRounding.UP:
        return low + tick_spacing
    return low if tick - low < low + tick_spacing - tick else low + tick_spacing


def is_in_range(tick: int, lower_tick: int, upper_tick: int) -> bool:
    """Return True iff a position ``[lower_tick, upper_tick)`` earns fees at ``tick``."""
    return lower_tick <= tick < upper_tick


# -- Q64.64 square-root prices ---------------------------------------------------------------


@lru_cache(maxsize=65_536)
def sqrt_price_x64_at_tick(tick: int) -> int:
    """Return ``floor(sqrt(1.0001 ** tick) * 2**64)``."""
    _check_tick(tick)
    with localcontext(_CONTEXT) as context:
        context.rounding = ROUND_FLOOR
        value = (_raw_price(tick).sqrt() * (1 << 64)).to_integral_value()
    return int(value)


MIN_SQRT_PRICE_X64 = sqrt_price_x64_at_tick(MIN_TICK)
MAX_SQRT_PRICE_X64 = sqrt_price_x64_at_tick(MAX_TICK)


def tick_at_sqrt_price_x64(sqrt_price_x64: int) -> int:
    """Return the greatest tick whose sqrt price is <= ``sqrt_price_x64``."""
    if not MIN_SQRT_PRICE_X64 <= sqrt_price_x64 <= MAX_SQRT_PRICE_X64:
        raise ValueError(
            f"Expected {MIN_SQRT_PRICE_X64} <= sqrt_price_x64 <= {MAX_SQRT_PRICE_X64}, "
            f"received sqrt_price_x64={sqrt_price_x64}",
        )
    estimate = 2.0 * (math.log(sqrt_price_x64) - 64 * math.log(2.0)) / _LOG_TICK_BASE
    tick = min(max(math.floor(estimate), MIN_TICK), MAX_TICK)
    while tick > MIN_TICK and sqrt_price_x64_at_tick(tick) > sqrt_price_x64:
        tick -= 1
    while tick < MAX_TICK and sqrt_price_x64_at_tick(tick + 1) <= sqrt_price_x64:
        tick += 1
    return tick


def sqrt_price_x64_from_price(
    price: Decimal,
    base_decimals: int = 0,
    quote_decimals: int = 0,
) -> int:
    """Return ``floor(sqrt(raw price) * 2**64)`` for a human price."""
    price = Decimal(price)
    if not price > 0:
        raise ValueError(f"Expected price > 0, received price={price}")
    with localcontext(_CONTEXT) as context:
        context.rounding = ROUND_FLOOR
        raw = price.scaleb(quote_decimals - base_decimals)
        value = (raw.sqrt() * (1 << 64)).to_integral_value()
    return int(value)


def price_from_sqrt_price_x64(
    sqrt_price_x64: int,
    base_decimals: int = 0,
    quote_decimals: int = 0,
) -> Decimal:
    """Return the human price for a Q64.64 square-root price."""
    with localcontext(_CONTEXT):
        root = Decimal(sqrt_price_x64) / Decimal(1 << 64)
        return (root * root).scaleb(base_decimals - quote_decimals)


def amount0_delta(sqrt_a: int, sqrt_b: int, liquidity: int, round_up: bool) -> int:
    """Return the token0 amount for ``liquidity`` between two Q64.64 sqrt prices."""
    if sqrt_a > sqrt_b:
        sqrt_a, sqrt_b = sqrt_b, sqrt_a
    numerator = (liquidity << 64) * (sqrt_b - sqrt_a)
    if round_up:
        first = -(-numerator // sqrt_b)
        return -(-first // sqrt_a)
    return numerator // sqrt_b // sqrt_a


def amount1_delta(sqrt_a: int, sqrt_b: int, liquidity: int, round_up: bool) -> int:
    """Return the token1 amount for ``liquidity`` between two Q64.64 sqrt prices."""
    if sqrt_a > sqrt_b:
        sqrt_a, sqrt_b = sqrt_b, sqrt_a
    product = liquidity * (sqrt_b - sqrt_a)
    return -((-product) >> 64) if round_up else product >> 64


def next_sqrt_price_from_input(
    sqrt_price: int, liquidity: int, amount: int, zero_for_one: bool
) -> int:
    """Return the sqrt price after adding ``amount`` of the input token (rounded for the pool)."""
    if liquidity <= 0:
        raise ValueError(f"Expected liquidity > 0, received liquidity={liquidity}")
    if zero_for_one:
        numerator = liquidity << 64
        return -(-(numerator * sqrt_price) // (numerator + amount * sqrt_price))
    return sqrt_price + (amount << 64) // liquidity


def next_sqrt_price_from_output(
    sqrt_price: int, liquidity: int, amount: int, zero_for_one: bool
) -> int:
    """Return the sqrt price after taking ``amount`` of the output token (rounded for the pool)."""
    if liquidity <= 0:
        raise ValueError(f"Expected liquidity > 0, received liquidity={liquidity}")
    if zero_for_one:
        return sqrt_price - (-(-(amount << 64) // liquidity))
    numerator = liquidity << 64
    denominator = numerator - amount * sqrt_price
    if denominator <= 0:
        raise ValueError(
            f"Expected an output below the liquidity's token0, received amount={amount}",
        )
    return -(-(numerator * sqrt_price) // denominator)


def liquidity_for_amounts(
    sqrt_price: int,
    sqrt_lower: int,
    sqrt_upper: int,
    amount0: int,
    amount1: int,
) -> int:
    """Return the most liquidity ``amount0``/``amount1`` can fund in ``[lower, upper]`` (floor)."""
    if sqrt_lower >= sqrt_upper:
        raise ValueError(
            "Expected sqrt_lower < sqrt_upper, received "
            f"sqrt_lower={sqrt_lower} sqrt_upper={sqrt_upper}",
        )

    def from0(a: int, b: int) -> int:
        return (amount0 * a * b >> 64) // (b - a)

    def from1(a: int, b: int) -> int:
        return (amount1 << 64) // (b - a)

    if sqrt_price <= sqrt_lower:
        return from0(sqrt_lower, sqrt_upper)
    if sqrt_price >= sqrt_upper:
        return from1(sqrt_lower, sqrt_upper)
    return min(from0(sqrt_price, sqrt_upper), from1(sqrt_lower, sqrt_price))


def amounts_for_liquidity(
    sqrt_price: int,
    sqrt_lower: int,
    sqrt_upper: int,
    liquidity: int,
    round_up: bool = False,
) -> tuple[int, int]:
    """Return the (token0, token1) amounts held by ``liquidity`` in ``[lower, upper]``."""
    if sqrt_price <= sqrt_lower:
        return amount0_delta(sqrt_lower, sqrt_upper, liquidity, round_up), 0
    if sqrt_price >= sqrt_upper:
        return 0, amount1_delta(sqrt_lower, sqrt_upper, liquidity, round_up)
    return (
        amount0_delta(sqrt_price, sqrt_upper, liquidity, round_up),
        amount1_delta(sqrt_lower, sqrt_price, liquidity, round_up),
    )


# -- human Decimal helpers -------------------------------------------------------------------


def _check_range(price: object, lower_price: object, upper_price: object) -> None:
    if not 0 < lower_price < upper_price:  # type: ignore[operator]
        raise ValueError(
            "Expected 0 < lower_price < upper_price, received "
            f"lower_price={lower_price} upper_price={upper_price}",
        )
    if not price > 0:  # type: ignore[operator]
        raise ValueError(f"Expected price > 0, received price={price}")


def liquidity_from_amounts(
    price: Decimal,
    lower_price: Decimal,
    upper_price: Decimal,
    base_amount: Decimal,
    quote_amount: Decimal,
) -> Decimal:
    """Return the liquidity L that amounts fund in a range (all human units, one price scale).

    Below the range only base counts, above only quote, in range the binding token decides.
    """
    _check_range(price, lower_price, upper_price)
    with localcontext(_CONTEXT):
        s, sa, sb = Decimal(price).sqrt(), Decimal(lower_price).sqrt(), Decimal(upper_price).sqrt()
        x, y = Decimal(base_amount), Decimal(quote_amount)
        if s <= sa:
            return x * sa * sb / (sb - sa)
        if s >= sb:
            return y / (sb - sa)
        return min(x * s * sb / (sb - s), y / (s - sa))


def amounts_from_liquidity(
    price: Decimal,
    lower_price: Decimal,
    upper_price: Decimal,
    liquidity: Decimal,
) -> tuple[Decimal, Decimal]:
    """Return the (base, quote) amounts liquidity L holds at ``price`` in a range."""
    _check_range(price, lower_price, upper_price)
    with localcontext(_CONTEXT):
        s, sa, sb = Decimal(price).sqrt(), Decimal(lower_price).sqrt(), Decimal(upper_price).sqrt()
        big_l = Decimal(liquidity)
        if s <= sa:
            return big_l * (sb - sa) / (sa * sb), Decimal(0)
        if s >= sb:
            return Decimal(0), big_l * (sb - sa)
        return big_l * (sb - s) / (s * sb), big_l * (s - sa)


def liquidity_from_amounts_fast(
    price: float,
    lower_price: float,
    upper_price: float,
    base_amount: float,
    quote_amount: float,
) -> float:
    """Return :func:`liquidity_from_amounts` computed in float."""
    _check_range(price, lower_price, upper_price)
    s, sa, sb = math.sqrt(price), math.sqrt(lower_price), math.sqrt(upper_price)
    if s <= sa:
        return base_amount * sa * sb / (sb - sa)
    if s >= sb:
        return quote_amount / (sb - sa)
    return min(base_amount * s * sb / (sb - s), quote_amount / (s - sa))


def amounts_from_liquidity_fast(
    price: float,
    lower_price: float,
    upper_price: float,
    liquidity: float,
) -> tuple[float, float]:
    """Return :func:`amounts_from_liquidity` computed in float."""
    _check_range(price, lower_price, upper_price)
    s, sa, sb = math.sqrt(price), math.sqrt(lower_price), math.sqrt(upper_price)
    if s <= sa:
        return liquidity * (sb - sa) / (sa * sb), 0.0
    if s >= sb:
        return 0.0, liquidity * (sb - sa)
    return liquidity * (sb - s) / (s * sb), liquidity * (s - sa)


def deposit_quote_fraction(price: Decimal, lower_price: Decimal, upper_price: Decimal) -> Decimal:
    """Return the fraction of a deposit's value that must be quote to use all capital.

    ``f_y = (s - sa) / ((s - sa) + s * (sb - s) / sb)``; 0 below the range, 1 above it.
    """
    _check_range(price, lower_price, upper_price)
    with localcontext(_CONTEXT):
        s, sa, sb = Decimal(price).sqrt(), Decimal(lower_price).sqrt(), Decimal(upper_price).sqrt()
        if s <= sa:
            return Decimal(0)
        if s >= sb:
            return Decimal(1)
        return (s - sa) / ((s - sa) + s * (sb - s) / sb)
