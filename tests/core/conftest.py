"""Fixtures of the core tests."""

from __future__ import annotations

import pytest

from lpexec.core import Database, MemoryStore, SqlStore


@pytest.fixture(params=["sql", "memory"])
def store(request, sqlite_url):
    """The store under test: a ``SqlStore`` on a SQLite file, or a ``MemoryStore``."""
    if request.param == "memory":
        yield MemoryStore()
        return
    database = Database.open(sqlite_url)
    yield SqlStore(database)
    database.close()
