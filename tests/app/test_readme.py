"""The README's ``lpexec`` examples, run as written on the paper venues.

Every ``sh`` block of the README is read; each ``lpexec`` command in it runs in process with the
store, the paper chain and the paper exchange in a fresh data directory (``XDG_DATA_HOME``), in
the README's order. What a reader fills in is filled in the way a reader would: ``<id>`` and
``<executor id>`` by the id of the executor the block made last with that command group,
``a | b`` alternatives each, ``[...]`` optional parts left out. Commands that serve or run until
stopped (``serve``, ``mcp``, ``paper-gateway``, ``lp watch``, a daemon without ``status``) and
lines that are not lpexec's (``make``, ``curl``, ``export``) are listed and skipped, so a new
example is run unless it is one of those.
"""

from __future__ import annotations

import json
import re
import shlex

import pytest

from fixtures.cli import ROOT, CliResult, invoke

README = ROOT / "README.md"

LONG_RUNNING = (
    ("serve",),
    ("mcp",),
    ("paper-gateway",),
    ("lp", "watch"),
)
CREATES = {  # command group -> the executor type its creates make
    ("lp", "open"): "lp",
    ("order", "place"): "order",
    ("position", "open"): "position",
    ("grid", "start"): "grid",
    ("dca", "start"): "dca",
    ("twap", "start"): "twap",
}


def readme_commands() -> list[str]:
    """Every command line of the README's ``sh`` blocks, continuation lines joined, comments
    and ``;`` split."""
    lines: list[str] = []
    inside = False
    pending = ""
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = line.strip() == "```sh"
            continue
        if not inside:
            continue
        text = pending + line.split("  #", 1)[0].split(" # ", 1)[0].rstrip()
        if text.endswith("\\"):
            pending = text[:-1] + " "
            continue
        pending = ""
        lines.extend(part.strip() for part in text.split(";") if part.strip())
    return lines


def expand(command: str) -> list[list[str]]:
    """A README line as the commands a reader runs: optional ``[...]`` parts dropped;
    ``stem verb | verb2 ARGS | ...`` alternatives each run on the stem (the first part's words
    but its last)."""
    command = re.sub(r"\s*\[[^\]]*\]", "", command).replace("<executor id>", "<id>")
    first, *others = (shlex.split(part) for part in command.split(" | "))
    if not others:
        return [first]
    stem = first[:-1]
    return [first] + [stem + alternative for alternative in others]


def skipped(words: list[str]) -> str | None:
    """Why a command is not run here (None: it is run)."""
    if words[0] != "lpexec":
        return f"not lpexec: {words[0]}"
    rest = tuple(words[1:])
    for prefix in LONG_RUNNING:
        if rest[: len(prefix)] == prefix:
            return "runs until stopped"
    if rest[:1] == ("daemon",) and "status" not in rest:
        return "runs until stopped"
    return None


@pytest.fixture
def env(tmp_path) -> dict[str, str | None]:
    return {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "LPEXEC_DATABASE_URL": None,
        "LPEXEC_GATEWAY_URL": None,
        "LPEXEC_RISK_LIMITS": None,
    }


def newest_id(executor_type: str, env: dict[str, str | None]) -> str:
    listed = invoke("executors", "list", "--type", executor_type, "--limit", "1", "--json", env=env)
    assert listed.exit_code == 0, listed.stderr
    ((record,),) = [json.loads(listed.stdout)]
    executor_id: str = record["executor_id"]
    return executor_id


@pytest.mark.slow
def test_every_readme_example_runs_as_written(tmp_path, env, monkeypatch):
    # Arrange: the README's relative paths (fixtures/..., backtest.png) resolve in a copy of
    # the repository's root folder layout
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    ran: list[tuple[list[str], CliResult]] = []
    not_run: list[tuple[str, str]] = []
    last_id: dict[str, str] = {}
    latest = ""
    # Act
    for line in readme_commands():
        for words in expand(line):
            why = skipped(words)
            if why is not None:
                not_run.append((" ".join(words), why))
                continue
            group = tuple(words[1:3])
            if "<id>" in words:
                # the id the same group made last; for ``executors``, the last of any group
                made = last_id.get(words[1], latest)
                words = [made if word == "<id>" else word for word in words]
            result = invoke(*words[1:], env=env)
            ran.append((words, result))
            assert result.exit_code == 0, (words, result.stdout[-2000:], result.stderr[-2000:])
            assert "Traceback" not in result.stderr
            if group in CREATES:
                last_id[words[1]] = latest = newest_id(CREATES[group], env)
    # Assert: every kind of example ran; only the long-running and foreign lines were skipped
    groups = {tuple(words[1:3]) for words, _ in ran}
    for expected in (
        ("health",),
        ("pools", "info"),
        ("lp", "open"),
        ("lp", "close"),
        ("order", "cancel"),
        ("position", "close"),
        ("grid", "stop"),
        ("dca", "stop"),
        ("twap", "stop"),
        ("executors", "stop"),
        ("tokens", "create"),
        ("backtest", "--prices"),
    ):
        assert any(group[: len(expected)] == expected for group in groups), expected
    assert {why for _, why in not_run} <= {"runs until stopped", "not lpexec: make"} | {
        f"not lpexec: {name}" for name in ("curl", "export")
    }
    assert (tmp_path / "backtest.png").exists()


def test_alternatives_and_optional_parts_expand_as_a_reader_runs_them():
    assert expand("lpexec executors list | show <id> | stop <id>") == [
        ["lpexec", "executors", "list"],
        ["lpexec", "executors", "show", "<id>"],
        ["lpexec", "executors", "stop", "<id>"],
    ]
    assert expand("lpexec lp close <executor id> [--keep-position | --swap-back]") == [
        ["lpexec", "lp", "close", "<id>"]
    ]
    assert expand("lpexec lp list [--stranded]") == [["lpexec", "lp", "list"]]
