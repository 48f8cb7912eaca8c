"""What the Gateway-backed venues share: error translation and transaction settlement.

``venue_error`` turns a ``gateway_client`` error into the core's venue errors, once, at the
boundary. ``settle`` records a write's signature as evidence and reads a CONFIRMED answer's facts
from one poll (what Gateway's write responses get wrong or leave out: the fee actually charged,
the wallet's SOL delta, every account's lamports); a PENDING one is an unknown outcome, decided
later from its signature by ``decide_signature``; a FAILED one is a rejection carrying its fee.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Container, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gateway_client import (
    AuthenticationError,
    BadRequestError,
    ChainHistory,
    GatewayClient,
    GatewayConnectionError,
    GatewayError,
    GatewayValidationError,
    InsufficientFundsError,
    InvalidRequestError,
    NotFoundError,
    PositionClosedError,
    PositionNotFoundError,
    PositionTooWideError,
    QuoteNotFoundError,
    RateLimitedError,
    SignatureRecord,
    SlippageExceededError,
    SolanaPollResult,
    TransactionFailedError,
    TransactionOutcomeUnknownError,
    TransactionStatus,
    UpstreamUnavailableError,
)
from lpexec.core import (
    Clock,
    Command,
    CommandFailed,
    Evidence,
    OutcomeUnknownError,
    VenueError,
    VenueRejectedError,
    VenueUnavailableError,
)
from lpexec.core.money import ZERO
from lpexec.lp.math.dlmm import LAMPORTS_PER_SOL

__all__ = [
    "SEND_TIME_MARGIN_SECONDS",
    "NamedSignatures",
    "TxFacts",
    "WalletTransactions",
    "decide_signature",
    "failed_on_chain",
    "failed_since",
    "failed_swap",
    "failed_transaction",
    "newest_signature",
    "note_send",
    "records_since_send",
    "settle",
    "settle_window_passed",
    "signatures_since",
    "tx_facts",
    "venue_error",
]

logger = logging.getLogger(__name__)

SEND_TIME_MARGIN_SECONDS = 120
"""How far before a recorded send time a history search starts when the wallet's newest signature
before the send is unknown (clocks of this machine and the chain differ)."""


_REJECTIONS: tuple[tuple[type[GatewayError], str], ...] = (
    (PositionNotFoundError, "position_not_found"),
    (PositionClosedError, "position_closed"),
    (SlippageExceededError, "slippage_exceeded"),
    (QuoteNotFoundError, "quote_expired"),
    (InsufficientFundsError, "insufficient_funds"),
    (PositionTooWideError, "position_too_wide"),
    (TransactionFailedError, "transaction_failed"),
    (NotFoundError, "not_found"),
    (GatewayValidationError, "invalid_request"),
    (InvalidRequestError, "invalid_request"),
    (BadRequestError, "bad_request"),
    (AuthenticationError, "unauthorized"),
)


def venue_error(error: GatewayError, *, write: bool) -> VenueError:
    """Translate a Gateway client error by what the engine must do about it.

    Unknown outcomes (504 ``TRANSACTION_TIMEOUT``, a write that timed out or hit a 5xx) must be
    reconciled; a refused connection, a 429 or an RPC outage Gateway reports as a 4xx certainly
    did not carry the request out; refusals
    (simulation failures, bad input, missing positions) are business outcomes.
    """
    message = str(error)
    if isinstance(error, TransactionOutcomeUnknownError):
        return OutcomeUnknownError(message, code="outcome_unknown")
    if isinstance(error, RateLimitedError):
        return VenueUnavailableError(message, retry_after=error.retry_after, code="rate_limited")
    if isinstance(error, GatewayConnectionError):
        return VenueUnavailableError(message, code="unreachable")
    if isinstance(error, UpstreamUnavailableError):
        # Gateway's RPC node is down (a 4xx such as "fetch failed"): nothing was sent
        return VenueUnavailableError(message, code="rpc_unavailable")
    for error_type, code in _REJECTIONS:
        if isinstance(error, error_type):
            return VenueRejectedError(message, code=code)
    if write:
        return OutcomeUnknownError(message, code="outcome_unknown")
    return VenueUnavailableError(message, code="unavailable")


@dataclass(frozen=True, slots=True)
class TxFacts:
    """What the chain says a transaction did, read from Gateway's poll."""

    signature: str
    fee: Decimal | None
    """``meta.fee`` in SOL: what was charged (Meteora's write responses count it twice)."""
    sol_delta: Decimal | None
    """The wallet's SOL balance change (negative when SOL left the wallet), fee included."""
    lamports: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Lamports (before, after) of every account the transaction touched."""
    token_deltas: dict[str, Decimal] = field(default_factory=dict)
    """The wallet's token balance changes by mint (human units), from the token balances."""

    def lamports_of(self, address: str) -> tuple[int, int] | None:
        """(before, after) lamports of one account, or None when the transaction did not touch
        it."""
        return self.lamports.get(address)

    def created_lamports(self, *, excluding: set[str]) -> int:
        """Lamports put into accounts this transaction created (rent), except ``excluding``."""
        return sum(
            after
            for address, (before, after) in self.lamports.items()
            if before == 0 and after > 0 and address not in excluding
        )


