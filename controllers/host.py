"""``ControllerRunner``: carries out controllers' decisions through the engine.

The runner is what the daemon (:mod:`lpexec.app.controller_host`) and the CEX backtests
(:mod:`lpexec.backtest.cex`) share. Each :meth:`~ControllerRunner.step` it builds every
controller's executor reports, calls :meth:`~lpexec.controllers.base.Controller.decide` and
carries the actions out: a create through :meth:`Engine.add` (the risk engine checks it; a refusal
is reported, never raised), a stop through :meth:`Engine.stop`. It does not drain the engine: the
caller settles the venue (as the daemon's tick does for the rebalancer).

Controller state lives in the store (``controllers`` table, ``kind`` = the controller's kind) with
the next executor sequence number, saved after every step. Executor ids are
``<controller_id>-<seq>``; an id the store already holds is skipped, so an executor created just
before a crash (its seq not saved yet) is adopted at restart, never created twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from lpexec.controllers.base import (
    Controller,
    CreateExecutor,
    ExecutorReport,
    MarketData,
    StopExecutor,
)
from lpexec.core import (
    ConfigError,
    Engine,
    ExecutorStatus,
    PerpetualVenue,
    RiskRejectedError,
    UnknownExecutorError,
    VenueError,
)
from lpexec.core.money import ZERO
from lpexec.core.store import Store

__all__ = ["CLOSED_KEPT", "ControllerRunner", "report_of_executor"]

logger = logging.getLogger(__name__)

CLOSED_KEPT = 200
"""How many closed executors each controller's reports are read from at load (the newest)."""


def report_of_executor(executor: Any) -> ExecutorReport:
    """The report of a live executor object (read from its config and state, no I/O)."""
    return _report(
        executor.config,
        executor,
        executor_id=executor.id,
        is_trading=_is_trading(executor),
        pnl=lambda: executor.metrics().net_pnl_quote,
    )


def _is_trading(executor: Any) -> bool:
    """Something of the executor filled (a position's entry, an order)."""
    state = executor.state
    filled: Any = getattr(state, "open_base", None)
    if filled is None:
        filled = getattr(state, "filled_base", ZERO)
    return bool(filled > 0)


def _report(
    config: Any,
    source: Any,
    *,
    executor_id: str,
    is_trading: bool,
    pnl: Callable[[], Decimal],
) -> ExecutorReport:
    """A report from a config and an executor or its stored report (``source``: type, status,
    close type, created and closed times)."""
    entry = _value(config, "entry_price")
    if entry is None:
        entry = _value(config, "price")
    return ExecutorReport(
        executor_id=executor_id,
        type=source.type,
        level_id=_value(config, "level_id"),
        side=str(_value(config, "side", "")),
        status=source.status,
        close_type=source.close_type,
        created_at=source.created_at,
        closed_at=source.closed_at,
        is_trading=is_trading,
        entry_price=entry,
        pnl=pnl,
    )


