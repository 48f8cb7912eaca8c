"""``lpexec lp add`` / ``lp remove`` in process on the paper Gateway, checked against the paper
chain's own transactions; and a change whose answer comes back pending is reconciled from its
signature, not sent again."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

from fixtures.chain_checks import landed as chain_landed
from fixtures.chain_checks import token_received
from fixtures.cli import flat
from lpexec.app.cli.lp_changes import change_liquidity
from lpexec.app.runtime import open_lp_runtime
from lpexec.core.clock import LiveClock
from lpexec.lp import LPExecutorConfig
from lpexec.lp.liquidity_changes import AddLiquidityRequested
from lpexec.lp.messages import AddLiquidity
from lpexec.paper.gateway.defaults import USDC_MINT
from lpexec.paper.gateway.demo import demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
IN_RANGE = ("--lower", "176", "--upper", "184", "--base", "1", "--quote", "180")


def usdc_received(tx, wallet: str) -> Decimal:
    return token_received(tx, wallet, USDC_MINT)


async def _landed(state: Path) -> list:
    runtime = await open_lp_runtime(
        database_url=f"sqlite:///{state.parent / 'other.db'}",
        paper_state_file=str(state),
        clock=LiveClock(),
    )
    try:
        assert runtime.gateway is not None
        chain = runtime.gateway.chain
        return [
            tx for tx in chain.transactions_for_address(runtime.wallet) if tx.fate.value == "land"
        ][::-1]
    finally:
        await runtime.aclose()


def landed(tmp_path: Path) -> list:
    """The wallet's landed transactions, oldest first."""
    return asyncio.run(_landed(tmp_path / "paper.json"))


def test_add_then_remove_half_match_the_chain(paper_cli, tmp_path):
    opened = paper_cli("lp", "open", "--pool", POOL, "--pair", "SOL-USDC", *IN_RANGE, "--json")
    assert opened.exit_code == 0, opened.stderr
    info = json.loads(opened.stdout)
    executor_id, wallet = info["executor_id"], info["venue"]["wallet"]

    added = paper_cli("lp", "add", executor_id, "--base", "0.5", "--quote", "90", "--json")

    assert added.exit_code == 0, added.stderr
    after_add = json.loads(added.stdout)["details"]
    add_tx = landed(tmp_path)[-1]
    assert add_tx.operation == "add"
    grown = Decimal(after_add["initial_quote"]) - Decimal(info["details"]["initial_quote"])
    assert grown == -usdc_received(add_tx, wallet)  # what the chain took from the wallet
    assert after_add["state"] == "IN_RANGE" and after_add["failure_reason"] == ""

    removed = paper_cli("lp", "remove", executor_id, "--fraction", "0.5", "--json")

    assert removed.exit_code == 0, removed.stderr
    after_remove = json.loads(removed.stdout)["details"]
    remove_tx = landed(tmp_path)[-1]
    assert remove_tx.operation == "remove"
    taken = Decimal(after_add["quote_amount"]) - Decimal(after_remove["quote_amount"])
    assert taken == usdc_received(remove_tx, wallet)
    assert after_remove["initial_quote"] == after_add["initial_quote"]  # the deposit stays
    fees = sum(Decimal(tx.fee) for tx in landed(tmp_path)) / 10**9
    assert Decimal(after_remove["tx_fee_native"]) == fees  # open, add and remove
    closed = paper_cli("lp", "close", executor_id, "--keep-position", "--json")
    assert closed.exit_code == 0, closed.stderr
    assert json.loads(closed.stdout)["status"] == "TERMINATED"


def test_bad_changes_are_one_line_errors(paper_cli):
    opened = paper_cli("lp", "open", "--pool", POOL, "--pair", "SOL-USDC", *IN_RANGE, "--json")
    executor_id = json.loads(opened.stdout)["executor_id"]
    cases = {
        ("remove", executor_id, "--fraction", "0"): (
            "--fraction: expected a ratio in (0, 1], e.g. 0.5, received '0'"
        ),
        ("remove", executor_id, "--fraction", "x"): "--fraction: expected a ratio in (0, 1]",
        ("add", executor_id): "--base/--quote: expected --base or --quote > 0, received '0'",
        ("add", executor_id, "--base", "-1"): "--base: expected an amount >= 0, received '-1'",
        ("add", "nope", "--base", "1"): "executor id: expected the id of an LP executor",
    }
    for args, message in cases.items():
        refused = paper_cli("lp", *args)
        assert refused.exit_code == 2, args
        assert message in flat(refused.stderr), (args, refused.stderr)
        assert len(refused.stderr.strip().splitlines()) == 1


async def test_a_pending_add_is_reconciled_from_its_signature_not_sent_twice(tmp_path):
    runtime = await open_lp_runtime(
        database_url=f"sqlite:///{tmp_path / 'store.db'}", faults="add:pending#1"
    )
    async with runtime:
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
        deposited = runtime.engine.executor(config.id).state.initial_quote

        def request(now):
            return AddLiquidityRequested(
                ts_event=now, base_amount=Decimal("0.5"), quote_amount=Decimal(90)
            )

        await change_liquidity(runtime, config.id, request)

        assert runtime.gateway is not None
        adds = chain_landed(runtime.gateway.chain, runtime.wallet, "add")
        assert len(adds) == 1
        state = runtime.engine.executor(config.id).state
        assert state.change_command_id == ""
        assert state.initial_quote - deposited == -usdc_received(adds[0], runtime.wallet)
        (intent,) = [
            intent
            for intent in runtime.engine.store.intents_for(config.id)
            if isinstance(intent.command, AddLiquidity)
        ]
        assert (intent.status, intent.attempts) == ("DONE", 1)
        assert "unknown_since" in intent.evidence  # it went through the reconciliation
