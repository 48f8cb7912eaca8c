"""CLMM math: ticks and prices, Q64.64 sqrt prices, liquidity <-> amounts."""

from __future__ import annotations

from decimal import Context, Decimal, localcontext

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lpexec.lp.math.clmm import (
    MAX_TICK,
    MIN_TICK,
    TickRounding,
    align_tick,
    amounts_for_liquidity,
    amounts_from_liquidity,
    amounts_from_liquidity_fast,
    deposit_quote_fraction,
    is_in_range,
    liquidity_for_amounts,
    liquidity_from_amounts,
    liquidity_from_amounts_fast,
    next_sqrt_price_from_input,
    price_from_sqrt_price_x64,
    price_to_tick,
    price_to_tick_fast,
    sqrt_price_x64_at_tick,
    sqrt_price_x64_from_price,
    tick_at_sqrt_price_x64,
    tick_to_price,
    tick_to_price_fast,
)

Q64 = 1 << 64


class TestTicks:
    def test_tick_prices(self) -> None:
        assert tick_to_price(0) == 1
        assert tick_to_price(1) == Decimal("1.0001")
        assert tick_to_price(0, 9, 6) == 1_000

    @given(tick=st.integers(-300_000, 300_000))
    @settings(max_examples=200, derandomize=True, deadline=None)
    def test_price_to_tick_round_trip(self, tick: int) -> None:
        price = tick_to_price(tick, 9, 6)
        for rounding in TickRounding:
            assert price_to_tick(price, 9, 6, rounding) == tick

    def test_price_between_ticks(self) -> None:
        middle = (tick_to_price(100) * tick_to_price(101)).sqrt()
        assert price_to_tick(middle) == 100
        assert price_to_tick(middle, rounding=TickRounding.UP) == 101

    @given(tick=st.integers(-300_000, 300_000))
    @settings(max_examples=200, derandomize=True, deadline=None)
    def test_fast_versions_match(self, tick: int) -> None:
        exact = tick_to_price(tick, 9, 6)
        assert abs(Decimal(tick_to_price_fast(tick, 9, 6)) / exact - 1) < Decimal("1e-9")
        middle = (tick_to_price(tick, 9, 6) * tick_to_price(tick + 1, 9, 6)).sqrt()
        assert price_to_tick_fast(float(middle), 9, 6) == tick

    @pytest.mark.parametrize(
        ("tick", "rounding", "expected"),
        [
            (-1, TickRounding.DOWN, -64),
            (-1, TickRounding.UP, 0),
            (-1, TickRounding.NEAREST, 0),
            (-40, TickRounding.NEAREST, -64),
            (130, TickRounding.DOWN, 128),
            (128, TickRounding.UP, 128),
        ],
    )
    def test_align_tick(self, tick: int, rounding: TickRounding, expected: int) -> None:
        assert align_tick(tick, 64, rounding) == expected

    def test_in_range_is_lower_inclusive_upper_exclusive(self) -> None:
        assert is_in_range(-64, -64, 64)
        assert is_in_range(63, -64, 64)
        assert not is_in_range(64, -64, 64)
        assert not is_in_range(-65, -64, 64)


class TestSqrtPrice:
    @given(tick=st.integers(MIN_TICK, MAX_TICK - 1))
    @settings(max_examples=200, derandomize=True, deadline=None)
    def test_tick_at_sqrt_price_inverts(self, tick: int) -> None:
        here = sqrt_price_x64_at_tick(tick)
        above = sqrt_price_x64_at_tick(tick + 1)
        assert here < above
        assert tick_at_sqrt_price_x64(here) == tick
        assert tick_at_sqrt_price_x64(above - 1) == tick

    def test_tick_zero_is_one(self) -> None:
        assert sqrt_price_x64_at_tick(0) == Q64

    def test_price_and_sqrt_price_round_trip(self) -> None:
        sqrt_price = sqrt_price_x64_from_price(Decimal(150), 9, 6)
        assert abs(price_from_sqrt_price_x64(sqrt_price, 9, 6) - 150) < Decimal("1e-15")

    def test_input_moves_price_the_right_way(self) -> None:
        liquidity = 10**12
        assert next_sqrt_price_from_input(Q64, liquidity, 10**6, zero_for_one=True) < Q64
        assert next_sqrt_price_from_input(Q64, liquidity, 10**6, zero_for_one=False) > Q64


