"""User errors through the real entry point: one line naming the field, the value and what was
expected (or one JSON object with ``--json``), a non-zero exit, and nothing written."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

from fixtures.cli import ROOT, flat, invoke
from lpexec.app.cli.tables import add_row
from lpexec.paper.gateway.demo import demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
DEMO_PRICES = ROOT / "paper/demo_prices.csv"


def store_dump(tmp_path: Path) -> list[str]:
    """Every row of the CLI's SQLite store, as SQL text."""
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        return list(connection.iterdump())


def written(tmp_path: Path) -> tuple[list[str], bytes]:
    """The store's rows and the paper chain's state file: what a command could have written."""
    return store_dump(tmp_path), (tmp_path / "paper.json").read_bytes()


def one_line_error(result, *expected: str) -> str:
    """Assert ``result`` is a user error: exit 2, one line on stderr holding each ``expected``."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    for text in expected:
        assert text in line
    return line


@pytest.fixture
def executors(paper_cli):
    """An open LP position, a closed one and a finished swap: ``(lp_open, lp_closed, swap)``."""
    ids = []
    for _ in range(2):
        opened = paper_cli(
            "lp", "open", "--pool", POOL, "--pair", "SOL-USDC", "--lower", "176",
            "--upper", "184", "--base", "1", "--quote", "180", "--json",
        )  # fmt: skip
        assert opened.exit_code == 0, opened.stderr
        ids.append(json.loads(opened.stdout)["executor_id"])
    closed = paper_cli("lp", "close", ids[1], "--keep-position", "--json")
    assert closed.exit_code == 0, closed.stderr
    swap = paper_cli(
        "swap", "execute", "--pair", "SOL-USDC", "--side", "SELL", "--amount", "0.1", "--json"
    )
    assert swap.exit_code == 0, swap.stderr
    return ids[0], ids[1], json.loads(swap.stdout)["executor_id"]


def test_lp_status_of_a_swap_says_what_the_id_is(paper_cli, executors, tmp_path):
    _, _, swap_id = executors
    before = written(tmp_path)
    result = paper_cli("lp", "status", swap_id)
    one_line_error(
        result,
        f"executor id: expected the id of an LP executor, received '{swap_id}'",
        "it is a swap executor, TERMINATED",
        f"lpexec executors show {swap_id}",
    )
    assert written(tmp_path) == before


def test_swap_status_of_an_lp_position_says_what_the_id_is(paper_cli, executors, tmp_path):
    lp_id, _, _ = executors
    before = written(tmp_path)
    result = paper_cli("swap", "status", lp_id)
    one_line_error(
        result,
        f"executor id: expected the id of a swap executor, received '{lp_id}'",
        "it is an LP executor, ACTIVE",
    )
    assert written(tmp_path) == before


def test_lp_close_of_a_swap_or_a_closed_position_says_what_it_is(paper_cli, executors, tmp_path):
    _, closed_id, swap_id = executors
    before = written(tmp_path)
    of_swap = paper_cli("lp", "close", swap_id)
    of_closed = paper_cli("lp", "close", closed_id)
    one_line_error(of_swap, "expected the id of an LP executor", "it is a swap executor")
    one_line_error(
        of_closed,
        f"executor id: expected an LP executor still open, received '{closed_id}'",
        "it is already TERMINATED (POSITION_HOLD): nothing to close",
    )
    assert written(tmp_path) == before


def test_a_postgresql_url_without_its_driver_names_the_install(tmp_path, monkeypatch):
    # Arrange: psycopg cannot be imported, as in an install without the driver
    monkeypatch.setitem(sys.modules, "psycopg", None)
    url = "postgresql+psycopg://lpexec@127.0.0.1:5432/test"
    # Act
    result = invoke("lp", "--database", url, "list")
    # Assert
    one_line_error(
        result,
        "database URL postgresql+psycopg://lpexec@127.0.0.1:5432/test",
        "expected a driver this install has",
        "pip install 'lpexec[postgres]'",
    )


def test_plot_into_a_missing_folder_is_refused_before_the_run(tmp_path):
    target = tmp_path / "charts" / "run.png"
    result = invoke("backtest", "--prices", str(DEMO_PRICES), "--plot", str(target))
    one_line_error(
        result,
        f"--plot: expected a file in an existing folder, received '{target}'",
        f"the folder '{target.parent}' does not exist",
    )
    assert not target.parent.exists()


def test_a_pair_without_a_dash_says_the_shape_in_words(paper_cli, tmp_path):
    result = paper_cli("swap", "quote", "--pair", "SOLUSDC", "--side", "SELL", "--amount", "1")
    line = one_line_error(result, "--pair: expected BASE-QUOTE like SOL-USDC, received 'SOLUSDC'")
    assert "^" not in line  # no regular expression


def test_slippage_is_named_as_typed_and_as_a_ratio(paper_cli):
    result = paper_cli(
        "lp", "open", "--pool", POOL, "--pair", "SOL-USDC", "--lower", "176", "--upper", "184",
        "--base", "1", "--slippage", "5",
    )  # fmt: skip
    line = one_line_error(
        result, "--slippage: expected a ratio (0.01 = 1 %), at most 0.5, received '5'"
    )
    assert "slippage_pct" not in line


def test_bracketed_text_in_an_error_prints_as_written(paper_cli):
    result = paper_cli(
        "swap", "quote", "--pair", "SOL-USDC", "--side", "SELL", "--amount", "1",
        "--compare", "bad[a-z0-9-]/x",
    )  # fmt: skip
    one_line_error(result, "--compare: expected providers", "'bad[a-z0-9-]/x'")


def test_bracketed_text_in_a_table_cell_prints_as_written():
    table = Table()
    table.add_column("reason")
    add_row(table, "expected [a-z0-9-]+ [bold]here[/bold]")
    console = Console(record=True, width=200)
    console.print(table)
    assert "expected [a-z0-9-]+ [bold]here[/bold]" in console.export_text()


def test_json_errors_are_one_object_on_stdout(paper_cli):
    bad_value = paper_cli(
        "swap", "quote", "--pair", "SOLUSDC", "--side", "SELL", "--amount", "1", "--json"
    )
    bad_usage = paper_cli("lp", "status", "--json")
    unknown = paper_cli("lp", "status", "nope", "--json")
    for result in (bad_value, bad_usage, unknown):
        assert result.exit_code == 2
        assert "Traceback" not in result.stderr
        error = json.loads(result.stdout)["error"]
        assert set(error) == {"field", "value", "expected", "message"}
    assert json.loads(bad_value.stdout)["error"] == {
        "field": "--pair",
        "value": "SOLUSDC",
        "expected": "BASE-QUOTE like SOL-USDC",
        "message": "--pair: expected BASE-QUOTE like SOL-USDC, received 'SOLUSDC'",
    }
    assert json.loads(bad_usage.stdout)["error"]["field"] == "executor_id"
    assert json.loads(unknown.stdout)["error"]["value"] == "nope"


def test_swap_quote_exits_1_when_every_provider_fails(paper_cli):
    result = paper_cli(
        "swap", "quote", "--pair", "JUP-USDT", "--side", "SELL", "--amount", "10",
        "--provider", "meteora/clmm", "--compare", "", "--json",
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["quotes"] == [] and report["failures"]
    assert "slippage" in report and "slippage_pct" not in report


def test_json_decimals_are_plain(paper_cli, executors):
    lp_id, _, swap_id = executors
    texts = [paper_cli("lp", "status", lp_id, "--json").stdout]
    texts.append(paper_cli("swap", "status", swap_id, "--json").stdout)
    for text in texts:
        strings = _strings(json.loads(text))
        assert not [s for s in strings if _is_number(s) and ("E" in s or "e" in s)]
        assert not [s for s in strings if _is_number(s) and "." in s and len(s) > 32]


def _strings(data) -> list[str]:
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in _strings(value)]
    return [data] if isinstance(data, str) else []


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return any(char.isdigit() for char in text)


def test_plain_decimals_keep_whole_units_and_drop_exponents():
    from decimal import Decimal

    from lpexec.app.cli.output import plain, tidy

    assert plain(Decimal("0E-12")) == "0"
    assert plain(Decimal("180.123456789012345678901234")) == "180.123456789012"
    assert plain(Decimal("1E+2")) == "100"
    assert tidy({"id": "abc", "lamports": "12345678901234567890", "x": "1.50"}) == {
        "id": "abc",
        "lamports": "12345678901234567890",
        "x": "1.50",
    }
    assert flat(" a  b ") == "a b"


def test_a_paper_state_path_under_a_file_is_refused_before_anything_runs(tmp_path):
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    target = tmp_path / "a-file" / "state.json"
    result = invoke("lp", "--paper-state", str(target), "status", "x")
    one_line_error(
        result,
        f"--paper-state: expected a file path, received '{target}'",
        f"'{tmp_path / 'a-file'}' is a file, not a folder",
    )


def test_a_file_the_system_refuses_is_a_user_error_naming_it():
    from lpexec.app.cli.errors import error_fields, is_user_error

    error = FileNotFoundError(2, "No such file or directory", "/proc/nope")
    assert is_user_error(error) and not is_user_error(RuntimeError("a bug"))
    assert error_fields(error) == {
        "field": None,
        "value": "/proc/nope",
        "expected": "a file or folder lpexec can use",
        "message": "/proc/nope: expected a file or folder lpexec can use: "
        "No such file or directory",
    }
