"""gateway_client against the paper Gateway over a real loopback socket.

A full LP cycle (open -> swaps make fees accrue -> collect -> close) through the typed SDK, with
every amount checked against the paper chain's ledger: deposits, fees claimed, withdrawals,
rent locked and refunded, network fees. In upstream mode the client's own normalizations
(Meteora's BUY quote price, the double-counted priority fee) must give the ledger's numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from fixtures.paper_runtime import serve_in_thread
from gateway_client import GatewayClient, PositionClosedError, estimate_priority_fee
from lpexec.paper.chain import LAMPORTS, SOL_MINT, Cause, PaperChain
from lpexec.paper.gateway import PaperGateway, build_paper_gateway

USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"


@pytest.fixture(params=["clean", "upstream"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, PaperGateway]]:
    gateway = build_paper_gateway(seed=21, mode=request.param, rate_limit=None)
    with serve_in_thread(gateway) as base_url:
        yield base_url, gateway


def _wallet_delta(chain: PaperChain, signature: str, wallet: str, cause: Cause, mint: str) -> int:
    """What the wallet received (or paid, negative) for ``cause`` in one transaction."""
    accounts = {wallet} if mint == SOL_MINT else {chain.token_account(wallet, mint)}
    assets = {LAMPORTS, SOL_MINT} if mint == SOL_MINT else {mint}
    return sum(
        e.delta
        for e in chain.ledger.entries(signature=signature, cause=cause)
        if e.account in accounts and e.asset in assets
    )


def _sol(lamports: int) -> Decimal:
    return Decimal(lamports).scaleb(-9)


def _usdc(raw: int) -> Decimal:
    return Decimal(raw).scaleb(-6)


async def test_full_lp_cycle_matches_the_ledger(served: tuple[str, PaperGateway]) -> None:
    base_url, gateway = served
    chain, wallet = gateway.chain, gateway.wallet
    upstream = gateway.app.state.gateway.upstream
    pool_address = chain.pools("meteora")[0].pool.address
    async with GatewayClient(base_url, rate_limit_per_minute=None) as client:
        assert (await client.health()).status == "ok"
        pool = await client.meteora.pool_info(pool_address)
        low, high = pool.price * Decimal("0.98"), pool.price * Decimal("1.02")

        opened = await client.meteora.open_position(
            pool_address,
            lower_price=low,
            upper_price=high,
            wallet_address=wallet,
            base_token_amount=Decimal(2),
            quote_token_amount=Decimal(360),
        )
        assert opened.is_confirmed and opened.data is not None
        position = opened.data.position_address
        open_sig = opened.signature
        assert -_wallet_delta(chain, open_sig, wallet, Cause.DEPOSIT, USDC) == 360 * 10**6
        assert opened.data.quote_token_amount_added == Decimal(360)
        assert opened.data.position_rent == _sol(
            -_wallet_delta(chain, open_sig, wallet, Cause.RENT_LOCKED, SOL_MINT)
        )
        if not upstream:
            assert opened.data.base_token_amount_added == _sol(
                -_wallet_delta(chain, open_sig, wallet, Cause.DEPOSIT, SOL_MINT)
            )

        for side in ("SELL", "BUY", "SELL", "BUY"):
            swapped = await client.meteora.execute_swap(
                base_token="SOL",
                quote_token="USDC",
                amount=Decimal(4),
                side=side,
                wallet_address=wallet,
                pool_address=pool_address,
                slippage=Decimal("0.02"),
            )
            assert swapped.is_confirmed

        quote = await client.meteora.quote_swap(
            base_token="SOL",
            quote_token="USDC",
            amount=Decimal(1),
            side="BUY",
            pool_address=pool_address,
        )
        assert pool.price * Decimal("0.95") < quote.price < pool.price * Decimal("1.05")

        info = await client.meteora.position_info(position)
        owed = chain.pool(pool_address).claimable_fees(position)
        assert (info.base_fee_amount, info.quote_fee_amount) == (
            _sol(owed.base_amount),
            _usdc(owed.quote_amount),
        )
        assert owed.base_amount > 0 and owed.quote_amount > 0

        collected = await client.meteora.collect_fees(position, wallet_address=wallet)
        assert collected.is_confirmed and collected.data is not None
        claimed_usdc = _wallet_delta(chain, collected.signature, wallet, Cause.FEE_CLAIM, USDC)
        claimed_sol = _wallet_delta(chain, collected.signature, wallet, Cause.FEE_CLAIM, SOL_MINT)
        assert (claimed_sol, claimed_usdc) == (owed.base_amount, owed.quote_amount)
        assert collected.data.quote_fee_amount_collected == _usdc(claimed_usdc)

        poll = await client.solana.poll(collected.signature, wallet_address=wallet)
        tx_fee = -_wallet_delta(chain, collected.signature, wallet, Cause.TX_FEE, SOL_MINT)
        assert poll.fee == _sol(tx_fee) and poll.compute_units_consumed
        gas = await client.solana.estimate_gas()
        priority = estimate_priority_fee(
            compute_unit_price=gas.fee_per_compute_unit, compute_units=poll.compute_units_consumed
        )
        if upstream:
            # 2.13 counts the priority fee twice; the client's correction gives the fee paid
            assert collected.data.fee == _sol(tx_fee) + priority
            assert collected.data.corrected_fee(priority_fee=priority) == _sol(tx_fee)
        else:
            assert collected.data.fee == _sol(tx_fee)
            assert collected.data.base_fee_amount_collected == _sol(claimed_sol)

        closed = await client.meteora.close_position(position, wallet_address=wallet)
        assert closed.is_confirmed and closed.data is not None
        withdrawn_usdc = _wallet_delta(chain, closed.signature, wallet, Cause.WITHDRAW, USDC)
        assert closed.data.quote_token_amount_removed == _usdc(withdrawn_usdc)
        refunded = _wallet_delta(chain, closed.signature, wallet, Cause.RENT_REFUNDED, SOL_MINT)
        assert closed.data.position_rent_refunded == _sol(refunded) == opened.data.position_rent
        if not upstream:
            withdrawn_sol = _wallet_delta(chain, closed.signature, wallet, Cause.WITHDRAW, SOL_MINT)
            assert closed.data.base_token_amount_removed == _sol(withdrawn_sol)

        with pytest.raises(PositionClosedError):
            await client.meteora.position_info(position)
        assert await client.meteora.positions_owned(wallet) == []
        balances = await client.solana.balances(wallet, tokens=["SOL", "USDC"])
    assert balances.balances["SOL"] == _sol(chain.balance(wallet, "SOL"))
    assert balances.balances["USDC"] == _usdc(chain.balance(wallet, "USDC"))
    assert chain.audit() == []
