"""paper.exchange_server facade: ``__all__`` matches the public names (ruff RUF022 checks its
order)."""

from __future__ import annotations

import types

import lpexec.paper.exchange_server as exchange_server


def test_all_matches_public_names() -> None:
    public = {
        name
        for name, value in vars(exchange_server).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert len(exchange_server.__all__) == len(set(exchange_server.__all__))
    assert set(exchange_server.__all__) == public
