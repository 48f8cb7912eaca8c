"""The command line, run as a real process: reports, JSON, and clean user errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def lpexec(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
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
