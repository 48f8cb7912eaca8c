"""The SwapVenue port directly on a paper chain (no HTTP): swaps in one pool."""

from __future__ import annotations

from lpexec.core import (
    Evidence,
    Swap,
    SwapExecuted,
    VenueRejectedError,
)
from lpexec.paper.venues.common import PaperVenue, amounts, raw, send, sol

__all__ = ["PaperSwapVenue"]


class PaperSwapVenue(PaperVenue):
    """The SwapVenue port on a paper chain: swaps in the command's pool (or routes)."""

    async def swap(
        self,
        command: Swap,
        evidence: Evidence,  # noqa: ARG002 - paper writes answer at once
    ) -> SwapExecuted:
        """Swap ``amount`` of base: SELL pays base, BUY receives exactly ``amount`` base."""
        if command.pool_address is None:
            raise VenueRejectedError(
                "paper swaps need the command's pool_address", code="bad_request"
            )
        pool = self._chain.pool(command.pool_address)
        base_raw = raw(command.amount, pool.base_decimals)
        token_in = pool.base_mint if command.side == "SELL" else pool.quote_mint
        receipt = send(
            self._chain.swap,
            self._wallet,
            command.pool_address,
            token_in=self._chain.tokens.find(token_in).symbol,  # type: ignore[union-attr]
            amount=base_raw,
            exact_out=command.side == "BUY",
        )
        if command.side == "SELL":
            base, quote = amounts(pool, receipt.amount_in, receipt.amount_out)
        else:
            base, quote = amounts(pool, receipt.amount_out, receipt.amount_in)
        return SwapExecuted(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            trading_pair=command.trading_pair,
            side=command.side,
            base_amount=base,
            quote_amount=quote,
            tx_fee=sol(receipt.fee),
            signature=receipt.signature,
            provider="paper",
        )
