"""lp.math's facade: a sorted __all__ that matches its public names."""

from __future__ import annotations

import types

import lp.math


def test_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name, value in vars(lp.math).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert lp.math.__all__ == sorted(lp.math.__all__)
    assert set(lp.math.__all__) == public