def tx_facts(poll: SolanaPollResult, *, wallet_address: str) -> TxFacts:
    """Read the fee, the wallet's SOL and token deltas and every account's lamports from a
    poll answer."""
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
    names = [key["pubkey"] if isinstance(key, dict) else key for key in keys]
    pre, post = meta.get("preBalances"), meta.get("postBalances")
    lamports: dict[str, tuple[int, int]] = {}
    if isinstance(pre, list) and isinstance(post, list):
        for name, before, after in zip(names, pre, post, strict=False):
            lamports[name] = (int(before), int(after))
    sol_delta = None
    if wallet_address in lamports:
        before, after = lamports[wallet_address]
        sol_delta = (Decimal(after) - Decimal(before)) / LAMPORTS_PER_SOL
    return TxFacts(
        signature=poll.signature,
        fee=fee,
        sol_delta=sol_delta,
        lamports=lamports,
        token_deltas=_token_deltas(meta, wallet_address),
    )


def _token_deltas(meta: dict[str, Any], wallet_address: str) -> dict[str, Decimal]:
    deltas: dict[str, Decimal] = {}
    for key, sign in (("preTokenBalances", -1), ("postTokenBalances", 1)):
        for balance in meta.get(key) or ():
            if not isinstance(balance, dict) or balance.get("owner") != wallet_address:
                continue
            amount = (balance.get("uiTokenAmount") or {}).get("uiAmountString")
            mint = balance.get("mint")
            if isinstance(mint, str) and amount is not None:
                deltas[mint] = deltas.get(mint, ZERO) + sign * Decimal(str(amount))
    return deltas


async def settle(
    client: GatewayClient,
    *,
    signature: str,
    status: TransactionStatus,
    wallet_address: str,
    evidence: Evidence,
    network: str | None = None,
) -> TxFacts | None:
    """Record a write's signature as evidence and read its facts (None if they cannot be read).

    A pending answer is never waited for here: the engine reconciles it from the signature (see
    :func:`decide_signature`) while it serves other executors.

    Raises:
        VenueRejectedError: the transaction failed on chain (its fee rides on the error).
        OutcomeUnknownError: the transaction is still pending.
    """
    evidence.record(signature=signature)
    if status == TransactionStatus.PENDING:
        raise OutcomeUnknownError(f"transaction {signature} is pending; following its signature")
    try:
        poll = await client.solana.poll(signature, wallet_address=wallet_address, network=network)
    except GatewayError as e:
        if status == TransactionStatus.FAILED:
            raise failed_on_chain(signature, None) from e
        logger.warning("could not read the facts of %s: %s", signature, e)
        return None
    facts = tx_facts(poll, wallet_address=wallet_address)
    if status == TransactionStatus.FAILED or poll.status == TransactionStatus.FAILED:
        raise failed_on_chain(signature, facts)
    if poll.status != TransactionStatus.CONFIRMED:
        return None
    return facts


