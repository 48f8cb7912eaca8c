"""``GatewayLiquidityVenue``: the LiquidityVenue port over Hummingbot Gateway (real or paper).

Amounts come from what Gateway and the chain report. The fee is the chain's ``meta.fee`` read from
a poll of the signature (Meteora's write responses count the priority fee twice). Non-refundable
BinArray rent, which Gateway reports nowhere, is what the open took from the wallet's SOL beyond
the fee, the position rent and any SOL deposited.

An unknown outcome is reconciled from the chain: an open by finding an unclaimed position of the
wallet in the pool with the requested range, a close by reading the position. Until
``settle_seconds`` have passed since the first reconciliation, "not found" is still "unknown"
(the transaction may yet land); after that the write is known not to have landed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from core import (
    AddLiquidity,
    Clock,
    ClosePosition,
    CollectFees,
    Command,
    CommandFailed,
    ConfigError,
    FeesCollected,
    LiquidityAdded,
    LiquidityRemoved,
    OpenPosition,
    OutcomeEvent,
    OutcomeUnknown,
    PositionClosed,
    PositionOpened,
    PositionUpdated,
    RefreshPosition,
    RemoveLiquidity,
    VenueRejected,
)
from gateway_client import GatewayClient, GatewayError, PositionInfo
from gateway_client import PositionClosed as GatewayPositionClosed
from gateway_client import PositionNotFound as GatewayPositionNotFound
from lp.unified import UnifiedClmm
from swap.gateway_io import TxFacts, settle, venue_error

__all__ = ["GatewayLiquidityVenue"]

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
NATIVE_MINT = "So11111111111111111111111111111111111111112"
STRATEGY_TYPES = {"Spot": 0, "Curve": 1, "BidAsk": 2}
"""Meteora's ``strategyType`` numbers."""


