"""The ``Executor`` base: a pure state machine that turns events into commands.

An executor never does I/O. The engine feeds it events through :meth:`Executor.apply` and carries
out the commands it returns. Its type-specific state lives in a dataclass (``state_class``) so the
engine can snapshot and restore it.

A family declares its state machine as data: a transition table (family state x trigger -> next
family state), the lifecycle status of each family state, and the attribute of its state object
that holds the family state (its default there is the initial state, which must map to CREATED).
:meth:`Executor._fire` is the only way to move: it looks the move up through
:class:`~core.fsm.StateMachine` and derives ``status`` from the new family state, so the two never
drift apart. A family with no states of its own declares nothing and fires
:class:`~core.lifecycle.LifecycleTrigger` through :data:`~core.lifecycle.EXECUTOR_TRANSITIONS`.
Subclasses register handlers with :func:`on`::

    class MyExecutor(Executor[MyConfig, MyState]):
        config_class = MyConfig
        state_class = MyState  # holds ``my_state: MyState = MyState.NEW``
        family_table = MY_TRANSITIONS  # {(MyState.NEW, MyTrigger.START): MyState.RUNNING, ...}
        family_status = MY_STATUS  # {MyState.NEW: ExecutorStatus.CREATED, ...}
        family_field = "my_state"

        @on(ExecutorStarted)
        def _started(self, event: ExecutorStarted) -> list[Command]:
            self._fire(MyTrigger.START)
            return []
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Hashable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import TypeAdapter

from lpexec.core.config import ExecutorConfig
from lpexec.core.fsm import StateMachine, TransitionTable
from lpexec.core.info import ExecutorDetails, ExecutorInfo, ExecutorMetrics
from lpexec.core.lifecycle import (
    EXECUTOR_TRANSITIONS,
    LIFECYCLE_STATUS,
    CloseType,
    ExecutorStatus,
)
from lpexec.core.messages import Command, Event

__all__ = ["Executor", "on"]

logger = logging.getLogger(__name__)

ConfigT = TypeVar("ConfigT", bound=ExecutorConfig)
StateT = TypeVar("StateT")
Handler = Callable[[Any, Any], list[Command]]

_HANDLES = "__handles_event__"
_FAMILY_ATTRIBUTES = frozenset({"state_class", "family_table", "family_status", "family_field"})


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
        state: the type-specific mutable state (a dataclass instance); it holds the family
            state in its ``family_field``.
        status: lifecycle status (CREATED -> ACTIVE -> CLOSING -> TERMINATED), derived from the
            family state through ``family_status``; only :meth:`_fire` and :meth:`restore` set it.
        close_type: why it ended (set by the move that starts closing or terminates).
        revision: grows on every change the engine must persist.

    A family declares its machine in three class attributes (checked when the class is made):

        family_table: the legal moves, ``{(family state, trigger): next family state}``.
        family_status: the lifecycle status of every family state; a state that maps to
            TERMINATED must be final (no row leaves it).
        family_field: the attribute of ``state_class`` holding the family state; its default is
            the initial state and must map to CREATED. ``None`` (the default, with the lifecycle
            table) makes the status itself the family state.
    """

    config_class: ClassVar[type[ExecutorConfig]]
    state_class: ClassVar[type[Any]]
    family_table: ClassVar[TransitionTable[Any, Any]] = EXECUTOR_TRANSITIONS
    family_status: ClassVar[Mapping[Any, ExecutorStatus]] = LIFECYCLE_STATUS
    family_field: ClassVar[str | None] = None
    wants_ticks: ClassVar[bool] = False
    _handlers: ClassVar[dict[type[Event], Handler | None]] = {}
    _state_adapter: ClassVar[TypeAdapter[Any]]
    _family_machine: ClassVar[StateMachine[Any, Any]]
    _family_moves: ClassVar[dict[tuple[Any, Any], tuple[Any, ExecutorStatus]]]
    """Each legal move's next family state with its status, looked up once per move."""

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
        if hasattr(cls, "state_class") and not _FAMILY_ATTRIBUTES.isdisjoint(vars(cls)):
            machine = cls._family_machine = _family_machine(cls)
            cls._family_moves = {
                move: (target, cls.family_status[target]) for move, target in machine.table.items()
            }

    def __init__(self, config: ConfigT, *, created_at: dt.datetime, state: StateT | None = None):
        self.config: ConfigT = config
        # A plain attribute, not a property over the config: the engine and the stores read it
        # many times per event. The config is frozen and never replaced, so it cannot diverge.
        self.id: str = config.id
        self.price_keys: frozenset[str] = config.price_keys()  # read on register and unregister
        self.state: StateT = state if state is not None else self.state_class()
        field = self.family_field
        self.status = (
            ExecutorStatus.CREATED
            if field is None
            else self.family_status[getattr(self.state, field)]
        )
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
        handler = self._handlers.get(type(event))
        if handler is None:  # no handler of its own: its nearest base's, found once
            handlers = self._handlers
            if type(event) in handlers or (handler := _resolve(handlers, type(event))) is None:
                return []
        commands: list[Command] = handler(self, event)
        self.ts_last = event.ts_event
        return commands

    # --- the state machine ----------------------------------------------------------------------

    @property
    def family_state(self) -> Any:
        """The family state (for example an ``LPState``, held on :attr:`state`)."""
        field = self.family_field
        return self.status if field is None else getattr(self.state, field)

    def _fire(
        self,
        trigger: Hashable,
        *,
        close_type: CloseType | None = None,
        now: dt.datetime | None = None,
    ) -> Any:
        """Move the family state by ``trigger`` and return the new family state.

        ``status`` follows from the new family state. ``close_type``, when given, records why the
        executor closes or ends; a move that terminates needs ``now``, recorded as ``closed_at``.
        Raises :class:`~core.errors.InvalidTransitionError` (and changes nothing) when the
        family table has no such move.
        """
        state, field = self.state, self.family_field
        current = self.status if field is None else getattr(state, field)
        move = self._family_moves.get((current, trigger))
        if move is None:
            self._family_machine.refuse(current, trigger, holder=self.id)
        target, status = move
        if status is not self.status:
            if status is ExecutorStatus.TERMINATED:
                if now is None:
                    raise ValueError(
                        f"{self.type} {self.id}: expected the time of the move that terminates "
                        f"it ({trigger!s}), received None"
                    )
                self.closed_at = now
            level = logging.DEBUG if status is ExecutorStatus.CLOSING else logging.INFO
            if logger.isEnabledFor(level):  # the arguments cost more than the disabled call
                logger.log(
                    level, "%s %s: %s -> %s", self.type, self.id, self.status.value, status.value
                )
            self.status = status
        if field is not None:
            setattr(state, field, target)
        if close_type is not None:
            self.close_type = close_type
        self.revision += 1
        return target

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
        if cls.family_field is None:  # the status is the family state
            executor.status = ExecutorStatus(snapshot["status"])
        else:  # derived: the stored status is a copy for queries, the family state is the truth
            executor.status = cls.family_status[executor.family_state]
        close_type = snapshot["close_type"]
        executor.close_type = CloseType(close_type) if close_type else None
        closed_at = snapshot["closed_at"]
        executor.closed_at = dt.datetime.fromisoformat(closed_at) if closed_at else None
        executor.ts_last = dt.datetime.fromisoformat(snapshot["ts_last"])
        executor._command_seq = int(snapshot["command_seq"])
        executor.revision = int(snapshot["revision"])
        return executor


