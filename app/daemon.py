"""The range-rebalancing daemon: policies on a schedule, against a real Gateway or the paper one.

Before the first tick it checks every policy against the venue, through the runtime's Gateway
client (the paper one or a real one): the pool exists, the pair is the pool's own, the swap
provider of a centered re-entry is one Gateway has, and the wallet holds what the position the
policy would open now needs (deposit, position rent, fee reserve: the checks of
:mod:`lp.preflight`). Every problem of every policy is refused at once, as one ConfigError.

Each tick (``interval_seconds`` on the engine's clock) it reads every managed pool through the
runtime's market feed (a :class:`core.market.MarketPoller`: the policies' pools, then any other
key an executor subscribes to) and publishes the prices, lets the executors react (timers,
limits, closes), then lets each policy decide and act.
A stop (SIGTERM/SIGINT) takes no new action, saves the state and leaves positions as they are
unless a policy says ``close_on_stop``.

``[[controller]]`` tables (market making, directional: :mod:`lpexec.app.controller_host`) run on
the paper exchange beside the policies, on the same store and schedule; their executors are left
running at a stop and resume at the next start.
"""

from __future__ import annotations

import asyncio
import logging
import tomllib
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.exc import SQLAlchemyError

from gateway_client import GatewayClient, GatewayError
from lpexec.app.controller_host import (
    ControllerHost,
    SharedExchangeMarkets,
    load_controllers,
    open_controller_host,
)
from lpexec.app.daemon_leases import DaemonLeases, DaemonLeaseSettings
from lpexec.app.runtime import LPRuntime
from lpexec.app.timestamps import utc_text
from lpexec.app.worker import single_process
from lpexec.app.worker_runtime import EXCHANGE_URL_ENV
from lpexec.controllers.rebalancer import PolicyRunner, swap_config_for, swap_deltas_of
from lpexec.core import ConfigError, Engine, RiskEngine, RiskLimits, format_validation_error
from lpexec.core.market import MarketPoller
from lpexec.core.store.controller_leases import ControllerLeaseLostError
from lpexec.lp.messages import PoolPriceUpdated
from lpexec.lp.preflight import (
    PoolSnapshot,
    open_problems,
    pair_problem,
    wallet_snapshot,
)
from lpexec.lp.rebalance import RebalanceConfig, RebalancePolicy
from lpexec.paper.venues.remote_exchange import RemoteExchangeVenue
from lpexec.venues.gateway.preflight import read_balances, read_pool

__all__ = ["Daemon", "DaemonConfig", "load_daemon_config", "venue_problems"]

logger = logging.getLogger(__name__)


class DaemonConfig(BaseModel):
    """The TOML file of ``lpexec daemon --config``: a ``[daemon]`` table, an optional ``[risk]``
    table of limits and one ``[[policy]]`` table per managed position."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interval_seconds: float = Field(default=10.0, gt=0)
    max_write_wait_seconds: float = Field(default=15.0, gt=0)
    """How long a tick waits for venue writes; one still unanswered then goes on in the
    background, holding only its own executor."""
    database_url: str | None = None
    paper_state_file: str | None = None
    seed: int = 0
    risk: dict[str, Any] = Field(default_factory=dict)
    policies: list[RebalanceConfig] = Field(default_factory=list)
    controllers: list[dict[str, Any]] = Field(default_factory=list)
    """``[[controller]]`` tables (see :mod:`lpexec.app.controller_host`)."""
    cex_paper_state_file: str | None = None
    """The paper exchange's state file of the controllers (None: in memory only)."""

    @model_validator(mode="after")
    def _something_to_run(self) -> DaemonConfig:
        if not self.policies and not self.controllers:
            raise ValueError("policy: expected at least one [[policy]] or [[controller]] table")
        return self

    def risk_engine(self) -> RiskEngine | None:
        """The risk engine for the ``[risk]`` limits (None when there are none)."""
        return RiskEngine(RiskLimits.from_mapping(self.risk)) if self.risk else None


