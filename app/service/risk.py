"""The service's risk gate: every create from every surface, checked over every open executor.

The gate asks :class:`~lpexec.core.RiskEngine` about a batch of creates with the exposures of
**all** executors that are not terminated, in the shared store, whichever runtime runs them
(an executor whose config cannot be read makes the gate refuse: fail closed). Approved creates
count for the ones after them in the batch (running totals). The service holds one lock around
check-and-create, so two creates never both see the same room under a limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from lpexec.core import (
    ConfigError,
    Executor,
    ExecutorConfig,
    Exposure,
    RiskEngine,
    RiskLimits,
)
from lpexec.core.risk import CreateRequest, PriceLookup, RiskDecision
from lpexec.core.store import StoredExecutor

__all__ = ["RiskGate", "risk_engine_from"]

VALUATION = "valuation"
_OPERATOR = "(operator)"
"""Who the controller check sees for the operator, who acts for every controller."""


def risk_engine_from(limits: Mapping[str, object]) -> RiskEngine:
    """A risk engine for ``limits`` (``max_open_executors``, ``max_single_order_quote``,
    ``max_position_size_quote``); an unknown limit name is refused (ConfigError)."""
    return RiskEngine(RiskLimits.from_mapping(limits))


class RiskGate:
    """Checks creates against a risk engine with the open exposures of every executor.

    Args:
        risk: the engine and its limits; None approves every create (no limits).
        config_classes: the config class of each executor type name, to read stored configs.
        price: a pair's reference price (quote per base), or None when there is none.
    """

    def __init__(
        self,
        risk: RiskEngine | None,
        *,
        config_classes: Mapping[str, type[ExecutorConfig]],
        price: PriceLookup,
    ) -> None:
        self.risk = risk
        self._config_classes = dict(config_classes)
        self._price = price

    def check(
        self,
        configs: Sequence[ExecutorConfig],
        *,
        caller_controller_id: str | None,
        open_executors: Callable[[], Iterable[StoredExecutor]],
        live: Callable[[str], Executor[Any, Any] | None],
    ) -> list[RiskDecision]:
        """One decision per config, in order, with running totals.

        Args:
            configs: the creates, as they would be carried out.
            caller_controller_id: who asks: a scoped caller's controller (each config must be
                for it), or None for the operator (any controller).
            open_executors: reads every executor not terminated (from the store); not called
                without a risk engine.
            live: the executor object of an id when a runtime here runs it (its config is
                used as is; the others are read from their stored config).
        """
        if self.risk is None:
            return [RiskDecision(config.id, True) for config in configs]
        exposures: list[Exposure] = []
        for record in open_executors():
            exposure = self._exposure_of(record, live(record.executor_id))
            if isinstance(exposure, str):
                return [
                    RiskDecision(config.id, False, VALUATION, f"{VALUATION}: {exposure}")
                    for config in configs
                ]
            exposures.append(exposure)
        requests: list[CreateRequest] = []
        refusals: dict[int, RiskDecision] = {}
        for index, config in enumerate(configs):
            try:
                exposure = config.exposure()
            except ConfigError as e:
                refusals[index] = RiskDecision(config.id, False, VALUATION, f"{VALUATION}: {e}")
                continue
            requests.append(
                CreateRequest(
                    executor_id=config.id,
                    controller_id=config.controller_id if caller_controller_id else _OPERATOR,
                    executor_type=config.type,
                    exposure=exposure,
                )
            )
        decided = iter(
            self.risk.check(
                requests,
                caller_controller_id=caller_controller_id or _OPERATOR,
                open_exposures=exposures,
                price=self._price,
            )
        )
        return [refusals.get(index) or next(decided) for index in range(len(configs))]

    def _exposure_of(
        self, record: StoredExecutor, executor: Executor[Any, Any] | None
    ) -> Exposure | str:
        """The exposure of an open executor, or why it cannot be known."""
        try:
            if executor is not None:
                config: ExecutorConfig = executor.config
            else:
                cls = self._config_classes.get(record.type)
                if cls is None:
                    return (
                        f"open executor {record.executor_id!r} has unknown type {record.type!r}; "
                        "its exposure cannot be valued"
                    )
                config = cls.model_validate(record.load_config())
            return config.exposure()
        except (ValueError, TypeError, KeyError, ConfigError) as e:
            return (
                f"the exposure of open executor {record.executor_id!r} cannot be read: "
                f"{type(e).__name__}: {e}"
            )


def first_price(lookups: Sequence[PriceLookup]) -> PriceLookup:
    """A lookup answering with the first of ``lookups`` that has a price."""

    def price(trading_pair: str) -> Decimal | None:
        for lookup in lookups:
            found = lookup(trading_pair)
            if found is not None:
                return found
        return None

    return price
