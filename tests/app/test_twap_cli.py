"""``lpexec twap`` in process on the paper exchange (its state file and the store on disk)."""

from __future__ import annotations

import json
from decimal import Decimal

from fixtures.cli import invoke, paper_env


def test_a_twap_trades_its_slices_as_paper_time_moves_on_and_completes(tmp_path):
    state, env = str(tmp_path / "exchange.json"), paper_env(tmp_path)

    def twap(*args: str):
        return invoke("twap", "--paper-state", state, *args, env=env)

    started = twap(
        "start",
        "--pair",
        "SOL-USDT",
        "--side",
        "BUY",
        "--total-amount-quote",
        "600",
        "--total-duration",
        "240",
        "--order-interval",
        "60",
        "--json",
    )
    assert started.exit_code == 0, started.stderr
    info = json.loads(started.stdout)
    done = json.loads(twap("--advance", "600", "status", info["executor_id"], "--json").stdout)

    assert info["type"] == "twap" and info["details"]["slices_sent"] == 1
    assert (done["status"], done["close_type"]) == ("TERMINATED", "COMPLETED")
    details = done["details"]
    assert details["slices_sent"] == 5 and details["number_of_orders"] == 5
    assert abs(Decimal(done["volume_quote"]) - 600) < 1
    assert details["arrival_price"] is not None and details["slippage"] is not None


def test_a_maker_twap_without_a_buffer_is_a_one_line_error(tmp_path):
    result = invoke(
        "twap",
        "--paper-state",
        str(tmp_path / "x.json"),
        "start",
        "--pair",
        "SOL-USDT",
        "--side",
        "BUY",
        "--total-amount-quote",
        "600",
        "--total-duration",
        "240",
        "--order-interval",
        "60",
        "--mode",
        "MAKER",
        env=paper_env(tmp_path),
    )
    assert result.exit_code == 2
    assert "--limit-order-buffer: expected a ratio >= 0 in MAKER mode" in result.stderr
    assert "Traceback" not in result.stderr
