"""``lpexec lp`` and ``lpexec pools`` in process on the paper Gateway (state on disk)."""

from __future__ import annotations

import json

from fixtures.cli import flat, invoke
from lpexec.paper.gateway.demo import demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
IN_RANGE = ("--lower", "176", "--upper", "184", "--base", "1", "--quote", "180")


def open_lp(paper_cli, *args: str, pair: str = "SOL-USDC"):
    """``lp open`` on the demo pool (price 180); ``open_lp(paper_cli, *IN_RANGE)`` puts
    1 SOL + 180 USDC on 176..184."""
    return paper_cli("lp", "open", "--pool", POOL, "--pair", pair, *args)


def test_open_status_close_list_on_the_paper_gateway(paper_cli):
    opened = open_lp(paper_cli, *IN_RANGE, "--json")
    assert opened.exit_code == 0, opened.stderr
    info = json.loads(opened.stdout)
    assert (info["status"], info["details"]["state"]) == ("ACTIVE", "IN_RANGE")
    executor_id = info["executor_id"]
    status = json.loads(paper_cli("lp", "status", executor_id, "--json").stdout)
    assert status["details"]["position_address"] == info["details"]["position_address"]
    assert status["details"]["in_range"] is True
    # nothing left unknown: a retry reconciles nothing and changes nothing
    retried = json.loads(paper_cli("lp", "retry", executor_id, "--json").stdout)
    assert (retried["status"], retried["details"]["state"]) == ("ACTIVE", "IN_RANGE")
    missing = paper_cli("lp", "retry", "no-such-executor")
    assert missing.exit_code != 0
    assert "no-such-executor" in missing.stderr + missing.stdout
    assert "Traceback" not in missing.stderr
    closed = json.loads(paper_cli("lp", "close", executor_id, "--keep-position", "--json").stdout)
    assert (closed["status"], closed["close_type"]) == ("TERMINATED", "POSITION_HOLD")
    assert closed["details"]["swap_side"] == ""
    listed = json.loads(paper_cli("lp", "list", "--json").stdout)
    assert [row["executor_id"] for row in listed] == [executor_id]


def test_bad_requests_are_one_line_errors(paper_cli):
    wide = open_lp(paper_cli, "--lower", "150", "--upper", "184", "--base", "1", "--quote", "180")
    assert wide.exit_code == 2 and "Traceback" not in wide.stderr
    assert "spans 206 bins at bin step 10; expected at most 69 bins per position" in flat(
        wide.stderr
    )
    inverted = open_lp(paper_cli, "--lower", "190", "--upper", "184", "--base", "1")
    assert inverted.exit_code == 2
    assert "--lower/--upper: expected --lower < --upper, received --lower=190 --upper=184" in flat(
        inverted.stderr
    )
    unknown = paper_cli("lp", "status", "nope")
    assert unknown.exit_code == 2
    assert "executor id: expected the id of an LP executor in the store, received 'nope'" in (
        unknown.stderr
    )


def test_pools_info_json(paper_cli):
    result = paper_cli("pools", "info", POOL, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["bin_step"] == 10 and data["address"] == POOL


def test_watch_refreshes_open_positions_and_stops_after_count(paper_cli):
    opened = open_lp(paper_cli, *IN_RANGE, "--json")
    assert opened.exit_code == 0, opened.stderr
    watched = paper_cli("lp", "watch", "--count", "2", "--interval", "0.1")
    assert watched.exit_code == 0, watched.stderr
    assert json.loads(opened.stdout)["executor_id"][:5] in watched.stdout
    assert "ACTIVE" in watched.stdout


def test_open_refuses_a_pair_that_is_not_the_pool_s_own(paper_cli):
    # Act
    inverted = open_lp(
        paper_cli, "--lower", "0.0054", "--upper", "0.0057", "--quote", "1", pair="USDC-SOL"
    )
    # Assert
    assert inverted.exit_code == 2 and "Traceback" not in inverted.stderr
    assert len(inverted.stderr.strip().splitlines()) == 1
    assert (
        "trading_pair: expected the pool's pair SOL-USDC (its base-quote), received USDC-SOL "
        "(inverted: did you mean SOL-USDC?)"
    ) in inverted.stderr
    assert json.loads(paper_cli("lp", "list", "--json").stdout) == []


def test_open_refuses_a_limit_price_already_reached(paper_cli):
    crossed = open_lp(paper_cli, *IN_RANGE, "--upper-limit", "170")
    assert crossed.exit_code == 2 and "Traceback" not in crossed.stderr
    assert "upper_limit_price: expected a price above the pool price " in crossed.stderr
    assert "received 170 (already reached: the position would close as soon as it opened)" in (
        crossed.stderr
    )
    assert json.loads(paper_cli("lp", "list", "--json").stdout) == []


def test_executors_show_reads_any_executor_from_the_store(paper_cli, tmp_path):
    # Arrange: an LP executor opened through the CLI
    opened = json.loads(open_lp(paper_cli, *IN_RANGE, "--json").stdout)
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    # Act
    shown = invoke("executors", "show", opened["executor_id"], "--database", database, "--json")
    table = invoke("executors", "show", opened["executor_id"], "--database", database)
    missing = invoke("executors", "show", "no-such-executor", "--database", database)
    # Assert: the REST API's report of the executor the command made (its details under
    # custom_info, Hummingbot's keys beside ours); a table with them; a clean error naming the id
    assert shown.exit_code == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["executor_id"] == opened["executor_id"]
    assert report["executor_type"] == "lp_executor" and report["status"] == "RUNNING"
    assert report["custom_info"]["position_address"] == opened["details"]["position_address"]
    assert report["custom_info"]["position_rent"] == float(opened["details"]["position_rent"])
    assert report["config"]["controller_id"] == opened["controller_id"]
    assert opened["details"]["position_address"] in table.stdout
    assert missing.exit_code == 2
    assert "no-such-executor" in missing.stderr and "Traceback" not in missing.stderr
