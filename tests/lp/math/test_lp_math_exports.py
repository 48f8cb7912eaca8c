"""lp.math's facade: an ``__all__`` that matches its public names (order: ruff RUF022)."""

from __future__ import annotations

import inspect

import lpexec.lp as lp


def test_all_matches_public_names() -> None:
    public = {
        name
        for name, value in vars(lp.math).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert len(lp.math.__all__) == len(set(lp.math.__all__))
    assert set(lp.math.__all__) == public
