"""The generic FSM and the executor lifecycle table: every legal row, every illegal pair."""

from __future__ import annotations

import itertools

import pytest

from lpexec.core import (
    EXECUTOR_TRANSITIONS,
    CloseType,
    ExecutorStatus,
    InvalidTransitionError,
    LifecycleTrigger,
    StateMachine,
)
from lpexec.core.lifecycle import LIFECYCLE_STATUS

LEGAL = sorted(EXECUTOR_TRANSITIONS.items())
ILLEGAL = [
    pair
    for pair in itertools.product(ExecutorStatus, LifecycleTrigger)
    if pair not in EXECUTOR_TRANSITIONS
]


@pytest.mark.parametrize(("move", "target"), LEGAL, ids=lambda v: str(v))
def test_every_legal_row_moves_to_its_target(move, target):
    # Arrange
    state, trigger = move
    machine = StateMachine(EXECUTOR_TRANSITIONS)
    # Act
    result = machine.next_state(state, trigger)
    # Assert
    assert result is target
    assert machine.can_fire(state, trigger)


@pytest.mark.parametrize(("state", "trigger"), ILLEGAL, ids=lambda v: str(v))
def test_every_missing_pair_raises(state, trigger):
    machine = StateMachine(EXECUTOR_TRANSITIONS, name="lifecycle")
    assert not machine.can_fire(state, trigger)
    with pytest.raises(InvalidTransitionError) as raised:
        machine.next_state(state, trigger)
    assert raised.value.state is state and raised.value.trigger is trigger
    assert str(raised.value) == (
        f"lifecycle: no transition from state {state.name} on trigger {trigger.name}"
    )


def test_the_error_names_the_holder_after_the_machine():
    machine = StateMachine({("a", "go"): "b"}, name="lp")
    with pytest.raises(InvalidTransitionError, match="^lp exec-7: no transition from state b"):
        machine.next_state("b", "go", holder="exec-7")


def test_the_table_covers_the_documented_path():
    machine = StateMachine(EXECUTOR_TRANSITIONS)
    state, seen = ExecutorStatus.CREATED, []
    for trigger in (LifecycleTrigger.START, LifecycleTrigger.CLOSE, LifecycleTrigger.FINISH):
        state = machine.next_state(state, trigger)
        seen.append(state)
    assert seen == [ExecutorStatus.ACTIVE, ExecutorStatus.CLOSING, ExecutorStatus.TERMINATED]


def test_terminated_is_final():
    machine = StateMachine(EXECUTOR_TRANSITIONS)
    assert machine.is_final(ExecutorStatus.TERMINATED)
    assert [s for s in ExecutorStatus if machine.is_final(s)] == [ExecutorStatus.TERMINATED]


def test_the_machine_holds_no_state_and_knows_every_state_of_its_table():
    machine = StateMachine({("a", "go"): "b", ("b", "stop"): "c"})
    assert machine.next_state("a", "go") == "b"
    assert machine.next_state("a", "go") == "b"  # nothing moved: the caller keeps the state
    assert machine.states == frozenset({"a", "b", "c"})


def test_the_lifecycle_as_a_family_maps_each_status_to_itself():
    assert {status: LIFECYCLE_STATUS[status] for status in ExecutorStatus} == {
        status: status for status in ExecutorStatus
    }


def test_close_types_are_stable_strings():
    assert [close_type.value for close_type in CloseType] == [
        "TAKE_PROFIT",
        "STOP_LOSS",
        "TIME_LIMIT",
        "TRAILING_STOP",
        "EARLY_STOP",
        "COMPLETED",
        "FAILED",
        "EXPIRED",
        "INSUFFICIENT_BALANCE",
        "POSITION_HOLD",
    ]
