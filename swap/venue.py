"""``GatewaySwapVenue``: the SwapVenue port over Hummingbot Gateway (Jupiter or a pool).

Amounts are what the wallet actually sent and received, read from the normalized balance changes
of the swap (never the requested amounts), with the network fee taken out of the SOL side and
reported apart as ``tx_fee``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core import (
    Clock,
    Command,
    CommandFailed,
    ConfigError,
    OutcomeEvent,
    OutcomeUnknown,
    Swap,
    SwapExecuted,
)
from gateway_client import GatewayClient, GatewayError, TransactionStatus
from swap.fills import SwapFill, fill_from_data, fill_from_poll
from swap.gateway_io import settle, venue_error

__all__ = ["SWAP_PROVIDERS", "GatewaySwapVenue"]

SWAP_PROVIDERS = ("jupiter/router", "meteora/clmm")


class GatewaySwapVenue:
    """Swaps for one wallet through one provider.

    Args:
        client: an open ``GatewayClient``.
        wallet_address: the signer.
        clock: the engine's clock.
        provider: ``jupiter/router`` (default) or ``meteora/clmm`` (uses the command's pool).
        network: e.g. ``mainnet-beta``.
        native_token: the token the network fee is paid in.
        confirm_seconds, settle_seconds: see :class:`lp.venue.GatewayLiquidityVenue`.
    """

    def __init__(
        self,
        client: GatewayClient,
        *,
        wallet_address: str,
        clock: Clock,
        provider: str = "jupiter/router",
        network: str = "mainnet-beta",
        native_token: str = "SOL",
        confirm_seconds: float = 90.0,
        settle_seconds: float = 90.0,
    ) -> None:
        if provider not in SWAP_PROVIDERS:
            raise ConfigError(f"provider: expected one of {SWAP_PROVIDERS}, received {provider!r}")
        self._client = client
        self.provider = provider
        self._wallet = wallet_address
        self._clock = clock
        self._network = network
        self._native = native_token
        self._confirm = dt.timedelta(seconds=confirm_seconds)
        self._settle_window = dt.timedelta(seconds=settle_seconds)
        self._pending: dict[str, str] = {}
        self._first_reconcile: dict[str, dt.datetime] = {}

    async def swap(self, command: Swap) -> SwapExecuted:
        """Execute the swap and report what moved."""
        base, quote = command.trading_pair.split("-", 1)
        try:
            if self.provider == "jupiter/router":
                result = await self._client.jupiter.execute_swap(
                    base_token=base,
                    quote_token=quote,
                    amount=command.amount,
                    side=command.side,
                    wallet_address=self._wallet,
                    slippage=command.slippage,
                    network=self._network,
                )
            else:
                result = await self._client.meteora.execute_swap(
                    base_token=base,
                    quote_token=quote,
                    amount=command.amount,
                    side=command.side,
                    wallet_address=self._wallet,
                    pool_address=command.pool_address,
                    slippage=command.slippage,
                    network=self._network,
                )
        except GatewayError as e:
            raise venue_error(e, write=True) from e
        if result.status == TransactionStatus.PENDING:
            self._pending[command.command_id] = result.signature
        facts = await settle(
            self._client,
            signature=result.signature,
            status=result.status,
            wallet_address=self._wallet,
            deadline=self._clock.now() + self._confirm,
            network=self._network,
        )
        self._pending.pop(command.command_id, None)
        if result.data is not None:
            fill = fill_from_data(
                result.data,
                base_token=base,
                quote_token=quote,
                native_token=self._native,
                facts=facts,
                signature=result.signature,
            )
            return self._executed(command, fill)
        return await self._from_poll(command, result.signature)

    def _executed(self, command: Swap, fill: SwapFill) -> SwapExecuted:
        return SwapExecuted(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            trading_pair=command.trading_pair,
            side=command.side,
            base_amount=fill.base_amount,
            quote_amount=fill.quote_amount,
            tx_fee=fill.tx_fee,
            signature=fill.signature,
            provider=self.provider,
        )

    async def _from_poll(self, command: Swap, signature: str) -> SwapExecuted:
        base, quote = command.trading_pair.split("-", 1)
        fill = await fill_from_poll(
            self._client,
            signature=signature,
            base_token=base,
            quote_token=quote,
            native_token=self._native,
            wallet_address=self._wallet,
            network=self._network,
        )
        return self._executed(command, fill)

    async def reconcile(self, command: Command) -> OutcomeEvent | None:
        """Poll the swap's signature when one is known; otherwise the outcome stays unknown."""
        if not isinstance(command, Swap):
            raise OutcomeUnknown(f"{type(command).__name__} is not a swap")
        signature = self._pending.get(command.command_id)
        if signature is None:
            raise OutcomeUnknown(
                f"swap {command.command_id} has no signature to check; inspect the wallet"
            )
        try:
            poll: Any = await self._client.solana.poll(
                signature, wallet_address=self._wallet, network=self._network
            )
        except GatewayError as e:
            raise venue_error(e, write=False) from e
        if poll.status == TransactionStatus.CONFIRMED:
            self._pending.pop(command.command_id, None)
            return await self._from_poll(command, signature)
        if poll.status == TransactionStatus.FAILED:
            self._pending.pop(command.command_id, None)
            return CommandFailed(
                ts_event=self._clock.now(),
                command_id=command.command_id,
                reason=f"swap {signature} failed on chain",
                code="transaction_failed",
            )
        now = self._clock.now()
        first = self._first_reconcile.setdefault(command.command_id, now)
        if now - first < self._settle_window:
            raise OutcomeUnknown(f"swap {signature} still pending")
        self._pending.pop(command.command_id, None)
        return None
