"""Checks before an LP open is sent: the ones that need the pool or the wallet.

``open_problems`` and ``check_open`` are pure (a pool and a wallet snapshot in, every problem out;
``check_open`` raises them as one ConfigError); :mod:`lpexec.venues.gateway.preflight` reads the
snapshots through Gateway and runs them for one open. The CLI, the
library and the daemon (at start, for every policy) run them before ``engine.create``; the venue
would refuse most of the same requests later, after the user has already waited, and would accept
the rest (a pair the wrong way round, a limit price already crossed) and lose money on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from lpexec.core import ConfigError
from lpexec.lp.config import LPExecutorConfig
from lpexec.lp.math import GATEWAY_MAX_POSITION_WIDTH, lamports_to_sol, position_rent_lamports

__all__ = [
    "FEE_RESERVE_SOL",
    "PoolSnapshot",
    "PoolToken",
    "WalletSnapshot",
    "check_open",
    "open_problems",
    "pair_problem",
    "wallet_snapshot",
]

FEE_RESERVE_SOL = Decimal("0.01")
"""SOL kept back for transaction fees (Gateway's own balance check adds the same)."""


@dataclass(frozen=True, slots=True)
class PoolToken:
    """One of a pool's two tokens: its mint and, when Gateway's token list has it, its symbol."""

    address: str
    symbol: str | None = None

    @property
    def name(self) -> str:
        """The symbol, or the mint when Gateway lists no symbol for it."""
        return self.symbol or self.address

    def is_named_by(self, token: str) -> bool:
        """True when ``token`` (a pair's symbol or mint) names this token."""
        if token == self.address:
            return True
        return self.symbol is not None and token.upper() == self.symbol.upper()


@dataclass(frozen=True, slots=True)
class PoolSnapshot:
    """What the checks need to know of a pool."""

    price: Decimal
    bin_step: int | None
    """DLMM bin step in basis points; None for tick CLMMs (no width limit checked)."""
    base: PoolToken | None = None
    quote: PoolToken | None = None
    """The pool's base and quote tokens (its price is quote per base); None: pair not checked."""


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


def pair_problem(trading_pair: str, pool: PoolSnapshot) -> str | None:
    """What is wrong with ``trading_pair`` (``BASE-QUOTE``) on ``pool``, or None.

    The pool's price is quote per base in the pool's own order, so a pair the other way round
    (or of other tokens) would be accounted at a price that means something else.
    """
    if pool.base is None or pool.quote is None:
        return None
    base, quote = trading_pair.split("-", 1)
    if pool.base.is_named_by(base) and pool.quote.is_named_by(quote):
        return None
    expected = f"{pool.base.name}-{pool.quote.name}"
    problem = (
        f"trading_pair: expected the pool's pair {expected} (its base-quote), "
        f"received {trading_pair}"
    )
    if pool.base.is_named_by(quote) and pool.quote.is_named_by(base):
        return f"{problem} (inverted: did you mean {expected}?)"
    unlisted = [token.address for token in (pool.base, pool.quote) if token.symbol is None]
    if unlisted:
        problem += f" (Gateway's token list has no symbol for {', '.join(unlisted)}: use the mint)"
    return problem


def open_problems(
    config: LPExecutorConfig,
    *,
    pool: PoolSnapshot,
    wallet: WalletSnapshot | None,
    max_bins: int = GATEWAY_MAX_POSITION_WIDTH,
) -> list[str]:
    """Every problem of opening ``config`` on ``pool`` with ``wallet``, each ``field: ...``."""
    problems: list[str] = []
    mismatch = pair_problem(config.trading_pair, pool)
    if mismatch is not None:
        # The pool's price is not a price of this pair: checks against it would mislead.
        problems.append(mismatch)
    else:
        problems += _price_problems(config, pool.price)
    rent = Decimal(0)
    if pool.bin_step is not None:
        width = bins_between(config.lower_price, config.upper_price, pool.bin_step)
        if width > max_bins:
            problems.append(
                f"lower_price/upper_price: {config.lower_price}..{config.upper_price} spans "
                f"{width} bins at bin step {pool.bin_step}; expected at most {max_bins} bins per "
                "position"
            )
        rent = lamports_to_sol(position_rent_lamports(min(width, 1_400)))
    if wallet is not None:
        problems += _funds(config, wallet, rent)
    return problems


def check_open(
    config: LPExecutorConfig,
    *,
    pool: PoolSnapshot,
    wallet: WalletSnapshot | None,
    max_bins: int = GATEWAY_MAX_POSITION_WIDTH,
) -> None:
    """Raise one ConfigError listing every problem of opening ``config`` on ``pool``."""
    problems = open_problems(config, pool=pool, wallet=wallet, max_bins=max_bins)
    if problems:
        raise ConfigError("; ".join(problems))


def _price_problems(config: LPExecutorConfig, price: Decimal) -> list[str]:
    problems = []
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
    upper_limit, lower_limit = config.upper_limit_price, config.lower_limit_price
    if upper_limit is not None and upper_limit <= price:
        problems.append(
            f"upper_limit_price: expected a price above the pool price {price}, received "
            f"{upper_limit} (already reached: the position would close as soon as it opened)"
        )
    if lower_limit is not None and lower_limit >= price:
        problems.append(
            f"lower_limit_price: expected a price below the pool price {price}, received "
            f"{lower_limit} (already reached: the position would close as soon as it opened)"
        )
    return problems


def _funds(config: LPExecutorConfig, wallet: WalletSnapshot, rent: Decimal) -> list[str]:
    problems = []
    native_needed = rent + FEE_RESERVE_SOL
    if config.base_token == config.native_token:
        native_needed += config.base_amount
    elif wallet.base < config.base_amount:
        problems.append(
            f"base_amount: wallet holds {_plain(wallet.base)} {config.base_token}, "
            f"expected at least {_plain(config.base_amount)}"
        )
    if config.quote_token == config.native_token:
        native_needed += config.quote_amount
    elif wallet.quote < config.quote_amount:
        problems.append(
            f"quote_amount: wallet holds {_plain(wallet.quote)} {config.quote_token}, "
            f"expected at least {_plain(config.quote_amount)}"
        )
    if wallet.native < native_needed:
        problems.append(
            f"{config.native_token}: wallet holds {_plain(wallet.native)}, expected at least "
            f"{_plain(native_needed)} (deposit + {_plain(rent)} position rent + "
            f"{FEE_RESERVE_SOL} for fees)"
        )
    return problems


def _plain(amount: Decimal) -> str:
    # 50000.000000000 -> 50000, without an exponent (5E+4)
    return f"{amount.normalize():f}"


def wallet_snapshot(config: LPExecutorConfig, balances: Mapping[str, Decimal]) -> WalletSnapshot:
    """The part of ``balances`` that opening ``config`` draws on."""
    return WalletSnapshot(
        native=balances.get(config.native_token, Decimal(0)),
        base=balances.get(config.base_token, Decimal(0)),
        quote=balances.get(config.quote_token, Decimal(0)),
    )
