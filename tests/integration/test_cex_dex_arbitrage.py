"""Arbitrage and XEMM across the paper exchange and the paper Gateway (Jupiter on the paper
chain), in one engine (:mod:`lpexec.app.mixed_runtime`): both legs' fees (exchange fee, swap
price, Solana transaction fee) in the P&L, checked against each venue's own ledger; a DEX leg
that fails on chain unwound on the exchange; and runs resumed from the store mid-way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from lp_paper_helpers import ledger_sum

from lpexec.app.mixed_runtime import MixedRuntime, new_paper_exchange, open_mixed_runtime
from lpexec.cex.arbitrage import ArbitrageExecutorConfig
from lpexec.cex.xemm import XEMMExecutorConfig
from lpexec.core import CloseType, ExecutorStatus, SimulatedClock
from lpexec.paper.chain.ledger import LAMPORTS as LAMPORTS_ASSET
from lpexec.paper.chain.ledger import Cause
from lpexec.paper.chain.transactions import TxFate
from lpexec.paper.gateway import build_paper_gateway
from lpexec.paper.gateway.demo import demo_pool_address

D = Decimal
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CEX = {"connector_name": "paper", "trading_pair": "SOL-USDC"}
DEX = {"connector_name": "jupiter/router", "trading_pair": "SOL-USDC"}
LAMPORTS = D(1_000_000_000)
USDC_UNITS = D(1_000_000)


async def open_runtime(
    database_url: str, *, exchange_mid: str, faults: str | None = None, clock=None, **kwargs
) -> MixedRuntime:
    clock = clock or SimulatedClock(T0)
    exchange = kwargs.pop("exchange", None) or new_paper_exchange(clock, mid=D(exchange_mid))
    return await open_mixed_runtime(
        database_url=database_url, clock=clock, exchange=exchange, faults=faults, **kwargs
    )


def arbitrage(buying: dict, selling: dict, **fields) -> ArbitrageExecutorConfig:
    values = {
        "id": "arb-1",
        "buying_market": buying,
        "selling_market": selling,
        "order_amount": D(1),
        "min_profitability": D("0.001"),
    }
    values.update(fields)
    return ArbitrageExecutorConfig(**values)


def wallet_swaps(rt: MixedRuntime, *, fate: TxFate = TxFate.LAND) -> list:
    """The wallet's swap transactions on the paper chain with that fate (LAND: landed and
    succeeded; FAIL: landed and failed, its fee charged)."""
    return [
        tx
        for tx in rt.gateway.chain.transactions()
        if tx.operation in ("swap", "route")
        and tx.payer == rt.wallet
        and tx.fate is fate
        and (fate is not TxFate.LAND or tx.error is None)
    ]


def chain_moves(rt: MixedRuntime, signature: str) -> tuple[D, D, D]:
    """SOL and USDC the wallet's swap moved (signed, human units) and its network fee in SOL."""
    wallet, usdc = rt.wallet, rt.gateway.chain.tokens.get("USDC").address
    sol = sum(
        ledger_sum(rt, signatures=[signature], cause=cause, owner=wallet, asset=LAMPORTS_ASSET)
        for cause in (Cause.SWAP, Cause.POOL_FEE)
    )
    usdc_moved = sum(
        ledger_sum(rt, signatures=[signature], cause=cause, owner=wallet, asset=usdc)
        for cause in (Cause.SWAP, Cause.POOL_FEE)
    )
    fee = -ledger_sum(rt, signatures=[signature], cause=Cause.TX_FEE, owner=wallet)
    return D(sol) / LAMPORTS, D(usdc_moved) / USDC_UNITS, D(fee) / LAMPORTS


def exchange_fills(rt: MixedRuntime) -> list:
    return rt.exchange.fills_since(0)


