"""The ``swap`` facade declares an ``__all__`` that matches its public names."""

from __future__ import annotations

import inspect

import lpexec.swap as swap


def test_all_matches_the_public_names():
    public = {
        name
        for name, value in vars(swap).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }

    assert len(swap.__all__) == len(set(swap.__all__))
    assert set(swap.__all__) == public


def test_the_family_facade_loads_no_gateway_adapter():
    assert not hasattr(swap, "GatewaySwapVenue")
    assert not hasattr(swap, "BestQuoteSwapVenue")
