"""The swap transition table: every row, every illegal pair, and the lifecycle mapping."""

from __future__ import annotations

import pytest

from fixtures.transition_tables import (
    assert_pair_is_refused,
    assert_row_fires,
    assert_terminal,
    missing_pairs,
)
from lpexec.core import ExecutorStatus
from lpexec.swap import SWAP_STATUS, SWAP_TRANSITIONS, SwapState, SwapTrigger

ILLEGAL = missing_pairs(SWAP_TRANSITIONS, SwapState, SwapTrigger)


@pytest.mark.parametrize(("move", "target"), sorted(SWAP_TRANSITIONS.items()), ids=str)
def test_every_row(move, target):
    assert_row_fires(SWAP_TRANSITIONS, move, target)


@pytest.mark.parametrize(("state", "trigger"), ILLEGAL, ids=str)
def test_every_illegal_pair(state, trigger):
    assert_pair_is_refused(SWAP_TRANSITIONS, state, trigger)


def test_terminal_states_have_no_way_out_and_map_to_terminated():
    assert_terminal(
        SWAP_TRANSITIONS, SWAP_STATUS, (SwapState.COMPLETE, SwapState.FAILED, SwapState.CANCELED)
    )
    assert SWAP_STATUS[SwapState.EXECUTING] is ExecutorStatus.ACTIVE
    assert set(SWAP_STATUS) == set(SwapState)


def test_once_executing_a_swap_cannot_be_canceled():
    assert (SwapState.EXECUTING, SwapTrigger.CANCEL) not in SWAP_TRANSITIONS
