"""Wire encoding: Decimals leave as exact JSON numbers, never through float."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway_client._encoding import decimal_text, encode_json, encode_query
from gateway_client._types import StrategyType

decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**30), max_value=10**30)


@settings(max_examples=300, derandomize=True)
@given(decimals)
def test_decimal_text_is_exact_and_positional(value: Decimal) -> None:
    text = decimal_text(value)
    assert Decimal(text) == value
    assert "e" not in text.lower()
    assert isinstance(json.loads(text), int | float)  # a valid JSON number


@pytest.mark.parametrize(
    ("value", "text"),
    [("1E+2", "100"), ("1.500", "1.5"), ("-0.0", "0"), ("0.000025", "0.000025"), ("2", "2")],
)
def test_decimal_text_examples(value: str, text: str) -> None:
    assert decimal_text(Decimal(value)) == text


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_decimals_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        decimal_text(Decimal(value))


def test_encode_json_writes_digits_beyond_float_precision() -> None:
    body = {"amount": Decimal("0.123456789012345678901"), "n": 1, "ok": True, "tokens": ["SOL"]}
    encoded = encode_json(body)
    assert encoded == (b'{"amount":0.123456789012345678901,"n":1,"ok":true,"tokens":["SOL"]}')


def test_encode_query_follows_gateways_coercion() -> None:
    params = {"amount": Decimal("0.10"), "flag": False, "strategyType": StrategyType.BID_ASK}
    assert encode_query(params) == {"amount": "0.1", "flag": "false", "strategyType": "2"}
