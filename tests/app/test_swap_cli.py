"""``lpexec swap`` in process on the paper Gateway (state on disk) and on one served over HTTP."""

from __future__ import annotations

import json
from decimal import Decimal

from fixtures.cli import flat, invoke
from fixtures.paper_runtime import serve_in_thread
from lpexec.paper.chain.ledger import Cause
from lpexec.paper.gateway import build_paper_gateway


def test_quote_lists_every_provider_best_first_then_execute_goes_through_the_best(paper_cli):
    # Act
    quoted = paper_cli(
        "swap", "quote", "--pair", "SOL-USDC", "--side", "SELL", "--amount", "2", "--json"
    )
    executed = paper_cli(
        "swap", "execute", "--pair", "SOL-USDC", "--side", "SELL", "--amount", "2", "--json"
    )
    # Assert: the quote table
    assert quoted.exit_code == 0, quoted.stderr
    table = json.loads(quoted.stdout)
    rows = table["quotes"]
    assert {row["provider"] for row in rows} == {"jupiter/router", "meteora/clmm", "raydium/clmm"}
    received = [Decimal(row["quote_amount"]) for row in rows]
    assert received == sorted(received, reverse=True)
    assert [row["best"] for row in rows] == [True, False, False]
    assert table["best_provider"] == rows[0]["provider"]
    assert Decimal(table["limit"]) == received[0] * Decimal("0.99")
    # Assert: the executed swap
    assert executed.exit_code == 0, executed.stderr
    info = json.loads(executed.stdout)
    details = info["details"]
    assert (info["type"], info["status"], info["close_type"]) == ("swap", "TERMINATED", "COMPLETED")
    assert details["provider"] == table["best_provider"]
    assert Decimal(details["base_amount"]) == 2
    assert Decimal(details["quote_amount"]) >= Decimal(details["limit"])
    assert len(details["quotes"]) == 3
    assert details["signature"]
    status = paper_cli("swap", "status", info["executor_id"], "--json")
    assert json.loads(status.stdout)["details"]["signature"] == details["signature"]


def test_bad_input_is_a_one_line_error_and_a_failed_swap_exits_1(paper_cli):
    bad_side = paper_cli("swap", "quote", "--pair", "SOL-USDC", "--side", "HOLD", "--amount", "1")
    bad_provider = paper_cli(
        "swap",
        "execute",
        "--pair",
        "SOL-USDC",
        "--side",
        "SELL",
        "--amount",
        "1",
        "--compare",
        "raydium",
    )
    no_route = paper_cli(
        "swap",
        "execute",
        "--pair",
        "JUP-USDT",
        "--side",
        "SELL",
        "--amount",
        "10",
        "--provider",
        "meteora/clmm",
        "--compare",
        "",
        "--json",
    )
    unknown = paper_cli("swap", "status", "nope")

    assert bad_side.exit_code == 2 and "Traceback" not in bad_side.stderr
    assert "--side: expected 'BUY' or 'SELL', received 'HOLD'" in bad_side.stderr
    assert bad_provider.exit_code == 2
    assert "--compare: expected providers as name/type" in flat(bad_provider.stderr)
    assert "received 'raydium'" in flat(bad_provider.stderr)
    assert no_route.exit_code == 1, no_route.stderr
    failed = json.loads(no_route.stdout)
    assert failed["close_type"] == "FAILED"
    assert failed["details"]["failure_code"] == "no_route"
    assert unknown.exit_code == 2
    assert "executor id: expected the id of a swap executor in the store, received 'nope'" in (
        unknown.stderr
    )


def test_execute_on_a_gateway_over_http_moves_what_it_reports(tmp_path):
    # Arrange: a paper Gateway served over HTTP on 127.0.0.1 (uvicorn in a thread)
    gateway = build_paper_gateway(seed=4)
    env = {"LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}"}
    # Act
    with serve_in_thread(gateway) as base_url:
        result = invoke(
            "swap",
            "--gateway",
            base_url,
            "--wallet",
            gateway.wallet,
            "execute",
            "--pair",
            "SOL-USDC",
            "--side",
            "BUY",
            "--amount",
            "0.75",
            "--json",
            "--yes",
            env=env,
        )
    # Assert: one swap on the chain, and the report's amounts are the wallet's ledger changes
    assert result.exit_code == 0, result.stderr
    details = json.loads(result.stdout)["details"]
    chain = gateway.chain
    (tx,) = [t for t in chain.transactions() if t.operation in ("swap", "route")]
    assert tx.signature == details["signature"]
    usdc = chain.tokens.get("USDC").address
    paid = -sum(
        entry.delta
        for entry in chain.ledger.entries(signature=tx.signature, owner=gateway.wallet)
        if entry.asset == usdc and entry.cause in (Cause.SWAP, Cause.POOL_FEE)
    )
    fee = -sum(
        entry.delta
        for entry in chain.ledger.entries(
            signature=tx.signature, owner=gateway.wallet, cause=Cause.TX_FEE
        )
    )
    assert Decimal(details["quote_amount"]) * 10**6 == paid
    assert Decimal(details["tx_fee_native"]) * 10**9 == fee
    assert Decimal(details["base_amount"]) == Decimal("0.75")
