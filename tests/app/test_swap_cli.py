"""``lpexec swap`` as real processes on the paper Gateway (state on disk)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lpexec(tmp_path):
    env = {**os.environ, "LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env.pop("LPEXEC_GATEWAY_URL", None)
    state = str(tmp_path / "paper.json")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "swap", "--paper-state", state, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def test_quote_lists_every_provider_best_first_then_execute_goes_through_the_best(lpexec):
    # Act
    quoted = lpexec("quote", "--pair", "SOL-USDC", "--side", "SELL", "--amount", "2", "--json")
    executed = lpexec("execute", "--pair", "SOL-USDC", "--side", "SELL", "--amount", "2", "--json")
    # Assert: the quote table
    assert quoted.returncode == 0, quoted.stderr
    table = json.loads(quoted.stdout)
    rows = table["quotes"]
    assert {row["provider"] for row in rows} == {"jupiter/router", "meteora/clmm", "raydium/clmm"}
    received = [Decimal(row["quote_amount"]) for row in rows]
    assert received == sorted(received, reverse=True)
    assert [row["best"] for row in rows] == [True, False, False]
    assert table["best_provider"] == rows[0]["provider"]
    assert Decimal(table["limit"]) == received[0] * Decimal("0.99")
    # Assert: the executed swap
    assert executed.returncode == 0, executed.stderr
    info = json.loads(executed.stdout)
    details = info["details"]
    assert (info["type"], info["status"], info["close_type"]) == ("swap", "TERMINATED", "COMPLETED")
    assert details["provider"] == table["best_provider"]
    assert Decimal(details["base_amount"]) == 2
    assert Decimal(details["quote_amount"]) >= Decimal(details["limit"])
    assert len(details["quotes"]) == 3
    assert details["signature"]
    status = lpexec("status", info["executor_id"], "--json")
    assert json.loads(status.stdout)["details"]["signature"] == details["signature"]


def test_bad_input_is_a_one_line_error_and_a_failed_swap_exits_1(lpexec):
    bad_side = lpexec("quote", "--pair", "SOL-USDC", "--side", "HOLD", "--amount", "1")
    bad_provider = lpexec(
        "execute", "--pair", "SOL-USDC", "--side", "SELL", "--amount", "1", "--compare", "raydium"
    )
    no_route = lpexec(
        "execute",
        "--pair",
        "JUP-USDT",
        "--side",
        "SELL",
        "--amount",
        "10",
        "--provider",
        "meteora/clmm",
        "--compare",
        "",
        "--json",
    )
    unknown = lpexec("status", "nope")

    assert bad_side.returncode == 2 and "Traceback" not in bad_side.stderr
    assert "side: Input should be 'BUY' or 'SELL', received 'HOLD'" in bad_side.stderr
    assert bad_provider.returncode == 2
    assert "received swap_providers=['raydium']" in " ".join(bad_provider.stderr.split())
    assert no_route.returncode == 1, no_route.stderr
    failed = json.loads(no_route.stdout)
    assert failed["close_type"] == "FAILED"
    assert failed["details"]["failure_code"] == "no_route"
    assert unknown.returncode == 2
    assert "Expected a known executor id, received 'nope'" in unknown.stderr
