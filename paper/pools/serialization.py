"""Load any paper pool from its plain-dict state."""

from __future__ import annotations

from typing import Any

from lpexec.paper.pools.clmm import ClmmPool
from lpexec.paper.pools.dlmm import DlmmPool
from lpexec.paper.pools.errors import InvalidPoolRequestError

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
    raise InvalidPoolRequestError(f"Expected kind 'dlmm' or 'clmm', received kind={kind!r}")
