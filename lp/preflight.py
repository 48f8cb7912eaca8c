"""Checks before an LP open is sent: the ones that need the pool or the wallet.

``check_open`` is pure (a pool and a wallet snapshot in, every problem out as one ConfigError);
``preflight`` reads the snapshots through the Gateway client and calls it. The CLI, the library
and the daemon run it before ``engine.create``; the venue would refuse the same requests later,
but after the user has already waited.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core import ConfigError
from gateway_client import GatewayClient, GatewayError
from lp.config import LPExecutorConfig
from lp.math import GATEWAY_MAX_POSITION_WIDTH, lamports_to_sol, position_rent_lamports

__all__ = ["PoolSnapshot", "WalletSnapshot", "check_open", "preflight"]

FEE_RESERVE_SOL = Decimal("0.01")
"""SOL kept back for transaction fees (Gateway's own balance check adds the same)."""


@dataclass(frozen=True, slots=True)
class PoolSnapshot:
    """What the checks need to know of a pool."""

    price: Decimal
    bin_step: int | None
    """DLMM bin step in basis points; None for tick CLMMs (no width limit checked)."""


@dataclass(frozen=True, slots=True)
class WalletSnapshot:
    """The wallet's balances of the native token and of the pool's two tokens."""

    native: Decimal
    base: Decimal
    quote: Decimal


def bins_between(lower: Decimal, upper: Decimal, bin_step: int) -> int:
    """Bins a DLMM position over ``[lower, upper]`` covers (both ends included)."""
    ratio = (upper / lower).ln() / (1 + Decimal(bin_step) / 10_000).ln()
    return int(ratio.to_integral_value(rounding="ROUND_CEILING")) + 1


def check_open(
    config: LPExecutorConfig,
    *,
    pool: PoolSnapshot,
    wallet: WalletSnapshot | None,
    max_bins: int = GATEWAY_MAX_POSITION_WIDTH,
) -> None:
    """Raise one ConfigError listing every problem of opening ``config`` on ``pool``."""
    problems: list[str] = []
    price = pool.price
    if config.lower_price > price and config.quote_amount != 0:
        problems.append(
            f"quote_amount: the range starts above the pool price ({config.lower_price} > "
            f"{price}) so it takes base only; expected quote_amount=0, received "
            f"{config.quote_amount}"
        )
    if config.upper_price < price and config.base_amount != 0:
        problems.append(
            f"base_amount: the range ends below the pool price ({config.upper_price} < {price}) "
            f"so it takes quote only; expected base_amount=0, received {config.base_amount}"
        )
    rent = Decimal(0)
    if pool.bin_step is not None:
        width = bins_between(config.lower_price, config.upper_price, pool.bin_step)
        if width > max_bins:
            problems.append(
                f"lower_price/upper_price: {config.lower_price}..{config.upper_price} spans "
                f"{width} bins at bin step {pool.bin_step}; expected at most {max_bins} bins per "
                "position"
            )
        rent = lamports_to_sol(position_rent_lamports(min(width, 1_400))).normalize()
    if wallet is not None:
        problems += _funds(config, wallet, rent)
    if problems:
        raise ConfigError("; ".join(problems))


def _funds(config: LPExecutorConfig, wallet: WalletSnapshot, rent: Decimal) -> list[str]:
    problems = []
    native_needed = rent + FEE_RESERVE_SOL
    if config.base_token == config.native_token:
        native_needed += config.base_amount
    elif wallet.base < config.base_amount:
        problems.append(
            f"base_amount: wallet holds {wallet.base} {config.base_token}, "
            f"expected at least {config.base_amount}"
        )
    if config.quote_token == config.native_token:
        native_needed += config.quote_amount
    elif wallet.quote < config.quote_amount:
        problems.append(
            f"quote_amount: wallet holds {wallet.quote} {config.quote_token}, "
            f"expected at least {config.quote_amount}"
        )
    if wallet.native < native_needed:
        problems.append(
            f"{config.native_token}: wallet holds {wallet.native}, expected at least "
            f"{native_needed.normalize()} (deposit + {rent} position rent + {FEE_RESERVE_SOL} "
            "for fees)"
        )
    return problems


async def preflight(
    config: LPExecutorConfig, client: GatewayClient, *, wallet_address: str, network: str
) -> PoolSnapshot:
    """Read the pool and the wallet and run :func:`check_open`; return the pool snapshot.

    Raises:
        ConfigError: a problem with the request, or the pool cannot be read.
    """
    resource = client.meteora if config.is_dlmm else client.raydium_clmm
    try:
        info = await resource.pool_info(config.pool_address, network=network)
        balances = await client.solana.balances(
            wallet_address,
            tokens=sorted({config.native_token, config.base_token, config.quote_token}),
            network=network,
        )
    except GatewayError as e:
        raise ConfigError(f"pool_address: could not read pool {config.pool_address}: {e}") from e
    amounts = balances.balances
    pool = PoolSnapshot(price=info.price, bin_step=info.bin_step if config.is_dlmm else None)
    wallet: WalletSnapshot | None = WalletSnapshot(
        native=Decimal(amounts.get(config.native_token, 0)),
        base=Decimal(amounts.get(config.base_token, 0)),
        quote=Decimal(amounts.get(config.quote_token, 0)),
    )
    if not any(amounts.values()):
        # Gateway answers zeros when its RPC fails: zeros prove nothing, so skip the funds check.
        wallet = None
    check_open(config, pool=pool, wallet=wallet)
    return pool
