"""Waiting for a Solana signature to confirm: poll Gateway, optionally cross-check the chain."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ._exceptions import (
    GatewayUnavailableError,
    InvalidRequestError,
    RateLimitedError,
    SolanaRpcError,
    TransactionFailedError,
    TransactionOutcomeUnknownError,
)
from ._models.chain import SolanaPollResult
from ._rpc import ChainTransaction, SolanaRpcCheck, compare_with_gateway
from ._types import Clock, TransactionStatus

__all__ = ["ConfirmationResult", "wait_for_confirmation"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfirmationResult:
    """Final outcome of a signature: CONFIRMED or FAILED."""

    signature: str
    status: TransactionStatus
    fee: Decimal | None
    """Fee charged in SOL: the chain's ``meta.fee`` when cross-checked, else Gateway's poll."""
    poll: SolanaPollResult | None
    """Gateway's last poll answer (``None`` if Gateway could not be reached at the end)."""
    chain: ChainTransaction | None = None
    """The chain's view, when an RPC URL is configured."""
    disagreements: tuple[str, ...] = ()
    """Where Gateway's poll and the chain disagreed (also logged as warnings)."""
    polls: int = 1
    """Number of polls made."""

    @property
    def is_confirmed(self) -> bool:
        """Whether the transaction is confirmed."""
        return self.status == TransactionStatus.CONFIRMED

    def raise_for_status(self) -> None:
        """Raise :class:`TransactionFailedError` if the transaction failed on chain."""
        if self.status == TransactionStatus.FAILED:
            error = self.chain.error if self.chain is not None else None
            raise TransactionFailedError(
                f"Transaction {self.signature} failed on chain" + (f": {error}" if error else ""),
                signature=self.signature,
                error=error,
            )


def _decide(
    poll: SolanaPollResult | None, chain: ChainTransaction | None
) -> tuple[TransactionStatus, tuple[str, ...]]:
    status: TransactionStatus
    if chain is not None and chain.status != TransactionStatus.PENDING:
        status = chain.status  # the chain is the source of truth when it has an answer
    elif poll is not None:
        status = poll.status
    else:
        status = TransactionStatus.PENDING
    if poll is None or chain is None:
        return status, ()
    return status, compare_with_gateway(
        gateway_status=poll.status, gateway_fee=poll.fee, chain=chain
    )


async def wait_for_confirmation(
    *,
    signature: str,
    poll: Callable[[], Awaitable[SolanaPollResult]],
    rpc: SolanaRpcCheck | None,
    clock: Clock,
    deadline: datetime,
    poll_interval: float,
) -> ConfirmationResult:
    """Poll until the signature is confirmed or failed, or raise at the deadline.

    Transient Gateway failures (after the client's own retries) do not end the wait; they are
    logged and polling continues until the deadline.

    Args:
        signature: The signature to watch.
        poll: Calls Gateway's poll route once (with ``walletAddress``).
        rpc: Optional chain cross-check.
        clock: Time source (``now`` for the deadline, ``sleep`` between polls).
        deadline: Aware UTC time after which the outcome is declared unknown.
        poll_interval: Seconds between polls.

    Returns:
        The final outcome (CONFIRMED or FAILED).

    Raises:
        TransactionOutcomeUnknownError: Still pending at ``deadline``: reconcile, do not resend.
    """
    if deadline.tzinfo is None:
        raise InvalidRequestError(
            f"Expected an aware UTC deadline, received naive {deadline.isoformat()}",
            fields=("deadline",),
        )
    if not poll_interval > 0:
        raise InvalidRequestError(
            f"Expected poll_interval > 0 seconds, received {poll_interval!r}",
            fields=("poll_interval",),
        )
    polls = 0
    last_poll: SolanaPollResult | None = None
    while True:
        polls += 1
        try:
            last_poll = await poll()
        except (GatewayUnavailableError, RateLimitedError) as exc:
            logger.info("Polling %s failed (%s); will poll again", signature, type(exc).__name__)
            last_poll = None
        chain: ChainTransaction | None = None
        if rpc is not None:
            try:
                chain = await rpc.transaction(signature)
            except SolanaRpcError as exc:
                logger.warning("Solana RPC cross-check unavailable: %s", exc)
        status, disagreements = _decide(last_poll, chain)
        if status != TransactionStatus.PENDING:
            for disagreement in disagreements:
                logger.warning("Confirmation disagreement: %s", disagreement)
            fee = chain.fee if chain is not None and chain.fee is not None else None
            if fee is None and last_poll is not None:
                fee = last_poll.fee
            return ConfirmationResult(
                signature=signature,
                status=status,
                fee=fee,
                poll=last_poll,
                chain=chain,
                disagreements=disagreements,
                polls=polls,
            )
        remaining = (deadline - clock.now()).total_seconds()
        if remaining <= 0:
            raise TransactionOutcomeUnknownError(
                f"Transaction {signature} still pending at the deadline {deadline.isoformat()} "
                f"after {polls} polls; it may still land: reconcile before resending",
                signature=signature,
            )
        await clock.sleep(min(poll_interval, remaining))
