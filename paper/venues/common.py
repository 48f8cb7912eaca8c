"""What the paper venues share: unit conversions, chain refusals as venue errors, and the base
that holds the chain, the wallet and the clock (paper writes answer at once: nothing to reconcile).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from lpexec.core import (
    Clock,
    Command,
    Evidence,
    OutcomeEvent,
    OutcomeUnknownError,
    VenueRejectedError,
)
from lpexec.lp.math.dlmm import LAMPORTS_PER_SOL
from lpexec.paper.chain import PaperChain, Receipt
from lpexec.paper.chain.errors import (
    ChainError,
    InsufficientFundsError,
    SwapRejectedError,
)
from lpexec.paper.pools import ClmmPool, DlmmPool

__all__ = ["PaperVenue", "amounts", "human", "raw", "rejected", "send", "sol"]

_R = TypeVar("_R", bound=Receipt)


def sol(lamports: int) -> Decimal:
    return Decimal(lamports) / LAMPORTS_PER_SOL


def human(raw: int, decimals: int) -> Decimal:
    return Decimal(raw).scaleb(-decimals)


def raw(amount: Decimal, decimals: int) -> int:
    return int(amount.scaleb(decimals).to_integral_value(rounding="ROUND_DOWN"))


def rejected(error: ChainError) -> VenueRejectedError:
    code = "insufficient_funds" if isinstance(error, InsufficientFundsError) else "rejected"
    if isinstance(error, SwapRejectedError):
        code = "slippage_exceeded"
    return VenueRejectedError(str(error), code=code)


def send(write: Callable[..., _R], wallet: str, *args: Any, **kwargs: Any) -> _R:
    """Send ``write(wallet, ...)`` on the chain; a refusal becomes ``VenueRejectedError``."""
    try:
        return write(wallet, *args, **kwargs)
    except ChainError as e:
        raise rejected(e) from e


def amounts(pool: DlmmPool | ClmmPool, base: int, quote: int) -> tuple[Decimal, Decimal]:
    return human(base, pool.base_decimals), human(quote, pool.quote_decimals)


class PaperVenue:
    """A port on a paper chain, for one wallet; paper writes answer at once."""

    def __init__(self, chain: PaperChain, *, wallet: str, clock: Clock) -> None:
        self._chain = chain
        self._wallet = wallet
        self._clock = clock

    async def reconcile(
        self,
        command: Command,
        evidence: Evidence,  # noqa: ARG002 - nothing is ever left unknown
    ) -> OutcomeEvent | None:
        """Paper writes answer synchronously: nothing is ever left unknown."""
        raise OutcomeUnknownError(f"{type(command).__name__} {command.command_id} has no record")
