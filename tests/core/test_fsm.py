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
    machine = StateMachine(EXECUTOR_TRANSITIONS, initial=state)
    # Act
    result = machine.fire(trigger)
    # Assert
    assert result is target
    assert machine.state is target


@pytest.mark.parametrize(("state", "trigger"), ILLEGAL, ids=lambda v: str(v))
def test_every_missing_pair_raises_and_leaves_the_state(state, trigger):
    machine = StateMachine(EXECUTOR_TRANSITIONS, initial=state, name="lifecycle")
    assert not machine.can_fire(trigger)
    with pytest.raises(InvalidTransitionError) as raised:
        machine.fire(trigger)
    assert machine.state is state
    assert raised.value.state is state and raised.value.trigger is trigger
    assert str(raised.value) == (
        f"lifecycle: no transition from state {state.name} on trigger {trigger.name}"
    )


def test_the_table_covers_the_documented_path():
    path = [LifecycleTrigger.START, LifecycleTrigger.CLOSE, LifecycleTrigger.FINISH]
    machine = StateMachine(EXECUTOR_TRANSITIONS, initial=ExecutorStatus.CREATED)
    assert [machine.fire(trigger) for trigger in path] == [
        ExecutorStatus.ACTIVE,
        ExecutorStatus.CLOSING,
        ExecutorStatus.TERMINATED,
    ]


def test_terminated_is_final():
    assert not any(state is ExecutorStatus.TERMINATED for state, _ in EXECUTOR_TRANSITIONS)


def test_next_state_does_not_move():
    machine = StateMachine({("a", "go"): "b"}, initial="a")
    assert machine.next_state("go") == "b"
    assert machine.state == "a"


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
