"""``/chains/solana/*``: status, estimate-gas, balances, poll, wrap, unwrap."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from lpexec.paper.chain import LAMPORTS, SOL_MINT, TxStatus
from lpexec.paper.chain.costs import BASE_FEE_LAMPORTS_PER_SIGNATURE, lamports_to_sol
from lpexec.paper.chain.keys import is_address, is_signature
from lpexec.paper.gateway.context import Call, ConfirmStyle, GatewayContext, check_wallet_address
from lpexec.paper.gateway.encoding import format_decimal
from lpexec.paper.gateway.errors import bad_request, internal_error, unexpected_error
from lpexec.paper.gateway.routes import Route
from lpexec.paper.gateway.rpc import transaction_json
from lpexec.paper.gateway.views import ui

__all__ = ["SOLANA_ROUTES"]

DEFAULT_COMPUTE_UNITS = 200_000


async def status(ctx: GatewayContext, call: Call) -> Any:
    ctx.check_rpc(call, unexpected_error())
    return {
        "chain": "solana",
        "network": call.query["network"],
        "rpcUrl": ctx.rpc_url,
        "rpcProvider": "url",
        "currentBlockNumber": ctx.chain.slot,
        "nativeCurrency": "SOL",
        "swapProvider": "jupiter/router",
    }


async def estimate_gas(ctx: GatewayContext, call: Call) -> Any:
    del call  # never fails: Gateway falls back to its minimum fee
    price = ctx.chain.fee_schedule.compute_unit_price
    per_unit = Decimal(price).scaleb(-6)
    total = Decimal(price * DEFAULT_COMPUTE_UNITS).scaleb(-6) + BASE_FEE_LAMPORTS_PER_SIGNATURE
    return {
        "feePerComputeUnit": per_unit,
        "denomination": "lamports",
        "computeUnits": DEFAULT_COMPUTE_UNITS,
        "feeAsset": "SOL",
        "fee": total.scaleb(-9),
        "timestamp": int(ctx.chain.clock.now().timestamp() * 1000),
        "priorityFeeLevel": "High",
    }


async def balances(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    if ctx.upstream and not is_address(body["address"]):
        # 2.13 wraps web3's PublicKey error into a 500
        raise internal_error("Failed to get balances: Invalid public key input")
    address = check_wallet_address(body["address"])
    wanted: list[str] = body.get("tokens") or []
    tokens = [t for t in (ctx.chain.tokens.find(s) for s in wanted) if t is not None]
    if call.rpc_down:
        if not ctx.upstream:
            ctx.check_rpc(call)
        # Gateway 2.13 logs the RPC error and answers 200 with zeros
        symbols = [t.symbol for t in tokens] if wanted else ["SOL"]
        return {"balances": dict.fromkeys(symbols, 0)}
    if wanted:
        return {
            "balances": {
                t.symbol: ui(ctx.chain.balance(address, t.symbol), t.decimals) for t in tokens
            }
        }
    out: dict[str, Any] = {}
    for token in ctx.chain.tokens:
        raw = ctx.chain.balance(address, token.symbol)
        if raw or token.address == SOL_MINT:
            out[token.symbol] = ui(raw, token.decimals)
    return {"balances": out}


async def poll(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    ctx.check_rpc(call, unexpected_error())
    chain = ctx.chain
    signature = body["signature"]
    base: dict[str, Any] = {
        "currentBlock": chain.slot,
        "signature": signature,
        "txBlock": None,
        "txStatus": 0,
        "fee": None,
        "txData": None,
    }
    if not is_signature(signature):
        return {**base, "error": "Invalid transaction signature format"}
    wallet = body.get("walletAddress")
    if ctx.upstream and not is_address(wallet or ""):
        # observed in 2.13: no valid wallet -> even a confirmed tx reads as status 0
        return {**base, "error": "Transaction not found or invalid"}
    tx = chain.transaction(signature)
    if tx is None or chain.status(signature) is TxStatus.PENDING:
        return base
    result = {
        **base,
        "txBlock": tx.slot,
        "txStatus": int(chain.status(signature)),
        "fee": lamports_to_sol(tx.fee),
        "txData": transaction_json(tx),
    }
    tokens = body.get("tokens")
    if tokens and wallet:
        result["tokenBalanceChanges"] = _balance_changes(ctx, tx, wallet, tokens)
    return result


def _balance_changes(ctx: GatewayContext, tx: Any, wallet: str, tokens: list[str]) -> Any:
    changes: dict[str, Decimal] = {}
    for wanted in tokens:
        token = ctx.chain.tokens.find(wanted)
        if token is None:
            continue
        if token.address == SOL_MINT:
            delta = sum(
                e.delta
                for e in ctx.chain.ledger.entries(signature=tx.signature, account=wallet)
                if e.asset == LAMPORTS
            )
        else:
            account = ctx.chain.token_account(wallet, token.address)
            delta = sum(
                e.delta
                for e in ctx.chain.ledger.entries(signature=tx.signature, account=account)
                if e.asset == token.address
            )
        changes[wanted] = ui(delta, token.decimals)
    return changes


def _sol_amount(text: str) -> int:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise bad_request(f"Invalid amount: {text}. Expected a positive SOL amount") from None
    if not amount.is_finite() or amount <= 0:
        raise bad_request(f"Invalid amount: {text}. Expected a positive SOL amount")
    return int(amount.scaleb(9).to_integral_value(rounding=ROUND_DOWN))


async def wrap(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    address = ctx.signer(body["address"])
    lamports = _sol_amount(body["amount"])
    ctx.check_rpc(call, unexpected_error())
    receipt = ctx.chain.wrap(address, lamports, fate=call.fate)
    return await _wrap_answer(ctx, call, receipt)


async def unwrap(ctx: GatewayContext, call: Call) -> Any:
    body = call.body
    address = ctx.signer(body["address"])
    if "amount" in body:
        _sol_amount(body["amount"])
    ctx.check_rpc(call, unexpected_error())
    if not ctx.chain.has_token_account(address, SOL_MINT):
        raise bad_request(f"No wrapped SOL account found for address: {address}")
    receipt = ctx.chain.unwrap(address, fate=call.fate)
    return await _wrap_answer(ctx, call, receipt)


async def _wrap_answer(ctx: GatewayContext, call: Call, receipt: Any) -> Any:
    status_code = await ctx.settle(receipt, call, ConfirmStyle.RAW)
    answer: dict[str, Any] = {"signature": receipt.signature, "status": status_code}
    if status_code == 1:
        answer["data"] = {
            "fee": format_decimal(lamports_to_sol(receipt.fee)),
            "amount": format_decimal(lamports_to_sol(receipt.amount)),
            "wrappedAddress": receipt.wrapped_address,
            "nativeToken": "SOL",
            "wrappedToken": "WSOL",
        }
    return answer


SOLANA_ROUTES = [
    Route("GET", "/chains/solana/status", status, operation="status"),
    Route("GET", "/chains/solana/estimate-gas", estimate_gas, operation="status"),
    Route("POST", "/chains/solana/balances", balances, operation="balances"),
    Route("POST", "/chains/solana/poll", poll, operation="poll"),
    Route("POST", "/chains/solana/wrap", wrap, operation="wrap"),
    Route("POST", "/chains/solana/unwrap", unwrap, operation="unwrap"),
]
