"""Load any paper pool from its plain-dict state."""

from __future__ import annotations

from typing import Any

from paper.pools.clmm import ClmmPool
from paper.pools.dlmm import DlmmPool
from paper.pools.errors import InvalidPoolRequest

__all__ = ["pool_from_dict"]


def pool_from_dict(data: dict[str, Any]) -> DlmmPool | ClmmPool:
    """Rebuild a pool from ``DlmmPool.to_dict()`` or ``ClmmPool.to_dict()`` output.

    The dict's ``"kind"`` key (``"dlmm"`` or ``"clmm"``) selects the class.
    """
    kind = data.get("kind")
    if kind == "dlmm":
        return DlmmPool.from_dict(data)
    if kind == "clmm":
        return ClmmPool.from_dict(data)
    raise InvalidPoolRequest(f"Expected kind 'dlmm' or 'clmm', received kind={kind!r}")
