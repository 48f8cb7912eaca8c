"""The store: executors, their journal, intents and held positions (SQLite or PostgreSQL)."""

from __future__ import annotations

from core.store.database import Database, redact_url
from core.store.tables import (
    SCHEMA_VERSION,
    ControllerRow,
    ExecutorRow,
    HeldPositionRow,
    IntentRow,
    IntentStatus,
    JournalRow,
    MetaRow,
)
from core.store.types import Money, UtcDateTime

__all__ = [
    "SCHEMA_VERSION",
    "ControllerRow",
    "Database",
    "ExecutorRow",
    "HeldPositionRow",
    "IntentRow",
    "IntentStatus",
    "JournalRow",
    "MetaRow",
    "Money",
    "UtcDateTime",
    "redact_url",
]