def load_daemon_config(path: Path) -> DaemonConfig:
    """Read and check a daemon config; every problem is named with its place in the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--config: no file at {path}") from None
    except IsADirectoryError:
        raise ConfigError(
            f"--config: expected a TOML file, received the directory {str(path)!r}"
        ) from None
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"--config {path}: expected UTF-8 TOML text, could not read it: {e}"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"--config {path}: not valid TOML: {e}") from None
    unknown = set(data) - {"daemon", "risk", "policy", "controller"}
    if unknown:
        raise ConfigError(
            f"--config {path}: unknown table(s) {sorted(unknown)}; expected daemon, risk, "
            "policy, controller"
        )
    values = dict(data.get("daemon", {}))
    values["risk"] = data.get("risk", {})
    values["policies"] = data.get("policy", [])
    values["controllers"] = data.get("controller", [])
    try:
        config = DaemonConfig.model_validate(values)
    except ValidationError as e:
        message = format_validation_error(e, model="daemon config")
        raise ConfigError(f"--config {path}: {message.replace('policies.', 'policy.')}") from None
    config.risk_engine()  # unknown limit names are refused here, not at the first create
    try:
        load_controllers(config.controllers)
    except ConfigError as e:
        raise ConfigError(f"--config {path}: {e}") from None
    return config


class Daemon:
    """Runs the policies of a :class:`DaemonConfig` on an LP runtime.

    With ``leases`` (several daemons on one PostgreSQL database, :mod:`lpexec.app.daemon_leases`)
    it runs only the policies it holds, with their executors; the runtime's engine is then left
    unstarted (it resumes what the leases bring).
    """

    def __init__(
        self,
        runtime: LPRuntime,
        config: DaemonConfig,
        *,
        out: Callable[[str], None] = print,
        leases: DaemonLeaseSettings | None = None,
        daemon_id: str | None = None,
        engine: Engine | None = None,
        exchange: Mapping[str, RemoteExchangeVenue] | None = None,
    ) -> None:
        if leases is not None and config.controllers and exchange is None:
            raise ConfigError(
                "controller: expected a shared paper exchange (--exchange-url or "
                f"{EXCHANGE_URL_ENV}) for [[controller]] tables in a daemon sharing its store, "
                "or --no-leases (one daemon, the exchange in its process)"
            )
        self.runtime = runtime
        self.config = config
        self.engine = engine if engine is not None else runtime.engine
        """The engine of the policies' executors (and of the controllers' on a shared
        exchange)."""
        self.exchange = exchange
        self.runner = PolicyRunner(
            engine=self.engine,  # its store: fenced by the leases when there are some
            configs=config.policies,
            swap_handler=swap_config_for,
            swap_deltas=swap_deltas_of,
        )
        self.runner.load()
        for policy in reversed(config.policies):  # a pool shared by policies: the first one's
            runtime.feed.track(
                policy.pool_address, trading_pair=policy.trading_pair, provider=policy.lp_provider
            )
        self.poller = MarketPoller(
            self.engine, runtime.feed, keys=[policy.pool_address for policy in config.policies]
        )
        """Reads every policy's pool at each tick, even while no executor holds it."""
        self._out = out
        self.ticks = 0
        self.controllers: ControllerHost | None = None
        """The ``[[controller]]`` tables' host, opened by :meth:`open_controllers`."""
        self.leases: DaemonLeases | None = None
        """This daemon's share of the policies (None: it runs them all)."""
        if leases is not None:
            self.leases = DaemonLeases(
                self.engine,
                [policy.policy_id for policy in config.policies]
                + [str(table.get("id")) for table in config.controllers],
                settings=leases,
                daemon_id=daemon_id,
                on_claimed=self._reload,
            )
        self._renewals: asyncio.Task[None] | None = None
        """The heartbeats' task (leases only): balancing ends with the loop, renewals go on
        through the stop's closes until :meth:`_end_renewals`."""
        self._release = asyncio.Event()

    def _reload(self, controller_ids: list[str]) -> None:
        """Load the state of policies and controllers this daemon took over."""
        self.runner.reload(controller_ids)
        if self.controllers is not None:
            self.controllers.reload(controller_ids)

    async def open_controllers(self) -> None:
        """Open the controllers' paper CEX runtime on the daemon's store (once), or their host
        on the shared paper exchange."""
        if not self.config.controllers or self.controllers is not None:
            return
        if self.exchange is not None:
            host = ControllerHost(
                None,
                load_controllers(self.config.controllers),
                wall_clock=self.runtime.clock,
                out=self._out,
                shared=SharedExchangeMarkets(self.engine, self.exchange),
                engine=self.engine,
            )
            for line in await host.start():
                self._out(line)
            self.controllers = host
            return
        url = self.runtime.database.engine.url.render_as_string(hide_password=False)
        self.controllers = await open_controller_host(
            self.config.controllers,
            database_url=url,
            paper_state_file=self.config.cex_paper_state_file,
            wall_clock=self.runtime.clock,
            seed=self.config.seed,
            risk=self.config.risk_engine(),
            out=self._out,
        )

    async def check_venue(self) -> None:
        """Check every policy against the venue (see the module docstring).

        Raises:
            ConfigError: one message listing every problem, each as
                ``policy[i].field: ...``.
        """
        policies = [self.runner.policies[config.policy_id] for config in self.config.policies]
        problems = await venue_problems(
            self.runtime.client, policies, wallet_address=self.runtime.wallet
        )
        if problems:
            raise ConfigError(f"the daemon's policies do not fit the venue: {'; '.join(problems)}")

    async def tick(self) -> list[str]:
        """One round: read pools, publish prices, let executors react, let policies act."""
        engine = self.engine
        # Every policy's pool (in policy order), then any other subscribed key; an unreadable
        # pool is left out (logged by the feed) and must not stop the other policies.
        prices = {
            event.pool_address: event.price
            for event in await self.poller.poll()
            if isinstance(event, PoolPriceUpdated)
        }
        engine.tick()
        # A write that hangs holds only its own executor: the next tick goes on with the rest.
        wait = self.config.max_write_wait_seconds
        await engine.drain(max_wait=wait)
        held = None if self.leases is None else self.leases.held_policies()
        lines = await self.runner.step(prices, only=held)
        await engine.drain(max_wait=wait)
        if self.controllers is not None:
            lines += await self.controllers.tick(only=held)
        self.ticks += 1
        return lines

    async def run(self, stop: asyncio.Event, *, max_ticks: int | None = None) -> None:
        """Check the policies against the venue, then tick until ``stop`` is set (or
        ``max_ticks`` ran), then stop cleanly.

        Raises:
            ConfigError: the policies do not fit the venue (nothing was done), or another
                daemon or worker runs on the same SQLite store.
        """
        with single_process(self.runtime.database, what="daemon"):
            await self._run(stop, max_ticks=max_ticks)

    async def _run(self, stop: asyncio.Event, *, max_ticks: int | None) -> None:
        await self.check_venue()
        await self.open_controllers()
        policies = ", ".join(
            [policy.policy_id for policy in self.config.policies]
            + [str(table.get("id")) for table in self.config.controllers]
        )
        if self.leases is None:
            self._out(f"daemon started: {policies}; every {self.config.interval_seconds} s")
            await self._loop(stop, max_ticks=max_ticks)
            await self.stop()
            return
        leases = self.leases
        await leases.heartbeat()  # claim a share before the first tick
        self._out(
            f"daemon {leases.daemon_id} started: {policies} shared with the other daemons "
            f"(holding {', '.join(leases.held_policies()) or 'none yet'}); every "
            f"{self.config.interval_seconds} s"
        )
        self._renewals = asyncio.create_task(leases.run_heartbeats(stop, renew_until=self._release))
        try:
            await self._loop(stop, max_ticks=max_ticks)
        except BaseException:
            stop.set()
            await self._end_renewals()
            raise
        # No balance runs while the stop closes and hands everything over; the leases are
        # still renewed (closes can outlast a TTL) until just before the stop releases them.
        stop.set()
        await self.stop()
        await self._end_renewals()

    async def _end_renewals(self) -> None:
        """Stop renewing the leases (before they are released, so none is extended after)."""
        self._release.set()
        if self._renewals is not None:
            await self._renewals
            self._renewals = None

    async def _loop(self, stop: asyncio.Event, *, max_ticks: int | None) -> None:
        clock = self.runtime.clock
        while not stop.is_set() and (max_ticks is None or self.ticks < max_ticks):
            try:
                lines = await self.tick()
            except SQLAlchemyError:  # the database did not answer: the next tick tries again
                logger.exception("daemon: a tick failed on the database")
                lines = []
            for line in lines:
                self._out(f"{utc_text(clock.now(), timespec='seconds')} {line}")
            if stop.is_set():
                break
            sleeper = asyncio.ensure_future(clock.sleep(self.config.interval_seconds))
            waiter = asyncio.ensure_future(stop.wait())
            await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
            for task in (sleeper, waiter):
                task.cancel()

    async def stop(self) -> None:
        """No new actions; let writes in flight be answered; close positions of
        ``close_on_stop`` policies (beside other daemons: only when it is the last one); save
        the state; release the leases."""
        engine = self.engine
        await engine.wait_inflight()
        leases = self.leases
        held = set(self.runner.policies) if leases is None else set(leases.held_policies())
        # Beside other daemons, a stop hands the policies over: only the last one closes.
        last = self.leases is None or self.leases.policies.live_hosts() <= 1
        closing = {
            policy.policy_id
            for policy in self.config.policies
            if policy.close_on_stop and policy.policy_id in held and last
        }
        stopping = [
            executor.id
            for executor in engine.live_executors()
            if executor.config.controller_id in closing
        ]
        for executor_id in stopping:
            await engine.stop(executor_id)
        still_open = await self._settle_closes(stopping) if stopping else []
        # (before the leases are released below: that drops every executor from the engine)
        lost = [executor_id for executor_id in stopping if _dropped(engine, executor_id)]
        for policy_id, policy in self.runner.policies.items():
            if policy_id in held:
                try:
                    self.runner.save(policy)
                except ControllerLeaseLostError as e:  # another daemon holds it and saves it
                    logger.info("not saving %s at the stop: %s", policy_id, e)
        if self.controllers is not None:
            try:
                await self.controllers.aclose(only=None if leases is None else held)
            except ControllerLeaseLostError as e:  # another daemon holds it and saves it
                logger.info("not saving %s at the stop: %s", e.controller_id, e)
            self.controllers = None
        if leases is not None:
            await self._end_renewals()
            await leases.leave()
        if still_open or lost:
            self._out(
                f"daemon stopped; {len(still_open) + len(lost)} close_on_stop position(s) not "
                f"closed here ({', '.join(still_open + lost)}): their closes resume at the next "
                "start (or on the daemon that took their lease)"
            )
        else:
            self._out(
                "daemon stopped; state saved; positions left as they are"
                if not closing
                else "daemon stopped; close_on_stop positions closed"
            )

    async def _settle_closes(self, executor_ids: list[str]) -> list[str]:
        """Carry out the closes until these executors have ended (or the wait runs out: four
        times ``max_write_wait_seconds``, at least a minute); return those still open."""
        engine, clock = self.engine, self.runtime.clock
        deadline = clock.monotonic() + max(60.0, 4 * self.config.max_write_wait_seconds)
        while True:
            await engine.drain(max_wait=self.config.max_write_wait_seconds)
            open_ids = [e for e in executor_ids if _still_open(engine, e)]
            if not open_ids or clock.monotonic() >= deadline:
                return open_ids
            await clock.sleep(0.5)


