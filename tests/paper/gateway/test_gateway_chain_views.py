"""Confirmation waits, the JSON-RPC subset, the demo gateway and its state file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures.paper_runtime import OPEN_POSITION, dlmm_pool, open_position_body
from lpexec.core.clock import SimulatedClock
from lpexec.paper.chain import FaultSpecError, KeyFactory, TxStatus
from lpexec.paper.gateway import DEMO_FUNDS, PaperGateway, build_paper_gateway

MakeGateway = Callable[..., PaperGateway]
OpenClient = Callable[[PaperGateway], httpx.AsyncClient]
SWAP = {"baseToken": "SOL", "quoteToken": "USDC", "amount": 1, "side": "SELL"}


async def test_writes_wait_for_the_configured_confirmation(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway(confirmation_slots=5)
    start = gateway.chain.clock.now()
    async with open_client(gateway) as client:
        body = (await client.post("/connectors/meteora/clmm/execute-swap", json=SWAP)).json()
    assert body["status"] == 1
    assert gateway.chain.clock.now() - start >= dt.timedelta(seconds=2)  # 5 slots x 400 ms


async def test_no_wait_budget_gives_504_for_meteora_and_status_0_for_jupiter(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway(confirm_timeout=0)
    async with open_client(gateway) as client:
        meteora = await client.post("/connectors/meteora/clmm/execute-swap", json=SWAP)
        jupiter = (await client.post("/connectors/jupiter/router/execute-swap", json=SWAP)).json()
    assert meteora.status_code == 504
    assert jupiter["status"] == 0
    gateway.chain.clock.advance(0.4)
    assert all(
        gateway.chain.status(tx.signature) is TxStatus.CONFIRMED
        for tx in gateway.chain.transactions()
    )


async def _rpc(client: httpx.AsyncClient, method: str, *params: Any) -> Any:
    response = await client.post(
        "/rpc", json={"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)}
    )
    assert response.status_code == 200
    return response.json()


async def test_json_rpc_reports_signatures_transactions_and_balances(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway(confirm_timeout=0)
    chain, wallet = gateway.chain, gateway.wallet
    async with open_client(gateway) as client:
        sent = (await client.post("/connectors/jupiter/router/execute-swap", json=SWAP)).json()
        signature = sent["signature"]
        unknown_signature = KeyFactory(12345).new_signature()
        processed = await _rpc(client, "getSignatureStatuses", [signature, unknown_signature])
        early = await _rpc(client, "getTransaction", signature, {"encoding": "json"})
        chain.clock.advance(0.4)
        confirmed = await _rpc(client, "getSignatureStatuses", [signature])
        tx = (await _rpc(client, "getTransaction", signature))["result"]
        balance = await _rpc(client, "getBalance", wallet)
        slot = await _rpc(client, "getSlot")
        usdc = await _rpc(
            client,
            "getTokenAccountsByOwner",
            wallet,
            {"mint": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"},
            {"encoding": "jsonParsed"},
        )
        every = await _rpc(
            client,
            "getTokenAccountsByOwner",
            wallet,
            {"programId": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"},
        )
    first, unknown = processed["result"]["value"]
    assert first["confirmationStatus"] == "processed" and unknown is None
    assert early["result"] is None
    assert confirmed["result"]["value"][0]["confirmationStatus"] == "confirmed"
    record = chain.transaction(signature)
    assert tx["meta"]["fee"] == record.fee and tx["meta"]["err"] is None
    assert tx["transaction"]["message"]["accountKeys"][0] == wallet
    payer_change = tx["meta"]["postBalances"][0] - tx["meta"]["preBalances"][0]
    assert payer_change == -(10**9) - record.fee
    assert balance["result"]["value"] == chain.balance(wallet, "SOL")
    assert slot["result"] == chain.slot
    [account] = usdc["result"]["value"]
    amount = account["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"]
    assert int(amount) == chain.balance(wallet, "USDC")
    assert len(every["result"]["value"]) == 3  # USDC, USDT, JUP accounts


async def test_json_rpc_errors_and_batches(
    gateway: PaperGateway, client: httpx.AsyncClient
) -> None:
    unknown = await _rpc(client, "getHealthz")
    bad = await _rpc(client, "getBalance", "not-a-key")
    batch = await client.post(
        "/rpc",
        json=[
            {"jsonrpc": "2.0", "id": 1, "method": "getSlot"},
            {"jsonrpc": "1.0", "id": 2, "method": "getSlot"},
        ],
    )
    parse = await client.post("/rpc", content=b"{", headers={"content-type": "application/json"})
    assert unknown["error"]["code"] == -32601
    assert bad["error"]["code"] == -32602 and "not-a-key" in bad["error"]["message"]
    assert [item.get("result") for item in batch.json()] == [gateway.chain.slot, None]
    assert batch.json()[1]["error"]["code"] == -32600
    assert parse.json()["error"]["code"] == -32700


def test_demo_gateway_has_a_funded_wallet_and_pools() -> None:
    gateway = build_paper_gateway(seed=1, clock=SimulatedClock())
    chain = gateway.chain
    for symbol, amount in DEMO_FUNDS.items():
        assert chain.balance(gateway.wallet, symbol) == chain.tokens.get(symbol).to_raw(amount)
    dlmm = [e.pool for e in chain.pools("meteora")]
    sol_usdc = dlmm[0]
    assert sol_usdc.bin_step == 10 and 150 < sol_usdc.price < 250
    assert len(dlmm) == 3 and len(chain.pools("raydium")) == 1
    assert chain.audit() == []
    again = build_paper_gateway(seed=1, clock=SimulatedClock())
    assert again.wallet == gateway.wallet
    assert [e.pool.address for e in again.chain.pools()] == [e.pool.address for e in chain.pools()]


async def test_state_file_survives_a_restart(tmp_path: Path, open_client: OpenClient) -> None:
    path = tmp_path / "paper-state.json"
    clock = SimulatedClock()
    first = build_paper_gateway(seed=2, state_file=path, clock=clock)
    pool = dlmm_pool(first)
    async with open_client(first) as client:
        opened = (await client.post(OPEN_POSITION, json=open_position_body(pool))).json()
    first.save()
    second = build_paper_gateway(seed=99, state_file=path, clock=clock)
    assert second.wallet == first.wallet
    async with open_client(second) as client:
        info = await client.get(
            "/connectors/meteora/clmm/position-info",
            params={"positionAddress": opened["data"]["positionAddress"]},
        )
        balances = (await client.post("/chains/solana/balances", json={})).json()
    assert info.status_code == 200
    assert balances["balances"]["SOL"] == float(
        first.chain.tokens.get("SOL").to_ui(first.chain.balance(first.wallet, "SOL"))
    )


def test_bad_fault_spec_names_the_rule() -> None:
    with pytest.raises(FaultSpecError, match="'open:boom' \\(rule 1\\): unknown effect 'boom'"):
        build_paper_gateway(faults="open:boom", clock=SimulatedClock())