@pytest.mark.parametrize(
    ("exchange_mid", "buying", "selling"),
    [("176", CEX, DEX), ("184", DEX, CEX)],
    ids=["buy-on-the-exchange-sell-on-jupiter", "buy-on-jupiter-sell-on-the-exchange"],
)
async def test_cex_dex_arbitrage_books_both_legs_fees_as_the_venues_ledgers_do(
    tmp_path, exchange_mid, buying, selling
):
    # Arrange: the exchange's SOL is 4 USDC off the DEX's 180
    rt = await open_runtime(f"sqlite:///{tmp_path / 'mixed.db'}", exchange_mid=exchange_mid)
    usdc_before = rt.exchange.balances()["USDC"].total
    config = arbitrage(buying, selling)
    # Act
    info = await rt.create(config)
    # Assert: completed, one order on the exchange and one swap on the chain
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.COMPLETED)
    details = info.details
    assert details.executed_profitability > D("0.001")
    (fill,) = exchange_fills(rt)
    (swap,) = wallet_swaps(rt)
    sol, usdc, tx_fee = chain_moves(rt, swap.signature)
    exchange_side = "BUY" if buying is CEX else "SELL"
    assert (fill.side.value, fill.amount) == (exchange_side, D(1))
    # The exchange leg is its ledger's fill: price and fee; its USDC moved by exactly that
    exchange_quote = fill.amount * fill.price
    usdc_after = rt.exchange.balances()["USDC"].total
    if exchange_side == "BUY":
        assert details.bought_quote == exchange_quote
        assert usdc_before - usdc_after == exchange_quote + fill.fee
        assert sol == D(-1) and usdc > 0  # the wallet sold 1 SOL on chain
        swap_quote = usdc
        pnl = swap_quote - exchange_quote
    else:
        assert usdc_after - usdc_before == exchange_quote - fill.fee
        assert details.sold_quote == exchange_quote
        assert sol == D(1) and usdc < 0  # the wallet bought 1 SOL on chain
        swap_quote = -usdc
        pnl = exchange_quote - swap_quote
    assert tx_fee > 0
    # Every fee in the P&L: the exchange's fee and the Solana fee valued at the swap's price
    network_fee_quote = tx_fee * swap_quote
    assert info.fees_paid_quote == fill.fee + network_fee_quote
    assert info.net_pnl_quote == pnl - fill.fee - network_fee_quote
    assert info.net_pnl_quote > 0
    assert info.volume_quote == exchange_quote + swap_quote
    assert details.net_base == 0
    await rt.aclose()


async def test_no_trade_while_the_spread_does_not_pay(tmp_path):
    # The exchange at the DEX's price: fees make it a loss, nothing is sent
    rt = await open_runtime(f"sqlite:///{tmp_path / 'mixed.db'}", exchange_mid="180")
    await rt.create(arbitrage(CEX, DEX))
    await rt.step()
    info = rt.engine.info("arb-1")
    assert info.status is ExecutorStatus.ACTIVE
    assert info.details.last_profitability < 0
    assert exchange_fills(rt) == [] and wallet_swaps(rt) == []
    await rt.aclose()


async def test_a_dex_leg_failing_on_chain_is_unwound_on_the_exchange_with_its_fees_counted(
    tmp_path,
):
    # Arrange: every Jupiter swap lands and fails on chain (its fee is charged)
    rt = await open_runtime(
        f"sqlite:///{tmp_path / 'mixed.db'}", exchange_mid="176", faults="route:fail"
    )
    # Act
    info = await rt.create(arbitrage(CEX, DEX, max_retries=1))
    # Assert: the swap failed twice (fees paid), the SOL bought was sold back on the exchange
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.FAILED)
    failed = wallet_swaps(rt, fate=TxFate.FAIL)
    assert len(failed) == 2 and wallet_swaps(rt) == []
    buy, unwind = exchange_fills(rt)
    assert (buy.side.value, unwind.side.value, unwind.amount) == ("BUY", "SELL", D(1))
    details = info.details
    assert details.net_base == 0 and details.unwound_base == 1
    assert "the sell leg could not be completed after 2 failure(s)" in details.failure_reason
    assert details.failure_reason.endswith("unwound")
    sol_fees = sum((chain_moves(rt, tx.signature)[2] for tx in failed), D(0))
    assert sol_fees > 0
    # The loss is the round trip on the exchange, its two fees and the failed swaps' fees
    # (valued at the DEX quote's SOL price, as the executor last saw it)
    round_trip = unwind.amount * unwind.price - buy.amount * buy.price - buy.fee - unwind.fee
    native_price = rt.engine.executor("arb-1").state.quotes["jupiter/router|SOL-USDC"].native_price
    assert info.net_pnl_quote == round_trip - sol_fees * native_price
    await rt.aclose()


async def test_arbitrage_resumes_from_the_store_and_sends_each_leg_once(database_url):
    # Arrange: the legs are decided and their intents stored, then the process stops before
    # sending them
    clock = SimulatedClock(T0)
    exchange = new_paper_exchange(clock, mid=D(176))
    gateway = build_paper_gateway(seed=1, clock=clock)
    rt = await open_runtime(
        database_url, exchange_mid="176", clock=clock, exchange=exchange, gateway=gateway
    )
    await rt.engine.create(arbitrage(CEX, DEX))
    await rt.quote()  # the legs are decided (intents written), not sent
    assert rt.engine.info("arb-1").details.state == "EXECUTING"
    await rt.aclose()
    # Act: a new process on the same store and venues
    rt = await open_runtime(
        database_url, exchange_mid="176", clock=clock, exchange=exchange, gateway=gateway
    )
    await rt.settle()
    # Assert: completed, each leg sent exactly once
    info = rt.engine.info("arb-1")
    assert info.close_type is CloseType.COMPLETED
    assert len(exchange_fills(rt)) == 1 and len(wallet_swaps(rt)) == 1
    await rt.aclose()


