"""``getSignaturesForAddress`` over the paper Gateway's ``POST /rpc``: newest first, confirmed and
landed only, failed ones with their ``err``, paging bounds, and -32602 naming the bad param."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fixtures.paper_runtime import OPEN_POSITION, dlmm_pool, open_position_body
from lpexec.paper.chain import KeyFactory
from lpexec.paper.gateway import PaperGateway

MakeGateway = Callable[..., PaperGateway]
OpenClient = Callable[[PaperGateway], httpx.AsyncClient]
ROUTE_SWAP = {"baseToken": "SOL", "quoteToken": "USDC", "amount": 0.1, "side": "SELL"}


async def _signatures_for(client: httpx.AsyncClient, *params: Any) -> dict[str, Any]:
    response = await client.post(
        "/rpc",
        json={"jsonrpc": "2.0", "id": 3, "method": "getSignaturesForAddress", "params": params},
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def _route_swap(client: httpx.AsyncClient) -> str:
    response = await client.post("/connectors/jupiter/router/execute-swap", json=ROUTE_SWAP)
    signature: str = response.json()["signature"]
    return signature


async def test_a_position_lists_its_close_then_its_open(
    gateway: PaperGateway, client: httpx.AsyncClient
) -> None:
    # Arrange
    pool = dlmm_pool(gateway)
    opened = await client.post(OPEN_POSITION, json=open_position_body(pool))
    position = opened.json()["data"]["positionAddress"]
    await _route_swap(client)
    closed = await client.post(
        "/connectors/meteora/clmm/close-position", json={"positionAddress": position}
    )
    gateway.chain.clock.advance(0.4)

    # Act
    listed = (await _signatures_for(client, position))["result"]
    wallet = (await _signatures_for(client, gateway.wallet, {"commitment": "confirmed"}))["result"]

    # Assert
    assert [item["signature"] for item in listed] == [
        closed.json()["signature"],
        opened.json()["signature"],
    ]
    close_tx = gateway.chain.transaction(closed.json()["signature"])
    assert close_tx is not None
    assert listed[0] == {
        "signature": close_tx.signature,
        "slot": close_tx.slot,
        "err": None,
        "memo": None,
        "blockTime": close_tx.block_time,
        "confirmationStatus": "confirmed",
    }
    assert len(wallet) == 3 and wallet[0] == listed[0] and wallet[-1] == listed[-1]
    slots = [item["slot"] for item in wallet]
    assert slots == sorted(slots, reverse=True)


async def test_dropped_never_listed_failed_listed_with_err(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    # Arrange
    gateway = make_gateway(faults="route:fail#1,route:drop#2")
    async with open_client(gateway) as client:
        failed = await _route_swap(client)
        dropped = await _route_swap(client)
        landed = await _route_swap(client)
        gateway.chain.clock.advance(3_600)

        # Act
        listed = (await _signatures_for(client, gateway.wallet))["result"]

    # Assert
    assert [item["signature"] for item in listed] == [landed, failed]
    assert dropped not in {item["signature"] for item in listed}
    assert listed[0]["err"] is None
    assert listed[1]["err"] == {"InstructionError": [2, {"Custom": 6001}]}


async def test_only_confirmed_transactions_are_listed(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway(confirm_timeout=0, confirmation_slots=2)
    async with open_client(gateway) as client:
        signature = await _route_swap(client)
        processed = (await _signatures_for(client, gateway.wallet))["result"]
        gateway.chain.clock.advance(0.8)
        confirmed = (await _signatures_for(client, gateway.wallet))["result"]
    assert processed == []
    assert [item["signature"] for item in confirmed] == [signature]


async def test_limit_before_and_until_page_through_the_history(
    gateway: PaperGateway, client: httpx.AsyncClient
) -> None:
    # Arrange
    sent = [await _route_swap(client) for _ in range(5)]
    gateway.chain.clock.advance(0.4)
    wallet = gateway.wallet

    # Act
    newest_two = (await _signatures_for(client, wallet, {"limit": 2}))["result"]
    next_page = (await _signatures_for(client, wallet, {"limit": 2, "before": sent[3]}))["result"]
    above = (await _signatures_for(client, wallet, {"until": sent[2]}))["result"]
    unknown = KeyFactory(77).new_signature()
    unknown_before = (await _signatures_for(client, wallet, {"before": unknown}))["result"]
    unknown_until = (await _signatures_for(client, wallet, {"until": unknown}))["result"]

    # Assert
    assert [item["signature"] for item in newest_two] == [sent[4], sent[3]]
    assert [item["signature"] for item in next_page] == [sent[2], sent[1]]
    assert [item["signature"] for item in above] == [sent[4], sent[3]]
    assert unknown_before == []  # Solana: a `before` it does not know lists nothing
    assert [item["signature"] for item in unknown_until] == sent[::-1]  # and ignores `until`


async def test_an_address_without_transactions_lists_nothing(client: httpx.AsyncClient) -> None:
    body = await _signatures_for(client, KeyFactory(8).new_address(), None)
    assert body == {"jsonrpc": "2.0", "result": [], "id": 3}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ([], "address"),
        (["not-a-key"], "address"),
        ([KeyFactory(1).new_signature()], "address"),
        (["{wallet}", "limit 5"], "config"),
        (["{wallet}", {"limit": 0}], "limit"),
        (["{wallet}", {"limit": 1001}], "limit"),
        (["{wallet}", {"limit": "5"}], "limit"),
        (["{wallet}", {"limit": True}], "limit"),
        (["{wallet}", {"before": "abc"}], "before"),
        (["{wallet}", {"until": 5}], "until"),
        (["{wallet}", {"commitment": "processed"}], "commitment"),
        (["{wallet}", {"commitment": "recent"}], "commitment"),
        (["{wallet}", {"minContextSlot": -1}], "minContextSlot"),
    ],
)
async def test_bad_params_answer_32602_naming_the_param(
    gateway: PaperGateway, client: httpx.AsyncClient, params: list[Any], named: str
) -> None:
    filled = [gateway.wallet if p == "{wallet}" else p for p in params]
    body = await _signatures_for(client, *filled)
    assert body["error"]["code"] == -32602
    assert f"Invalid params: {named}:" in body["error"]["message"]


async def test_a_context_slot_not_reached_answers_32016(
    gateway: PaperGateway, client: httpx.AsyncClient
) -> None:
    ahead = gateway.chain.slot + 10
    body = await _signatures_for(client, gateway.wallet, {"minContextSlot": ahead})
    assert body["error"]["code"] == -32016
