"""Repository functions over the store's tables; each takes the caller's ``Session``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, func
from sqlmodel import Session, col, select

from lpexec.core.info import ExecutorInfo
from lpexec.core.lifecycle import CloseType, ExecutorStatus
from lpexec.core.messages import Command, CommandFailed, Event
from lpexec.core.serialization import dumps, encode_message, loads
from lpexec.core.store.tables import (
    ControllerRow,
    ExecutorLogRow,
    ExecutorRow,
    HeldPositionRow,
    IntentRow,
    IntentStatus,
    JournalRow,
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
    session: Session,
    executor_id: str,
    level: str,
    message: str,
    *,
    now: dt.datetime,
    row: ExecutorRow | None = None,
) -> None:
    """Add an entry to an executor's log; an ERROR also counts in its row's ``error_count`` and
    becomes its ``last_error`` (``row``: the executor's row when the caller holds it)."""
    session.add(ExecutorLogRow(executor_id=executor_id, ts=now, level=level, message=message))
    if level != LogLevel.ERROR:
        return
    row = row if row is not None else session.get(ExecutorRow, executor_id)
    if row is not None:
        row.error_count += 1
        row.last_error = message
        session.add(row)


def save_executor(
    session: Session,
    *,
    info: ExecutorInfo,
    config_json: str,
    snapshot: dict[str, Any],
    now: dt.datetime,
    catalog: tuple[str, str, str] = ("", "", ""),
) -> None:
    """Insert or update an executor's row from its report and state snapshot.

    ``catalog`` (connector name, trading pair, side) is written with a new row. A new row and
    every change of status or close type add an entry to the executor's log.
    """
    row = session.get(ExecutorRow, info.executor_id)
    old_status: str | None = None
    old_close: str | None = None
    if row is None:
        connector_name, trading_pair, side = catalog
        row = ExecutorRow(
            executor_id=info.executor_id,
            type=info.type,
            controller_id=info.controller_id,
            status=info.status.value,
            connector_name=connector_name,
            trading_pair=trading_pair,
            side=side,
            config_json=config_json,
            state_json="{}",
            created_at=info.created_at,
            updated_at=now,
        )
    else:
        old_status, old_close = row.status, row.close_type
    close_type = info.close_type.value if info.close_type else None
    if old_status != info.status.value or old_close != close_type:
        _log_status(session, row, info, old_status, now=now)
    row.status = info.status.value
    row.close_type = close_type
    row.state_json = dumps(snapshot)
    row.revision = int(snapshot.get("revision", 0))
    row.updated_at = now
    row.closed_at = info.closed_at
    row.stranded_reason = info.stranded_reason
    row.net_pnl_quote = info.net_pnl_quote
    row.net_pnl_pct = info.net_pnl_pct
    row.fees_paid_quote = info.fees_paid_quote
    row.fees_earned_quote = info.fees_earned_quote
    row.value_quote = info.value_quote
    row.volume_quote = info.volume_quote
    session.add(row)


def _log_status(
    session: Session,
    row: ExecutorRow,
    info: ExecutorInfo,
    old_status: str | None,
    *,
    now: dt.datetime,
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
    append_log(session, info.executor_id, level, message, now=now, row=row)


def mark_stranded(session: Session, executor_id: str, reason: str, *, now: dt.datetime) -> None:
    """Record why an executor could not be resumed; it stays listed (and its log says why)."""
    row = session.get(ExecutorRow, executor_id)
    if row is not None:
        row.stranded_reason = reason
        row.updated_at = now
        session.add(row)
        append_log(session, executor_id, LogLevel.ERROR, f"stranded: {reason}", now=now, row=row)


def get_executor(session: Session, executor_id: str) -> ExecutorRow | None:
    """Return one executor row, or None."""
    return session.get(ExecutorRow, executor_id)


def unfinished_executors(
    session: Session, executor_ids: Collection[str] | None = None
) -> Sequence[ExecutorRow]:
    """Return every executor that has not terminated (of ``executor_ids`` when given), oldest
    first."""
    statement = select(ExecutorRow).where(ExecutorRow.status != ExecutorStatus.TERMINATED.value)
    if executor_ids is not None:
        return _in_chunks(
            session,
            statement,
            col(ExecutorRow.executor_id),
            executor_ids,
            (lambda row: (row.created_at, row.executor_id)),
        )
    statement = statement.order_by(col(ExecutorRow.created_at), col(ExecutorRow.executor_id))
    return session.exec(statement).all()


def _in_chunks(
    session: Session, statement: Any, column: Any, ids: Collection[str], key: Any
) -> list[Any]:
    """Rows of ``statement`` whose ``column`` is one of ``ids``, sorted by ``key``: one query
    with an array on PostgreSQL, a thousand ids per query elsewhere."""
    wanted = sorted(set(ids))
    rows: list[Any] = []
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam("wanted", wanted, type_=ARRAY(String()))
        rows += session.exec(statement.where(column == any_(array))).all()
    else:
        for start in range(0, len(wanted), 1000):
            rows += session.exec(statement.where(column.in_(wanted[start : start + 1000]))).all()
    rows.sort(key=key)
    return rows


def list_executors(
    session: Session,
    *,
    controller_id: str | None = None,
    status: Sequence[str] | None = None,
    executor_type: str | None = None,
    stranded: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[ExecutorRow]:
    """Return executors filtered in SQL, newest first, one page at a time."""
    statement = select(ExecutorRow)
    if controller_id is not None:
        statement = statement.where(ExecutorRow.controller_id == controller_id)
    if status:
        statement = statement.where(col(ExecutorRow.status).in_(list(status)))
    if executor_type is not None:
        statement = statement.where(ExecutorRow.type == executor_type)
    if stranded is True:
        statement = statement.where(col(ExecutorRow.stranded_reason).is_not(None))
    elif stranded is False:
        statement = statement.where(col(ExecutorRow.stranded_reason).is_(None))
    statement = statement.order_by(col(ExecutorRow.created_at).desc(), col(ExecutorRow.executor_id))
    return session.exec(statement.offset(offset).limit(limit)).all()


def append_journal(session: Session, *, executor_id: str, seq: int, event: Event) -> None:
    """Append ``event`` as entry ``seq`` of the executor's journal; a failed command is also
    logged (WARNING when it may be retried, else ERROR)."""
    if type(event) is CommandFailed:
        _log_failure(session, executor_id, event)
    payload = encode_message(event)
    session.add(
        JournalRow(
            executor_id=executor_id,
            seq=seq,
            kind=payload["kind"],
            ts_event=event.ts_event,
            payload_json=dumps(payload),
        )
    )


def _log_failure(session: Session, executor_id: str, event: CommandFailed) -> None:
    intent = session.get(IntentRow, event.command_id)
    what = f"{intent.kind} ({event.command_id})" if intent is not None else event.command_id
    code = f" [{event.code}]" if event.code else ""
    retry = ", will retry" if event.retryable else ""
    level = LogLevel.WARNING if event.retryable else LogLevel.ERROR
    message = f"{what} failed{code}: {event.reason}{retry}"
    append_log(session, executor_id, level, message, now=event.ts_event)


def last_journal_seq(
    session: Session, executor_ids: Collection[str] | None = None
) -> dict[str, int]:
    """Return the highest journal seq per executor (of ``executor_ids`` when given)."""
    statement = select(JournalRow.executor_id, func.max(JournalRow.seq)).group_by(
        col(JournalRow.executor_id)
    )
    if executor_ids is None:
        rows = session.exec(statement).all()
    else:
        rows = _in_chunks(
            session, statement, col(JournalRow.executor_id), executor_ids, lambda row: row[0]
        )
    return {executor_id: int(seq) for executor_id, seq in rows}


def journal_for(session: Session, executor_id: str) -> Sequence[JournalRow]:
    """Return an executor's journal in order."""
    statement = (
        select(JournalRow)
        .where(JournalRow.executor_id == executor_id)
        .order_by(col(JournalRow.seq))
    )
    return session.exec(statement).all()


def insert_intent(session: Session, command: Command, *, now: dt.datetime) -> None:
    """Record a write command as PENDING before it is sent."""
    payload = encode_message(command)
    session.add(
        IntentRow(
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
    session: Session,
    intent_id: str,
    status: str,
    *,
    now: dt.datetime,
    outcome: dict[str, Any] | None = None,
    error: str | None = None,
    count_attempt: bool = False,
) -> None:
    """Move an intent to ``status``, recording its outcome or error."""
    row = session.get(IntentRow, intent_id)
    if row is None:
        raise KeyError(f"Expected a recorded intent, received unknown id {intent_id!r}")
    if status != row.status and status in _LOGGED_INTENT_STATUSES:
        level, what = _LOGGED_INTENT_STATUSES[status]
        detail = f": {error}" if error else ""
        message = f"{row.kind} ({intent_id}) {what}{detail}"
        append_log(session, row.executor_id, level, message, now=now)
    row.status = status
    row.updated_at = now
    if count_attempt:
        row.attempts += 1
    if outcome is not None:
        row.outcome_json = dumps(outcome)
    if error is not None:
        row.error = error
    session.add(row)


_LOGGED_INTENT_STATUSES = {
    IntentStatus.UNKNOWN: (LogLevel.WARNING, "outcome unknown, reconciling"),
    IntentStatus.EXPIRED: (LogLevel.WARNING, "outcome still unknown at the end of its budget"),
}


def add_intent_evidence(
    session: Session,
    intent_id: str,
    facts: dict[str, Any],
    *,
    now: dt.datetime,
    replace: bool = False,
) -> None:
    """Merge ``facts`` into an intent's evidence (``replace``: they become all of it)."""
    row = session.get(IntentRow, intent_id)
    if row is None:
        raise KeyError(f"Expected a recorded intent, received unknown id {intent_id!r}")
    evidence = loads(row.evidence_json) if row.evidence_json and not replace else {}
    evidence.update(facts)
    row.evidence_json = dumps(evidence)
    row.updated_at = now
    session.add(row)


def open_intents(
    session: Session, executor_ids: Collection[str] | None = None
) -> Sequence[IntentRow]:
    """Return every intent that is PENDING, SENT or UNKNOWN (of ``executor_ids`` when given),
    oldest first."""
    statement = select(IntentRow).where(col(IntentRow.status).in_(IntentStatus.OPEN))
    if executor_ids is not None:
        return _in_chunks(
            session,
            statement,
            col(IntentRow.executor_id),
            executor_ids,
            lambda row: (row.created_at, row.intent_id),
        )
    statement = statement.order_by(col(IntentRow.created_at), col(IntentRow.intent_id))
    return session.exec(statement).all()


def save_held_position(
    session: Session,
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
    side_value = side or ""
    statement = select(HeldPositionRow).where(
        HeldPositionRow.controller_id == controller_id,
        HeldPositionRow.connector == connector,
        HeldPositionRow.trading_pair == trading_pair,
        HeldPositionRow.side == side_value,
    )
    row = session.exec(statement).first()
    if row is None:
        row = HeldPositionRow(
            controller_id=controller_id,
            connector=connector,
            trading_pair=trading_pair,
            side=side_value,
            record_json="{}",
            updated_at=now,
        )
    row.record_json = dumps(record)
    row.net_base = net_base
    row.average_price = average_price
    row.realized_pnl_quote = realized_pnl_quote
    row.fees_quote = fees_quote
    row.updated_at = now
    session.add(row)


def load_held_positions(session: Session) -> Sequence[HeldPositionRow]:
    """Return every held position row."""
    return session.exec(select(HeldPositionRow).order_by(col(HeldPositionRow.id))).all()


def controller_state(session: Session, controller_id: str) -> dict[str, Any] | None:
    """Return a controller's saved state, or None."""
    row = session.get(ControllerRow, controller_id)
    return None if row is None else dict(loads(row.state_json))


def save_controller_state(
    session: Session, controller_id: str, *, kind: str, state: dict[str, Any], now: dt.datetime
) -> None:
    """Insert or replace a controller's state."""
    row = session.get(ControllerRow, controller_id)
    if row is None:
        row = ControllerRow(controller_id=controller_id, kind=kind, state_json="{}", updated_at=now)
    row.kind = kind
    row.state_json = dumps(state)
    row.updated_at = now
    session.add(row)
