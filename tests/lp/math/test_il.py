"""Impermanent loss of range positions, DLMM ladders and the P&L breakdown."""

from __future__ import annotations

from decimal import Context, Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from lpexec.lp.math.il import (
    LadderBin,
    full_range_impermanent_loss,
    impermanent_loss_ratio,
    impermanent_loss_ratio_fast,
    ladder_impermanent_loss,
    pnl_breakdown,
    range_position_value,
)

P0 = Decimal(100)


def _ten_in_90_110(price: Decimal):
    """A position of liquidity 10 entered at P0 in the 90-110 range, valued at ``price``."""
    return range_position_value(
        liquidity=Decimal(10),
        entry_price=P0,
        price=price,
        lower_price=Decimal(90),
        upper_price=Decimal(110),
    )


def _closed_form(entry: Decimal, price: Decimal, lower: Decimal, upper: Decimal) -> Decimal:
    # lp-math.md 1.3: IL(k) = -(sqrt(k) - 1)^2 / (1 + k - sqrt(pa/p0) - k * sqrt(p0/pb))
    with localcontext(Context(prec=60)):
        k = price / entry
        return -((k.sqrt() - 1) ** 2) / (
            1 + k - (lower / entry).sqrt() - k * (entry / upper).sqrt()
        )


@given(
    k=st.decimals(min_value=Decimal("0.80"), max_value=Decimal("1.25"), places=4),
    half_width=st.decimals(min_value=Decimal("0.26"), max_value=Decimal("0.9"), places=3),
)
@settings(max_examples=200, derandomize=True, deadline=None)
def test_in_range_il_matches_the_closed_form(k: Decimal, half_width: Decimal) -> None:
    lower, upper = P0 * (1 - half_width), P0 / (1 - half_width)
    price = P0 * k
    ratio = impermanent_loss_ratio(P0, price, lower, upper)
    assert abs(ratio - _closed_form(P0, price, lower, upper)) < Decimal("1e-30")
    assert ratio <= 0
    fast = impermanent_loss_ratio_fast(float(P0), float(price), float(lower), float(upper))
    assert abs(Decimal(fast) - ratio) < Decimal("1e-9")


def test_no_loss_without_a_move() -> None:
    assert impermanent_loss_ratio(P0, P0, Decimal(90), Decimal(110)) == 0


def test_wide_range_tends_to_full_range() -> None:
    ratio = impermanent_loss_ratio(P0, Decimal(150), Decimal("1e-12"), Decimal("1e16"))
    assert abs(ratio - full_range_impermanent_loss(Decimal("1.5"))) < Decimal("1e-6")


def test_concentration_multiplies_il_about_20_times_for_ten_percent_ranges() -> None:
    price = P0 * Decimal("1.001")
    ranged = impermanent_loss_ratio(P0, price, Decimal(90), Decimal("110"))
    full = full_range_impermanent_loss(Decimal("1.001"))
    multiplier = ranged / full
    assert Decimal(19) < multiplier < Decimal(22)  # lp-math.md: about 20.4 near k = 1


def test_out_of_range_value_freezes_in_one_token() -> None:
    above = _ten_in_90_110(Decimal(200))
    higher = _ten_in_90_110(Decimal(300))
    assert above.base_amount == 0 and above.lp_value == higher.lp_value
    assert higher.impermanent_loss < above.impermanent_loss < 0
    assert above.price_move > 0


def test_ladder_loss_is_zero_inside_a_bin_and_negative_across_bins() -> None:
    bins = [
        LadderBin(price=Decimal(99), base_amount=Decimal(0), quote_amount=Decimal(50)),
        LadderBin(price=Decimal(101), base_amount=Decimal("0.5"), quote_amount=Decimal(0)),
        LadderBin(price=Decimal(102), base_amount=Decimal("0.5"), quote_amount=Decimal(0)),
    ]
    assert ladder_impermanent_loss(bins, Decimal("100.5")) == 0
    # up to 103: both ask bins sold at 101 and 102
    assert ladder_impermanent_loss(bins, Decimal(103)) == -(Decimal("0.5") * 2 + Decimal("0.5"))
    # down to 90: the bid bin bought base at 99
    assert ladder_impermanent_loss(bins, Decimal(90)) < 0


def test_pnl_total_adds_and_subtracts_the_parts() -> None:
    value = _ten_in_90_110(Decimal(105))
    pnl = pnl_breakdown(
        value=value,
        fees=Decimal(3),
        rewards=Decimal(1),
        transaction_fees=Decimal("0.5"),
        swap_costs=Decimal("0.25"),
        sunk_rent=Decimal("0.25"),
    )
    expected = value.lp_value - value.initial_value + 3 + 1 - Decimal(1)
    assert abs(pnl.total - expected) < Decimal("1e-40")