async def test_xemm_resumes_with_its_resting_maker_order_and_hedges_on_jupiter(database_url):
    # Arrange: a maker BUY rests on the exchange, hedged by a SELL on Jupiter
    clock = SimulatedClock(T0)
    exchange = new_paper_exchange(clock, mid=D(180))
    gateway = build_paper_gateway(seed=2, clock=clock)
    config = XEMMExecutorConfig(
        id="xemm-1",
        buying_market=CEX,
        selling_market=DEX,
        maker_side="BUY",
        order_amount=D(1),
        min_profitability=D("0.001"),
        target_profitability=D("0.003"),
        max_profitability=D("0.02"),
    )
    rt = await open_runtime(
        database_url, exchange_mid="180", clock=clock, exchange=exchange, gateway=gateway
    )
    info = await rt.create(config)
    maker_price = info.details.maker_price
    assert info.details.state == "QUOTING" and maker_price < 180
    (resting,) = exchange.open_orders()
    await rt.aclose()
    # Act: while no process runs, the exchange trades down through the maker price
    clock.advance(60)
    exchange.step("SOL-USDC", bid=D("178.00"), ask=D("178.10"), last=D("178.05"), now=clock.now())
    rt = await open_runtime(
        database_url, exchange_mid="180", clock=clock, exchange=exchange, gateway=gateway
    )
    await rt.step()
    # Assert: the fill made while down is hedged on Jupiter, once; maker side P&L is right
    info = rt.engine.info("xemm-1")
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.COMPLETED)
    (fill,) = exchange_fills(rt)
    assert fill.client_order_id == resting.client_order_id and fill.liquidity.value == "MAKER"
    (swap,) = wallet_swaps(rt)
    sol, usdc, tx_fee = chain_moves(rt, swap.signature)
    assert sol == -1
    network_fee_quote = tx_fee * usdc
    assert info.net_pnl_quote == usdc - fill.amount * fill.price - fill.fee - network_fee_quote
    assert info.net_pnl_quote > 0
    await rt.aclose()


async def test_an_exchange_leg_refused_is_unwound_by_buying_back_through_jupiter(tmp_path):
    # Arrange: the exchange refuses every order; the Jupiter leg lands
    rt = await open_runtime(
        f"sqlite:///{tmp_path / 'mixed.db'}", exchange_mid="176", exchange_faults="place:reject"
    )
    # Act
    info = await rt.create(arbitrage(CEX, DEX, max_retries=1))
    # Assert: the SOL sold on chain was bought back on chain; nothing traded on the exchange
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.FAILED)
    assert exchange_fills(rt) == []
    sold, bought_back = wallet_swaps(rt)
    sol_out, usdc_in, fee_out = chain_moves(rt, sold.signature)
    sol_in, usdc_out, fee_in = chain_moves(rt, bought_back.signature)
    assert (sol_out, sol_in) == (D(-1), D(1))
    details = info.details
    assert details.net_base == 0 and details.unwound_base == 1
    assert "the buy leg could not be completed after 2 failure(s)" in details.failure_reason
    # The P&L is the round trip on chain and its two Solana fees, each at its swap's price
    network_fees = fee_out * usdc_in + fee_in * -usdc_out
    assert info.net_pnl_quote == usdc_in + usdc_out - network_fees
    assert info.fees_paid_quote == network_fees
    await rt.aclose()


async def test_an_exchange_leg_whose_answer_is_lost_is_reconciled_never_sent_twice(tmp_path):
    # The exchange carries the first order out and its answer is lost (504)
    rt = await open_runtime(
        f"sqlite:///{tmp_path / 'mixed.db'}", exchange_mid="176", exchange_faults="place:504#1"
    )
    info = await rt.create(arbitrage(CEX, DEX))
    assert info.close_type is CloseType.COMPLETED
    assert len(rt.exchange.all_orders()) == 1 and len(exchange_fills(rt)) == 1
    assert len(wallet_swaps(rt)) == 1
    await rt.aclose()