def failed_on_chain(signature: str, facts: TxFacts | None) -> VenueRejectedError:
    """The rejection of a transaction that landed and failed: the chain still charged its fee."""
    fee = facts.fee if facts is not None and facts.fee is not None else ZERO
    return VenueRejectedError(
        f"transaction {signature} failed on chain",
        code="transaction_failed",
        tx_fee=fee,
        signature=signature,
    )


async def newest_signature(history: ChainHistory | None, address: str) -> str | None:
    """The newest signature touching ``address`` ("" when none; None without a history)."""
    if history is None:
        return None
    try:
        records = await history.signatures_for_address(address, limit=1)
    except GatewayError as e:
        logger.warning("could not read the history of %s: %s", address, e)
        return None
    return records[0].signature if records else ""


async def signatures_since(
    history: ChainHistory,
    address: str,
    *,
    after: str,
    not_before: int | None = None,
    limit: int = 200,
) -> list[SignatureRecord]:
    """Signatures touching ``address`` newer than ``after`` (all when ``after`` is "") and, with
    ``not_before``, in blocks no older than those unix seconds; oldest first.

    Raises:
        OutcomeUnknownError: the history could not be read.
    """
    try:
        records = await history.signatures_for_address(address, limit=limit)
    except GatewayError as e:
        raise OutcomeUnknownError(f"could not read the history of {address}: {e}") from e
    newer: list[SignatureRecord] = []
    for record in records:
        if record.signature == after:
            break
        if not_before is not None and record.block_time is not None:
            if record.block_time < not_before:
                break
        newer.append(record)
    newer.reverse()
    return newer


class NamedSignatures:
    """The signatures one wallet's writes got in Gateway's answers or were attributed by a
    reconciliation, so that no reconciliation takes another write's transaction for its own.

    Shared by every venue of the wallet in one process (the newest ``keep`` are remembered).
    ``stored`` (given the candidates, returns those the store names) covers the writes of other
    processes on the same store (workers, a CLI beside a daemon) and those answered before a
    restart: a signature not remembered here is looked up there.
    """

    __slots__ = ("_keep", "_names", "_stored")

    def __init__(
        self,
        keep: int = 10_000,
        *,
        stored: Callable[[Collection[str]], set[str]] | None = None,
    ) -> None:
        self._keep = keep
        self._names: dict[str, None] = {}
        self._stored = stored

    def add(self, signature: str | None) -> None:
        """Remember ``signature`` (nothing for None or "")."""
        if not signature:
            return
        names = self._names
        names[signature] = None
        if len(names) > self._keep:
            del names[next(iter(names))]

    def remembers(self, signature: str) -> bool:
        """Named by a write of this process (no store lookup)."""
        return signature in self._names

    def __contains__(self, signature: object) -> bool:
        if not isinstance(signature, str) or not signature:
            return False
        if signature in self._names:
            return True
        if self._stored is not None and self._stored([signature]):
            self.add(signature)
            return True
        return False


async def failed_since(
    history: ChainHistory,
    wallet: str,
    evidence: Evidence,
    *,
    accounts: Collection[str],
    min_signers: int = 1,
    excluding: Container[str] = (),
) -> str | None:
    """The oldest transaction of ``wallet`` that failed on chain since the send recorded in
    ``evidence`` (after ``wallet_signature_before``, else from ``sent_at`` less a margin for
    clocks), that names every one of ``accounts`` and has at least ``min_signers`` signers, and
    is not in ``excluding``; None when there is none (or the send was never recorded).

    A failed write still costs its fee. When its answer was lost, this finds it, so that the
    fee is reported by the executor that paid it.

    Raises:
        OutcomeUnknownError: the history could not be read.
    """
    for record in await records_since_send(history, wallet, evidence):
        if not record.failed or record.signature in excluding:
            continue
        tx, message = await _read_failed(history, record.signature)
        keys = set(message.get("accountKeys") or ())
        loaded = (tx.get("meta") or {}).get("loadedAddresses") or {}
        keys.update(loaded.get("writable") or (), loaded.get("readonly") or ())
        signers = (message.get("header") or {}).get("numRequiredSignatures") or 0
        if signers >= min_signers and all(account in keys for account in accounts):
            return record.signature
    return None


