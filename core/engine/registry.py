"""The executors an engine holds: the types it knows, the executors in memory, and the stored
ones it can read back.

:class:`Registry` picks the class of a new config, restores executors from stored records (or
says why one cannot be restored: the reason it is stranded), and answers reads by id from memory
first, then from the store. An executor whose type is not known here is still reported, from its
record alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from lpexec.core.clock import Clock
from lpexec.core.config import ExecutorConfig
from lpexec.core.errors import ConfigError, UnknownExecutorError
from lpexec.core.executor import Executor
from lpexec.core.info import ExecutorInfo
from lpexec.core.store.port import Store, StoredExecutor

__all__ = ["AnyExecutor", "Registry"]

AnyExecutor = Executor[Any, Any]


class Registry:
    """Executor types by name and executors by id.

    Attributes:
        executors: every executor in memory, terminated ones included, by id.
    """

    def __init__(
        self, executor_types: Iterable[type[AnyExecutor]], *, store: Store, clock: Clock
    ) -> None:
        self._types: dict[str, type[AnyExecutor]] = {}
        for cls in executor_types:
            self._types[cls.config_class.type] = cls
        self._store = store
        self._clock = clock
        self.executors: dict[str, AnyExecutor] = {}

    # --- types -------------------------------------------------------------------------------

    def class_for(self, config: ExecutorConfig) -> type[AnyExecutor]:
        """Return the class that runs ``config``.

        Raises:
            ConfigError: no registered type takes this config.
        """
        cls = self._types.get(config.type)
        if cls is None or not isinstance(config, cls.config_class):
            raise self._unknown_type(config.type)
        return cls

    def rebuild(self, record: StoredExecutor) -> tuple[AnyExecutor | None, str]:
        """Restore a stored executor; None and the reason when it cannot be restored."""
        cls = self._types.get(record.type)
        if cls is None:
            return None, f"unknown executor type {record.type!r} (known: {sorted(self._types)})"
        try:
            config = cls.config_class.model_validate(record.load_config())
            return cls.restore(config, record.load_snapshot()), ""
        except (ValidationError, ValueError, KeyError, TypeError) as e:
            return None, f"state could not be restored: {type(e).__name__}: {e}"

    def _unknown_type(self, received: str) -> ConfigError:
        return ConfigError(f"type: expected one of {sorted(self._types)}, received {received!r}")

    # --- reads by id -------------------------------------------------------------------------

    def get(self, executor_id: str) -> AnyExecutor:
        """Return an executor in memory.

        Raises:
            UnknownExecutorError: none in memory has this id.
        """
        try:
            return self.executors[executor_id]
        except KeyError:
            raise UnknownExecutorError(executor_id) from None

    def has(self, executor_id: str) -> bool:
        """True when an executor with this id is in memory or in the store."""
        return executor_id in self.executors or self._store.has_executor(executor_id)

    def info(self, executor_id: str) -> ExecutorInfo:
        """Return one executor's report, from memory or from the store."""
        executor = self.executors.get(executor_id)
        if executor is not None:
            return executor.info(self._clock.now())
        return self.info_from_record(self._stored(executor_id))

    def info_from_record(self, record: StoredExecutor) -> ExecutorInfo:
        """Build a report from a stored executor (through its class when it is known)."""
        executor = self.executors.get(record.executor_id)
        if executor is None:
            executor, _ = self.rebuild(record)
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

    def config(self, executor_id: str) -> ExecutorConfig:
        """Return an executor's config, from memory or from the store."""
        executor = self.executors.get(executor_id)
        if executor is not None:
            live: ExecutorConfig = executor.config
            return live
        return self.config_from(self._stored(executor_id))

    def config_from(self, record: StoredExecutor) -> ExecutorConfig:
        """Return a stored executor's config.

        Raises:
            ConfigError: its type is not registered.
            ValueError: its stored config does not validate (pydantic's ValidationError).
        """
        cls = self._types.get(record.type)
        if cls is None:
            raise self._unknown_type(record.type)
        config: ExecutorConfig = cls.config_class.model_validate(record.load_config())
        return config

    def _stored(self, executor_id: str) -> StoredExecutor:
        record = self._store.get_executor(executor_id)
        if record is None:
            raise UnknownExecutorError(executor_id)
        return record
