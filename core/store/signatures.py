"""Which transaction signatures the store's writes already name (their intents' evidence or
outcome): read when a write whose answer was lost is matched to a failed transaction of the
wallet, so that no write takes a transaction another process's write was answered with."""

from __future__ import annotations

import json
from collections.abc import Collection

from sqlalchemy import bindparam, or_, select

from lpexec.core.store.database import Database
from lpexec.core.store.tables import intents_table

__all__ = ["named_in_store"]

_INTENTS = intents_table
_BATCH = 50
"""Signatures looked up per query (each is a scan of the intents' text)."""


def named_in_store(database: Database, signatures: Collection[str]) -> set[str]:
    """Those of ``signatures`` that an intent of the store names (as a JSON string in its
    evidence or outcome), whichever process wrote it."""
    wanted = sorted({signature for signature in signatures if signature})
    found: set[str] = set()
    with database.engine.connect() as connection:
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start : start + _BATCH]
            patterns = {f"p{i}": f"%{_like_escaped(json.dumps(s))}%" for i, s in enumerate(batch)}
            matches = [
                text_column.like(bindparam(name), escape="\\")
                for name in patterns
                for text_column in (_INTENTS.c.evidence_json, _INTENTS.c.outcome_json)
            ]
            statement = select(_INTENTS.c.evidence_json, _INTENTS.c.outcome_json).where(
                or_(*matches)
            )
            for evidence, outcome in connection.execute(statement, patterns):
                text = f"{evidence or ''}\n{outcome or ''}"
                found.update(s for s in batch if json.dumps(s) in text)
    return found


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
