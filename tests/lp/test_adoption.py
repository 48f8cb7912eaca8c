"""An LP executor that adopts a position opened elsewhere, fed events by hand: it reads instead of
opening, and what was paid or earned before the adoption stays out of its costs and P&L; and an
open one claiming its fees on request (``lp collect-fees``)."""

from __future__ import annotations

from decimal import Decimal

from fixtures.events import command_failed, outcome
from fixtures.lp_builders import (
    at,
    executor_started,
    make_config,
    open_executor,
    position_closed,
    position_updated,
)
from lpexec.core import CloseType, StopRequested
from lpexec.lp import LPExecutor, LPState
from lpexec.lp.adoption import AdoptPosition, PositionAdopted
from lpexec.lp.fees import CollectFeesRequested
from lpexec.lp.messages import ClosePosition, CollectFees, FeesCollected


def adopting(**overrides) -> tuple[LPExecutor, AdoptPosition]:
    config = make_config(adopt_position_address="Pos1", **overrides)
    executor = LPExecutor(config, created_at=at(0))
    (command,) = executor.apply(executor_started())
    assert isinstance(command, AdoptPosition)
    return executor, command


def adopted_event(command: AdoptPosition, **fields) -> PositionAdopted:
    defaults = {
        "position_address": "Pos1",
        "base_amount": "1",
        "quote_amount": "150",
        "lower_price": "140",
        "upper_price": "160",
        "price": "150",
        "position_rent": "0.05740608",
        "open_tx_fee": "0.0000265",
        "open_rent_sunk": "0.07",
        "base_fee_before": "0.01",
        "quote_fee_before": "2",
    }
    return outcome(PositionAdopted, command.command_id, 10, defaults, fields)


def test_adoption_reads_the_position_and_keeps_earlier_costs_and_fees_out_of_the_p_and_l():
    executor, command = adopting()
    assert (command.position_address, command.venue) == ("Pos1", "meteora/clmm")

    assert executor.apply(adopted_event(command)) == []

    state, details = executor.state, executor.details()
    assert state.lp_state is LPState.IN_RANGE and state.position_address == "Pos1"
    assert (state.tx_fee, state.rent_sunk) == (0, 0)  # the open was paid before
    assert (details.adopted_open_tx_fee_native, details.adopted_rent_sunk_native) == (
        Decimal("0.0000265"),
        Decimal("0.07"),
    )
    assert (details.base_fee, details.quote_fee, details.fees_earned_quote) == (0, 0, 0)
    assert executor.metrics().net_pnl_quote == 0
    # Fees owed grow by 0.02 SOL and 3 USDC after the adoption: only those are its earnings.
    read = position_updated(
        20,
        base_amount=Decimal(1),
        quote_amount=Decimal(150),
        base_fee=Decimal("0.03"),
        quote_fee=Decimal(5),
    )
    executor.apply(read)
    assert executor.details().fees_earned_quote == Decimal("0.02") * 150 + 3
    collected = outcome(
        FeesCollected,
        "collect-1",
        30,
        {"position_address": "Pos1"},
        {"base_fee": "0.03", "quote_fee": "5", "tx_fee": "0.00001"},
    )
    executor.apply(collected)
    assert executor.details().fees_earned_quote == Decimal("0.02") * 150 + 3
    assert executor.state.tx_fee == Decimal("0.00001")


def test_an_adopted_position_closes_on_stop_and_refunds_its_rent():
    executor, command = adopting()
    executor.apply(adopted_event(command, base_fee_before="0", quote_fee_before="0"))

    (close,) = executor.apply(StopRequested(ts_event=at(20), keep_position=True))

    assert isinstance(close, ClosePosition) and close.position_address == "Pos1"
    closed = position_closed(
        close, 30, base_amount="1", quote_amount="150", position_rent_refunded="0.05740608"
    )
    executor.apply(closed)
    assert executor.close_type is CloseType.POSITION_HOLD
    assert executor.details().rent_locked_native == 0


def test_an_adoption_refused_by_the_venue_fails_without_a_position():
    executor, command = adopting()

    executor.apply(command_failed(command, 5, "position closed", code="position_closed"))

    assert executor.state.lp_state is LPState.FAILED
    assert executor.state.position_address == ""
    assert "position closed" in executor.state.failure_reason


def test_a_collect_request_sends_one_claim_at_a_time_and_counts_what_it_paid():
    executor = open_executor()
    (claim,) = executor.apply(CollectFeesRequested(ts_event=at(20)))
    assert isinstance(claim, CollectFees) and claim.position_address == "Pos1"
    assert executor.apply(CollectFeesRequested(ts_event=at(21))) == []  # one at a time
    fee_before = executor.state.tx_fee

    executor.apply(
        outcome(
            FeesCollected,
            claim.command_id,
            30,
            {"position_address": "Pos1"},
            {"base_fee": "0.01", "quote_fee": "2", "tx_fee": "0.00001"},
        )
    )

    state = executor.state
    assert (state.base_fee_claimed, state.quote_fee_claimed) == (Decimal("0.01"), 2)
    assert state.tx_fee == fee_before + Decimal("0.00001") and state.collect_command_id == ""
    (again,) = executor.apply(CollectFeesRequested(ts_event=at(40)))
    executor.apply(command_failed(again, 41, "owes no fees", code="nothing_to_collect"))
    assert state.collect_command_id == "" and state.lp_state is LPState.IN_RANGE
    assert state.failure_reason == "collect fees failed: owes no fees"


def test_a_collect_request_before_the_position_is_open_sends_nothing():
    executor, _ = adopting()
    assert executor.apply(CollectFeesRequested(ts_event=at(5))) == []