async def failed_swap(
    client: GatewayClient,
    history: ChainHistory,
    records: Iterable[SignatureRecord],
    *,
    wallet: str,
    trading_pair: str,
    native_token: str,
    network: str | None,
    named: Container[str],
    claimed: Collection[str],
) -> str | None:
    """The oldest of these failed transactions of ``wallet`` that is a swap of ``trading_pair``
    no other write made: signed by the wallet alone (an open has a second signer), not in
    ``named``, naming none of the ``claimed`` LP positions (a close, a claim), and listing the
    wallet's account of the pair's (non-native) token; None when there is none.

    Raises:
        OutcomeUnknownError: a transaction or the token list could not be read.
    """
    candidates = [r for r in records if r.failed and r.signature not in named]
    if not candidates:
        return None
    symbols = [s for s in trading_pair.split("-", 1) if s != native_token]
    try:
        mints = {
            (await client.tokens.get(symbol, chain="solana", network=network or "")).address
            for symbol in symbols
        }
    except GatewayError as e:
        raise OutcomeUnknownError(f"could not read the tokens of {trading_pair}: {e}") from e
    for record in candidates:
        tx, message = await _read_failed(history, record.signature)
        signers = (message.get("header") or {}).get("numRequiredSignatures")
        if signers != 1 or set(claimed).intersection(message.get("accountKeys") or ()):
            continue
        balances = (tx.get("meta") or {}).get("preTokenBalances") or ()
        if any(b.get("owner") == wallet and b.get("mint") in mints for b in balances):
            return record.signature
    return None


async def _read_failed(history: ChainHistory, signature: str) -> tuple[dict[str, Any], Any]:
    """A failed transaction listed in the history, and its message.

    Raises:
        OutcomeUnknownError: it could not be read, or the node does not serve it yet.
    """
    try:
        tx = await history.transaction(signature)
    except GatewayError as e:
        raise OutcomeUnknownError(f"could not read transaction {signature}: {e}") from e
    if tx is None:
        raise OutcomeUnknownError(f"failed transaction {signature} not readable yet")
    return tx, (tx.get("transaction") or {}).get("message") or {}


async def records_since_send(
    history: ChainHistory, wallet: str, evidence: Evidence
) -> list[SignatureRecord]:
    """The wallet's transactions since the send recorded in ``evidence`` (after
    ``wallet_signature_before``, else from ``sent_at`` less a margin), oldest first; none when
    the send was never recorded.

    Raises:
        OutcomeUnknownError: the history could not be read.
    """
    before = evidence.get("wallet_signature_before")
    sent_at = evidence.get("sent_at")
    if before is None and sent_at is None:
        return []
    not_before = None if before is not None else int(sent_at) - SEND_TIME_MARGIN_SECONDS
    return await signatures_since(history, wallet, after=before or "", not_before=not_before)


async def note_send(
    history: ChainHistory | None, wallet: str, evidence: Evidence, now: int
) -> None:
    """Record, before a write is sent, where the wallet's history stood (its newest signature)
    and the unix time: what :func:`failed_since` and history searches start from."""
    if "sent_at" in evidence:
        return
    before = await newest_signature(history, wallet)
    evidence.record(wallet_signature_before=before, sent_at=now)


