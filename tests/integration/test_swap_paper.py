"""The swap executor end to end on the paper Gateway: best provider, ledger-exact accounting,
504 and dropped transactions (exactly one swap or none), slippage, a restart mid-swap."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lp_paper_helpers import POOL, ledger_sum, lp_config, runtime, settle, step

from lpexec.app.runtime import open_lp_runtime
from lpexec.core import CloseType, Engine, ExecutorStatus
from lpexec.lp import LPState
from lpexec.paper.chain.ledger import LAMPORTS as LAMPORTS_ASSET
from lpexec.paper.chain.ledger import Cause
from lpexec.paper.chain.transactions import TxFate
from lpexec.paper.gateway.demo import demo_pool_address
from lpexec.swap import SWAP_VENUE, SwapExecutor, SwapExecutorConfig, SwapState

D = Decimal
RAYDIUM = demo_pool_address("raydium", "SOL", "USDC", 10)
LAMPORTS = D(1_000_000_000)
USDC_UNITS = D(1_000_000)
ALL_PROVIDERS = ("meteora/clmm", "raydium/clmm", "jupiter/router")


def swap_config(**overrides) -> SwapExecutorConfig:
    values = {"trading_pair": "SOL-USDC", "side": "SELL", "amount": D(2)}
    values.update(overrides)
    return SwapExecutorConfig(**values)


def landed_swaps(rt) -> list:
    """The wallet's swap transactions that landed and succeeded on the paper chain."""
    return [
        tx
        for tx in rt.gateway.chain.transactions()
        if tx.operation in ("swap", "route")
        and tx.payer == rt.wallet
        and tx.fate is TxFate.LAND
        and tx.error is None
    ]


def assert_accounting_equals_the_ledger(rt, details, signature: str) -> None:
    """Base, quote and fee of the report against the chain ledger, to the raw unit."""
    wallet, usdc = rt.wallet, rt.gateway.chain.tokens.get("USDC").address
    sol_moved = sum(
        ledger_sum(rt, signatures=[signature], cause=cause, owner=wallet, asset=LAMPORTS_ASSET)
        for cause in (Cause.SWAP, Cause.POOL_FEE)
    )
    usdc_moved = sum(
        ledger_sum(rt, signatures=[signature], cause=cause, owner=wallet, asset=usdc)
        for cause in (Cause.SWAP, Cause.POOL_FEE)
    )
    fee = -ledger_sum(rt, signatures=[signature], cause=Cause.TX_FEE, owner=wallet)
    sign = 1 if details.side == "BUY" else -1
    assert sol_moved == sign * details.base_amount * LAMPORTS
    assert usdc_moved == -sign * details.quote_amount * USDC_UNITS
    assert fee == details.tx_fee_native * LAMPORTS
    assert fee > 0


async def test_the_best_pool_wins_and_the_swap_goes_through_it(tmp_path):
    # Arrange: Raydium's pool is moved up, so a SELL of SOL gets most there
    rt = await runtime(tmp_path)
    rt.gateway.chain.move_pool_to_price(RAYDIUM, D(184), 50_000 * 10**6)
    config = swap_config(swap_provider="meteora/clmm", swap_providers=ALL_PROVIDERS)
    # Act
    await rt.engine.create(config)
    await settle(rt)
    # Assert: every provider quoted, Raydium won, and the chain swapped in Raydium's pool
    info = rt.engine.info(config.id)
    details = info.details
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.COMPLETED)
    assert details.provider == "raydium/clmm"
    assert [q.provider for q in details.quotes][0] in ("raydium/clmm", "jupiter/router")
    assert {q.provider for q in details.quotes} == set(ALL_PROVIDERS)
    by_provider = {q.provider: q for q in details.quotes}
    assert by_provider["raydium/clmm"].quote_amount > by_provider["meteora/clmm"].quote_amount
    (tx,) = landed_swaps(rt)
    assert tx.details["pools"] == [RAYDIUM]
    assert details.route == RAYDIUM
    await rt.aclose()


async def test_a_buy_goes_to_the_cheapest_pool(tmp_path):
    rt = await runtime(tmp_path)
    rt.gateway.chain.move_pool_to_price(POOL, D(177), 50_000 * 10**6)
    config = swap_config(side="BUY", swap_provider="raydium/clmm", swap_providers=ALL_PROVIDERS)

    await rt.engine.create(config)
    await settle(rt)

    details = rt.engine.info(config.id).details
    assert details.provider == "meteora/clmm"
    by_provider = {q.provider: q for q in details.quotes}
    assert by_provider["meteora/clmm"].quote_amount < by_provider["raydium/clmm"].quote_amount
    (tx,) = landed_swaps(rt)
    assert tx.details["pools"] == [POOL]
    await rt.aclose()


