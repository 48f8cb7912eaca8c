"""Preflight reads: the pool and the wallet through Gateway, then the pure checks of
:mod:`lpexec.lp.preflight`."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from gateway_client import GatewayClient, GatewayError, NotFoundError
from lpexec.core import ConfigError
from lpexec.lp.config import LPExecutorConfig
from lpexec.lp.preflight import PoolSnapshot, PoolToken, check_open, wallet_snapshot
from lpexec.venues.gateway.unified_clmm import UnifiedClmm

__all__ = ["preflight", "read_balances", "read_pool"]


async def read_pool(
    client: GatewayClient, *, pool_address: str, lp_provider: str, network: str
) -> PoolSnapshot:
    """Read a pool's price, bin step and tokens (mints, and symbols from Gateway's token list)
    through the routes the LP venue of ``lp_provider`` uses.

    Raises:
        ConfigError: the pool or its tokens cannot be read (``pool_address: ...``).
    """
    is_dlmm = lp_provider == "meteora/clmm"
    resource: Any = client.meteora if is_dlmm else UnifiedClmm(client.trading_clmm, lp_provider)
    try:
        info = await resource.pool_info(pool_address, network=network)
        base = await _pool_token(client, info.base_token_address, network=network)
        quote = await _pool_token(client, info.quote_token_address, network=network)
    except GatewayError as e:
        raise ConfigError(f"pool_address: could not read pool {pool_address}: {e}") from e
    return PoolSnapshot(
        price=info.price,
        bin_step=info.bin_step if is_dlmm else None,
        base=base,
        quote=quote,
    )


async def _pool_token(client: GatewayClient, address: str, *, network: str) -> PoolToken:
    try:
        token = await client.tokens.get(address, chain="solana", network=network)
    except NotFoundError:
        return PoolToken(address=address)
    return PoolToken(address=address, symbol=token.symbol)


async def read_balances(
    client: GatewayClient, *, wallet_address: str, tokens: Iterable[str], network: str
) -> dict[str, Decimal] | None:
    """The wallet's balances of ``tokens``; None when Gateway answers only zeros.

    Gateway answers zeros when its RPC fails: zeros prove nothing, so callers skip the funds
    checks then.

    Raises:
        ConfigError: the balances cannot be read (``wallet: ...``).
    """
    try:
        answer = await client.solana.balances(
            wallet_address, tokens=sorted(set(tokens)), network=network
        )
    except GatewayError as e:
        raise ConfigError(f"wallet: could not read the balances of {wallet_address}: {e}") from e
    amounts = {token: Decimal(amount) for token, amount in answer.balances.items()}
    return amounts if any(amounts.values()) else None


async def preflight(
    config: LPExecutorConfig, client: GatewayClient, *, wallet_address: str, network: str
) -> PoolSnapshot:
    """Read the pool and the wallet and run :func:`check_open`; return the pool snapshot.

    Example:
        ``await preflight(config, runtime.client, wallet_address=runtime.wallet,
        network="mainnet-beta")`` before ``await runtime.engine.create(config)``.

    Raises:
        ConfigError: a problem with the request, or the pool or the wallet cannot be read.
    """
    pool = await read_pool(
        client, pool_address=config.pool_address, lp_provider=config.lp_provider, network=network
    )
    balances = await read_balances(
        client,
        wallet_address=wallet_address,
        tokens=(config.native_token, config.base_token, config.quote_token),
        network=network,
    )
    wallet = None if balances is None else wallet_snapshot(config, balances)
    check_open(config, pool=pool, wallet=wallet)
    return pool
