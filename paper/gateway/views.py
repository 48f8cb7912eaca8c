"""Gateway response objects built from the paper chain (pools, positions, tokens, amounts)."""

from __future__ import annotations

from decimal import Context, Decimal
from typing import Any

from lpexec.lp.math.clmm import tick_to_price
from lpexec.lp.math.dlmm import BIN_ID_MAX, BIN_ID_MIN
from lpexec.paper.chain import PaperChain, PoolEntry, PositionRecord, Token
from lpexec.paper.pools import ClmmPool, DlmmPool

__all__ = [
    "fee_pct",
    "pool_info",
    "pool_list_item",
    "position_info",
    "price_number",
    "range_price",
    "token_item",
    "ui",
]

_PRICE_CONTEXT = Context(prec=15)


def ui(raw: int, decimals: int) -> Decimal:
    """Return a raw amount in whole tokens (exact)."""
    return Decimal(raw).scaleb(-decimals)


def price_number(price: Decimal) -> Decimal:
    """Return a price rounded to 15 significant digits (what a float64 carries)."""
    return _PRICE_CONTEXT.plus(price)


def fee_pct(entry: PoolEntry) -> Decimal:
    """Return the pool's base fee in percent (0.1 = 0.1 %)."""
    pool = entry.pool
    if isinstance(pool, DlmmPool):
        return Decimal(pool.base_fee_rate).scaleb(-7)
    return Decimal(pool.fee_rate).scaleb(-4)


def _reserves(entry: PoolEntry) -> tuple[int, int]:
    pool = entry.pool
    if isinstance(pool, DlmmPool):
        return pool.reserves()
    base, quote = pool.vault_balances()
    protocol = pool.protocol_fees()
    owed = [pool.claimable_fees(p) for p in pool.position_ids()]
    return (
        base - protocol.base_amount - sum(f.base_amount for f in owed),
        quote - protocol.quote_amount - sum(f.quote_amount for f in owed),
    )


def pool_info(entry: PoolEntry, *, extended: bool) -> dict[str, Any]:
    """Return Gateway's ``PoolInfo`` (plus Meteora's extras when ``extended``)."""
    pool = entry.pool
    base, quote = _reserves(entry)
    info: dict[str, Any] = {
        "address": pool.address,
        "baseTokenAddress": pool.base_mint,
        "quoteTokenAddress": pool.quote_mint,
        "binStep": pool.bin_step if isinstance(pool, DlmmPool) else pool.tick_spacing,
        "feePct": fee_pct(entry),
        "price": price_number(pool.price),
        "baseTokenAmount": ui(base, pool.base_decimals),
        "quoteTokenAmount": ui(quote, pool.quote_decimals),
        "activeBinId": pool.active_bin_id if isinstance(pool, DlmmPool) else pool.tick_current,
    }
    if extended and isinstance(pool, DlmmPool):
        info["dynamicFeePct"] = Decimal(pool.current_fee_rate).scaleb(-7)
        info["minBinId"] = BIN_ID_MIN
        info["maxBinId"] = BIN_ID_MAX
        info["bins"] = [
            {
                "binId": snapshot.bin_id,
                "price": price_number(snapshot.price),
                "baseTokenAmount": ui(snapshot.base_amount, pool.base_decimals),
                "quoteTokenAmount": ui(snapshot.quote_amount, pool.quote_decimals),
            }
            for snapshot in pool.bins_around_active(69)
        ]
    return info


def range_price(pool: DlmmPool | ClmmPool, index: int) -> Decimal:
    """Return the price of a bin id (DLMM) or tick (CLMM)."""
    if isinstance(pool, DlmmPool):
        return pool.bin_price(index)
    return tick_to_price(index, pool.base_decimals, pool.quote_decimals)


def position_info(
    chain: PaperChain, record: PositionRecord, *, zero_fees: bool = False
) -> dict[str, Any]:
    """Return Gateway's ``PositionInfo`` for an open position."""
    pool = chain.pool(record.pool_address)
    amounts = pool.position_amounts(record.address)
    base_fee = 0 if zero_fees else amounts.base_fee
    quote_fee = 0 if zero_fees else amounts.quote_fee
    return {
        "address": record.address,
        "poolAddress": record.pool_address,
        "baseTokenAddress": pool.base_mint,
        "quoteTokenAddress": pool.quote_mint,
        "baseTokenAmount": ui(amounts.base_amount, pool.base_decimals),
        "quoteTokenAmount": ui(amounts.quote_amount, pool.quote_decimals),
        "baseFeeAmount": ui(base_fee, pool.base_decimals),
        "quoteFeeAmount": ui(quote_fee, pool.quote_decimals),
        "lowerBinId": record.lower,
        "upperBinId": record.upper,
        "lowerPrice": price_number(range_price(pool, record.lower)),
        "upperPrice": price_number(range_price(pool, record.upper)),
        "price": price_number(pool.price),
    }


def token_item(token: Token) -> dict[str, Any]:
    """Return a token-list entry."""
    return {
        "chainId": token.chain_id,
        "name": token.name,
        "symbol": token.symbol,
        "address": token.address,
        "decimals": token.decimals,
    }


def pool_list_item(chain: PaperChain, entry: PoolEntry, network: str) -> dict[str, Any]:
    """Return an entry of Gateway's pool list (``GET /pools/``)."""
    pool = entry.pool
    base = chain.tokens.find(pool.base_mint)
    quote = chain.tokens.find(pool.quote_mint)
    return {
        "type": "clmm",
        "network": network,
        "baseSymbol": base.symbol if base else pool.base_mint,
        "quoteSymbol": quote.symbol if quote else pool.quote_mint,
        "baseTokenAddress": pool.base_mint,
        "quoteTokenAddress": pool.quote_mint,
        "feePct": fee_pct(entry),
        "address": pool.address,
    }
