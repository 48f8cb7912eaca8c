"""The command line, run as a real process: reports, JSON, and clean user errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def lpexec(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lpexec", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_a_bad_database_url_is_one_clear_line_without_traceback():
    result = lpexec("executors", "list", "--database", "nope")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "database URL: expected a SQLAlchemy URL" in result.stderr
    assert "received 'nope'" in result.stderr


def test_list_reads_the_store_as_json(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = lpexec("executors", "list", "--database", url, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_an_unknown_status_names_the_choices():
    result = lpexec("executors", "list", "--status", "SLEEPING")
    assert result.returncode == 2
    assert "SLEEPING" in result.stderr and "CREATED" in result.stderr


DEMO_PRICES = ROOT / "paper/demo_prices.csv"


def test_backtest_width_is_a_ratio_in_and_out():
    from typer.testing import CliRunner

    from lpexec.app.cli import app

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
    from typer.testing import CliRunner

    from lpexec.app.cli import app

    result = CliRunner().invoke(app, ["backtest", "--prices", str(DEMO_PRICES), "--width-pct", "5"])
    assert result.exit_code == 2
    output = " ".join(result.output.replace("│", " ").split())
    assert "no longer accepted: use --width, a ratio of the price (0.05 = 5 %)" in output
    assert "--width-pct 5 (a percent) is --width 0.05" in output


def test_backtest_help_says_width_is_a_ratio():
    from typer.testing import CliRunner

    from lpexec.app.cli import app

    result = CliRunner().invoke(app, ["backtest", "--help"], env={"COLUMNS": "200"})
    assert "Range width as a ratio of the price: 0.05 = 5 %." in " ".join(result.output.split())
    assert "--width-pct" not in result.output
