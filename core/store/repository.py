"""Repository functions over the store's tables; each takes the caller's ``Connection`` (and
runs in its transaction: the caller commits) and returns rows (``Row``, read by attribute)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection, Row

from lpexec.core.info import ExecutorInfo
from lpexec.core.lifecycle import CloseType, ExecutorStatus
from lpexec.core.messages import Command, CommandFailed, Event
from lpexec.core.serialization import dumps, encode_message, loads
from lpexec.core.store.tables import (
    IntentStatus,
    controllers_table,
    executor_logs_table,
    executors_table,
    held_positions_table,
    intents_table,
    journal_table,
)

__all__ = [
    "LogLevel",
    "add_intent_evidence",
    "append_journal",
    "append_log",
    "controller_state",
    "get_executor",
    "insert_intent",
    "journal_for",
    "last_journal_seq",
    "list_executors",
    "load_held_positions",
    "mark_stranded",
    "open_intents",
    "save_controller_state",
    "save_executor",
    "save_held_position",
    "set_intent_status",
    "unfinished_executors",
]


class LogLevel:
    """The levels of executor log entries; stored as these strings."""

    INFO = "INFO"  # a status change
    WARNING = "WARNING"  # a failure the executor may recover from (a retry, an unknown outcome)
    ERROR = "ERROR"  # a failure it did not recover from; counted in ``error_count``

    ALL = (INFO, WARNING, ERROR)


def append_log(
    connection: Connection,
    executor_id: str,
    level: str,
    message: str,
    *,
    now: dt.datetime,
) -> None:
    """Add an entry to an executor's log; an ERROR also counts in its row's ``error_count`` and
    becomes its ``last_error``."""
    connection.execute(
        insert(executor_logs_table).values(
            executor_id=executor_id, ts=now, level=level, message=message
        )
    )
    if level != LogLevel.ERROR:
        return
    connection.execute(
        update(executors_table)
        .where(executors_table.c.executor_id == executor_id)
        .values(error_count=executors_table.c.error_count + 1, last_error=message)
    )


def save_executor(
    connection: Connection,
    *,
    info: ExecutorInfo,
    config_json: str,
    snapshot: dict[str, Any],
    now: dt.datetime,
    catalog: tuple[str, str, str] = ("", "", ""),
) -> bool:
    """Insert or update an executor's row from its report and state snapshot; return True when
    the row is new.

    ``config_json`` and ``catalog`` (connector name, trading pair, side) are written with a new
    row only. A new row and every change of status or close type add an entry to the
    executor's log.
    """
    table = executors_table
    old = connection.execute(
        select(table.c.status, table.c.close_type).where(table.c.executor_id == info.executor_id)
    ).first()
    close_type = info.close_type.value if info.close_type else None
    values: dict[str, Any] = {
        "status": info.status.value,
        "close_type": close_type,
        "state_json": dumps(snapshot),
        "revision": int(snapshot.get("revision", 0)),
        "updated_at": now,
        "closed_at": info.closed_at,
        "stranded_reason": info.stranded_reason,
        "net_pnl_quote": info.net_pnl_quote,
        "net_pnl_pct": info.net_pnl_pct,
        "fees_paid_quote": info.fees_paid_quote,
        "fees_earned_quote": info.fees_earned_quote,
        "value_quote": info.value_quote,
        "volume_quote": info.volume_quote,
    }
    if old is None:
        connector_name, trading_pair, side = catalog
        connection.execute(
            insert(table).values(
                executor_id=info.executor_id,
                type=info.type,
                controller_id=info.controller_id,
                connector_name=connector_name,
                trading_pair=trading_pair,
                side=side,
                config_json=config_json,
                created_at=info.created_at,
                **values,
            )
        )
        old_status = old_close = None
    else:
        connection.execute(
            update(table).where(table.c.executor_id == info.executor_id).values(values)
        )
        old_status, old_close = old.status, old.close_type
    if old_status != info.status.value or old_close != close_type:
        _log_status(connection, info, old_status, now=now)
    return old is None


def _log_status(
    connection: Connection, info: ExecutorInfo, old_status: str | None, *, now: dt.datetime
) -> None:
    status = info.status.value
    message = (
        f"started: status {status}" if old_status is None else f"status {old_status} -> {status}"
    )
    level = LogLevel.INFO
    if info.close_type is not None:
        message += f", close type {info.close_type.value}"
        if info.close_type is CloseType.FAILED:
            level = LogLevel.ERROR
    reason = getattr(info.details, "failure_reason", "")
    if reason and info.status is ExecutorStatus.TERMINATED:
        message += f": {reason}"
    append_log(connection, info.executor_id, level, message, now=now)


def mark_stranded(
    connection: Connection, executor_id: str, reason: str, *, now: dt.datetime
) -> None:
    """Record why an executor could not be resumed; it stays listed (and its log says why)."""
    done = connection.execute(
        update(executors_table)
        .where(executors_table.c.executor_id == executor_id)
        .values(stranded_reason=reason, updated_at=now)
    )
    if done.rowcount:
        append_log(connection, executor_id, LogLevel.ERROR, f"stranded: {reason}", now=now)


def get_executor(connection: Connection, executor_id: str) -> Row[Any] | None:
    """Return one executor row, or None."""
    return connection.execute(
        select(executors_table).where(executors_table.c.executor_id == executor_id)
    ).first()


def unfinished_executors(
    connection: Connection, executor_ids: Collection[str] | None = None
) -> Sequence[Row[Any]]:
    """Return every executor that has not terminated (of ``executor_ids`` when given), oldest
    first."""
    table = executors_table
    statement = select(table).where(table.c.status != ExecutorStatus.TERMINATED.value)
    if executor_ids is not None:
        return _in_chunks(
            connection,
            statement,
            table.c.executor_id,
            executor_ids,
            (lambda row: (row.created_at, row.executor_id)),
        )
    statement = statement.order_by(table.c.created_at, table.c.executor_id)
    return connection.execute(statement).all()


def _in_chunks(
    connection: Connection, statement: Any, column: Any, ids: Collection[str], key: Any
) -> list[Any]:
    """Rows of ``statement`` whose ``column`` is one of ``ids``, sorted by ``key``: one query
    with an array on PostgreSQL, a thousand ids per query elsewhere."""
    wanted = sorted(set(ids))
    rows: list[Any] = []
    if connection.dialect.name == "postgresql":
        array = bindparam("wanted", wanted, type_=ARRAY(String()))
        rows += connection.execute(statement.where(column == any_(array))).all()
    else:
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            rows += connection.execute(statement.where(column.in_(chunk))).all()
    rows.sort(key=key)
    return rows


def list_executors(
    connection: Connection,
    *,
    controller_id: str | None = None,
    status: Sequence[str] | None = None,
    executor_type: str | None = None,
    stranded: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Row[Any]]:
    """Return executors filtered in SQL, newest first, one page at a time."""
    table = executors_table
    statement = select(table)
    if controller_id is not None:
        statement = statement.where(table.c.controller_id == controller_id)
    if status:
        statement = statement.where(table.c.status.in_(list(status)))
    if executor_type is not None:
        statement = statement.where(table.c.type == executor_type)
    if stranded is True:
        statement = statement.where(table.c.stranded_reason.is_not(None))
    elif stranded is False:
        statement = statement.where(table.c.stranded_reason.is_(None))
    statement = statement.order_by(table.c.created_at.desc(), table.c.executor_id)
    return connection.execute(statement.offset(offset).limit(limit)).all()


def append_journal(connection: Connection, *, executor_id: str, seq: int, event: Event) -> None:
    """Append ``event`` as entry ``seq`` of the executor's journal; a failed command is also
    logged (WARNING when it may be retried, else ERROR)."""
    if type(event) is CommandFailed:
        _log_failure(connection, executor_id, event)
    payload = encode_message(event)
    connection.execute(
        insert(journal_table).values(
            executor_id=executor_id,
            seq=seq,
            kind=payload["kind"],
            ts_event=event.ts_event,
            payload_json=dumps(payload),
        )
    )


def _log_failure(connection: Connection, executor_id: str, event: CommandFailed) -> None:
    kind = connection.execute(
        select(intents_table.c.kind).where(intents_table.c.intent_id == event.command_id)
    ).scalar()
    what = f"{kind} ({event.command_id})" if kind is not None else event.command_id
    code = f" [{event.code}]" if event.code else ""
    retry = ", will retry" if event.retryable else ""
    level = LogLevel.WARNING if event.retryable else LogLevel.ERROR
    message = f"{what} failed{code}: {event.reason}{retry}"
    append_log(connection, executor_id, level, message, now=event.ts_event)


def last_journal_seq(
    connection: Connection, executor_ids: Collection[str] | None = None
) -> dict[str, int]:
    """Return the highest journal seq per executor (of ``executor_ids`` when given)."""
    column = journal_table.c.executor_id
    statement = select(column, func.max(journal_table.c.seq)).group_by(column)
    if executor_ids is None:
        rows: Sequence[Any] = connection.execute(statement).all()
    else:
        rows = _in_chunks(connection, statement, column, executor_ids, lambda row: row[0])
    return {executor_id: int(seq) for executor_id, seq in rows}


def journal_for(connection: Connection, executor_id: str) -> Sequence[Row[Any]]:
    """Return an executor's journal in order."""
    statement = (
        select(journal_table)
        .where(journal_table.c.executor_id == executor_id)
        .order_by(journal_table.c.seq)
    )
    return connection.execute(statement).all()


