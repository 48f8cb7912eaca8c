"""Which transaction signatures the store's writes already name as their own (the ``signature``
of an intent's evidence or outcome): read when a write whose answer was lost is matched to a
transaction of the wallet, so that no write takes a transaction another process's write was
answered with.

Only a ``"signature"`` key names a write's transaction: other keys that hold signatures (a
send's ``wallet_signature_before``: where the wallet's history stood) name no write.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection

from sqlalchemy import bindparam, or_, select

from lpexec.core.store.database import Database
from lpexec.core.store.tables import intents_table

__all__ = ["named_in_store"]

_INTENTS = intents_table
_BATCH = 50
"""Signatures looked up per query (each is a scan of the intents' text)."""
_SEPARATORS = (":", ": ")
"""How a JSON writer may separate a key from its value (compact, or Python's default)."""


def named_in_store(database: Database, signatures: Collection[str]) -> set[str]:
    """Those of ``signatures`` that an intent of the store names as its transaction (its
    evidence's or outcome's ``"signature"``), whichever process wrote it."""
    wanted = sorted({signature for signature in signatures if signature})
    found: set[str] = set()
    with database.engine.connect() as connection:
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start : start + _BATCH]
            patterns = {
                f"p{i}_{j}": f"%{_like_escaped(_named(signature, separator))}%"
                for i, signature in enumerate(batch)
                for j, separator in enumerate(_SEPARATORS)
            }
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
                found.update(s for s in batch if _names(s).search(text))
    return found


def _named(signature: str, separator: str) -> str:
    return f'"signature"{separator}{json.dumps(signature)}'


def _names(signature: str) -> re.Pattern[str]:
    return re.compile(r'"signature":\s?' + re.escape(json.dumps(signature)))


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
