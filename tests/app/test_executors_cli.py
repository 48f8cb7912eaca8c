"""``lpexec executors`` and ``lpexec positions`` through the executor service, in process, on the
paper exchange: the JSON is the REST API's models, searches page with a cursor across several
controllers, stop answers a finished executor as it is, the held-positions ledger is read and
cleared, and user errors are one line."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from fixtures.cli import CliResult, invoke, paper_env


@pytest.fixture
def cli(tmp_path) -> Callable[..., CliResult]:
    """``cli(*args)`` runs ``lpexec ARGS`` with the store and the paper exchange in tmp_path."""
    env = paper_env(tmp_path)
    state = str(tmp_path / "exchange.json")

    def run(*args: str) -> CliResult:
        if args[0] in ("order", "position"):
            args = (args[0], "--paper-state", state, *args[1:])
        elif args[:2] == ("executors", "stop"):
            args = (*args, "--paper-state", state)
        return invoke(*args, env=env)

    return run


def ok(result: CliResult) -> object:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def resting_buy(cli, controller: str) -> dict:
    """A limit buy far under the market: it rests (the executor stays active)."""
    return ok(
        cli(
            "order",
            "place",
            "--pair",
            "SOL-USDT",
            "--side",
            "BUY",
            "--amount",
            "1",
            "--price",
            "100",
            "--controller-id",
            controller,
            "--json",
        )
    )


def test_search_pages_over_several_controllers_with_a_cursor(cli):
    # Arrange: five resting orders of three controllers
    made = {resting_buy(cli, c)["executor_id"]: c for c in ("a", "b", "c", "a", "b")}
    # Act: the pages of controllers a or b, two at a time
    pages, cursor = [], None
    while True:
        args = ["executors", "search", "--controller-id", "a", "--controller-id", "b"]
        args += ["--limit", "2", "--json"] + (["--cursor", cursor] if cursor else [])
        page = ok(cli(*args))
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    listed = ok(cli("executors", "list", "--type", "order", "--json"))
    # Assert: every executor of a or b once, newest first, the count on every page
    found = [item["executor_id"] for page in pages for item in page["items"]]
    assert sorted(found) == sorted(i for i, c in made.items() if c in ("a", "b"))
    assert len(found) == 4 and [page["total_count"] for page in pages] == [4, 4]
    assert {item["executor_type"] for page in pages for item in page["items"]} == {"order_executor"}
    assert {item["executor_id"] for item in listed} == set(made)
    stamps = [item["timestamp"] for item in listed]
    assert stamps == sorted(stamps, reverse=True)  # newest first


def test_a_cursor_from_another_search_is_refused_in_one_line(cli):
    for controller in ("a", "a", "b"):
        resting_buy(cli, controller)
    page = ok(cli("executors", "search", "--controller-id", "a", "--limit", "1", "--json"))
    # Act
    refused = cli("executors", "search", "--limit", "1", "--cursor", page["next_cursor"])
    # Assert
    assert refused.exit_code == 2 and "Traceback" not in refused.stderr
    (line,) = refused.stderr.strip().splitlines()
    assert "cursor" in line


def test_show_logs_and_stop_twice_through_the_service(cli):
    # Arrange
    order = resting_buy(cli, "bot")
    executor_id = order["executor_id"]
    # Act
    shown = ok(cli("executors", "show", executor_id, "--json"))
    stopped = ok(cli("executors", "stop", executor_id, "--json"))
    again = ok(cli("executors", "stop", executor_id, "--json"))
    logs = ok(cli("executors", "logs", executor_id, "--json"))
    summary = ok(cli("executors", "summary", "--json"))
    # Assert: the REST API's report; the stop ends it (an order executor holds what it filled);
    # a second stop shows it unchanged; the stop is in its logs; nothing active is left
    assert (shown["status"], shown["controller_id"]) == ("RUNNING", "bot")
    assert shown["config"]["price"] == "100" and shown["custom_info"]["side"] == "BUY"
    assert (stopped["status"], stopped["lifecycle_status"]) == ("TERMINATED", "TERMINATED")
    assert again == stopped
    assert any("stop requested by the operator" in entry["message"] for entry in logs["logs"])
    assert summary["total_active"] == 0


def test_log_times_are_written_as_the_json_writes_them(cli):
    executor_id = resting_buy(cli, "bot")["executor_id"]
    ok(cli("executors", "stop", executor_id, "--json"))
    entries = ok(cli("executors", "logs", executor_id, "--json"))["logs"]
    printed = cli("executors", "logs", executor_id).stdout
    # one format everywhere: ISO 8601 in UTC ending in Z, as the REST API's JSON
    heads = [f"{entry['time']} {entry['level']} " for entry in entries]
    assert [printed.index(head) for head in heads] == sorted(printed.index(h) for h in heads)
    assert len(entries) >= 2 and all(entry["time"].endswith("Z") for entry in entries)


def test_unknown_ids_and_bad_options_are_one_line_errors(cli):
    missing = cli("executors", "show", "no-such-executor")
    bad_type = cli("executors", "list", "--type", "martingale")
    bad_level = cli("executors", "logs", "no-such-executor", "--level", "LOUD")
    for result, words in (
        (missing, ("no-such-executor",)),
        (bad_type, ("executor_types", "martingale", "lp_executor")),
        (bad_level, ("no-such-executor",)),
    ):
        assert result.exit_code == 2 and "Traceback" not in result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert all(word in line for word in words), line


def test_positions_of_kept_executors_are_listed_shown_and_cleared(cli):
    # Arrange: a long closed with --keep-position leaves 1 SOL held by controller "main"
    opened = ok(
        cli("position", "open", "--pair", "SOL-USDT", "--side", "BUY", "--amount", "1", "--json")
    )
    ok(cli("position", "close", opened["executor_id"], "--keep-position", "--json"))
    # Act
    listed = ok(cli("positions", "list", "--json"))
    shown = ok(cli("positions", "show", "paper", "SOL-USDT", "--json"))
    cleared = ok(cli("positions", "clear", "paper", "SOL-USDT", "--json"))
    after = ok(cli("positions", "list", "--json"))
    again = cli("positions", "show", "paper", "SOL-USDT")
    # Assert
    assert listed["total_positions"] == 1
    (position,) = listed["positions"]
    assert (position["connector_name"], position["trading_pair"]) == ("paper", "SOL-USDT")
    assert (position["position_side"], position["net_amount_base"]) == ("LONG", 1)
    assert position["executor_ids"] == [opened["executor_id"]]
    assert shown == position
    assert cleared["trading_pair"] == "SOL-USDT" and after["total_positions"] == 0
    assert again.exit_code == 2 and "No held position" in again.stderr