@pytest.mark.parametrize("mode", ["clean", "upstream"])
@pytest.mark.parametrize("provider", ["jupiter/router", "meteora/clmm", "raydium/clmm"])
@pytest.mark.parametrize("side", ["SELL", "BUY"])
async def test_received_amounts_equal_the_paper_ledger(tmp_path, provider, side, mode):
    rt = await runtime(tmp_path, mode=mode)
    config = swap_config(side=side, swap_provider=provider, amount=D("1.5"))

    await rt.engine.create(config)
    await settle(rt)

    info = rt.engine.info(config.id)
    details = info.details
    assert info.close_type is CloseType.COMPLETED
    assert details.evidence == "response"
    assert_accounting_equals_the_ledger(rt, details, details.signature)
    assert details.base_amount == D("1.5")
    assert info.volume_quote == details.quote_amount
    assert info.fees_paid_quote == details.tx_fee_native * details.effective_price
    assert info.net_pnl_quote == 0
    await rt.aclose()


async def test_a_pair_without_sol_prices_its_fee_from_the_sol_quote(tmp_path):
    # Arrange
    rt = await runtime(tmp_path)
    config = swap_config(trading_pair="JUP-USDC", amount=D(500), swap_provider="meteora/clmm")
    # Act
    await rt.engine.create(config)
    await settle(rt)
    # Assert: JUP and USDC moved as reported, the fee was paid in SOL and priced near 180
    info = rt.engine.info(config.id)
    details = info.details
    assert info.close_type is CloseType.COMPLETED
    chain, wallet, signature = rt.gateway.chain, rt.wallet, details.signature
    jup, usdc = chain.tokens.get("JUP"), chain.tokens.get("USDC")
    for token, amount, sign in ((jup, details.base_amount, -1), (usdc, details.quote_amount, 1)):
        moved = sum(
            ledger_sum(rt, signatures=[signature], cause=cause, owner=wallet, asset=token.address)
            for cause in (Cause.SWAP, Cause.POOL_FEE)
        )
        assert moved == sign * amount * 10**token.decimals
    fee = -ledger_sum(rt, signatures=[signature], cause=Cause.TX_FEE, owner=wallet)
    assert fee == details.tx_fee_native * LAMPORTS
    sol_price = info.fees_paid_quote / details.tx_fee_native
    assert D(178) < sol_price < D(182)
    await rt.aclose()


@pytest.mark.parametrize(
    ("faults", "provider", "sends"),
    [
        ("swap:504#1", "meteora/clmm", 1),  # landed, 504 without signature: the wallet tells
        ("route:504#1", "jupiter/router", 1),
        ("swap:drop#1", "meteora/clmm", 2),  # never landed: sent again under the same intent
        ("route:drop#1", "jupiter/router", 2),  # status 0, pending forever, then sent again
        ("route:pending#1", "jupiter/router", 1),  # status 0, confirms while followed
        ("swap:fail#1", "meteora/clmm", 1),  # landed and failed: a clear failure, no swap
        ("swap:lost=fail#1", "meteora/clmm", 1),  # failed, answer lost: found, not sent again
        ("route:lost=fail#1", "jupiter/router", 1),
    ],
)
async def test_unknown_outcomes_end_with_exactly_one_swap_or_none(
    tmp_path, faults, provider, sends
):
    rt = await runtime(tmp_path, faults=faults)
    config = swap_config(swap_provider=provider)

    await rt.engine.create(config)
    await settle(rt)

    info = rt.engine.info(config.id)
    swaps = landed_swaps(rt)
    sent = [
        tx
        for tx in rt.gateway.chain.transactions()
        if tx.operation in ("swap", "route") and tx.payer == rt.wallet
    ]
    assert len(sent) == sends
    if "fail" in faults:
        assert (info.close_type, swaps) == (CloseType.FAILED, [])
        assert "failed on chain" in info.details.failure_reason
        (failed,) = sent
        assert info.details.tx_fee_native * 10**9 == failed.fee  # the chain's fee, to the lamport
    else:
        assert info.close_type is CloseType.COMPLETED
        (tx,) = swaps
        details = info.details
        assert_accounting_equals_the_ledger(rt, details, tx.signature)
        # a pending answer is never waited for: it is read from the poll of its signature
        expected = "balances" if "504" in faults else "poll" if "pending" in faults else "response"
        assert details.evidence == expected
    assert not rt.engine.has_work
    await rt.aclose()


async def test_a_swap_that_never_lands_fails_after_the_send_budget_with_no_swap(tmp_path):
    rt = await runtime(tmp_path, faults="swap:drop#1+")
    config = swap_config(swap_provider="meteora/clmm")

    await rt.engine.create(config)
    await settle(rt)

    info = rt.engine.info(config.id)
    assert info.close_type is CloseType.FAILED
    assert "not carried out after 3 sends" in info.details.failure_reason
    assert landed_swaps(rt) == []
    assert rt.gateway.chain.balance(rt.wallet, "SOL") == 100 * 10**9
    await rt.aclose()


