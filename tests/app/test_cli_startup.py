"""The command line starts fast because it imports only what the command run needs.

No timing here (bench/cli_startup.py measures it): these tests check which modules a run
loaded, in a fresh process, so an eager import added anywhere shows up as a failure.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fixtures.cli import ROOT
from lpexec.app.cli import COMMANDS

HEAVY = ("sqlmodel", "sqlalchemy", "solana", "solders", "web3", "fastapi", "numpy", "pydantic")
"""What ``lpexec --help`` must not load (the store, the chain SDKs, the API server, models)."""
VENUES = ("gateway_client", "web3", "solana", "solders", "fastapi", "uvicorn", "ccxt")
"""What a store-only command must not load (no Gateway, no paper chain, no exchange)."""

_PROBE = """
import json, sys
sys.argv = ["lpexec", *sys.argv[1:]]
from lpexec.app.cli import main
try:
    main()
except SystemExit as e:
    code = e.code
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""


def loaded_by(*args: str, tmp_path, whole: bool = False) -> set[str]:
    """The top-level packages (``whole``: the modules) a fresh process has loaded after running
    ``lpexec ARGS``."""
    env = {"LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    names = json.loads(done.stdout.rsplit("MODULES ", 1)[1])
    return set(names) if whole else {name.split(".")[0] for name in names}


@pytest.mark.slow
def test_help_loads_none_of_the_heavy_modules(tmp_path):
    loaded = loaded_by("--help", tmp_path=tmp_path)
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.slow
def test_lp_list_reads_the_store_without_loading_a_venue(tmp_path):
    modules = loaded_by("lp", "list", "--json", tmp_path=tmp_path, whole=True)
    loaded = {name.split(".")[0] for name in modules}
    assert "sqlalchemy" in loaded  # it did read the store
    assert loaded.isdisjoint(VENUES), sorted(loaded & set(VENUES))
    assert "sqlmodel" not in loaded and "sqlalchemy.orm" not in modules  # the store is Core


@pytest.mark.parametrize("entry", COMMANDS, ids=lambda entry: entry.name)
def test_every_registered_command_loads_under_its_name(entry):
    command = entry.load()
    assert command.name == entry.name
    assert command.help == entry.help
