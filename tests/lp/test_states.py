"""The LP transition table: every row, every illegal pair, and the lifecycle mapping."""

from __future__ import annotations

import itertools

import pytest

from lpexec.core import ExecutorStatus, InvalidTransitionError, StateMachine
from lpexec.lp import LP_STATUS, LP_TRANSITIONS, LPState, LPTrigger

ILLEGAL = [p for p in itertools.product(LPState, LPTrigger) if p not in LP_TRANSITIONS]


@pytest.mark.parametrize(("move", "target"), sorted(LP_TRANSITIONS.items()), ids=str)
def test_every_row(move, target):
    machine = StateMachine(LP_TRANSITIONS)
    assert machine.next_state(*move) is target


@pytest.mark.parametrize(("state", "trigger"), ILLEGAL, ids=str)
def test_every_illegal_pair(state, trigger):
    machine = StateMachine(LP_TRANSITIONS)
    assert not machine.can_fire(state, trigger)
    with pytest.raises(InvalidTransitionError):
        machine.next_state(state, trigger)


def test_terminal_states_have_no_way_out_and_map_to_terminated():
    for state in (LPState.COMPLETE, LPState.FAILED):
        assert not any(source is state for source, _ in LP_TRANSITIONS)
        assert LP_STATUS[state] is ExecutorStatus.TERMINATED
    assert LP_STATUS[LPState.STRANDED] is ExecutorStatus.CLOSING
    assert set(LP_STATUS) == set(LPState)
