"""``lpexec grid`` in process on the paper exchange (its state file and the store on disk)."""

from __future__ import annotations

import json

from fixtures.cli import invoke, paper_env


def test_a_grid_trades_as_paper_time_moves_on_then_stops(tmp_path):
    # Arrange
    state, env = str(tmp_path / "exchange.json"), paper_env(tmp_path)

    def grid(*args: str):
        return invoke("grid", "--paper-state", state, *args, env=env)

    started = grid(
        "start",
        "--pair",
        "SOL-USDT",
        "--start-price",
        "148",
        "--end-price",
        "152",
        "--limit-price",
        "140",
        "--total-amount-quote",
        "1000",
        "--take-profit",
        "0.001",
        "--json",
    )
    assert started.exit_code == 0, started.stderr
    info = json.loads(started.stdout)
    # Act: a day of paper markets, then stop it
    later = json.loads(grid("--advance", "1440", "status", info["executor_id"], "--json").stdout)
    stopped = json.loads(grid("stop", info["executor_id"], "--json").stdout)
    # Assert: levels from the market's rules, orders resting at once, trades as the price
    # wanders through the range, and a stop that ends it
    assert info["details"]["state"] == "RUNNING"
    assert info["details"]["levels"] > 1 and info["details"]["open_orders"] > 0
    assert later["details"]["filled_orders"] > 0
    assert stopped["status"] == "TERMINATED"
    if later["status"] == "TERMINATED":  # it ended on its own (a barrier): the stop changes nothing
        assert stopped == later
    else:
        assert stopped["close_type"] in ("EARLY_STOP", "POSITION_HOLD")


def test_a_grid_with_the_limit_inside_the_range_is_a_one_line_error(tmp_path):
    result = invoke(
        "grid",
        "--paper-state",
        str(tmp_path / "x.json"),
        "start",
        "--pair",
        "SOL-USDT",
        "--start-price",
        "148",
        "--end-price",
        "152",
        "--limit-price",
        "150",
        "--total-amount-quote",
        "1000",
        "--take-profit",
        "0.001",
        env=paper_env(tmp_path),
    )
    assert result.exit_code == 2
    assert "--limit-price:" in result.stderr and "Traceback" not in result.stderr
