"""RPC outages are not rejections: Gateway 2.13's outage answers map to "retry later".

Gateway reports an unreachable RPC node as 400 "Invalid pool address: fetch failed" (Meteora
quotes and writes), 404 "No route found ... ECONNREFUSED" (Jupiter) and, on a pool-info read,
the same 404 "Pool not found" a missing pool gets: the client tells those apart by asking the
chain's status route. A 5xx answer to a write is an unknown outcome, never "retry later".
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest
import respx
from gateway_fakes import FakeClock

from gateway_client import (
    BadRequestError,
    GatewayClient,
    GatewayUnavailableError,
    NotFoundError,
    TransactionOutcomeUnknownError,
    UpstreamUnavailableError,
)
from gateway_client._exceptions import is_outage_message

POOL = "2sf5NYcY4zUPXUSmG6f66mskb24t5F8S11pC1Nz5nQT3"
WALLET = "AabEVCB1sWgCPxbn6hFYM4Ukj7UubpBRbbYqRnqRXnZD"
FETCH_FAILED = {
    "statusCode": 400,
    "error": "HttpError",
    "message": "Invalid pool address: fetch failed",
}
POOL_NOT_FOUND = {"statusCode": 404, "error": "NotFoundError", "message": f"Pool not found: {POOL}"}
GENERIC_500 = {
    "statusCode": 500,
    "error": "Internal Server Error",
    "message": "An unexpected error occurred",
}
STATUS_OK = {
    "chain": "solana",
    "network": "mainnet-beta",
    "rpcUrl": "http://127.0.0.1:8899",
    "rpcProvider": "url",
    "currentBlockNumber": 380000000,
    "nativeCurrency": "SOL",
    "swapProvider": "jupiter/router",
}


def _open(client: GatewayClient) -> object:
    return client.meteora.open_position(
        POOL,
        lower_price=Decimal(170),
        upper_price=Decimal(190),
        base_token_amount=Decimal(1),
        quote_token_amount=Decimal(150),
        wallet_address=WALLET,
    )


@pytest.mark.parametrize(
    ("message", "outage"),
    [
        ("Invalid pool address: fetch failed", True),
        ("No route found for SOL -> USDC (ExactIn). connect ECONNREFUSED 127.0.0.1:9", True),
        ("request to https://rpc failed, reason: getaddrinfo ENOTFOUND rpc", True),
        ("Invalid pool address: Invalid public key input", False),
        ("Token not found: NOPE", False),
    ],
)
def test_outage_messages_are_told_from_rejections(message: str, outage: bool) -> None:
    assert is_outage_message(message) is outage


async def test_a_quote_during_an_outage_is_retried_then_unavailable(
    make_client: Callable[..., GatewayClient], gateway: respx.MockRouter, clock: FakeClock
) -> None:
    route = gateway.get("/connectors/meteora/clmm/quote-swap").mock(
        return_value=httpx.Response(400, json=FETCH_FAILED)
    )

    async with make_client(max_retries=2) as client:
        with pytest.raises(UpstreamUnavailableError) as raised:
            await client.meteora.quote_swap(
                base_token="SOL", quote_token="USDC", amount=Decimal(1), side="SELL"
            )

    assert isinstance(raised.value, GatewayUnavailableError)
    assert not isinstance(raised.value, BadRequestError)
    assert raised.value.status_code == 400
    assert route.call_count == 3  # a read: retried like any outage
    assert len(clock.sleeps) == 2


async def test_a_write_refused_with_fetch_failed_was_not_sent_and_is_not_resent(
    make_client: Callable[..., GatewayClient], gateway: respx.MockRouter
) -> None:
    route = gateway.post("/connectors/meteora/clmm/open-position").mock(
        return_value=httpx.Response(400, json=FETCH_FAILED)
    )

    async with make_client(max_retries=2) as client:
        with pytest.raises(UpstreamUnavailableError):
            await _open(client)

    assert route.call_count == 1


async def test_a_5xx_to_a_write_is_an_unknown_outcome_not_retry_later(
    make_client: Callable[..., GatewayClient], gateway: respx.MockRouter
) -> None:
    route = gateway.post("/connectors/meteora/clmm/open-position").mock(
        return_value=httpx.Response(500, json=GENERIC_500)
    )

    async with make_client(max_retries=2) as client:
        with pytest.raises(TransactionOutcomeUnknownError) as raised:
            await _open(client)

    assert not isinstance(raised.value, GatewayUnavailableError)
    assert raised.value.status_code == 500
    assert "reconcile" in str(raised.value)
    assert route.call_count == 1


@pytest.mark.parametrize("path", ["/connectors/meteora/clmm/pool-info", "/trading/clmm/pool-info"])
async def test_pool_not_found_while_the_chain_status_fails_is_an_outage(
    path: str, make_client: Callable[..., GatewayClient], gateway: respx.MockRouter
) -> None:
    pool_info = gateway.get(path).mock(return_value=httpx.Response(404, json=POOL_NOT_FOUND))
    status = gateway.get("/chains/solana/status").mock(
        return_value=httpx.Response(500, json=GENERIC_500)
    )

    async with make_client(max_retries=0) as client:
        with pytest.raises(UpstreamUnavailableError) as raised:
            if path.startswith("/trading"):
                await client.trading_clmm.pool_info(connector="meteora", pool_address=POOL)
            else:
                await client.meteora.pool_info(POOL)

    assert raised.value.status_code == 404
    assert "retry later" in str(raised.value)
    # every attempt of the read is cross-checked (and, an outage, retried)
    assert pool_info.call_count == status.call_count >= 1
    assert status.calls[0].request.url.params["network"] == "mainnet-beta"


async def test_pool_not_found_while_the_chain_answers_is_a_missing_pool(
    make_client: Callable[..., GatewayClient], gateway: respx.MockRouter
) -> None:
    gateway.get("/connectors/meteora/clmm/pool-info").mock(
        return_value=httpx.Response(404, json=POOL_NOT_FOUND)
    )
    status = gateway.get("/chains/solana/status").mock(
        return_value=httpx.Response(200, json=STATUS_OK)
    )

    async with make_client(max_retries=2) as client:
        with pytest.raises(NotFoundError) as raised:
            await client.meteora.pool_info(POOL)

    assert type(raised.value) is NotFoundError
    assert status.call_count == 1


async def test_other_not_found_answers_are_not_cross_checked(
    make_client: Callable[..., GatewayClient], gateway: respx.MockRouter
) -> None:
    gateway.get("/connectors/meteora/clmm/position-info").mock(
        return_value=httpx.Response(404, json={"statusCode": 404, "message": "Position not found"})
    )
    status = gateway.get("/chains/solana/status").mock(
        return_value=httpx.Response(500, json=GENERIC_500)
    )

    async with make_client(max_retries=0) as client:
        with pytest.raises(NotFoundError):
            await client.meteora.position_info(POOL)

    assert status.call_count == 0
