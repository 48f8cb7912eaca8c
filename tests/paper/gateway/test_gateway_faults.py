"""Injected faults as Gateway clients see them: 504 without signature, status 0/-1, 429, 500,
RPC outages per route and mode, slow answers, rate limits, determinism by seed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fixtures.paper_runtime import OPEN_POSITION, dlmm_pool, open_position_body
from lpexec.paper.chain import TxStatus
from lpexec.paper.gateway import PaperGateway

MakeGateway = Callable[..., PaperGateway]
OpenClient = Callable[[PaperGateway], httpx.AsyncClient]


SWAP = {"baseToken": "SOL", "quoteToken": "USDC", "amount": 1, "side": "SELL"}


@pytest.mark.parametrize("mode", ["clean", "upstream"])
async def test_landed_but_timed_out_open_answers_504_and_can_be_reconciled(
    mode: str, make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway(mode, faults="open:504#1", rate_limit=None)
    async with open_client(gateway) as client:
        response = await client.post(OPEN_POSITION, json=open_position_body(dlmm_pool(gateway)))
        assert response.status_code == 504
        assert response.json() == {
            "statusCode": 504,
            "error": "HttpError",
            "message": "Transaction failed to confirm after 10 attempts",
            "code": "TRANSACTION_TIMEOUT",
        }
        owned = await client.get(
            "/connectors/meteora/clmm/positions-owned", params={"walletAddress": gateway.wallet}
        )
        assert len(owned.json()) == 1  # it landed: reconcile by state, not by signature


async def test_dropped_meteora_swap_times_out_and_changes_nothing(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway(faults="swap:drop#1")
    before = gateway.chain.balances(gateway.wallet)
    started = gateway.chain.clock.now()
    async with open_client(gateway) as client:
        response = await client.post("/connectors/meteora/clmm/execute-swap", json=SWAP)
    assert response.status_code == 504
    assert (gateway.chain.clock.now() - started).total_seconds() >= 10  # it waited
    assert gateway.chain.balances(gateway.wallet) == before


async def test_dropped_router_swap_is_status_0_forever(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway(faults="route:drop#1")
    async with open_client(gateway) as client:
        body = (await client.post("/connectors/jupiter/router/execute-swap", json=SWAP)).json()
        assert body["status"] == 0 and "data" not in body
        gateway.chain.clock.advance(3_600)
        poll = (
            await client.post(
                "/chains/solana/poll",
                json={"signature": body["signature"], "walletAddress": gateway.wallet},
            )
        ).json()
    assert poll["txStatus"] == 0 and poll["txData"] is None


@pytest.mark.parametrize(
    ("mode", "path", "expected"),
    [
        ("clean", "/connectors/meteora/clmm/execute-swap", (200, -1)),
        ("upstream", "/connectors/meteora/clmm/execute-swap", (504, None)),
        ("clean", "/connectors/jupiter/router/execute-swap", (200, -1)),
        ("upstream", "/connectors/jupiter/router/execute-swap", (200, 0)),
    ],
)
async def test_failed_on_chain_pays_the_fee_and_reports_per_mode(
    mode: str,
    path: str,
    expected: tuple[int, int | None],
    make_gateway: MakeGateway,
    open_client: OpenClient,
) -> None:
    gateway = make_gateway(mode, faults="swap:fail#1,route:fail#1", rate_limit=None)
    sol_before = gateway.chain.balance(gateway.wallet, "SOL")
    async with open_client(gateway) as client:
        response = await client.post(path, json=SWAP)
    assert (response.status_code, response.json().get("status")) == expected
    [tx] = gateway.chain.transactions()
    assert gateway.chain.status(tx.signature) is TxStatus.FAILED
    assert gateway.chain.balance(gateway.wallet, "SOL") == sol_before - tx.fee > 0


async def test_pending_answer_confirms_later(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway(faults="route:pending#1")
    async with open_client(gateway) as client:
        body = (await client.post("/connectors/jupiter/router/execute-swap", json=SWAP)).json()
        assert body["status"] == 0
        gateway.chain.clock.advance(1)
        poll = (
            await client.post(
                "/chains/solana/poll",
                json={"signature": body["signature"], "walletAddress": gateway.wallet},
            )
        ).json()
    assert poll["txStatus"] == 1 and poll["fee"] > 0


async def test_rate_limit_fault_and_generic_500(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway(faults="poll:429=7,status:500")
    async with open_client(gateway) as client:
        limited = await client.post("/chains/solana/poll", json={"signature": "x"})
        failed = await client.get("/chains/solana/status")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "7"
    assert limited.json() == {
        "statusCode": 429,
        "message": "Rate limit exceeded, retry in 1 minute",
    }
    assert failed.status_code == 500
    assert failed.json() == {
        "statusCode": 500,
        "error": "Internal Server Error",
        "message": "An unexpected error occurred",
    }


@pytest.mark.parametrize(
    ("method", "path", "args", "upstream", "clean"),
    [
        (
            "POST",
            "/chains/solana/balances",
            {"json": {"tokens": ["SOL", "USDC"]}},
            (200, {"balances": {"SOL": 0, "USDC": 0}}),
            503,
        ),
        ("GET", "/chains/solana/status", {}, (500, None), 503),
        ("GET", "/connectors/meteora/clmm/fetch-pools", {}, (200, []), 503),
        (
            "GET",
            "/connectors/meteora/clmm/positions-owned",
            {"params": {"walletAddress": "W"}},
            (503, None),
            503,
        ),
    ],
)
async def test_rpc_outage_per_route_and_mode(
    method: str,
    path: str,
    args: dict[str, Any],
    upstream: tuple[int, Any],
    clean: int,
    make_gateway: MakeGateway,
    open_client: OpenClient,
) -> None:
    for mode in ("upstream", "clean"):
        gateway = make_gateway(mode, faults="*:rpc", rate_limit=None)
        if "walletAddress" in str(args):
            args = {"params": {"walletAddress": gateway.wallet}}
        async with open_client(gateway) as client:
            response = await client.request(method, path, **args)
        if mode == "upstream":
            assert response.status_code == upstream[0], response.text
            if upstream[1] is not None:
                assert response.json() == upstream[1]
        else:
            assert response.status_code == clean
            assert response.json()["message"] == "RPC service temporarily unavailable"


async def test_upstream_rpc_outage_messages(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway("upstream", faults="*:rpc", rate_limit=None)
    pool = dlmm_pool(gateway)
    async with open_client(gateway) as client:
        info = await client.get("/connectors/meteora/clmm/pool-info", params={"poolAddress": pool})
        owned = await client.get(
            "/connectors/meteora/clmm/positions-owned", params={"walletAddress": gateway.wallet}
        )
        quote = await client.get(
            "/connectors/meteora/clmm/quote-swap", params={**SWAP, "poolAddress": pool}
        )
    assert (info.status_code, info.json()["message"]) == (404, f"Pool not found: {pool}")
    assert "known SDK bug" in owned.json()["message"]
    assert (quote.status_code, quote.json()["message"]) == (
        400,
        "Invalid pool address: fetch failed",
    )


async def test_slow_answers_are_slow(make_gateway: MakeGateway, open_client: OpenClient) -> None:
    gateway = make_gateway(faults="status:slow=120ms")
    async with open_client(gateway) as client:
        started = time.perf_counter()
        response = await client.get("/chains/solana/status")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200 and elapsed >= 0.12


async def test_upstream_rate_limit_is_100_per_minute_per_client(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway("upstream")
    async with open_client(gateway) as client:
        answers = [await client.get("/config/chains") for _ in range(101)]
        health = await client.get("/")
        gateway.chain.clock.advance(60)
        after = await client.get("/config/chains")
    assert [a.status_code for a in answers[:100]] == [200] * 100
    assert answers[0].headers["x-ratelimit-limit"] == "100"
    assert answers[99].headers["x-ratelimit-remaining"] == "0"
    assert answers[100].status_code == 429 and int(answers[100].headers["retry-after"]) > 0
    assert health.status_code == 200 and after.status_code == 200


async def test_faults_are_deterministic_by_seed(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    async def run(seed: int) -> list[int]:
        gateway = make_gateway(seed=seed, faults="read:429@0.3,read:500@0.2")
        async with open_client(gateway) as client:
            return [(await client.get("/chains/solana/status")).status_code for _ in range(40)]

    first, again, other = await run(1), await run(1), await run(2)
    assert first == again
    assert first != other
    assert {200, 429, 500} == set(first)