prices = st.decimals(min_value=Decimal("0.5"), max_value=Decimal(500), places=3)


class TestLiquidityHuman:
    @given(price=prices, low=prices, high=prices, base=prices, quote=prices)
    @settings(max_examples=200, derandomize=True, deadline=None)
    def test_liquidity_amounts_round_trip(
        self,
        price: Decimal,
        low: Decimal,
        high: Decimal,
        base: Decimal,
        quote: Decimal,
    ) -> None:
        assume(low < high)
        liquidity = liquidity_from_amounts(price, low, high, base, quote)
        back_base, back_quote = amounts_from_liquidity(price, low, high, liquidity)
        with localcontext(Context(prec=80)):
            tolerance = Decimal("1e-40")
            # never more than given; the binding token comes back exactly
            assert back_base <= base + tolerance and back_quote <= quote + tolerance
            assert abs(back_base - base) < tolerance or abs(back_quote - quote) < tolerance
        fast = liquidity_from_amounts_fast(
            float(price), float(low), float(high), float(base), float(quote)
        )
        assert abs(Decimal(fast) - liquidity) <= liquidity * Decimal("1e-9")
        fast_base, fast_quote = amounts_from_liquidity_fast(
            float(price), float(low), float(high), float(liquidity)
        )
        assert abs(Decimal(fast_base) - back_base) <= back_base * Decimal("1e-9") + Decimal("1e-12")
        assert abs(Decimal(fast_quote) - back_quote) <= back_quote * Decimal("1e-9") + Decimal(
            "1e-12"
        )

    def test_out_of_range_is_one_sided(self) -> None:
        assert amounts_from_liquidity(Decimal(50), Decimal(100), Decimal(200), Decimal(10))[1] == 0
        assert amounts_from_liquidity(Decimal(300), Decimal(100), Decimal(200), Decimal(10))[0] == 0

    def test_deposit_quote_fraction_matches_amounts(self) -> None:
        price, low, high = Decimal(150), Decimal(120), Decimal(200)
        base, quote = amounts_from_liquidity(price, low, high, Decimal(1000))
        with localcontext(Context(prec=80)):
            expected = quote / (base * price + quote)
            assert abs(deposit_quote_fraction(price, low, high) - expected) < Decimal("1e-40")
        assert deposit_quote_fraction(Decimal(100), low, high) == 0
        assert deposit_quote_fraction(Decimal(250), low, high) == 1

    def test_bad_range_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="lower_price=200 upper_price=100"):
            liquidity_from_amounts(Decimal(150), Decimal(200), Decimal(100), Decimal(1), Decimal(1))


class TestLiquidityRaw:
    @given(
        tick=st.integers(-50_000, 50_000),
        lower_offset=st.integers(-5_000, 5_000),
        width=st.integers(1, 10_000),
        amount0=st.integers(0, 10**15),
        amount1=st.integers(0, 10**15),
    )
    @settings(max_examples=300, derandomize=True, deadline=None)
    def test_raw_round_trip_never_exceeds_deposit(
        self,
        tick: int,
        lower_offset: int,
        width: int,
        amount0: int,
        amount1: int,
    ) -> None:
        sqrt_price = sqrt_price_x64_at_tick(tick) + 12_345
        sqrt_lower = sqrt_price_x64_at_tick(tick + lower_offset)
        sqrt_upper = sqrt_price_x64_at_tick(tick + lower_offset + width)
        liquidity = liquidity_for_amounts(sqrt_price, sqrt_lower, sqrt_upper, amount0, amount1)
        paid_out = amounts_for_liquidity(sqrt_price, sqrt_lower, sqrt_upper, liquidity)
        owed_in = amounts_for_liquidity(
            sqrt_price, sqrt_lower, sqrt_upper, liquidity, round_up=True
        )
        assert paid_out[0] <= owed_in[0] <= paid_out[0] + 1
        assert paid_out[1] <= owed_in[1] <= paid_out[1] + 1
        # what is paid out never exceeds what was deposited
        assert paid_out[0] <= amount0 and paid_out[1] <= amount1
        # one more unit of liquidity would need more than the deposit on the binding side
        more = amounts_for_liquidity(
            sqrt_price, sqrt_lower, sqrt_upper, liquidity + 1, round_up=True
        )
        assert (
            more[0] > amount0
            or more[1] > amount1
            or liquidity == 0
            or (more[0] == 0 and more[1] == 0)
        )
