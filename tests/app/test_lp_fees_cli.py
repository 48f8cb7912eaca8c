"""``lpexec lp collect-fees`` in process on the paper Gateway, checked against the paper chain's
own claim transaction."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

from fixtures.chain_checks import landed, token_received
from fixtures.cli import flat, invoke
from lpexec.app.runtime import open_lp_runtime
from lpexec.core.clock import LiveClock
from lpexec.paper.gateway.defaults import USDC_MINT
from lpexec.paper.gateway.demo import demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
IN_RANGE = ("--lower", "176", "--upper", "184", "--base", "1", "--quote", "180")


async def _on_chain(state: Path, *, trade: bool) -> list:
    """Trade through the pool (``trade``) on the paper chain of ``state``; return the wallet's
    landed claim transactions."""
    runtime = await open_lp_runtime(
        database_url=f"sqlite:///{state.parent / 'other.db'}",
        paper_state_file=str(state),
        clock=LiveClock(),  # the CLI's clock: the chain's time goes on from its runs
    )
    try:
        for side in ("SELL", "BUY", "SELL", "BUY") if trade else ():
            await runtime.client.meteora.execute_swap(
                base_token="SOL",
                quote_token="USDC",
                amount=Decimal(2),
                side=side,
                wallet_address=runtime.wallet,
            )
        assert runtime.gateway is not None
        return landed(runtime.gateway.chain, runtime.wallet, "collect")
    finally:
        await runtime.aclose()


def on_chain(tmp_path: Path, *, trade: bool = False) -> list:
    return asyncio.run(_on_chain(tmp_path / "paper.json", trade=trade))


def usdc_received(tx, wallet: str) -> Decimal:
    return token_received(tx, wallet, USDC_MINT)


def open_lp(paper_cli) -> dict:
    opened = paper_cli("lp", "open", "--pool", POOL, "--pair", "SOL-USDC", *IN_RANGE, "--json")
    assert opened.exit_code == 0, opened.stderr
    return json.loads(opened.stdout)


def test_collect_fees_claims_what_the_position_owes_once(paper_cli, tmp_path):
    info = open_lp(paper_cli)
    executor_id = info["executor_id"]
    on_chain(tmp_path, trade=True)
    (owed,) = json.loads(paper_cli("lp", "positions", "--json").stdout)["positions"]
    assert Decimal(owed["quote_fee"]) > 0

    result = paper_cli("lp", "collect-fees", executor_id, "--json")

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    collected = data["collected"]
    assert collected["pending"] is False
    assert Decimal(collected["base_fee"]) == Decimal(owed["base_fee"])
    assert Decimal(collected["quote_fee"]) == Decimal(owed["quote_fee"])
    (claim,) = on_chain(tmp_path)
    wallet = data["venue"]["wallet"]
    assert Decimal(collected["quote_fee"]) == usdc_received(claim, wallet)  # the chain's transfer
    assert Decimal(collected["tx_fee"]) == Decimal(claim.fee) / 10**9
    assert Decimal(data["details"]["quote_fee"]) == Decimal(owed["quote_fee"])  # fees earned
    assert data["venue"]["gateway"] == "paper"
    (after,) = json.loads(paper_cli("lp", "positions", "--json").stdout)["positions"]
    assert Decimal(after["quote_fee"]) == 0
    # Nothing owed now: refused before anything is sent.
    again = paper_cli("lp", "collect-fees", executor_id)
    assert again.exit_code == 2
    assert "owes no fees: nothing to collect" in flat(again.stderr)
    assert len(again.stderr.strip().splitlines()) == 1
    assert len(on_chain(tmp_path)) == 1
    table = paper_cli("lp", "status", executor_id)
    assert table.exit_code == 0 and executor_id in table.stdout


def test_collect_fees_refuses_what_is_not_an_open_lp_position(paper_cli):
    info = open_lp(paper_cli)
    executor_id = info["executor_id"]
    unknown = paper_cli("lp", "collect-fees", "nope")
    assert unknown.exit_code == 2
    assert "executor id: expected the id of an LP executor in the store, received 'nope'" in flat(
        unknown.stderr
    )
    closed = paper_cli("lp", "close", executor_id, "--keep-position", "--json")
    assert closed.exit_code == 0, closed.stderr
    refused = paper_cli("lp", "collect-fees", executor_id)
    assert refused.exit_code == 2
    assert "expected an LP executor still open" in flat(refused.stderr)
    assert "Traceback" not in refused.stderr


def test_adopt_and_collect_fees_ask_first_on_a_real_gateway(tmp_path):
    # Refused before anything is contacted or written: no Gateway listens on this port.
    env = {"LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'real.db'}", "LPEXEC_GATEWAY_URL": None}
    real = ("--gateway", "http://127.0.0.1:9", "--wallet", "W1111111111111111111111111111111")
    adopt = invoke("lp", "adopt", "P1", *real, env=env)
    collect = invoke("lp", "collect-fees", "x", *real, env=env)
    assert adopt.exit_code == collect.exit_code == 2
    assert "--yes: expected --yes to adopt position P1 on the real Gateway http://127.0.0.1:9" in (
        flat(adopt.stderr)
    )
    assert "--yes: expected --yes to collect the fees of x on the real Gateway" in flat(
        collect.stderr
    )
    assert not (tmp_path / "real.db").exists()


def test_errors_with_json_are_one_object_on_stdout(paper_cli):
    refused = paper_cli("lp", "adopt", "nope", "--json")
    assert refused.exit_code == 2
    error = json.loads(refused.stdout)["error"]
    assert (error["field"], error["value"]) == ("position address", "nope")
    collect = paper_cli("lp", "collect-fees", "nope", "--json")
    assert collect.exit_code == 2
    assert json.loads(collect.stdout)["error"]["field"] == "executor id"
