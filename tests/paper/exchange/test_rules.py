from __future__ import annotations

from decimal import Decimal

import pytest

from lpexec.paper.exchange import TradingRules, floor_to_step

from .conftest import make_rules


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        ("1.2379", "0.01", "1.23"),
        ("1.23", "0.01", "1.23"),
        ("0.009", "0.01", "0"),
        ("17", "5", "15"),
        ("2.5", "0.25", "2.5"),
    ],
)
def test_floor_to_step_never_rounds_up(value, step, expected):
    assert floor_to_step(Decimal(value), Decimal(step)) == Decimal(expected)


def test_floor_to_step_refuses_a_non_positive_step():
    with pytest.raises(ValueError, match="step: expected a positive increment"):
        floor_to_step(Decimal(1), Decimal(0))


def test_rules_floor_amount_and_price():
    rules = make_rules(price_tick=Decimal("0.05"), amount_step=Decimal("0.001"))
    assert rules.floor_price(Decimal("100.07")) == Decimal("100.05")
    assert rules.floor_amount(Decimal("1.23456")) == Decimal("1.234")


def test_check_names_field_value_and_minimum_for_amount():
    reason = make_rules().check(amount=Decimal("0.05"), price=Decimal(1000))
    assert reason is not None
    assert "amount 0.05" in reason and "minimum amount 0.1" in reason


def test_check_names_field_value_and_minimum_for_notional():
    reason = make_rules().check(amount=Decimal("0.2"), price=Decimal(10))
    assert reason is not None
    assert "notional 2.0" in reason and "minimum notional 5" in reason


def test_check_passes_at_the_minimums_inclusive():
    assert make_rules().check(amount=Decimal("0.1"), price=Decimal(50)) is None


def test_check_refuses_a_zero_amount():
    assert "not positive" in (
        make_rules(min_amount=Decimal(0)).check(amount=Decimal(0), price=Decimal(1)) or ""
    )


@pytest.mark.parametrize("field", ["price_tick", "amount_step"])
def test_rules_refuse_a_non_positive_increment(field):
    with pytest.raises(ValueError, match=field):
        make_rules(**{field: Decimal(0)})


def test_rules_refuse_a_float():
    with pytest.raises(ValueError, match="price_tick"):
        TradingRules(price_tick=0.01, amount_step=Decimal(1))  # type: ignore[arg-type]
