"""Faults that strike a write's answer after its transaction was sent: ``lost`` (the answer becomes
Gateway's generic 500) and ``hang`` (the answer is held back until the client gives up). Each time
the chain shows the transaction landed while the client could not tell, and the chain history
read over the paper Gateway's ``/rpc`` finds it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from fixtures.paper_runtime import OPEN_POSITION, dlmm_pool, open_position_body
from gateway_client import (
    ChainHistory,
    GatewayClient,
    Timeouts,
    TransactionOutcomeUnknownError,
)
from lpexec.paper.chain import TxStatus
from lpexec.paper.gateway import PaperGateway, make_server

MakeGateway = Callable[..., PaperGateway]
OpenClient = Callable[[PaperGateway], httpx.AsyncClient]
PAPER_URL = "http://paper-gateway"
QUICK = Timeouts(read=1.0, write=0.3, connect=0.2)


async def _open_with(client: GatewayClient, gateway: PaperGateway) -> Any:
    return await client.meteora.open_position(
        dlmm_pool(gateway),
        lower_price=Decimal(176),
        upper_price=Decimal(184),
        wallet_address=gateway.wallet,
        base_token_amount=Decimal(1),
        quote_token_amount=Decimal(100),
    )


def _in_process(gateway: PaperGateway) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway.app), base_url=PAPER_URL)


def _landed_open(gateway: PaperGateway) -> str:
    """The one transaction sent so far: an open that landed, confirmed, and moved funds."""
    chain = gateway.chain
    [tx] = chain.transactions()
    assert tx.operation == "open" and tx.landed
    assert chain.status(tx.signature) is TxStatus.CONFIRMED
    assert chain.ledger.entries(signature=tx.signature)
    assert [p.address for p in chain.positions_owned(gateway.wallet)] == [tx.details["position"]]
    return tx.signature


async def test_lost_answers_the_generic_500_of_a_refused_request(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    # Arrange
    lost = make_gateway(faults="open:lost#1")
    refused = make_gateway(faults="open:500#1")

    # Act
    async with open_client(lost) as client:
        lost_answer = await client.post(OPEN_POSITION, json=open_position_body(dlmm_pool(lost)))
    async with open_client(refused) as client:
        refused_answer = await client.post(
            OPEN_POSITION, json=open_position_body(dlmm_pool(refused))
        )

    # Assert: the client sees the same answer, but only one of them landed
    assert lost_answer.status_code == refused_answer.status_code == 500
    assert lost_answer.json() == refused_answer.json()
    _landed_open(lost)
    assert refused.chain.transactions() == []


async def test_lost_write_is_an_unknown_outcome_and_the_history_finds_it(
    make_gateway: MakeGateway,
) -> None:
    # Arrange
    gateway = make_gateway(faults="open:lost#1")
    async with _in_process(gateway) as http:
        client = GatewayClient(PAPER_URL, http_client=http, rate_limit_per_minute=None)
        history = ChainHistory(http, f"{PAPER_URL}/rpc")

        # Act
        with pytest.raises(TransactionOutcomeUnknownError) as raised:
            await _open_with(client, gateway)
        records = await history.signatures_for_address(gateway.wallet, limit=5)
        signature = _landed_open(gateway)
        opened = await history.transaction(signature)

    # Assert
    assert raised.value.status_code == 500
    assert [record.signature for record in records] == [signature]
    assert opened is not None and opened["meta"]["err"] is None


async def test_hang_in_process_ends_at_the_client_timeout_as_outcome_unknown(
    make_gateway: MakeGateway,
) -> None:
    # Arrange: the held answer would take 600 s; the client gives up after its write timeout
    gateway = make_gateway(faults="open:hang#1")
    started = time.monotonic()
    async with _in_process(gateway) as http:
        client = GatewayClient(PAPER_URL, http_client=http, timeout=QUICK)

        # Act
        with pytest.raises(TransactionOutcomeUnknownError) as raised:
            await _open_with(client, gateway)
        elapsed = time.monotonic() - started
        owned = await client.meteora.positions_owned(gateway.wallet)
        records = await ChainHistory(http, f"{PAPER_URL}/rpc").signatures_for_address(
            gateway.wallet
        )

    # Assert
    assert elapsed < 2
    assert "POST /connectors/meteora/clmm/open-position" in str(raised.value)
    signature = _landed_open(gateway)
    assert len(owned) == 1  # the app was cancelled, not left holding: the client goes on
    assert [record.signature for record in records] == [signature]
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_hang_shorter_than_the_client_timeout_answers_late(
    make_gateway: MakeGateway, open_client: OpenClient
) -> None:
    gateway = make_gateway(faults="open:hang=150ms#1")
    started = time.monotonic()
    body = open_position_body(dlmm_pool(gateway))
    async with open_client(gateway) as client:
        answer = await client.post(OPEN_POSITION, json=body)
    assert time.monotonic() - started >= 0.15
    assert answer.status_code == 200 and answer.json()["status"] == 1
    assert answer.json()["signature"] == _landed_open(gateway)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(make_gateway: MakeGateway) -> Iterator[tuple[str, PaperGateway, threading.Thread]]:
    """The paper Gateway (``open:hang#1``) on a real loopback socket, in a thread."""
    gateway = make_gateway(faults="open:hang#1", rate_limit=None)
    server = make_server(gateway, host="127.0.0.1", port=_free_port())
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    try:
        yield f"http://127.0.0.1:{server.config.port}", gateway, thread
    finally:
        server.should_exit = True
        thread.join(timeout=5)
    assert not thread.is_alive()  # no held answer outlived its client


async def test_hang_over_a_real_server_fires_the_client_read_timeout(
    served: tuple[str, PaperGateway, threading.Thread],
) -> None:
    # Arrange
    base_url, gateway, thread = served
    started = time.monotonic()

    # Act
    async with GatewayClient(base_url, timeout=QUICK, rate_limit_per_minute=None) as client:
        with pytest.raises(TransactionOutcomeUnknownError) as raised:
            await _open_with(client, gateway)
        elapsed = time.monotonic() - started
        owned = await client.meteora.positions_owned(gateway.wallet)

    # Assert
    assert elapsed < 2
    assert isinstance(raised.value.__cause__, httpx.ReadTimeout)  # httpx's own, on a socket
    _landed_open(gateway)
    assert len(owned) == 1
    assert thread.is_alive()  # the server goes on serving; it stops at teardown
