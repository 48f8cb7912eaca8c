"""``SqlStore``: the store port over :class:`~core.store.database.Database` (SQLite or PostgreSQL).

One unit of work is one SQLAlchemy Core transaction on one connection: its statements run as the
unit's methods are called, and are committed when the ``with`` block ends; leaving the block by an
exception rolls the transaction back, so nothing of it is written.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from lpexec.core.errors import StoreError
from lpexec.core.executor import Executor
from lpexec.core.held import HeldPosition, HeldPositionKey
from lpexec.core.lifecycle import CloseType, ExecutorStatus
from lpexec.core.messages import Command, Event
from lpexec.core.serialization import decode_message, dumps, encode_outcome, loads
from lpexec.core.store import repository as repo
from lpexec.core.store import search
from lpexec.core.store.controller_leases import ControllerLeaseLostError, check_controller_fence
from lpexec.core.store.database import Database
from lpexec.core.store.leases import Fence, LeaseLostError, check_fence, lease_new_executor
from lpexec.core.store.migrations import catalog_fields
from lpexec.core.store.port import JournalEntry, StoredExecutor, StoredIntent
from lpexec.core.store.search import ExecutorLogEntry, ExecutorQuery, ReportRow, SearchAnchor
from lpexec.core.store.tables import (
    executors_table,
    held_positions_table,
    intents_table,
    meta_table,
)

__all__ = ["SqlStore"]


class SqlStore:
    """The durable store: executors, journal, intents and held positions in SQL tables.

    Args:
        database: the open database (see :meth:`Database.open`).
        fence: a worker's leases (see :mod:`core.store.leases`): every unit of work that writes
            an executor's state, journal or intents commits only while this worker holds its
            lease, else raises :class:`~core.store.leases.LeaseLostError` and writes nothing.
            None (the default): a single process, nothing is fenced.

    Example:
        >>> store = SqlStore(Database.open("sqlite:///lpexec.db"))
        >>> engine = Engine(store=store, clock=LiveClock(), executor_types=[...], venues={...})
    """

    def __init__(self, database: Database, *, fence: Fence | None = None) -> None:
        self.database = database
        self.fence = fence

    @contextmanager
    def transaction(self) -> Iterator[_SqlUnitOfWork]:
        """One transaction, committed when the block ends without error (and, fenced, only while
        this worker holds every executor written)."""
        fence = self.fence
        if fence is None:
            with self.database.begin() as connection:
                yield _SqlUnitOfWork(connection)
            return
        unit = None
        try:
            with self.database.begin() as connection:
                unit = _SqlUnitOfWork(connection, fence)
                yield unit
                if unit.touched:
                    check_fence(connection, fence, unit.touched)
        except SQLAlchemyError as e:
            # The database went away mid-write (a worker paused past its lease has its
            # transaction ended by the server): this worker can no longer tell whether it
            # holds these executors; it drops them and claims them again from the store (their
            # leases, no longer renewed, run out).
            if unit is not None and unit.touched:
                for executor_id in unit.touched:
                    fence.tokens.pop(executor_id, None)
                raise LeaseLostError(unit.touched) from e
            # A controller's state was not written; whether its daemon still holds it is for
            # the next renewal to tell (its lease stands unless it ran out meanwhile).
            if unit is not None and unit.controllers:
                reason = f"the database ended the write ({type(e).__name__})"
                raise ControllerLeaseLostError(min(unit.controllers), reason=reason) from e
            raise
        except BaseException:
            if unit is not None:  # executors created here were not: neither are their leases
                for executor_id in unit.created:
                    fence.tokens.pop(executor_id, None)
            raise
        finally:
            if unit is not None:
                fence.creating.difference_update(unit.created)

    # --- reads ---------------------------------------------------------------------------------

    def has_executor(self, executor_id: str) -> bool:
        """True when an executor row with this id exists."""
        with self.database.connect() as connection:
            return repo.get_executor(connection, executor_id) is not None

    def get_executor(self, executor_id: str) -> StoredExecutor | None:
        """Return one executor, or None."""
        with self.database.connect() as connection:
            row = repo.get_executor(connection, executor_id)
        return None if row is None else _executor_of(row)

    def unfinished_executors(
        self, *, executor_ids: Collection[str] | None = None
    ) -> list[StoredExecutor]:
        """Return every executor that has not terminated (of ``executor_ids`` when given),
        oldest first."""
        with self.database.connect() as connection:
            rows = repo.unfinished_executors(connection, executor_ids)
        return [_executor_of(row) for row in rows]

    def list_executors(
        self,
        *,
        controller_id: str | None = None,
        status: Sequence[str] | None = None,
        executor_type: str | None = None,
        stranded: bool | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[StoredExecutor]:
        """Return executors filtered in SQL, newest first, one page at a time."""
        with self.database.connect() as connection:
            rows = repo.list_executors(
                connection,
                controller_id=controller_id,
                status=status,
                executor_type=executor_type,
                stranded=stranded,
                limit=limit,
                offset=offset,
            )
        return [_executor_of(row) for row in rows]

    def journal(self, executor_id: str) -> list[JournalEntry]:
        """Return an executor's journal in order, events decoded."""
        with self.database.connect() as connection:
            rows = repo.journal_for(connection, executor_id)
        return [_entry_of(row) for row in rows]

    def last_journal_seq(self, *, executor_ids: Collection[str] | None = None) -> dict[str, int]:
        """Return the highest journal seq per executor (of ``executor_ids`` when given)."""
        with self.database.connect() as connection:
            return repo.last_journal_seq(connection, executor_ids)

    def intent(self, intent_id: str) -> StoredIntent | None:
        """Return one intent, or None."""
        table = intents_table
        with self.database.connect() as connection:
            row = connection.execute(select(table).where(table.c.intent_id == intent_id)).first()
        return None if row is None else _intent_of(row)

    def intents_for(self, executor_id: str) -> list[StoredIntent]:
        """Return every intent of one executor, whatever its status, oldest first."""
        table = intents_table
        statement = (
            select(table)
            .where(table.c.executor_id == executor_id)
            .order_by(table.c.created_at, table.c.intent_id)
        )
        with self.database.connect() as connection:
            rows = connection.execute(statement).all()
        return [_intent_of(row) for row in rows]

    def open_intents(self, *, executor_ids: Collection[str] | None = None) -> list[StoredIntent]:
        """Return every intent that is PENDING, SENT or UNKNOWN (of ``executor_ids`` when
        given), oldest first."""
        with self.database.connect() as connection:
            rows = repo.open_intents(connection, executor_ids)
        return [_intent_of(row) for row in rows]

    def held_positions(self) -> list[HeldPosition]:
        """Return every held position, rebuilt from its stored record."""
        with self.database.connect() as connection:
            rows = repo.load_held_positions(connection)
        return [HeldPosition.from_record(loads(row.record_json)) for row in rows]

    def controller_state(self, controller_id: str) -> dict[str, Any] | None:
        """Return a controller's saved state, or None."""
        with self.database.connect() as connection:
            return repo.controller_state(connection, controller_id)

    # --- the service layer's reads and edits (:class:`~core.store.port.SearchableStore`) ----

    def search_executors(
        self, query: ExecutorQuery, *, after: SearchAnchor | None = None, limit: int = 100
    ) -> tuple[list[StoredExecutor], int]:
        """Return one page of executors matching ``query`` (newest first, after ``after``) and
        how many match in all. The records carry no config or state (their ``load_config`` and
        ``load_snapshot`` raise StoreError): read one executor with :meth:`get_executor`."""
        with self.database.connect() as connection:
            rows = search.search_executors(connection, query, after=after, limit=limit)
            total = search.count_executors(connection, query)
        return [_executor_of(row, blobs=False) for row in rows], total

    def report_rows(self, query: ExecutorQuery) -> list[ReportRow]:
        """Return the report figures of every executor matching ``query``."""
        with self.database.connect() as connection:
            return search.report_rows(connection, query)

    def executor_logs(
        self, executor_id: str, *, level: str | None = None, limit: int = 100
    ) -> tuple[list[ExecutorLogEntry], int]:
        """Return the last ``limit`` log entries of an executor and how many match in all."""
        with self.database.connect() as connection:
            return search.executor_logs(connection, executor_id, level=level, limit=limit)

    def append_log(self, executor_id: str, level: str, message: str, *, now: dt.datetime) -> None:
        """Add an entry to an executor's log (what a caller did to it, e.g. a stop)."""
        with self.database.begin() as connection:
            repo.append_log(connection, executor_id, level, message, now=now)

    def set_account_name(self, executor_id: str, account_name: str) -> None:
        """Record the account an executor was created for.

        Raises:
            KeyError: no executor has this id.
        """
        table = executors_table
        with self.database.begin() as connection:
            done = connection.execute(
                update(table)
                .where(table.c.executor_id == executor_id)
                .values(account_name=account_name)
            )
            if not done.rowcount:
                raise KeyError(f"Expected a stored executor, received unknown id {executor_id!r}")

    def delete_held_position(self, key: HeldPositionKey) -> bool:
        """Forget the held position at ``key``; False when none is stored there."""
        table = held_positions_table
        statement = delete(table).where(
            table.c.controller_id == key.controller_id,
            table.c.connector == key.connector,
            table.c.trading_pair == key.trading_pair,
            table.c.side == (key.side or ""),
        )
        with self.database.begin() as connection:
            result = connection.execute(statement)
        return bool(result.rowcount)

    def secret(self, name: str) -> bytes:
        """A random 32-byte secret kept in the database under ``name``, made on first use (every
        process on the database shares it, and it survives restarts)."""
        key = f"secret:{name}"
        table = meta_table
        for _ in range(2):
            with self.database.connect() as connection:
                value = connection.execute(select(table.c.value).where(table.c.key == key)).scalar()
                if value is not None:
                    return bytes.fromhex(value)
                try:
                    connection.execute(insert(table).values(key=key, value=secrets.token_hex(32)))
                    connection.commit()
                except IntegrityError:  # another process made it first: read theirs
                    continue
        return self.secret(name)

    def close(self) -> None:
        """Release every connection of the database."""
        self.database.close()


