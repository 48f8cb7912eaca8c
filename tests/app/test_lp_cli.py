"""``lpexec lp`` and ``lpexec pools`` as real processes on the paper Gateway (state on disk)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lpexec.paper.gateway.demo import demo_pool_address

ROOT = Path(__file__).resolve().parents[2]
POOL = demo_pool_address("meteora", "SOL", "USDC", 10)


@pytest.fixture
def lpexec(tmp_path):
    env = {**os.environ, "LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env.pop("LPEXEC_GATEWAY_URL", None)
    state = str(tmp_path / "paper.json")

    def run(group: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lpexec", group, "--paper-state", state, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def test_open_status_close_list_on_the_paper_gateway(lpexec):
    opened = lpexec(
        "lp",
        "open",
        "--pool",
        POOL,
        "--pair",
        "SOL-USDC",
        "--lower",
        "176",
        "--upper",
        "184",
        "--base",
        "1",
        "--quote",
        "180",
        "--json",
    )
    assert opened.returncode == 0, opened.stderr
    info = json.loads(opened.stdout)
    assert (info["status"], info["details"]["state"]) == ("ACTIVE", "IN_RANGE")
    executor_id = info["executor_id"]
    status = json.loads(lpexec("lp", "status", executor_id, "--json").stdout)
    assert status["details"]["position_address"] == info["details"]["position_address"]
    assert status["details"]["in_range"] is True
    # nothing left unknown: a retry reconciles nothing and changes nothing
    retried = json.loads(lpexec("lp", "retry", executor_id, "--json").stdout)
    assert (retried["status"], retried["details"]["state"]) == ("ACTIVE", "IN_RANGE")
    missing = lpexec("lp", "retry", "no-such-executor")
    assert missing.returncode != 0
    assert "no-such-executor" in missing.stderr + missing.stdout
    assert "Traceback" not in missing.stderr
    closed = json.loads(lpexec("lp", "close", executor_id, "--keep-position", "--json").stdout)
    assert (closed["status"], closed["close_type"]) == ("TERMINATED", "POSITION_HOLD")
    assert closed["details"]["swap_side"] == ""
    listed = json.loads(lpexec("lp", "list", "--json").stdout)
    assert [row["executor_id"] for row in listed] == [executor_id]


def test_bad_requests_are_one_line_errors(lpexec):
    wide = lpexec(
        "lp",
        "open",
        "--pool",
        POOL,
        "--pair",
        "SOL-USDC",
        "--lower",
        "150",
        "--upper",
        "184",
        "--base",
        "1",
        "--quote",
        "180",
    )
    assert wide.returncode == 2 and "Traceback" not in wide.stderr
    assert "spans 206 bins at bin step 10; expected at most 69 bins per position" in " ".join(
        wide.stderr.split()
    )
    inverted = lpexec(
        "lp",
        "open",
        "--pool",
        POOL,
        "--pair",
        "SOL-USDC",
        "--lower",
        "190",
        "--upper",
        "184",
        "--base",
        "1",
    )
    assert inverted.returncode == 2
    assert "expected lower_price < upper_price, received lower_price=190 upper_price=184" in (
        " ".join(inverted.stderr.split())
    )
    unknown = lpexec("lp", "status", "nope")
    assert unknown.returncode == 2
    assert "Expected a known executor id, received 'nope'" in unknown.stderr


def test_pools_info_json(lpexec):
    result = lpexec("pools", "info", POOL, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["bin_step"] == 10 and data["address"] == POOL


def test_watch_refreshes_open_positions_and_stops_after_count(lpexec):
    opened = lpexec(
        "lp",
        "open",
        "--pool",
        POOL,
        "--pair",
        "SOL-USDC",
        "--lower",
        "176",
        "--upper",
        "184",
        "--base",
        "1",
        "--quote",
        "180",
        "--json",
    )
    assert opened.returncode == 0, opened.stderr
    watched = lpexec("lp", "watch", "--count", "2", "--interval", "0.1")
    assert watched.returncode == 0, watched.stderr
    assert json.loads(opened.stdout)["executor_id"][:5] in watched.stdout
    assert "ACTIVE" in watched.stdout


def test_open_refuses_a_pair_that_is_not_the_pool_s_own(lpexec):
    # Act
    inverted = lpexec(
        "lp", "open", "--pool", POOL, "--pair", "USDC-SOL", "--lower", "0.0054",
        "--upper", "0.0057", "--quote", "1",
    )  # fmt: skip
    # Assert
    assert inverted.returncode == 2 and "Traceback" not in inverted.stderr
    assert len(inverted.stderr.strip().splitlines()) == 1
    assert (
        "trading_pair: expected the pool's pair SOL-USDC (its base-quote), received USDC-SOL "
        "(inverted: did you mean SOL-USDC?)"
    ) in inverted.stderr
    assert json.loads(lpexec("lp", "list", "--json").stdout) == []


def test_open_refuses_a_limit_price_already_reached(lpexec):
    crossed = lpexec(
        "lp", "open", "--pool", POOL, "--pair", "SOL-USDC", "--lower", "176", "--upper", "184",
        "--base", "1", "--quote", "180", "--upper-limit", "170",
    )  # fmt: skip
    assert crossed.returncode == 2 and "Traceback" not in crossed.stderr
    assert "upper_limit_price: expected a price above the pool price " in crossed.stderr
    assert "received 170 (already reached: the position would close as soon as it opened)" in (
        crossed.stderr
    )
    assert json.loads(lpexec("lp", "list", "--json").stdout) == []
