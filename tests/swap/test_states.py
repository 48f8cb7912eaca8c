"""The swap transition table: every row, every illegal pair, and the lifecycle mapping."""

from __future__ import annotations

import itertools

import pytest

from lpexec.core import ExecutorStatus, InvalidTransitionError, StateMachine
from lpexec.swap import SWAP_STATUS, SWAP_TRANSITIONS, SwapState, SwapTrigger

ILLEGAL = [p for p in itertools.product(SwapState, SwapTrigger) if p not in SWAP_TRANSITIONS]


@pytest.mark.parametrize(("move", "target"), sorted(SWAP_TRANSITIONS.items()), ids=str)
def test_every_row(move, target):
    machine = StateMachine(SWAP_TRANSITIONS)
    assert machine.next_state(*move) is target


@pytest.mark.parametrize(("state", "trigger"), ILLEGAL, ids=str)
def test_every_illegal_pair(state, trigger):
    machine = StateMachine(SWAP_TRANSITIONS)
    assert not machine.can_fire(state, trigger)
    with pytest.raises(InvalidTransitionError):
        machine.next_state(state, trigger)


def test_terminal_states_have_no_way_out_and_map_to_terminated():
    for state in (SwapState.COMPLETE, SwapState.FAILED, SwapState.CANCELED):
        assert not any(source is state for source, _ in SWAP_TRANSITIONS)
        assert SWAP_STATUS[state] is ExecutorStatus.TERMINATED
    assert SWAP_STATUS[SwapState.EXECUTING] is ExecutorStatus.ACTIVE
    assert set(SWAP_STATUS) == set(SwapState)


def test_once_executing_a_swap_cannot_be_canceled():
    assert (SwapState.EXECUTING, SwapTrigger.CANCEL) not in SWAP_TRANSITIONS
