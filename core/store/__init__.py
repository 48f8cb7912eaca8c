"""The store: executors, their journal, intents and held positions.

The port (:class:`Store`, :class:`UnitOfWork`) has two adapters: :class:`SqlStore` (SQLite or
PostgreSQL, durable) and :class:`MemoryStore` (process memory, not durable: backtests and tests).
"""

from __future__ import annotations

from core.store.database import Database, redact_url
from core.store.memory import MemoryStore
from core.store.port import JournalEntry, Store, StoredExecutor, StoredIntent, UnitOfWork
from core.store.sql import SqlStore
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
    "JournalEntry",
    "JournalRow",
    "MemoryStore",
    "MetaRow",
    "Money",
    "SqlStore",
    "Store",
    "StoredExecutor",
    "StoredIntent",
    "UnitOfWork",
    "UtcDateTime",
    "redact_url",
]
