"""Admitting a new executor: its type is registered, the risk engine approves it, its id is free.

The risk engine sees every create with the exposures of every executor still open in the store
(those this engine runs, and those other runtimes sharing the store run: an LP runtime and a CEX
runtime check against each other's) and the last published prices; without a risk engine only
the type and the id are checked. An open executor whose config cannot be read (a type this build
does not know) refuses the create: the engine fails closed.
"""

from __future__ import annotations

from collections.abc import Sequence

from lpexec.core.config import ExecutorConfig
from lpexec.core.engine.registry import AnyExecutor, Registry
from lpexec.core.engine.routing import Router
from lpexec.core.errors import ConfigError, RiskRejectedError
from lpexec.core.risk import CreateRequest, RiskDecision, RiskEngine
from lpexec.core.store.port import Store

__all__ = ["Admission"]


class Admission:
    """Checks the creates of one engine, against its executors, prices and store."""

    def __init__(
        self, *, registry: Registry, router: Router, store: Store, risk: RiskEngine | None
    ) -> None:
        self._registry = registry
        self._router = router
        self._store = store
        self._risk = risk

    def check_risk(
        self, configs: Sequence[ExecutorConfig], *, caller_controller_id: str
    ) -> list[RiskDecision]:
        """Return the risk engine's decision for each config, with running totals.

        Raises:
            ConfigError: no risk engine is configured.
        """
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
            for executor in self._registry.executors.values()
            if not executor.is_terminated
        ]
        for record in self._store.unfinished_executors():
            if record.executor_id in self._registry.executors:
                continue  # counted above, from memory
            try:
                config = self._registry.config_from(record)
            except (ConfigError, ValueError) as error:
                reason = (
                    f"valuation: open executor {record.executor_id} ({record.type}) could not be "
                    f"read, so its exposure is unknown: {error}"
                )
                return [
                    RiskDecision(c.id, approved=False, limit="valuation", reason=reason)
                    for c in configs
                ]
            open_exposures.append(config.exposure())
        return self._risk.check(
            requests,
            caller_controller_id=caller_controller_id,
            open_exposures=open_exposures,
            price=self._router.prices.get,
        )

    def admit(
        self, config: ExecutorConfig, *, caller_controller_id: str | None
    ) -> type[AnyExecutor]:
        """Return the class that runs ``config`` once every check passed.

        Raises:
            ConfigError: the type is not registered or the id exists already.
            RiskRejectedError: the risk engine refused the create.
        """
        cls = self._registry.class_for(config)
        if self._risk is not None:
            caller = caller_controller_id or config.controller_id
            (decision,) = self.check_risk([config], caller_controller_id=caller)
            if not decision.approved:
                raise RiskRejectedError(decision.reason or "refused", limit=decision.limit or "")
        if self._store.has_executor(config.id):
            raise ConfigError(f"id: executor {config.id!r} exists already")
        return cls
