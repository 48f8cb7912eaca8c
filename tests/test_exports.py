"""Every package facade declares an ``__all__`` that matches its public names.

Its order is checked by ruff (RUF022, isort-style sort) in ``make lint``.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

PACKAGES = [
    "lpexec.core",
    "lpexec.core.store",
    "gateway_client",
    "lpexec.paper",
    "lpexec.paper.pools",
    "lpexec.paper.chain",
    "lpexec.paper.venues",
    "lpexec.cex",
    "lpexec.venues.ccxt",
    "lpexec.app.service",
    "lpexec.app.api",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_matches_public_names(name):
    module = importlib.import_module(name)
    exported = list(module.__all__)
    public = {
        attribute
        for attribute, value in vars(module).items()
        if not attribute.startswith("_")
        and not inspect.ismodule(value)
        and attribute != "annotations"
    }
    assert len(exported) == len(set(exported))
    assert set(exported) == public
