"""paper.gateway facade: ``__all__`` matches the public names (ruff RUF022 checks its order)."""

from __future__ import annotations

import types

import lpexec.paper as paper


def test_all_matches_public_names() -> None:
    public = {
        name
        for name, value in vars(paper.gateway).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert len(paper.gateway.__all__) == len(set(paper.gateway.__all__))
    assert set(paper.gateway.__all__) == public
