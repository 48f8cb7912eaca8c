from __future__ import annotations

import itertools

import pytest

from lpexec.core.errors import InvalidTransitionError
from lpexec.paper.exchange import ORDER_LIFECYCLE, OrderStatus, OrderTrigger

S, T = OrderStatus, OrderTrigger
ROWS = {
    (S.OPEN, T.PARTIAL_FILL): S.PARTIALLY_FILLED,
    (S.OPEN, T.COMPLETE_FILL): S.FILLED,
    (S.OPEN, T.CANCEL): S.CANCELED,
    (S.PARTIALLY_FILLED, T.PARTIAL_FILL): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, T.COMPLETE_FILL): S.FILLED,
    (S.PARTIALLY_FILLED, T.CANCEL): S.CANCELED,
}
MISSING = [pair for pair in itertools.product(S, T) if pair not in ROWS]


@pytest.mark.parametrize(("move", "target"), list(ROWS.items()))
def test_every_row_is_legal(move, target):
    assert ORDER_LIFECYCLE.next_state(*move) is target


@pytest.mark.parametrize("move", MISSING)
def test_every_missing_pair_is_refused(move):
    with pytest.raises(InvalidTransitionError):
        ORDER_LIFECYCLE.next_state(*move)


@pytest.mark.parametrize("status", list(S))
def test_terminal_statuses(status):
    assert status.is_terminal is (status in {S.FILLED, S.CANCELED, S.REJECTED})
