"""``MemoryStore``: the store port in plain dicts, for backtests and tests. **Not durable.**"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import partial
from types import TracebackType
from typing import Any

from lpexec.core.errors import StoreError
from lpexec.core.executor import Executor
from lpexec.core.held import HeldPosition, HeldPositionKey
from lpexec.core.messages import Command, Event, message_name
from lpexec.core.serialization import encode_outcome
from lpexec.core.store.migrations import catalog_fields
from lpexec.core.store.port import JournalEntry, StoredExecutor, StoredIntent
from lpexec.core.store.tables import IntentStatus

__all__ = ["MemoryStore"]

AnyExecutor = Executor[Any, Any]


class MemoryStore:
    """The store port in process memory: fast, and gone when the process ends.

    **Not durable**: nothing is written to disk and nothing survives the process. Use it for
    backtests and tests, where a crash loses nothing worth keeping; use
    :class:`~core.store.sql.SqlStore` for anything that must survive a restart.

    Saving is O(1) and serializes nothing: the store keeps a reference to the live executor
    (and the time it was saved) and builds its report figures, config and state snapshot only
    when something reads it (``get_executor``, ``list_executors``, ``unfinished_executors``).
    Held positions are kept the same way and copied by ``held_positions``.
    Consequences of holding the live object rather than a copy:

    - a read shows the executor as it is at the time of the read, including changes the
      engine does not save (a market event that moves no revision, such as a noted last
      price); a new engine on the same store resumes from that, where :class:`SqlStore`
      resumes from the last save;
    - an executor stranded because applying an event raised keeps the state its object holds,
      which may be half-applied (:class:`SqlStore` keeps the last state saved before the error).

    Journal entries keep the event objects, intents keep the command objects, one list or dict
    each. ``MemoryStore(journal=False)`` keeps no journal (a backtest never reads it back: the
    engine then writes none, :meth:`journal` returns nothing and :meth:`last_journal_seq`
    knows no executor). A unit of work buffers its writes and applies them when its ``with``
    block ends without an exception, so a failed block leaves nothing written. Several engines
    in one process may share a store one after the other (a restart in a test), not at the same
    time.

    Example:
        >>> store = MemoryStore()
        >>> engine = Engine(store=store, clock=SimulatedClock(start), executor_types=[LPExecutor],
        ...                 venues={"meteora/clmm": paper_venue})
        >>> await engine.start()
    """

    def __init__(self, *, journal: bool = True) -> None:
        self.keeps_journal = journal
        """False: journal entries are not kept (the engine skips writing them)."""
        self._executors: dict[str, _ExecutorEntry] = {}
        self._journal: dict[str, list[tuple[int, Event]]] = {}
        self._intents: dict[str, _IntentEntry] = {}
        self._held: dict[HeldPositionKey, HeldPosition] = {}
        self._controllers: dict[str, dict[str, Any]] = {}

    def transaction(self) -> _MemoryUnitOfWork:
        """Buffer writes; apply them all when the block ends without an exception."""
        return _MemoryUnitOfWork(self)

    # --- reads ---------------------------------------------------------------------------------

    def has_executor(self, executor_id: str) -> bool:
        """True when an executor with this id was saved."""
        return executor_id in self._executors

    def get_executor(self, executor_id: str) -> StoredExecutor | None:
        """Return one executor as its object is now, or None."""
        entry = self._executors.get(executor_id)
        return None if entry is None else entry.record()

    def saved_executors(self) -> list[AnyExecutor]:
        """Every saved executor's live object, in the order first saved (a backtest's report
        reads them without building a record each; never mutate them)."""
        return [entry.executor for entry in self._executors.values()]

    def unfinished_executors(
        self, *, executor_ids: Collection[str] | None = None
    ) -> list[StoredExecutor]:
        """Return every executor that has not terminated (of ``executor_ids`` when given),
        oldest first."""
        wanted = None if executor_ids is None else set(executor_ids)
        entries = [
            entry
            for executor_id, entry in self._executors.items()
            if not entry.executor.is_terminated and (wanted is None or executor_id in wanted)
        ]
        entries.sort(key=lambda entry: (entry.executor.created_at, entry.executor.id))
        return [entry.record() for entry in entries]

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
        """Return executors matching every filter given, newest first, one page at a time."""
        statuses = set(status) if status else None
        selected = []
        for entry in self._executors.values():
            executor = entry.executor
            if controller_id is not None and executor.config.controller_id != controller_id:
                continue
            if statuses is not None and executor.status.value not in statuses:
                continue
            if executor_type is not None and executor.type != executor_type:
                continue
            if stranded is not None and (entry.stranded_reason is not None) is not stranded:
                continue
            selected.append(entry)
        # newest first, ties by id ascending (the SQL store's order)
        selected.sort(key=lambda entry: entry.executor.id)
        selected.sort(key=lambda entry: entry.executor.created_at, reverse=True)
        return [entry.record() for entry in selected[offset : offset + limit]]

    def journal(self, executor_id: str) -> list[JournalEntry]:
        """Return an executor's journal in order."""
        return [
            JournalEntry(
                executor_id=executor_id,
                seq=seq,
                kind=message_name(event),
                ts_event=event.ts_event,
                event=event,
            )
            for seq, event in self._journal.get(executor_id, ())
        ]

    def last_journal_seq(self, *, executor_ids: Collection[str] | None = None) -> dict[str, int]:
        """Return the highest journal seq per executor (of ``executor_ids`` when given)."""
        wanted = None if executor_ids is None else set(executor_ids)
        return {
            executor_id: max(seq for seq, _ in entries)
            for executor_id, entries in self._journal.items()
            if entries and (wanted is None or executor_id in wanted)
        }

    def intent(self, intent_id: str) -> StoredIntent | None:
        """Return one intent, or None."""
        entry = self._intents.get(intent_id)
        return None if entry is None else entry.record(intent_id)

    def intents_for(self, executor_id: str) -> list[StoredIntent]:
        """Return every intent of one executor, whatever its status, oldest first."""
        return self._intents_where(lambda entry: entry.command.executor_id == executor_id)

    def open_intents(self, *, executor_ids: Collection[str] | None = None) -> list[StoredIntent]:
        """Return every intent that is PENDING, SENT or UNKNOWN (of ``executor_ids`` when
        given), oldest first."""
        wanted = None if executor_ids is None else set(executor_ids)
        return self._intents_where(
            lambda entry: (
                entry.status in IntentStatus.OPEN
                and (wanted is None or entry.command.executor_id in wanted)
            )
        )

    def _intents_where(self, keep: Callable[[_IntentEntry], bool]) -> list[StoredIntent]:
        selected = [(intent_id, entry) for intent_id, entry in self._intents.items() if keep(entry)]
        selected.sort(key=lambda item: (item[1].created_at, item[0]))
        return [entry.record(intent_id) for intent_id, entry in selected]

    def held_positions(self) -> list[HeldPosition]:
        """Return every held position as a new object, in the order they were first saved."""
        return [HeldPosition.from_record(position.to_record()) for position in self._held.values()]

    def controller_state(self, controller_id: str) -> dict[str, Any] | None:
        """Return a copy of a controller's saved state, or None."""
        state = self._controllers.get(controller_id)
        return None if state is None else copy.deepcopy(state)

    # --- one executor's change in one call -------------------------------------------------------

    def save_change(
        self,
        executor: AnyExecutor,
        *,
        now: dt.datetime,
        commands: Sequence[Command],
        intent: tuple[str, str, dict[str, Any] | None, Sequence[Event] | None, str | None] | None,
    ) -> None:
        """What a unit of work saving ``executor``, inserting an intent for each write command of
        ``commands`` and setting ``intent`` (id, status, outcome, events, error) would do, in
        one call (an engine's most common change, without a unit of work): everything is checked
        before anything is written, so a refused change writes nothing. Only for a store that
        keeps no journal (the engine writes journal entries with the change otherwise)."""
        intents = self._intents
        inserted: list[str] = []
        for command in commands:
            if command.is_write:
                intent_id = command.command_id
                if intent_id in intents or intent_id in inserted:
                    raise StoreError(
                        f"intent: expected a new intent id, received {intent_id!r} again"
                    )
                inserted.append(intent_id)
        if intent is not None and intent[0] not in intents and intent[0] not in inserted:
            raise KeyError(f"Expected a recorded intent, received unknown id {intent[0]!r}")
        self._save_executor(executor, now)
        if inserted:
            for command in commands:
                if command.is_write:
                    self._insert_intent(command, now)
        if intent is not None:
            intent_id, status, outcome, events, error = intent
            self._set_intent_status(intent_id, status, now, outcome, events, error, False)

    def save_intent_status(
        self, intent_id: str, status: str, *, now: dt.datetime, count_attempt: bool = False
    ) -> None:
        """A unit of work that only sets an intent's status (counting an attempt), in one
        call."""
        if intent_id not in self._intents:
            raise KeyError(f"Expected a recorded intent, received unknown id {intent_id!r}")
        self._set_intent_status(intent_id, status, now, None, None, None, count_attempt)

    def save_intent_evidence(
        self, intent_id: str, facts: dict[str, Any], *, now: dt.datetime
    ) -> None:
        """A unit of work that only adds facts to an intent's evidence, in one call."""
        if intent_id not in self._intents:
            raise KeyError(f"Expected a recorded intent, received unknown id {intent_id!r}")
        self._add_intent_evidence(intent_id, dict(facts), now, False)

    # --- applying a unit of work's writes --------------------------------------------------------

    def _save_executor(self, executor: AnyExecutor, now: dt.datetime) -> None:
        entry = self._executors.get(executor.id)
        if entry is None:
            self._executors[executor.id] = _ExecutorEntry(executor, now)
            return
        entry.executor = executor
        entry.updated_at = now
        entry.stranded_reason = None  # as in SQL: a save writes the report, which has no reason

    def _mark_stranded(self, executor_id: str, reason: str, now: dt.datetime) -> None:
        entry = self._executors.get(executor_id)
        if entry is not None:
            entry.stranded_reason = reason
            entry.updated_at = now

    def _append_journal(self, executor_id: str, seq: int, event: Event) -> None:
        entries = self._journal.get(executor_id)
        if entries is None:
            self._journal[executor_id] = [(seq, event)]
        else:
            entries.append((seq, event))

    def _insert_intent(self, command: Command, now: dt.datetime) -> None:
        self._intents[command.command_id] = _IntentEntry(command, IntentStatus.PENDING, now, now)

    def _set_intent_status(
        self,
        intent_id: str,
        status: str,
        now: dt.datetime,
        outcome: dict[str, Any] | None,
        events: Sequence[Event] | None,
        error: str | None,
        count_attempt: bool,
    ) -> None:
        entry = self._intents[intent_id]
        entry.status = status
        entry.updated_at = now
        if count_attempt:
            entry.attempts += 1
        if outcome is not None:
            entry.outcome, entry.events = outcome, None
        if events is not None:
            # encoded when the intent is read: most never are (backtests record thousands)
            entry.outcome, entry.events = None, tuple(events)
        if error is not None:
            entry.error = error

    def _add_intent_evidence(
        self, intent_id: str, facts: dict[str, Any], now: dt.datetime, replace: bool
    ) -> None:
        entry = self._intents[intent_id]
        if replace:
            entry.evidence.clear()
        entry.evidence.update(facts)
        entry.updated_at = now

    def _save_held_position(self, position: HeldPosition) -> None:
        self._held[position.key] = position

    def _save_controller_state(self, controller_id: str, state: dict[str, Any]) -> None:
        self._controllers[controller_id] = state


