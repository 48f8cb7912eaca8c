"""``lpexec dca`` in process on the paper exchange (its state file and the store on disk)."""

from __future__ import annotations

import json

from fixtures.cli import invoke, paper_env


def test_a_dca_fills_its_levels_as_paper_time_moves_on_then_stops_flat(tmp_path):
    # Arrange: SOL-USDT starts near 150 on paper
    state, env = str(tmp_path / "exchange.json"), paper_env(tmp_path)

    def dca(*args: str):
        return invoke("dca", "--paper-state", state, *args, env=env)

    started = dca(
        "start",
        "--pair",
        "SOL-USDT",
        "--prices",
        "150.5, 149.5",
        "--amounts-quote",
        "150,300",
        "--take-profit",
        "0.5",
        "--json",
    )
    assert started.exit_code == 0, started.stderr
    info = json.loads(started.stdout)
    # Act: ten paper minutes, then stop it
    later = json.loads(dca("--advance", "600", "status", info["executor_id"], "--json").stdout)
    stopped = json.loads(dca("stop", info["executor_id"], "--json").stdout)
    # Assert: both MAKER levels placed at once, the first (above the ask) filled at once; at
    # the stop what filled is sold again
    assert info["type"] == "dca" and info["details"]["state"] == "RUNNING"
    assert [level["state"] for level in info["details"]["levels"]][0] == "FILLED"
    assert later["details"]["filled_amount_base"] != "0"
    assert stopped["status"] == "TERMINATED" and stopped["close_type"] == "EARLY_STOP"
    assert stopped["details"]["amount_to_close"] == "0"
    assert stopped["volume_quote"] != "0"


def test_a_dca_with_fewer_prices_than_amounts_is_a_one_line_error(tmp_path):
    result = invoke(
        "dca",
        "--paper-state",
        str(tmp_path / "x.json"),
        "start",
        "--pair",
        "SOL-USDT",
        "--prices",
        "150",
        "--amounts-quote",
        "100,200",
        env=paper_env(tmp_path),
    )
    assert result.exit_code == 2
    assert "--prices: expected one price per amount in --amounts-quote (2), received 1" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
