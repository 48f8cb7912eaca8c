"""The engine: owns all I/O around pure executors.

It feeds executors events, records every write as an **intent** before sending it, carries commands
out through ports, turns outcomes into events, and persists each change (state snapshot, journal
entry, intents) in one transaction before the next I/O. A crash at any point is recovered on
:meth:`Engine.start`: PENDING intents are sent, SENT/UNKNOWN intents are reconciled through the
port (never re-sent blindly), and executors that cannot be rebuilt are listed as stranded.

Each write gets an :class:`~core.evidence.Evidence` kept on its intent: what the adapter learns
while sending (a pending signature, balances before) is durable before the outcome is known, and
``reconcile(command, evidence)`` decides an unknown outcome from it in whichever process runs
next. An outcome still unknown ``unknown_budget_seconds`` after it became unknown is EXPIRED: the
executor gets ``CommandFailed(code="outcome_unknown")`` (and strands, listed and actionable);
:meth:`Engine.retry` reopens it.

Market-data events (``PriceUpdated``, ``Tick``) that change nothing are not journaled; every other
event is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from pydantic import ValidationError

from lpexec.core.clock import Clock
from lpexec.core.config import ExecutorConfig
from lpexec.core.errors import (
    ConfigError,
    OutcomeUnknownError,
    RiskRejectedError,
    UnknownExecutorError,
    VenueRejectedError,
    VenueUnavailableError,
)
from lpexec.core.evidence import Evidence
from lpexec.core.executor import Executor
from lpexec.core.info import ExecutorInfo
from lpexec.core.lifecycle import CloseType, ExecutorStatus
from lpexec.core.messages import (
    Command,
    CommandFailed,
    Event,
    ExecutorStarted,
    PriceUpdated,
    StopRequested,
    Tick,
)
from lpexec.core.ports import Reconciler
from lpexec.core.positions_held import HeldFill, HeldPosition, HeldPositionKey, HeldPositionsLedger
from lpexec.core.risk import CreateRequest, RiskDecision, RiskEngine
from lpexec.core.store.database import Database
from lpexec.core.store.port import Store, StoredExecutor, UnitOfWork
from lpexec.core.store.sql import SqlStore
from lpexec.core.store.tables import IntentStatus

__all__ = ["Engine", "ResumeReport", "StateChanged"]

logger = logging.getLogger(__name__)

AnyExecutor = Executor[Any, Any]
_MARKET_EVENTS = (PriceUpdated, Tick)


@dataclass(frozen=True, slots=True)
class StateChanged:
    """Emitted to the observer whenever an executor's status or close type changes."""

    executor_id: str
    old_status: ExecutorStatus
    new_status: ExecutorStatus
    close_type: CloseType | None
    ts_event: dt.datetime


@dataclass(slots=True)
class ResumeReport:
    """What :meth:`Engine.start` found in the store."""

    resumed: list[str] = field(default_factory=list)
    stranded: dict[str, str] = field(default_factory=dict)
    intents_to_send: int = 0
    intents_to_reconcile: int = 0


@dataclass(frozen=True, slots=True)
class _IntentUpdate:
    intent_id: str
    status: str
    outcome: dict[str, Any] | None = None
    events: tuple[Event, ...] | None = None
    """Outcome events (the store records them as the outcome)."""
    error: str | None = None