class _SqlUnitOfWork:
    """The writes of one transaction, run as they are called; :meth:`SqlStore.transaction`
    commits them."""

    def __init__(self, connection: Connection, fence: Fence | None = None) -> None:
        self._connection = connection
        self._fence = fence
        self.touched: set[str] = set()
        """The executors this unit writes (checked against the fence before the commit)."""
        self.created: set[str] = set()
        """The executors this unit creates (leased to this process once it commits)."""
        self.controllers: set[str] = set()
        """The controllers whose state this unit writes (a daemon sharing its policies)."""

    def _touch(self, executor_id: str) -> None:
        if self._fence is not None:
            self.touched.add(executor_id)

    def _touch_intent(self, intent_id: str) -> None:
        if self._fence is not None:
            table = intents_table
            executor_id = self._connection.execute(
                select(table.c.executor_id).where(table.c.intent_id == intent_id)
            ).scalar()
            if executor_id is not None:
                self.touched.add(executor_id)

    def save_executor(self, executor: Executor[Any, Any], *, now: dt.datetime) -> None:
        fence = self._fence
        self._touch(executor.id)
        new = repo.save_executor(
            self._connection,
            info=executor.info(now),
            config_json=dumps(executor.config.model_dump(mode="json")),
            snapshot=executor.snapshot(),
            now=now,
            catalog=catalog_fields(executor.config),
        )
        if fence is not None and new:  # created by this worker: leased to it from its first row
            connection = self._connection
            if fence.controllers_fenced:  # only by the daemon holding its controller
                check_controller_fence(connection, fence, executor.config.controller_id)
            lease_new_executor(connection, fence, executor.id)
            self.created.add(executor.id)

    def mark_stranded(self, executor_id: str, reason: str, *, now: dt.datetime) -> None:
        self._touch(executor_id)
        repo.mark_stranded(self._connection, executor_id, reason, now=now)

    def append_journal(self, executor_id: str, *, seq: int, event: Event) -> None:
        self._touch(executor_id)
        repo.append_journal(self._connection, executor_id=executor_id, seq=seq, event=event)

    def insert_intent(self, command: Command, *, now: dt.datetime) -> None:
        self._touch(command.executor_id)
        repo.insert_intent(self._connection, command, now=now)

    def set_intent_status(
        self,
        intent_id: str,
        status: str,
        *,
        now: dt.datetime,
        outcome: dict[str, Any] | None = None,
        events: Sequence[Event] | None = None,
        error: str | None = None,
        count_attempt: bool = False,
    ) -> None:
        self._touch_intent(intent_id)
        repo.set_intent_status(
            self._connection,
            intent_id,
            status,
            now=now,
            outcome=encode_outcome(events) if events is not None else outcome,
            error=error,
            count_attempt=count_attempt,
        )

    def add_intent_evidence(
        self, intent_id: str, facts: dict[str, Any], *, now: dt.datetime, replace: bool = False
    ) -> None:
        self._touch_intent(intent_id)
        repo.add_intent_evidence(self._connection, intent_id, facts, now=now, replace=replace)

    def save_held_position(self, position: HeldPosition, *, now: dt.datetime) -> None:
        key = position.key
        repo.save_held_position(
            self._connection,
            controller_id=key.controller_id,
            connector=key.connector,
            trading_pair=key.trading_pair,
            side=key.side,
            record=position.to_record(),
            net_base=position.net_base,
            average_price=position.average_price,
            realized_pnl_quote=position.realized_pnl_quote,
            fees_quote=position.fees_quote,
            now=now,
        )

    def save_controller_state(
        self, controller_id: str, *, kind: str, state: dict[str, Any], now: dt.datetime
    ) -> None:
        fence = self._fence
        if fence is not None and fence.controllers_fenced:  # a daemon sharing its policies
            self.controllers.add(controller_id)
            check_controller_fence(self._connection, fence, controller_id)
        repo.save_controller_state(self._connection, controller_id, kind=kind, state=state, now=now)


