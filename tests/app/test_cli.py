"""The command line: reports, JSON, and clean user errors (in process), and the ``python -m
lpexec`` entry as a real process."""

from __future__ import annotations

import importlib.metadata
import json

import pytest
from typer.testing import CliRunner

from fixtures.cli import ROOT, flat, invoke, run_process
from lpexec.app.cli import app


def test_a_bad_database_url_is_one_clear_line_without_traceback():
    result = invoke("executors", "list", "--database", "nope")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "database URL: expected a SQLAlchemy URL" in result.stderr
    assert "received 'nope'" in result.stderr


def test_list_reads_the_store_as_json(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = invoke("executors", "list", "--database", url, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_an_unknown_status_names_the_choices():
    result = invoke("executors", "list", "--status", "SLEEPING")
    assert result.exit_code == 2
    assert "SLEEPING" in result.stderr and "CREATED" in result.stderr


@pytest.mark.slow
def test_python_m_lpexec_runs_the_entry_point_with_its_exit_statuses(tmp_path):
    # Act: the console script's entry point across a real process boundary
    listed = run_process(
        "executors", "list", "--database", f"sqlite:///{tmp_path / 'x.db'}", "--json"
    )
    refused = run_process("executors", "list", "--database", "nope")
    # Assert: JSON on stdout; a user error is exit 2 with one line and no traceback
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    (line,) = refused.stderr.strip().splitlines()
    assert "database URL: expected a SQLAlchemy URL" in line and "received 'nope'" in line


DEMO_PRICES = ROOT / "paper/demo_prices.csv"


def test_backtest_width_is_a_ratio_in_and_out():
    # Act
    result = CliRunner().invoke(
        app, ["backtest", "--prices", str(DEMO_PRICES), "--width", "0.04", "--json"]
    )
    # Assert
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["width"] == "0.04"
    assert report["rebalances"] >= 0


def test_backtest_refuses_the_old_width_pct_flag_and_says_what_to_write():
    result = CliRunner().invoke(app, ["backtest", "--prices", str(DEMO_PRICES), "--width-pct", "5"])
    assert result.exit_code == 2
    output = flat(result.output.replace("│", " "))
    assert "no longer accepted: use --width, a ratio of the price (0.05 = 5 %)" in output
    assert "--width-pct 5 (a percent) is --width 0.05" in output


def test_backtest_help_says_width_is_a_ratio():
    result = CliRunner().invoke(app, ["backtest", "--help"], env={"COLUMNS": "200"})
    assert "Range width as a ratio of the price: 0.05 = 5 %." in flat(result.output)
    assert "--width-pct" not in result.output


def test_version_prints_the_installed_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"lpexec {importlib.metadata.version('lpexec')}"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("executors", "list", "--database", "mysql://u@localhost/x"), "expected a driver"),
        (("daemon", "--config", "{tmp}"), "expected a TOML file, received the directory"),
        (
            ("backtest", "--pair", "BTC-USDC", "--prices", str(DEMO_PRICES)),
            "--pair: expected tokens the paper chain lists",
        ),
        (("lp", "--paper-state", "{tmp}", "list"), "--paper-state: expected a file"),
        (("lp", "--paper-state", "{tmp}/bad.json", "status", "x"), "bad.json"),
    ],
)
def test_user_errors_are_one_line_naming_what_was_wrong(tmp_path, args, expected):
    # Arrange: a corrupt paper state file beside the store
    (tmp_path / "bad.json").write_text("garbage", encoding="utf-8")
    env = {"LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "LPEXEC_GATEWAY_URL": None}
    # Act
    result = invoke(*(arg.replace("{tmp}", str(tmp_path)) for arg in args), env=env)
    # Assert
    assert result.exit_code == 2, result.stdout
    assert "Traceback" not in result.stderr
    assert expected in flat(result.stderr)


def test_lp_list_reads_the_store_even_when_the_paper_state_is_corrupt(tmp_path):
    # Arrange: a paper chain state file that does not parse
    (tmp_path / "bad.json").write_text("garbage", encoding="utf-8")
    env = {"LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "LPEXEC_GATEWAY_URL": None}
    # Act: listing needs the store alone
    result = invoke("lp", "--paper-state", str(tmp_path / "bad.json"), "list", "--json", env=env)
    # Assert
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []
