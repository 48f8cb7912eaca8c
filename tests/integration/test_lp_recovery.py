"""Lost answers on the paper Gateway: the LP executor's money equals the chain's, to the lamport.

Each fault loses the answer of a write that landed (504 without a signature, a generic 500 after
landing, a status 0) or lands a failing transaction; the executor must end with the rent, BinArray
rent, refund, fees and signatures of the transactions the chain actually recorded, read back
through the chain's signature history, never estimated.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from lp_paper_helpers import LAMPORTS, lp_config, open_position, runtime, settle, step

from lpexec.lp import LPState
from lpexec.paper.chain import BIN_ARRAY_RENT_LAMPORTS
from lpexec.paper.chain.faults import FaultPlan


def landed(chain, wallet):
    return [tx for tx in chain.transactions() if tx.payer == wallet and tx.landed]


def one(chain, wallet, operation):
    (tx,) = [tx for tx in landed(chain, wallet) if tx.operation == operation and tx.error is None]
    return tx


def lamports(amount: Decimal) -> int:
    value = amount * LAMPORTS
    assert value == value.to_integral_value(), amount
    return int(value)


def assert_open_matches(state, tx):
    assert state.open_signature == tx.signature
    assert lamports(state.position_rent) == tx.details["position_rent"]
    assert lamports(state.rent_sunk) == len(tx.details["bin_arrays"]) * BIN_ARRAY_RENT_LAMPORTS
    assert not state.open_estimated


def assert_close_matches(state, tx, *, base_decimals=9, quote_decimals=6):
    details = tx.details
    assert state.close_signature == tx.signature
    assert lamports(state.position_rent_refunded) == details["rent_refunded"]
    base = state.base_amount + state.base_fee
    quote = state.quote_amount + state.quote_fee
    assert base * 10**base_decimals == details["base_amount"] + details["base_fee"]
    assert quote * 10**quote_decimals == details["quote_amount"] + details["quote_fee"]
    assert not state.close_estimated


def assert_fees_match(state, chain, wallet):
    charged = sum(tx.fee for tx in landed(chain, wallet))
    assert lamports(state.tx_fee) == charged


async def open_and_close(rt, config, *, keep_position=True):
    await open_position(rt, config)
    await step(rt, "181")
    await rt.engine.stop(config.id, keep_position=keep_position)
    await settle(rt, rounds=20)
    return rt.engine.executor(config.id)


async def open_and_close_retrying(rt, config=None, *, keep_position=True):
    """Open, then close (by default retrying a failed close each second), then let ten
    simulated seconds pass."""
    config = config or lp_config(close_retry_seconds=1)
    executor = await open_and_close(rt, config, keep_position=keep_position)
    for _ in range(5):
        rt.clock.advance(2)
        rt.engine.tick()
        await settle(rt)
    return executor


# A write (open or close) lands but its answer is lost: a 504, a generic 500 or a status 0.
LOST_ANSWERS = [
    f"{write}:{loss}#1" for write in ("open", "close") for loss in ("504", "lost", "pending")
]


@pytest.mark.parametrize("fault", LOST_ANSWERS)
async def test_a_write_whose_answer_was_lost_is_read_from_its_transaction(tmp_path, fault):
    rt = await runtime(tmp_path, faults=fault)
    executor = await open_and_close(rt, lp_config())
    chain, wallet = rt.gateway.chain, rt.wallet
    state = executor.state
    operation = fault.split(":")[0]  # the write whose answer was lost: open or close
    assert state.lp_state is LPState.COMPLETE
    assert len([tx for tx in landed(chain, wallet) if tx.operation == operation]) == 1
    assert_open_matches(state, one(chain, wallet, "open"))
    assert_close_matches(state, one(chain, wallet, "close"))
    assert_fees_match(state, chain, wallet)
    await rt.aclose()


async def test_a_close_that_failed_on_chain_counts_its_fee_then_closes(tmp_path):
    rt = await runtime(tmp_path, faults="close:fail#1")
    executor = await open_and_close_retrying(rt)
    chain, wallet = rt.gateway.chain, rt.wallet
    state = executor.state
    failed = [tx for tx in landed(chain, wallet) if tx.error is not None]
    assert [tx.operation for tx in failed] == ["close"]
    assert state.lp_state is LPState.COMPLETE
    assert_close_matches(state, one(chain, wallet, "close"))
    assert_fees_match(state, chain, wallet)
    await rt.aclose()


@pytest.mark.parametrize(
    ("fault", "provider"),
    [
        ("swap:504#1", "meteora/swap"),
        ("swap:lost#1", "meteora/swap"),
        ("route:lost#1", "jupiter/router"),
        ("route:pending#1", "jupiter/router"),
    ],
)
async def test_a_swap_back_whose_answer_was_lost_is_found_once_and_read_exactly(
    tmp_path, fault, provider
):
    rt = await runtime(tmp_path, faults=fault)
    config = lp_config(swap_provider=provider)
    executor = await open_and_close(rt, config, keep_position=False)
    chain, wallet = rt.gateway.chain, rt.wallet
    state = executor.state
    swaps = [tx for tx in landed(chain, wallet) if tx.operation in ("swap", "route")]
    assert state.lp_state is LPState.COMPLETE
    assert len(swaps) == 1
    assert state.swap_base > 0
    assert_fees_match(state, chain, wallet)
    assert not rt.engine.has_work
    await rt.aclose()


async def test_a_position_the_chain_does_not_have_strands_with_that_reason_at_once(tmp_path):
    # Arrange: a position opened on one paper chain, then the store is used with a fresh chain
    first = await runtime(tmp_path, paper_state_file=str(tmp_path / "a.json"))
    config = lp_config(refresh_interval_seconds=30)
    await open_position(first, config)
    await first.aclose()
    second = await runtime(tmp_path, paper_state_file=str(tmp_path / "b.json"))
    # Act: the first refresh finds no such position
    second.clock.advance(60)
    second.engine.tick()
    await settle(second)
    # Assert: stranded with the reason, listed, not ACTIVE-and-quiet
    executor = second.engine.executor(config.id)
    assert executor.state.lp_state is LPState.STRANDED
    (listed,) = second.engine.infos(executor_type="lp", stranded=True)
    assert listed.executor_id == config.id
    assert "is not on chain" in listed.stranded_reason
    await second.aclose()


async def test_a_pending_write_does_not_hold_the_engine_for_other_executors(tmp_path):
    # Arrange: the first open answers status 0 (it lands and confirms a slot later)
    rt = await runtime(tmp_path, faults="open:pending#1")
    pending = lp_config()
    other = lp_config(lower_price=Decimal(174), upper_price=Decimal(186))
    await rt.engine.create(pending)
    await rt.engine.create(other)
    started = rt.clock.now()
    # Act: one pass of the engine
    await rt.engine.drain()
    # Assert: nothing waited on the pending one (the paper Gateway's own confirm loop takes a
    # slot per confirmed write; the old wait held drain() for up to 90 s); the other opened
    assert (rt.clock.now() - started).total_seconds() < 2
    assert rt.engine.executor(other.id).state.lp_state is LPState.IN_RANGE
    # ... and the pending open is settled from its signature (in this pass or a later one)
    await settle(rt)
    state = rt.engine.executor(pending.id).state
    assert state.lp_state is LPState.IN_RANGE
    opens = [tx for tx in landed(rt.gateway.chain, rt.wallet) if tx.operation == "open"]
    assert state.open_signature in {tx.signature for tx in opens}
    assert len(opens) == 2
    await rt.aclose()


async def test_a_swap_stopped_before_its_send_time_was_recorded_certainly_did_not_go_out(
    tmp_path,
):
    # A process killed between marking the intent SENT and recording the send time never sent
    from lpexec.core import Evidence, OutcomeUnknownError, Swap

    rt = await runtime(tmp_path)
    command = Swap(
        command_id="x-3",
        executor_id="x",
        venue="jupiter/router",
        trading_pair="SOL-USDC",
        side="SELL",
        amount=Decimal("0.1"),
        slippage=Decimal("0.01"),
        pool_address=None,
    )
    venue = rt.engine.venue("jupiter/router")
    assert await venue.reconcile(command, Evidence()) is None
    with pytest.raises(OutcomeUnknownError, match="not on chain yet"):
        await venue.reconcile(command, Evidence({"sent_at": int(rt.clock.now().timestamp())}))
    await rt.aclose()


@pytest.mark.parametrize("write", ["open", "close"])
async def test_a_write_that_failed_on_chain_with_its_answer_lost_counts_its_fee(tmp_path, write):
    rt = await runtime(tmp_path, faults=f"{write}:lost=fail#1")
    executor = await open_and_close_retrying(rt)
    chain, wallet = rt.gateway.chain, rt.wallet
    state = executor.state
    (failed,) = [tx for tx in landed(chain, wallet) if tx.error is not None]
    named = {
        intent.evidence.get("signature") for intent in rt.engine.store.intents_for(executor.id)
    }
    assert failed.operation == write
    assert failed.signature in named  # found in the wallet's history, not sent blind again
    assert_fees_match(state, chain, wallet)  # the failed transaction's fee included
    if write == "open":  # as when Gateway answers that an open failed: the executor fails
        assert state.lp_state is LPState.FAILED
        assert not [tx for tx in landed(chain, wallet) if tx.error is None]
    else:  # a failed close is tried again, then closes
        assert state.lp_state is LPState.COMPLETE
        assert_close_matches(state, one(chain, wallet, "close"))
    await rt.aclose()


async def test_a_lost_close_read_while_the_pool_does_not_answer_waits_and_reads_it_exactly(
    tmp_path,
):
    # Arrange: the close lands but answers 504; the first pool read after it fails (three tries)
    rt = await runtime(tmp_path)
    config = lp_config()
    await open_position(rt, config)
    rt.gateway.chain.faults = FaultPlan.parse("close:504#1,pool:500#1,pool:500#2,pool:500#3")
    # Act
    await rt.engine.stop(config.id, keep_position=True)
    await settle(rt, rounds=20)
    # Assert: the close is the chain's, refund and amounts exact (never an estimate of zeros)
    chain, wallet = rt.gateway.chain, rt.wallet
    state = rt.engine.executor(config.id).state
    assert state.lp_state is LPState.COMPLETE
    assert_close_matches(state, one(chain, wallet, "close"))
    assert_fees_match(state, chain, wallet)
    await rt.aclose()


@pytest.mark.parametrize(
    ("fault", "provider"),
    [("swap:lost=fail#1", "meteora/swap"), ("route:lost=fail#1", "jupiter/router")],
)
async def test_a_swap_back_that_failed_on_chain_with_its_answer_lost_counts_its_fee(
    tmp_path, fault, provider
):
    rt = await runtime(tmp_path, faults=fault)
    config = lp_config(swap_provider=provider)
    executor = await open_and_close_retrying(rt, config, keep_position=False)
    chain, wallet = rt.gateway.chain, rt.wallet
    state = executor.state
    (failed,) = [tx for tx in landed(chain, wallet) if tx.error is not None]
    named = {i.evidence.get("signature") for i in rt.engine.store.intents_for(executor.id)}
    assert failed.operation in ("swap", "route")
    assert failed.signature in named  # found among the wallet's failed transactions
    assert_fees_match(state, chain, wallet)  # its fee included
    await rt.aclose()
