"""The range-rebalancing daemon: policies on a schedule, against a real Gateway or the paper one.

Each tick (``interval_seconds`` on the engine's clock) it reads every managed pool, publishes the
price, lets the executors react (timers, limits, closes), then lets each policy decide and act.
A stop (SIGTERM/SIGINT) takes no new action, saves the state and leaves positions as they are
unless a policy says ``close_on_stop``.
"""

from __future__ import annotations

import asyncio
import logging
import tomllib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.rebalancer import PolicyRunner, swap_config_for, swap_deltas_of
from app.runtime import LPRuntime
from core import ConfigError, RiskEngine, RiskLimits, format_validation_error
from lp.rebalance import RebalanceConfig

__all__ = ["Daemon", "DaemonConfig", "load_daemon_config"]

logger = logging.getLogger(__name__)


class DaemonConfig(BaseModel):
    """The TOML file of ``lpexec daemon --config``: a ``[daemon]`` table, an optional ``[risk]``
    table of limits and one ``[[policy]]`` table per managed position."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interval_seconds: float = Field(default=10.0, gt=0)
    database_url: str | None = None
    paper_state_file: str | None = None
    seed: int = 0
    risk: dict[str, Any] = Field(default_factory=dict)
    policies: list[RebalanceConfig] = Field(min_length=1)

    def risk_engine(self) -> RiskEngine | None:
        """The risk engine for the ``[risk]`` limits (None when there are none)."""
        return RiskEngine(RiskLimits.from_mapping(self.risk)) if self.risk else None


def load_daemon_config(path: Path) -> DaemonConfig:
    """Read and check a daemon config; every problem is named with its place in the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--config: no file at {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"--config {path}: not valid TOML: {e}") from None
    unknown = set(data) - {"daemon", "risk", "policy"}
    if unknown:
        raise ConfigError(
            f"--config {path}: unknown table(s) {sorted(unknown)}; expected daemon, risk, policy"
        )
    values = dict(data.get("daemon", {}))
    values["risk"] = data.get("risk", {})
    values["policies"] = data.get("policy", [])
    try:
        config = DaemonConfig.model_validate(values)
    except ValidationError as e:
        message = format_validation_error(e, model="daemon config")
        raise ConfigError(f"--config {path}: {message.replace('policies.', 'policy.')}") from None
    config.risk_engine()  # unknown limit names are refused here, not at the first create
    return config


class Daemon:
    """Runs the policies of a :class:`DaemonConfig` on an LP runtime."""

    def __init__(
        self, runtime: LPRuntime, config: DaemonConfig, *, out: Callable[[str], None] = print
    ) -> None:
        self.runtime = runtime
        self.config = config
        self.runner = PolicyRunner(
            engine=runtime.engine,
            database=runtime.database,
            configs=config.policies,
            swap_handler=swap_config_for,
            swap_deltas=swap_deltas_of,
        )
        self.runner.load()
        self._out = out
        self.ticks = 0

    async def tick(self) -> list[str]:
        """One round: read pools, publish prices, let executors react, let policies act."""
        engine = self.runtime.engine
        prices: dict[str, Decimal] = {}
        for policy in self.config.policies:
            pool = policy.pool_address
            if pool in prices:
                continue
            try:
                prices[pool] = await self.runtime.publish_pool_price(
                    pool, pair=policy.trading_pair, provider=policy.lp_provider
                )
            except Exception as e:  # an unreadable pool must not stop the other policies
                logger.warning("could not read pool %s: %s", pool, e)
        engine.tick()
        await engine.drain()
        lines = await self.runner.step(prices)
        await engine.drain()
        self.ticks += 1
        return lines

    async def run(self, stop: asyncio.Event, *, max_ticks: int | None = None) -> None:
        """Tick until ``stop`` is set (or ``max_ticks`` ran), then stop cleanly."""
        clock = self.runtime.clock
        while not stop.is_set() and (max_ticks is None or self.ticks < max_ticks):
            for line in await self.tick():
                self._out(f"{clock.now().isoformat(timespec='seconds')} {line}")
            if stop.is_set():
                break
            sleeper = asyncio.ensure_future(clock.sleep(self.config.interval_seconds))
            waiter = asyncio.ensure_future(stop.wait())
            await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
            for task in (sleeper, waiter):
                task.cancel()
        await self.stop()

    async def stop(self) -> None:
        """No new actions; close positions of ``close_on_stop`` policies; save the state."""
        engine = self.runtime.engine
        closing = {policy.policy_id for policy in self.config.policies if policy.close_on_stop}
        for executor in engine.live_executors():
            if executor.config.controller_id in closing:
                await engine.stop(executor.id)
        if closing:
            await self.runtime.settle()
        for policy in self.runner.policies.values():
            self.runner.save(policy)
        self._out(
            "daemon stopped; state saved; positions left as they are"
            if not closing
            else "daemon stopped; close_on_stop positions closed"
        )