class GatewayLiquidityVenue:
    """One connector, network and wallet on a Gateway.

    Args:
        client: an open ``GatewayClient`` (real Gateway, or the paper one in process).
        wallet_address: the wallet that signs.
        clock: the engine's clock (deadlines, settle windows).
        connector: ``meteora/clmm`` (its own routes), or ``raydium/clmm``, ``orca/clmm``,
            ``uniswap/clmm`` through the unified ``/trading/clmm`` routes.
        network: e.g. ``mainnet-beta``.
        confirm_seconds: how long a PENDING write is polled before its outcome is unknown.
        settle_seconds: how long "not on chain" stays "unknown" while reconciling.
        claimed_positions: returns position addresses other executors own (never adopted).
    """

    def __init__(
        self,
        client: GatewayClient,
        *,
        wallet_address: str,
        clock: Clock,
        connector: str = "meteora/clmm",
        network: str = "mainnet-beta",
        confirm_seconds: float = 90.0,
        settle_seconds: float = 90.0,
        claimed_positions: Callable[[], Iterable[str]] | None = None,
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
        self._confirm = dt.timedelta(seconds=confirm_seconds)
        self._settle_window = dt.timedelta(seconds=settle_seconds)
        self._claimed = claimed_positions or (lambda: ())
        self._first_reconcile: dict[str, dt.datetime] = {}

    # --- writes ---------------------------------------------------------------------------------

    async def _write(self, call: Any) -> Any:
        try:
            return await call
        except GatewayError as e:
            raise venue_error(e, write=True) from e

    async def _settle(self, result: Any) -> TxFacts | None:
        return await settle(
            self._client,
            signature=result.signature,
            status=result.status,
            wallet_address=self._wallet,
            deadline=self._clock.now() + self._confirm,
            network=self._network,
        )

    async def open_position(self, command: OpenPosition) -> PositionOpened:
        """Open the position and report what actually landed."""
        result = await self._write(
            self._lp.open_position(
                command.pool_address,
                lower_price=command.lower_price,
                upper_price=command.upper_price,
                wallet_address=self._wallet,
                base_token_amount=command.base_amount,
                quote_token_amount=command.quote_amount,
                slippage=command.slippage,
                strategy_type=self._strategy(command.strategy_type),
                network=self._network,
            )
        )
        facts = await self._settle(result)
        data = result.data
        if data is None:
            # Confirmed by polling, without Gateway's data: read it back from the chain.
            found = await self._find_opened(command)
            if found is None:
                raise OutcomeUnknown(f"open {result.signature} confirmed but no position found")
            return found
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
            return STRATEGY_TYPES[name]
        except KeyError:
            raise VenueRejected(
                f"strategy_type: expected one of {sorted(STRATEGY_TYPES)}, received {name!r}",
                code="invalid_request",
            ) from None

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

    async def close_position(self, command: ClosePosition) -> PositionClosed:
        """Close after a pre-flight read: an already closed position is reported as closed."""
        try:
            await self._lp.position_info(
                command.position_address, wallet_address=self._wallet, network=self._network
            )
        except GatewayPositionClosed:
            return self._already_closed(command)
        except GatewayPositionNotFound as e:
            raise VenueRejected(str(e), code="position_not_found") from e
        except GatewayError as e:
            raise venue_error(e, write=False) from e
        result = await self._write(
            self._lp.close_position(
                command.position_address, wallet_address=self._wallet, network=self._network
            )
        )
        facts = await self._settle(result)
        data = result.data
        if data is None:
            return self._already_closed(command)
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

    def _already_closed(self, command: Command) -> PositionClosed:
        return PositionClosed(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            position_address=getattr(command, "position_address", ""),
            base_amount=ZERO,
            quote_amount=ZERO,
            already_closed=True,
            estimated=True,
        )

    async def _write_data(self, name: str, call: Any) -> tuple[Any, Any, Decimal, str]:
        """Send a write, follow it to its end; return (result, data, fee, signature)."""
        result = await self._write(call)
        facts = await self._settle(result)
        if result.data is None:
            raise OutcomeUnknown(f"{name} {result.signature} confirmed without data")
        return result, result.data, _fee(facts, result.data.fee), result.signature

    async def add_liquidity(self, command: AddLiquidity) -> LiquidityAdded:
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

    async def remove_liquidity(self, command: RemoveLiquidity) -> LiquidityRemoved:
        """Remove a fraction of a position's liquidity."""
        _, data, fee, signature = await self._write_data(
            "remove-liquidity",
            self._lp.remove_liquidity(
                command.position_address,
                wallet_address=self._wallet,
                fraction=command.fraction,
                network=self._network,
            ),
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

    async def collect_fees(self, command: CollectFees) -> FeesCollected:
        """Claim a position's fees."""
        _, data, fee, signature = await self._write_data(
            "collect-fees",
            self._lp.collect_fees(
                command.position_address, wallet_address=self._wallet, network=self._network
            ),
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
            VenueUnavailable, VenueRejected: the pool could not be read.
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
        except GatewayPositionClosed:
            return self._already_closed(command)
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

    async def _read_pool(self, address: str) -> Any:
        try:
            return await self._lp.pool_info(address, network=self._network)
        except GatewayError as e:
            logger.warning("could not read pool %s: %s", address, e)
            return None

    # --- reconciliation ---------------------------------------------------------------------------

    def _settled(self, command: Command) -> bool:
        now = self._clock.now()
        first = self._first_reconcile.setdefault(command.command_id, now)
        return now - first >= self._settle_window

    async def reconcile(self, command: Command) -> OutcomeEvent | None:
        """Find out from the chain what became of a write whose outcome is unknown."""
        if isinstance(command, OpenPosition):
            found = await self._find_opened(command)
            if found is not None:
                return found
        elif isinstance(command, ClosePosition):
            try:
                await self._lp.position_info(
                    command.position_address, wallet_address=self._wallet, network=self._network
                )
            except GatewayPositionClosed:
                return self._already_closed(command)
            except GatewayPositionNotFound as e:
                return CommandFailed(
                    ts_event=self._clock.now(),
                    command_id=command.command_id,
                    reason=str(e),
                    code="position_not_found",
                )
            except GatewayError as e:
                raise venue_error(e, write=False) from e
        else:
            raise OutcomeUnknown(f"{type(command).__name__} cannot be reconciled from the chain")
        if not self._settled(command):
            raise OutcomeUnknown(f"{command.command_id} not on chain yet; waiting to settle")
        self._first_reconcile.pop(command.command_id, None)
        return None

    async def _find_opened(self, command: OpenPosition) -> PositionOpened | None:
        try:
            owned = await self._lp.positions_owned(self._wallet, network=self._network)
        except GatewayError as e:
            raise venue_error(e, write=False) from e
        claimed = set(self._claimed())
        for position in owned:
            if position.pool_address != command.pool_address or position.address in claimed:
                continue
            if not _same_range(position, command):
                continue
            pool = await self._read_pool(command.pool_address)
            logger.info("adopting position %s for %s", position.address, command.command_id)
            return PositionOpened(
                ts_event=self._clock.now(),
                command_id=command.command_id,
                position_address=position.address,
                base_amount=position.base_token_amount,
                quote_amount=position.quote_token_amount,
                lower_price=position.lower_price,
                upper_price=position.upper_price,
                lower_bin_id=position.lower_bin_id,
                upper_bin_id=position.upper_bin_id,
                active_bin_id=pool.active_bin_id if pool else None,
                price=pool.price if pool else position.price,
            )
        return None


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
