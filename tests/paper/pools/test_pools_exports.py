"""paper.pools and paper facades: sorted __all__ matching the public names."""

from __future__ import annotations

import types

import pytest

import paper
import paper.pools


@pytest.mark.parametrize("module", [paper, paper.pools])
def test_all_is_sorted_and_complete(module: types.ModuleType) -> None:
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert module.__all__ == sorted(module.__all__)
    assert set(module.__all__) == public
