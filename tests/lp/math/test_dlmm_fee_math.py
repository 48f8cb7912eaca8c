"""DLMM fee formulas: base fee, variable fee, volatility references, fee on input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lpexec.lp.math.dlmm_fees import (
    FEE_PRECISION,
    MAX_FEE_RATE,
    base_fee_rate,
    fee_from_gross_amount,
    fee_from_net_amount,
    protocol_fee_part,
    total_fee_rate,
    variable_fee_rate,
    volatility_accumulator,
    volatility_references,
)


@pytest.mark.parametrize(
    ("bin_step", "expected_rate"),
    [(1, 100_000), (20, 2_000_000), (100, 10_000_000)],  # 0.01 %, 0.2 %, 1 %
)
def test_base_fee_examples(bin_step: int, expected_rate: int) -> None:
    assert base_fee_rate(10_000, bin_step) == expected_rate


def test_base_fee_power_factor_scales_by_ten() -> None:
    assert base_fee_rate(10_000, 1, 2) == 100 * base_fee_rate(10_000, 1)


def test_variable_fee_reference_pool() -> None:
    # lp-math.md: A = 2,000,000, v_a = 4,614, b = 1 -> 426 * 10^-9
    assert variable_fee_rate(2_000_000, 4_614, 1) == 426


def test_total_fee_is_capped_at_ten_percent() -> None:
    assert total_fee_rate(90_000_000, 20_000_000) == MAX_FEE_RATE


def test_volatility_references_inside_filter_period_stay() -> None:
    refs = volatility_references(
        elapsed_seconds=10,
        active_bin_id=5,
        index_reference=0,
        volatility_accumulator=40_000,
        volatility_reference=7,
        filter_period=30,
        decay_period=600,
        reduction_factor=5_000,
    )
    assert refs == (0, 7)


def test_volatility_references_decay_then_reset() -> None:
    common = {
        "active_bin_id": 5,
        "index_reference": 0,
        "volatility_accumulator": 40_000,
        "volatility_reference": 7,
        "filter_period": 30,
        "decay_period": 600,
        "reduction_factor": 5_000,
    }
    assert volatility_references(elapsed_seconds=60, **common) == (5, 20_000)
    assert volatility_references(elapsed_seconds=600, **common) == (5, 0)


def test_volatility_accumulator_grows_with_distance_and_caps() -> None:
    kwargs = {
        "volatility_reference": 5_000,
        "index_reference": 0,
        "max_volatility_accumulator": 35_000,
    }
    assert volatility_accumulator(bin_id=0, **kwargs) == 5_000
    assert volatility_accumulator(bin_id=-2, **kwargs) == 25_000
    assert volatility_accumulator(bin_id=9, **kwargs) == 35_000


@given(net=st.integers(0, 10**18), rate=st.integers(0, MAX_FEE_RATE))
@settings(max_examples=300, derandomize=True, deadline=None)
def test_fee_on_net_is_the_smallest_fee_covering_the_rate(net: int, rate: int) -> None:
    fee = fee_from_net_amount(net, rate)
    gross = net + fee
    # the fee is at least rate * gross and one unit less would not be
    assert fee * FEE_PRECISION >= gross * rate
    assert fee == 0 or (fee - 1) * FEE_PRECISION < (gross - 1) * rate


@given(gross=st.integers(0, 10**18), rate=st.integers(0, MAX_FEE_RATE))
@settings(max_examples=300, derandomize=True, deadline=None)
def test_fee_on_gross_rounds_up(gross: int, rate: int) -> None:
    fee = fee_from_gross_amount(gross, rate)
    assert fee * FEE_PRECISION >= gross * rate > (fee - 1) * FEE_PRECISION


def test_protocol_share_is_floored() -> None:
    assert protocol_fee_part(39, 500) == 1  # 1.95 -> 1, LPs keep 38
    assert protocol_fee_part(40, 500) == 2
