"""Clean vs upstream: the numbers differ exactly where Gateway 2.13 is documented to be off."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from fixtures.paper_runtime import OPEN_POSITION, dlmm_pool
from lpexec.paper.chain import BIN_ARRAY_RENT_LAMPORTS, priority_fee
from lpexec.paper.chain.costs import bin_array_indexes
from lpexec.paper.gateway import PaperGateway, dumps, loads

MakeGateway = Callable[..., PaperGateway]
OpenClient = Callable[[PaperGateway], httpx.AsyncClient]
LAMPORT = Decimal("1e-9")


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> Any:
    response = await client.post(
        path, content=dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    return loads(response.content)


async def _get(client: httpx.AsyncClient, path: str, params: dict[str, Any]) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return loads(response.content)


async def _open(
    gateway: PaperGateway,
    client: httpx.AsyncClient,
    lower: int,
    upper: int,
    base: str,
    quote: str,
) -> Any:
    pool = dlmm_pool(gateway)
    return await _post(
        client,
        OPEN_POSITION,
        {
            "poolAddress": pool,
            "lowerPrice": lower,
            "upperPrice": upper,
            "baseTokenAmount": Decimal(base),
            "quoteTokenAmount": Decimal(quote),
        },
    )


def _double_count(gateway: PaperGateway, signature: str) -> Decimal:
    tx = gateway.chain.transaction(signature)
    assert tx is not None
    return priority_fee(gateway.chain.fee_schedule.compute_unit_price, tx.compute_units) * LAMPORT


async def test_meteora_fee_counts_the_priority_fee_twice_upstream_only(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    fees = {}
    for mode in ("clean", "upstream"):
        gateway = make_gateway(mode, rate_limit=None)
        async with open_client(gateway) as client:
            opened = await _open(gateway, client, 176, 184, "1", "100")
        tx = gateway.chain.transaction(opened["signature"])
        paid = Decimal(tx.fee) * LAMPORT
        fees[mode] = (opened["data"]["fee"], paid, _double_count(gateway, opened["signature"]))
    clean_fee, paid, _ = fees["clean"]
    upstream_fee, paid_upstream, double = fees["upstream"]
    assert clean_fee == paid
    assert upstream_fee == paid_upstream + double > paid_upstream


async def test_open_amounts_leak_bin_array_rent_upstream(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    added = {}
    for mode in ("clean", "upstream"):
        gateway = make_gateway(mode, rate_limit=None)
        pool = gateway.chain.pools("meteora")[0].pool
        async with open_client(gateway) as client:
            opened = await _open(gateway, client, 250, 260, "1", "0")  # above the seeded bins
        record = gateway.chain.position_record(opened["data"]["positionAddress"])
        arrays = [
            i
            for i in bin_array_indexes(record.lower, record.upper)
            if gateway.chain.ledger.has_account(gateway.chain.bin_array_account(pool.address, i))
        ]
        assert arrays, "the range should initialize new bin arrays"
        added[mode] = (opened, len(arrays), gateway)
    clean, _, _ = added["clean"]
    upstream, arrays, gateway = added["upstream"]
    assert clean["data"]["baseTokenAmountAdded"] == 1
    assert clean["data"]["positionRent"] == Decimal("0.05740608")
    leak = arrays * BIN_ARRAY_RENT_LAMPORTS * LAMPORT
    expected = 1 + leak - _double_count(gateway, upstream["signature"])
    assert upstream["data"]["baseTokenAmountAdded"] == expected


async def test_meteora_buy_quote_price_is_inverted_upstream(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    prices = {}
    for mode in ("clean", "upstream"):
        gateway = make_gateway(mode, rate_limit=None)
        async with open_client(gateway) as client:
            quote = await _get(
                client,
                "/connectors/meteora/clmm/quote-swap",
                {"baseToken": "SOL", "quoteToken": "USDC", "amount": "1", "side": "BUY"},
            )
        prices[mode] = quote
    clean, upstream = prices["clean"], prices["upstream"]
    assert clean["price"] == pytest.approx(clean["amountIn"] / clean["amountOut"])
    assert 170 < clean["price"] < 190
    assert upstream["price"] == pytest.approx(upstream["amountOut"] / upstream["amountIn"])
    assert upstream["price"] == pytest.approx(1 / clean["price"], rel=Decimal("1e-9"))


async def test_positions_owned_reads_zero_fees_upstream(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    for mode, expect_fees in (("clean", True), ("upstream", False)):
        gateway = make_gateway(mode, rate_limit=None)
        async with open_client(gateway) as client:
            opened = await _open(gateway, client, 176, 184, "1", "180")
            for side in ("SELL", "BUY", "SELL"):
                await _post(
                    client,
                    "/connectors/meteora/clmm/execute-swap",
                    {"baseToken": "SOL", "quoteToken": "USDC", "amount": 3, "side": side},
                )
            [owned] = await _get(
                client,
                "/connectors/meteora/clmm/positions-owned",
                {"walletAddress": gateway.wallet},
            )
            info = await _get(
                client,
                "/connectors/meteora/clmm/position-info",
                {"positionAddress": opened["data"]["positionAddress"]},
            )
        assert info["baseFeeAmount"] > 0 and info["quoteFeeAmount"] > 0
        has_fees = owned["baseFeeAmount"] > 0 or owned["quoteFeeAmount"] > 0
        assert has_fees is expect_fees


async def test_collect_and_remove_sol_figures_follow_gateways_formulas(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway("upstream", rate_limit=None)
    chain = gateway.chain
    async with open_client(gateway) as client:
        opened = await _open(gateway, client, 176, 184, "1", "180")
        position = opened["data"]["positionAddress"]
        for side in ("SELL", "BUY"):
            await _post(
                client,
                "/connectors/meteora/clmm/execute-swap",
                {"baseToken": "SOL", "quoteToken": "USDC", "amount": 5, "side": side},
            )
        collected = await _post(
            client, "/connectors/meteora/clmm/collect-fees", {"positionAddress": position}
        )
        removed = await _post(
            client,
            "/connectors/meteora/clmm/remove-liquidity",
            {"positionAddress": position, "liquidityPct": 40},
        )
    collect_tx = chain.transaction(collected["signature"])
    claimed = collect_tx.details["base_fee"]
    # collect-fees: raw |ΔSOL|, the tx fee not added back
    assert collected["data"]["baseFeeAmountCollected"] == abs(claimed - collect_tx.fee) * LAMPORT
    remove_tx = chain.transaction(removed["signature"])
    withdrawn = remove_tx.details["base_amount"]
    reported_fee = removed["data"]["fee"]
    # remove: |ΔSOL| + reported fee, where reported fee = fee + priority fee again
    expected = abs(withdrawn - remove_tx.fee) * LAMPORT + reported_fee
    assert removed["data"]["baseTokenAmountRemoved"] == expected
    assert expected != withdrawn * LAMPORT


async def test_router_amount_in_includes_the_fee_upstream(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    for mode in ("clean", "upstream"):
        gateway = make_gateway(mode, rate_limit=None)
        async with open_client(gateway) as client:
            body = await _post(
                client,
                "/connectors/jupiter/router/execute-swap",
                {"baseToken": "SOL", "quoteToken": "USDC", "amount": 2, "side": "SELL"},
            )
        data = body["data"]
        assert data["baseTokenBalanceChange"] == -(2 + data["fee"])  # tokenIn delta
        assert data["quoteTokenBalanceChange"] == data["amountOut"]
        assert data["amountIn"] == (2 if mode == "clean" else 2 + data["fee"])
