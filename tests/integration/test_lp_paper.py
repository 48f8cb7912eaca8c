"""The LP executor end to end on the paper Gateway: lifecycle, exact accounting, faults."""

from __future__ import annotations

from decimal import Decimal

from lp_paper_helpers import (
    LAMPORTS,
    POOL,
    ledger_sum,
    lp_config,
    open_position,
    pool_positions,
    runtime,
    settle,
    step,
    wallet_signatures,
)

from lpexec.core import CloseType, ExecutorStatus, HeldPositionKey
from lpexec.lp import LPState
from lpexec.lp.messages import publish_pool_price
from lpexec.paper.chain.ledger import LAMPORTS as LAMPORTS_ASSET
from lpexec.paper.chain.ledger import Cause


async def test_open_fees_timer_close_swap_and_accounting_equals_the_ledger(tmp_path):
    # Arrange
    rt = await runtime(tmp_path)
    config = lp_config(auto_close_above_range_seconds=300)
    # Act: open, trade inside the range, leave it upwards and wait for the timer
    await rt.engine.create(config)
    await settle(rt)
    for price in ("181", "179", "182", "178", "180"):
        await step(rt, price)
    executor = rt.engine.executor(config.id)
    assert executor.state.lp_state is LPState.IN_RANGE
    for price in ("186", "187", "188", "188", "189", "189", "190"):
        await step(rt, price)
    # Assert: the timer closed it and the base was swapped back
    info = rt.engine.info(config.id)
    state = executor.state
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.EARLY_STOP)
    assert state.lp_state is LPState.COMPLETE and state.swap_side == "BUY"
    wallet = rt.wallet
    sol = LAMPORTS_ASSET
    open_sig, close_sig = state.open_signature, state.close_signature
    assert -ledger_sum(rt, signatures=[open_sig], cause=Cause.RENT_LOCKED, owner=wallet) == (
        state.position_rent * LAMPORTS
    )
    assert ledger_sum(rt, signatures=[close_sig], cause=Cause.RENT_REFUNDED, owner=wallet) == (
        state.position_rent_refunded * LAMPORTS
    )
    assert state.position_rent == state.position_rent_refunded == Decimal("0.05740608")
    fees_paid = -ledger_sum(rt, signatures=wallet_signatures(rt), cause=Cause.TX_FEE, owner=wallet)
    assert fees_paid == state.tx_fee * LAMPORTS
    assert state.tx_fee > 0
    claimed_sol = ledger_sum(
        rt, signatures=[close_sig], cause=Cause.FEE_CLAIM, owner=wallet, asset=sol
    )
    assert claimed_sol == (state.base_fee + state.base_fee_claimed) * LAMPORTS
    usdc = rt.gateway.chain.tokens.get("USDC").address
    claimed_usdc = ledger_sum(
        rt, signatures=[close_sig], cause=Cause.FEE_CLAIM, owner=wallet, asset=usdc
    )
    assert claimed_usdc == (state.quote_fee + state.quote_fee_claimed) * 10**6
    assert state.base_fee + state.quote_fee > 0
    details = info.details
    assert details.fees_earned_quote > 0
    assert info.net_pnl_quote == (
        details.fees_earned_quote
        + details.impermanent_loss_quote
        - details.tx_fees_quote
        - details.rent_sunk_quote
        - details.swap_costs_quote
    )
    await rt.aclose()


async def test_keep_position_holds_the_net_change_and_never_swaps(tmp_path):
    rt = await runtime(tmp_path)
    config = lp_config(keep_position=True, upper_limit_price=Decimal(183), controller_id="bot")
    await rt.engine.create(config)
    await settle(rt)
    await step(rt, "183.5")
    executor = rt.engine.executor(config.id)
    assert executor.close_type is CloseType.POSITION_HOLD
    assert executor.state.lp_state is LPState.COMPLETE and executor.state.swap_side == ""
    key = HeldPositionKey(
        controller_id="bot", connector="solana-mainnet-beta/meteora/clmm", trading_pair="SOL-USDC"
    )
    held = rt.engine.ledger.get(key)
    # The price rose through the range: the position sold base for quote, so the hold is short.
    assert held.net_base < 0
    assert -held.net_base == executor.state.initial_base - (
        executor.state.base_amount + executor.state.base_fee
    )
    await rt.aclose()


async def test_a_504_that_landed_ends_with_exactly_one_position_adopted(tmp_path):
    rt = await runtime(tmp_path, faults="open:504#1")
    executor = await open_position(rt, lp_config())
    owned = pool_positions(rt)
    assert executor.state.lp_state is LPState.IN_RANGE
    assert [p.address for p in owned] == [executor.state.position_address]
    assert executor.state.open_attempts == 1
    await rt.aclose()


async def test_a_dropped_open_ends_with_none_then_one_clean_retry_under_the_same_intent(tmp_path):
    rt = await runtime(tmp_path, faults="open:drop#1")
    executor = await open_position(rt, lp_config())
    owned = pool_positions(rt)
    assert len(owned) == 1 and owned[0].address == executor.state.position_address
    assert executor.state.open_attempts == 1  # the executor issued one open command
    from sqlalchemy import select

    from lpexec.core.store import intents_table

    with rt.database.connect() as connection:
        intents = connection.execute(select(intents_table)).all()
    (intent,) = (row for row in intents if row.intent_id == executor.state.open_command_id)
    assert (intent.status, intent.attempts) == ("DONE", 2)
    assert len(intents) == 1
    await rt.aclose()


