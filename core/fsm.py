"""A small generic table-driven state machine.

A lifecycle is data: a ``dict[(state, trigger), next_state]`` with one row per legal move. The
machine only looks moves up; a missing row raises :class:`~core.errors.InvalidTransitionError`.

A :class:`StateMachine` holds the rules, not a current state: whoever runs it keeps the state and
asks the machine where a trigger leads. So one machine serves every executor of a family, and the
family state stays where it is persisted (an executor keeps it on its state object).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Generic, NoReturn, TypeVar

from lpexec.core.errors import InvalidTransitionError

__all__ = ["StateMachine", "TransitionTable"]

S = TypeVar("S", bound=Hashable)
T = TypeVar("T", bound=Hashable)

TransitionTable = Mapping[tuple[S, T], S]


class StateMachine(Generic[S, T]):
    """The legal moves of one lifecycle, looked up in a transition table.

    Example:
        >>> machine = StateMachine({("idle", "go"): "busy"}, name="worker")
        >>> machine.next_state("idle", "go")
        'busy'
        >>> machine.can_fire("busy", "go")
        False
    """

    __slots__ = ("name", "states", "table")

    def __init__(self, table: TransitionTable[S, T], *, name: str = "state machine") -> None:
        self.table = table
        self.name = name
        self.states: frozenset[S] = frozenset(
            state for (source, _), target in table.items() for state in (source, target)
        )
        """Every state a row leaves or reaches."""

    def can_fire(self, state: S, trigger: T) -> bool:
        """Return True if ``trigger`` is legal from ``state``."""
        return (state, trigger) in self.table

    def next_state(self, state: S, trigger: T, *, holder: object = None) -> S:
        """Return the state ``trigger`` leads to from ``state``; raise if the table lacks the move.

        ``holder`` (an executor id, say) is named in the error after the machine's name.
        """
        target = self.table.get((state, trigger))
        if target is None:
            self.refuse(state, trigger, holder=holder)
        return target

    def refuse(self, state: S, trigger: T, *, holder: object = None) -> NoReturn:
        """Raise the error for the move from ``state`` on ``trigger`` (one the table lacks)."""
        name = self.name if holder is None else f"{self.name} {holder}"
        raise InvalidTransitionError(state, trigger, machine=name)

    def is_final(self, state: S) -> bool:
        """Return True if no row leaves ``state``."""
        return not any(source == state for source, _ in self.table)
