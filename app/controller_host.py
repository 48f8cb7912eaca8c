"""Running executor handlers (market making, directional) on a schedule, resumable.

:class:`ControllerHost` runs the controllers of ``[[controller]]`` tables (see
:mod:`lpexec.controllers.catalog` and ``fixtures/controller_*.toml``) on a CEX runtime (the paper
exchange; a real exchange has no market data source here yet and is refused). Each
:meth:`~ControllerHost.tick` plays the paper markets up to the wall clock (resting orders fill,
executors react), reads each controller's market (touch, trading rules, mid history), lets the
:class:`~lpexec.controllers.host.ControllerRunner` decide and act (every create through the risk
engine), carries the commands out, and saves every controller's state with its mid history.

A restart resumes everything: the engine resumes the executors from the store, the runner reads
them back (live ones, and the newest closed one of each level, which is what cooldowns read), the
controllers' state and sequence numbers come from the store, and an executor created just before
a kill is adopted (its id is taken), never created twice.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lpexec.app.cex_runtime import PAPER_PERPETUAL, CexRuntime, open_cex_runtime
from lpexec.app.shared_exchange import SharedExchangeMarkets
from lpexec.cex.chaser import TopOfBookUpdated
from lpexec.controllers.base import Controller, MarketData
from lpexec.controllers.catalog import build_controller
from lpexec.controllers.host import ControllerRunner
from lpexec.core import ConfigError, Engine, RiskEngine
from lpexec.core.clock import Clock
from lpexec.core.store.controller_leases import ControllerLeaseLostError
from lpexec.paper.exchange import MarketNotFoundError

__all__ = ["ControllerHost", "SharedExchangeMarkets", "load_controllers", "open_controller_host"]

logger = logging.getLogger(__name__)


def load_controllers(tables: Sequence[Mapping[str, Any]]) -> list[Controller]:
    """Controllers from ``[[controller]]`` tables; every problem named ``controller[i]``.

    Raises:
        ConfigError: a bad table, or two controllers with one id.
    """
    controllers = [
        build_controller(table, where=f"controller[{index}]") for index, table in enumerate(tables)
    ]
    ids = [controller.controller_id for controller in controllers]
    duplicated = sorted({cid for cid in ids if ids.count(cid) > 1})
    if duplicated:
        raise ConfigError(f"controller.id: expected unique ids, received {duplicated} twice")
    return controllers


class ControllerHost:
    """Runs controllers on a paper CEX runtime, or on a shared paper exchange server (see the
    module docstring).

    Args:
        runtime: the CEX runtime (paper), or None with ``shared``.
        controllers: the controllers.
        wall_clock: the clock the paper markets follow (tests pass a simulated one).
        out: where status lines go.
        shared: the markets of a paper exchange server (then ``engine`` runs the executors).
        engine: the engine of ``shared``.
    """

    def __init__(
        self,
        runtime: CexRuntime | None,
        controllers: Sequence[Controller],
        *,
        wall_clock: Clock,
        out: Callable[[str], None] = print,
        shared: SharedExchangeMarkets | None = None,
        engine: Engine | None = None,
    ) -> None:
        if runtime is None and (shared is None or engine is None):
            raise ConfigError("controller: expected a paper CEX runtime or a shared exchange")
        if runtime is not None and runtime.paper is None:
            raise ConfigError(
                "controller: expected the paper exchange (controllers read their market from "
                "it), received a real exchange"
            )
        self.runtime = runtime
        self.shared = shared
        if engine is None:
            assert runtime is not None
            engine = runtime.engine
        self.engine = engine
        self.runner = ControllerRunner(engine=self.engine, controllers=controllers)
        self._wall = wall_clock
        self._out = out
        self._history: dict[str, collections.deque[float]] = {}
        self.ticks = 0

    async def start(self) -> list[str]:
        """Load the controllers' state and executors, set perpetual venues up."""
        self.runner.load()
        for cid, controller in self.runner.controllers.items():
            length = controller.history_length
            if length:
                saved = controller.state.get("mids", [])
                self._history[cid] = collections.deque((float(mid) for mid in saved), maxlen=length)
        return await self.runner.prepare()

    async def tick(self, only: Collection[str] | None = None) -> list[str]:
        """Play the markets up to now, let every controller (of ``only``, when given) decide and
        act, save their state."""
        runtime, shared = self.runtime, self.shared
        held = [
            controller
            for cid, controller in self.runner.controllers.items()
            if only is None or cid in only
        ]
        touches: dict[str, TopOfBookUpdated] = {}
        if shared is not None:
            touches = await shared.advance({c.config.trading_pair for c in held})
        else:
            assert runtime is not None and runtime.paper is not None
            await runtime.advance(runtime.paper.catch_up_steps(self._wall.now()))
        lines = []
        for controller in held:
            cid = controller.controller_id
            if shared is not None:
                market = await self._shared_market_of(controller, touches)
            else:
                market = self.market_of(controller)
            if market is None:
                lines.append(f"{cid}: no quote for {controller.config.trading_pair}")
                continue
            try:
                lines += await self.runner.step_one(controller, market)
            except ControllerLeaseLostError:  # handed over meanwhile: another daemon runs it
                lines.append(f"{cid}: lease lost; another daemon runs it now")
                continue
            history = self._history.get(cid)
            if history is not None:
                controller.state["mids"] = list(history)
        if runtime is not None:
            await runtime.settle()
        else:
            await self.engine.drain()
        for controller in held:
            try:
                self.runner.save(controller)
            except ControllerLeaseLostError:
                lines.append(f"{controller.controller_id}: lease lost; another daemon runs it now")
        self.ticks += 1
        return lines

    async def _shared_market_of(
        self, controller: Controller, touches: Mapping[str, TopOfBookUpdated]
    ) -> MarketData | None:
        """The controller's market read from the shared exchange (its mid appended)."""
        config = controller.config
        touch = touches.get(config.trading_pair)
        assert self.shared is not None
        rules = await self.shared.rules(config.connector_name, config.trading_pair)
        if touch is None or rules is None:
            return None
        history = self._history.get(controller.controller_id)
        if history is not None:
            history.append(float(touch.price))
        return MarketData(
            trading_pair=config.trading_pair,
            timestamp=self.engine.clock.now(),
            bid=touch.best_bid,
            ask=touch.best_ask,
            price_tick=rules.price_tick,
            amount_step=rules.amount_step,
            history=np.fromiter(history, dtype=float) if history is not None else np.empty(0),
        )

    def reload(self, controller_ids: Collection[str]) -> None:
        """Load these controllers' state, mid history and executors again (taken over)."""
        wanted = [cid for cid in controller_ids if cid in self.runner.controllers]
        if not wanted:
            return
        self.runner.reload(wanted)
        for cid in wanted:
            controller = self.runner.controllers[cid]
            length = controller.history_length
            if length:
                saved = controller.state.get("mids", [])
                self._history[cid] = collections.deque((float(mid) for mid in saved), maxlen=length)

    def market_of(self, controller: Controller) -> MarketData | None:
        """The controller's market now (its mid appended to its history)."""
        paper = self.runtime.paper
        assert paper is not None
        config = controller.config
        exchange = paper.perpetual if config.connector_name == PAPER_PERPETUAL else paper.exchange
        try:
            market = exchange.market(config.trading_pair)
        except MarketNotFoundError:
            return None
        quote = market.quote
        if quote is None:
            return None
        history = self._history.get(controller.controller_id)
        if history is not None:
            history.append(float((quote.bid + quote.ask) / 2))
        return MarketData(
            trading_pair=config.trading_pair,
            timestamp=self.runtime.clock.now(),
            bid=quote.bid,
            ask=quote.ask,
            price_tick=market.rules.price_tick,
            amount_step=market.rules.amount_step,
            history=np.fromiter(history, dtype=float) if history is not None else np.empty(0),
        )

    async def stop(self, only: Collection[str] | None = None) -> None:
        """Let writes in flight be answered and save every controller's state (of ``only``,
        when given; executors are left running: they resume at the next start)."""
        await self.engine.wait_inflight()
        for cid, controller in self.runner.controllers.items():
            if only is None or cid in only:
                self.runner.save(controller)

    async def aclose(self, only: Collection[str] | None = None) -> None:
        """:meth:`stop`, then close the runtime (a shared exchange's venues are its owner's)."""
        try:
            await self.stop(only)
        finally:
            if self.runtime is not None:
                await self.runtime.aclose()


async def open_controller_host(
    tables: Sequence[Mapping[str, Any]],
    *,
    database_url: str,
    paper_state_file: str | Path | None,
    wall_clock: Clock,
    seed: int = 0,
    risk: RiskEngine | None = None,
    out: Callable[[str], None] = print,
    write_latency_seconds: float = 0.0,
) -> ControllerHost:
    """Open a paper CEX runtime on ``database_url`` and start a host for ``tables``
    (``write_latency_seconds``: how long the paper venue's answers take; crash tests)."""
    controllers = load_controllers(tables)
    runtime = await open_cex_runtime(
        database_url=database_url,
        paper_state_file=paper_state_file,
        seed=seed,
        wall_clock=wall_clock,
        risk=risk,
        write_latency_seconds=write_latency_seconds,
    )
    try:
        host = ControllerHost(runtime, controllers, wall_clock=wall_clock, out=out)
        for line in await host.start():
            out(line)
    except BaseException:
        await runtime.aclose()
        raise
    return host