async def test_a_restart_while_the_outcome_is_unknown_settles_it_from_the_wallet(tmp_path):
    # Arrange: the swap lands but answers 504, and the wallet cannot be read afterwards
    database = f"sqlite:///{tmp_path / 'swap.db'}"
    state = str(tmp_path / "paper.json")
    rt = await open_lp_runtime(
        database_url=database, faults="swap:504#1,balances:500#3+", paper_state_file=state
    )
    config = swap_config(swap_provider="meteora/clmm")
    await rt.engine.create(config)
    await rt.engine.drain()
    assert rt.engine.executor(config.id).state.swap_state is SwapState.EXECUTING
    clock = rt.clock
    await rt.aclose()
    # Act: a new process (fresh venue memory) resumes from the store with the wallet readable
    again = await open_lp_runtime(
        database_url=database, paper_state_file=state, clock=clock, faults=""
    )
    await settle(again)
    # Assert
    info = again.engine.info(config.id)
    assert info.close_type is CloseType.COMPLETED
    assert info.details.evidence == "balances"
    (tx,) = landed_swaps(again)
    assert_accounting_equals_the_ledger(again, info.details, tx.signature)
    await again.aclose()


class MarketMovesBeforeSend:
    """The real venue, with the outside market trading the pools down just before each send."""

    def __init__(self, venue, chain, pools: tuple[str, ...], price: Decimal) -> None:
        self._venue, self._chain, self._pools, self._price = venue, chain, pools, price

    async def quote_swaps(self, command):
        return await self._venue.quote_swaps(command)

    async def execute_swap(self, command, evidence):
        for pool in self._pools:
            self._chain.move_pool_to_price(pool, self._price, 0)
        return await self._venue.execute_swap(command, evidence)

    async def reconcile(self, command, evidence):
        return await self._venue.reconcile(command, evidence)


@pytest.mark.parametrize("provider", ["jupiter/router", "meteora/clmm"])
async def test_slippage_beyond_the_setting_fails_clearly_and_swaps_nothing(tmp_path, provider):
    # Arrange: between the choice and the send the pools fall 3 %, the setting allows 1 %
    rt = await runtime(tmp_path)
    chain = rt.gateway.chain
    venue = MarketMovesBeforeSend(rt.engine.venue(SWAP_VENUE), chain, (POOL, RAYDIUM), D("174.6"))
    engine = Engine(
        database=rt.database,
        clock=rt.clock,
        executor_types=[SwapExecutor],
        venues={SWAP_VENUE: venue},
    )
    await engine.start()
    config = swap_config(swap_provider=provider, slippage_pct=D("0.01"))
    # Act
    await engine.create(config)
    await engine.drain()
    # Assert
    info = engine.info(config.id)
    assert info.close_type is CloseType.FAILED
    assert info.details.failure_code == "slippage_exceeded"
    assert info.details.failure_reason.startswith(
        f"slippage exceeded through {provider}: the price moved beyond slippage_pct=0.01"
    )
    assert landed_swaps(rt) == []
    assert not engine.has_work
    await rt.aclose()


async def test_no_route_is_a_clear_failure_without_retries(tmp_path):
    rt = await runtime(tmp_path)
    config = swap_config(
        trading_pair="JUP-USDT", amount=D(10), swap_provider="meteora/clmm", max_attempts=3
    )

    await rt.engine.create(config)
    await settle(rt)

    info = rt.engine.info(config.id)
    assert info.close_type is CloseType.FAILED
    assert info.details.failure_code == "no_route"
    assert info.details.failure_reason.startswith("no route found for SELL 10 JUP-USDT after 1")
    assert landed_swaps(rt) == []
    await rt.aclose()


@pytest.mark.parametrize("faults", [None, "route:504#1,swap:504#1"])
async def test_the_lp_executor_swaps_back_through_the_best_provider(tmp_path, faults):
    # Arrange: an LP position whose swap-back goes to the best-quote venue (and answers 504)
    rt = await runtime(tmp_path, faults=faults)
    config = lp_config(swap_provider=SWAP_VENUE)
    await rt.engine.create(config)
    await settle(rt)
    for price in ("182", "183"):
        await step(rt, price)
    # Act: stop and swap the inventory difference back
    await rt.engine.stop(config.id, keep_position=False)
    await settle(rt)
    # Assert
    state = rt.engine.executor(config.id).state
    assert state.lp_state is LPState.COMPLETE
    assert state.swap_side in ("BUY", "SELL")
    (tx,) = landed_swaps(rt)
    wallet = rt.wallet
    sol_moved = sum(
        ledger_sum(rt, signatures=[tx.signature], cause=cause, owner=wallet, asset=LAMPORTS_ASSET)
        for cause in (Cause.SWAP, Cause.POOL_FEE)
    )
    assert abs(sol_moved) == state.swap_base * LAMPORTS
    await rt.aclose()
