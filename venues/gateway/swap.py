"""``GatewaySwapVenue``: the SwapVenue port over Hummingbot Gateway (Jupiter or a pool).

Amounts are what the wallet actually sent and received, read from the normalized balance changes
of the swap (never the requested amounts), with the network fee taken out of the SOL side and
reported apart as ``tx_fee``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

from gateway_client import (
    ChainHistory,
    GatewayClient,
    GatewayError,
    SignatureRecord,
    TransactionFailedError,
)
from lpexec.core import (
    Clock,
    Command,
    CommandFailed,
    ConfigError,
    Evidence,
    OutcomeEvent,
    OutcomeUnknownError,
    Swap,
    SwapExecuted,
)
from lpexec.venues.gateway.fills import SwapFill, fill_from_data, fill_from_poll
from lpexec.venues.gateway.transactions import (
    NamedSignatures,
    WalletTransactions,
    failed_swap,
    newest_signature,
    records_since_send,
    venue_error,
)

__all__ = ["SWAP_PROVIDERS", "GatewaySwapVenue"]

SWAP_PROVIDERS = ("jupiter/router", "meteora/clmm")


class GatewaySwapVenue:
    """Swaps for one wallet through one provider; keeps no memory between calls.

    Args:
        client: an open ``GatewayClient``.
        wallet_address: the signer.
        clock: the engine's clock.
        provider: ``jupiter/router`` (default) or ``meteora/clmm`` (uses the command's pool).
        network: e.g. ``mainnet-beta``.
        native_token: the token the network fee is paid in.
        settle_seconds: see :class:`lp.venue.GatewayLiquidityVenue`.
        history: the chain's signature history (Solana RPC); with it a swap whose answer was
            lost (504, 5xx, timeout, crash) is found among the wallet's transactions since the
            send and read exactly; without it such an outcome stays unknown until its budget
            ends (the executor is then stranded, never re-sent blindly).
        named_signatures: the signatures the wallet's writes got or were given (shared with the
            wallet's other venues), never taken for a lost swap's own.
        claimed_positions: the positions of the wallet's LP executors: a failed transaction that
            names one is a write on that position, not a swap.
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
        settle_seconds: float = 90.0,
        history: ChainHistory | None = None,
        named_signatures: NamedSignatures | None = None,
        claimed_positions: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        if provider not in SWAP_PROVIDERS:
            raise ConfigError(f"provider: expected one of {SWAP_PROVIDERS}, received {provider!r}")
        self._client = client
        self.provider = provider
        self._wallet = wallet_address
        self._clock = clock
        self._network = network
        self._native = native_token
        self._tx = WalletTransactions(
            client, wallet_address, network, clock, dt.timedelta(seconds=settle_seconds)
        )
        self._history = history
        self._named = named_signatures or NamedSignatures()
        self._claimed = claimed_positions or (lambda: ())

    async def swap(self, command: Swap, evidence: Evidence) -> SwapExecuted:
        """Execute the swap and report what moved."""
        base, quote = command.trading_pair.split("-", 1)
        before = await newest_signature(self._history, self._wallet)
        sent_at = int(self._clock.now().timestamp())
        evidence.record(wallet_signature_before=before, sent_at=sent_at)
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
        except TransactionFailedError as e:
            self._named.add(e.signature)
            raise await self._tx.failed(e, evidence) from e
        except GatewayError as e:
            raise venue_error(e, write=True) from e
        self._named.add(result.signature)
        facts = await self._tx.settle(result, evidence)
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

    async def reconcile(self, command: Command, evidence: Evidence) -> OutcomeEvent | None:
        """Decide an unknown swap from its evidence: poll its signature, or find it among the
        wallet's transactions since the send; otherwise it stays unknown."""
        if not isinstance(command, Swap):
            raise OutcomeUnknownError(f"{type(command).__name__} is not a swap")
        if "signature" not in evidence:
            if "sent_at" not in evidence:
                return None  # stopped before sending (the send time is recorded first)
            signature = await self._find_in_history(command, evidence)
            if signature is None:
                return None
            evidence.record(signature=signature)
        decided = await self._tx.decide(command, evidence)
        if decided is None or isinstance(decided, CommandFailed):
            return decided
        return await self._from_poll(command, evidence["signature"])

    async def _find_in_history(self, command: Swap, evidence: Evidence) -> str | None:
        """The signature of this swap among the wallet's transactions since the send; None once
        the settle window has passed without one (it did not land).

        Raises:
            OutcomeUnknownError: no history to look in, or not found yet inside the settle window.
        """
        before = evidence.get("wallet_signature_before")
        sent_at = evidence.get("sent_at")
        if self._history is None or (before is None and sent_at is None):
            raise OutcomeUnknownError(
                f"swap {command.command_id} has no signature and no chain history to search; "
                "inspect the wallet"
            )
        base, quote = command.trading_pair.split("-", 1)
        newer = await records_since_send(self._history, self._wallet, evidence)
        for record in newer:
            if record.failed or self._named.remembers(record.signature):
                continue
            try:
                poll = await self._client.solana.poll(
                    record.signature,
                    wallet_address=self._wallet,
                    tokens=[base, quote],
                    network=self._network,
                )
            except GatewayError as e:
                raise venue_error(e, write=False) from e
            changes = poll.token_balance_changes
            if base not in changes or quote not in changes:
                continue
            fee = poll.fee or Decimal(0)
            base_delta = changes[base] + (fee if base == self._native else 0)
            quote_delta = changes[quote] + (fee if quote == self._native else 0)
            if (
                swap_matches(command, base_delta=base_delta, quote_delta=quote_delta)
                and record.signature not in self._named  # not another process's swap
            ):
                self._named.add(record.signature)
                return record.signature
        if self._tx.settle_window_passed(evidence):
            # nothing of it landed and succeeded: it may have landed and failed (fee charged)
            failed = await self._failed_swap(command, [r for r in newer if r.failed])
            if failed is not None:
                self._named.add(failed)
            return failed
        raise OutcomeUnknownError(f"swap {command.command_id} not on chain yet; waiting to settle")

    async def _failed_swap(self, command: Swap, records: list[SignatureRecord]) -> str | None:
        """:func:`failed_swap` among these transactions: the wallet's, since the send."""
        if self._history is None:
            return None
        return await failed_swap(
            self._client,
            self._history,
            records,
            wallet=self._wallet,
            trading_pair=command.trading_pair,
            native_token=self._native,
            network=self._network,
            named=self._named,
            claimed=set(self._claimed()),
        )


SWAP_MATCH_TOLERANCE = Decimal("0.000001")
"""Relative difference allowed between the requested and the moved exact-side amount."""


def swap_matches(command: Swap, *, base_delta: Decimal, quote_delta: Decimal) -> bool:
    """True when the wallet's signed changes (network fee taken out) are this swap: base out
    and quote in for a SELL, the reverse for a BUY, and base moved by the command's amount."""
    if command.amount <= 0:
        return False
    selling = command.side == "SELL"
    if (base_delta < 0) != selling or (quote_delta > 0) != selling or quote_delta == 0:
        return False
    return abs(abs(base_delta) - command.amount) / command.amount <= SWAP_MATCH_TOLERANCE