def insert_intent(connection: Connection, command: Command, *, now: dt.datetime) -> None:
    """Record a write command as PENDING before it is sent."""
    payload = encode_message(command)
    connection.execute(
        insert(intents_table).values(
            intent_id=command.command_id,
            executor_id=command.executor_id,
            kind=payload["kind"],
            payload_json=dumps(payload),
            status=IntentStatus.PENDING,
            created_at=now,
            updated_at=now,
        )
    )


def set_intent_status(
    connection: Connection,
    intent_id: str,
    status: str,
    *,
    now: dt.datetime,
    outcome: dict[str, Any] | None = None,
    error: str | None = None,
    count_attempt: bool = False,
) -> None:
    """Move an intent to ``status``, recording its outcome or error."""
    table = intents_table
    row = connection.execute(
        select(table.c.executor_id, table.c.kind, table.c.status).where(
            table.c.intent_id == intent_id
        )
    ).first()
    if row is None:
        raise KeyError(f"Expected a recorded intent, received unknown id {intent_id!r}")
    if status != row.status and status in _LOGGED_INTENT_STATUSES:
        level, what = _LOGGED_INTENT_STATUSES[status]
        detail = f": {error}" if error else ""
        message = f"{row.kind} ({intent_id}) {what}{detail}"
        append_log(connection, row.executor_id, level, message, now=now)
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if count_attempt:
        values["attempts"] = table.c.attempts + 1
    if outcome is not None:
        values["outcome_json"] = dumps(outcome)
    if error is not None:
        values["error"] = error
    connection.execute(update(table).where(table.c.intent_id == intent_id).values(values))


