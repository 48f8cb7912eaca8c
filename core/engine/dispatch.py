"""Applying events to an executor and persisting the result, in one transaction per change.

:meth:`Dispatcher.dispatch` applies events in order and writes, together: the executor's state
snapshot, its journal entries, an intent for each new write command (so an intent is stored before
its command can be sent), the update of the intent whose outcome was applied, and, when the
executor ended holding its position, the fills it hands over to the held-positions ledger. A crash
therefore never leaves an intent settled with only part of its outcome applied, nor a command
sent without its intent. Market data (``PriceUpdated``, ``Tick``) that changes nothing is not
journaled.

A status change is sent to the observer as a :class:`StateChanged`; an executor that terminates
stops receiving events. An executor whose ``apply`` raises is **stranded**: unregistered, its
queued commands dropped, its last good state kept in the store with the reason. A write a fenced
store refuses (this worker lost the executor's lease) is not retried: ``on_lost`` drops the
executor, whose state in memory is then ahead of the store and must not be used.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lpexec.core.clock import Clock
from lpexec.core.engine.outbox import IntentUpdate, Outbox
from lpexec.core.engine.registry import AnyExecutor
from lpexec.core.engine.routing import Router
from lpexec.core.held import HeldFill, HeldPosition, HeldPositionKey, HeldPositionsLedger
from lpexec.core.lifecycle import CloseType, ExecutorStatus
from lpexec.core.messages import Command, Event, PriceUpdated, Tick
from lpexec.core.store.leases import LeaseLostError
from lpexec.core.store.port import Store, UnitOfWork

__all__ = ["Dispatcher", "StateChanged"]

logger = logging.getLogger(__name__)

_MARKET_EVENTS = (PriceUpdated, Tick)


@dataclass(frozen=True, slots=True)
class StateChanged:
    """Emitted to the observer whenever an executor's status or close type changes."""

    executor_id: str
    old_status: ExecutorStatus
    new_status: ExecutorStatus
    close_type: CloseType | None
    ts_event: dt.datetime