def _executor_of(row: Row[Any], *, blobs: bool = True) -> StoredExecutor:
    """The record of a row; ``blobs`` False: a search row, its config and state not loaded."""
    fields = row._asdict()  # one dict: each attribute read of a Row costs about 1 µs
    if blobs:
        load_config = partial(loads, fields["config_json"])
        load_snapshot = partial(loads, fields["state_json"])
    else:
        load_config = load_snapshot = partial(_not_loaded, fields["executor_id"])
    return StoredExecutor(
        executor_id=fields["executor_id"],
        type=fields["type"],
        controller_id=fields["controller_id"],
        status=ExecutorStatus(fields["status"]),
        close_type=CloseType(fields["close_type"]) if fields["close_type"] else None,
        revision=fields["revision"],
        created_at=fields["created_at"],
        updated_at=fields["updated_at"],
        closed_at=fields["closed_at"],
        stranded_reason=fields["stranded_reason"],
        net_pnl_quote=fields["net_pnl_quote"],
        net_pnl_pct=fields["net_pnl_pct"],
        fees_paid_quote=fields["fees_paid_quote"],
        fees_earned_quote=fields["fees_earned_quote"],
        value_quote=fields["value_quote"],
        volume_quote=fields["volume_quote"],
        load_config=load_config,
        load_snapshot=load_snapshot,
        connector_name=fields["connector_name"],
        trading_pair=fields["trading_pair"],
        side=fields["side"],
        account_name=fields["account_name"],
        error_count=fields["error_count"],
        last_error=fields["last_error"],
    )


def _not_loaded(executor_id: str) -> dict[str, Any]:
    raise StoreError(
        f"a search row carries no config or state; expected get_executor({executor_id!r}) "
        "to read them"
    )


def _intent_of(row: Row[Any]) -> StoredIntent:
    fields = row._asdict()
    return StoredIntent(
        intent_id=fields["intent_id"],
        executor_id=fields["executor_id"],
        kind=fields["kind"],
        command=decode_message(loads(fields["payload_json"])),
        status=fields["status"],
        attempts=fields["attempts"],
        created_at=fields["created_at"],
        updated_at=fields["updated_at"],
        outcome=None if fields["outcome_json"] is None else loads(fields["outcome_json"]),
        error=fields["error"],
        evidence=loads(fields["evidence_json"]) if fields["evidence_json"] else {},
    )


def _entry_of(row: Row[Any]) -> JournalEntry:
    fields = row._asdict()
    return JournalEntry(
        executor_id=fields["executor_id"],
        seq=fields["seq"],
        kind=fields["kind"],
        ts_event=fields["ts_event"],
        event=decode_message(loads(fields["payload_json"])),
    )
