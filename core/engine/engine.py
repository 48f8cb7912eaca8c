"""The :class:`Engine` facade: lifecycle, publishing, draining and reads.

It composes the package's parts, each holding one concern: the
:class:`~core.engine.registry.Registry` (executor types, executors by id), the
:class:`~core.engine.routing.Router` (who receives an event), the
:class:`~core.engine.dispatch.Dispatcher` (apply events, persist each change in one transaction),
the :class:`~core.engine.outbox.Outbox` (intents, evidence, unknown outcomes, reconciliation) and
the :class:`~core.engine.scheduler.Scheduler` (queues run in order, tasks left in flight).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lpexec.core.clock import Clock
from lpexec.core.config import ExecutorConfig
from lpexec.core.engine.admission import Admission
from lpexec.core.engine.dispatch import Dispatcher, StateChanged
from lpexec.core.engine.outbox import IntentUpdate, Outbox
from lpexec.core.engine.registry import AnyExecutor, Registry
from lpexec.core.engine.routing import Router
from lpexec.core.engine.scheduler import Scheduler
from lpexec.core.errors import ConfigError, RiskRejectedError, StoreError, UnknownExecutorError
from lpexec.core.evidence import Evidence
from lpexec.core.held import HeldPositionsLedger
from lpexec.core.info import ExecutorInfo
from lpexec.core.lifecycle import ExecutorStatus
from lpexec.core.messages import Command, Event, ExecutorStarted, PriceUpdated, StopRequested, Tick
from lpexec.core.risk import RiskDecision, RiskEngine
from lpexec.core.store.database import Database
from lpexec.core.store.port import Store, StoredExecutor, StoredIntent
from lpexec.core.store.sql import SqlStore

__all__ = ["Engine", "ResumeReport"]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class ResumeReport:
    """What :meth:`Engine.start` found in the store."""

    resumed: list[str] = field(default_factory=list)
    stranded: dict[str, str] = field(default_factory=dict)
    intents_to_send: int = 0
    intents_to_reconcile: int = 0


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
        runs: the executor type names this engine resumes at start (None: every registered
            type). Several runtimes may share one store, each running the types whose venues
            it has (the LP runtime its Gateway executors, the CEX runtime its exchange ones);
            the others stay in the store untouched, and their reports still read.
        max_sends: how many times one intent may be sent when reconciliation proves the
            earlier sends did not land.
        unknown_budget_seconds: how long an outcome may stay unknown before its intent expires
            and its executor is told (``CommandFailed(code="outcome_unknown")``).
        hand_off: True: executors this engine creates are stored with their first commands as
            PENDING intents and left for a worker to claim and run (an API server or a CLI
            beside the workers of a shared database); they are not run here.

    Workers sharing a database (see ``core.store.leases``) do not :meth:`start`: they
    :meth:`adopt` the executors they claimed and :meth:`drop` those they released or lost. With
    a fenced store, a write refused because the lease was lost drops the executor at once.

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
        runs: Iterable[str] | None = None,
        max_sends: int = 3,
        unknown_budget_seconds: float = 900.0,
        hand_off: bool = False,
    ) -> None:
        if store is None:
            if database is None:
                raise ConfigError("store: expected store= or database=, received neither")
            store = SqlStore(database)
        elif database is not None:
            raise ConfigError("store: expected store= or database=, received both")
        self._store = store
        self._clock = clock
        self._venues = dict(venues)
        self._runs = frozenset(runs) if runs is not None else None
        self._hand_off = hand_off
        self._ledger_loaded = False
        self.leases_lost = 0
        """How many executors this engine dropped because their lease was lost."""
        self.risk_rejections = 0
        """How many creates the risk engine refused."""
        self.ledger = HeldPositionsLedger()
        self._registry = Registry(executor_types, store=store, clock=clock)
        self._executors = self._registry.executors  # one dict, shared with the dispatcher
        self._router = Router()
        self._admission = Admission(
            registry=self._registry, router=self._router, store=store, risk=risk
        )
        self._outbox = Outbox(
            store=store,
            clock=clock,
            venues=self._venues,
            apply=self._apply_outcome,
            is_live=self._is_live,
            max_sends=max_sends,
            unknown_budget_seconds=unknown_budget_seconds,
            may_send=self._may_send,
            on_lost=self._lost,
        )
        self._dispatcher = Dispatcher(
            store=store,
            clock=clock,
            executors=self._executors,
            router=self._router,
            outbox=self._outbox,
            ledger=self.ledger,
            observer=observer,
            on_lost=self._lost,
        )
        self._scheduler = Scheduler(self._outbox)
        self._outbox.set_apply(self._dispatcher.apply_outcome)  # what _apply_outcome does
        self._published: tuple[PriceUpdated, list[AnyExecutor]] | None = None
        """The price published last and the executors it reached (see :meth:`tick`)."""

    # --- start, create, stop -----------------------------------------------------------------

    async def start(self) -> ResumeReport:
        """Load every unfinished executor and open intent from the store and resume them."""
        self._dispatcher.resume()
        records = self._store.unfinished_executors()
        intents = self._store.open_intents()
        self._load_ledger()
        report = self._take(records, intents)
        logger.info(
            "engine started: %d resumed, %d stranded, %d intents to send, %d to reconcile",
            len(report.resumed),
            len(report.stranded),
            report.intents_to_send,
            report.intents_to_reconcile,
        )
        return report

    async def adopt(self, executor_ids: Sequence[str]) -> ResumeReport:
        """Resume these executors from the store (a worker's newly claimed leases): their
        state, journal position and open intents as the store has them now. Executors already
        in memory, terminated or of types this engine does not run are left out."""
        wanted = [executor_id for executor_id in executor_ids if executor_id not in self._executors]
        if not wanted:
            return ResumeReport()
        if not self._ledger_loaded:
            self._load_ledger()
        records = self._store.unfinished_executors(executor_ids=wanted)
        intents = self._store.open_intents(executor_ids=wanted)
        self._dispatcher.resume_some(wanted)
        return self._take(records, intents)

    def _load_ledger(self) -> None:
        for position in self._store.held_positions():
            self.ledger.add(position)
        self._ledger_loaded = True

    def _take(self, records: list[StoredExecutor], intents: list[StoredIntent]) -> ResumeReport:
        report = ResumeReport()
        if self._runs is not None:
            records = [record for record in records if record.type in self._runs]
        now = self._clock.now()
        stranded: dict[str, str] = {}
        for record in records:
            executor, reason = self._registry.rebuild(record)
            if executor is None:
                stranded[record.executor_id] = reason
                logger.error("executor %s is stranded: %s", record.executor_id, reason)
                continue
            self._register(executor)
            report.resumed.append(executor.id)
        if stranded:
            with self._store.transaction() as unit:
                for executor_id, reason in stranded.items():
                    unit.mark_stranded(executor_id, reason, now=now)
            report.stranded.update(stranded)
        report.intents_to_send, report.intents_to_reconcile = self._outbox.resume(
            intent for intent in intents if intent.executor_id in self._executors
        )
        return report

    def drop(self, executor_ids: Iterable[str]) -> int:
        """Stop running these executors here (their lease was released or lost): nothing more
        is sent, applied or written for them; what the store holds stays for the next holder.
        Return how many were in memory."""
        dropped = set()
        for executor_id in executor_ids:
            executor = self._executors.pop(executor_id, None)
            if executor is None:
                continue
            self._router.unregister(executor)
            self._scheduler.cancel(executor_id)
            dropped.add(executor_id)
        self._outbox.forget(dropped)
        return len(dropped)

    def _lost(self, executor_ids: frozenset[str]) -> None:
        fence = getattr(self._store, "fence", None)
        if fence is not None:  # not ours any more: claimed again (new token) once it expires
            for executor_id in executor_ids:
                fence.tokens.pop(executor_id, None)
        dropped = self.drop(executor_ids)
        if dropped:
            self.leases_lost += dropped
            logger.warning(
                "lease lost on %d executor(s), dropped without writing: %s",
                dropped,
                ", ".join(sorted(executor_ids)),
                extra={"executor_ids": sorted(executor_ids)},
            )

    def _may_send(self, executor_id: str) -> bool:
        fence = getattr(self._store, "fence", None)
        return fence is None or bool(fence.holds(executor_id))

    def _register(self, executor: AnyExecutor) -> None:
        self._executors[executor.id] = executor
        self._router.register(executor)

    def check_risk(
        self, configs: Sequence[ExecutorConfig], *, caller_controller_id: str
    ) -> list[RiskDecision]:
        """Return the risk engine's decision for each config, with running totals."""
        return self._admission.check_risk(configs, caller_controller_id=caller_controller_id)

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
            StoreError: the store refused its first row (nothing was created).
        """
        try:
            cls = self._admission.admit(config, caller_controller_id=caller_controller_id)
        except RiskRejectedError:
            self.risk_rejections += 1
            raise
        now = self._clock.now()
        executor = cls(config, created_at=now)
        self._register(executor)
        # The row is first written together with the start's outcome, in one transaction.
        try:
            self._dispatcher.dispatch(executor, [ExecutorStarted(ts_event=now)])
        except StoreError:  # not written (e.g. its controller's lease was lost): not created
            self.drop([executor.id])
            raise
        if self._hand_off:  # its first commands wait as PENDING intents for a worker
            self.drop([executor.id])
        return executor

    async def stop(self, executor_id: str, *, keep_position: bool | None = None) -> ExecutorInfo:
        """Ask an executor to stop; ``keep_position`` None uses the executor config's default."""
        executor = self.request_stop(executor_id, keep_position=keep_position)
        return executor.info(self._clock.now())

    def request_stop(self, executor_id: str, *, keep_position: bool | None = None) -> AnyExecutor:
        """:meth:`stop` without building the report (for callers that stop thousands, such as
        a backtest's controllers); return the live executor (never mutate it).

        Raises:
            UnknownExecutorError: no executor in memory has this id.
        """
        executor = self._registry.get(executor_id)
        self._dispatcher.dispatch(
            executor, [StopRequested(ts_event=self._clock.now(), keep_position=keep_position)]
        )
        return executor

    def _is_live(self, executor_id: str) -> bool:
        executor = self._executors.get(executor_id)
        return executor is not None and not executor.is_terminated

    def _apply_outcome(
        self, executor_id: str, events: Sequence[Event], intent: IntentUpdate | None
    ) -> bool:
        executor = self._executors.get(executor_id)
        if executor is None:
            return False
        self._dispatcher.dispatch(executor, events, intent=intent)
        return True

    # --- market data and time ----------------------------------------------------------------

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
        receivers = self._router.route(event)
        self._published = (event, receivers)
        if not receivers:
            return 0
        self._dispatcher.dispatch_market(receivers, [event])
        return len(receivers)

    def observe(self, executor_id: str, events: Sequence[Event]) -> bool:
        """Deliver what a venue's records say about an executor's orders (fills, cancels made
        by the venue, fills made while the process was down); False when it is not live.

        Events that change nothing (a fill already counted: executors count each ``fill_id``
        once) are not journaled, so polling the same records again costs no writes.
        """
        executor = self._executors.get(executor_id)
        if executor is None or executor.status is ExecutorStatus.TERMINATED or not events:
            return False
        self._dispatcher.dispatch(executor, events, observed=True)
        return True

    def subscribed_keys(self) -> list[str]:
        """The price keys at least one live executor subscribes to (what a market feed polls)."""
        return self._router.subscribed_keys()

    def tick(self, *, after: PriceUpdated | None = None) -> int:
        """Send the current time to every executor with timers; return how many received it.

        ``after``: the price just published (:meth:`publish`), at this same time: the executors
        it reached whose type says a price covers the tick of its time
        (``prices_cover_ticks = True``: that tick would change nothing) are not sent it.
        """
        tickers = self._router.tickers()
        if after is not None:
            tickers = self._not_covered(tickers, after)
        if not tickers:
            return 0
        self._dispatcher.dispatch_market(tickers, [Tick(ts_event=self._clock.now())])
        return len(tickers)

    def _not_covered(self, tickers: list[AnyExecutor], after: PriceUpdated) -> list[AnyExecutor]:
        """The tickers ``after`` did not cover (see :meth:`tick`)."""
        published = self._published
        if published is None or published[0] is not after or after.ts_event != self._clock.now():
            return tickers
        reached = published[1]
        return [
            executor
            for executor in tickers
            if not (getattr(type(executor), "prices_cover_ticks", False) and executor in reached)
        ]

    def last_price(self, trading_pair: str) -> Decimal | None:
        """Return the last published price of a pair."""
        return self._router.prices.get(trading_pair)

    # --- carrying out commands ---------------------------------------------------------------

    @property
    def has_work(self) -> bool:
        """True while commands wait to be sent or answered, or outcomes to be reconciled."""
        return self._outbox.has_work or bool(self._scheduler.inflight)

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
        await self._scheduler.run_ready(max_wait)
        if self._outbox.unresolved:
            await self.reconcile()
            await self._scheduler.run_ready(max_wait)

    async def wait_inflight(self) -> None:
        """Wait for the venue calls running in the background to be answered (a clean stop
        lets them finish; each is bounded by its client's own deadline)."""
        await self._scheduler.wait_inflight()

    async def cancel_inflight(self) -> None:
        """Stop waiting for venue calls still running in the background (at shutdown): their
        intents stay SENT and are reconciled when the engine starts again."""
        await self._scheduler.cancel_inflight()

    def evidence_for(self, intent_id: str) -> Evidence:
        """The evidence of an open intent; what an adapter records is stored at once."""
        return self._outbox.evidence_for(intent_id)

    def retry(self, executor_id: str) -> int:
        """Reconcile an executor's expired intents again (their budget starts over); return how
        many were reopened. Outcomes arrive through the next :meth:`drain`.

        Raises:
            UnknownExecutorError: no live executor with this id.
        """
        if executor_id not in self._executors:
            raise UnknownExecutorError(executor_id)
        return self._outbox.retry(executor_id)

    async def reconcile(self) -> int:
        """Ask the ports what became of every unknown outcome; return how many were settled.

        A write that landed gets its outcome applied; one that certainly did not is sent again
        under the same intent (up to ``max_sends`` sends in all); one still unknown waits.
        """
        return await self._outbox.reconcile()

    @property
    def _unresolved(self) -> Mapping[str, Command]:
        # The commands whose outcome is unknown (tests/core/crash_child.py reports them).
        return self._outbox.unresolved

    # --- reading -----------------------------------------------------------------------------

    def has_executor(self, executor_id: str) -> bool:
        """True when an executor with this id is in memory or in the store."""
        return self._registry.has(executor_id)

    def executor(self, executor_id: str) -> AnyExecutor:
        """Return a live executor object (for inspection; never mutate it)."""
        return self._registry.get(executor_id)

    def info(self, executor_id: str) -> ExecutorInfo:
        """Return one executor's report, from memory or from the store."""
        return self._registry.info(executor_id)

    def infos(self, **filters: Any) -> list[ExecutorInfo]:
        """Return reports filtered in the store (see :meth:`Store.list_executors`)."""
        info_from_record = self._registry.info_from_record
        return [info_from_record(record) for record in self._store.list_executors(**filters)]

    def info_from_record(self, record: StoredExecutor) -> ExecutorInfo:
        """Build a report from a stored executor (through its class when it is known)."""
        return self._registry.info_from_record(record)

    def executor_config(self, executor_id: str) -> ExecutorConfig:
        """Return an executor's config, from memory or from the store."""
        return self._registry.config(executor_id)

    @property
    def store(self) -> Store:
        """The engine's store (controllers that drive the engine keep their state there)."""
        return self._store

    @property
    def clock(self) -> Clock:
        """The engine's clock (controllers that drive the engine share it)."""
        return self._clock

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
        terminated = ExecutorStatus.TERMINATED  # Executor.is_terminated, read without a call
        return [
            executor for executor in self._router.live.values() if executor.status is not terminated
        ]

    @property
    def reconciliations(self) -> Mapping[str, int]:
        """How many reconciliations ended each way (``landed``, ``not_landed``, ``unknown``,
        ``error``)."""
        return self._outbox.reconciliations

    def limit_concurrent_calls(self, limit: int | None) -> None:
        """Let at most ``limit`` venue calls run at once (None: no limit): a worker that takes
        over hundreds of executors does not flood its venue."""
        self._outbox.limit_calls(limit)

    def observe_venue_calls(self, callback: Callable[[str, str, float], None] | None) -> None:
        """Call ``callback(venue, command kind, seconds)`` after each venue call (metrics)."""
        self._outbox.on_venue_call = callback

    def intent_counts(self) -> tuple[int, int]:
        """How many commands wait to be sent, and how many outcomes are unknown."""
        return self._outbox.queued_count, len(self._outbox.unresolved)

    def busy_executors(self) -> set[str]:
        """The executors with work under way: commands queued or in flight, outcomes unknown."""
        busy = set(self._outbox.ready()) | set(self._scheduler.inflight)
        busy.update(command.executor_id for command in self._outbox.unresolved.values())
        return busy

    @property
    def active_count(self) -> int:
        """How many executors in memory have not terminated."""
        return sum(1 for executor in self._router.live.values() if not executor.is_terminated)
