"""A small generic table-driven state machine.

A lifecycle is data: a ``dict[(state, trigger), next_state]`` with one row per legal move. The
machine only looks moves up; a missing row raises :class:`~core.errors.InvalidTransitionError`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Generic, TypeVar

from lpexec.core.errors import InvalidTransitionError

__all__ = ["StateMachine", "TransitionTable"]

S = TypeVar("S", bound=Hashable)
T = TypeVar("T", bound=Hashable)

TransitionTable = Mapping[tuple[S, T], S]


class StateMachine(Generic[S, T]):
    """Holds a current state and moves it through a transition table.

    Example:
        >>> fsm = StateMachine({("idle", "go"): "busy"}, initial="idle")
        >>> fsm.fire("go")
        'busy'
    """

    __slots__ = ("_name", "_state", "_table")

    def __init__(self, table: TransitionTable[S, T], *, initial: S, name: str = "state machine"):
        self._table = table
        self._state = initial
        self._name = name

    @property
    def state(self) -> S:
        """The current state."""
        return self._state

    def can_fire(self, trigger: T) -> bool:
        """Return True if ``trigger`` is legal from the current state."""
        return (self._state, trigger) in self._table

    def next_state(self, trigger: T) -> S:
        """Return the state ``trigger`` would lead to, without moving; raise if illegal."""
        try:
            return self._table[(self._state, trigger)]
        except KeyError:
            raise InvalidTransitionError(self._state, trigger, machine=self._name) from None

    def fire(self, trigger: T) -> S:
        """Move to the state ``trigger`` leads to and return it; raise if illegal."""
        self._state = self.next_state(trigger)
        return self._state
