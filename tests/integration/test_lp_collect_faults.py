"""``lp collect-fees`` when the claim's answer goes wrong, in process on the paper Gateway.

The claim of a managed open position is faulted once (its answer lost behind a 500, a 504
without a signature, a pending answer, or the transaction dropped); the outcome must be
reconciled from the chain: exactly one claim landed on the paper chain (a dropped one is sent
again, once it is known not to have landed) and the executor's fees claimed and tx fee are that
claim's own transfer and fee, to the last unit.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixtures.chain_checks import landed, token_received
from lpexec.app.cli.lp_fees import collect_fees
from lpexec.app.runtime import LPRuntime, open_lp_runtime
from lpexec.lp import LPExecutorConfig
from lpexec.lp.messages import CollectFees
from lpexec.paper.gateway.defaults import USDC_MINT
from lpexec.paper.gateway.demo import demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)


async def open_with_fees(runtime: LPRuntime) -> str:
    """Open 1 SOL + 180 USDC on 176..184, then trade through the pool so that it earns fees."""
    config = LPExecutorConfig(
        pool_address=POOL,
        trading_pair="SOL-USDC",
        lower_price=Decimal(176),
        upper_price=Decimal(184),
        base_amount=Decimal(1),
        quote_amount=Decimal(180),
    )
    await runtime.engine.create(config)
    await runtime.settle()
    for side in ("SELL", "BUY", "SELL", "BUY"):
        await runtime.client.meteora.execute_swap(
            base_token="SOL",
            quote_token="USDC",
            amount=Decimal(2),
            side=side,
            wallet_address=runtime.wallet,
        )
    return config.id


@pytest.mark.parametrize("effect", ["lost", "504", "pending", "drop", "none"])
async def test_a_claim_whose_answer_is_lost_is_reconciled_not_sent_twice(tmp_path, effect):
    faults = None if effect == "none" else f"collect:{effect}#1"
    runtime = await open_lp_runtime(
        database_url=f"sqlite:///{tmp_path / 'store.db'}", faults=faults
    )
    async with runtime:
        executor_id = await open_with_fees(runtime)
        owed = await runtime.liquidity.positions_owned(POOL)
        assert owed[0].quote_fee_amount > 0

        _, collected = await collect_fees(runtime, executor_id)
        for _ in range(10):  # an outcome left unknown: the next sessions' drains reconcile it
            if not collected["pending"]:
                break
            await runtime.settle()
            pending = runtime.engine.executor(executor_id).state.collect_command_id
            collected = {"pending": bool(pending)}

        (claim,) = landed(
            runtime.gateway.chain, runtime.wallet, "collect"
        )  # exactly one claim landed
        (opened,) = landed(runtime.gateway.chain, runtime.wallet, "open")
        state = runtime.engine.executor(executor_id).state
        assert state.collect_command_id == ""
        assert state.quote_fee_claimed == token_received(claim, runtime.wallet, USDC_MINT)
        assert state.quote_fee_claimed == owed[0].quote_fee_amount
        assert state.base_fee_claimed == owed[0].base_fee_amount
        assert state.tx_fee == Decimal(opened.fee + claim.fee) / 10**9  # the chain's fees
        (intent,) = [
            intent
            for intent in runtime.engine.store.intents_for(executor_id)
            if isinstance(intent.command, CollectFees)
        ]
        # Sent once; a dropped claim once more, after it was proven not to have landed.
        assert (intent.status, intent.attempts) == ("DONE", 2 if effect == "drop" else 1)
        assert ("unknown_since" in intent.evidence) == (effect not in ("none", "drop"))
        after = (await runtime.liquidity.positions_owned(POOL))[0]
        assert after.quote_fee_amount < owed[0].quote_fee_amount


async def test_a_claim_that_failed_on_chain_with_its_answer_lost_counts_its_fee(tmp_path):
    runtime = await open_lp_runtime(
        database_url=f"sqlite:///{tmp_path / 'store.db'}", faults="collect:lost=fail#1"
    )
    async with runtime:
        executor_id = await open_with_fees(runtime)
        owed = await runtime.liquidity.positions_owned(POOL)
        await collect_fees(runtime, executor_id)
        for _ in range(5):
            await runtime.settle()
        chain, wallet = runtime.gateway.chain, runtime.wallet
        (opened,) = landed(chain, wallet, "open")
        (failed,) = [tx for tx in chain.transactions_for_address(wallet) if tx.error is not None]
        state = runtime.engine.executor(executor_id).state
        (intent,) = [
            intent
            for intent in runtime.engine.store.intents_for(executor_id)
            if isinstance(intent.command, CollectFees)
        ]
        assert failed.operation == "collect"
        assert intent.evidence["signature"] == failed.signature  # found, not sent again
        assert state.tx_fee == Decimal(opened.fee + failed.fee) / 10**9
        assert (state.base_fee_claimed, state.quote_fee_claimed) == (0, 0)
        after = (await runtime.liquidity.positions_owned(POOL))[0]
        assert after.quote_fee_amount == owed[0].quote_fee_amount