class _MemoryUnitOfWork:
    """Buffered writes of one :meth:`MemoryStore.transaction`; checks happen when called."""

    __slots__ = ("_new_intents", "_store", "writes")

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._new_intents: Collection[str] = ()  # a set once an intent is inserted
        self.writes: list[tuple[Callable[..., None], tuple[Any, ...]]] = []
        """Each write as a ``MemoryStore`` method and its arguments (after the store)."""

    # A context manager of its own (no generator): the engine opens one per event it applies.
    def __enter__(self) -> _MemoryUnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            store = self._store
            for write, arguments in self.writes:
                write(store, *arguments)

    def save_executor(self, executor: AnyExecutor, *, now: dt.datetime) -> None:
        self.writes.append(
            (
                MemoryStore._save_executor,
                (
                    executor,
                    now,
                ),
            )
        )

    def mark_stranded(self, executor_id: str, reason: str, *, now: dt.datetime) -> None:
        self.writes.append(
            (
                MemoryStore._mark_stranded,
                (
                    executor_id,
                    reason,
                    now,
                ),
            )
        )

    def append_journal(self, executor_id: str, *, seq: int, event: Event) -> None:
        if self._store.keeps_journal:
            self.writes.append(
                (
                    MemoryStore._append_journal,
                    (
                        executor_id,
                        seq,
                        event,
                    ),
                )
            )

    def insert_intent(self, command: Command, *, now: dt.datetime) -> None:
        intent_id = command.command_id
        if intent_id in self._store._intents or intent_id in self._new_intents:
            raise StoreError(f"intent: expected a new intent id, received {intent_id!r} again")
        if not isinstance(self._new_intents, set):
            self._new_intents = set()
        self._new_intents.add(intent_id)
        self.writes.append(
            (
                MemoryStore._insert_intent,
                (
                    command,
                    now,
                ),
            )
        )

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
        if intent_id not in self._store._intents and intent_id not in self._new_intents:
            raise KeyError(f"Expected a recorded intent, received unknown id {intent_id!r}")
        self.writes.append(
            (
                MemoryStore._set_intent_status,
                (
                    intent_id,
                    status,
                    now,
                    outcome,
                    events,
                    error,
                    count_attempt,
                ),
            )
        )

    def add_intent_evidence(
        self, intent_id: str, facts: dict[str, Any], *, now: dt.datetime, replace: bool = False
    ) -> None:
        if intent_id not in self._store._intents and intent_id not in self._new_intents:
            raise KeyError(f"Expected a recorded intent, received unknown id {intent_id!r}")
        self.writes.append(
            (
                MemoryStore._add_intent_evidence,
                (
                    intent_id,
                    dict(facts),
                    now,
                    replace,
                ),
            )
        )

    def save_held_position(
        self,
        position: HeldPosition,
        *,
        now: dt.datetime,  # noqa: ARG002 - the port's signature; memory keeps no timestamps here
    ) -> None:
        # Like executors, the live object is kept and copied only when read: a record per save
        # costs O(fills) and a long backtest hands thousands of fills to one position.
        self.writes.append((MemoryStore._save_held_position, (position,)))

    def save_controller_state(
        self,
        controller_id: str,
        *,
        kind: str,  # noqa: ARG002 - the port's signature; memory keeps the state only
        state: dict[str, Any],
        now: dt.datetime,  # noqa: ARG002
    ) -> None:
        # Kept as given, not copied: callers hand over a fresh dict (reads return copies).
        self.writes.append(
            (
                MemoryStore._save_controller_state,
                (
                    controller_id,
                    state,
                ),
            )
        )