def _still_open(engine: Engine, executor_id: str) -> bool:
    try:
        return not engine.executor(executor_id).is_terminated
    except KeyError:  # dropped (its lease lost): this daemon can wait no longer (_dropped)
        return False


def _dropped(engine: Engine, executor_id: str) -> bool:
    """True when the engine no longer runs ``executor_id`` (its lease was lost: another daemon,
    or the next start, finishes it)."""
    try:
        engine.executor(executor_id)
    except KeyError:
        return True
    return False


async def venue_problems(
    client: GatewayClient, policies: Sequence[RebalancePolicy], *, wallet_address: str
) -> list[str]:
    """Every problem of running ``policies`` on the venue behind ``client``, one string each,
    named ``policy[i].field`` (``i`` as in the config file).

    A policy whose position is open (or whose swap is under way) has its budget on chain, so
    only a policy about to open has its funds checked, against the position it would open now.
    """
    reads = _VenueReads(client, policies, wallet_address=wallet_address)
    problems: list[str] = []
    for index, policy in enumerate(policies):
        found = await _policy_problems(policy, reads)
        problems += [f"policy[{index}].{problem}" for problem in found]
    return problems + reads.problems


class _VenueReads:
    """What the checks read from Gateway, each read once for all the policies."""

    def __init__(
        self, client: GatewayClient, policies: Sequence[RebalancePolicy], *, wallet_address: str
    ) -> None:
        self._client = client
        self._policies = policies
        self._wallet = wallet_address
        self._pools: dict[tuple[str, str, str], PoolSnapshot | str] = {}
        self._connectors: set[str] | None = None
        self._balances: dict[str, dict[str, Decimal] | None] = {}
        self.problems: list[str] = []
        """Problems of no one policy (the wallet could not be read)."""

    async def pool(self, config: RebalanceConfig) -> PoolSnapshot | str:
        """The policy's pool, or why it cannot be read."""
        network = _network(config.connector)
        key = (config.pool_address, config.lp_provider, network)
        if key not in self._pools:
            try:
                self._pools[key] = await read_pool(
                    self._client,
                    pool_address=config.pool_address,
                    lp_provider=config.lp_provider,
                    network=network,
                )
            except ConfigError as e:
                self._pools[key] = str(e)
        return self._pools[key]

    async def swap_connectors(self) -> set[str]:
        """Gateway's connectors as ``name/type`` (empty when they cannot be read)."""
        if self._connectors is None:
            try:
                listed = await self._client.config.connectors()
            except GatewayError as e:
                logger.warning("could not read Gateway's connectors: %s", e)
                listed = []
            self._connectors = {
                f"{item.name}/{kind}" for item in listed for kind in item.trading_types
            }
        return self._connectors

    async def balances(self, network: str) -> dict[str, Decimal] | None:
        """The wallet's balances of every policy's tokens; None when they prove nothing."""
        if network not in self._balances:
            tokens = {
                token
                for policy in self._policies
                for token in (
                    policy.config.native_token,
                    policy.config.base_token,
                    policy.config.quote_token,
                )
            }
            try:
                self._balances[network] = await read_balances(
                    self._client, wallet_address=self._wallet, tokens=tokens, network=network
                )
            except ConfigError as e:
                self.problems.append(str(e))
                self._balances[network] = None
        return self._balances[network]


