"""What the Gateway-backed venues share: error translation and transaction settlement.

``venue_error`` turns a ``gateway_client`` error into the core's venue errors, once, at the
boundary. ``settle`` follows a write to its end: a CONFIRMED answer is polled once for the facts
Gateway's write responses get wrong or leave out (the fee actually charged, the wallet's SOL delta);
a PENDING one is waited for until a deadline; a FAILED one is a rejection.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core import OutcomeUnknown, VenueError, VenueRejected, VenueUnavailable
from gateway_client import (
    AuthenticationError,
    BadRequest,
    GatewayClient,
    GatewayConnectionError,
    GatewayError,
    GatewayValidationError,
    InsufficientFunds,
    InvalidRequestError,
    NotFound,
    PositionClosed,
    PositionNotFound,
    PositionTooWide,
    QuoteNotFound,
    RateLimited,
    SlippageExceeded,
    SolanaPollResult,
    TransactionFailed,
    TransactionOutcomeUnknown,
    TransactionStatus,
)

__all__ = ["LAMPORTS_PER_SOL", "TxFacts", "settle", "tx_facts", "venue_error"]

logger = logging.getLogger(__name__)

LAMPORTS_PER_SOL = Decimal(1_000_000_000)

_REJECTIONS: tuple[tuple[type[GatewayError], str], ...] = (
    (PositionNotFound, "position_not_found"),
    (PositionClosed, "position_closed"),
    (SlippageExceeded, "slippage_exceeded"),
    (QuoteNotFound, "quote_expired"),
    (InsufficientFunds, "insufficient_funds"),
    (PositionTooWide, "position_too_wide"),
    (TransactionFailed, "transaction_failed"),
    (NotFound, "not_found"),
    (GatewayValidationError, "invalid_request"),
    (InvalidRequestError, "invalid_request"),
    (BadRequest, "bad_request"),
    (AuthenticationError, "unauthorized"),
)


def venue_error(error: GatewayError, *, write: bool) -> VenueError:
    """Translate a Gateway client error by what the engine must do about it.

    Unknown outcomes (504 ``TRANSACTION_TIMEOUT``, a write that timed out or hit a 5xx) must be
    reconciled; a refused connection or a 429 certainly did not carry the request out; refusals
    (simulation failures, bad input, missing positions) are business outcomes.
    """
    message = str(error)
    if isinstance(error, TransactionOutcomeUnknown):
        return OutcomeUnknown(message, code="outcome_unknown")
    if isinstance(error, RateLimited):
        return VenueUnavailable(message, retry_after=error.retry_after, code="rate_limited")
    if isinstance(error, GatewayConnectionError):
        return VenueUnavailable(message, code="unreachable")
    for error_type, code in _REJECTIONS:
        if isinstance(error, error_type):
            return VenueRejected(message, code=code)
    if write:
        return OutcomeUnknown(message, code="outcome_unknown")
    return VenueUnavailable(message, code="unavailable")


@dataclass(frozen=True, slots=True)
class TxFacts:
    """What the chain says a transaction did, read from Gateway's poll."""

    signature: str
    fee: Decimal | None
    """``meta.fee`` in SOL: what was charged (Meteora's write responses count it twice)."""
    sol_delta: Decimal | None
    """The wallet's SOL balance change (negative when SOL left the wallet), fee included."""


def tx_facts(poll: SolanaPollResult, *, wallet_address: str) -> TxFacts:
    """Read the fee and the wallet's SOL delta from a poll answer."""
    meta: dict[str, Any] = {}
    keys: list[Any] = []
    data = poll.tx_data or {}
    if isinstance(data.get("meta"), dict):
        meta = data["meta"]
    message = (data.get("transaction") or {}).get("message") or {}
    if isinstance(message.get("accountKeys"), list):
        keys = message["accountKeys"]
    fee = poll.fee
    if isinstance(meta.get("fee"), int):
        fee = Decimal(meta["fee"]) / LAMPORTS_PER_SOL
    sol_delta = None
    names = [key["pubkey"] if isinstance(key, dict) else key for key in keys]
    pre, post = meta.get("preBalances"), meta.get("postBalances")
    if wallet_address in names and isinstance(pre, list) and isinstance(post, list):
        index = names.index(wallet_address)
        if index < len(pre) and index < len(post):
            sol_delta = (Decimal(post[index]) - Decimal(pre[index])) / LAMPORTS_PER_SOL
    return TxFacts(signature=poll.signature, fee=fee, sol_delta=sol_delta)


async def settle(
    client: GatewayClient,
    *,
    signature: str,
    status: TransactionStatus,
    wallet_address: str,
    deadline: dt.datetime,
    network: str | None = None,
) -> TxFacts | None:
    """Follow a write answer to its end and return its facts (None if they cannot be read).

    Raises:
        VenueRejected: the transaction failed on chain.
        OutcomeUnknown: still pending at ``deadline``.
    """
    if status == TransactionStatus.FAILED:
        raise VenueRejected(f"transaction {signature} failed on chain", code="transaction_failed")
    if status == TransactionStatus.PENDING:
        try:
            result = await client.solana.wait_for_confirmation(
                signature, wallet_address=wallet_address, deadline=deadline, network=network
            )
        except GatewayError as e:
            raise venue_error(e, write=True) from e
        if not result.is_confirmed:
            raise VenueRejected(
                f"transaction {signature} failed on chain", code="transaction_failed"
            )
        if result.poll is not None:
            return tx_facts(result.poll, wallet_address=wallet_address)
        return TxFacts(signature=signature, fee=result.fee, sol_delta=None)
    try:
        poll = await client.solana.poll(signature, wallet_address=wallet_address, network=network)
    except GatewayError as e:
        logger.warning("could not read the facts of %s: %s", signature, e)
        return None
    if poll.status != TransactionStatus.CONFIRMED:
        return None
    return tx_facts(poll, wallet_address=wallet_address)
