"""``PolicyRunner``: carries out rebalance policies' decisions through the engine.

State lives in the store (``controllers`` table) and is saved after every step. The guard against
stacking positions is the store itself: before an open the runner looks for any unfinished
executor of the policy (``controller_id`` = policy id), and the next executor's id is
deterministic, so an open that was committed just before a crash is found and adopted on restart
instead of being sent again (the engine would refuse the id anyway).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter, ValidationError

from lpexec.core import (
    ConfigError,
    Engine,
    ExecutorConfig,
    ExecutorInfo,
    ExecutorStatus,
    RiskRejectedError,
    UnknownExecutorError,
    format_validation_error,
)
from lpexec.core.money import ZERO
from lpexec.core.store import Database, SqlStore, Store
from lpexec.core.store.controller_leases import ControllerLeaseLostError
from lpexec.lp import LPExecutor, LPExecutorConfig, LPState
from lpexec.lp.rebalance import (
    ExecutorView,
    OpenPosition,
    PolicyState,
    RebalanceConfig,
    RebalancePolicy,
    SwapInventory,
    Wait,
)

__all__ = ["KIND", "PolicyRunner", "SwapHandler", "swap_config_for", "swap_deltas_of"]

logger = logging.getLogger(__name__)

KIND = "lp_rebalance"
_STATE = TypeAdapter(PolicyState)

SwapHandler = Callable[[RebalanceConfig, SwapInventory], ExecutorConfig]
"""Builds the executor config that carries out an inventory swap (centered re-entry)."""


class PolicyRunner:
    """Runs rebalance policies against an engine.

    Args:
        engine: the engine (with its risk engine) that creates and runs the LP executors.
        database: where policy state is kept: a :class:`Database`, any store
            (:class:`SqlStore`, :class:`MemoryStore`), or None for the engine's own store.
        configs: the policies.
        swap_handler: builds swap executors for centered re-entry; without one, centered
            policies are refused at load.
        swap_deltas: reads (base, quote) wallet deltas from a finished swap executor's report.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        database: Database | Store | None = None,
        configs: Sequence[RebalanceConfig],
        swap_handler: SwapHandler | None = None,
        swap_deltas: Callable[[ExecutorInfo], tuple[Decimal, Decimal]] | None = None,
    ) -> None:
        ids = [config.policy_id for config in configs]
        if len(set(ids)) != len(ids):
            raise ConfigError(f"policy_id: expected unique ids, received {ids}")
        for config in configs:
            if config.reentry == "centered" and swap_handler is None:
                raise ConfigError(
                    f"policy {config.policy_id}: reentry 'centered' needs a swap executor, and "
                    "none is registered; use reentry = 'single_sided'"
                )
        self._engine = engine
        if database is None:
            self._store = engine.store
        elif isinstance(database, Database):
            self._store = SqlStore(database)
        else:
            self._store = database
        self._configs = list(configs)
        self._swap_handler = swap_handler
        self._swap_deltas = swap_deltas
        self.policies: dict[str, RebalancePolicy] = {}

    def load(self) -> None:
        """Load each policy's saved state (a new policy starts from its budget)."""
        self.reload([config.policy_id for config in self._configs])

    def reload(self, policy_ids: Collection[str]) -> None:
        """Load these policies' saved state again (a daemon took them over from another)."""
        for config in self._configs:
            if config.policy_id in policy_ids:
                saved = self._store.controller_state(config.policy_id)
                state = _STATE.validate_python(saved) if saved is not None else None
                self.policies[config.policy_id] = RebalancePolicy(config, state)

    def save(self, policy: RebalancePolicy) -> None:
        """Persist one policy's state."""
        now = self._engine_now()
        with self._store.transaction() as unit:
            unit.save_controller_state(
                policy.config.policy_id,
                kind=KIND,
                # dump_python(mode="json") without its wrapper: this runs after every step
                state=_STATE.serializer.to_python(policy.state, mode="json"),
                now=now,
            )

    def _engine_now(self) -> Any:
        return self._engine.clock.now()

    # --- one step ---------------------------------------------------------------------------------

    async def step(
        self, prices: Mapping[str, Decimal], *, only: Collection[str] | None = None
    ) -> list[str]:
        """Decide and act for every policy (of ``only``, when given) whose pool has a price;
        return a status line each."""
        lines = []
        for policy_id, policy in self.policies.items():
            if only is not None and policy_id not in only:
                continue
            price = prices.get(policy.config.pool_address)
            if price is None:
                lines.append(f"{policy_id}: no price for pool {policy.config.pool_address}")
                continue
            try:
                lines.append(f"{policy_id}: {await self._step(policy, price)}")
            except ControllerLeaseLostError:  # paused past its lease: another daemon runs it
                lines.append(f"{policy_id}: lease lost; another daemon runs it now")
        return lines

    async def _step(self, policy: RebalancePolicy, price: Decimal) -> str:
        now = self._engine_now()
        policy.state.last_check_at = now
        self._catch_up(policy)
        self._settle_swap(policy)
        actions = policy.decide(now=now, price=price, current=self._view(policy))
        outcome = "idle"
        for action in actions:
            if isinstance(action, Wait):
                outcome = action.reason
            elif isinstance(action, OpenPosition):
                outcome = await self._open(policy, action.config)
            elif isinstance(action, SwapInventory):
                outcome = await self._swap(policy, action)
        self.save(policy)
        return outcome

    def _view(self, policy: RebalancePolicy) -> ExecutorView | None:
        executor_id = policy.state.executor_id
        if not executor_id:
            return None
        try:
            executor = self._engine.executor(executor_id)
        except UnknownExecutorError:
            executor = None
        if isinstance(executor, LPExecutor):
            return _view_of_executor(executor)  # live: no need to build the whole report
        try:
            info = self._engine.info(executor_id)
        except UnknownExecutorError:
            return None
        return _view_of(info)

    def _catch_up(self, policy: RebalancePolicy) -> None:
        """Adopt an executor created just before a crash, before its state was saved."""
        next_id = policy.next_executor_id()
        if not self._engine.has_executor(next_id):  # the common case, without an exception
            return
        info = self._engine.info(next_id)
        now = self._engine_now()
        current = self._view(policy)
        if current is not None and current.status is ExecutorStatus.TERMINATED:
            policy.absorb(current, now=now)
        config = (
            self._engine.executor(next_id).config
            if info.status is not (ExecutorStatus.TERMINATED)
            else None
        )
        base = config.base_amount if isinstance(config, LPExecutorConfig) else ZERO
        quote = config.quote_amount if isinstance(config, LPExecutorConfig) else ZERO
        policy.opened(next_id, base=base, quote=quote, now=now)
        logger.warning(
            "policy %s adopted executor %s after a restart", policy.config.policy_id, next_id
        )

    def _live_executor_ids(self, policy_id: str) -> list[str]:
        return [
            executor.id
            for executor in self._engine.live_executors()
            if executor.config.controller_id == policy_id
        ]

    async def _open(self, policy: RebalancePolicy, config: LPExecutorConfig) -> str:
        live = self._live_executor_ids(policy.config.policy_id)
        if live:
            return f"not opening: executor {live[0]} of this policy is still open"
        try:
            self._engine.add(config, caller_controller_id=policy.config.policy_id)
        except (RiskRejectedError, ConfigError) as e:
            return f"open refused: {e}"
        policy.opened(
            config.id,
            base=config.base_amount,
            quote=config.quote_amount,
            now=self._engine_now(),
        )
        return (
            f"opened {config.id} {config.side.name} {config.lower_price}..{config.upper_price} "
            f"with {config.base_amount} base + {config.quote_amount} quote"
        )

    async def _swap(self, policy: RebalancePolicy, action: SwapInventory) -> str:
        assert self._swap_handler is not None
        try:
            # A config the handler cannot build is this swap's failure, never the daemon's.
            config = self._swap_handler(policy.config, action)
            await self._engine.create(config, caller_controller_id=policy.config.policy_id)
        except ValidationError as e:
            reason = format_validation_error(e, model="swap")
            policy.swap_failed(now=self._engine_now(), reason=reason)
            return f"swap refused: {reason}"
        except (RiskRejectedError, ConfigError) as e:
            policy.swap_failed(now=self._engine_now(), reason=str(e))
            return f"swap refused: {e}"
        return f"swapping: {action.side} {action.amount} base"

    def _settle_swap(self, policy: RebalancePolicy) -> None:
        swap_id = policy.state.swap_id
        if not swap_id or self._swap_deltas is None:
            return
        try:
            info = self._engine.info(swap_id)
        except UnknownExecutorError:
            return
        if info.status is not ExecutorStatus.TERMINATED:
            return
        now = self._engine_now()
        if info.close_type is not None and info.close_type.value == "COMPLETED":
            base, quote = self._swap_deltas(info)
            policy.swap_done(base_delta=base, quote_delta=quote, now=now)
        else:
            policy.swap_failed(now=now, reason=f"swap ended {info.close_type}")

    def status(self) -> list[dict[str, Any]]:
        """Each policy's state, for ``lpexec daemon status``."""
        rows = []
        for policy_id, policy in self.policies.items():
            state = asdict(policy.state)
            view = self._view(policy)
            state["policy_id"] = policy_id
            state["executor_status"] = (
                None if view is None else "STRANDED" if view.stranded_reason else view.status.value
            )
            state["stranded_reason"] = view.stranded_reason if view else None
            rows.append(state)
        return rows