async def test_close_failures_end_stranded_and_a_later_stop_completes(tmp_path):
    rt = await runtime(tmp_path, faults="close:fail#1+")
    config = lp_config(max_close_attempts=2, close_retry_seconds=1)
    await rt.engine.create(config)
    await settle(rt)
    await rt.engine.stop(config.id)
    await settle(rt)
    for _ in range(3):
        await step(rt, "180", seconds=5)
    executor = rt.engine.executor(config.id)
    assert executor.state.lp_state is LPState.STRANDED
    (listed,) = rt.engine.infos(stranded=True)
    assert listed.executor_id == config.id
    assert "still on chain" in listed.stranded_reason
    assert len(pool_positions(rt)) == 1
    # the fault clears; a stop asks for the close again and it completes
    from lpexec.paper.chain import FaultPlan

    rt.gateway.chain.faults = FaultPlan.parse(None, seed=0)
    await rt.engine.stop(config.id)
    await settle(rt)
    assert executor.state.lp_state is LPState.COMPLETE
    assert rt.engine.infos(stranded=True) == []
    await rt.aclose()


async def test_a_clmm_position_through_the_unified_routes_follows_ticks(tmp_path):
    from lpexec.paper.gateway.demo import demo_pool_address

    rt = await runtime(tmp_path)
    clmm_pool = demo_pool_address("raydium", "SOL", "USDC", 10)
    config = lp_config(
        pool_address=clmm_pool,
        lp_provider="raydium/clmm",
        lower_price=Decimal(175),
        upper_price=Decimal(185),
        auto_close_below_range_seconds=120,
        swap_provider="jupiter/router",
    )
    await rt.engine.create(config)
    await settle(rt)
    executor = rt.engine.executor(config.id)
    state = executor.state
    assert state.lp_state is LPState.IN_RANGE
    assert state.lower_bin_id is not None and state.lower_bin_id % 10 == 0
    chain = rt.gateway.chain
    for price in ("174", "173", "172", "172"):
        chain.move_pool_to_price(clmm_pool, Decimal(price), 10**9)
        rt.clock.advance(60)
        pool = chain.pool(clmm_pool)
        publish_pool_price(
            rt.engine,
            "SOL-USDC",
            pool.price,
            pool_address=clmm_pool,
            active_bin_id=pool.tick_current,
        )
        rt.engine.tick()
        await settle(rt)
    assert state.lp_state is LPState.COMPLETE
    assert executor.close_type is CloseType.EARLY_STOP
    assert state.position_rent == state.position_rent_refunded > 0
    await rt.aclose()


async def test_venue_add_remove_collect_report_what_moved(tmp_path):
    from lpexec.core import Evidence
    from lpexec.lp.messages import (
        AddLiquidity,
        CollectFees,
        OpenPosition,
        RemoveLiquidity,
    )

    rt = await runtime(tmp_path)
    venue, wallet = rt.liquidity, rt.wallet
    common = {"executor_id": "e", "venue": "meteora/clmm"}
    opened = await venue.open_position(
        OpenPosition(
            command_id="e-1",
            pool_address=POOL,
            trading_pair="SOL-USDC",
            lower_price=Decimal(178),
            upper_price=Decimal(182),
            base_amount=Decimal(1),
            quote_amount=Decimal(180),
            slippage=Decimal("0.01"),
            **common,
        ),
        Evidence(),
    )
    address = opened.position_address
    added = await venue.add_liquidity(
        AddLiquidity(
            command_id="e-2",
            position_address=address,
            base_amount=Decimal("0.5"),
            quote_amount=Decimal(90),
            slippage=Decimal("0.01"),
            **common,
        ),
        Evidence(),
    )
    assert (added.base_amount, added.quote_amount) == (Decimal("0.5"), Decimal(90))
    rt.gateway.chain.move_pool_to_price(POOL, Decimal(181), 50_000 * 10**6)
    rt.gateway.chain.move_pool_to_price(POOL, Decimal(179), 50_000 * 10**6)
    collected = await venue.collect_fees(
        CollectFees(command_id="e-3", position_address=address, **common), Evidence()
    )
    assert collected.base_fee + collected.quote_fee > 0
    usdc = rt.gateway.chain.tokens.get("USDC").address
    claimed = ledger_sum(
        rt, signatures=[collected.signature], cause=Cause.FEE_CLAIM, owner=wallet, asset=usdc
    )
    assert claimed == collected.quote_fee * 10**6
    removed = await venue.remove_liquidity(
        RemoveLiquidity(
            command_id="e-4", position_address=address, fraction=Decimal("0.5"), **common
        ),
        Evidence(),
    )
    withdrawn = ledger_sum(
        rt, signatures=[removed.signature], cause=Cause.WITHDRAW, owner=wallet, asset=usdc
    )
    assert withdrawn == removed.quote_amount * 10**6
    fee = -ledger_sum(rt, signatures=[removed.signature], cause=Cause.TX_FEE, owner=wallet)
    assert fee == removed.tx_fee * LAMPORTS
    await rt.aclose()