def xemm(**fields) -> XEMMExecutorConfig:
    values = {
        "id": "xemm-1",
        "buying_market": CEX,
        "selling_market": DEX,
        "maker_side": "BUY",
        "order_amount": D(1),
        "min_profitability": D("0.001"),
        "target_profitability": D("0.003"),
        "max_profitability": D("0.005"),
    }
    values.update(fields)
    return XEMMExecutorConfig(**values)


def move_dex(rt: MixedRuntime, price: str) -> None:
    """Move both paper SOL-USDC pools Jupiter routes through to ``price``."""
    for connector in ("meteora", "raydium"):
        pool = demo_pool_address(connector, "SOL", "USDC", 10)
        rt.gateway.chain.move_pool_to_price(pool, D(price), 0)


async def test_xemm_follows_the_dex_price_with_its_maker_order(tmp_path):
    rt = await open_runtime(f"sqlite:///{tmp_path / 'mixed.db'}", exchange_mid="180")
    info = await rt.create(xemm())
    (first,) = rt.exchange.open_orders()
    # Act: the DEX price rises 0.3 %: the resting buy would earn more than max_profitability
    move_dex(rt, "180.5")
    await rt.step()
    # Assert: replaced by one buy at the new target, never two resting
    (second,) = rt.exchange.open_orders()
    assert second.client_order_id != first.client_order_id
    assert second.price > first.price
    details = rt.engine.info("xemm-1").details
    assert (details.refreshes, details.maker_orders, details.state) == (1, 2, "QUOTING")
    assert info.details.maker_price is not None
    await rt.aclose()


async def test_xemm_hedge_failing_on_chain_is_unwound_on_the_exchange(tmp_path):
    # Arrange: the maker buy rests; every Jupiter swap fails on chain
    rt = await open_runtime(
        f"sqlite:///{tmp_path / 'mixed.db'}", exchange_mid="180", faults="route:fail"
    )
    await rt.create(xemm(max_retries=1))
    (resting,) = rt.exchange.open_orders()
    # Act: the exchange trades down through the maker price
    rt.clock.advance(60)
    rt.exchange.step(
        "SOL-USDC", bid=D("178.00"), ask=D("178.10"), last=D("178.05"), now=rt.clock.now()
    )
    await rt.step()
    # Assert: two hedges failed on chain (fees paid), the maker fill sold back on the exchange
    info = rt.engine.info("xemm-1")
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.FAILED)
    assert len(wallet_swaps(rt, fate=TxFate.FAIL)) == 2
    maker, unwind = exchange_fills(rt)
    assert maker.client_order_id == resting.client_order_id
    assert (unwind.side.value, unwind.amount, unwind.liquidity.value) == ("SELL", D(1), "TAKER")
    details = info.details
    assert details.net_base == 0 and details.unwound_base == 1
    assert "the hedge could not be completed after 2 failure(s)" in details.failure_reason
    assert info.net_pnl_quote < unwind.price - maker.price  # fees and failed swaps cost
    await rt.aclose()


async def test_stopping_xemm_cancels_its_resting_maker_order_on_the_exchange(tmp_path):
    rt = await open_runtime(f"sqlite:///{tmp_path / 'mixed.db'}", exchange_mid="180")
    await rt.create(xemm())
    assert len(rt.exchange.open_orders()) == 1
    await rt.engine.stop("xemm-1")
    await rt.settle()
    info = rt.engine.info("xemm-1")
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.EARLY_STOP)
    assert rt.exchange.open_orders() == [] and exchange_fills(rt) == []
    assert info.net_pnl_quote == 0 and wallet_swaps(rt) == []
    await rt.aclose()


async def test_a_swap_leg_whose_answer_is_lost_is_found_on_chain_never_sent_twice(tmp_path):
    # The first Jupiter swap lands but Gateway answers 504 without a signature
    rt = await open_runtime(
        f"sqlite:///{tmp_path / 'mixed.db'}", exchange_mid="176", faults="route:504#1"
    )
    info = await rt.create(arbitrage(CEX, DEX))
    assert info.details.state == "EXECUTING"  # the swap's outcome is being reconciled
    for _ in range(5):
        if rt.engine.info("arb-1").close_type is not None:
            break
        await rt.step(seconds=2)
    info = rt.engine.info("arb-1")
    assert info.close_type is CloseType.COMPLETED
    (swap,) = wallet_swaps(rt)
    sol, usdc, tx_fee = chain_moves(rt, swap.signature)
    assert info.details.sold_quote == usdc and sol == -1
    assert len(exchange_fills(rt)) == 1
    await rt.aclose()