def _view_of(info: ExecutorInfo) -> ExecutorView:
    details: Any = info.details
    opened = bool(details is not None and details.position_address)
    returned_base = returned_quote = ZERO
    if details is not None and opened:
        returned_base = details.base_amount + details.base_fee
        returned_quote = details.quote_amount + details.quote_fee
    return ExecutorView(
        executor_id=info.executor_id,
        status=info.status,
        opened=opened,
        returned_base=returned_base,
        returned_quote=returned_quote,
        lower_price=details.lower_price if details is not None else None,
        upper_price=details.upper_price if details is not None else None,
        stranded_reason=info.stranded_reason,
    )


def _view_of_executor(executor: LPExecutor) -> ExecutorView:
    """:func:`_view_of` read from a live executor's state (the figures its report shows)."""
    state = executor.state
    opened = bool(state.position_address)
    returned_base, returned_quote = executor.returned_amounts() if opened else (ZERO, ZERO)
    return ExecutorView(
        executor_id=executor.id,
        status=executor.status,
        opened=opened,
        returned_base=returned_base,
        returned_quote=returned_quote,
        lower_price=state.lower_price,
        upper_price=state.upper_price,
        stranded_reason=state.failure_reason if state.lp_state is LPState.STRANDED else None,
    )


def swap_config_for(policy: RebalanceConfig, action: SwapInventory) -> ExecutorConfig:
    """The swap executor that carries out a centered re-entry's inventory swap.

    ``swap_provider = "meteora/swap"`` (the venue that swaps in the position's own pool) becomes
    the ``meteora/clmm`` connector with the policy's pool; a Gateway connector is used as it is.
    """
    from lpexec.swap import SwapExecutorConfig

    provider, pool_address = policy.inventory_swap
    return SwapExecutorConfig(
        id=action.swap_id,
        controller_id=policy.policy_id,
        connector=policy.connector,
        swap_provider=provider,
        pool_address=pool_address,
        trading_pair=policy.trading_pair,
        side=action.side,
        amount=action.amount,
        slippage_pct=policy.slippage_pct,
        native_token=policy.native_token,
    )


def swap_deltas_of(info: ExecutorInfo) -> tuple[Decimal, Decimal]:
    """The wallet's (base, quote) change from a finished swap's report (fee on the native side)."""
    details: Any = info.details
    base, quote = details.base_amount, details.quote_amount
    base_delta, quote_delta = (base, -quote) if details.side == "BUY" else (-base, quote)
    pair = details.trading_pair.split("-", 1)
    if pair[0] == "SOL":
        base_delta -= details.tx_fee_native
    elif pair[1] == "SOL":
        quote_delta -= details.tx_fee_native
    return base_delta, quote_delta