class _ExecutorEntry:
    """A saved executor: the live object, when it was saved, and why it is stranded if it is."""

    __slots__ = ("executor", "stranded_reason", "updated_at")

    def __init__(self, executor: AnyExecutor, updated_at: dt.datetime) -> None:
        self.executor = executor
        self.updated_at = updated_at
        self.stranded_reason: str | None = None

    def record(self) -> StoredExecutor:
        executor = self.executor
        metrics = executor.metrics()
        connector_name, trading_pair, side = catalog_fields(executor.config)
        return StoredExecutor(
            executor_id=executor.id,
            type=executor.type,
            controller_id=executor.config.controller_id,
            status=executor.status,
            close_type=executor.close_type,
            revision=executor.revision,
            created_at=executor.created_at,
            updated_at=self.updated_at,
            closed_at=executor.closed_at,
            stranded_reason=self.stranded_reason,
            net_pnl_quote=metrics.net_pnl_quote,
            net_pnl_pct=metrics.net_pnl_pct,
            fees_paid_quote=metrics.fees_paid_quote,
            fees_earned_quote=metrics.fees_earned_quote,
            value_quote=metrics.value_quote,
            volume_quote=metrics.volume_quote,
            load_config=partial(executor.config.model_dump, mode="json"),
            load_snapshot=executor.snapshot,
            connector_name=connector_name,
            trading_pair=trading_pair,
            side=side,
        )


@dataclass(slots=True)
class _IntentEntry:
    command: Command
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    attempts: int = 0
    outcome: dict[str, Any] | None = None
    events: tuple[Event, ...] | None = None
    """Outcome events not encoded yet (see :meth:`record`)."""
    error: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def record(self, intent_id: str) -> StoredIntent:
        if self.events is not None:
            self.outcome, self.events = encode_outcome(self.events), None
        return StoredIntent(
            intent_id=intent_id,
            executor_id=self.command.executor_id,
            kind=message_name(self.command),
            command=self.command,
            status=self.status,
            attempts=self.attempts,
            created_at=self.created_at,
            updated_at=self.updated_at,
            outcome=self.outcome,
            error=self.error,
            evidence=dict(self.evidence),
        )