class Dispatcher:
    """Applies events to executors and persists each change; numbers their journal entries.

    Args:
        executors: the engine's executors in memory by id (a stranded one is removed).
        router: unregisters executors that terminate or strand.
        outbox: receives the commands executors ask for.
        ledger: the held-positions ledger that takes the fills of a kept position.
        observer: called with a :class:`StateChanged` on every status change.
        on_lost: called with the executors whose lease this worker lost (a write refused).
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        executors: dict[str, AnyExecutor],
        router: Router,
        outbox: Outbox,
        ledger: HeldPositionsLedger,
        observer: Callable[[StateChanged], None] | None,
        on_lost: Callable[[frozenset[str]], None] = lambda _executor_ids: None,
    ) -> None:
        self._store = store
        self._on_lost = on_lost
        self._clock = clock
        self._executors = executors
        self._router = router
        self._outbox = outbox
        self._ledger = ledger
        self._observer = observer
        self._journal_seq: dict[str, int] = {}
        self._journaled = bool(getattr(store, "keeps_journal", True))
        """False for a store that keeps no journal (a backtest's): entries are not written."""
        self._save_change = None if self._journaled else getattr(store, "save_change", None)
        """A store's one-call save of a common change (see :meth:`MemoryStore.save_change
        <lpexec.core.store.memory.MemoryStore.save_change>`), where it has one."""

    def resume(self) -> None:
        """Continue the journals where the store left them."""
        self._journal_seq = self._store.last_journal_seq()

    def resume_some(self, executor_ids: list[str]) -> None:
        """Continue these executors' journals where the store has them now (another worker
        may have run them since)."""
        seqs = self._store.last_journal_seq(executor_ids=executor_ids)
        for executor_id in executor_ids:
            self._journal_seq[executor_id] = seqs.get(executor_id, 0)

    def dispatch(
        self,
        executor: AnyExecutor,
        events: Sequence[Event],
        *,
        intent: IntentUpdate | None = None,
        observed: bool = False,
    ) -> None:
        """Apply ``events`` in order and persist the result in one transaction.

        All the outcome events of one intent go through one call, so a crash can never leave an
        intent DONE with only some of its events applied. ``observed`` events (what a venue's
        records say, read again and again) are not journaled when they change nothing.
        """
        if self._executors.get(executor.id) is not executor:  # dropped (lease lost)
            return
        revision = executor.revision
        old_status = executor.status
        old_close = executor.close_type
        commands: list[Command] = []
        for event in events:
            try:
                wanted = executor.apply(event)
            except Exception as e:
                self._strand_after_error(executor, event, e, intent)
                return
            if wanted:
                commands.extend(wanted)
        if (
            not commands
            and intent is None
            and executor.revision == revision
            and (observed or isinstance(events[0], _MARKET_EVENTS))
        ):
            return
        self._record(executor, events, commands, intent, old_status, old_close)

    def dispatch_market(self, executors: Sequence[AnyExecutor], events: list[Event]) -> None:
        """:meth:`dispatch` of one market event (``events``: a price or a tick, alone) to each of
        ``executors`` in turn: the same, with the check that it changed nothing made inline (the
        hot path of a backtest: most prices change nothing)."""
        (event,) = events
        registered = self._executors
        for executor in executors:
            if registered.get(executor.id) is not executor:  # dropped (lease lost)
                continue
            revision = executor.revision
            old_status = executor.status
            old_close = executor.close_type
            try:
                wanted = executor.apply(event)
            except Exception as e:
                self._strand_after_error(executor, event, e, None)
                continue
            if wanted or executor.revision != revision:
                self._record(executor, events, list(wanted), None, old_status, old_close)

    def _record(
        self,
        executor: AnyExecutor,
        events: Sequence[Event],
        commands: list[Command],
        intent: IntentUpdate | None,
        old_status: ExecutorStatus,
        old_close: CloseType | None,
    ) -> None:
        """Persist what applying ``events`` changed, tell the observer of a status change and
        queue the commands."""
        now = self._clock.now()
        try:
            self._persist(executor, events, commands, intent, now=now)
        except LeaseLostError as e:
            self._on_lost(e.executor_ids)
            return
        if executor.status is not old_status or executor.close_type is not old_close:
            self._status_changed(executor, old_status, now=now)
        if commands:
            self._outbox.enqueue(executor.id, commands)

    def apply_outcome(
        self, executor_id: str, events: Sequence[Event], intent: IntentUpdate | None
    ) -> bool:
        """Dispatch a command's outcome to its executor; False when it is not in memory."""
        executor = self._executors.get(executor_id)
        if executor is None:
            return False
        self.dispatch(executor, events, intent=intent)
        return True

    def _persist(
        self,
        executor: AnyExecutor,
        events: Sequence[Event],
        commands: Sequence[Command],
        intent: IntentUpdate | None,
        *,
        now: dt.datetime,
    ) -> None:
        save_change = self._save_change
        if save_change is not None and not (
            executor.close_type is CloseType.POSITION_HOLD and executor.is_terminated
        ):
            save_change(
                executor,
                now=now,
                commands=commands,
                intent=None
                if intent is None
                else (intent.intent_id, intent.status, intent.outcome, intent.events, intent.error),
            )
            return
        executor_id = executor.id
        journaled = self._journaled
        seq = self._journal_seq.get(executor_id, 0) if journaled else 0
        with self._store.transaction() as unit:
            unit.save_executor(executor, now=now)
            if journaled:
                for event in events:
                    seq += 1
                    unit.append_journal(executor_id, seq=seq, event=event)
            for command in commands:
                if command.is_write:
                    unit.insert_intent(command, now=now)
            if intent is not None:
                unit.set_intent_status(
                    intent.intent_id,
                    intent.status,
                    now=now,
                    outcome=intent.outcome,
                    events=intent.events,
                    error=intent.error,
                )
            if executor.close_type is CloseType.POSITION_HOLD and executor.is_terminated:
                self._hand_over(unit, executor, now=now)
        if journaled:  # a store without a journal numbers nothing
            self._journal_seq[executor_id] = seq

    def _status_changed(
        self, executor: AnyExecutor, old_status: ExecutorStatus, *, now: dt.datetime
    ) -> None:
        if executor.is_terminated:
            self._router.unregister(executor)
        if self._observer is not None:
            self._observer(
                StateChanged(executor.id, old_status, executor.status, executor.close_type, now)
            )

    def _hand_over(self, unit: UnitOfWork, executor: AnyExecutor, *, now: dt.datetime) -> None:
        fills: list[tuple[HeldPositionKey, HeldFill]] = executor.held_fills()
        # Each position the fills went into, saved once, in the order first touched (one
        # position per key, so positions compare by identity: no key hashed twice).
        touched: list[HeldPosition] = []
        for key, fill in fills:
            position = self._ledger.record_into(key, fill)
            if position is not None and position not in touched:
                touched.append(position)
        for position in touched:
            unit.save_held_position(position, now=now)

    def _strand_after_error(
        self, executor: AnyExecutor, event: Event, error: Exception, intent: IntentUpdate | None
    ) -> None:
        reason = f"applying {type(event).__name__} raised {type(error).__name__}: {error}"
        logger.error("executor %s is stranded: %s", executor.id, reason)
        now = self._clock.now()
        self._router.unregister(executor)
        del self._executors[executor.id]
        self._outbox.discard(executor.id)
        try:
            with self._store.transaction() as unit:
                unit.mark_stranded(executor.id, reason, now=now)
                if intent is not None:
                    unit.set_intent_status(
                        intent.intent_id,
                        intent.status,
                        now=now,
                        outcome=intent.outcome,
                        events=intent.events,
                    )
        except LeaseLostError as e:
            self._on_lost(e.executor_ids)
