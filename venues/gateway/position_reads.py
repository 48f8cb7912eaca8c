"""What :class:`~venues.gateway.liquidity.GatewayLiquidityVenue` reads of positions, their pools
and the chain's transactions, and the two operations built on those reads: adopting a position
opened elsewhere (:mod:`lpexec.lp.adoption`) and reconciling a fee claim whose answer was lost.

A fee claim is reconciled from what it changes: fees owed only fall when claimed, so fees owed not
below those recorded before the send mean the claim did not land; fallen ones mean it landed, and
its transaction is the oldest of the wallet's since the send that touches the position (as on the
real chain) or, where the chain does not list the position among a claim's accounts (the paper
chain), the oldest that only paid the wallet pool tokens. That last rule assumes no other write
paying this wallet lands between the send and the reconciliation (one executor per position sends
one write at a time).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from gateway_client import ChainHistory, GatewayError, PositionInfo, TransactionStatus
from gateway_client import PositionClosedError as GatewayPositionClosedError
from gateway_client import PositionNotFoundError as GatewayPositionNotFound
from lpexec.core import (
    Clock,
    Command,
    CommandFailed,
    Evidence,
    OutcomeEvent,
    OutcomeUnknownError,
    VenueRejectedError,
)
from lpexec.core.money import ZERO
from lpexec.lp.adoption import AdoptPosition, PositionAdopted
from lpexec.lp.math.dlmm import LAMPORTS_PER_SOL
from lpexec.lp.messages import (
    AddLiquidity,
    CollectFees,
    FeesCollected,
    LiquidityAdded,
    LiquidityRemoved,
    RemoveLiquidity,
)
from lpexec.venues.gateway.transactions import (
    NamedSignatures,
    TxFacts,
    WalletTransactions,
    failed_since,
    signatures_since,
    tx_facts,
    venue_error,
)

__all__ = ["NATIVE_MINT", "PositionReads", "as_it_stands"]

NATIVE_MINT = "So11111111111111111111111111111111111111112"
"""The native SOL mint (wrapped SOL): its pool side moves as lamports."""

logger = logging.getLogger(__name__)


class PositionReads:
    """Reads and read-built operations of a liquidity venue (mixed into it)."""

    _client: Any
    _lp: Any
    _wallet: str
    _network: str
    _clock: Clock
    _tx: WalletTransactions
    _history: ChainHistory | None
    _named: NamedSignatures
    """Signatures the wallet's writes got in answers or were attributed (shared by its venues)."""

    def _wallet_received(
        self, facts: TxFacts, pool: Any, *, fee: Decimal, rent: Decimal, address: str
    ) -> tuple[Decimal, Decimal]:
        """What the wallet received of each pool token (negative: what it paid), with the
        fee, the position's rent and the rent of accounts created along taken out of SOL."""
        created = Decimal(facts.created_lamports(excluding={address, self._wallet}))
        amounts = []
        for mint in (pool.base_token_address, pool.quote_token_address):
            if mint == NATIVE_MINT:
                sol = facts.sol_delta or ZERO
                amounts.append(sol + fee - rent + created / LAMPORTS_PER_SOL)
            else:
                amounts.append(facts.token_deltas.get(mint, ZERO))
        return amounts[0], amounts[1]

    def _open_costs(self, facts: TxFacts, address: str) -> tuple[Decimal, Decimal, Decimal]:
        """What the transaction that opened position ``address`` cost, in SOL: its fee, the
        position's rent (refundable) and the rent of other accounts it created (BinArrays:
        sunk)."""
        before, after = facts.lamports_of(address) or (0, 0)
        created = facts.created_lamports(excluding={address, self._wallet})
        return (
            facts.fee or ZERO,
            Decimal(after - before) / LAMPORTS_PER_SOL,
            Decimal(created) / LAMPORTS_PER_SOL,
        )

    async def _facts(self, signature: str) -> TxFacts:
        try:
            poll = await self._client.solana.poll(
                signature, wallet_address=self._wallet, network=self._network
            )
        except GatewayError as e:
            raise venue_error(e, write=False) from e
        if poll.status != TransactionStatus.CONFIRMED:
            raise OutcomeUnknownError(f"transaction {signature} is not confirmed yet")
        return tx_facts(poll, wallet_address=self._wallet)

    async def adopt_position(self, command: AdoptPosition, evidence: Evidence) -> PositionAdopted:
        """Read an existing position of the wallet to hand it to an executor; with the chain's
        history, the open's fee, rent and BinArray rent are read from the transaction that opened
        it (reported as paid before the adoption). Sends nothing: a retry reads again."""
        del evidence  # nothing is sent, so nothing needs recording before an answer
        address = command.position_address
        position = await self._position(address)
        if position.pool_address != command.pool_address:
            raise VenueRejectedError(
                f"position {address} is in pool {position.pool_address}, not "
                f"{command.pool_address}",
                code="invalid_request",
            )
        pool = await self._read_pool(command.pool_address)
        fee = rent = sunk = ZERO
        signature, estimated = "", True
        if self._history is not None:
            records = await signatures_since(self._history, address, after="")
            if records and not records[0].failed:
                facts = await self._facts(records[0].signature)
                fee, rent, sunk = self._open_costs(facts, address)
                signature, estimated = records[0].signature, False
        return PositionAdopted(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            **as_it_stands(position, pool),
            position_rent=rent,
            signature=signature,
            estimated=estimated,
            open_tx_fee=fee,
            open_rent_sunk=sunk,
            base_fee_before=position.base_fee_amount,
            quote_fee_before=position.quote_fee_amount,
        )

    async def positions_owned(self, pool_address: str | None = None) -> list[PositionInfo]:
        """The wallet's positions on this connector as the Gateway lists them (``pool_address``:
        that pool's only), whoever opened them.

        Raises:
            VenueUnavailableError, VenueRejectedError: the list could not be read.
        """
        try:
            owned: list[PositionInfo] = await self._lp.positions_owned(
                self._wallet, network=self._network
            )
        except GatewayError as e:
            raise venue_error(e, write=False) from e
        return [p for p in owned if pool_address is None or p.pool_address == pool_address]

    async def _read_pool(self, address: str) -> Any:
        try:
            return await self._lp.pool_info(address, network=self._network)
        except GatewayError as e:
            logger.warning("could not read pool %s: %s", address, e)
            return None

    async def _reconcile_collect(
        self, command: CollectFees, evidence: Evidence
    ) -> OutcomeEvent | None:
        """A fee claim whose answer was lost. With its signature in the evidence, its poll
        decides. Otherwise the position's fees owed decide whether it landed: fees owed only
        fall when claimed, so owed fees not below those recorded before the send mean it did
        not land (sent again once the settle window has passed); fallen ones mean it landed, and
        its transaction is the oldest of the wallet's since the send that touches the position
        or, where the chain does not list the position among a claim's accounts, only paid the
        wallet pool tokens. It is never sent twice."""
        address = command.position_address
        if "signature" not in evidence:
            if "base_fee_owed" not in evidence:  # stopped before the send
                return self._not_landed(command, evidence)
            position = await self._position(address)
            fell = position.base_fee_amount < Decimal(evidence["base_fee_owed"]) or (
                position.quote_fee_amount < Decimal(evidence["quote_fee_owed"])
            )
            if not fell:
                failed = await self._failed_write(command, evidence, accounts=(address,))
                return failed or self._not_landed(command, evidence)
            signature = await self._claim_signature(
                position, evidence.get("wallet_signature_before")
            )
            evidence.record(signature=signature)
        decided = await self._received(command, evidence, address)
        if not isinstance(decided, tuple):
            return decided
        base, quote, fee, facts = decided
        return FeesCollected(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=address,
            base_fee=base,
            quote_fee=quote,
            tx_fee=fee,
            signature=facts.signature,
        )

    async def _reconcile_change(
        self, command: AddLiquidity | RemoveLiquidity, evidence: Evidence
    ) -> OutcomeEvent | None:
        """A liquidity change whose answer was lost: decided from its signature when the
        evidence holds one (a pending answer); without it, it stays unknown (never sent again)."""
        address = command.position_address
        if "signature" not in evidence:
            raise OutcomeUnknownError(
                f"{type(command).__name__} on {address}: no signature to follow; check the "
                "position, then retry the executor"
            )
        decided = await self._received(command, evidence, address)
        if not isinstance(decided, tuple):
            return decided
        base, quote, fee, facts = decided
        if isinstance(command, AddLiquidity):
            return LiquidityAdded(
                ts_event=self._clock.now(),
                command_id=command.command_id,
                position_address=address,
                base_amount=-base,
                quote_amount=-quote,
                tx_fee=fee,
                signature=facts.signature,
            )
        return LiquidityRemoved(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=address,
            base_amount=base,
            quote_amount=quote,
            tx_fee=fee,
            signature=facts.signature,
        )

    async def _received(
        self, command: Command, evidence: Evidence, address: str
    ) -> tuple[Decimal, Decimal, Decimal, TxFacts] | CommandFailed | None:
        """Decide a write on ``address`` from the signature in ``evidence``: (base, quote the
        wallet received, fee, facts) when it confirmed, else what :meth:`WalletTransactions.decide`
        said (failed on chain, or did not land)."""
        decided = await self._tx.decide(command, evidence)
        if decided is None or isinstance(decided, CommandFailed):
            return decided
        facts = tx_facts(decided, wallet_address=self._wallet)
        position = await self._position(address)
        fee = facts.fee or ZERO
        base, quote = self._wallet_received(facts, position, fee=fee, rent=ZERO, address=address)
        return base, quote, fee, facts

    async def _claim_signature(self, position: PositionInfo, before: str | None) -> str:
        """The signature of the claim on ``position`` among the wallet's transactions since
        ``before``.

        Raises:
            OutcomeUnknownError: no chain history, or no such transaction found (yet).
        """
        if self._history is None or before is None:
            raise OutcomeUnknownError(
                f"fees of {position.address} were claimed; without the chain's history its "
                "transaction cannot be read"
            )
        for record in await signatures_since(self._history, self._wallet, after=before):
            if record.failed:
                continue
            facts = await self._facts(record.signature)
            received = self._wallet_received(
                facts, position, fee=facts.fee or ZERO, rent=ZERO, address=position.address
            )
            only_paid = all(amount >= 0 for amount in received) and any(
                amount > 0 for amount in received
            )
            if position.address in facts.lamports or only_paid:
                return record.signature
        raise OutcomeUnknownError(f"fees of {position.address} were claimed; its claim not found")

    async def _position(self, address: str) -> PositionInfo:
        try:
            info: PositionInfo = await self._lp.position_info(
                address, wallet_address=self._wallet, network=self._network
            )
        except GatewayPositionClosedError as e:
            raise VenueRejectedError(f"position {address} is closed", code="position_closed") from e
        except GatewayPositionNotFound as e:
            raise VenueRejectedError(str(e), code="position_not_found") from e
        except GatewayError as e:
            raise venue_error(e, write=False) from e
        return info

    def _name(self, signature: str | None) -> None:
        """Remember a signature an answer (or a reconciliation) gave one of this venue's writes,
        so that no other write's reconciliation takes it for its own."""
        self._named.add(signature)

    def _unix_now(self) -> int:
        return int(self._clock.now().timestamp())

    async def _failed_write(
        self,
        command: Command,
        evidence: Evidence,
        *,
        accounts: tuple[str, ...],
        min_signers: int = 1,
    ) -> OutcomeEvent | None:
        """A write whose answer was lost and that failed on chain: its transaction (the wallet's
        oldest failed one since the send that names ``accounts``, no other write's) is decided
        from its signature, so the fee it cost is reported. None when there is none."""
        if self._history is None:
            return None
        signature = await failed_since(
            self._history,
            self._wallet,
            evidence,
            accounts=accounts,
            min_signers=min_signers,
            excluding=self._named,
        )
        if signature is None:
            return None
        logger.info("%s failed on chain in %s", command.command_id, signature)
        self._name(signature)
        evidence.record(signature=signature)
        return await self._tx.decide(command, evidence)

    def _not_landed(self, command: Command, evidence: Evidence) -> None:
        if not self._tx.settle_window_passed(evidence):
            raise OutcomeUnknownError(f"{command.command_id} not on chain yet; waiting to settle")
        return None


def as_it_stands(position: PositionInfo, pool: Any) -> dict[str, Any]:
    """A position's open as it stands now: its amounts, bounds and the pool's price."""
    return {
        "position_address": position.address,
        "base_amount": position.base_token_amount,
        "quote_amount": position.quote_token_amount,
        "lower_price": position.lower_price,
        "upper_price": position.upper_price,
        "lower_bin_id": position.lower_bin_id,
        "upper_bin_id": position.upper_bin_id,
        "active_bin_id": pool.active_bin_id if pool else None,
        "price": pool.price if pool else position.price,
    }
