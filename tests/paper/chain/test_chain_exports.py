"""paper.chain facade: ``__all__`` matches the public names (ruff RUF022 checks its order)."""

from __future__ import annotations

import types

import lpexec.paper as paper


def test_all_is_sorted_and_matches_public_names() -> None:
    public = {
        name
        for name, value in vars(paper.chain).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert len(paper.chain.__all__) == len(set(paper.chain.__all__))
    assert set(paper.chain.__all__) == public
