"""The LP transition table: every row, every illegal pair, and the lifecycle mapping."""

from __future__ import annotations

import pytest

from fixtures.transition_tables import (
    assert_pair_is_refused,
    assert_row_fires,
    assert_terminal,
    missing_pairs,
)
from lpexec.core import ExecutorStatus
from lpexec.lp import LP_STATUS, LP_TRANSITIONS, LPState, LPTrigger

ILLEGAL = missing_pairs(LP_TRANSITIONS, LPState, LPTrigger)


@pytest.mark.parametrize(("move", "target"), sorted(LP_TRANSITIONS.items()), ids=str)
def test_every_row(move, target):
    assert_row_fires(LP_TRANSITIONS, move, target)


@pytest.mark.parametrize(("state", "trigger"), ILLEGAL, ids=str)
def test_every_illegal_pair(state, trigger):
    assert_pair_is_refused(LP_TRANSITIONS, state, trigger)


def test_terminal_states_have_no_way_out_and_map_to_terminated():
    assert_terminal(LP_TRANSITIONS, LP_STATUS, (LPState.COMPLETE, LPState.FAILED))
    assert LP_STATUS[LPState.STRANDED] is ExecutorStatus.CLOSING
    assert set(LP_STATUS) == set(LPState)
