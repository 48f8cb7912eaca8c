"""DLMM bin math: prices, price -> bin id, rent, bin arrays, widths."""

from __future__ import annotations

from decimal import Context, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lpexec.lp.math.dlmm import (
    BIN_ARRAY_RENT_LAMPORTS,
    EXTRA_BIN_RENT_LAMPORTS,
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


class TestRent:
    def test_position_rent_is_the_sdk_figure(self) -> None:
        assert lamports_to_sol(POSITION_RENT_LAMPORTS) == Decimal("0.05740608")

    def test_extra_bin_rent_is_the_sdk_figure(self) -> None:
        assert lamports_to_sol(EXTRA_BIN_RENT_LAMPORTS) == Decimal("0.00077952")

    def test_bin_array_rent_is_the_sdk_figure(self) -> None:
        assert lamports_to_sol(BIN_ARRAY_RENT_LAMPORTS) == Decimal("0.07143744")

    def test_token_account_rent(self) -> None:
        assert lamports_to_sol(TOKEN_ACCOUNT_RENT_LAMPORTS) == Decimal("0.00203928")

    @pytest.mark.parametrize(
        ("width", "expected_sol"),
        [
            (1, "0.05740608"),
            (69, "0.05740608"),
            (70, "0.05740608"),
            (71, "0.0581856"),  # 0.05740608 + 0.00077952
            (100, "0.08079168"),  # + 30 extra bins
            (1_400, "1.09416768"),  # the "about 1.094 SOL" wide position
        ],
    )
    def test_position_rent_by_width(self, width: int, expected_sol: str) -> None:
        assert lamports_to_sol(position_rent_lamports(width)) == Decimal(expected_sol)

    @pytest.mark.parametrize("width", [0, 1_401])
    def test_position_rent_rejects_impossible_widths(self, width: int) -> None:
        with pytest.raises(ValueError, match=f"width_bins={width}"):
            position_rent_lamports(width)

    def test_rent_exempt_formula(self) -> None:
        # (128 + bytes) * 6,960 lamports
        assert rent_exempt_lamports(0) == 128 * 6_960
        assert rent_exempt_lamports(165) == 2_039_280


class TestBinPrice:
    def test_reference_sol_usdc_bin(self) -> None:
        # lp-math.md: b = 1, active bin -25,369 -> 79.1213 USDC per SOL
        price = bin_price(-25_369, 1, base_decimals=9, quote_decimals=6)
        assert price.quantize(Decimal("0.0001")) == Decimal("79.1213")

    def test_bin_zero_is_the_decimal_shift(self) -> None:
        assert bin_price(0, 25, 9, 6) == Decimal(1000)
        assert bin_price(0, 25, 6, 9) == Decimal("0.001")

    @pytest.mark.parametrize("bin_step", [1, 4, 10, 25, 100, 400])
    def test_adjacent_bins_differ_by_one_step(self, bin_step: int) -> None:
        ratio = bin_price(101, bin_step) / bin_price(100, bin_step)
        expected = 1 + Decimal(bin_step) / 10_000
        assert abs(ratio - expected) < Decimal("1e-40")

    @given(bin_id=st.integers(-20_000, 20_000), bin_step=st.sampled_from([1, 2, 5, 10, 20, 80]))
    @settings(max_examples=150, derandomize=True, deadline=None)
    def test_round_trip_price_to_bin(self, bin_id: int, bin_step: int) -> None:
        price = bin_price(bin_id, bin_step, 9, 6)
        for rounding in BinRounding:
            assert bin_id_from_price(price, bin_step, 9, 6, rounding) == bin_id

    def test_price_between_bins_rounds_as_asked(self) -> None:
        low, high = bin_price(500, 10), bin_price(501, 10)
        near_low = low + (high - low) / 4
        near_high = low + (high - low) * 3 / 4
        assert bin_id_from_price(near_low, 10, rounding=BinRounding.DOWN) == 500
        assert bin_id_from_price(near_low, 10, rounding=BinRounding.UP) == 501
        assert bin_id_from_price(near_low, 10, rounding=BinRounding.NEAREST) == 500
        assert bin_id_from_price(near_high, 10, rounding=BinRounding.NEAREST) == 501

    def test_non_positive_price_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="price=0"):
            bin_id_from_price(Decimal(0), 10)

    @pytest.mark.parametrize("bin_step", [0, 401])
    def test_bin_step_out_of_bounds(self, bin_step: int) -> None:
        with pytest.raises(ValueError, match=f"bin_step={bin_step}"):
            bin_price(0, bin_step)

    @given(bin_id=st.integers(-30_000, 30_000), bin_step=st.sampled_from([1, 4, 10, 100]))
    @settings(max_examples=150, derandomize=True, deadline=None)
    def test_fast_price_matches_exact(self, bin_id: int, bin_step: int) -> None:
        exact = bin_price(bin_id, bin_step, 9, 6)
        fast = bin_price_fast(bin_id, bin_step, 9, 6)
        assert abs(Decimal(fast) / exact - 1) < Decimal("1e-9")

    @given(bin_id=st.integers(-30_000, 30_000), bin_step=st.sampled_from([1, 4, 10, 100]))
    @settings(max_examples=150, derandomize=True, deadline=None)
    def test_fast_inverse_matches_exact_inside_a_bin(self, bin_id: int, bin_step: int) -> None:
        # The middle of a bin (in log space) is far from any boundary.
        middle = (bin_price(bin_id, bin_step, 9, 6) * bin_price(bin_id + 1, bin_step, 9, 6)).sqrt()
        assert bin_id_from_price_fast(float(middle), bin_step, 9, 6) == bin_id
        assert bin_id_from_price(middle, bin_step, 9, 6) == bin_id

    @given(bin_id=st.integers(-100_000, 100_000), bin_step=st.sampled_from([1, 10, 100]))
    @settings(max_examples=100, derandomize=True, deadline=None)
    def test_q64_price_is_the_floor_of_the_exact_price(self, bin_id: int, bin_step: int) -> None:
        q64 = bin_price_q64(bin_id, bin_step)
        with localcontext(Context(prec=100)):
            exact = bin_price(bin_id, bin_step) * (1 << 64)
            # floor, except that a price below 2**-64 is clamped to one unit
            assert q64 == max(int(exact), 1)


class TestBinArraysAndWidth:
    @pytest.mark.parametrize(
        ("bin_id", "index"),
        [(0, 0), (69, 0), (70, 1), (139, 1), (-1, -1), (-70, -1), (-71, -2), (-25_369, -363)],
    )
    def test_bin_array_index_floors(self, bin_id: int, index: int) -> None:
        assert bin_array_index(bin_id) == index

    def test_bin_array_indexes_of_a_range(self) -> None:
        assert list(bin_array_indexes(-1, 70)) == [-1, 0, 1]
        assert list(bin_array_indexes(0, 69)) == [0]

    def test_width_counts_both_ends(self) -> None:
        assert position_width(10, 10) == 1
        assert position_width(-34, 34) == 69

    def test_gateway_width_limit_is_69_bins(self) -> None:
        assert validate_position_width(0, 68) == 69
        with pytest.raises(ValueError, match="at most 69 bins, received 70 bins"):
            validate_position_width(0, 69)

    def test_reversed_range_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="lower_bin_id=5 upper_bin_id=4"):
            position_width(5, 4)