async def _policy_problems(policy: RebalancePolicy, reads: _VenueReads) -> list[str]:
    config = policy.config
    pool = await reads.pool(config)
    if isinstance(pool, str):
        return [pool]
    found = []
    mismatch = pair_problem(config.trading_pair, pool)
    if mismatch is not None:
        found.append(mismatch)
    if config.bin_step is not None and pool.bin_step not in (None, config.bin_step):
        found.append(
            f"bin_step: expected the pool's bin step {pool.bin_step}, received {config.bin_step}"
        )
    if config.reentry == "centered":
        found += _swap_problems(config, await reads.swap_connectors())
    if found or policy.state.executor_id or policy.state.swap_id:
        return found
    planned = policy.planned_position(pool.price)
    if planned is None:
        return found
    held = await reads.balances(_network(config.connector))
    wallet = None if held is None else wallet_snapshot(planned, held)
    return open_problems(planned, pool=pool, wallet=wallet)


def _network(connector: str) -> str:
    # "solana-mainnet-beta" -> "mainnet-beta"
    return connector.partition("-")[2] or "mainnet-beta"


def _swap_problems(config: RebalanceConfig, connectors: set[str]) -> list[str]:
    connector, _pool = config.inventory_swap
    if connector in connectors:
        return []
    through = "" if connector == config.swap_provider else f" (through {connector})"
    listed = ", ".join(sorted(connectors)) or "none could be read"
    return [
        f"swap_provider: reentry 'centered' swaps the inventory{through}, so expected a swap "
        f"connector Gateway has ({listed}), received {config.swap_provider!r}"
    ]
