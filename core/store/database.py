"""Opening the store: SQLite (WAL) by default, PostgreSQL by URL, with a schema version check."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import create_engine, event, insert, inspect, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from lpexec.core.errors import SchemaVersionMismatchError, StoreError
from lpexec.core.store.migrations import MIGRATIONS
from lpexec.core.store.tables import SCHEMA_VERSION, meta_table, metadata

__all__ = ["Database", "redact_url"]

logger = logging.getLogger(__name__)

_PREPARE_LOCK = 0x6C70_6578  # "lpex": the advisory lock key of table creation and migrations


def redact_url(url: str) -> str:
    """Return ``url`` with any password hidden, for logs and errors."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


class Database:
    """A handle on the store's database; a connection is opened per unit of work.

    Example:
        >>> db = Database.open("sqlite:///lpexec.db")
        >>> with db.begin() as connection:
        ...     connection.execute(...)
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, create: bool = True) -> Database:
        """Connect to ``url``, create the tables when the database is new, check the version.

        Raises:
            StoreError: the URL is malformed or the database does not answer.
            SchemaVersionMismatchError: the database was written by another schema version.
        """
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StoreError(
                f"database URL: expected a SQLAlchemy URL such as sqlite:///path/lpexec.db or "
                f"postgresql+psycopg://user@host/db, received {url!r}"
            ) from None
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            engine = create_engine(url, **kwargs)
        except ImportError as e:  # the URL names a driver that is not installed
            raise StoreError(
                f"database URL {redact_url(url)}: expected a driver this install has (sqlite, or "
                f"postgresql+psycopg with pip install 'lpexec[postgres]'), could not load "
                f"{parsed.drivername!r}: {e}"
            ) from None
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        database = cls(engine)
        try:
            with database._one_preparer():
                database._prepare(create=create)
        except OperationalError as e:
            engine.dispose()
            raise StoreError(
                f"database {redact_url(url)} did not answer: {type(e.orig).__name__}"
            ) from e
        except BaseException:
            engine.dispose()
            raise
        return database

    @contextmanager
    def _one_preparer(self) -> Iterator[None]:
        """On PostgreSQL, one process at a time creates or migrates the tables (workers started
        together would race on ``CREATE TABLE``): a session advisory lock held meanwhile."""
        if self.dialect != "postgresql":
            yield
            return
        with self.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PREPARE_LOCK})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PREPARE_LOCK})
                connection.commit()

    def _prepare(self, *, create: bool) -> None:
        existing = set(inspect(self.engine).get_table_names())
        if meta_table.name not in existing:
            if existing & {"executors", "intents", "journal"}:
                raise SchemaVersionMismatchError(
                    "database has lpexec tables but no schema version; it was not written by "
                    f"this lpexec (expected schema version {SCHEMA_VERSION})"
                )
            if not create:
                raise StoreError("database is empty and create=False")
            metadata.create_all(self.engine)
            with self.begin() as connection:
                connection.execute(
                    insert(meta_table).values(key="schema_version", value=str(SCHEMA_VERSION))
                )
            return
        metadata.create_all(self.engine)
        with self.connect() as connection:
            value = connection.execute(
                select(meta_table.c.value).where(meta_table.c.key == "schema_version")
            ).scalar()
        found = value if value is not None else "none"
        if found in MIGRATIONS:
            found = self._migrate(found)
        if found != str(SCHEMA_VERSION):
            raise SchemaVersionMismatchError(
                f"database schema version is {found}, this lpexec expects {SCHEMA_VERSION}; "
                "use a database written by the same version or a new one"
            )

    def _migrate(self, found: str) -> str:
        """Bring a database written by an older schema up to date, one step per version."""
        while found in MIGRATIONS:
            target, statements = MIGRATIONS[found]
            with self.engine.begin() as connection:
                for statement in statements:
                    if isinstance(statement, str):
                        connection.exec_driver_sql(statement)
                    else:
                        statement(connection)
                connection.execute(
                    text("UPDATE lpexec_meta SET value = :value WHERE key = 'schema_version'"),
                    {"value": target},
                )
            found = target
        return found

    def connect(self) -> Connection:
        """Open a connection (a context manager); the caller commits, else the work is rolled
        back when it closes."""
        return self.engine.connect()

    def begin(self) -> AbstractContextManager[Connection]:
        """Open a connection in one transaction: committed when the block ends without error,
        rolled back otherwise."""
        return self.engine.begin()

    @property
    def dialect(self) -> str:
        """The backend name: ``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def end_abandoned_transactions(self, *, after_seconds: float) -> None:
        """Have PostgreSQL end this process's transactions left idle longer than
        ``after_seconds`` (at least one second): the process was paused in the middle of one
        (GC pause, SIGSTOP, a stalled host). Its row locks would otherwise keep the lease rows
        it holds from every other process while it sleeps, however long past its leases:
        claims skip locked rows (``FOR UPDATE SKIP LOCKED``). The paused process's statement
        after the pause fails, and nothing of that transaction is written.

        A lease holder (worker, daemon) calls this with its lease TTL. Nothing changes on
        SQLite (one process).
        """
        if self.dialect != "postgresql":
            return
        milliseconds = max(1000, int(after_seconds * 1000))

        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET idle_in_transaction_session_timeout = {milliseconds}")
            dbapi_connection.commit()

        event.listen(self.engine, "connect", on_connect)
        self.engine.dispose()  # connections opened before get the setting when reopened


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