_LOGGED_INTENT_STATUSES = {
    IntentStatus.UNKNOWN: (LogLevel.WARNING, "outcome unknown, reconciling"),
    IntentStatus.EXPIRED: (LogLevel.WARNING, "outcome still unknown at the end of its budget"),
}


def add_intent_evidence(
    connection: Connection,
    intent_id: str,
    facts: dict[str, Any],
    *,
    now: dt.datetime,
    replace: bool = False,
) -> None:
    """Merge ``facts`` into an intent's evidence (``replace``: they become all of it)."""
    table = intents_table
    row = connection.execute(
        select(table.c.evidence_json).where(table.c.intent_id == intent_id)
    ).first()
    if row is None:
        raise KeyError(f"Expected a recorded intent, received unknown id {intent_id!r}")
    evidence = loads(row.evidence_json) if row.evidence_json and not replace else {}
    evidence.update(facts)
    connection.execute(
        update(table)
        .where(table.c.intent_id == intent_id)
        .values(evidence_json=dumps(evidence), updated_at=now)
    )


def open_intents(
    connection: Connection, executor_ids: Collection[str] | None = None
) -> Sequence[Row[Any]]:
    """Return every intent that is PENDING, SENT or UNKNOWN (of ``executor_ids`` when given),
    oldest first."""
    table = intents_table
    statement = select(table).where(table.c.status.in_(IntentStatus.OPEN))
    if executor_ids is not None:
        return _in_chunks(
            connection,
            statement,
            table.c.executor_id,
            executor_ids,
            lambda row: (row.created_at, row.intent_id),
        )
    statement = statement.order_by(table.c.created_at, table.c.intent_id)
    return connection.execute(statement).all()


def save_held_position(
    connection: Connection,
    *,
    controller_id: str,
    connector: str,
    trading_pair: str,
    side: str | None,
    record: dict[str, Any],
    net_base: Decimal,
    average_price: Decimal,
    realized_pnl_quote: Decimal,
    fees_quote: Decimal,
    now: dt.datetime,
) -> None:
    """Insert or update the held position for its natural key."""
    table = held_positions_table
    key = {
        "controller_id": controller_id,
        "connector": connector,
        "trading_pair": trading_pair,
        "side": side or "",
    }
    values = {
        "record_json": dumps(record),
        "net_base": net_base,
        "average_price": average_price,
        "realized_pnl_quote": realized_pnl_quote,
        "fees_quote": fees_quote,
        "updated_at": now,
    }
    done = connection.execute(
        update(table).where(*(table.c[name] == value for name, value in key.items())).values(values)
    )
    if not done.rowcount:
        connection.execute(insert(table).values(**key, **values))


def load_held_positions(connection: Connection) -> Sequence[Row[Any]]:
    """Return every held position row."""
    table = held_positions_table
    return connection.execute(select(table).order_by(table.c.id)).all()


def controller_state(connection: Connection, controller_id: str) -> dict[str, Any] | None:
    """Return a controller's saved state, or None."""
    table = controllers_table
    state_json = connection.execute(
        select(table.c.state_json).where(table.c.controller_id == controller_id)
    ).scalar()
    return None if state_json is None else dict(loads(state_json))


def save_controller_state(
    connection: Connection,
    controller_id: str,
    *,
    kind: str,
    state: dict[str, Any],
    now: dt.datetime,
) -> None:
    """Insert or replace a controller's state."""
    table = controllers_table
    values = {"kind": kind, "state_json": dumps(state), "updated_at": now}
    done = connection.execute(
        update(table).where(table.c.controller_id == controller_id).values(values)
    )
    if not done.rowcount:
        connection.execute(insert(table).values(controller_id=controller_id, **values))
