from __future__ import annotations

import inspect

import lpexec.paper.exchange as package


def test_all_is_unique_and_matches_public_names():
    exported = list(package.__all__)
    public = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert len(exported) == len(set(exported))
    assert set(exported) == public