def _family_machine(cls: type[Executor[Any, Any]]) -> StateMachine[Any, Any]:
    """Check the family machine ``cls`` declares and return it; raise ``TypeError`` if unsound."""
    machine: StateMachine[Any, Any] = StateMachine(cls.family_table, name=cls.config_class.type)
    status = cls.family_status
    unmapped = sorted(str(state) for state in machine.states if state not in status)
    if unmapped:
        raise TypeError(
            f"{cls.__name__}: expected a lifecycle status for every family state, received none "
            f"for {', '.join(unmapped)}"
        )
    field = cls.family_field
    initial = ExecutorStatus.CREATED if field is None else getattr(cls.state_class(), field)
    if status.get(initial) is not ExecutorStatus.CREATED:
        raise TypeError(
            f"{cls.__name__}: expected the initial family state {initial!s} to map to CREATED, "
            f"received {status.get(initial)}"
        )
    leaving = sorted(
        str(state)
        for state in machine.states
        if status[state] is ExecutorStatus.TERMINATED and not machine.is_final(state)
    )
    if leaving:
        raise TypeError(
            f"{cls.__name__}: expected TERMINATED family states to be final, received moves "
            f"out of {', '.join(leaving)}"
        )
    return machine


def _resolve(
    handlers: dict[type[Event], Handler | None], event_type: type[Event]
) -> Handler | None:
    """The handler of ``event_type``'s nearest base, remembered in ``handlers`` for next time."""
    handler = next((handlers[b] for b in event_type.__mro__[1:] if handlers.get(b)), None)
    handlers[event_type] = handler
    return handler
