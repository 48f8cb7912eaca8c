"""The ``lpexec`` command line run in process on the paper Gateway, its state on disk."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fixtures.cli import CliResult, invoke, paper_env


@pytest.fixture
def paper_cli(tmp_path) -> Callable[..., CliResult]:
    """``paper_cli(group, *args)`` runs ``lpexec GROUP --paper-state STATE ARGS`` in process.

    Every run of one test shares the store and the paper chain's state file in ``tmp_path``, as
    a user's successive commands do; the environment names no real Gateway.
    """
    state, env = str(tmp_path / "paper.json"), paper_env(tmp_path)

    def run(group: str, *args: str) -> CliResult:
        return invoke(group, "--paper-state", state, *args, env=env)

    return run
