"""What the chain remembers about each LP position, open or closed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["PositionRecord"]


@dataclass(slots=True)
class PositionRecord:
    """One position account: who owns it, where, its range and its rent.

    Amounts and fees live in the pool; the record keeps identity and history so that a closed
    position can be told apart from one that never existed.
    """

    address: str
    owner: str
    pool_address: str
    kind: str
    """``dlmm`` or ``clmm``."""
    lower: int
    """Lower bin id (DLMM) or tick (CLMM), inclusive."""
    upper: int
    """Upper bin id (DLMM, inclusive) or tick (CLMM, exclusive)."""
    rent: int
    """Lamports locked in the position account (refunded on close)."""
    opened_signature: str
    opened_slot: int
    closed_signature: str | None = None
    closed_slot: int | None = None

    @property
    def is_closed(self) -> bool:
        """True once the position has been closed."""
        return self.closed_signature is not None

    @property
    def width(self) -> int:
        """Bins covered (DLMM) or ticks spanned (CLMM)."""
        return self.upper - self.lower + 1 if self.kind == "dlmm" else self.upper - self.lower

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-safe data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PositionRecord:
        """Rebuild a record saved by :meth:`to_dict`."""
        return cls(**data)
