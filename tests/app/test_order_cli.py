"""``lpexec order`` in process on the paper exchange (its state file and the store on disk)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from fixtures.cli import CliResult, invoke, paper_env


@pytest.fixture
def order_cli(tmp_path) -> Callable[..., CliResult]:
    """``order_cli(*args)`` runs ``lpexec order --paper-state STATE ARGS`` in process; the runs
    of one test share the store and the paper exchange, as a user's successive commands do."""
    state, env = str(tmp_path / "exchange.json"), paper_env(tmp_path)

    def run(*args: str) -> CliResult:
        return invoke("order", "--paper-state", state, *args, env=env)

    return run


def test_place_a_market_order_then_read_it(order_cli):
    # Act
    placed = order_cli(
        "place",
        "--pair",
        "SOL-USDT",
        "--side",
        "BUY",
        "--amount",
        "2",
        "--type",
        "MARKET",
        "--json",
    )
    # Assert: filled at once at the ask; held (an order executor never flattens)
    assert placed.exit_code == 0, placed.stderr
    info = json.loads(placed.stdout)
    assert (info["status"], info["close_type"]) == ("TERMINATED", "POSITION_HOLD")
    assert info["details"]["filled_amount_base"] == "2"
    assert info["details"]["connector_name"] == "paper"
    shown = json.loads(order_cli("status", info["executor_id"], "--json").stdout)
    assert shown["details"]["client_order_id"] == info["details"]["client_order_id"]


def test_a_resting_limit_fills_when_paper_time_moves_on_and_cancel_keeps_fills(order_cli):
    # Arrange: a buy just under the first mid (150) rests, a far one never fills
    near = json.loads(
        order_cli(
            "place",
            "--pair",
            "SOL-USDT",
            "--side",
            "BUY",
            "--amount",
            "1",
            "--price",
            "149.7",
            "--json",
        ).stdout
    )
    far = json.loads(
        order_cli(
            "place",
            "--pair",
            "SOL-USDT",
            "--side",
            "BUY",
            "--amount",
            "1",
            "--price",
            "100",
            "--json",
        ).stdout
    )
    assert near["details"]["state"] == far["details"]["state"] == "OPEN"
    # Act: an hour of paper time, then cancel the far one
    later = json.loads(order_cli("--advance", "60", "status", near["executor_id"], "--json").stdout)
    canceled = json.loads(order_cli("cancel", far["executor_id"], "--json").stdout)
    # Assert
    assert later["details"]["state"] == "FILLED"
    assert later["details"]["average_price"] == "149.7"
    assert (canceled["status"], canceled["close_type"]) == ("TERMINATED", "EARLY_STOP")


def test_bad_orders_are_one_line_errors_naming_the_field(order_cli):
    pair = ("--pair", "SOL-USDT")
    cases = [
        (("--side", "HOLD", "--amount", "1", "--price", "150"), "side"),
        (("--side", "BUY", "--amount", "1", "--type", "MARKET", "--price", "150"), "price"),
        (("--side", "BUY", "--amount", "-1", "--price", "150"), "amount"),
        (("--side", "BUY", "--amount", "1"), "price"),
    ]
    for args, field in cases:
        result = order_cli("place", *pair, *args)
        assert result.exit_code == 2, (args, result.stdout)
        assert field in result.stderr and "Traceback" not in result.stderr, args
    missing = order_cli("status", "no-such-order")
    assert missing.exit_code == 2 and "no-such-order" in missing.stderr


def test_a_directory_as_paper_state_is_a_clear_error(tmp_path):
    result = invoke("order", "--paper-state", str(tmp_path), "status", "x", env=paper_env(tmp_path))
    assert result.exit_code == 2
    assert "--paper-state" in result.stderr and "directory" in result.stderr


def test_a_limit_chaser_follows_the_touch_until_filled(order_cli):
    # Act
    placed = json.loads(
        order_cli(
            "place",
            "--pair",
            "SOL-USDT",
            "--side",
            "BUY",
            "--amount",
            "1",
            "--type",
            "LIMIT_CHASER",
            "--distance",
            "0.0005",
            "--refresh-threshold",
            "0.001",
            "--json",
        ).stdout
    )
    later = json.loads(
        order_cli("--advance", "240", "status", placed["executor_id"], "--json").stdout
    )
    # Assert: it rests behind the bid at once; paper time brings the fill or re-quotes
    assert placed["details"]["state"] == "OPEN"
    assert placed["details"]["order_price"] is not None
    assert later["details"]["state"] in ("FILLED", "OPEN")
    if later["details"]["state"] == "OPEN":
        assert later["details"]["requotes"] > 0


def test_the_risk_limits_gate_cli_creates_against_everything_open(tmp_path):
    # Arrange: one open executor allowed
    state = str(tmp_path / "exchange.json")
    env = {**paper_env(tmp_path), "LPEXEC_RISK_LIMITS": '{"max_open_executors": 1}'}

    def order(*args: str) -> CliResult:
        return invoke("order", "--paper-state", state, *args, env=env)

    resting = ("place", "--pair", "SOL-USDT", "--side", "BUY", "--amount", "1", "--price", "100")
    # Act
    first = order(*resting, "--json")
    second = order(*resting)
    bad = invoke(
        "order",
        "--paper-state",
        state,
        *resting,
        env={**env, "LPEXEC_RISK_LIMITS": '{"max_open_orders": 1}'},
    )
    # Assert: the second is refused with the limit and both numbers; an unknown limit is named
    assert first.exit_code == 0, first.stderr
    assert second.exit_code == 2
    assert "max_open_executors" in second.stderr and "Traceback" not in second.stderr
    assert bad.exit_code == 2 and "max_open_orders" in bad.stderr
    assert "LPEXEC_RISK_LIMITS" in bad.stderr
