"""The policy runner reads a live LP executor's state directly; it must say what its report says."""

from __future__ import annotations

from decimal import Decimal

from fixtures.lp_builders import T0, at, make_config, open_executor, position_closed
from lpexec.controllers.rebalancer import _view_of, _view_of_executor
from lpexec.core import StopRequested
from lpexec.lp import LPExecutor
from lpexec.lp.messages import ClosePosition


def _views(executor: LPExecutor):
    return _view_of(executor.info(at(60))), _view_of_executor(executor)


def test_a_live_executor_gives_the_view_of_its_report_at_every_stage() -> None:
    # not opened yet
    fresh = LPExecutor(make_config(), created_at=T0)
    report, live = _views(fresh)
    assert report == live
    assert not live.opened
    # opened
    executor = open_executor()
    report, live = _views(executor)
    assert report == live
    assert live.opened and live.lower_price == Decimal(140)
    # closed, with fees: the view counts what came back, fees included
    (close,) = [
        command
        for command in executor.apply(StopRequested(ts_event=at(30), keep_position=False))
        if isinstance(command, ClosePosition)
    ]
    executor.apply(
        position_closed(
            close,
            31,
            base_amount="0.4",
            quote_amount=240,
            base_fee="0.001",
            quote_fee="0.3",
            position_rent_refunded="0.05740608",
            tx_fee="0.00003",
        )
    )
    report, live = _views(executor)
    assert report == live
    assert (live.returned_base, live.returned_quote) == (Decimal("0.401"), Decimal("240.3"))
