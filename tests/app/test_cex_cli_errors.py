"""Bad options of the CEX executor commands: one line naming the option as typed (``--amount``,
not ``amount``), the value and what was expected, exit 2, and nothing written (no store, no
paper exchange state)."""

from __future__ import annotations

import pytest

from fixtures.cli import invoke, paper_env

PAIR = ("--pair", "BTC-USDT")
CASES = [
    (
        ("order", "place", *PAIR, "--side", "BUY", "--amount", "-1"),
        "--amount: expected above 0, received '-1'",
    ),
    (
        ("order", "place", *PAIR, "--side", "BUY", "--amount", "1", "--type", "CHASE"),
        "--type: expected",
    ),
    (
        ("position", "open", *PAIR, "--side", "BUY", "--amount", "1", "--entry-price", "-3"),
        "--entry-price: expected above 0, received '-3'",
    ),
    (
        ("position", "open", *PAIR, "--side", "BUY", "--amount", "1", "--take-profit", "x"),
        "--take-profit: expected a number, received 'x'",
    ),
    (
        ("position", "open", *PAIR, "--side", "BUY", "--amount", "1", "--trailing-delta", "0.1"),
        "--trailing-activation: expected a number (given with the others), received None",
    ),
    (
        ("grid", "start", *PAIR, "--start-price", "1", "--end-price", "5", "--limit-price")
        + ("0.5", "--total-amount-quote", "100", "--take-profit", "0.01", "--min-spread", "-1"),
        "--min-spread: expected at least 0, received '-1'",
    ),
    (
        ("dca", "start", *PAIR, "--prices", "1,2", "--amounts-quote", "5"),
        "--prices: expected one price per amount in --amounts-quote",
    ),
    (
        ("twap", "start", *PAIR, "--side", "BUY", "--total-amount-quote", "100")
        + ("--total-duration", "60", "--order-interval", "120"),
        "--order-interval: expected at most --total-duration (60 s), received 120",
    ),
]


@pytest.mark.parametrize(("args", "expected"), CASES, ids=[" ".join(c[0][:2]) for c in CASES])
def test_a_bad_option_is_named_as_typed_and_nothing_is_written(tmp_path, args, expected):
    state = tmp_path / "exchange.json"
    group, *rest = args
    result = invoke(group, "--paper-state", str(state), *rest, env=paper_env(tmp_path))
    assert result.exit_code == 2, (result.stdout, result.stderr)
    (line,) = result.stderr.strip().splitlines()
    assert line == f"error: {expected}" or line.startswith(f"error: {expected}")
    assert not state.exists()
    assert not [path for path in tmp_path.iterdir() if path.suffix == ".db"]
