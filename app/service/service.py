"""``ExecutorService``: every executor use case, once, for every surface (REST, MCP, CLI, library).

The service runs over the engines that run executors (by type: the LP runtime's engine runs
``lp`` and ``swap``, the CEX runtime's ``order``...) and the one store they share. A create is
validated, its controller id resolved (:mod:`lpexec.app.service.requests`), checked by the risk
gate over every open executor of every engine (:mod:`lpexec.app.service.risk`), then added to
the engine that runs its type; reads come from the store (searches in SQL) and, for one
executor's details, from its engine. The service does not drive the engines: whoever hosts it
(``lpexec serve``, a daemon, a test) drains them.

Scope: a scoped :class:`~lpexec.app.service.contract.Caller` sees and changes only its
controller's executors; another's read as unknown (:class:`~lpexec.core.UnknownExecutorError`)
and naming another controller in a filter is a :class:`ScopeError`.

Example::

    runtime = await open_lp_runtime(database_url=url)
    limits = risk_engine_from({"max_open_executors": 5})
    engines = {"lp": runtime.engine, "swap": runtime.engine}
    service = ExecutorService(engines, runtime.engine.store, risk=limits)
    report = await service.create({"type": "lp_executor", ...}, caller=Caller("bot-a"))
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from lpexec.app.registry import EXECUTOR_TYPES
from lpexec.app.service.catalog import TypeCatalog
from lpexec.app.service.contract import Caller, ExecutorServicePort, ScopeError, SearchFilters
from lpexec.app.service.cursor import CursorCodec, fingerprint
from lpexec.app.service.models import (
    ClearedPosition,
    ConfigSchema,
    CreateOutcome,
    ExecutorReport,
    ExecutorSummary,
    ExecutorTypeInfo,
    LogEntry,
    LogPage,
    PerformanceReport,
    PositionHoldReport,
    PositionsSummary,
    SearchPage,
    StopResult,
)
from lpexec.app.service.reports import (
    RUNNABLE_STATUS,
    custom_info,
    lifecycle_statuses,
    performance_report,
    position_report,
    positions_summary,
    record_model,
    record_of,
    summary_of,
)
from lpexec.app.service.requests import parse_create
from lpexec.app.service.risk import RiskGate, first_price
from lpexec.core import (
    Clock,
    ConfigError,
    Engine,
    Executor,
    ExecutorConfig,
    ExecutorError,
    ExecutorStatus,
    HeldPosition,
    LiveClock,
    RiskEngine,
    RiskRejectedError,
    UnknownExecutorError,
)
from lpexec.core.risk import PriceLookup
from lpexec.core.store import (
    DEFAULT_ACCOUNT,
    ExecutorQuery,
    LogLevel,
    SearchableStore,
    SearchAnchor,
    StopRequests,
    Store,
    StoredExecutor,
)

__all__ = ["MAX_PAGE", "ExecutorService", "UnknownPositionError"]

_T = TypeVar("_T")

MAX_PAGE = 1000
"""The largest page of a search or of logs."""

_SEARCHABLE = (
    "search_executors",
    "report_rows",
    "executor_logs",
    "append_log",
    "delete_held_position",
    "set_account_name",
    "secret",
)
_ACTIVE_STATUSES = tuple(s.value for s in ExecutorStatus if s is not ExecutorStatus.TERMINATED)


class UnknownPositionError(ExecutorError, LookupError):
    """No held position matches (connector, pair, account, controller)."""


class ExecutorService:
    """Every executor use case over the engines that run executors and their shared store.

    Args:
        engines: the engine that runs each executor type, by type name (``lp`` or
            ``lp_executor``); one engine may run several types.
        store: the store every engine writes: a :class:`~lpexec.core.store.SearchableStore`
            such as the SQL store (searches run in its queries); ``engine.store`` of a runtime.
        risk: the limits every create is checked against (None: no limits; the controller id
            is still checked against the caller).
        clock: the one clock; default: the first engine's.
        prices: a reference price per trading pair for the risk gate and held positions,
            asked after the engines' last published prices (None: those only).
        executor_types: the executor classes this build knows (``app.registry``).
        stop_requests: where to ask for the stop of an executor no engine here runs (it runs
            on a worker, which carries the stop out at its next heartbeat); None: such a stop
            answers ``not_running``.
    """

    def __init__(
        self,
        engines: Mapping[str, Engine],
        store: Store,
        *,
        risk: RiskEngine | None = None,
        clock: Clock | None = None,
        prices: PriceLookup | None = None,
        executor_types: Iterable[type[Executor[Any, Any]]] = EXECUTOR_TYPES,
        stop_requests: StopRequests | None = None,
    ) -> None:
        executor_types = list(executor_types)
        self._stop_requests = stop_requests
        self._catalog = TypeCatalog(executor_types)
        self._engines: dict[str, Engine] = {
            self._catalog.resolve(name, field="engines"): engine for name, engine in engines.items()
        }
        unique: dict[int, Engine] = {id(engine): engine for engine in self._engines.values()}
        self._all_engines = list(unique.values())
        if not all(hasattr(store, name) for name in _SEARCHABLE):
            raise ConfigError(
                f"store: expected a searchable store (the SQL store), received {store!r}"
            )
        self._store = cast(SearchableStore, store)
        if clock is None:
            clock = self._all_engines[0].clock if self._all_engines else LiveClock()
        self._clock = clock
        lookups: list[PriceLookup] = [engine.last_price for engine in self._all_engines]
        if prices is not None:
            lookups.append(prices)
        self._price = first_price(lookups)
        self._gate = RiskGate(risk, config_classes=self._catalog.config_classes, price=self._price)
        self._lock = asyncio.Lock()
        self._cursors: CursorCodec | None = None
        self._threaded_reads = not _in_memory(store)
        # Reports of stored executors are decoded by an engine: one here, or a reader that runs
        # nothing (a service over the store alone, e.g. the CLI's reads).
        self._decoder = (
            self._all_engines[0]
            if self._all_engines
            else Engine(store=store, clock=clock, executor_types=executor_types, venues={}, runs=())
        )

    @property
    def risk(self) -> RiskEngine | None:
        """The limits every create is checked against."""
        return self._gate.risk

    # --- create ------------------------------------------------------------------------------

    async def create(
        self,
        executor_config: Mapping[str, Any],
        *,
        caller: Caller,
        controller_id: str | None = None,
        account_name: str | None = None,
    ) -> ExecutorReport:
        """Validate, resolve the controller id, risk-check, create and start one executor.

        Raises:
            ConfigError: a bad config (the field named), an unknown type, a type no engine here
                runs, disagreeing controller ids.
            ScopeError: a scoped caller creates for another controller.
            RiskRejectedError: the risk gate refused (its reason, e.g.
                ``max_open_executors: 3 would exceed 2``).
        """
        ((_, outcome),) = await self._create_all(
            [executor_config], caller=caller, controller_id=controller_id, account_name=account_name
        )
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def create_batch(
        self,
        executor_configs: Sequence[Mapping[str, Any]],
        *,
        caller: Caller,
        controller_id: str | None = None,
        account_name: str | None = None,
    ) -> list[CreateOutcome]:
        """Create several executors in order, each checked with the running totals of those
        approved before it; one that is refused (bad config, scope, risk) does not stop the
        others. Returns one outcome per config, in order."""
        outcomes = await self._create_all(
            executor_configs, caller=caller, controller_id=controller_id, account_name=account_name
        )
        result = []
        for index, (executor_id, outcome) in enumerate(outcomes):
            if isinstance(outcome, ExecutorReport):
                result.append(CreateOutcome(index=index, executor_id=executor_id, report=outcome))
                continue
            result.append(
                CreateOutcome(
                    index=index,
                    executor_id=executor_id,
                    error=str(outcome),
                    limit=outcome.limit if isinstance(outcome, RiskRejectedError) else None,
                )
            )
        return result

    async def _create_all(
        self,
        executor_configs: Sequence[Mapping[str, Any]],
        *,
        caller: Caller,
        controller_id: str | None,
        account_name: str | None,
    ) -> list[tuple[str | None, ExecutorReport | Exception]]:
        """Each create's executor id (None when its config is refused) and its report or why it
        was refused."""
        account = _account(account_name)
        prepared: list[tuple[Engine, ExecutorConfig] | Exception] = []
        for executor_config in executor_configs:
            try:
                config = parse_create(
                    executor_config,
                    catalog=self._catalog,
                    caller=caller,
                    controller_id=controller_id,
                )
                prepared.append((self._engine_for(config.type), config))
            except (ConfigError, ScopeError) as e:
                prepared.append(e)
        async with self._lock:
            checked = [item for item in prepared if not isinstance(item, Exception)]
            decisions = iter(
                self._gate.check(
                    [config for _, config in checked],
                    caller_controller_id=caller.controller_id,
                    open_executors=self._store.unfinished_executors,
                    live=self._live_lookup(),
                )
            )
            outcomes: list[tuple[str | None, ExecutorReport | Exception]] = []
            for item in prepared:
                if isinstance(item, Exception):
                    outcomes.append((None, item))
                    continue
                engine, config = item
                decision = next(decisions)
                if not decision.approved:
                    reason, limit = str(decision.reason), str(decision.limit)
                    outcomes.append((config.id, RiskRejectedError(reason, limit=limit)))
                    continue
                try:
                    engine.add(config, caller_controller_id=config.controller_id)
                except (ConfigError, RiskRejectedError) as e:
                    outcomes.append((config.id, e))
                    continue
                if account != DEFAULT_ACCOUNT:
                    self._store.set_account_name(config.id, account)
                outcomes.append((config.id, self._report(self._stored(config.id))))
        return outcomes

    def _engine_for(self, type_name: str) -> Engine:
        engine = self._engines.get(type_name)
        if engine is None:
            running = ", ".join(sorted(self._engines)) or "none"
            raise ConfigError(
                f"executor_config.type: {type_name!r} is known but no runtime here runs it "
                f"(running: {running})"
            )
        return engine

    def _live_lookup(self) -> Callable[[str], Executor[Any, Any] | None]:
        """The live executor of an id in any engine here (a snapshot of this moment)."""
        live: dict[str, Executor[Any, Any]] = {}
        for engine in self._all_engines:
            for executor in engine.live_executors():
                live[executor.id] = executor
        return live.get

    # --- reads ---------------------------------------------------------------------------------

    async def search(
        self, filters: SearchFilters, *, caller: Caller, cursor: str | None, limit: int
    ) -> SearchPage:
        """One page over every executor, running or finished, newest first.

        Raises:
            ConfigError: ``limit`` outside 1..1000, an unknown status or type name, an unknown
                or altered cursor (or one from another search).
            ScopeError: a scoped caller filters for another controller.
        """
        _check_limit(limit)
        query = self._query(filters, caller)
        search = fingerprint(query)
        codec = await self._read(self._codec)
        after = codec.decode(cursor, search) if cursor is not None else None
        stored, total = await self._read(
            self._store.search_executors, query, after=after, limit=limit + 1
        )
        page, more = stored[:limit], len(stored) > limit
        next_cursor = None
        if more:
            last = page[-1]
            next_cursor = codec.encode(SearchAnchor(last.created_at, last.executor_id), search)
        return SearchPage(
            items=[record_model(item) for item in page],
            next_cursor=next_cursor,
            total_count=total,
            limit=limit,
            has_more=more,
        )

    async def get(self, executor_id: str, *, caller: Caller) -> ExecutorReport:
        """One executor in full, running or finished (UnknownExecutorError otherwise)."""
        # The read in a thread; the report on this one (a live executor's figures are read
        # between two of its events, never while one is being applied).
        return self._report(await self._read(self._visible, executor_id, caller))

    async def logs(
        self, executor_id: str, *, caller: Caller, level: str | None = None, limit: int = 100
    ) -> LogPage:
        """Its latest log entries, oldest first, kept after it ends.

        Raises:
            UnknownExecutorError: no such executor (or another controller's).
            ConfigError: an unknown level or a limit outside 1..1000.
        """
        _check_limit(limit)
        stored = await self._read(self._visible, executor_id, caller)
        wanted = None
        if level is not None:
            wanted = level.strip().upper()
            if wanted not in LogLevel.ALL:
                raise ConfigError(
                    f"level: expected one of {', '.join(LogLevel.ALL)}, received {level!r}"
                )
        entries, total = await self._read(
            self._store.executor_logs, stored.executor_id, level=wanted, limit=limit
        )
        return LogPage(
            executor_id=stored.executor_id,
            logs=[
                LogEntry(
                    timestamp=entry.ts.timestamp(),
                    time=entry.ts,
                    level=entry.level,
                    message=entry.message,
                    exc_info=entry.exc_info,
                )
                for entry in entries
            ],
            total_count=total,
        )

    async def stop(
        self, executor_id: str, *, caller: Caller, keep_position: bool = False
    ) -> StopResult:
        """Ask it to stop: ``keep_position`` False flattens (EARLY_STOP), True holds
        (POSITION_HOLD). A finished executor answers ``already_terminated`` with its close
        type; one that no runtime here runs answers ``not_running`` with why."""
        stored = self._visible(executor_id, caller)
        if stored.status is ExecutorStatus.TERMINATED:
            return StopResult(
                executor_id=executor_id,
                status="already_terminated",
                keep_position=keep_position,
                close_type=stored.close_type.value if stored.close_type else None,
                executor_status="TERMINATED",
            )
        executor = self._live_lookup()(executor_id)
        engine = self._engines.get(stored.type)
        who = "the operator" if caller.is_operator else f"controller {caller.controller_id!r}"
        if executor is None and self._stop_requests is not None and not stored.stranded_reason:
            return await self._request_stop(
                self._stop_requests, stored, who=who, keep_position=keep_position
            )
        if executor is None or engine is None:
            why = stored.stranded_reason or "no runtime attached to this service runs its type"
            return StopResult(
                executor_id=executor_id,
                status="not_running",
                keep_position=keep_position,
                executor_status=RUNNABLE_STATUS[stored.status],
                detail=f"executor {executor_id!r} is {stored.status.value} but not running: {why}",
            )
        async with self._lock:
            self._store.append_log(
                executor_id,
                LogLevel.INFO,
                f"stop requested by {who}, keep_position={keep_position}",
                now=self._clock.now(),
            )
            info = await engine.stop(executor_id, keep_position=keep_position)
        return StopResult(
            executor_id=executor_id,
            status="stopping",
            keep_position=keep_position,
            close_type=info.close_type.value if info.close_type else None,
            executor_status=RUNNABLE_STATUS[info.status],
        )

    async def _request_stop(
        self, requests: StopRequests, stored: StoredExecutor, *, who: str, keep_position: bool
    ) -> StopResult:
        """Record the stop of an executor a worker runs; that worker stops it at its next
        heartbeat."""
        executor_id = stored.executor_id
        now = self._clock.now()
        async with self._lock:
            self._store.append_log(
                executor_id,
                LogLevel.INFO,
                f"stop requested by {who}, keep_position={keep_position}; the worker running "
                "it stops it at its next heartbeat",
                now=now,
            )
            requests.request(executor_id, keep_position=keep_position, requested_by=who, now=now)
        return StopResult(
            executor_id=executor_id,
            status="stopping",
            keep_position=keep_position,
            executor_status=RUNNABLE_STATUS[stored.status],
            detail="requested: the worker running it stops it at its next heartbeat",
        )

    async def summary(self, *, caller: Caller) -> ExecutorSummary:
        """Totals over the active (not terminated) executors the caller sees."""
        scope = () if caller.is_operator else (str(caller.controller_id),)
        query = ExecutorQuery(controller_ids=scope, statuses=_ACTIVE_STATUSES)
        return summary_of(await self._read(self._store.report_rows, query))

    async def performance(
        self, *, caller: Caller, controller_id: str | None = None
    ) -> PerformanceReport:
        """A controller's (or every visible controller's) performance."""
        controllers = self._controllers(caller, controller_id)
        rows = await self._read(self._store.report_rows, ExecutorQuery(controller_ids=controllers))
        holds = [position_report(p, self._price) for p in await self._read(self._held, controllers)]
        return performance_report(rows, holds, controller_id=controller_id or caller.controller_id)

    async def positions_summary(
        self, *, caller: Caller, controller_id: str | None = None
    ) -> PositionsSummary:
        """The held positions the caller sees (of one controller when given)."""
        controllers = self._controllers(caller, controller_id)
        held = await self._read(self._held, controllers)
        return positions_summary([position_report(p, self._price) for p in held])

    async def position(
        self,
        connector_name: str,
        trading_pair: str,
        *,
        caller: Caller,
        account_name: str = DEFAULT_ACCOUNT,
        controller_id: str = "main",
    ) -> PositionHoldReport:
        """One held position (UnknownPositionError, a LookupError, when none)."""
        (position, *_) = await self._read(
            self._find_held, connector_name, trading_pair, caller, account_name, controller_id
        )
        return position_report(position, self._price)

    async def clear_position(
        self,
        connector_name: str,
        trading_pair: str,
        *,
        caller: Caller,
        account_name: str = DEFAULT_ACCOUNT,
        controller_id: str = "main",
    ) -> ClearedPosition:
        """Forget one held position (UnknownPositionError, a LookupError, when none)."""
        found = self._find_held(connector_name, trading_pair, caller, account_name, controller_id)
        async with self._lock:
            for position in found:
                self._store.delete_held_position(position.key)
                for engine in self._all_engines:
                    engine.ledger.remove(position.key)
        return ClearedPosition(
            message=f"held position {connector_name} {trading_pair} of {controller_id} cleared",
            connector_name=connector_name,
            trading_pair=trading_pair,
            controller_id=controller_id,
        )

    def types(self) -> list[ExecutorTypeInfo]:
        """The executor types with a description each."""
        return self._catalog.types()

    def config_schema(self, executor_type: str) -> ConfigSchema:
        """A type's config fields (ConfigError for an unknown type)."""
        return self._catalog.config_schema(executor_type)

    # --- helpers -------------------------------------------------------------------------------

    async def _read(self, read: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        """Run a read of the store in a worker thread, so a slow query does not hold up the
        event loop that drives the executors (inline for an in-memory SQLite store, whose one
        connection belongs to this thread)."""
        if self._threaded_reads:
            return await asyncio.to_thread(read, *args, **kwargs)
        return read(*args, **kwargs)

    def _stored(self, executor_id: str) -> StoredExecutor:
        stored = self._store.get_executor(executor_id)
        if stored is None:
            raise UnknownExecutorError(executor_id)
        return stored

    def _visible(self, executor_id: str, caller: Caller) -> StoredExecutor:
        """The stored executor when the caller may see it; another's reads as unknown."""
        if not isinstance(executor_id, str) or not executor_id:
            raise UnknownExecutorError(str(executor_id))
        stored = self._stored(executor_id)
        if not caller.is_operator and stored.controller_id != caller.controller_id:
            raise UnknownExecutorError(executor_id)
        return stored

    def _report(self, stored: StoredExecutor) -> ExecutorReport:
        config = stored.load_config()
        engine = self._engines.get(stored.type) or self._decoder
        info = engine.info_from_record(stored)
        return ExecutorReport(
            **record_of(stored, info), config=config, custom_info=custom_info(info, config)
        )

    def _query(self, filters: SearchFilters, caller: Caller) -> ExecutorQuery:
        controllers = tuple(filters.controller_ids or ())
        if not caller.is_operator:
            others = sorted({c for c in controllers if c != caller.controller_id})
            if others:
                raise ScopeError(
                    f"controller_ids: this caller sees {caller.controller_id!r} only, "
                    f"received {', '.join(map(repr, others))}"
                )
            controllers = (str(caller.controller_id),)
        return ExecutorQuery(
            controller_ids=controllers,
            connector_names=tuple(filters.connector_names or ()),
            trading_pairs=tuple(filters.trading_pairs or ()),
            executor_types=tuple(
                self._catalog.resolve(name, field="executor_types")
                for name in filters.executor_types or ()
            ),
            account_names=tuple(filters.account_names or ()),
            statuses=lifecycle_statuses(filters.statuses or ()),
            stranded=filters.stranded,
        )

    def _codec(self) -> CursorCodec:
        if self._cursors is None:
            self._cursors = CursorCodec(self._store.secret("search_cursor"))
        return self._cursors

    def _controllers(self, caller: Caller, controller_id: str | None) -> tuple[str, ...]:
        """The controllers a report covers: ``controller_id`` (if the caller may see it),
        else the caller's own, else all (empty)."""
        if controller_id is not None:
            if not caller.is_operator and controller_id != caller.controller_id:
                raise ScopeError(
                    f"controller_id: this caller sees {caller.controller_id!r} only, "
                    f"received {controller_id!r}"
                )
            return (controller_id,)
        return () if caller.is_operator else (str(caller.controller_id),)

    def _held(self, controllers: tuple[str, ...]) -> list[HeldPosition]:
        positions = self._store.held_positions()
        if controllers:
            positions = [p for p in positions if p.key.controller_id in controllers]
        return sorted(positions, key=lambda p: p.key.sort_key())

    def _find_held(
        self,
        connector_name: str,
        trading_pair: str,
        caller: Caller,
        account_name: str,
        controller_id: str,
    ) -> list[HeldPosition]:
        (controller,) = self._controllers(caller, controller_id)
        what = (
            f"connector_name={connector_name!r}, trading_pair={trading_pair!r}, "
            f"account_name={account_name!r}, controller_id={controller!r}"
        )
        if account_name != DEFAULT_ACCOUNT:
            raise UnknownPositionError(
                f"No held position for {what}: positions are kept per controller; expected "
                f"account_name {DEFAULT_ACCOUNT!r}"
            )
        found = [
            p
            for p in self._held((controller,))
            if p.key.connector == connector_name and p.key.trading_pair == trading_pair
        ]
        if not found:
            raise UnknownPositionError(f"No held position for {what}")
        return found


def _in_memory(store: Store) -> bool:
    """Whether ``store`` is an in-memory SQLite database (one connection, this thread's)."""
    database = getattr(store, "database", None)
    url = getattr(getattr(database, "engine", None), "url", None)
    if url is None:
        return True  # not a SQL store we know: keep its reads on this thread
    return bool(url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def _account(account_name: str | None) -> str:
    if account_name is None:
        return DEFAULT_ACCOUNT
    if not isinstance(account_name, str) or not account_name.strip() or len(account_name) > 64:
        raise ConfigError(
            f"account_name: expected a name of 1 to 64 characters, received {account_name!r}"
        )
    return account_name


def _check_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise ConfigError(f"limit: expected an integer from 1 to {MAX_PAGE}, received {limit!r}")


if TYPE_CHECKING:

    def _implements_the_contract(service: ExecutorService) -> ExecutorServicePort:
        return service  # mypy checks that the service keeps the contract
