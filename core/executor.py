"""The ``Executor`` base: a pure state machine that turns events into commands.

An executor never does I/O. The engine feeds it events through :meth:`Executor.apply` and carries
out the commands it returns. Its lifecycle status moves only through
:data:`core.lifecycle.EXECUTOR_TRANSITIONS`; its type-specific state lives in a dataclass
(``state_class``) so the engine can snapshot and restore it.

Subclasses register handlers with :func:`on`::

    class MyExecutor(Executor[MyConfig, MyState]):
        config_class = MyConfig
        state_class = MyState

        @on(ExecutorStarted)
        def _started(self, event: ExecutorStarted) -> list[Command]:
            self._activate()
            return []
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import TypeAdapter

from lpexec.core.config import ExecutorConfig
from lpexec.core.errors import InvalidTransitionError
from lpexec.core.info import ExecutorDetails, ExecutorInfo, ExecutorMetrics
from lpexec.core.lifecycle import EXECUTOR_TRANSITIONS, CloseType, ExecutorStatus, LifecycleTrigger
from lpexec.core.messages import Command, Event

__all__ = ["Executor", "on"]

logger = logging.getLogger(__name__)

ConfigT = TypeVar("ConfigT", bound=ExecutorConfig)
StateT = TypeVar("StateT")
Handler = Callable[[Any, Any], list[Command]]

_HANDLES = "__handles_event__"
_UNRESOLVED: Any = object()


def on(event_type: type[Event]) -> Callable[[Handler], Handler]:
    """Mark a method as the handler of ``event_type``; an event of a subclass without a handler
    of its own goes to its nearest base's handler (a pool's price to a price handler)."""

    def mark(function: Handler) -> Handler:
        setattr(function, _HANDLES, event_type)
        return function

    return mark


class Executor(Generic[ConfigT, StateT]):
    """Base of every executor type.

    Attributes:
        id: the executor id (``config.id``; read it, never assign it).
        config: the strict, frozen config.
        price_keys: the price streams it subscribes to (``config.price_keys()``).
        state: the type-specific mutable state (a dataclass instance).
        status: lifecycle status (CREATED -> ACTIVE -> CLOSING -> TERMINATED).
        close_type: why it ended (set when it starts closing or terminates).
        revision: grows on every change the engine must persist.
    """

    config_class: ClassVar[type[ExecutorConfig]]
    state_class: ClassVar[type[Any]]
    wants_ticks: ClassVar[bool] = False
    _handlers: ClassVar[dict[type[Event], Handler | None]] = {}
    _state_adapter: ClassVar[TypeAdapter[Any]]

    __slots__ = (
        "_command_seq",
        "close_type",
        "closed_at",
        "config",
        "created_at",
        "id",
        "price_keys",
        "revision",
        "state",
        "status",
        "ts_last",
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[type[Event], Handler | None] = {}
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                event_type = getattr(value, _HANDLES, None)
                if event_type is not None:
                    handlers[event_type] = value
        cls._handlers = handlers
        state_class = cls.__dict__.get("state_class")
        if state_class is not None:
            cls._state_adapter = TypeAdapter(state_class)

    def __init__(self, config: ConfigT, *, created_at: dt.datetime, state: StateT | None = None):
        self.config: ConfigT = config
        # A plain attribute, not a property over the config: the engine and the stores read it
        # many times per event. The config is frozen and never replaced, so it cannot diverge.
        self.id: str = config.id
        self.price_keys: frozenset[str] = config.price_keys()  # read on register and unregister
        self.state: StateT = state if state is not None else self.state_class()
        self.status = ExecutorStatus.CREATED
        self.close_type: CloseType | None = None
        self.created_at = created_at
        self.closed_at: dt.datetime | None = None
        self.ts_last = created_at
        self.revision = 0
        self._command_seq = 0

    # --- identity -----------------------------------------------------------------------------

    @property
    def type(self) -> str:
        """The executor type name."""
        return self.config_class.type

    @property
    def is_terminated(self) -> bool:
        """True once the executor has ended."""
        return self.status is ExecutorStatus.TERMINATED

    # --- the one entry point ------------------------------------------------------------------

    def apply(self, event: Event) -> list[Command]:
        """Apply ``event`` and return the commands the executor wants carried out.

        Events for a terminated executor change nothing. Events without a handler are ignored.
        """
        if self.status is ExecutorStatus.TERMINATED:
            return []
        handlers = self._handlers
        handler = handlers.get(type(event), _UNRESOLVED)
        if handler is _UNRESOLVED:
            handler = _resolve(handlers, type(event))
        if handler is None:
            return []
        commands: list[Command] = handler(self, event)
        self.ts_last = event.ts_event
        return commands

    # --- lifecycle helpers for subclasses -----------------------------------------------------

    def _move(self, trigger: LifecycleTrigger) -> None:
        next_status = EXECUTOR_TRANSITIONS.get((self.status, trigger))
        if next_status is None:
            raise InvalidTransitionError(self.status, trigger, machine=f"{self.type} {self.id}")
        level = logging.DEBUG if next_status is ExecutorStatus.CLOSING else logging.INFO
        if logger.isEnabledFor(level):  # the arguments cost more than the disabled call
            logger.log(
                level, "%s %s: %s -> %s", self.type, self.id, self.status.value, next_status.value
            )
        self.status = next_status
        self.revision += 1

    def _activate(self) -> None:
        self._move(LifecycleTrigger.START)

    def _begin_closing(self, close_type: CloseType) -> None:
        self._move(LifecycleTrigger.CLOSE)
        self.close_type = close_type

    def _terminate(self, close_type: CloseType | None, now: dt.datetime) -> None:
        self._move(LifecycleTrigger.FINISH)
        if close_type is not None:
            self.close_type = close_type
        self.closed_at = now

    def _touch(self) -> None:
        """Record that the state changed and must be persisted."""
        self.revision += 1

    def _next_command_id(self) -> str:
        self._command_seq += 1
        self.revision += 1
        return f"{self.id}-{self._command_seq}"

    # --- reporting ----------------------------------------------------------------------------

    def metrics(self) -> ExecutorMetrics:
        """Return the standard money figures; subclasses override."""
        return ExecutorMetrics()

    def details(self) -> ExecutorDetails | None:
        """Return the typed per-type part of the report; subclasses override."""
        return None

    def held_fills(self) -> list[Any]:
        """Return the fills to hand to the held-positions ledger when ending with POSITION_HOLD."""
        return []

    def info(self, now: dt.datetime, *, stranded_reason: str | None = None) -> ExecutorInfo:
        """Return the standard report as of ``now``."""
        metrics = self.metrics()
        end = self.closed_at or now
        return ExecutorInfo(
            executor_id=self.id,
            controller_id=self.config.controller_id,
            type=self.type,
            status=self.status,
            close_type=self.close_type,
            net_pnl_quote=metrics.net_pnl_quote,
            net_pnl_pct=metrics.net_pnl_pct,
            fees_paid_quote=metrics.fees_paid_quote,
            fees_earned_quote=metrics.fees_earned_quote,
            value_quote=metrics.value_quote,
            volume_quote=metrics.volume_quote,
            duration_seconds=max(0.0, (end - self.created_at).total_seconds()),
            created_at=self.created_at,
            closed_at=self.closed_at,
            stranded_reason=stranded_reason,
            details=self.details(),
        )

    # --- persistence --------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Return the whole mutable state as JSON-safe data."""
        return {
            "status": self.status.value,
            "close_type": self.close_type.value if self.close_type else None,
            "created_at": self.created_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "ts_last": self.ts_last.isoformat(),
            "command_seq": self._command_seq,
            "revision": self.revision,
            "state": self._state_adapter.dump_python(self.state, mode="json"),
        }

    @classmethod
    def restore(cls, config: ConfigT, snapshot: dict[str, Any]) -> Executor[ConfigT, StateT]:
        """Rebuild an executor from its config and a :meth:`snapshot`."""
        executor = cls(
            config,
            created_at=dt.datetime.fromisoformat(snapshot["created_at"]),
            state=cls._state_adapter.validate_python(snapshot["state"]),
        )
        executor.status = ExecutorStatus(snapshot["status"])
        close_type = snapshot["close_type"]
        executor.close_type = CloseType(close_type) if close_type else None
        closed_at = snapshot["closed_at"]
        executor.closed_at = dt.datetime.fromisoformat(closed_at) if closed_at else None
        executor.ts_last = dt.datetime.fromisoformat(snapshot["ts_last"])
        executor._command_seq = int(snapshot["command_seq"])
        executor.revision = int(snapshot["revision"])
        return executor


def _resolve(
    handlers: dict[type[Event], Handler | None], event_type: type[Event]
) -> Handler | None:
    """The handler of ``event_type``'s nearest base, remembered in ``handlers`` for next time."""
    handler = next((handlers[b] for b in event_type.__mro__[1:] if handlers.get(b)), None)
    handlers[event_type] = handler
    return handler