class Engine:
    """Drives executors: events in, commands out through ports, everything persisted.

    Args:
        store: where executors, journal, intents and held positions are kept: a
            :class:`~core.store.sql.SqlStore`, a :class:`~core.store.memory.MemoryStore`, or any
            :class:`~core.store.port.Store`.
        database: a :class:`Database`, wrapped in a :class:`SqlStore` (give this or ``store``).
        clock: the only source of time.
        executor_types: the executor classes this engine can create and resume.
        venues: port adapters by venue key (the ``venue`` field of commands).
        risk: the risk engine that checks every create; None disables checks.
        observer: called with a :class:`StateChanged` on every status change.
        max_sends: how many times one intent may be sent when reconciliation proves the
            earlier sends did not land.
        unknown_budget_seconds: how long an outcome may stay unknown before its intent expires
            and its executor is told (``CommandFailed(code="outcome_unknown")``).

    Example:
        >>> engine = Engine(database=db, clock=LiveClock(), executor_types=[LPExecutor],
        ...                 venues={"meteora/clmm": venue})
        >>> backtest = Engine(store=MemoryStore(), clock=SimulatedClock(start), ...)
        >>> await engine.start()
        >>> info = await engine.create(config)
    """

    def __init__(
        self,
        *,
        store: Store | None = None,
        database: Database | None = None,
        clock: Clock,
        executor_types: Iterable[type[AnyExecutor]],
        venues: Mapping[str, object],
        risk: RiskEngine | None = None,
        observer: Callable[[StateChanged], None] | None = None,
        max_sends: int = 3,
        unknown_budget_seconds: float = 900.0,
    ) -> None:
        if store is None:
            if database is None:
                raise ConfigError("store: expected store= or database=, received neither")
            store = SqlStore(database)
        elif database is not None:
            raise ConfigError("store: expected store= or database=, received both")
        self._store = store
        self._clock = clock
        self._types: dict[str, type[AnyExecutor]] = {}
        for cls in executor_types:
            self._types[cls.config_class.type] = cls
        self._venues = dict(venues)
        self._risk = risk
        self._observer = observer
        self._max_sends = max_sends
        self._unknown_budget = dt.timedelta(seconds=unknown_budget_seconds)
        self._evidence: dict[str, dict[str, Any]] = {}
        """Evidence of the intents not settled yet, as stored (written through to the store)."""
        self._executors: dict[str, AnyExecutor] = {}
        self._by_key: dict[str, list[AnyExecutor]] = defaultdict(list)
        self._tickers: dict[str, AnyExecutor] = {}
        self._queues: dict[str, deque[Command]] = defaultdict(deque)
        self._live: dict[str, AnyExecutor] = {}
        """Executors registered and not yet terminated (``_executors`` keeps them all)."""
        self._unresolved: dict[str, Command] = {}
        self._inflight: dict[str, asyncio.Task[None]] = {}
        """Executors whose commands run in the background (see ``drain(max_wait=)``)."""
        self._sends: dict[str, int] = {}
        self._journal_seq: dict[str, int] = {}
        self._prices: dict[str, Decimal] = {}
        self.ledger = HeldPositionsLedger()

    # --- start and resume -------------------------------------------------------------------

    async def start(self) -> ResumeReport:
        """Load every unfinished executor and open intent from the store and resume them."""
        report = ResumeReport()
        now = self._clock.now()
        store = self._store
        self._journal_seq = store.last_journal_seq()
        records = store.unfinished_executors()
        intents = store.open_intents()
        held_positions = store.held_positions()
        with store.transaction() as unit:
            for record in records:
                executor, reason = self._rebuild(record)
                if executor is None:
                    unit.mark_stranded(record.executor_id, reason, now=now)
                    report.stranded[record.executor_id] = reason
                    logger.error("executor %s is stranded: %s", record.executor_id, reason)
                    continue
                self._register(executor)
                report.resumed.append(executor.id)
        for position in held_positions:
            self.ledger.add(position)
        for intent in intents:
            if intent.executor_id not in self._executors:
                continue
            command = intent.command
            self._sends[command.command_id] = intent.attempts
            if intent.evidence:
                self._evidence[command.command_id] = dict(intent.evidence)
            if intent.status == IntentStatus.PENDING:
                self._queues[command.executor_id].append(command)
                report.intents_to_send += 1
            else:
                self._unresolved[command.command_id] = command
                report.intents_to_reconcile += 1
        logger.info(
            "engine started: %d resumed, %d stranded, %d intents to send, %d to reconcile",
            len(report.resumed),
            len(report.stranded),
            report.intents_to_send,
            report.intents_to_reconcile,
        )
        return report

    def _rebuild(self, record: StoredExecutor) -> tuple[AnyExecutor | None, str]:
        cls = self._types.get(record.type)
        if cls is None:
            return None, f"unknown executor type {record.type!r} (known: {sorted(self._types)})"
        try:
            config = cls.config_class.model_validate(record.load_config())
            return cls.restore(config, record.load_snapshot()), ""
        except (ValidationError, ValueError, KeyError, TypeError) as e:
            return None, f"state could not be restored: {type(e).__name__}: {e}"

    def _register(self, executor: AnyExecutor) -> None:
        self._executors[executor.id] = executor
        if executor.is_terminated:
            return
        self._live[executor.id] = executor
        for key in executor.price_keys:
            self._by_key[key].append(executor)
        if executor.wants_ticks:
            self._tickers[executor.id] = executor

    def _unregister(self, executor: AnyExecutor) -> None:
        self._live.pop(executor.id, None)
        for key in executor.price_keys:
            subscribers = self._by_key.get(key)
            if subscribers and executor in subscribers:
                subscribers.remove(executor)
        self._tickers.pop(executor.id, None)

    # --- creating and stopping -------------------------------------------------------------

    def check_risk(
        self, configs: Sequence[ExecutorConfig], *, caller_controller_id: str
    ) -> list[RiskDecision]:
        """Return the risk engine's decision for each config, with running totals."""
        if self._risk is None:
            raise ConfigError("risk: no risk engine configured")
        requests = [
            CreateRequest(
                executor_id=config.id,
                controller_id=config.controller_id,
                executor_type=config.type,
                exposure=config.exposure(),
            )
            for config in configs
        ]
        open_exposures = [
            executor.config.exposure()
            for executor in self._executors.values()
            if not executor.is_terminated
        ]
        return self._risk.check(
            requests,
            caller_controller_id=caller_controller_id,
            open_exposures=open_exposures,
            price=self._prices.get,
        )

    async def create(
        self, config: ExecutorConfig, *, caller_controller_id: str | None = None
    ) -> ExecutorInfo:
        """Check ``config`` with the risk engine, persist a new executor and start it.

        Raises:
            ConfigError: the type is not registered or the id exists already.
            RiskRejectedError: the risk engine refused the create.
        """
        executor = self.add(config, caller_controller_id=caller_controller_id)
        return executor.info(self._clock.now())

    def add(
        self, config: ExecutorConfig, *, caller_controller_id: str | None = None
    ) -> AnyExecutor:
        """:meth:`create` without building the report (for callers that create thousands, such
        as a backtest's policy); return the live executor (for inspection; never mutate it).

        Raises:
            ConfigError: the type is not registered or the id exists already.
            RiskRejectedError: the risk engine refused the create.
        """
        cls = self._class_for(config)
        if self._risk is not None:
            caller = caller_controller_id or config.controller_id
            (decision,) = self.check_risk([config], caller_controller_id=caller)
            if not decision.approved:
                raise RiskRejectedError(decision.reason or "refused", limit=decision.limit or "")
        now = self._clock.now()
        if self._store.has_executor(config.id):
            raise ConfigError(f"id: executor {config.id!r} exists already")
        executor = cls(config, created_at=now)
        self._register(executor)
        # The row is first written together with the start's outcome, in one transaction.
        self._dispatch(executor, [ExecutorStarted(ts_event=now)])
        return executor

    def _class_for(self, config: ExecutorConfig) -> type[AnyExecutor]:
        cls = self._types.get(config.type)
        if cls is None or not isinstance(config, cls.config_class):
            raise ConfigError(
                f"type: expected one of {sorted(self._types)}, received {config.type!r}"
            )
        return cls

    async def stop(self, executor_id: str, *, keep_position: bool | None = None) -> ExecutorInfo:
        """Ask an executor to stop; ``keep_position`` None uses the executor config's default."""
        executor = self._executors.get(executor_id)
        if executor is None:
            raise UnknownExecutorError(executor_id)
        self._dispatch(
            executor, [StopRequested(ts_event=self._clock.now(), keep_position=keep_position)]
        )
        return executor.info(self._clock.now())

    # --- market data and time --------------------------------------------------------------

    def publish_price(self, trading_pair: str, price: Decimal) -> int:
        """Send a pair's price to its subscribers (stamped now); return how many received it."""
        return self.publish(
            PriceUpdated(ts_event=self._clock.now(), trading_pair=trading_pair, price=price)
        )

    def publish(self, event: PriceUpdated) -> int:
        """Send a price event to the subscribers of each of its keys; return how many received it.

        Subscribers of the pair receive every price of the pair; a family's price event adds its
        own keys (an LP pool's price reaches the pool's subscribers too, with the active bin).
        """
        self._prices[event.trading_pair] = event.price
        receivers = [executor for key in event.keys() for executor in self._by_key.get(key, ())]
        if not receivers:
            return 0
        events = [event]
        for executor in receivers:
            self._dispatch(executor, events)
        return len(receivers)

    def subscribed_keys(self) -> list[str]:
        """The price keys at least one live executor subscribes to (what a market feed polls)."""
        return [key for key, subscribers in self._by_key.items() if subscribers]

    def tick(self) -> int:
        """Send the current time to every executor with timers; return how many received it."""
        if not self._tickers:
            return 0
        events = [Tick(ts_event=self._clock.now())]
        tickers = list(self._tickers.values())
        for executor in tickers:
            self._dispatch(executor, events)
        return len(tickers)

    def last_price(self, trading_pair: str) -> Decimal | None:
        """Return the last published price of a pair."""
        return self._prices.get(trading_pair)

    # --- applying events -------------------------------------------------------------------

    def _dispatch(
        self,
        executor: AnyExecutor,
        events: Sequence[Event],
        *,
        intent: _IntentUpdate | None = None,
    ) -> None:
        """Apply ``events`` in order and persist the result in one transaction.

        All the outcome events of one intent go through one call, so a crash can never leave an
        intent DONE with only some of its events applied.
        """
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
            and isinstance(events[0], _MARKET_EVENTS)
        ):
            return
        now = self._clock.now()
        self._persist(executor, events, commands, intent, now=now)
        if executor.status is not old_status or executor.close_type is not old_close:
            self._status_changed(executor, old_status, now=now)
        if commands:
            self._queues[executor.id].extend(commands)

    def _persist(
        self,
        executor: AnyExecutor,
        events: Sequence[Event],
        commands: Sequence[Command],
        intent: _IntentUpdate | None,
        *,
        now: dt.datetime,
    ) -> None:
        executor_id = executor.id
        seq = self._journal_seq.get(executor_id, 0)
        with self._store.transaction() as unit:
            unit.save_executor(executor, now=now)
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
            if executor.is_terminated and executor.close_type is CloseType.POSITION_HOLD:
                self._hand_over(unit, executor, now=now)
        self._journal_seq[executor_id] = seq

    def _status_changed(
        self, executor: AnyExecutor, old_status: ExecutorStatus, *, now: dt.datetime
    ) -> None:
        if executor.is_terminated:
            self._unregister(executor)
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
            position = self.ledger.record_into(key, fill)
            if position is not None and position not in touched:
                touched.append(position)
        for position in touched:
            unit.save_held_position(position, now=now)

    def _strand_after_error(
        self, executor: AnyExecutor, event: Event, error: Exception, intent: _IntentUpdate | None
    ) -> None:
        reason = f"applying {type(event).__name__} raised {type(error).__name__}: {error}"
        logger.error("executor %s is stranded: %s", executor.id, reason)
        now = self._clock.now()
        self._unregister(executor)
        del self._executors[executor.id]
        self._queues.pop(executor.id, None)
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

    # --- carrying out commands -------------------------------------------------------------

    @property
    def has_work(self) -> bool:
        """True while commands wait to be sent or answered, or outcomes to be reconciled."""
        return any(self._queues.values()) or bool(self._unresolved) or bool(self._inflight)

    async def drain(self, *, max_wait: float | None = None) -> None:
        """Carry out queued commands (one executor's commands in order, executors in
        parallel), then try once to reconcile every unknown outcome.

        Args:
            max_wait: None waits for every command (tests, backtests, the CLI). A number of
                (real) seconds bounds the wait: a venue call still unanswered then goes on in
                the background, holding only its own executor, and its outcome is applied when
                it arrives; the next drain starts the other executors' new commands (a daemon
                passes its tick interval, so one slow or hung write never stalls the rest).
        """
        await self._run_ready(max_wait)
        if self._unresolved:
            await self.reconcile()
            await self._run_ready(max_wait)

    async def _run_ready(self, max_wait: float | None = None) -> None:
        if max_wait is not None:
            await self._run_in_background(max_wait)
            return
        if self._inflight:  # left running by a bounded drain: this one waits for everything
            await asyncio.gather(*self._inflight.values())
        while any(self._queues.values()):
            ready = [executor_id for executor_id, queue in self._queues.items() if queue]
            if len(ready) == 1:  # the common case: no tasks to schedule
                await self._run_queue(ready[0])
            else:
                await asyncio.gather(*(self._run_queue(executor_id) for executor_id in ready))

    async def _run_in_background(self, max_wait: float) -> None:
        """Run every ready queue as a task (one per executor) and wait at most ``max_wait``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while True:
            for executor_id, queue in list(self._queues.items()):
                if queue and executor_id not in self._inflight:
                    task = loop.create_task(self._run_queue(executor_id))
                    self._inflight[executor_id] = task
                    task.add_done_callback(partial(self._task_done, executor_id))
            remaining = deadline - loop.time()
            if not self._inflight or remaining <= 0:
                return
            await asyncio.wait(
                list(self._inflight.values()),
                timeout=remaining,
                return_when=asyncio.FIRST_COMPLETED,
            )

    def _task_done(self, executor_id: str, task: asyncio.Task[None]) -> None:
        if self._inflight.get(executor_id) is task:
            del self._inflight[executor_id]
        if not task.cancelled() and task.exception() is not None:
            logger.error("commands of %s raised", executor_id, exc_info=task.exception())

    async def wait_inflight(self) -> None:
        """Wait for the venue calls running in the background to be answered (a clean stop
        lets them finish; each is bounded by its client's own deadline)."""
        while self._inflight:
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)

    async def cancel_inflight(self) -> None:
        """Stop waiting for venue calls still running in the background (at shutdown): their
        intents stay SENT and are reconciled when the engine starts again."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run_queue(self, executor_id: str) -> None:
        queue = self._queues[executor_id]
        while queue:
            await self._execute(queue.popleft())
        # Only executors with work keep a queue, so has_work and drain never scan the many
        # executors a long run has finished.
        if self._queues.get(executor_id) is queue:
            del self._queues[executor_id]

    async def _execute(self, command: Command) -> None:
        method_name = command.port_method
        venue = self._venues.get(command.venue)
        method = getattr(venue, method_name, None) if venue is not None else None
        if method is None:
            reason = f"venue: no venue {command.venue!r} that can {method_name} is configured"
            self._fail(command, reason, retryable=False)
            return
        if command.is_write:
            self._sends[command.command_id] = self._sends.get(command.command_id, 0) + 1
            with self._store.transaction() as unit:
                unit.set_intent_status(
                    command.command_id,
                    IntentStatus.SENT,
                    now=self._clock.now(),
                    count_attempt=True,
                )
        try:
            if command.is_write:
                result = await method(command, self.evidence_for(command.command_id))
            else:
                result = await method(command)
        except OutcomeUnknownError as e:
            if command.is_write:
                self._mark_unknown(command, str(e))
            else:  # a read that cannot tell yet: the executor asks again later
                self._fail(command, str(e), retryable=True, code=e.code)
            return
        except VenueRejectedError as e:
            self._fail(
                command,
                str(e),
                retryable=False,
                code=e.code,
                tx_fee=e.tx_fee,
                signature=e.signature,
            )
            return
        except VenueUnavailableError as e:
            self._fail(command, str(e), retryable=True, code=e.code)
            return
        except Exception as e:
            logger.exception("venue %s raised on %s", command.venue, type(command).__name__)
            if command.is_write:
                self._mark_unknown(command, f"{type(e).__name__}: {e}")
            else:
                self._fail(command, f"{type(e).__name__}: {e}", retryable=True)
            return
        self._deliver(command, result)

    def evidence_for(self, intent_id: str) -> Evidence:
        """The evidence of an open intent; what an adapter records is stored at once."""
        facts = self._evidence.setdefault(intent_id, {})

        def store(new: dict[str, Any]) -> None:
            facts.update(new)
            with self._store.transaction() as unit:
                unit.add_intent_evidence(intent_id, new, now=self._clock.now())

        return Evidence(facts, on_record=store)

    def _deliver(self, command: Command, result: Event | Sequence[Event]) -> None:
        if isinstance(result, Event):  # the common case, before the slower ABC check
            events: list[Event] = [result]
        else:
            events = list(result) if isinstance(result, Sequence) else [result]
        executor = self._executors.get(command.executor_id)
        update = None
        if command.is_write:
            self._evidence.pop(command.command_id, None)
            update = _IntentUpdate(command.command_id, IntentStatus.DONE, events=tuple(events))
        if executor is None or not events:
            self._record_intent(update)
            return
        self._dispatch(executor, events, intent=update)

    def _record_intent(self, update: _IntentUpdate | None) -> None:
        if update is None:
            return
        with self._store.transaction() as unit:
            unit.set_intent_status(
                update.intent_id,
                update.status,
                now=self._clock.now(),
                outcome=update.outcome,
                events=update.events,
                error=update.error,
            )

    def _fail(
        self,
        command: Command,
        reason: str,
        *,
        retryable: bool,
        code: str = "",
        tx_fee: Decimal = Decimal(0),
        signature: str = "",
        status: str = IntentStatus.FAILED,
    ) -> None:
        event = CommandFailed(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            reason=reason,
            retryable=retryable,
            code=code,
            tx_fee=tx_fee,
            signature=signature,
        )
        update = None
        if command.is_write:
            self._evidence.pop(command.command_id, None)
            update = _IntentUpdate(command.command_id, status, error=reason)
        executor = self._executors.get(command.executor_id)
        if executor is None:
            self._record_intent(update)
            return
        self._dispatch(executor, [event], intent=update)

    def _mark_unknown(self, command: Command, reason: str) -> None:
        logger.warning("outcome of %s is unknown (%s); reconciling", command.command_id, reason)
        self._unresolved[command.command_id] = command
        now = self._clock.now()
        with self._store.transaction() as unit:
            unit.set_intent_status(command.command_id, IntentStatus.UNKNOWN, now=now, error=reason)
        self._unknown_since(command.command_id)

    def _unknown_since(self, intent_id: str) -> dt.datetime:
        """When the intent's outcome became unknown (recorded on first call)."""
        evidence = self.evidence_for(intent_id)
        since = evidence.time("unknown_since")
        if since is None:
            since = self._clock.now()
            evidence.record(unknown_since=since)
        return since

    def _expire_if_spent(self, command: Command, reason: str) -> bool:
        """End an outcome unknown for longer than its budget; True when it was ended."""
        since = self._unknown_since(command.command_id)
        waited = self._clock.now() - since
        if waited < self._unknown_budget:
            return False
        del self._unresolved[command.command_id]
        logger.error("outcome of %s still unknown after %s: %s", command.command_id, waited, reason)
        self._fail(
            command,
            f"outcome still unknown after {int(waited.total_seconds())} s ({reason}); it may "
            "have landed: check the venue, then retry the executor to reconcile again",
            retryable=False,
            code="outcome_unknown",
            status=IntentStatus.EXPIRED,
        )
        return True

    def retry(self, executor_id: str) -> int:
        """Reconcile an executor's expired intents again (their budget starts over); return how
        many were reopened. Outcomes arrive through the next :meth:`drain`.

        Raises:
            UnknownExecutorError: no live executor with this id.
        """
        if executor_id not in self._executors:
            raise UnknownExecutorError(executor_id)
        reopened = 0
        now = self._clock.now()
        for intent in self._store.intents_for(executor_id):
            if intent.status != IntentStatus.EXPIRED:
                continue
            command = intent.command
            facts = {key: value for key, value in intent.evidence.items() if key != "unknown_since"}
            self._evidence[command.command_id] = dict(facts)
            with self._store.transaction() as unit:
                unit.set_intent_status(command.command_id, IntentStatus.UNKNOWN, now=now)
                unit.add_intent_evidence(command.command_id, facts, now=now, replace=True)
            self._sends.setdefault(command.command_id, intent.attempts)
            self._unresolved[command.command_id] = command
            reopened += 1
        return reopened

    async def reconcile(self) -> int:
        """Ask the ports what became of every unknown outcome; return how many were settled.

        A write that landed gets its outcome applied; one that certainly did not is sent again
        under the same intent (up to ``max_sends`` sends in all); one still unknown waits.
        """
        settled = 0
        for command_id, command in list(self._unresolved.items()):
            venue = self._venues.get(command.venue)
            try:
                if not isinstance(venue, Reconciler):
                    raise VenueUnavailableError(f"venue {command.venue!r} cannot reconcile")
                outcome = await venue.reconcile(command, self.evidence_for(command_id))
            except (OutcomeUnknownError, VenueUnavailableError) as e:
                logger.info("still unknown: %s (%s)", command_id, e)
                self._expire_if_spent(command, str(e))
                continue
            except Exception as e:
                logger.exception("reconciling %s raised", command_id)
                self._expire_if_spent(command, f"{type(e).__name__}: {e}")
                continue
            del self._unresolved[command_id]
            settled += 1
            if outcome is not None:
                logger.info("reconciled %s: it landed", command_id)
                self._deliver(command, outcome)
                continue
            sends = self._sends.get(command_id, 0)
            if sends >= self._max_sends:
                reason = f"not carried out after {sends} sends"
                self._fail(command, reason, retryable=False)
                continue
            logger.info("reconciled %s: it did not land; sending again", command_id)
            # The earlier send's evidence is spent (it certainly did not land): start afresh.
            self._evidence[command_id] = {}
            with self._store.transaction() as unit:
                now = self._clock.now()
                unit.set_intent_status(command_id, IntentStatus.PENDING, now=now)
                unit.add_intent_evidence(command_id, {}, now=now, replace=True)
            self._queues[command.executor_id].append(command)
        return settled

    # --- reading -----------------------------------------------------------------------------

    def has_executor(self, executor_id: str) -> bool:
        """True when an executor with this id is in memory or in the store."""
        return executor_id in self._executors or self._store.has_executor(executor_id)

    def executor(self, executor_id: str) -> AnyExecutor:
        """Return a live executor object (for inspection; never mutate it)."""
        try:
            return self._executors[executor_id]
        except KeyError:
            raise UnknownExecutorError(executor_id) from None

    def info(self, executor_id: str) -> ExecutorInfo:
        """Return one executor's report, from memory or from the store."""
        executor = self._executors.get(executor_id)
        if executor is not None:
            return executor.info(self._clock.now())
        record = self._store.get_executor(executor_id)
        if record is None:
            raise UnknownExecutorError(executor_id)
        return self.info_from_record(record)

    def infos(self, **filters: Any) -> list[ExecutorInfo]:
        """Return reports filtered in the store (see :meth:`Store.list_executors`)."""
        return [self.info_from_record(record) for record in self._store.list_executors(**filters)]

    def info_from_record(self, record: StoredExecutor) -> ExecutorInfo:
        """Build a report from a stored executor (through its class when it is known)."""
        executor = self._executors.get(record.executor_id)
        if executor is None:
            executor, _ = self._rebuild(record)
        if executor is not None:
            return executor.info(self._clock.now(), stranded_reason=record.stranded_reason)
        end = record.closed_at or self._clock.now()
        return ExecutorInfo(
            executor_id=record.executor_id,
            controller_id=record.controller_id,
            type=record.type,
            status=record.status,
            close_type=record.close_type,
            net_pnl_quote=record.net_pnl_quote,
            net_pnl_pct=record.net_pnl_pct,
            fees_paid_quote=record.fees_paid_quote,
            fees_earned_quote=record.fees_earned_quote,
            value_quote=record.value_quote,
            volume_quote=record.volume_quote,
            duration_seconds=max(0.0, (end - record.created_at).total_seconds()),
            created_at=record.created_at,
            closed_at=record.closed_at,
            stranded_reason=record.stranded_reason,
        )

    @property
    def store(self) -> Store:
        """The engine's store (controllers that drive the engine keep their state there)."""
        return self._store

    @property
    def clock(self) -> Clock:
        """The engine's clock (controllers that drive the engine share it)."""
        return self._clock

    def executor_config(self, executor_id: str) -> ExecutorConfig:
        """Return an executor's config, from memory or from the store."""
        executor = self._executors.get(executor_id)
        if executor is not None:
            live: ExecutorConfig = executor.config
            return live
        record = self._store.get_executor(executor_id)
        if record is None:
            raise UnknownExecutorError(executor_id)
        cls = self._types.get(record.type)
        if cls is None:
            raise ConfigError(
                f"type: expected one of {sorted(self._types)}, received {record.type!r}"
            )
        config: ExecutorConfig = cls.config_class.model_validate(record.load_config())
        return config

    def venue(self, key: str) -> Any:
        """Return the port adapter registered under ``key``."""
        try:
            return self._venues[key]
        except KeyError:
            raise ConfigError(
                f"venue: expected one of {sorted(self._venues)}, received {key!r}"
            ) from None

    def live_executors(self) -> list[AnyExecutor]:
        """Every executor in memory that has not terminated (for inspection; never mutate)."""
        return [executor for executor in self._live.values() if not executor.is_terminated]

    @property
    def active_count(self) -> int:
        """How many executors in memory have not terminated."""
        return sum(1 for executor in self._live.values() if not executor.is_terminated)