async def failed_transaction(
    client: GatewayClient,
    signature: str,
    *,
    wallet_address: str,
    network: str | None,
    evidence: Evidence,
) -> VenueRejectedError:
    """The rejection of a write Gateway answered "failed on chain", with the fee it cost (read
    from a poll of its signature).

    Raises:
        OutcomeUnknownError: the poll could not be read: the signature is in the evidence, and the
            reconciliation reads the fee later (never reported as zero).
    """
    evidence.record(signature=signature)
    try:
        poll = await client.solana.poll(signature, wallet_address=wallet_address, network=network)
    except GatewayError as e:
        raise OutcomeUnknownError(
            f"transaction {signature} failed on chain; its fee is not readable yet: {e}"
        ) from e
    return failed_on_chain(signature, tx_facts(poll, wallet_address=wallet_address))


def settle_window_passed(evidence: Evidence, *, now: dt.datetime, window: dt.timedelta) -> bool:
    """True once ``window`` has passed since the first reconciliation look (recorded then)."""
    first = evidence.time("first_check_at")
    if first is None:
        evidence.record(first_check_at=now)
        first = now
    return now - first >= window


async def decide_signature(
    client: GatewayClient,
    *,
    command: Command,
    evidence: Evidence,
    wallet_address: str,
    network: str | None,
    now: dt.datetime,
    settle_window: dt.timedelta,
    tokens: list[str] | None = None,
) -> SolanaPollResult | CommandFailed | None:
    """Decide a write whose signature is in ``evidence`` by polling it.

    Returns:
        The poll when it confirmed (its facts are the outcome), a ``CommandFailed`` carrying the
        fee when it failed on chain, None when it is still unknown to the chain after the
        settle window (it did not land).

    Raises:
        OutcomeUnknownError: still pending inside the settle window, or the poll failed.
    """
    signature = evidence["signature"]
    try:
        poll = await client.solana.poll(
            signature, wallet_address=wallet_address, tokens=tokens, network=network
        )
    except GatewayError as e:
        raise venue_error(e, write=False) from e
    if poll.status == TransactionStatus.CONFIRMED:
        return poll
    if poll.status == TransactionStatus.FAILED:
        error = failed_on_chain(signature, tx_facts(poll, wallet_address=wallet_address))
        return CommandFailed(
            ts_event=now,
            command_id=command.command_id,
            reason=str(error),
            code=error.code,
            tx_fee=error.tx_fee,
            signature=signature,
        )
    if not settle_window_passed(evidence, now=now, window=settle_window):
        raise OutcomeUnknownError(f"transaction {signature} is still pending")
    return None


@dataclass(frozen=True, slots=True)
class WalletTransactions:
    """Following one wallet's transactions on one network, as every Gateway adapter does:
    settle a write's answer, price a failure, decide a recorded signature, wait out the settle
    window. Holds configuration only; what it learns goes into the evidence."""

    client: GatewayClient
    wallet_address: str
    network: str | None
    clock: Clock
    settle_window: dt.timedelta

    async def settle(self, result: Any, evidence: Evidence) -> TxFacts | None:
        """:func:`settle` of a write's answer (its ``signature`` and ``status``)."""
        return await settle(
            self.client,
            signature=result.signature,
            status=result.status,
            wallet_address=self.wallet_address,
            evidence=evidence,
            network=self.network,
        )

    async def failed(self, error: TransactionFailedError, evidence: Evidence) -> VenueRejectedError:
        """:func:`failed_transaction` of a write Gateway answered "failed on chain"."""
        return await failed_transaction(
            self.client,
            error.signature,
            wallet_address=self.wallet_address,
            network=self.network,
            evidence=evidence,
        )

    async def decide(
        self, command: Command, evidence: Evidence
    ) -> SolanaPollResult | CommandFailed | None:
        """:func:`decide_signature` of the signature in ``evidence``."""
        return await decide_signature(
            self.client,
            command=command,
            evidence=evidence,
            wallet_address=self.wallet_address,
            network=self.network,
            now=self.clock.now(),
            settle_window=self.settle_window,
        )

    def settle_window_passed(self, evidence: Evidence) -> bool:
        """:func:`settle_window_passed` at the clock's now."""
        return settle_window_passed(evidence, now=self.clock.now(), window=self.settle_window)