class ControllerRunner:
    """Runs controllers against an engine.

    Args:
        engine: the engine (with its risk engine) that creates and runs their executors.
        controllers: the controllers (unique ids).
        store: where their state is kept (None: the engine's store).
        describe: False leaves the created executor's config out of each create's line (a
            backtest that keeps no lines makes thousands).
    """

    def __init__(
        self,
        *,
        engine: Engine,
        controllers: Sequence[Controller],
        store: Store | None = None,
        describe: bool = True,
    ) -> None:
        ids = [controller.controller_id for controller in controllers]
        if len(set(ids)) != len(ids):
            raise ConfigError(f"controller id: expected unique ids, received {ids}")
        self._engine = engine
        self._store = store if store is not None else engine.store
        self._describe = describe
        self.controllers: dict[str, Controller] = {c.controller_id: c for c in controllers}
        self._seq: dict[str, int] = {cid: 0 for cid in ids}
        self._live: dict[str, dict[str, Any]] = {cid: {} for cid in ids}
        self._closed: dict[str, dict[tuple[str | None, str], ExecutorReport]] = {
            cid: {} for cid in ids
        }
        self._cache: dict[str, tuple[int, ExecutorReport]] = {}
        self.created = 0
        """Creates carried out by this runner (since it was built)."""
        self.last_reports: dict[str, list[ExecutorReport]] = {}
        """The reports each controller's last decision read (by controller id)."""

    # --- load and save --------------------------------------------------------------------------

    def load(self) -> None:
        """Load each controller's saved state and its executors (live ones from the engine,
        closed ones from the store)."""
        self.reload(list(self.controllers))

    def reload(self, controller_ids: Iterable[str]) -> None:
        """Load these controllers' saved state and executors again (a daemon took them over
        from another, and resumed their executors)."""
        engine = self._engine
        wanted = set(controller_ids)
        for cid in wanted:
            self._seq[cid] = 0
            self._live[cid] = {}
            self._closed[cid] = {}
        for cid, controller in self.controllers.items():
            if cid not in wanted:
                continue
            saved = self._store.controller_state(cid)
            if saved is not None:
                controller.state = dict(saved.get("controller", {}))
                self._seq[cid] = int(saved.get("seq", 0))
            closed = engine.infos(
                controller_id=cid, status=[ExecutorStatus.TERMINATED.value], limit=CLOSED_KEPT
            )
            for info in sorted(closed, key=lambda i: (i.closed_at or i.created_at, i.executor_id)):
                report = _report(
                    engine.executor_config(info.executor_id),
                    info,
                    executor_id=info.executor_id,
                    is_trading=info.volume_quote > 0,
                    pnl=_constant(info.net_pnl_quote),
                )
                self._add_closed(cid, report)
        for executor in engine.live_executors():
            cid = executor.config.controller_id
            if cid in wanted:
                self._live[cid][executor.id] = executor

    def save(self, controller: Controller) -> None:
        """Persist one controller's state and next sequence number."""
        cid = controller.controller_id
        with self._store.transaction() as unit:
            unit.save_controller_state(
                cid,
                kind=controller.kind,
                state={"seq": self._seq[cid], "controller": controller.state},
                now=self._engine.clock.now(),
            )

    def save_all(self) -> None:
        """Persist every controller's state."""
        for controller in self.controllers.values():
            self.save(controller)

    async def prepare(self) -> list[str]:
        """Set leverage and position mode on perpetual venues (once, before the first step)."""
        lines = []
        for cid, controller in self.controllers.items():
            setup = controller.setup()
            if setup is None:
                continue
            venue = self._engine.venue(setup.connector_name)
            if not isinstance(venue, PerpetualVenue):
                lines.append(f"{cid}: {setup.connector_name} is not a perpetual venue; no setup")
                continue
            try:
                await venue.set_position_mode(setup.position_mode)
                await venue.set_leverage(setup.trading_pair, setup.leverage)
            except VenueError as e:
                lines.append(f"{cid}: venue setup refused: {e}")
                continue
            lines.append(
                f"{cid}: {setup.trading_pair} leverage {setup.leverage}, "
                f"position mode {setup.position_mode}"
            )
        return lines

    # --- reports --------------------------------------------------------------------------------

    def reports(self, controller_id: str) -> list[ExecutorReport]:
        """The controller's executors: every live one, and the newest closed one of each
        (``level_id``, side) (what cooldowns read), closed ones first."""
        live = self._live[controller_id]
        reports: list[ExecutorReport] = []
        ended: list[tuple[str, ExecutorReport]] | None = None
        for executor_id, executor in live.items():
            report = self._report(executor)
            if executor.status is ExecutorStatus.TERMINATED:  # Executor.is_terminated
                if ended is None:
                    ended = []
                ended.append((executor_id, report))
            else:
                reports.append(report)
        if ended is not None:
            for executor_id, report in ended:
                self._add_closed(controller_id, report)
                del live[executor_id]
                self._cache.pop(executor_id, None)
        return [*self._closed[controller_id].values(), *reports]

    def _report(self, executor: Any) -> ExecutorReport:
        cached = self._cache.get(executor.id)
        revision = executor.revision
        if cached is not None:
            if cached[0] == revision:
                return cached[1]
            # Most changes (an order read again, a fill of a take profit not yet complete)
            # leave what the report says as it was: the same report, read anew.
            report = cached[1]
            if (
                report.status is executor.status
                and report.close_type is executor.close_type
                and report.closed_at is executor.closed_at
                and report.is_trading is _is_trading(executor)
            ):
                self._cache[executor.id] = (revision, report)
                return report
        report = report_of_executor(executor)
        self._cache[executor.id] = (revision, report)
        return report

    def _add_closed(self, controller_id: str, report: ExecutorReport) -> None:
        closed = self._closed[controller_id]
        key = (report.level_id, report.side)
        previous = closed.get(key)
        if previous is None or (previous.closed_at or previous.created_at) <= (
            report.closed_at or report.created_at
        ):
            closed.pop(key, None)
            closed[key] = report

    def live_executors(self, controller_id: str) -> Iterable[Any]:
        """The controller's live executor objects (for inspection; never mutate)."""
        return self._live[controller_id].values()

    # --- one step -------------------------------------------------------------------------------

    async def step(self, markets: Mapping[str, MarketData]) -> list[str]:
        """Decide and act for every controller whose pair has market data; save their state;
        return one line per action (or per controller without data)."""
        lines: list[str] = []
        for cid, controller in self.controllers.items():
            market = markets.get(controller.config.trading_pair)
            if market is None:
                lines.append(f"{cid}: no market data for {controller.config.trading_pair}")
                continue
            lines += await self.step_one(controller, market)
        return lines

    async def step_one(self, controller: Controller, market: MarketData) -> list[str]:
        """Decide and act for one controller; save its state when it acted or changed."""
        return self.step_now(controller, market)

    def step_now(self, controller: Controller, market: MarketData) -> list[str]:
        """:meth:`step_one` without a coroutine (nothing it does waits: the engine creates and
        stops at once; a backtest calls it at every row)."""
        cid = controller.controller_id
        before = dict(controller.state)
        reports = self.last_reports[cid] = self.reports(cid)
        actions = controller.decide(market.timestamp, market, reports)
        lines = []
        for action in actions:
            if isinstance(action, CreateExecutor):
                lines.append(f"{cid}: {self._create(controller, action)}")
            elif isinstance(action, StopExecutor):
                lines.append(f"{cid}: {self._stop(action)}")
        if actions or controller.state != before:
            self.save(controller)
        return lines

    def _next_id(self, cid: str) -> str:
        seq = self._seq[cid]
        while self._engine.has_executor(f"{cid}-{seq}"):
            seq += 1  # created before a crash that lost the saved seq: adopted, not repeated
        self._seq[cid] = seq
        return f"{cid}-{seq}"

    def _create(self, controller: Controller, action: CreateExecutor) -> str:
        cid = controller.controller_id
        executor_id = self._next_id(cid)
        config = action.config.model_copy(update={"id": executor_id, "controller_id": cid})
        try:
            executor = self._engine.add(config, caller_controller_id=cid)
        except (RiskRejectedError, ConfigError) as e:
            return f"create refused ({action.reason}): {e}"
        self._seq[cid] += 1
        self.created += 1
        self._live[cid][executor_id] = executor
        if not self._describe:
            return f"created {executor_id} ({action.reason})"
        return f"created {executor_id} {_describe(config)} ({action.reason})"

    def _stop(self, action: StopExecutor) -> str:
        try:
            executor = self._engine.executor(action.executor_id)
        except UnknownExecutorError:
            return f"stop of {action.executor_id} ignored: unknown executor"
        if executor.is_terminated:
            return f"stop of {action.executor_id} ignored: it has ended"
        self._engine.request_stop(action.executor_id, keep_position=action.keep_position)
        return f"stopped {action.executor_id} ({action.reason})"


def _constant(value: Decimal) -> Callable[[], Decimal]:
    """A reader of a figure already known."""
    return lambda: value


def _value(config: Any, name: str, default: Any = None) -> Any:
    """``getattr(config, name, default)``, without the cost of a missing name on a model
    (pydantic raises an error inside to say it is missing): a field is read from the model's
    ``__dict__``, a name that is neither a field, nor an extra field, nor a class attribute
    gives ``default`` at once."""
    values = getattr(config, "__dict__", None)
    if values is not None:
        if name in values:
            return values[name]
        if (
            isinstance(config, BaseModel)
            and not config.__pydantic_extra__
            and not hasattr(type(config), name)
        ):
            return default
    return getattr(config, name, default)


def _describe(config: Any) -> str:
    parts = [config.type]
    for name in ("level_id", "side", "amount", "entry_price", "price"):
        value = _value(config, name)
        if value is not None:
            parts.append(f"{name}={value:f}" if isinstance(value, Decimal) else f"{name}={value}")
    return " ".join(parts)
