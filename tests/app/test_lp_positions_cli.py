"""``lpexec lp positions`` and ``lp adopt`` in process on the paper Gateway: positions opened
elsewhere (straight through the Gateway client, or by another wallet) are listed, adopted,
tracked and closed, checked against the paper chain's own transactions."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

from fixtures.cli import flat
from lpexec.app.runtime import open_lp_runtime
from lpexec.core.clock import LiveClock
from lpexec.paper.gateway.demo import demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
IN_RANGE = ("--lower", "176", "--upper", "184", "--base", "1", "--quote", "180")


async def _open_elsewhere(state: Path, *, other_wallet: bool = False) -> tuple[str, str]:
    """Open 1 SOL + 150 USDC on 175..185 without lpexec (the Gateway client itself, on the
    paper chain of ``state``); return (position address, open signature)."""
    runtime = await open_lp_runtime(
        database_url=f"sqlite:///{state.parent / 'elsewhere.db'}",
        paper_state_file=str(state),
        clock=LiveClock(),  # the CLI's clock: the chain's time goes on from its runs
    )
    try:
        wallet = runtime.wallet
        if other_wallet:
            assert runtime.gateway is not None
            chain = runtime.gateway.chain
            wallet = chain.create_wallet("someone else")
            chain.airdrop(wallet, "SOL", 5 * 10**9)
            chain.airdrop(wallet, "USDC", 1_000 * 10**6)
        result = await runtime.client.meteora.open_position(
            POOL,
            lower_price=Decimal(175),
            upper_price=Decimal(185),
            wallet_address=wallet,
            base_token_amount=Decimal(1),
            quote_token_amount=Decimal(150),
        )
        assert result.data is not None
        return result.data.position_address, result.signature
    finally:
        await runtime.aclose()


def open_elsewhere(tmp_path: Path, *, other_wallet: bool = False) -> tuple[str, str]:
    return asyncio.run(_open_elsewhere(tmp_path / "paper.json", other_wallet=other_wallet))


async def _chain_fee(state: Path, signature: str) -> Decimal:
    """The fee the paper chain charged for ``signature`` (its Solana poll)."""
    runtime = await open_lp_runtime(
        database_url=f"sqlite:///{state.parent / 'elsewhere.db'}",
        paper_state_file=str(state),
        clock=LiveClock(),  # the CLI's clock: the chain's time goes on from its runs
    )
    try:
        poll = await runtime.client.solana.poll(signature, wallet_address=runtime.wallet)
        assert poll.fee is not None
        return poll.fee
    finally:
        await runtime.aclose()


def chain_fee(tmp_path: Path, signature: str) -> Decimal:
    return asyncio.run(_chain_fee(tmp_path / "paper.json", signature))


def positions(paper_cli, *args: str) -> dict:
    result = paper_cli("lp", "positions", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_positions_lists_every_owned_position_marking_the_managed_ones(paper_cli, tmp_path):
    opened = paper_cli("lp", "open", "--pool", POOL, "--pair", "SOL-USDC", *IN_RANGE, "--json")
    assert opened.exit_code == 0, opened.stderr
    info = json.loads(opened.stdout)
    managed = info["details"]["position_address"]
    elsewhere, _ = open_elsewhere(tmp_path)

    listed = positions(paper_cli, "--pool", POOL)

    rows = {row["position_address"]: row for row in listed["positions"]}
    assert set(rows) == {managed, elsewhere}
    assert (rows[managed]["managed"], rows[managed]["executor_id"]) == (True, info["executor_id"])
    assert (rows[elsewhere]["managed"], rows[elsewhere]["executor_id"]) == (False, None)
    assert rows[elsewhere]["base_amount"] != "0" and rows[elsewhere]["pool_address"] == POOL
    assert listed["venue"]["gateway"] == "paper"
    assert positions(paper_cli)["positions"] == listed["positions"]  # every pool: the same two
    assert positions(paper_cli, "--pool", "OtherPool111")["positions"] == []
    table = paper_cli("lp", "positions", "--pool", POOL)
    assert table.exit_code == 0, table.stderr
    assert managed in table.stdout and elsewhere in table.stdout
    assert "unmanaged" in table.stdout and "paper Gateway" in flat(table.stdout)


def test_adopt_tracks_a_position_opened_elsewhere_and_closes_it(paper_cli, tmp_path):
    address, open_signature = open_elsewhere(tmp_path)
    before = {row["position_address"]: row for row in positions(paper_cli)["positions"]}[address]

    adopted = paper_cli("lp", "adopt", address, "--json")

    assert adopted.exit_code == 0, adopted.stderr
    info = json.loads(adopted.stdout)
    details = info["details"]
    assert (info["status"], details["state"], details["adopted"]) == ("ACTIVE", "IN_RANGE", True)
    assert details["position_address"] == address and details["pool_address"] == POOL
    assert details["trading_pair"] == "SOL-USDC"
    for field in ("lower_price", "upper_price", "base_amount", "quote_amount"):
        assert Decimal(details[field]) == Decimal(before[field]), field
    # The open was paid before the adoption: reported apart, never in the executor's costs.
    assert Decimal(details["adopted_open_tx_fee_native"]) == chain_fee(tmp_path, open_signature)
    assert Decimal(details["adopted_position_rent_native"]) > 0
    assert Decimal(details["tx_fee_native"]) == 0 and Decimal(info["fees_paid_quote"]) == 0
    row = {r["position_address"]: r for r in positions(paper_cli)["positions"]}[address]
    assert (row["managed"], row["executor_id"]) == (True, info["executor_id"])

    closed = paper_cli("lp", "close", info["executor_id"], "--keep-position", "--json")

    assert closed.exit_code == 0, closed.stderr
    done = json.loads(closed.stdout)
    assert (done["status"], done["close_type"]) == ("TERMINATED", "POSITION_HOLD")
    close_fee = chain_fee(tmp_path, done["details"]["close_signature"])
    assert Decimal(done["details"]["tx_fee_native"]) == close_fee  # the close only
    assert Decimal(done["details"]["position_rent_refunded_native"]) == Decimal(
        details["position_rent_native"]
    )
    assert Decimal(done["details"]["rent_locked_native"]) == 0
    assert positions(paper_cli)["positions"] == []


def test_an_adopted_position_is_closed_by_its_own_limits(paper_cli, tmp_path):
    address, _ = open_elsewhere(tmp_path)

    # The pool is at 180: an upper limit of 170 is reached at once.
    adopted = paper_cli("lp", "adopt", address, "--upper-limit", "170", "--keep-position", "--json")

    assert adopted.exit_code == 0, adopted.stderr
    info = json.loads(adopted.stdout)
    assert (info["status"], info["close_type"]) == ("TERMINATED", "POSITION_HOLD")
    assert positions(paper_cli)["positions"] == []


def test_adopt_refuses_managed_foreign_and_unknown_positions(paper_cli, tmp_path):
    opened = paper_cli("lp", "open", "--pool", POOL, "--pair", "SOL-USDC", *IN_RANGE, "--json")
    info = json.loads(opened.stdout)
    managed = info["details"]["position_address"]
    foreign, _ = open_elsewhere(tmp_path, other_wallet=True)
    unknown = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"

    cases = {
        managed: f"position address: expected a position no lpexec executor manages, received "
        f"'{managed}'; executor {info['executor_id']} (ACTIVE) manages it",
        foreign: f"position address: expected an open position of the wallet on meteora/clmm, "
        f"received '{foreign}'; the position exists but the wallet",
        unknown: f"position address: expected an open position of the wallet on meteora/clmm, "
        f"received '{unknown}'; no such position on chain",
    }
    for address, message in cases.items():
        refused = paper_cli("lp", "adopt", address)
        assert refused.exit_code == 2, (address, refused.stdout)
        assert message in flat(refused.stderr)
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    listed = json.loads(paper_cli("lp", "list", "--json").stdout)
    assert [row["executor_id"] for row in listed] == [info["executor_id"]]  # nothing written
    bad = paper_cli("lp", "positions", "--connector", "nope/clmm")
    assert bad.exit_code == 2
    assert "--connector: expected one of meteora/clmm" in flat(bad.stderr)
