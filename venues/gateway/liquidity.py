"""``GatewayLiquidityVenue``: the LiquidityVenue port over Hummingbot Gateway (real or paper).

Amounts come from what Gateway and the chain report. The fee is the chain's ``meta.fee`` read from
a poll of the signature (Meteora's write responses count the priority fee twice). Non-refundable
BinArray rent, which Gateway reports nowhere, is what the open took from the wallet's SOL beyond
the fee, the position rent and any SOL deposited.

An unknown outcome is reconciled from the chain, with the facts of the transaction that did it:
the write's signature when its evidence holds one (a pending answer), otherwise the position found
(an unclaimed position of the wallet in the pool with the requested range for an open, the
closed position for a close) and its transactions in the chain's signature history (the oldest
opened it, the newest closed it). Rent, BinArray rent, refund, fee, amounts and signature are then
read from that transaction, to the lamport. Without a history (no Solana RPC configured) an open
found by its position is reported with ``estimated=True`` (its costs unknown), and a close found
done likewise. Until ``settle_seconds`` have passed since the first reconciliation, "not found"
is still "unknown" (the transaction may yet land); after that the write is known not to have
landed. The adapter keeps nothing between calls: everything it needs is in the evidence.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from gateway_client import (
    ChainHistory,
    GatewayClient,
    GatewayError,
    PositionInfo,
    TransactionFailedError,
)
from gateway_client import PositionClosedError as GatewayPositionClosedError
from gateway_client import PositionNotFoundError as GatewayPositionNotFound
from lpexec.core import (
    Clock,
    Command,
    CommandFailed,
    ConfigError,
    Evidence,
    OutcomeEvent,
    OutcomeUnknownError,
    VenueRejectedError,
)
from lpexec.core.money import ZERO
from lpexec.lp.adoption import AdoptPosition
from lpexec.lp.math.dlmm import LAMPORTS_PER_SOL
from lpexec.lp.math.dlmm_distribution import Strategy
from lpexec.lp.messages import (
    AddLiquidity,
    ClosePosition,
    CollectFees,
    FeesCollected,
    LiquidityAdded,
    LiquidityRemoved,
    OpenPosition,
    PositionClosed,
    PositionOpened,
    PositionUpdated,
    RefreshPosition,
    RemoveLiquidity,
)
from lpexec.venues.gateway.position_reads import NATIVE_MINT, PositionReads, as_it_stands
from lpexec.venues.gateway.transactions import (
    NamedSignatures,
    TxFacts,
    WalletTransactions,
    note_send,
    signatures_since,
    tx_facts,
    venue_error,
)
from lpexec.venues.gateway.unified_clmm import UnifiedClmm

__all__ = ["GatewayLiquidityVenue"]

logger = logging.getLogger(__name__)


class GatewayLiquidityVenue(PositionReads):
    """One connector, network and wallet on a Gateway.

    Args:
        client: an open ``GatewayClient`` (real Gateway, or the paper one in process).
        wallet_address: the wallet that signs.
        clock: the engine's clock (deadlines, settle windows).
        connector: ``meteora/clmm`` (its own routes), or ``raydium/clmm``, ``orca/clmm``,
            ``uniswap/clmm`` through the unified ``/trading/clmm`` routes.
        network: e.g. ``mainnet-beta``.
        settle_seconds: how long "not on chain" stays "unknown" while reconciling.
        claimed_positions: returns position addresses other executors own (never adopted).
        history: the chain's signature history (Solana RPC), to find the transaction that
            opened or closed a position when the write's answer was lost.
        named_signatures: the signatures the wallet's writes got or were given (one registry
            shared by the wallet's venues; default: this venue's own).
    """

    def __init__(
        self,
        client: GatewayClient,
        *,
        wallet_address: str,
        clock: Clock,
        connector: str = "meteora/clmm",
        network: str = "mainnet-beta",
        settle_seconds: float = 90.0,
        claimed_positions: Callable[[], Iterable[str]] | None = None,
        history: ChainHistory | None = None,
        named_signatures: NamedSignatures | None = None,
    ) -> None:
        resources: dict[str, Any] = {
            "meteora/clmm": client.meteora,
            "raydium/clmm": UnifiedClmm(client.trading_clmm, "raydium/clmm"),
            "orca/clmm": UnifiedClmm(client.trading_clmm, "orca/clmm"),
            "uniswap/clmm": UnifiedClmm(client.trading_clmm, "uniswap/clmm"),
        }
        if connector not in resources:
            raise ConfigError(
                f"connector: expected one of {sorted(resources)}, received {connector!r}"
            )
        self._client = client
        self._lp: Any = resources[connector]
        self.connector = connector
        self._wallet = wallet_address
        self._clock = clock
        self._network = network
        self._tx = WalletTransactions(
            client, wallet_address, network, clock, dt.timedelta(seconds=settle_seconds)
        )
        self._claimed = claimed_positions or (lambda: ())
        self._history = history
        self._named = named_signatures or NamedSignatures()

    # --- writes ---------------------------------------------------------------------------------

    async def _write(self, call: Any, evidence: Evidence) -> Any:
        await note_send(self._history, self._wallet, evidence, self._unix_now())
        try:
            result = await call
        except TransactionFailedError as e:
            self._name(e.signature)
            raise await self._tx.failed(e, evidence) from e
        except GatewayError as e:
            raise venue_error(e, write=True) from e
        self._name(result.signature)
        return result

    async def open_position(self, command: OpenPosition, evidence: Evidence) -> PositionOpened:
        """Open the position and report what actually landed."""
        result = await self._write(
            evidence=evidence,
            call=self._lp.open_position(
                command.pool_address,
                lower_price=command.lower_price,
                upper_price=command.upper_price,
                wallet_address=self._wallet,
                base_token_amount=command.base_amount,
                quote_token_amount=command.quote_amount,
                slippage=command.slippage,
                strategy_type=self._strategy(command.strategy_type),
                network=self._network,
            ),
        )
        facts = await self._tx.settle(result, evidence)
        data = result.data
        if data is None:
            # Confirmed without Gateway's data: the engine reconciles from the signature.
            raise OutcomeUnknownError(f"open {result.signature} confirmed without data")
        position = await self._read_position(data.position_address)
        pool = await self._read_pool(command.pool_address)
        base_added, quote_added = data.base_token_amount_added, data.quote_token_amount_added
        rent = data.position_rent or ZERO
        fee = _fee(facts, data.fee)
        sunk = ZERO
        if facts is not None and facts.sol_delta is not None:
            deposited_sol = self._sol_part(position, base_added, quote_added)
            if deposited_sol is not None:
                sunk = max(ZERO, -facts.sol_delta - fee - rent - deposited_sol)
        return PositionOpened(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=data.position_address,
            base_amount=base_added,
            quote_amount=quote_added,
            lower_price=position.lower_price if position else command.lower_price,
            upper_price=position.upper_price if position else command.upper_price,
            lower_bin_id=position.lower_bin_id if position else None,
            upper_bin_id=position.upper_bin_id if position else None,
            active_bin_id=pool.active_bin_id if pool else None,
            price=pool.price if pool else (position.price if position else None),
            position_rent=rent,
            rent_sunk=sunk,
            tx_fee=fee,
            signature=result.signature,
        )

    def _strategy(self, name: str | None) -> int | None:
        if name is None or self.connector != "meteora/clmm":
            return None
        try:
            return int(Strategy.parse(name))
        except ValueError as e:
            raise VenueRejectedError(f"strategy_type: {e}", code="invalid_request") from None

    def _sol_part(
        self, position: PositionInfo | None, base: Decimal, quote: Decimal
    ) -> Decimal | None:
        if position is None:
            return None
        part = ZERO
        if position.base_token_address == NATIVE_MINT:
            part += base
        if position.quote_token_address == NATIVE_MINT:
            part += quote
        return part

    async def close_position(self, command: ClosePosition, evidence: Evidence) -> PositionClosed:
        """Close after a pre-flight read: a position closed already is reported with the facts
        of the transaction that closed it."""
        try:
            await self._lp.position_info(
                command.position_address, wallet_address=self._wallet, network=self._network
            )
        except GatewayPositionClosedError:
            return await self._closed_from_chain(command, command.pool_address)
        except GatewayPositionNotFound as e:
            raise VenueRejectedError(str(e), code="position_not_found") from e
        except GatewayError as e:
            raise venue_error(e, write=False) from e
        result = await self._write(
            evidence=evidence,
            call=self._lp.close_position(
                command.position_address, wallet_address=self._wallet, network=self._network
            ),
        )
        facts = await self._tx.settle(result, evidence)
        data = result.data
        if data is None:
            raise OutcomeUnknownError(f"close {result.signature} confirmed without data")
        return PositionClosed(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=command.position_address,
            base_amount=data.base_token_amount_removed,
            quote_amount=data.quote_token_amount_removed,
            base_fee=data.base_fee_amount_collected,
            quote_fee=data.quote_fee_amount_collected,
            position_rent_refunded=data.position_rent_refunded or ZERO,
            tx_fee=_fee(facts, data.fee),
            signature=result.signature,
        )

    async def _closed_from_chain(
        self, command: Command, pool_address: str | None, signature: str | None = None
    ) -> PositionClosed:
        """A closed position's close, read from the transaction that closed it (``signature``,
        else the newest of the position's history); estimated when there is no history."""
        address = getattr(command, "position_address", "")
        if signature is None and self._history is not None:
            records = await signatures_since(self._history, address, after="")
            landed = [record for record in records if not record.failed]
            if len(landed) < 2:  # the open, then the close once it is confirmed
                raise OutcomeUnknownError(f"position {address} closed; its close not confirmed yet")
            signature = landed[-1].signature
        pool = await self._read_pool(pool_address) if pool_address else None
        if signature is not None and pool is None and pool_address:
            # the transaction is known: read it exactly once the pool answers, never estimate
            raise OutcomeUnknownError(f"position {address} closed; pool {pool_address} unreadable")
        if signature is None or pool is None:
            return PositionClosed(
                ts_event=self._clock.now(),
                command_id=command.command_id,
                position_address=address,
                base_amount=ZERO,
                quote_amount=ZERO,
                already_closed=True,
                estimated=True,
            )
        facts = await self._facts(signature)
        fee = facts.fee or ZERO
        before, after = facts.lamports_of(address) or (0, 0)
        refund = Decimal(before - after) / LAMPORTS_PER_SOL
        base, quote = self._wallet_received(facts, pool, fee=fee, rent=refund, address=address)
        return PositionClosed(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=address,
            base_amount=base,
            quote_amount=quote,
            position_rent_refunded=refund,
            tx_fee=fee,
            signature=signature,
            already_closed=True,
            fees_included=True,
        )

    async def _write_data(
        self, name: str, call: Any, evidence: Evidence
    ) -> tuple[Any, Any, Decimal, str]:
        """Send a write, follow it to its end; return (result, data, fee, signature)."""
        result = await self._write(call, evidence)
        facts = await self._tx.settle(result, evidence)
        if result.data is None:
            raise OutcomeUnknownError(f"{name} {result.signature} confirmed without data")
        return result, result.data, _fee(facts, result.data.fee), result.signature

    async def add_liquidity(self, command: AddLiquidity, evidence: Evidence) -> LiquidityAdded:
        """Add liquidity to an open position."""
        _, data, fee, signature = await self._write_data(
            "add-liquidity",
            self._lp.add_liquidity(
                command.position_address,
                wallet_address=self._wallet,
                base_token_amount=command.base_amount,
                quote_token_amount=command.quote_amount,
                slippage=command.slippage,
                network=self._network,
            ),
            evidence,
        )
        return LiquidityAdded(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=command.position_address,
            base_amount=data.base_token_amount_added,
            quote_amount=data.quote_token_amount_added,
            tx_fee=fee,
            signature=signature,
        )

    async def remove_liquidity(
        self, command: RemoveLiquidity, evidence: Evidence
    ) -> LiquidityRemoved:
        """Remove a fraction of a position's liquidity."""
        _, data, fee, signature = await self._write_data(
            "remove-liquidity",
            self._lp.remove_liquidity(
                command.position_address,
                wallet_address=self._wallet,
                fraction=command.fraction,
                network=self._network,
            ),
            evidence,
        )
        return LiquidityRemoved(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=command.position_address,
            base_amount=data.base_token_amount_removed,
            quote_amount=data.quote_token_amount_removed,
            tx_fee=fee,
            signature=signature,
        )

    async def collect_fees(self, command: CollectFees, evidence: Evidence) -> FeesCollected:
        """Claim a position's fees. The fees owed and the wallet's newest signature are recorded
        first, so that a lost answer is reconciled from the chain, never sent again blind; a
        position that owes nothing is refused before anything is sent."""
        if "base_fee_owed" not in evidence:
            position = await self._position(command.position_address)
            if position.base_fee_amount <= 0 and position.quote_fee_amount <= 0:
                raise VenueRejectedError(
                    f"position {command.position_address} owes no fees: nothing to collect",
                    code="nothing_to_collect",
                )
            await note_send(self._history, self._wallet, evidence, self._unix_now())
            evidence.record(
                base_fee_owed=str(position.base_fee_amount),
                quote_fee_owed=str(position.quote_fee_amount),
            )
        _, data, fee, signature = await self._write_data(
            "collect-fees",
            self._lp.collect_fees(
                command.position_address, wallet_address=self._wallet, network=self._network
            ),
            evidence,
        )
        return FeesCollected(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=command.position_address,
            base_fee=data.base_fee_amount_collected,
            quote_fee=data.quote_fee_amount_collected,
            tx_fee=fee,
            signature=signature,
        )

    # --- reads ------------------------------------------------------------------------------------

    async def pool_info(self, pool_address: str) -> Any:
        """Read a pool (price, active bin or tick, bin step, reserves).

        Raises:
            VenueUnavailableError, VenueRejectedError: the pool could not be read.
        """
        try:
            return await self._lp.pool_info(pool_address, network=self._network)
        except GatewayError as e:
            raise venue_error(e, write=False) from e

    async def refresh_position(self, command: RefreshPosition) -> OutcomeEvent:
        """Read the position and its pool; a closed position is reported as closed."""
        try:
            position = await self._lp.position_info(
                command.position_address, wallet_address=self._wallet, network=self._network
            )
        except GatewayPositionClosedError:
            return await self._closed_from_chain(command, command.pool_address)
        except GatewayError as e:
            raise venue_error(e, write=False) from e
        pool = await self._read_pool(command.pool_address or position.pool_address)
        return PositionUpdated(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=position.address,
            base_amount=position.base_token_amount,
            quote_amount=position.quote_token_amount,
            base_fee=position.base_fee_amount,
            quote_fee=position.quote_fee_amount,
            lower_price=position.lower_price,
            upper_price=position.upper_price,
            price=pool.price if pool else position.price,
            lower_bin_id=position.lower_bin_id,
            upper_bin_id=position.upper_bin_id,
            active_bin_id=pool.active_bin_id if pool else None,
        )

    async def _read_position(self, address: str) -> PositionInfo | None:
        try:
            info: PositionInfo = await self._lp.position_info(
                address, wallet_address=self._wallet, network=self._network
            )
        except GatewayError as e:
            logger.warning("could not read position %s after its open: %s", address, e)
            return None
        return info

    # --- reconciliation ---------------------------------------------------------------------------

    async def reconcile(self, command: Command, evidence: Evidence) -> OutcomeEvent | None:
        """Find out from the chain what became of a write whose outcome is unknown."""
        if isinstance(command, OpenPosition):
            return await self._reconcile_open(command, evidence)
        if isinstance(command, ClosePosition):
            return await self._reconcile_close(command, evidence)
        if isinstance(command, AdoptPosition):  # a read: reading again is the reconciliation
            return await self.adopt_position(command, evidence)
        if isinstance(command, CollectFees):
            return await self._reconcile_collect(command, evidence)
        if isinstance(command, AddLiquidity | RemoveLiquidity):
            return await self._reconcile_change(command, evidence)
        raise OutcomeUnknownError(f"{type(command).__name__} cannot be reconciled from the chain")

    async def _reconcile_open(
        self, command: OpenPosition, evidence: Evidence
    ) -> OutcomeEvent | None:
        if "signature" in evidence:
            decided = await self._tx.decide(command, evidence)
            if decided is None or isinstance(decided, CommandFailed):
                return decided
            facts = tx_facts(decided, wallet_address=self._wallet)
            position = await self._find_position(command, among=set(facts.lamports))
            if position is None:
                raise OutcomeUnknownError(
                    f"open {evidence['signature']} landed; position not found"
                )
            return await self._opened_from_facts(command, position, facts)
        position = await self._find_position(command)
        if position is None:
            # an open is signed by its new position too: a failed open names the pool, 2 signers
            failed = await self._failed_write(
                command, evidence, accounts=(command.pool_address,), min_signers=2
            )
            return failed or self._not_landed(command, evidence)
        logger.info("adopting position %s for %s", position.address, command.command_id)
        if self._history is None:
            return await self._opened_estimated(command, position)
        records = await signatures_since(self._history, position.address, after="")
        if not records or records[0].failed:
            raise OutcomeUnknownError(
                f"position {position.address} found; its open not confirmed yet"
            )
        evidence.record(signature=records[0].signature)
        facts = await self._facts(records[0].signature)
        return await self._opened_from_facts(command, position, facts)

    async def _reconcile_close(
        self, command: ClosePosition, evidence: Evidence
    ) -> OutcomeEvent | None:
        signature = evidence.get("signature")
        if signature is not None:
            decided = await self._tx.decide(command, evidence)
            if decided is None or isinstance(decided, CommandFailed):
                return decided
            return await self._closed_from_chain(command, command.pool_address, signature)
        try:
            await self._lp.position_info(
                command.position_address, wallet_address=self._wallet, network=self._network
            )
        except GatewayPositionClosedError:
            return await self._closed_from_chain(command, command.pool_address)
        except GatewayPositionNotFound as e:
            return CommandFailed(
                ts_event=self._clock.now(),
                command_id=command.command_id,
                reason=str(e),
                code="position_not_found",
            )
        except GatewayError as e:
            raise venue_error(e, write=False) from e
        failed = await self._failed_write(command, evidence, accounts=(command.position_address,))
        return failed or self._not_landed(command, evidence)

    async def _find_position(
        self, command: OpenPosition, *, among: set[str] | None = None
    ) -> PositionInfo | None:
        """An unclaimed position of the wallet in the pool with the requested range (and, with
        ``among``, one of those accounts)."""
        try:
            owned = await self._lp.positions_owned(self._wallet, network=self._network)
        except GatewayError as e:
            raise venue_error(e, write=False) from e
        claimed = set(self._claimed())
        for position in owned:
            if position.pool_address != command.pool_address or position.address in claimed:
                continue
            if among is not None and position.address not in among:
                continue
            if among is None and not _same_range(position, command):
                continue
            found: PositionInfo = position
            return found
        return None

    async def _opened_from_facts(
        self, command: OpenPosition, position: PositionInfo, facts: TxFacts
    ) -> PositionOpened:
        """The open as the transaction that did it says: deposits, rent, BinArray rent, fee."""
        pool = await self._read_pool(command.pool_address)
        fee, rent, sunk = self._open_costs(facts, position.address)
        paid = self._wallet_received(
            facts,
            position,
            fee=fee,
            rent=-rent,
            address=position.address,
        )
        return PositionOpened(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=position.address,
            base_amount=-paid[0],
            quote_amount=-paid[1],
            lower_price=position.lower_price,
            upper_price=position.upper_price,
            lower_bin_id=position.lower_bin_id,
            upper_bin_id=position.upper_bin_id,
            active_bin_id=pool.active_bin_id if pool else None,
            price=pool.price if pool else position.price,
            position_rent=rent,
            rent_sunk=sunk,
            tx_fee=fee,
            signature=facts.signature,
        )

    async def _opened_estimated(
        self, command: OpenPosition, position: PositionInfo
    ) -> PositionOpened:
        """The open seen only through its position: amounts as they are now, costs unknown."""
        pool = await self._read_pool(command.pool_address)
        return PositionOpened(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            **as_it_stands(position, pool),
            estimated=True,
        )


def _same_range(position: PositionInfo, command: OpenPosition) -> bool:
    """True when the on-chain bounds are the bin/tick-rounded requested ones (within 1 %)."""
    tolerance = Decimal("0.01")
    lower_ok = abs(position.lower_price - command.lower_price) <= command.lower_price * tolerance
    upper_ok = abs(position.upper_price - command.upper_price) <= command.upper_price * tolerance
    return lower_ok and upper_ok


def _fee(facts: TxFacts | None, reported: Decimal | None) -> Decimal:
    if facts is not None and facts.fee is not None:
        return facts.fee
    return reported if reported is not None else ZERO
