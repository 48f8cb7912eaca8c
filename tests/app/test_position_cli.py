"""``lpexec position`` in process on the paper exchange (its state file and the store on disk)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest

from fixtures.cli import CliResult, invoke, paper_env


@pytest.fixture
def position_cli(tmp_path) -> Callable[..., CliResult]:
    """``position_cli(*args)`` runs ``lpexec position --paper-state STATE ARGS`` in process."""
    state, env = str(tmp_path / "exchange.json"), paper_env(tmp_path)

    def run(*args: str) -> CliResult:
        return invoke("position", "--paper-state", state, *args, env=env)

    return run


def open_long(position_cli, *args: str) -> dict:
    result = position_cli(
        "open", "--pair", "SOL-USDT", "--side", "BUY", "--amount", "1", *args, "--json"
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_barrier_closes_the_position_as_paper_time_moves_on(position_cli):
    # Arrange: a market entry with a tight stop loss and take profit
    opened = open_long(position_cli, "--take-profit", "0.003", "--stop-loss", "0.003")
    assert (opened["status"], opened["details"]["state"]) == ("ACTIVE", "OPEN")
    # Act: two hours of paper markets
    later = json.loads(
        position_cli("--advance", "120", "status", opened["executor_id"], "--json").stdout
    )
    # Assert: one of the two barriers closed it, and the report says which
    assert later["status"] == "TERMINATED"
    assert later["close_type"] in ("TAKE_PROFIT", "STOP_LOSS")
    assert later["details"]["close_filled_amount_base"] == "1"
    gained = later["close_type"] == "TAKE_PROFIT"
    assert (later["details"]["realized_pnl_quote"][0] != "-") is gained


def test_close_flattens_by_default_and_keep_position_holds(position_cli):
    # Arrange
    flat = open_long(position_cli)
    held = open_long(position_cli)
    # Act
    closed = json.loads(position_cli("close", flat["executor_id"], "--json").stdout)
    kept = json.loads(
        position_cli("close", held["executor_id"], "--keep-position", "--json").stdout
    )
    # Assert
    assert (closed["status"], closed["close_type"]) == ("TERMINATED", "EARLY_STOP")
    assert closed["details"]["close_filled_amount_base"] == "1"
    assert (kept["status"], kept["close_type"]) == ("TERMINATED", "POSITION_HOLD")
    assert kept["details"]["close_filled_amount_base"] == "0"


def test_a_bad_barrier_is_a_one_line_error_naming_it(position_cli):
    result = position_cli(
        "open", "--pair", "SOL-USDT", "--side", "BUY", "--amount", "1", "--stop-loss", "-0.1"
    )
    assert result.exit_code == 2
    assert "--stop-loss:" in result.stderr and "Traceback" not in result.stderr


def test_executors_stop_reaches_a_position_on_the_paper_exchange(position_cli, tmp_path):
    opened = open_long(position_cli)
    stopped = invoke(
        "executors",
        "stop",
        opened["executor_id"],
        "--paper-state",
        str(tmp_path / "exchange.json"),
        "--json",
        env=paper_env(tmp_path),
    )
    assert stopped.exit_code == 0, stopped.stderr
    assert json.loads(stopped.stdout)["close_type"] == "EARLY_STOP"


def test_a_leveraged_short_on_the_paper_perpetual_receives_the_venue_s_funding(
    position_cli, tmp_path
):
    # Arrange: a 5x short with no barriers on the paper perpetual market
    opened = json.loads(
        position_cli(
            "--perpetual",
            "open",
            "--pair",
            "SOL-USDT",
            "--side",
            "SELL",
            "--amount",
            "10",
            "--leverage",
            "5",
            "--json",
        ).stdout
    )
    # Act: past a funding time (every 8 hours of paper time)
    later = json.loads(
        position_cli(
            "--perpetual", "--advance", "600", "status", opened["executor_id"], "--json"
        ).stdout
    )
    # Assert: on the perpetual venue at 5x; the short received the (positive-rate) funding
    assert (opened["details"]["connector_name"], opened["details"]["leverage"]) == (
        "paper_perpetual",
        5,
    )
    assert opened["details"]["is_perpetual"] is True
    assert later["status"] == "ACTIVE"
    venue = json.loads((tmp_path / "exchange.json").read_text())["perpetual"]["perpetual"]
    paid = [p for p in venue["funding_payments"] if p["trading_pair"] == "SOL-USDT"]
    assert paid and sum(Decimal(p["amount"]) for p in paid) > 0  # shorts receive a positive rate
    assert Decimal(later["details"]["funding_quote"]) == sum(Decimal(p["amount"]) for p in paid)


def test_perpetual_with_a_real_exchange_is_refused(position_cli):
    result = position_cli("--perpetual", "--exchange", "binance", "status", "x")
    assert result.exit_code == 2
    assert "--perpetual" in result.stderr and "binanceusdm" in result.stderr
