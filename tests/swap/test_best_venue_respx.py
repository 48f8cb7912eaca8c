"""The best-quote swap venue against a Gateway faked at the transport (respx).

Covers Jupiter's quote -> execute-quote flow by ``quoteId``, quote renewal by age and after
Gateway forgot a quote, the limit kept on a renewed quote, clear non-retried errors (no route,
slippage), and reconciliation by poll (a signature) and by balances (a 504 without one).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest
import respx

from gateway_client import GatewayClient, RetryPolicy
from lpexec.core import (
    UTC,
    CloseType,
    Evidence,
    ExecutorStarted,
    OutcomeUnknownError,
    VenueRejectedError,
)
from lpexec.core.clock import SimulatedClock
from lpexec.swap import (
    ExecuteSwap,
    SwapExecutor,
    SwapExecutorConfig,
    SwapFilled,
    SwapQuoted,
    SwapQuoteRefreshed,
)
from lpexec.venues.gateway import BestQuoteSwapVenue

BASE = "http://gateway.test"
WALLET = "AabEVCB1sWgCPxbn6hFYM4Ukj7UubpBRbbYqRnqRXnZD"
SOL_MINT = "So11111111111111111111111111111111111111112"
USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
SIGNATURE = (
    "2opPG8d8XvnWg54FKutcx6gENWySPwbm1VMedp9PL8Krb7PoEFZv1X76HcJPAoo4gDNvmJrP3DBsVcQ1WTHE6VVo"
)
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
D = Decimal
QUOTE_SWAP = "/connectors/jupiter/router/quote-swap"
EXECUTE_QUOTE = "/connectors/jupiter/router/execute-quote"


def jupiter_quote(
    quote_id: str, amount_out: str, slippage_pct: str = "1", amount_in: str = "0.1"
) -> dict:
    out, paid = D(amount_out), D(amount_in)
    minimum = out * (1 - D(slippage_pct) / 100)
    return {
        "quoteId": quote_id,
        "tokenIn": SOL_MINT,
        "tokenOut": USDC_MINT,
        "amountIn": float(paid),
        "amountOut": float(out),
        "price": float(out / paid),
        "priceImpactPct": 0.0000412,
        "minAmountOut": float(minimum),
        "maxAmountIn": float(paid),
        "quoteResponse": {
            "inputMint": SOL_MINT,
            "inAmount": str(int(paid * 10**9)),
            "outputMint": USDC_MINT,
            "outAmount": str(int(out * 10**6)),
            "otherAmountThreshold": str(int(minimum * 10**6)),
            "swapMode": "ExactIn",
            "slippageBps": int(D(slippage_pct) * 100),
            "priceImpactPct": "0.0000412",
            "routePlan": [
                {
                    "swapInfo": {
                        "ammKey": "2QdhepnKRTLjjSqPL1PtKNwqrUkoLee5Gqs8bvZhRdMv",
                        "label": "Raydium CLMM",
                        "inputMint": SOL_MINT,
                        "outputMint": USDC_MINT,
                        "inAmount": str(int(paid * 10**9)),
                        "outAmount": str(int(out * 10**6)),
                        "feeAmount": "4086",
                        "feeMint": USDC_MINT,
                    },
                    "percent": 100,
                }
            ],
        },
    }


CONFIRMED = {
    "signature": SIGNATURE,
    "status": 1,
    "data": {
        "tokenIn": SOL_MINT,
        "tokenOut": USDC_MINT,
        "amountIn": 0.100011167,
        "amountOut": 16.345612,
        "fee": 0.000011167,
        "baseTokenBalanceChange": -0.100011167,
        "quoteTokenBalanceChange": 16.345612,
    },
}


def poll_answer(status: int, *, changes: dict | None = None, fee_lamports: int = 11167) -> dict:
    answer = {
        "currentBlock": 380000000,
        "signature": SIGNATURE,
        "txBlock": 379999995 if status else None,
        "txStatus": status,
        "fee": fee_lamports / 1e9 if status else None,
        "txData": {"meta": {"err": None, "fee": fee_lamports}} if status else None,
    }
    if changes is not None:
        answer["tokenBalanceChanges"] = changes
    return answer


def balances(sol: str, usdc: str) -> httpx.Response:
    return httpx.Response(200, json={"balances": {"SOL": float(sol), "USDC": float(usdc)}})


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(T0)


@pytest.fixture
def gateway():
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def venue(clock):
    client = GatewayClient(
        BASE,
        clock=clock,
        retry_policy=RetryPolicy(initial_wait=0, max_wait=0),
        rate_limit_per_minute=None,
    )
    async with client:
        yield BestQuoteSwapVenue(client, wallet_address=WALLET, clock=clock, settle_seconds=90)


def executor(**overrides) -> SwapExecutor:
    values = {"trading_pair": "SOL-USDC", "side": "SELL", "amount": D("0.1"), **overrides}
    return SwapExecutor(SwapExecutorConfig(**values), created_at=T0)


async def quote_and_choose(swap: SwapExecutor, venue: BestQuoteSwapVenue) -> ExecuteSwap:
    (quote_command,) = swap.apply(ExecutorStarted(ts_event=T0))
    quoted = await venue.quote_swaps(quote_command)
    (execute,) = swap.apply(quoted)
    return execute


async def test_jupiter_quote_then_execute_quote_by_id(gateway, venue):
    evidence: dict = {}
    # Arrange
    quote_route = gateway.get(QUOTE_SWAP).respond(json=jupiter_quote("q-1", "16.345612"))
    gateway.post("/chains/solana/balances").mock(return_value=balances("100", "20000"))
    execute_route = gateway.post(EXECUTE_QUOTE).respond(json=CONFIRMED)
    gateway.post("/chains/solana/poll").respond(json=poll_answer(1))
    swap = executor()
    # Act
    (quote_command,) = swap.apply(ExecutorStarted(ts_event=T0))
    quoted = await venue.quote_swaps(quote_command)
    (execute,) = swap.apply(quoted)
    events = await venue.execute_swap(execute, Evidence(evidence, on_record=evidence.update))
    for event in events:
        swap.apply(event)
    # Assert: the quoted id was executed, and the fill is what moved with the fee apart
    params = quote_route.calls.last.request.url.params
    assert (params["amount"], params["side"], params["slippagePct"]) == ("0.1", "SELL", "1")
    assert isinstance(quoted, SwapQuoted)
    (chosen,) = quoted.quotes
    assert (chosen.quote_id, chosen.quote_amount) == ("q-1", D("16.345612"))
    assert chosen.price_impact == D("0.0000412")  # Jupiter's ratio, passed through by Gateway
    assert chosen.route == "Raydium CLMM 2QdhepnKRTLjjSqPL1PtKNwqrUkoLee5Gqs8bvZhRdMv"
    assert quoted.balances == {"SOL": D(100), "USDC": D(20000)}
    body = json.loads(execute_route.calls.last.request.content)
    assert (body["quoteId"], body["walletAddress"]) == ("q-1", WALLET)
    (fill,) = events
    assert isinstance(fill, SwapFilled)
    assert (fill.base_amount, fill.quote_amount, fill.tx_fee) == (
        D("0.1"),
        D("16.345612"),
        D("0.000011167"),
    )
    assert (fill.signature, fill.provider, fill.evidence) == (
        SIGNATURE,
        "jupiter/router",
        "response",
    )
    assert swap.close_type is CloseType.COMPLETED
    assert swap.details().realized_slippage == 0


async def test_a_quote_older_than_the_max_age_is_renewed_at_our_limit_before_executing(
    gateway, venue, clock
):
    evidence: dict = {}
    # Arrange: the first quote is chosen, then 30 s pass; the market gives a little less
    answers = iter(
        [
            jupiter_quote("q-1", "16.345612"),
            jupiter_quote("q-2", "16.30"),
            jupiter_quote("q-3", "16.30", slippage_pct="0.7229"),
        ]
    )
    quote_route = gateway.get(QUOTE_SWAP).mock(
        side_effect=lambda request: httpx.Response(200, json=next(answers))
    )
    gateway.post("/chains/solana/balances").mock(return_value=balances("100", "20000"))
    execute_route = gateway.post(EXECUTE_QUOTE).respond(json=CONFIRMED)
    gateway.post("/chains/solana/poll").respond(json=poll_answer(1))
    swap = executor(max_quote_age_seconds=10)
    execute = await quote_and_choose(swap, venue)
    clock.advance(30)
    # Act
    events = await venue.execute_swap(execute, Evidence(evidence, on_record=evidence.update))
    # Assert: renewed, then asked again with the slippage that keeps Jupiter's bound at ours
    assert quote_route.call_count == 3
    slippages = [call.request.url.params["slippagePct"] for call in quote_route.calls]
    assert slippages == ["1", "1", "0.7229"]
    assert json.loads(execute_route.calls.last.request.content)["quoteId"] == "q-3"
    refreshed, fill = events
    assert isinstance(refreshed, SwapQuoteRefreshed)
    assert (refreshed.reason, refreshed.quote.quote_id) == ("age", "q-3")
    assert refreshed.quote.min_amount_out >= execute.limit
    assert isinstance(fill, SwapFilled)


async def test_a_renewed_quote_outside_the_limit_is_refused_and_never_sent(gateway, venue, clock):
    evidence: dict = {}
    answers = iter([jupiter_quote("q-1", "16.345612"), jupiter_quote("q-2", "16.0")])
    gateway.get(QUOTE_SWAP).mock(
        side_effect=lambda request: httpx.Response(200, json=next(answers))
    )
    gateway.post("/chains/solana/balances").mock(return_value=balances("100", "20000"))
    execute_route = gateway.post(EXECUTE_QUOTE).respond(json=CONFIRMED)
    execute = await quote_and_choose(executor(), venue)
    clock.advance(11)

    with pytest.raises(VenueRejectedError) as caught:
        await venue.execute_swap(execute, Evidence(evidence, on_record=evidence.update))

    assert caught.value.code == "slippage_exceeded"
    assert "now quotes 16 for SELL 0.1 SOL-USDC, expected at least 16.18215588" in str(caught.value)
    assert "nothing was sent" in str(caught.value)
    assert execute_route.call_count == 0


async def test_a_quote_gateway_forgot_is_renewed_once_and_executed(gateway, venue):
    evidence: dict = {}
    answers = iter([jupiter_quote("q-1", "16.345612"), jupiter_quote("q-2", "16.35")])
    gateway.get(QUOTE_SWAP).mock(
        side_effect=lambda request: httpx.Response(200, json=next(answers))
    )
    gateway.post("/chains/solana/balances").mock(return_value=balances("100", "20000"))
    forgotten = httpx.Response(
        400,
        json={"statusCode": 400, "error": "HttpError", "message": "Quote not found or expired"},
    )
    execute_route = gateway.post(EXECUTE_QUOTE).mock(
        side_effect=[forgotten, httpx.Response(200, json=CONFIRMED)]
    )
    gateway.post("/chains/solana/poll").respond(json=poll_answer(1))
    execute = await quote_and_choose(executor(), venue)

    refreshed, fill = await venue.execute_swap(
        execute, Evidence(evidence, on_record=evidence.update)
    )

    ids = [json.loads(call.request.content)["quoteId"] for call in execute_route.calls]
    assert ids == ["q-1", "q-2"]
    assert (refreshed.reason, refreshed.quote.quote_id) == ("expired", "q-2")
    assert isinstance(fill, SwapFilled)


async def test_no_route_found_is_a_clear_final_failure(gateway, venue):
    gateway.get(QUOTE_SWAP).respond(
        404,
        json={
            "statusCode": 404,
            "error": "HttpError",
            "message": "No route found for SOL -> USDC (ExactIn). Could not find any route",
        },
    )
    gateway.post("/chains/solana/balances").mock(return_value=balances("100", "20000"))
    swap = executor()
    (quote_command,) = swap.apply(ExecutorStarted(ts_event=T0))

    quoted = await venue.quote_swaps(quote_command)
    commands = swap.apply(quoted)

    (failure,) = quoted.failures
    assert (failure.provider, failure.code, failure.retryable) == (
        "jupiter/router",
        "no_route",
        False,
    )
    assert commands == []
    assert swap.close_type is CloseType.FAILED
    assert "no route found for SELL 0.1 SOL-USDC" in swap.state.failure_reason
    assert "No route found for SOL -> USDC (ExactIn)" in swap.state.failure_reason


async def test_slippage_at_execution_is_a_rejection_not_a_retry(gateway, venue):
    evidence: dict = {}
    gateway.get(QUOTE_SWAP).respond(json=jupiter_quote("q-1", "16.345612"))
    gateway.post("/chains/solana/balances").mock(return_value=balances("100", "20000"))
    execute_route = gateway.post(EXECUTE_QUOTE).respond(
        400,
        json={
            "statusCode": 400,
            "error": "Error",
            "message": "Swap failed: Slippage tolerance exceeded. Output would be less than "
            "your minimum. Consider increasing slippage.",
        },
    )
    execute = await quote_and_choose(executor(), venue)

    with pytest.raises(VenueRejectedError) as caught:
        await venue.execute_swap(execute, Evidence(evidence, on_record=evidence.update))

    assert caught.value.code == "slippage_exceeded"
    assert execute_route.call_count == 1


async def test_a_pending_swap_is_reconciled_by_polling_its_signature(gateway, venue, clock):
    evidence: dict = {}
    # Arrange: the answer is status 0 and the poll stays pending past the confirm deadline
    gateway.get(QUOTE_SWAP).respond(json=jupiter_quote("q-1", "16.345612"))
    gateway.post("/chains/solana/balances").mock(return_value=balances("100", "20000"))
    gateway.post(EXECUTE_QUOTE).respond(json={"signature": SIGNATURE, "status": 0})
    poll_route = gateway.post("/chains/solana/poll").respond(json=poll_answer(0))
    execute = await quote_and_choose(executor(), venue)
    with pytest.raises(OutcomeUnknownError):
        await venue.execute_swap(execute, Evidence(evidence, on_record=evidence.update))
    # Act: it confirms later
    changes = {"SOL": -0.100011167, "USDC": 16.3401}
    poll_route.respond(json=poll_answer(1, changes=changes))
    outcome = await venue.reconcile(execute, Evidence(evidence, on_record=evidence.update))
    # Assert
    assert isinstance(outcome, SwapFilled)
    assert (outcome.evidence, outcome.signature) == ("poll", SIGNATURE)
    assert (outcome.base_amount, outcome.quote_amount, outcome.tx_fee) == (
        D("0.1"),
        D("16.3401"),
        D("0.000011167"),
    )


async def test_a_pending_swap_that_never_lands_is_given_up_only_after_the_settle_window(
    gateway, venue, clock
):
    evidence: dict = {}
    gateway.get(QUOTE_SWAP).respond(json=jupiter_quote("q-1", "16.345612"))
    gateway.post("/chains/solana/balances").mock(return_value=balances("100", "20000"))
    gateway.post(EXECUTE_QUOTE).respond(json={"signature": SIGNATURE, "status": 0})
    gateway.post("/chains/solana/poll").respond(json=poll_answer(0))
    execute = await quote_and_choose(executor(), venue)
    with pytest.raises(OutcomeUnknownError):
        await venue.execute_swap(execute, Evidence(evidence, on_record=evidence.update))

    with pytest.raises(OutcomeUnknownError, match="still pending"):
        await venue.reconcile(execute, Evidence(evidence, on_record=evidence.update))
    clock.advance(89)
    with pytest.raises(OutcomeUnknownError):
        await venue.reconcile(execute, Evidence(evidence, on_record=evidence.update))
    clock.advance(1)

    assert await venue.reconcile(execute, Evidence(evidence, on_record=evidence.update)) is None


METEORA_QUOTE = {
    "poolAddress": "5rCf1DM8LjKTw4YqhnoLcngyZYeNnQqztScTogYHAS6",
    "tokenIn": SOL_MINT,
    "tokenOut": USDC_MINT,
    "amountIn": 2,
    "amountOut": 359.2,
    "price": 179.6,
    "slippagePct": 1,
    "minAmountOut": 355.608,
    "maxAmountIn": 2,
    "priceImpactPct": 0,
}
TIMEOUT = {
    "statusCode": 504,
    "error": "HttpError",
    "code": "TRANSACTION_TIMEOUT",
    "message": "Transaction failed to confirm after 10 attempts",
}


async def test_a_504_without_signature_is_reconciled_from_the_wallet(gateway, venue):
    evidence: dict = {}
    # Arrange: Meteora quotes best, its swap answers 504, the wallet shows the swap
    gateway.get(QUOTE_SWAP).respond(json=jupiter_quote("q-1", "358", amount_in="2"))
    gateway.get("/connectors/meteora/clmm/quote-swap").respond(json=METEORA_QUOTE)
    wallet = gateway.post("/chains/solana/balances").mock(return_value=balances("100", "20000"))
    swap_route = gateway.post("/connectors/meteora/clmm/execute-swap").respond(504, json=TIMEOUT)
    swap = executor(amount=D(2), swap_providers=("meteora/clmm",))
    execute = await quote_and_choose(swap, venue)
    with pytest.raises(OutcomeUnknownError):
        await venue.execute_swap(execute, Evidence(evidence, on_record=evidence.update))
    wallet.mock(return_value=balances("97.99996", "20359.1"))
    # Act
    outcome = await venue.reconcile(execute, Evidence(evidence, on_record=evidence.update))
    swap.apply(outcome)
    # Assert: the pool quoted was the pool swapped, at a slippage keeping Gateway at our limit
    body = json.loads(swap_route.calls.last.request.content)
    assert execute.provider == "meteora/clmm"
    assert (body["poolAddress"], body["slippagePct"]) == (METEORA_QUOTE["poolAddress"], 1)
    assert isinstance(outcome, SwapFilled)
    assert (outcome.evidence, outcome.signature) == ("balances", "")
    assert (outcome.base_amount, outcome.quote_amount, outcome.tx_fee) == (
        D(2),
        D("359.1"),
        D("0.00004"),
    )
    assert swap.close_type is CloseType.COMPLETED
    assert swap.details().evidence == "balances"


async def test_a_504_whose_wallet_does_not_tell_stays_unknown(gateway, venue, clock):
    evidence: dict = {}
    gateway.get(QUOTE_SWAP).respond(json=jupiter_quote("q-1", "358", amount_in="2"))
    gateway.get("/connectors/meteora/clmm/quote-swap").respond(json=METEORA_QUOTE)
    wallet = gateway.post("/chains/solana/balances").mock(return_value=balances("100", "20000"))
    gateway.post("/connectors/meteora/clmm/execute-swap").respond(504, json=TIMEOUT)
    execute = await quote_and_choose(executor(amount=D(2), swap_providers=("meteora/clmm",)), venue)
    with pytest.raises(OutcomeUnknownError):
        await venue.execute_swap(execute, Evidence(evidence, on_record=evidence.update))
    wallet.mock(return_value=balances("97.99996", "20100"))
    clock.advance(600)

    with pytest.raises(OutcomeUnknownError, match="inspect the wallet"):
        await venue.reconcile(execute, Evidence(evidence, on_record=evidence.update))


async def test_a_quote_for_another_amount_is_not_compared(gateway, venue):
    gateway.get(QUOTE_SWAP).respond(json=jupiter_quote("q-1", "400", amount_in="2.2"))
    gateway.get("/connectors/meteora/clmm/quote-swap").respond(json=METEORA_QUOTE)
    gateway.post("/chains/solana/balances").mock(return_value=balances("100", "20000"))
    swap = executor(amount=D(2), swap_providers=("meteora/clmm",))

    execute = await quote_and_choose(swap, venue)

    (failure,) = swap.details().failures
    assert (failure.provider, failure.code) == ("jupiter/router", "amount_mismatch")
    assert "expected a quote for 2 base, received one for 2.2" in failure.reason
    assert execute.provider == "meteora/clmm"


async def test_an_unknown_provider_is_refused_before_anything_is_sent(gateway, venue):
    gateway.get(QUOTE_SWAP).respond(json=jupiter_quote("q-1", "16.345612"))
    gateway.post("/chains/solana/balances").mock(return_value=balances("100", "20000"))
    execute = await quote_and_choose(executor(), venue)

    with pytest.raises(VenueRejectedError) as caught:
        await venue.execute_swap(dataclasses.replace(execute, provider="Jupiter"), Evidence())

    assert caught.value.code == "unknown_provider"
    assert "expected name/type (e.g. jupiter/router), received 'Jupiter'" in str(caught.value)
