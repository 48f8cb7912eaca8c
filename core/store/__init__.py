"""The store: executors, their journal, intents and held positions.

The port (:class:`Store`, :class:`UnitOfWork`) has two adapters: :class:`SqlStore` (SQLite or
PostgreSQL, durable) and :class:`MemoryStore` (process memory, not durable: backtests and tests).
"""

from __future__ import annotations

from lpexec.core.store.database import Database, redact_url
from lpexec.core.store.memory import MemoryStore
from lpexec.core.store.port import JournalEntry, Store, StoredExecutor, StoredIntent, UnitOfWork
from lpexec.core.store.sql import SqlStore
from lpexec.core.store.tables import (
    SCHEMA_VERSION,
    ControllerRow,
    ExecutorRow,
    HeldPositionRow,
    IntentRow,
    IntentStatus,
    JournalRow,
    MetaRow,
)
from lpexec.core.store.types import Money, UtcDateTime

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
