"""The policy runner reads a live LP executor's state directly; it must say what its report says."""

from __future__ import annotations

from decimal import Decimal

from fixtures.lp_builders import T0, at, make_config, open_executor
from lpexec.controllers.rebalancer import _view_of, _view_of_executor
from lpexec.core import StopRequested
from lpexec.lp import LPExecutor
from lpexec.lp.messages import ClosePosition, PositionClosed


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
        PositionClosed(
            ts_event=at(31),
            command_id=close.command_id,
            position_address="Pos1",
            base_amount=Decimal("0.4"),
            quote_amount=Decimal(240),
            base_fee=Decimal("0.001"),
            quote_fee=Decimal("0.3"),
            position_rent_refunded=Decimal("0.05740608"),
            tx_fee=Decimal("0.00003"),
        )
    )
    report, live = _views(executor)
    assert report == live
    assert (live.returned_base, live.returned_quote) == (Decimal("0.401"), Decimal("240.3"))
